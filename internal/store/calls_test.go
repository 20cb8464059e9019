package store_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/providers"
)

func TestCallSettingsLifecycle(t *testing.T) {
	s := openStore(t)
	ctx := t.Context()
	a := &store.Number{Provider: "sandbox", CarrierID: "a", E164: "+33612345671"}
	b := &store.Number{Provider: "sandbox", CarrierID: "b", E164: "+33612345672"}
	require.NoError(t, s.InsertNumber(ctx, a))
	require.NoError(t, s.InsertNumber(ctx, b))

	none, err := s.CallSettings(ctx, a.ID)
	require.NoError(t, err)
	assert.True(t, none.IsZero())

	want := store.CallSettings{NumberID: a.ID, Blocked: []string{"+33699999999", "+33611111111", "+33611111111"},
		BlockAnonymous: true, Voicemail: providers.VoicemailAfter, VoicemailAfter: 20 * time.Second}
	require.NoError(t, s.SaveCallSettings(ctx, want))
	got, err := s.CallSettings(ctx, a.ID)
	require.NoError(t, err)
	assert.Equal(t, []string{"+33611111111", "+33699999999"}, got.Blocked)
	assert.True(t, got.BlockAnonymous)
	assert.Equal(t, 20*time.Second, got.VoicemailAfter)

	require.NoError(t, s.MoveCallSettings(ctx, a.ID, b.ID))
	moved, err := s.CallSettings(ctx, b.ID)
	require.NoError(t, err)
	assert.Equal(t, got.Blocked, moved.Blocked)
	left, err := s.CallSettings(ctx, a.ID)
	require.NoError(t, err)
	assert.True(t, left.IsZero())

	// Ending a number drops its settings; a burn its calls and voicemails as well.
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	require.NoError(t, s.AddCalls(ctx, b.ID, []providers.Call{{ID: "CA1", From: "+33611111111", To: b.E164, At: at, Outcome: providers.CallBlocked}}))
	require.NoError(t, s.AddCalls(ctx, b.ID, []providers.Call{{ID: "CA1", From: "+33611111111", To: b.E164, At: at, Outcome: providers.CallVoicemail}}))
	require.NoError(t, s.AddVoicemails(ctx, b.ID, "sandbox", []providers.Voicemail{{ID: "VM1", CallID: "CA1", From: "+33611111111", At: at}}))
	last, err := s.LastCallAt(ctx, a.ID)
	require.NoError(t, err)
	assert.True(t, last.IsZero(), "a number without calls has no last call")
	require.NoError(t, s.AddCalls(ctx, b.ID, []providers.Call{{ID: "CA0", From: "+33611111112", To: b.E164, At: at.Add(-time.Hour)}}))
	last, err = s.LastCallAt(ctx, b.ID)
	require.NoError(t, err)
	assert.True(t, at.Equal(last), "the latest call's start, whatever the order they came in: %v", last)
	calls, err := s.ListCalls(ctx, []int64{b.ID}, at)
	require.NoError(t, err)
	require.Len(t, calls, 1, "one call, updated in place")
	assert.Equal(t, providers.CallVoicemail, calls[0].Outcome)
	later, err := s.ListCalls(ctx, nil, at.Add(time.Second))
	require.NoError(t, err)
	assert.Empty(t, later)

	_, err = s.EndNumber(ctx, b.ID, store.EndBurned, at, "")
	require.NoError(t, err)
	gone, err := s.CallSettings(ctx, b.ID)
	require.NoError(t, err)
	assert.True(t, gone.IsZero())
	calls, err = s.ListCalls(ctx, nil, time.Time{})
	require.NoError(t, err)
	assert.Empty(t, calls)
	_, err = s.GetVoicemail(ctx, "VM1")
	require.ErrorIs(t, err, store.ErrNotFound)
}
