package twilio_test

import (
	"fmt"
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

// A server whose next_page_uri never ends (as a mock serving the documents' example does) must
// not keep vnum paging forever: the list ends where it loops, with each number once.
func TestListStopsWhereTheNextPageLoops(t *testing.T) {
	clearTwilioEnv(t)
	const account = "AC0123456789abcdef0123456789abcdef"
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"incoming_phone_numbers": [{"sid": "PNaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
			"phone_number": "+15017122661", "friendly_name": "shop", "status": "in-use"}],
			"next_page_uri": "/2010-04-01/Accounts/%s/IncomingPhoneNumbers.json?PageSize=50&Page=1&PageToken=PAloop",
			"page": 0, "page_size": 50}`, account)
	}))
	t.Cleanup(srv.Close)
	p, err := twilio.New(providers.Settings{
		Env:         envOf(map[string]string{twilio.EnvBaseURL: srv.URL}),
		Credentials: map[string]string{twilio.CredAccountSID: account, twilio.CredAuthToken: "0123456789abcdef0123456789abcdef"},
		HTTP:        func() *http.Client { return &http.Client{Timeout: 5 * time.Second} },
	})
	require.NoError(t, err)

	owned, err := p.List(t.Context())
	require.NoError(t, err)
	require.Len(t, owned, 1, "the repeated page adds nothing")
	assert.Equal(t, "+15017122661", owned[0].Number)
	assert.LessOrEqual(t, hits.Load(), int32(2), "first page and the one next page; the loop is not followed")
}

// A certificate vnum cannot verify (a corporate proxy whose CA is not installed) is said as such
// and is not "try again later": the same certificate comes back every time.
func TestUntrustedCertificateIsNotTemporary(t *testing.T) {
	clearTwilioEnv(t)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(srv.Close)
	p, err := twilio.New(providers.Settings{
		Env:         envOf(map[string]string{twilio.EnvBaseURL: srv.URL}),
		Credentials: map[string]string{twilio.CredAccountSID: "AC0123456789abcdef0123456789abcdef", twilio.CredAuthToken: "0123456789abcdef0123456789abcdef"},
		HTTP:        func() *http.Client { return &http.Client{Timeout: 5 * time.Second} },
	})
	require.NoError(t, err)
	_, err = p.List(t.Context())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "SSL_CERT_FILE")
	assert.True(t, providers.IsPermanent(err))
}

// A 200 page of records that are not Twilio's (no number SID) is not a listing: List fails
// rather than return a list that may be missing numbers.
func TestListRefusesMalformedRecords(t *testing.T) {
	clearTwilioEnv(t)
	const account = "AC0123456789abcdef0123456789abcdef"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"incoming_phone_numbers": [{"sid": "PNaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "phone_number": "+15017122661"},
			{"phone_number": "+15017122662"}, {"bogus": true}], "page": 0, "page_size": 50}`)
	}))
	t.Cleanup(srv.Close)
	p, err := twilio.New(providers.Settings{
		Env:         envOf(map[string]string{twilio.EnvBaseURL: srv.URL}),
		Credentials: map[string]string{twilio.CredAccountSID: account, twilio.CredAuthToken: "0123456789abcdef0123456789abcdef"},
		HTTP:        func() *http.Client { return &http.Client{Timeout: 5 * time.Second} },
	})
	require.NoError(t, err)
	owned, err := p.List(t.Context())
	require.Error(t, err, "got %v", owned)
	assert.ErrorIs(t, err, providers.ErrTemporary)
	assert.Contains(t, err.Error(), "without a valid number SID")
}

// A redirect to another port is not followed (the Basic credentials stay with Twilio) and is not
// "try again later"; one on the same host is, without a Referer.
func TestRedirects(t *testing.T) {
	clearTwilioEnv(t)
	const account = "AC0123456789abcdef0123456789abcdef"
	var stolen atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { stolen.Add(1) }))
	t.Cleanup(other.Close)
	var away atomic.Bool
	away.Store(true)
	var referer atomic.Value
	referer.Store("")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path != "/landed" && away.Load():
			http.Redirect(w, r, other.URL+r.URL.RequestURI(), http.StatusTemporaryRedirect)
		case r.URL.Path != "/landed":
			http.Redirect(w, r, "/landed", http.StatusFound)
		default:
			referer.Store(r.Header.Get("Referer"))
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"incoming_phone_numbers": [], "page": 0, "page_size": 50}`)
		}
	}))
	t.Cleanup(srv.Close)
	p, err := twilio.New(providers.Settings{
		Env:         envOf(map[string]string{twilio.EnvBaseURL: srv.URL}),
		Credentials: map[string]string{twilio.CredAccountSID: account, twilio.CredAuthToken: "0123456789abcdef0123456789abcdef"},
		HTTP:        func() *http.Client { return &http.Client{Timeout: 5 * time.Second} },
	})
	require.NoError(t, err)

	_, err = p.List(t.Context())
	require.Error(t, err)
	assert.Zero(t, stolen.Load(), "the credentials went to another port")
	assert.NotErrorIs(t, err, providers.ErrTemporary)

	away.Store(false)
	_, err = p.List(t.Context())
	require.NoError(t, err)
	assert.Empty(t, referer.Load(), "a redirect carried a Referer")
}

// A server that echoes the auth token in its error (raw, or inside a JSON-escaped query) does not
// get it printed: Twilio's words are quoted with the secret removed.
func TestErrorMessageNeverQuotesTheToken(t *testing.T) {
	clearTwilioEnv(t)
	const account = "AC0123456789abcdef0123456789abcdef"
	const token = "0123456789abcdef0123456789abcdef"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"code": 21201, "message": "bad request: AuthToken=%s \u0026auth_token=%s", "status": 400}`, token, token)
	}))
	t.Cleanup(srv.Close)
	p, err := twilio.New(providers.Settings{
		Env:         envOf(map[string]string{twilio.EnvBaseURL: srv.URL}),
		Credentials: map[string]string{twilio.CredAccountSID: account, twilio.CredAuthToken: token},
		HTTP:        func() *http.Client { return &http.Client{Timeout: 5 * time.Second} },
	})
	require.NoError(t, err)
	_, err = p.List(t.Context())
	require.Error(t, err)
	assert.NotContains(t, err.Error(), token)
	assert.Contains(t, err.Error(), "[redacted]")
}

// A success answer without end is read up to a bound, then refused, instead of filling memory.
func TestHugeAnswerIsCutOff(t *testing.T) {
	clearTwilioEnv(t)
	const account = "AC0123456789abcdef0123456789abcdef"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"incoming_phone_numbers": [], "padding": "`))
		chunk := make([]byte, 1<<20)
		for i := range chunk {
			chunk[i] = 'x'
		}
		for i := 0; i < 64; i++ { // 64 MiB, twice the bound
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
		_, _ = w.Write([]byte(`"}`))
	}))
	t.Cleanup(srv.Close)
	p, err := twilio.New(providers.Settings{
		Env:         envOf(map[string]string{twilio.EnvBaseURL: srv.URL}),
		Credentials: map[string]string{twilio.CredAccountSID: account, twilio.CredAuthToken: "0123456789abcdef0123456789abcdef"},
		HTTP:        func() *http.Client { return &http.Client{Timeout: 20 * time.Second} },
	})
	require.NoError(t, err)
	_, err = p.List(t.Context())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "larger than 32 MiB")
}
