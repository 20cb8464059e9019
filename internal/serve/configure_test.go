package serve

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/providers"
)

// webhookCarrier is a carrier that keeps an inbound SMS URL on each number.
type webhookCarrier struct {
	providers.Provider // nil: only the webhook methods are called
	urls               map[string]string
	sets               int
}

func (w *webhookCarrier) SMSWebhook(_ context.Context, id string) (string, error) {
	u, ok := w.urls[id]
	if !ok {
		return "", providers.ErrNotFound
	}
	return u, nil
}

func (w *webhookCarrier) SetSMSWebhook(_ context.Context, id, url string) error {
	if _, ok := w.urls[id]; !ok {
		return providers.ErrNotFound
	}
	w.sets++
	w.urls[id] = url
	return nil
}

func TestConfigureAndUnconfigure(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "vnum.db"))
	require.NoError(t, err)
	defer st.Close()
	for _, n := range []store.Number{
		{Provider: "vonage", CarrierID: "447700900001", E164: "+447700900001", Features: providers.Features{SMS: true}},
		{Provider: "vonage", CarrierID: "447700900002", E164: "+447700900002", Features: providers.Features{SMS: true}},
		{Provider: "sandbox", CarrierID: "SB1", E164: "+12025550100", Features: providers.Features{SMS: true}},
	} {
		require.NoError(t, st.InsertNumber(t.Context(), &n))
	}
	vonage := &webhookCarrier{urls: map[string]string{"447700900001": "https://mine.example/sms", "447700900002": ""}}
	provider := func(name string) (providers.Provider, error) {
		if name == "vonage" {
			return vonage, nil
		}
		return struct{ providers.Provider }{}, nil // the sandbox: no inbound SMS URL to set
	}
	routes := map[string]string{"vonage": "https://vnum.example/hooks/t/vonage", "sandbox": "https://vnum.example/hooks/t/sandbox"}

	notes, err := Configure(t.Context(), st, provider, routes, false)
	require.NoError(t, err)
	require.Len(t, notes, 2, "two numbers pointed, the sandbox's carrier has nothing to point: %q", notes)
	require.Equal(t, routes["vonage"], vonage.urls["447700900001"])
	require.Equal(t, routes["vonage"], vonage.urls["447700900002"])

	// Started again, with another public URL: what to put back is still the user's own URL.
	routes["vonage"] = "https://other.example/hooks/t/vonage"
	_, err = Configure(t.Context(), st, provider, routes, false)
	require.NoError(t, err)
	sets := vonage.sets
	_, err = Configure(t.Context(), st, provider, routes, false)
	require.NoError(t, err)
	require.Equal(t, sets, vonage.sets, "numbers already pointed at serve are left alone")

	// A number bought since: the periodic pass points only it, asking nothing about the others.
	n3 := store.Number{Provider: "vonage", CarrierID: "447700900003", E164: "+447700900003", Features: providers.Features{SMS: true}}
	require.NoError(t, st.InsertNumber(t.Context(), &n3))
	vonage.urls["447700900003"] = ""
	notes, err = Configure(t.Context(), st, provider, routes, true)
	require.NoError(t, err)
	require.Equal(t, []string{"vonage +447700900003: inbound SMS now come to serve"}, notes)
	require.Equal(t, routes["vonage"], vonage.urls["447700900003"])

	_, err = Unconfigure(t.Context(), st, provider)
	require.NoError(t, err)
	require.Equal(t, "https://mine.example/sms", vonage.urls["447700900001"])
	require.Empty(t, vonage.urls["447700900002"])
	left, err := st.ListSMSWebhooks(t.Context())
	require.NoError(t, err)
	require.Empty(t, left)
}

func TestConfigureAsksEachCarrierOnce(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "vnum.db"))
	require.NoError(t, err)
	defer st.Close()
	for _, id := range []string{"447700900001", "447700900002", "447700900003"} {
		n := store.Number{Provider: "vonage", CarrierID: id, E164: "+" + id, Features: providers.Features{SMS: true}}
		require.NoError(t, st.InsertNumber(t.Context(), &n))
	}
	require.NoError(t, st.SaveSMSWebhook(t.Context(), store.SMSWebhook{Provider: "vonage", CarrierID: "447700900001", URL: "https://vnum.example/hooks/t/vonage"}))
	require.NoError(t, st.SaveSMSWebhook(t.Context(), store.SMSWebhook{Provider: "vonage", CarrierID: "447700900002", URL: "https://vnum.example/hooks/t/vonage"}))
	asked := 0
	provider := func(string) (providers.Provider, error) {
		asked++
		return nil, errors.New("no vonage credentials")
	}
	routes := map[string]string{"vonage": "https://vnum.example/hooks/t/vonage"}

	notes, err := Configure(t.Context(), st, provider, routes, false)
	require.NoError(t, err)
	require.Len(t, notes, 3, "each number still says it was not pointed: %q", notes)
	require.Equal(t, 1, asked, "the carrier is built once a pass, not once per number")

	asked = 0
	_, err = Unconfigure(t.Context(), st, provider)
	require.Error(t, err)
	require.Equal(t, 1, asked)
}
