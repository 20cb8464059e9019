package vonage_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A mock built from the Numbers API's document (Prism) takes api_key and api_secret only as
// query parameters, the document's security scheme, POSTs included: credentials in the form
// alone got 401 "authentication failed", so every buy, cancel and update failed with exit 4
// although the same credentials had just searched. The answers below are Prism's.
func TestNumbersAPIPostsCarryCredentialsInTheQuery(t *testing.T) {
	var cancels int
	base := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		q := r.URL.Query()
		if q.Get("api_key") != "abcd1234" || q.Get("api_secret") != "S3cr+t/TEST=91c2e7" {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error-code":"401","error-code-label":"authentication failed"}`))
			return
		}
		switch r.Method + " " + r.URL.Path {
		case "GET /account/numbers":
			_, _ = w.Write([]byte(`{"count":1,"numbers":[{"country":"GB","msisdn":"447700900000","type":"mobile-lvn","features":["VOICE","SMS"]}]}`))
		case "POST /number/cancel":
			cancels++
			_, _ = w.Write([]byte(`{"error-code":"200","error-code-label":"success"}`))
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	p := newProviderAt(t, base)
	require.NoError(t, p.Release(t.Context(), "447700900000"))
	assert.Equal(t, 1, cancels)
}
