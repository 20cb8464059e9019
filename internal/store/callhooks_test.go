package store_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/providers"
)

func TestCallHooksKeepWhatWasThereFirst(t *testing.T) {
	s := openStore(t)
	ctx := t.Context()
	_, found, err := s.CallHookOf(ctx, "telnyx", "n1")
	require.NoError(t, err)
	assert.False(t, found)

	require.NoError(t, s.SaveCallHook(ctx, store.CallHook{Provider: "telnyx", CarrierID: "n1", URL: "https://a/calls", Previous: "conn-1"}))
	// Pointed again (serve moved): the first previous stays, the URL is the new one.
	require.NoError(t, s.SaveCallHook(ctx, store.CallHook{Provider: "telnyx", CarrierID: "n1", URL: "https://b/calls", Previous: "texml-vnum"}))
	h, found, err := s.CallHookOf(ctx, "telnyx", "n1")
	require.NoError(t, err)
	require.True(t, found)
	assert.Equal(t, store.CallHook{Provider: "telnyx", CarrierID: "n1", URL: "https://b/calls", Previous: "conn-1"}, h)
	all, err := s.ListCallHooks(ctx)
	require.NoError(t, err)
	assert.Len(t, all, 1)
	require.NoError(t, s.DeleteCallHook(ctx, "telnyx", "n1"))
	all, err = s.ListCallHooks(ctx)
	require.NoError(t, err)
	assert.Empty(t, all)
}

func TestServeCallLogAndVoicemailAudio(t *testing.T) {
	s := openStore(t)
	ctx := t.Context()
	n := &store.Number{Provider: "telnyx", CarrierID: "n1", E164: "+13125550002"}
	require.NoError(t, s.InsertNumber(ctx, n))
	got, err := s.NumberByE164(ctx, "telnyx", "+13125550002")
	require.NoError(t, err)
	assert.Equal(t, n.ID, got.ID)
	_, err = s.NumberByE164(ctx, "vonage", "+13125550002")
	require.ErrorIs(t, err, store.ErrNotFound)

	at := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	// A call logged as it rings, then updated by id with what became of it.
	require.NoError(t, s.AddCalls(ctx, n.ID, []providers.Call{{ID: "c1", From: "+33611111111", To: n.E164, At: at, Outcome: providers.CallForwarded}}))
	require.NoError(t, s.AddCalls(ctx, n.ID, []providers.Call{{ID: "c1", From: "+33611111111", To: n.E164, At: at.Add(time.Minute),
		Duration: 42 * time.Second, Outcome: providers.CallVoicemail}}))
	calls, err := s.ListCalls(ctx, []int64{n.ID}, time.Time{})
	require.NoError(t, err)
	require.Len(t, calls, 1)
	assert.Equal(t, providers.CallVoicemail, calls[0].Outcome)
	assert.Equal(t, 42*time.Second, calls[0].Duration)
	assert.True(t, calls[0].At.Equal(at), "the call keeps the time it rang")

	vm := providers.Voicemail{ID: "r1", CallID: "c1", From: "+33611111111", To: n.E164, At: at, Duration: 7 * time.Second,
		RecordingURL: "https://api.telnyx.com/v2/recordings/r1.wav"}
	require.NoError(t, s.AddVoicemails(ctx, n.ID, "telnyx", []providers.Voicemail{vm}))
	pending, err := s.PendingAudio(ctx)
	require.NoError(t, err)
	require.Len(t, pending, 1)
	assert.Equal(t, vm.RecordingURL, pending[0].RecordingURL)
	_, found, err := s.VoicemailAudio(ctx, "telnyx", "r1")
	require.NoError(t, err)
	assert.False(t, found, "not downloaded yet")

	audio := providers.Audio{ContentType: "audio/wav", Data: []byte("RIFF\x00\x01\x02\xff")}
	require.NoError(t, s.SaveVoicemailAudio(ctx, "telnyx", "r1", audio))
	a, found, err := s.VoicemailAudio(ctx, "telnyx", "r1")
	require.NoError(t, err)
	require.True(t, found)
	assert.Equal(t, audio, a, "binary audio comes back byte for byte")
	pending, err = s.PendingAudio(ctx)
	require.NoError(t, err)
	assert.Empty(t, pending)

	require.NoError(t, s.DeleteVoicemail(ctx, "telnyx", "r1"))
	_, found, err = s.VoicemailAudio(ctx, "telnyx", "r1")
	require.NoError(t, err)
	assert.False(t, found, "the audio goes with the voicemail")
}

func TestBurnForgetsVoicemailAudio(t *testing.T) {
	s := openStore(t)
	ctx := t.Context()
	n := &store.Number{Provider: "telnyx", CarrierID: "n1", E164: "+13125550002", State: providers.StateActive}
	require.NoError(t, s.InsertNumber(ctx, n))
	require.NoError(t, s.AddVoicemails(ctx, n.ID, "telnyx", []providers.Voicemail{{ID: "r1", To: n.E164, At: time.Now()}}))
	require.NoError(t, s.SaveVoicemailAudio(ctx, "telnyx", "r1", providers.Audio{ContentType: "audio/wav", Data: []byte("x")}))
	_, err := s.EndNumber(ctx, n.ID, store.EndBurned, time.Now(), "")
	require.NoError(t, err)
	_, found, err := s.VoicemailAudio(ctx, "telnyx", "r1")
	require.NoError(t, err)
	assert.False(t, found)
}
