package vonage_test

import (
	"context"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/providers"
	"github.com/vnum-cli/vnum/providers/vonage"
)

// TestLiveBuyReadRelease runs against a real Vonage account: it buys the cheapest number that
// takes SMS (Vonage bills its first month), sends it an SMS from itself, reads the SMS back
// through the Reports API (billed per record) and says how many seconds that took, then
// releases the number. It runs only with VNUM_LIVE_VONAGE=1 and the account's
// VONAGE_API_KEY and VONAGE_API_SECRET; VNUM_LIVE_VONAGE_COUNTRY (default GB) and
// VNUM_LIVE_VONAGE_TYPE (default mobile) pick what to buy. With VNUM_LIVE_VONAGE_MANUAL=1 no
// SMS is sent: the test logs the number and waits for one sent from a phone.
//
//	VNUM_LIVE_VONAGE=1 go test ./providers/vonage -run Live -v -timeout 20m
func TestLiveBuyReadRelease(t *testing.T) {
	if os.Getenv("VNUM_LIVE_VONAGE") != "1" {
		t.Skip("live test: set VNUM_LIVE_VONAGE=1 with VONAGE_API_KEY and VONAGE_API_SECRET to run it (it spends money)")
	}
	country := envOr("VNUM_LIVE_VONAGE_COUNTRY", "GB")
	typ := providers.NumberType(envOr("VNUM_LIVE_VONAGE_TYPE", string(providers.TypeMobile)))
	p, err := vonage.New(providers.Settings{
		DataDir:     t.TempDir(),
		Env:         os.Getenv,
		Credentials: map[string]string{vonage.CredAPIKey: os.Getenv("VONAGE_API_KEY"), vonage.CredAPISecret: os.Getenv("VONAGE_API_SECRET")},
		HTTP:        func() *http.Client { return &http.Client{Timeout: 60 * time.Second} },
	})
	require.NoError(t, err)
	account, err := p.Verify(t.Context())
	require.NoError(t, err)
	t.Logf("account %s", account)

	offers, err := p.Search(t.Context(), providers.Query{Country: country, Type: typ, SMS: true, Limit: 20})
	require.NoError(t, err)
	require.NotEmpty(t, offers, "no %s %s numbers that take SMS for sale", country, typ)
	slices.SortFunc(offers, func(a, b providers.Available) int { return int(a.Monthly.Micros - b.Monthly.Micros) })
	n, err := p.Buy(t.Context(), providers.BuyRequest{Number: offers[0].Number, Country: country, Type: typ})
	require.NoError(t, err)
	t.Logf("bought %s for %s a month", n.Number, n.Monthly)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(t.Context()), time.Minute)
		defer cancel()
		if err := p.Release(ctx, n.ID); err != nil {
			t.Errorf("release %s: %v (release it in the dashboard)", n.Number, err)
		}
	})

	text := "vnum live test " + time.Now().UTC().Format("150405")
	if os.Getenv("VNUM_LIVE_VONAGE_MANUAL") == "1" {
		t.Logf("send an SMS reading %q to %s now", text, n.Number)
	} else {
		_, err := p.SendSMS(t.Context(), n.ID, n.Number, text)
		require.NoError(t, err)
	}
	sent := time.Now()
	deadline := sent.Add(15 * time.Minute)
	for {
		msgs, err := p.Messages(t.Context(), n.ID, sent.Add(-time.Minute))
		require.NoError(t, err)
		if i := slices.IndexFunc(msgs, func(m providers.Message) bool { return strings.Contains(m.Text, text) }); i >= 0 {
			t.Logf("the SMS reached the Reports API %.0f s after it was sent (received by Vonage at %s)",
				time.Since(sent).Seconds(), msgs[i].ReceivedAt.Format(time.RFC3339))
			assert.True(t, msgs[i].Inbound)
			assert.Equal(t, n.Number, msgs[i].To)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the SMS did not reach the Reports API within %s", deadline.Sub(sent))
		}
		time.Sleep(10 * time.Second)
	}
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
