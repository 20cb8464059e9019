package twilio_test

import (
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/providers"
	"github.com/vnum-cli/vnum/providers/providertest"
	"github.com/vnum-cli/vnum/providers/twilio"
)

// TestLiveConformance runs the conformance suite against a real Twilio account. It buys one
// number (Twilio bills its first month) and releases it, and creates and deletes a Studio flow.
// It runs only with VNUM_LIVE_TWILIO=1 and the account's credentials in TWILIO_ACCOUNT_SID and
// TWILIO_AUTH_TOKEN (or TWILIO_API_KEY and TWILIO_API_SECRET); VNUM_LIVE_TWILIO_COUNTRY (default
// US) picks where to buy.
func TestLiveConformance(t *testing.T) {
	if os.Getenv("VNUM_LIVE_TWILIO") != "1" {
		t.Skip("live test: set VNUM_LIVE_TWILIO=1 and TWILIO_ACCOUNT_SID with TWILIO_AUTH_TOKEN to run it (it spends money)")
	}
	creds := map[string]string{twilio.CredAccountSID: os.Getenv("TWILIO_ACCOUNT_SID")}
	if key := os.Getenv("TWILIO_API_KEY"); key != "" {
		creds[twilio.CredAPIKey], creds[twilio.CredAPISecret] = key, os.Getenv("TWILIO_API_SECRET")
	} else {
		creds[twilio.CredAuthToken] = os.Getenv("TWILIO_AUTH_TOKEN")
	}
	country := os.Getenv("VNUM_LIVE_TWILIO_COUNTRY")
	if country == "" {
		country = "US"
	}
	newLive := func(t *testing.T, creds map[string]string) providers.Provider {
		t.Helper()
		p, err := twilio.New(providers.Settings{
			Env:         os.Getenv,
			Credentials: creds,
			HTTP:        func() *http.Client { return &http.Client{Timeout: 60 * time.Second} },
		})
		require.NoError(t, err)
		return p
	}
	providertest.Suite{
		Country: country,
		Type:    providers.TypeLocal,
		New:     func(t *testing.T) providers.Provider { return newLive(t, creds) },
		NewUnauthorized: func(t *testing.T) providers.Provider {
			return newLive(t, map[string]string{
				twilio.CredAccountSID: creds[twilio.CredAccountSID],
				twilio.CredAuthToken:  "0123456789abcdef0123456789abcdef",
			})
		},
	}.Run(t)
}
