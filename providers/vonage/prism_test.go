package vonage_test

import (
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/providers"
)

// Tests replaying answers of Prism mocking Vonage's OpenAPI documents (static examples): what
// broke vnum there, written small by hand.

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

// Prism answers every page of a search with the document's one example and its count of 1234:
// the search read all 25 pages of 50 (200 with a larger count), one after the other, for one
// number. A page of numbers all seen before ends the search.
func TestSearchStopsAtAPageThatRepeats(t *testing.T) {
	var searches atomic.Int32
	base := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/number/search":
			searches.Add(1)
			_, _ = w.Write([]byte(`{"count":1234,"numbers":[{"country":"GB","msisdn":"447700900000","type":"mobile-lvn","cost":"1.25","features":["VOICE","SMS","MMS"]}]}`))
		case "/account/get-pricing/outbound/sms":
			_, _ = w.Write([]byte(`{"countryCode":"CA","currency":"EUR","defaultPrice":"0.00620000","networks":[]}`))
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	p := newProviderAt(t, base)
	offers, err := p.Search(t.Context(), providers.Query{Country: "GB", Limit: 50})
	require.NoError(t, err)
	require.Len(t, offers, 1)
	assert.Equal(t, "+447700900000", offers[0].Number)
	assert.Equal(t, int32(2), searches.Load(), "the first page, and the second that repeats it")
}

// Vonage's Reports document declares date_start and date_end `format: date`, while its text,
// its example and the API take date-times: a mock or gateway that checks requests against the
// document (Prism) refused vnum's date-times with 422, so every sms list and sms wait on Vonage
// failed. The window is then asked again in whole days, and only its own records are kept.
func TestReportsWindowAskedInDaysWhenDateTimesAreRefused(t *testing.T) {
	var asked []string
	base := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path != "/v2/reports/records" {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		start := r.URL.Query().Get("date_start")
		asked = append(asked, start)
		if _, err := time.Parse(time.DateOnly, start); err != nil {
			w.WriteHeader(http.StatusUnprocessableEntity)
			_, _ = w.Write([]byte(`{"type":"https://developer.vonage.com/api-errors#invalid-parameters","title":"Unprocessable entity","detail":"Missing required parameter date_end"}`))
			return
		}
		before := time.Now().UTC().Add(-2 * time.Hour).Format(time.RFC3339)
		recent := time.Now().UTC().Add(-time.Minute).Format(time.RFC3339)
		_, _ = w.Write([]byte(`{"request_status":"SUCCESS","records":[` +
			`{"message_id":"old","direction":"inbound","from":"447700900001","to":"447700900000","message_body":"code 111111","date_received":"` + before + `"},` +
			`{"message_id":"new","direction":"inbound","from":"447700900001","to":"447700900000","message_body":"code 222222","date_received":"` + recent + `"}]}`))
	}))
	p := newProviderAt(t, base)
	msgs, err := p.Messages(t.Context(), "447700900000", time.Now().Add(-time.Hour))
	require.NoError(t, err)
	require.Len(t, asked, 2, "a date-time window, then the same in days")
	_, err = time.Parse(time.DateOnly, asked[1])
	require.NoError(t, err)
	require.Len(t, msgs, 1, "only the records of the window asked for")
	assert.Equal(t, "code 222222", msgs[0].Text)
}
