package telnyx

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/providers"
)

const testKey = "KEY0TEST-SECRET-91c2e7d4aa00ff11" // fake

// balanceOK is the answer documented for GET /v2/balance (spec3.yml UserBalance).
const balanceOK = `{"data":{"available_credit":"400.00","balance":"300.00","credit_limit":"100.00",` +
	`"currency":"USD","pending":"10.00","record_type":"balance"}}`

func settings(base string, creds map[string]string) providers.Settings {
	env := map[string]string{EnvBaseURL: base}
	return providers.Settings{
		Env:         func(k string) string { return env[k] },
		Credentials: creds,
		HTTP:        func() *http.Client { return &http.Client{Timeout: 5 * time.Second} },
	}
}

func TestVerify(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		header  map[string]string
		body    string
		creds   map[string]string // nil: the test key
		base    string            // "closed": a port nothing listens on; "": the test server
		noReq   bool              // the carrier must not be asked
		wantErr string            // "" means success
		kind    error
		code    string
		status0 bool // the error carries no HTTP status
		retry   time.Duration
	}{
		{name: "ok", status: 200, body: balanceOK},
		{name: "401 refused", status: 401,
			body:    `{"errors":[{"code":"10009","title":"Authentication failed","detail":"The API key provided is invalid."}]}`,
			wantErr: "telnyx verify: Authentication failed: The API key provided is invalid. (code 10009)",
			kind:    providers.ErrUnauthorized, code: "10009"},
		{name: "403 not allowed", status: 403,
			body:    `{"errors":[{"code":"10010","title":"Authorization failed","detail":"Insufficient permissions to access balance information"}]}`,
			wantErr: "telnyx verify: Authorization failed: Insufficient permissions to access balance information (code 10010)",
			kind:    providers.ErrUnauthorized, code: "10010"},
		{name: "401 without a body", status: 401, wantErr: "telnyx verify: HTTP 401 Unauthorized", kind: providers.ErrUnauthorized},
		{name: "429 with Retry-After", status: 429, header: map[string]string{"Retry-After": "7"},
			body:    `{"errors":[{"code":"10011","title":"Too many requests","detail":"Too many requests"}]}`,
			wantErr: "telnyx verify: Too many requests (code 10011)", kind: providers.ErrRateLimited, code: "10011", retry: 7 * time.Second},
		{name: "429 with x-ratelimit-reset", status: 429, header: map[string]string{"X-Ratelimit-Reset": "12"},
			body: `{"errors":[{"code":"10011","title":"Too many requests"}]}`, wantErr: "Too many requests",
			kind: providers.ErrRateLimited, code: "10011", retry: 12 * time.Second},
		{name: "500", status: 500, body: `{"errors":[{"code":"10007","title":"Unexpected error"}]}`,
			wantErr: "telnyx verify: Unexpected error (code 10007)", kind: providers.ErrTemporary, code: "10007"},
		{name: "503 from a proxy, HTML", status: 503, header: map[string]string{"Content-Type": "text/html"}, body: "<html>down</html>",
			wantErr: "telnyx verify: HTTP 503 Service Unavailable", kind: providers.ErrTemporary},
		{name: "404: wrong base URL", status: 404, body: "not found", wantErr: "telnyx verify: HTTP 404 Not Found"},
		{name: "malformed JSON on 200", status: 200, header: map[string]string{"Content-Type": "text/html"}, body: "<html>portal</html>",
			wantErr: "telnyx verify: unreadable answer from Telnyx to GET /v2/balance (text/html)"},
		{name: "200 without data", status: 200, body: `{"errors":[]}`, wantErr: "unreadable answer from Telnyx"},
		{name: "numeric code tolerated", status: 401, body: `{"errors":[{"code":10009,"title":"Authentication failed"}]}`,
			wantErr: "(code 10009)", kind: providers.ErrUnauthorized, code: "10009"},
		{name: "detail quoting the key is redacted", status: 401,
			body:    `{"errors":[{"code":"10009","title":"Authentication failed","detail":"unknown key ` + testKey + `"}]}`,
			wantErr: "unknown key [redacted]", kind: providers.ErrUnauthorized, code: "10009"},
		{name: "network error", base: "closed", wantErr: "telnyx verify: cannot reach Telnyx: ", kind: providers.ErrTemporary, status0: true},
		{name: "missing key: no request", creds: map[string]string{}, noReq: true,
			wantErr: "telnyx verify: credentials: missing api_key", kind: providers.ErrUnauthorized, status0: true},
		{name: "bad base URL: no request", base: "ftp://example.test", noReq: true,
			wantErr: `telnyx verify: VNUM_TELNYX_BASE_URL "ftp://example.test" is not an http(s) URL`, status0: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var requests atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				requests.Add(1)
				assert.Equal(t, http.MethodGet, r.Method)
				assert.Equal(t, "/v2/balance", r.URL.Path)
				assert.Empty(t, r.URL.RawQuery, "the key never goes in the URL")
				assert.Equal(t, "Bearer "+testKey, r.Header.Get("Authorization"))
				assert.Equal(t, "application/json", r.Header.Get("Accept"))
				for k, v := range tt.header {
					w.Header().Set(k, v)
				}
				if w.Header().Get("Content-Type") == "" {
					w.Header().Set("Content-Type", "application/json")
				}
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			}))
			t.Cleanup(srv.Close)
			base := srv.URL
			switch tt.base {
			case "closed":
				closed := httptest.NewServer(http.NotFoundHandler())
				base = closed.URL
				closed.Close()
			case "":
			default:
				base = tt.base
			}
			creds := tt.creds
			if creds == nil {
				creds = map[string]string{CredAPIKey: testKey}
			}

			account, err := Verify(t.Context(), settings(base, creds))

			if tt.noReq || tt.base == "closed" {
				assert.Zero(t, requests.Load())
			} else {
				assert.Equal(t, int32(1), requests.Load(), "one request, never retried")
			}
			if tt.wantErr == "" {
				require.NoError(t, err)
				assert.Empty(t, account, "Telnyx's balance names no account")
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
			assert.Regexp(t, `^telnyx verify: `, err.Error())
			assert.NotContains(t, err.Error(), testKey)
			var pe *providers.Error
			require.ErrorAs(t, err, &pe)
			if tt.kind != nil {
				assert.ErrorIs(t, err, tt.kind)
			} else {
				assert.Nil(t, pe.Kind)
			}
			assert.Equal(t, tt.code, pe.Code)
			if tt.status0 {
				assert.Zero(t, pe.Status)
			} else {
				assert.Equal(t, tt.status, pe.Status)
			}
			assert.Equal(t, tt.retry, pe.Retry)
			if tt.retry > 0 {
				d, ok := providers.RetryAfter(err)
				assert.True(t, ok)
				assert.Equal(t, tt.retry, d)
			}
		})
	}
}

func TestVerifyDefaultBaseURL(t *testing.T) {
	var got string
	s := providers.Settings{
		Credentials: map[string]string{CredAPIKey: testKey},
		HTTP: func() *http.Client {
			return &http.Client{Transport: roundTripper(func(r *http.Request) (*http.Response, error) {
				got = r.URL.String()
				return nil, errors.New("offline")
			})}
		},
	}
	_, err := Verify(t.Context(), s)
	require.ErrorIs(t, err, providers.ErrTemporary)
	assert.Equal(t, "https://api.telnyx.com/v2/balance", got)
}

// The override may carry a path prefix (a gateway); the API path is kept after it.
func TestVerifyBaseURLPrefix(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "/gw/telnyx/v2/balance", r.URL.Path)
		_, _ = w.Write([]byte(balanceOK))
	}))
	t.Cleanup(srv.Close)
	_, err := Verify(t.Context(), settings(srv.URL+"/gw/telnyx/", map[string]string{CredAPIKey: testKey}))
	require.NoError(t, err)
}

func TestVerifyCancelled(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := Verify(ctx, settings(srv.URL, map[string]string{CredAPIKey: testKey}))
	assert.Less(t, time.Since(start), 5*time.Second)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Regexp(t, `^telnyx verify: `, err.Error())
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
