package numbers

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/providers"
	"github.com/vnum-cli/vnum/providers/providertest"
)

const serveCalls = "https://vnum.example.org/hooks/0123456789abcdef/fake/calls"

// served is the fake carrier made one whose calls vnum serve answers: it keeps, per number,
// where its calls go ("" for the carrier's own handling, serveCalls when pointed).
type served struct {
	*providertest.Fake
	mu        sync.Mutex
	pointedAt map[string]string
	deleted   []string
}

func (s *served) Capabilities() providers.Capabilities {
	c := s.Fake.Capabilities()
	c.BlockCalls, c.Voicemail, c.CallLog, c.CallsThroughServe = true, true, true, true
	c.CallsVia = "through vnum serve"
	return c
}

func (s *served) PointCalls(_ context.Context, id, url string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	prev := s.pointedAt[id]
	s.pointedAt[id] = url
	if prev == "" {
		prev = "users-connection"
	}
	return prev, nil
}

func (s *served) UnpointCalls(_ context.Context, id, previous string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if previous == "users-connection" {
		previous = ""
	}
	s.pointedAt[id] = previous
	return nil
}

func (s *served) DeleteVoicemail(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deleted = append(s.deleted, id)
	return nil
}

func (s *served) at(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pointedAt[id]
}

func servedEnv(t *testing.T) (*env, *served) {
	e := newEnv(t)
	s := &served{Fake: e.fake, pointedAt: map[string]string{}}
	e.m.Provider = func(string) (providers.Provider, error) { return s, nil }
	return e, s
}

func TestServeCarrierRefusesRulesWithoutServe(t *testing.T) {
	e, s := servedEnv(t)
	n := e.buy(t, "shop")
	_, err := e.m.ChangeCalls(t.Context(), n, block("+33611111111"))
	require.ErrorIs(t, err, providers.ErrUnsupported)
	assert.Contains(t, err.Error(), "vnum serve --public-url URL")
	_, err = e.m.ForwardCalls(t.Context(), n, n.Forward, providers.VoicemailAlways, 0)
	require.ErrorIs(t, err, providers.ErrUnsupported)
	assert.Contains(t, err.Error(), "cannot take voicemail")
	assert.Empty(t, s.at(n.CarrierID), "nothing pointed")
	stored, err := e.st.CallSettings(t.Context(), n.ID)
	require.NoError(t, err)
	assert.True(t, stored.IsZero())
	got, err := e.fake.Get(t.Context(), n.CarrierID)
	require.NoError(t, err)
	assert.Equal(t, "+33612345678", got.Forward.Calls, "the carrier's forwarding untouched")
}

func TestServeCarrierBlockPointsAndUnblockPutsBack(t *testing.T) {
	e, s := servedEnv(t)
	e.m.ServeCallRoute = func(string) string { return serveCalls }
	e.m.CallPrefs = CallPrefs{BlockMessage: DefaultBlockMessage}
	n := e.buy(t, "shop")
	ctx := t.Context()

	_, err := e.m.ChangeCalls(ctx, n, block("+33611111111"))
	require.NoError(t, err)
	assert.Equal(t, serveCalls, s.at(n.CarrierID))
	onCarrier, err := e.fake.Get(ctx, n.CarrierID)
	require.NoError(t, err)
	assert.Empty(t, onCarrier.Forward.Calls, "serve dials the target: the carrier's own forwarding is off")
	assert.True(t, e.fake.CallRules(n.CarrierID).IsZero(), "no rules at the carrier: serve applies them")
	local, err := e.st.GetNumber(ctx, n.ID)
	require.NoError(t, err)
	assert.Equal(t, "+33612345678", local.Forward.Calls, "list and show still show the target")

	fwd, rules, found, err := e.m.CallRoute(ctx, providertest.FakeName, n.E164)
	require.NoError(t, err)
	require.True(t, found)
	assert.Equal(t, "+33612345678", fwd)
	assert.Equal(t, []string{"+33611111111"}, rules.Blocked)
	assert.Equal(t, DefaultBlockMessage, rules.BlockMessage)
	_, _, found, err = e.m.CallRoute(ctx, providertest.FakeName, "+19999999999")
	require.NoError(t, err)
	assert.False(t, found)

	_, err = e.m.ChangeCalls(ctx, local, func(c *store.CallSettings) { c.Blocked = nil })
	require.NoError(t, err)
	assert.Empty(t, s.at(n.CarrierID), "put back")
	onCarrier, err = e.fake.Get(ctx, n.CarrierID)
	require.NoError(t, err)
	assert.Equal(t, "+33612345678", onCarrier.Forward.Calls, "the carrier forwards again")
	hooks, err := e.st.ListCallHooks(ctx)
	require.NoError(t, err)
	assert.Empty(t, hooks)
}

func TestServeCarrierCallsAndVoicemailsComeFromTheStore(t *testing.T) {
	e, s := servedEnv(t)
	e.m.ServeCallRoute = func(string) string { return serveCalls }
	n := e.buy(t, "shop")
	ctx := t.Context()
	at := e.now
	require.NoError(t, e.m.LogCall(ctx, providertest.FakeName, providers.Call{ID: "c1", From: "+33611111111", To: n.E164, At: at, Outcome: providers.CallVoicemail, Duration: 9 * time.Second}))
	require.NoError(t, e.m.LogCall(ctx, providertest.FakeName, providers.Call{ID: "c2", To: "+19999999999", At: at}), "a number vnum no longer holds: not logged, no error")
	require.NoError(t, e.m.SaveVoicemail(ctx, providertest.FakeName, providers.Voicemail{ID: "r1", CallID: "c1", From: "+33611111111", To: n.E164, At: at,
		Duration: 5 * time.Second, RecordingURL: "https://carrier.example/r1.wav"}))

	e.fake.LeaveVoicemail(n.CarrierID, "+33622222222") // the carrier's own box is not read

	calls, err := e.m.Calls(ctx, []store.Number{n}, time.Time{})
	require.NoError(t, err)
	require.Len(t, calls.Calls, 1)
	assert.Equal(t, providers.CallVoicemail, calls.Calls[0].Outcome)
	vms, err := e.m.Voicemails(ctx, []store.Number{n})
	require.NoError(t, err)
	require.Len(t, vms.Voicemails, 1)
	assert.Equal(t, "r1", vms.Voicemails[0].ID, "what serve stored, no carrier read")

	pending, err := e.m.PendingAudio(ctx)
	require.NoError(t, err)
	require.Len(t, pending, 1)
	assert.Equal(t, "https://carrier.example/r1.wav", pending[0].URL)
	_, _, err = e.m.VoicemailAudio(ctx, "r1")
	require.ErrorIs(t, err, ErrAudioNotYet)
	require.ErrorIs(t, err, providers.ErrTemporary, "exit 7: try again later")
	assert.Contains(t, err.Error(), "next pass")
	require.NoError(t, e.m.SaveVoicemailAudio(ctx, providertest.FakeName, "r1", providers.Audio{ContentType: "audio/wav", Data: []byte("RIFF")}))
	_, a, err := e.m.VoicemailAudio(ctx, "r1")
	require.NoError(t, err)
	assert.Equal(t, []byte("RIFF"), a.Data)

	// Another whose recording Telnyx let go before serve could download it.
	require.NoError(t, e.m.SaveVoicemail(ctx, providertest.FakeName, providers.Voicemail{ID: "r2", To: n.E164, At: at, RecordingURL: "https://carrier.example/r2.wav"}))
	require.NoError(t, e.m.DropPendingAudio(ctx, providertest.FakeName, "r2"))
	_, _, err = e.m.VoicemailAudio(ctx, "r2")
	require.ErrorIs(t, err, providers.ErrNotFound, "exit 5, not 'try again'")
	pending, err = e.m.PendingAudio(ctx)
	require.NoError(t, err)
	assert.Empty(t, pending)

	_, err = e.m.DeleteVoicemail(ctx, "r1")
	require.NoError(t, err)
	assert.Equal(t, []string{"r1"}, s.deleted, "deleted at the carrier too")
	_, _, err = e.m.VoicemailAudio(ctx, "r1")
	require.ErrorIs(t, err, ErrNoVoicemail)
}

func TestServeCarrierRotateAndRelease(t *testing.T) {
	e, s := servedEnv(t)
	e.m.ServeCallRoute = func(string) string { return serveCalls }
	old := e.buy(t, "shop")
	ctx := t.Context()
	_, err := e.m.ForwardCalls(ctx, old, old.Forward, providers.VoicemailAfter, 15*time.Second)
	require.NoError(t, err)
	old, err = e.st.GetNumber(ctx, old.ID)
	require.NoError(t, err)
	require.Equal(t, serveCalls, s.at(old.CarrierID))

	res, err := e.m.Rotate(ctx, old, nil)
	require.NoError(t, err)
	assert.Equal(t, serveCalls, s.at(res.New.CarrierID), "the new number's calls come to serve")
	assert.Empty(t, s.at(old.CarrierID), "the old number was put back before its release")
	fwd, rules, found, err := e.m.CallRoute(ctx, providertest.FakeName, res.New.E164)
	require.NoError(t, err)
	require.True(t, found)
	assert.Equal(t, "+33612345678", fwd)
	assert.Equal(t, providers.VoicemailAfter, rules.Voicemail)
	assert.Equal(t, 15*time.Second, rules.VoicemailAfter)

	_, err = e.m.Release(ctx, res.New, store.EndReleased)
	require.NoError(t, err)
	assert.Empty(t, s.at(res.New.CarrierID))
	hooks, err := e.st.ListCallHooks(ctx)
	require.NoError(t, err)
	assert.Empty(t, hooks)
}

func TestUnpointAllCallsRestoresCarrierForwarding(t *testing.T) {
	e, s := servedEnv(t)
	e.m.ServeCallRoute = func(string) string { return serveCalls }
	n := e.buy(t, "shop")
	ctx := t.Context()
	_, err := e.m.ChangeCalls(ctx, n, block("+33611111111"))
	require.NoError(t, err)
	notes, err := e.m.UnpointAllCalls(ctx)
	require.NoError(t, err)
	require.Len(t, notes, 1)
	assert.Contains(t, notes[0], "calls put back")
	assert.Empty(t, s.at(n.CarrierID))
	onCarrier, err := e.fake.Get(ctx, n.CarrierID)
	require.NoError(t, err)
	assert.Equal(t, "+33612345678", onCarrier.Forward.Calls)
}

// A number forwarded nowhere is not asked to turn forwarding off: voicemail always works on an
// account that may not forward at all (Telnyx at Level 1).
func TestServeCarrierVoicemailWithoutForwarding(t *testing.T) {
	e, s := servedEnv(t)
	e.m.ServeCallRoute = func(string) string { return serveCalls }
	res, err := e.m.Buy(t.Context(), buyReq())
	require.NoError(t, err)
	e.fake.Caps.ForwardCalls, e.fake.Caps.ForwardSMS = false, false
	before := e.fake.CallCount(providertest.OpForward)
	_, err = e.m.ForwardCalls(t.Context(), res.Number, providers.Forwarding{}, providers.VoicemailAlways, 0)
	require.NoError(t, err)
	assert.Equal(t, serveCalls, s.at(res.Number.CarrierID))
	assert.Equal(t, before, e.fake.CallCount(providertest.OpForward), "no forwarding change asked for")
}

// A rotate of a number whose calls serve answers, with serve's public URL no longer known here,
// is refused before anything is bought: the replacement could not be set up, and would be
// bought (billed) then released for nothing.
func TestServeCarrierRotateWithoutServeBuysNothing(t *testing.T) {
	e, s := servedEnv(t)
	e.m.ServeCallRoute = func(string) string { return serveCalls }
	old := e.buy(t, "shop")
	ctx := t.Context()
	_, err := e.m.ChangeCalls(ctx, old, block("+33611111111"))
	require.NoError(t, err)
	old, err = e.st.GetNumber(ctx, old.ID)
	require.NoError(t, err)

	e.m.ServeCallRoute = func(string) string { return "" }
	buys := e.fake.CallCount(providertest.OpBuy)
	_, err = e.m.Rotate(ctx, old, nil)
	require.ErrorIs(t, err, providers.ErrUnsupported)
	assert.Contains(t, err.Error(), "vnum serve --public-url")
	assert.Equal(t, buys, e.fake.CallCount(providertest.OpBuy), "nothing bought")
	assert.Len(t, e.numbers(t), 1)
	assert.Equal(t, serveCalls, s.at(old.CarrierID), "the old number is untouched")
}

// Rules dropped while the carrier refuses its own forwarding back: the number stays with vnum
// serve, which keeps following the stored rules, rather than being put back with no forwarding
// at all (its calls then went nowhere).
func TestServeCarrierRulesOffWhenForwardingBackFails(t *testing.T) {
	e, s := servedEnv(t)
	e.m.ServeCallRoute = func(string) string { return serveCalls }
	n := e.buy(t, "shop")
	ctx := t.Context()
	n, err := e.m.ForwardCalls(ctx, n, n.Forward, providers.VoicemailAfter, 15*time.Second)
	require.NoError(t, err)
	require.Equal(t, serveCalls, s.at(n.CarrierID))

	e.fake.Before = providertest.FailOn(&providers.Error{Provider: "fake", Kind: providers.ErrUnavailable}, providertest.OpForward)
	_, err = e.m.ForwardCalls(ctx, n, n.Forward, providers.VoicemailOff, 0)
	require.Error(t, err)
	assert.Equal(t, serveCalls, s.at(n.CarrierID), "still answered by serve")
	fwd, rules, found, err := e.m.CallRoute(ctx, providertest.FakeName, n.E164)
	require.NoError(t, err)
	require.True(t, found)
	assert.Equal(t, "+33612345678", fwd)
	assert.Equal(t, providers.VoicemailAfter, rules.Voicemail, "serve keeps the rules it can still apply")

	e.fake.Before = nil
	_, err = e.m.ForwardCalls(ctx, n, n.Forward, providers.VoicemailOff, 0)
	require.NoError(t, err)
	assert.Empty(t, s.at(n.CarrierID), "put back")
	onCarrier, err := e.fake.Get(ctx, n.CarrierID)
	require.NoError(t, err)
	assert.Equal(t, "+33612345678", onCarrier.Forward.Calls)
}
