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
