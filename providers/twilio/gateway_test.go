package twilio_test

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/providers"
	"github.com/vnum-cli/vnum/providers/twilio"
)

// An error whose JSON body is not Twilio's (a gateway's {"message": …}, a test router's 404)
// left twilio-go's status at 0: vnum said "HTTP 0", retried no read, and took a buy answered
// 502 for a plain refusal, never looking up whether Twilio had sold the number. The status on
// the wire decides.
func TestErrorBodyWithoutTwilioFieldsKeepsTheHTTPStatus(t *testing.T) {
	clearTwilioEnv(t)
	var gets atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodGet {
			gets.Add(1)
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(`{"message":"Service Unavailable"}`))
			return
		}
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write([]byte(`{"message":"Internal server error"}`))
	}))
	t.Cleanup(srv.Close)
	p, err := twilio.New(providers.Settings{
		Env:         envOf(map[string]string{twilio.EnvBaseURL: srv.URL}),
		Credentials: map[string]string{twilio.CredAccountSID: "AC" + "0123456789abcdef0123456789abcdef", twilio.CredAuthToken: "0123456789abcdef0123456789abcdef"},
		HTTP:        func() *http.Client { return &http.Client{Timeout: 5 * time.Second} },
	})
	require.NoError(t, err)
	twilio.SetRetryBackoff(p, time.Millisecond)

	_, err = p.Get(t.Context(), "PN0123456789abcdef0123456789abcdef")
	require.ErrorIs(t, err, providers.ErrTemporary, "a 503 is worth another try")
	assert.ErrorContains(t, err, "Service Unavailable")
	assert.NotContains(t, err.Error(), "HTTP 0")
	assert.Greater(t, gets.Load(), int32(1), "the read was retried")

	_, err = p.Buy(t.Context(), providers.BuyRequest{Number: "+12015550123", Country: "US", Type: providers.TypeLocal})
	require.ErrorIs(t, err, providers.ErrUnknownOutcome, "a 502 to a buy may hide a sale: looked up, never a refusal")
	assert.NotContains(t, err.Error(), "HTTP 0")
}
