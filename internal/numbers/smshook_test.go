package numbers

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/providers"
	"github.com/vnum-cli/vnum/providers/providertest"
)

const (
	serveRoute = "https://vnum.example/hooks/t/fake"
	mineURL    = "https://mine.example/sms"
)

// hookCarrier is the fake carrier keeping an inbound SMS URL per number (mineURL until set),
// or, when shared, one URL for all its numbers (as Telnyx keeps it on a messaging profile).
type hookCarrier struct {
	*providertest.Fake
	mu      sync.Mutex
	urls    map[string]string
	shared  bool
	failSet error
	sets    []string // "id=url", in order
}

func (h *hookCarrier) key(id string) string {
	if h.shared {
		return "profile"
	}
	return id
}

func (h *hookCarrier) SMSWebhook(_ context.Context, id string) (string, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if u, ok := h.urls[h.key(id)]; ok {
		return u, nil
	}
	return mineURL, nil
}

func (h *hookCarrier) SetSMSWebhook(_ context.Context, id, url string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.failSet != nil {
		return h.failSet
	}
	h.sets = append(h.sets, id+"="+url)
	h.urls[h.key(id)] = url
	return nil
}

func (h *hookCarrier) SMSWebhookShared() bool { return h.shared }

func hookEnv(t *testing.T, shared bool) (*env, *hookCarrier, *[]string) {
	t.Helper()
	e := newEnv(t)
	h := &hookCarrier{Fake: e.fake, urls: map[string]string{}, shared: shared}
	var warned []string
	e.m = New(Config{
		Store: e.st, Provider: func(string) (providers.Provider, error) { return h, nil },
		Now: func() time.Time { return e.now }, PID: 1000, Alive: func(p int) bool { return p == 1000 },
		PollInterval: time.Millisecond, PollMax: 5 * time.Millisecond,
		SMSRoute: func(p string) string {
			if p == providertest.FakeName {
				return serveRoute
			}
			return ""
		},
		Warn: func(msg string) { warned = append(warned, msg) },
	})
	return e, h, &warned
}

func (e *env) hooks(t *testing.T) []store.SMSWebhook {
	t.Helper()
	ws, err := e.st.ListSMSWebhooks(t.Context())
	require.NoError(t, err)
	return ws
}

// buy points the new number at serve, recording what it had; release puts that back first.
func TestBuyPointsSMSAtServeAndReleasePutsBack(t *testing.T) {
	e, h, warned := hookEnv(t, false)
	n := e.buy(t, "shop")
	assert.Equal(t, []string{n.CarrierID + "=" + serveRoute}, h.sets)
	assert.Equal(t, []store.SMSWebhook{{Provider: providertest.FakeName, CarrierID: n.CarrierID, URL: serveRoute, Previous: mineURL}}, e.hooks(t))

	_, err := e.m.Release(t.Context(), n, store.EndReleased)
	require.NoError(t, err)
	assert.Equal(t, []string{n.CarrierID + "=" + serveRoute, n.CarrierID + "=" + mineURL}, h.sets)
	assert.Empty(t, e.hooks(t))
	assert.Empty(t, *warned)
}

// A pointing that fails after a buy loses nothing: the number is stored, the user is told, and
// no record is left, so serve's next pass tries again.
func TestBuyKeepsNumberWhenPointingFails(t *testing.T) {
	e, h, _ := hookEnv(t, false)
	h.failSet = errors.New("carrier down")
	res, err := e.m.Buy(t.Context(), buyReq())
	require.NoError(t, err)
	require.NotZero(t, res.Number.ID)
	assert.Len(t, e.numbers(t), 1)
	require.Len(t, res.Warnings, 1)
	assert.Contains(t, res.Warnings[0], "could not be pointed at vnum serve (carrier down): vnum serve points it on its next pass")
	assert.Empty(t, e.hooks(t), "no record: serve's pass points it")
	assert.Empty(t, e.ops(t))
}

// Without a public URL (no route), nothing is asked.
func TestBuyWithoutServeRoutePointsNothing(t *testing.T) {
	e, h, _ := hookEnv(t, false)
	e.m.SMSRoute = func(string) string { return "" }
	e.buy(t, "shop")
	assert.Empty(t, h.sets)
	assert.Empty(t, e.hooks(t))
}

// Rotate points the replacement before the old number goes, and puts back the old one's.
func TestRotatePointsReplacement(t *testing.T) {
	e, h, _ := hookEnv(t, false)
	old := e.buy(t, "shop")
	res, err := e.m.Rotate(t.Context(), old, nil)
	require.NoError(t, err)
	assert.Equal(t, []string{old.CarrierID + "=" + serveRoute, res.New.CarrierID + "=" + serveRoute, old.CarrierID + "=" + mineURL}, h.sets)
	assert.Equal(t, []store.SMSWebhook{{Provider: providertest.FakeName, CarrierID: res.New.CarrierID, URL: serveRoute, Previous: mineURL}}, e.hooks(t))
}

// Forward points a number that serve has not pointed yet; a failure is a warning, the
// forwarding is set all the same.
func TestForwardPointsSMS(t *testing.T) {
	e, h, warned := hookEnv(t, false)
	h.failSet = errors.New("carrier down")
	n := e.buy(t, "shop")
	require.Empty(t, e.hooks(t))
	h.failSet = errors.New("still down")
	n, err := e.m.Forward(t.Context(), n, providers.Forwarding{Calls: "+33612345679"})
	require.NoError(t, err)
	assert.Equal(t, "+33612345679", n.Forward.Calls)
	require.Len(t, *warned, 1)
	assert.Contains(t, (*warned)[0], "(still down)")

	h.failSet = nil
	_, err = e.m.Forward(t.Context(), n, providers.Forwarding{})
	require.NoError(t, err)
	assert.Len(t, e.hooks(t), 1)
	assert.Equal(t, serveRoute, h.urls[n.CarrierID])
}

// Forwarding with voicemail (`vnum forward --voicemail…`) points the SMS at serve as plain
// forwarding does: it is the same command.
func TestForwardWithVoicemailPointsSMS(t *testing.T) {
	e, h, _ := hookEnv(t, false)
	h.failSet = errors.New("carrier down")
	n := e.buy(t, "shop")
	require.Empty(t, e.hooks(t))
	h.failSet = nil
	_, err := e.m.ForwardCalls(t.Context(), n, providers.Forwarding{Calls: "+33612345679"}, providers.VoicemailAfter, 20*time.Second)
	require.NoError(t, err)
	assert.Len(t, e.hooks(t), 1)
	assert.Equal(t, serveRoute, h.urls[n.CarrierID])
}

// Where the URL is shared by the numbers (Telnyx's messaging profile), it is put back only when
// the last number vnum pointed there goes.
func TestSharedSMSURLPutBackWithLastNumber(t *testing.T) {
	e, h, _ := hookEnv(t, true)
	a := e.buy(t, "a")
	b := e.buy(t, "b")
	assert.Equal(t, []string{a.CarrierID + "=" + serveRoute}, h.sets, "set once for both")
	require.Len(t, e.hooks(t), 2, "both recorded")
	for _, w := range e.hooks(t) {
		assert.Equal(t, mineURL, w.Previous)
	}

	_, err := e.m.Release(t.Context(), a, store.EndReleased)
	require.NoError(t, err)
	assert.Equal(t, serveRoute, h.urls["profile"], "b still needs it")
	_, err = e.m.Release(t.Context(), b, store.EndBurned)
	require.NoError(t, err)
	assert.Equal(t, mineURL, h.urls["profile"])
	assert.Empty(t, e.hooks(t))
}
