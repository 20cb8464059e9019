package numbers

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/providers"
	"github.com/vnum-cli/vnum/providers/providertest"
)

func block(callers ...string) func(*store.CallSettings) {
	return func(c *store.CallSettings) { c.Blocked = append(c.Blocked, callers...) }
}

func TestBlockReachesCarrierThenStore(t *testing.T) {
	e := newEnv(t)
	e.m.CallPrefs = CallPrefs{BlockMessage: DefaultBlockMessage}
	n := e.buy(t, "shop")

	c, err := e.m.ChangeCalls(t.Context(), n, block("+33611111111", "+33611111111", "+33600000000"))
	require.NoError(t, err)
	assert.Equal(t, []string{"+33600000000", "+33611111111"}, c.Blocked, "sorted, each once")

	rules := e.fake.CallRules(n.CarrierID)
	assert.Equal(t, []string{"+33600000000", "+33611111111"}, rules.Blocked)
	assert.Equal(t, DefaultBlockMessage, rules.BlockMessage, "block.action=message reaches the carrier")
	assert.Equal(t, "+33612345678", e.fake.Calls()[len(e.fake.Calls())-1].Forward.Calls, "forwarding kept")
	stored, err := e.st.CallSettings(t.Context(), n.ID)
	require.NoError(t, err)
	assert.Equal(t, c.Blocked, stored.Blocked)

	// A later forward keeps the block list at the carrier.
	_, err = e.m.Forward(t.Context(), n, providers.Forwarding{Calls: "+33699999999"})
	require.NoError(t, err)
	assert.Equal(t, []string{"+33600000000", "+33611111111"}, e.fake.CallRules(n.CarrierID).Blocked)

	// Unblocking the last ones turns the rules off at the carrier and in the store.
	_, err = e.m.ChangeCalls(t.Context(), n, func(c *store.CallSettings) { c.Blocked = nil })
	require.NoError(t, err)
	assert.True(t, e.fake.CallRules(n.CarrierID).IsZero(), "the carrier blocks no one any more")
	stored, err = e.st.CallSettings(t.Context(), n.ID)
	require.NoError(t, err)
	assert.True(t, stored.IsZero())
}

func TestBlockRefusedByCarrierChangesNothing(t *testing.T) {
	e := newEnv(t)
	n := e.buy(t, "shop")
	e.fake.Caps.BlockCalls = false
	e.fake.Caps.CallsVia = "needs vnum serve --public-url URL"
	_, err := e.m.ChangeCalls(t.Context(), n, block("+33611111111"))
	require.ErrorIs(t, err, providers.ErrUnsupported)
	assert.Contains(t, err.Error(), "cannot block callers: needs vnum serve --public-url URL")
	stored, err := e.st.CallSettings(t.Context(), n.ID)
	require.NoError(t, err)
	assert.True(t, stored.IsZero(), "nothing recorded that the carrier does not do")
}

func TestVoicemailAfterNeedsForwarding(t *testing.T) {
	e := newEnv(t)
	n := e.buy(t, "shop")
	_, err := e.m.ForwardCalls(t.Context(), n, providers.Forwarding{}, providers.VoicemailAfter, 20*time.Second)
	require.ErrorContains(t, err, "needs calls forwarded")

	n, err = e.m.ForwardCalls(t.Context(), n, providers.Forwarding{Calls: "+33612345678"}, providers.VoicemailAfter, 20*time.Second)
	require.NoError(t, err)
	r := e.fake.CallRules(n.CarrierID)
	assert.Equal(t, providers.VoicemailAfter, r.Voicemail)
	assert.Equal(t, 20*time.Second, r.VoicemailAfter)
	assert.Equal(t, DefaultGreeting, r.Greeting)

	// Forwarding off keeps no "after" voicemail: nothing rings before it.
	n, err = e.m.Forward(t.Context(), n, providers.Forwarding{})
	require.NoError(t, err)
	stored, err := e.st.CallSettings(t.Context(), n.ID)
	require.NoError(t, err)
	assert.Equal(t, providers.VoicemailOff, stored.Voicemail)
}

func TestRotateMovesBlockListAndVoicemail(t *testing.T) {
	e := newEnv(t)
	old := e.buy(t, "shop")
	_, err := e.m.ChangeCalls(t.Context(), old, func(c *store.CallSettings) {
		c.Blocked, c.BlockAnonymous = []string{"+33611111111"}, true
	})
	require.NoError(t, err)
	old, err = e.st.GetNumber(t.Context(), old.ID)
	require.NoError(t, err)
	_, err = e.m.ForwardCalls(t.Context(), old, old.Forward, providers.VoicemailAfter, 15*time.Second)
	require.NoError(t, err)
	old, err = e.st.GetNumber(t.Context(), old.ID)
	require.NoError(t, err)

	res, err := e.m.Rotate(t.Context(), old, nil)
	require.NoError(t, err)
	got, err := e.st.CallSettings(t.Context(), res.New.ID)
	require.NoError(t, err)
	assert.Equal(t, []string{"+33611111111"}, got.Blocked)
	assert.True(t, got.BlockAnonymous)
	assert.Equal(t, providers.VoicemailAfter, got.Voicemail)
	assert.Equal(t, 15*time.Second, got.VoicemailAfter)
	r := e.fake.CallRules(res.New.CarrierID)
	assert.Equal(t, []string{"+33611111111"}, r.Blocked, "the carrier turns the same callers away on the new number")
	assert.Equal(t, providers.VoicemailAfter, r.Voicemail)
	left, err := e.st.CallSettings(t.Context(), old.ID)
	require.NoError(t, err)
	assert.True(t, left.IsZero(), "the old number keeps nothing")
}

func TestBurnDeletesVoicemailsAtCarrierAndLocally(t *testing.T) {
	e := newEnv(t)
	n := e.buy(t, "shop")
	kept := e.buy(t, "other")
	v := e.fake.LeaveVoicemail(n.CarrierID, "+33611111111")
	e.fake.LeaveVoicemail(kept.CarrierID, "+33622222222")
	res, err := e.m.Voicemails(t.Context(), nil)
	require.NoError(t, err)
	require.Len(t, res.Voicemails, 2)
	// One more arrives at the carrier that vnum has not read: the burn deletes it too.
	e.fake.LeaveVoicemail(n.CarrierID, "+33633333333")

	_, err = e.m.Release(t.Context(), n, store.EndBurned)
	require.NoError(t, err)
	assert.Equal(t, 2, e.fake.CallCount(providertest.OpVoicemailDelete))
	left, err := e.fake.Voicemails(t.Context(), n.CarrierID, time.Time{})
	require.NoError(t, err)
	assert.Empty(t, left)
	stored, err := e.st.ListVoicemails(t.Context(), nil, time.Time{})
	require.NoError(t, err)
	require.Len(t, stored, 1, "the other number's voicemail stays")
	assert.Equal(t, "+33622222222", stored[0].From)
	_, err = e.st.GetVoicemail(t.Context(), v.ID)
	require.ErrorIs(t, err, store.ErrNotFound)
}

func TestBurnSaysWhenVoicemailsRemain(t *testing.T) {
	e := newEnv(t)
	n := e.buy(t, "shop")
	e.fake.LeaveVoicemail(n.CarrierID, "+33611111111")
	e.fake.Before = providertest.FailOn(errors.New("twilio: 503"), providertest.OpVoicemailDelete)
	h, err := e.m.Release(t.Context(), n, store.EndBurned)
	require.ErrorContains(t, err, "1 voicemail(s) of")
	assert.Equal(t, store.EndBurned, h.How, "the number is burned all the same")
	assert.Empty(t, e.owned(t))
}

// A burn whose carrier could not list the voicemails (Prism answered the Twilio call log's
// next page with 422) said "1 voicemail(s) of … may remain", a count nobody knew.
func TestBurnSaysWhenTheVoicemailsCouldNotBeListed(t *testing.T) {
	e := newEnv(t)
	n := e.buy(t, "shop")
	e.fake.Before = providertest.FailOn(errors.New("twilio voicemail: HTTP 422 Unprocessable Entity"), "voicemails")
	h, err := e.m.Release(t.Context(), n, store.EndBurned)
	require.ErrorContains(t, err, "is burned, but fake could not list its voicemails, which may remain there")
	assert.NotContains(t, err.Error(), "voicemail(s)")
	assert.ErrorContains(t, err, "HTTP 422")
	assert.Equal(t, store.EndBurned, h.How, "the number is burned all the same")
	assert.Empty(t, e.owned(t))
}

func TestVoicemailGetAndDelete(t *testing.T) {
	e := newEnv(t)
	n := e.buy(t, "shop")
	v := e.fake.LeaveVoicemail(n.CarrierID, "+33611111111")
	_, err := e.m.Voicemails(t.Context(), []store.Number{n})
	require.NoError(t, err)

	got, audio, err := e.m.VoicemailAudio(t.Context(), v.ID)
	require.NoError(t, err)
	assert.Equal(t, n.ID, got.NumberID)
	assert.Equal(t, "RIFF"+v.ID, string(audio.Data))

	_, err = e.m.DeleteVoicemail(t.Context(), v.ID)
	require.NoError(t, err)
	_, _, err = e.m.VoicemailAudio(t.Context(), v.ID)
	require.ErrorIs(t, err, ErrNoVoicemail)
	_, err = e.m.DeleteVoicemail(context.Background(), "VM-nope")
	require.ErrorIs(t, err, ErrNoVoicemail)
}

// callLog is a carrier with a call log: it answers with calls and records where each read
// started.
type callLog struct {
	*providertest.Fake
	calls []providers.Call
	since []time.Time
}

func (c *callLog) Calls(_ context.Context, _ string, since time.Time) ([]providers.Call, error) {
	c.since = append(c.since, since)
	return c.calls, nil
}

// A number's call log is read from the start once, then from a day before the latest call vnum
// has: a call listed while it rang gets its outcome on a later read.
func TestCallsSyncFromADayBeforeTheLastCall(t *testing.T) {
	e := newEnv(t)
	e.fake.Caps.CallLog = true
	carrier := &callLog{Fake: e.fake}
	e.m.Config.Provider = func(string) (providers.Provider, error) { return carrier, nil }
	n := e.buy(t, "shop")
	early := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	late := time.Date(2026, 11, 24, 18, 30, 0, 0, time.UTC)
	carrier.calls = []providers.Call{
		{ID: "CA2", From: "+33611111111", To: n.E164, At: late, Outcome: providers.CallForwarded},
		{ID: "CA1", From: "+33622222222", To: n.E164, At: early, Outcome: providers.CallMissed},
	}

	res, err := e.m.Calls(t.Context(), []store.Number{n}, time.Time{})
	require.NoError(t, err)
	require.Len(t, res.Calls, 2)
	carrier.calls = []providers.Call{{ID: "CA2", From: "+33611111111", To: n.E164, At: late, Outcome: providers.CallAnswered}}
	res, err = e.m.Calls(t.Context(), nil, time.Time{})
	require.NoError(t, err)
	require.Len(t, res.Calls, 2)
	assert.Equal(t, providers.CallAnswered, res.Calls[1].Outcome, "the ringing call's outcome, read again")
	assert.Equal(t, []time.Time{{}, late.Add(-24 * time.Hour)}, carrier.since)
}
