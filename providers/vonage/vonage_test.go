package vonage

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/providers"
)

const (
	testKey = "abcd1234"
	// testSecret has characters that a query encodes, to catch the secret in either form.
	testSecret = "S3cr+t/TEST=91c2e7" // fake
)

// verify is what `vnum auth login vonage` does: build the adapter, then one Verify.
func verify(ctx context.Context, s providers.Settings) (string, error) {
	p, err := New(s)
	if err != nil {
		return "", err
	}
	return p.Verify(ctx)
}

func settings(base string, creds map[string]string) providers.Settings {
	env := map[string]string{EnvBaseURL: base}
	return providers.Settings{
		Env:         func(k string) string { return env[k] },
		Credentials: creds,
		HTTP:        func() *http.Client { return &http.Client{Timeout: 5 * time.Second} },
	}
}

// assertNoSecret checks a message for the secret as written and as encoded in a URL.
func assertNoSecret(t *testing.T, s string) {
	t.Helper()
	for _, form := range []string{testSecret, url.QueryEscape(testSecret), url.PathEscape(testSecret)} {
		assert.NotContains(t, s, form)
	}
	assert.NotRegexp(t, `api_secret=[^\[]`, s)
}

func TestVerify(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		header  map[string]string
		body    string
		creds   map[string]string // nil: the test key and secret
		base    string            // "closed": a port nothing listens on; "": the test server
		noReq   bool              // the carrier must not be asked
		wantErr string            // "" means success
		kind    error
		code    string
		status0 bool // the error carries no HTTP status
		retry   time.Duration
	}{
		{name: "ok", status: 200, body: `{"value": 10.17127500, "autoReload": false}`},
		{name: "401 refused", status: 401, body: `{"error-code":"401","error-code-label":"authentication failed"}`,
			wantErr: "vonage verify: authentication failed (code 401)", kind: providers.ErrUnauthorized, code: "401"},
		{name: "403 RFC 7807", status: 403, header: map[string]string{"Content-Type": "application/problem+json"},
			body:    `{"type":"https://developer.vonage.com/api-errors#forbidden","title":"Forbidden","detail":"Your account does not have permission"}`,
			wantErr: "vonage verify: Forbidden: Your account does not have permission", kind: providers.ErrUnauthorized},
		{name: "401 without a body", status: 401, wantErr: "vonage verify: HTTP 401 Unauthorized", kind: providers.ErrUnauthorized},
		{name: "refusal inside a 200", status: 200, body: `{"error-code":"401","error-code-label":"authentication failed"}`,
			wantErr: "vonage verify: authentication failed (code 401)", kind: providers.ErrUnauthorized, code: "401"},
		{name: "429 with Retry-After", status: 429, header: map[string]string{"Retry-After": "3"},
			body:    `{"type":"https://developer.vonage.com/api-errors#rate-limit","title":"Rate Limit Hit"}`,
			wantErr: "vonage verify: Rate Limit Hit", kind: providers.ErrRateLimited, retry: 3 * time.Second},
		{name: "500", status: 500, body: `{"error-code":"500","error-code-label":"internal error"}`,
			wantErr: "vonage verify: internal error (code 500)", kind: providers.ErrTemporary, code: "500"},
		{name: "502 from a proxy, HTML", status: 502, header: map[string]string{"Content-Type": "text/html"}, body: "<html>bad gateway</html>",
			wantErr: "vonage verify: HTTP 502 Bad Gateway", kind: providers.ErrTemporary},
		{name: "malformed JSON on 200", status: 200, header: map[string]string{"Content-Type": "text/html"}, body: "<html>portal</html>",
			wantErr: "vonage verify: unreadable answer from Vonage to GET /account/get-balance (text/html)"},
		{name: "200 without a value", status: 200, body: `{}`, wantErr: "unreadable answer from Vonage"},
		{name: "label quoting the secret is redacted", status: 401,
			body:    `{"error-code":"401","error-code-label":"bad secret ` + testSecret + ` (` + url.QueryEscape(testSecret) + `)"}`,
			wantErr: "bad secret [redacted] ([redacted])", kind: providers.ErrUnauthorized, code: "401"},
		{name: "network error: the URL with the secret is not quoted", base: "closed",
			wantErr: "vonage verify: cannot reach Vonage: ", kind: providers.ErrTemporary, status0: true},
		{name: "missing secret: no request", creds: map[string]string{CredAPIKey: testKey}, noReq: true,
			wantErr: "vonage: credentials: missing api_secret", kind: providers.ErrUnauthorized, status0: true},
		{name: "missing both: no request", creds: map[string]string{}, noReq: true,
			wantErr: "vonage: credentials: missing api_key, api_secret", kind: providers.ErrUnauthorized, status0: true},
		{name: "bad base URL: no request", base: "rest.nexmo.com", noReq: true,
			wantErr: `vonage: VNUM_VONAGE_BASE_URL "rest.nexmo.com" is not an http(s) URL`, status0: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var requests atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				requests.Add(1)
				assert.Equal(t, http.MethodGet, r.Method)
				assert.Equal(t, "/account/get-balance", r.URL.Path)
				assert.Equal(t, url.Values{"api_key": {testKey}, "api_secret": {testSecret}}, r.URL.Query())
				assert.Empty(t, r.Header.Get("Authorization"))
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
				creds = map[string]string{CredAPIKey: testKey, CredAPISecret: testSecret}
			}

			account, err := verify(t.Context(), settings(base, creds))

			if tt.noReq || tt.base == "closed" {
				assert.Zero(t, requests.Load())
			} else {
				assert.Equal(t, int32(1), requests.Load(), "one request, never retried")
			}
			if tt.wantErr == "" {
				require.NoError(t, err)
				assert.Equal(t, testKey, account, "the API key is the account id")
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
			if tt.noReq {
				assert.Regexp(t, `^vonage: `, err.Error(), "refused when the adapter is built")
			} else {
				assert.Regexp(t, `^vonage verify: `, err.Error())
			}
			assertNoSecret(t, err.Error())
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

// net/http quotes the whole URL, query included, in a transport error; Verify must not.
func TestVerifyTransportErrorHidesURL(t *testing.T) {
	var got string
	s := providers.Settings{
		Credentials: map[string]string{CredAPIKey: testKey, CredAPISecret: testSecret},
		HTTP: func() *http.Client {
			return &http.Client{Transport: roundTripper(func(r *http.Request) (*http.Response, error) {
				got = r.URL.String()
				// A transport that quotes the URL in its own error, as proxies' errors can.
				return nil, errors.New("refused by proxy for " + r.URL.String())
			})}
		},
	}
	_, err := verify(t.Context(), s)
	require.ErrorIs(t, err, providers.ErrTemporary)
	assert.Equal(t, "https://rest.nexmo.com/account/get-balance?"+
		url.Values{"api_key": {testKey}, "api_secret": {testSecret}}.Encode(), got, "the default base URL")
	assertNoSecret(t, err.Error())
	var ue *url.Error
	assert.False(t, errors.As(err, &ue), "the *url.Error, whose text is the URL, is not wrapped")
}

func TestVerifyCancelled(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err := verify(ctx, settings(srv.URL, map[string]string{CredAPIKey: testKey, CredAPISecret: testSecret}))
	assert.Less(t, time.Since(start), 5*time.Second)
	require.ErrorIs(t, err, context.Canceled)
	assert.Regexp(t, `^vonage verify: `, err.Error())
	assertNoSecret(t, err.Error())
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
