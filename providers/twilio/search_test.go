package twilio_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/providers"
	faketwilio "github.com/vnum-cli/vnum/providers/twilio/twiliotest"
)

func TestSearch(t *testing.T) {
	tests := []struct {
		name          string
		query         providers.Query
		wantTypes     []providers.NumberType
		wantPaperwork providers.Paperwork
		wantMonthly   string
		wantNone      bool
		wantRequests  int // requests to the fake, pricing included
	}{
		{
			name:  "US local",
			query: providers.Query{Country: "US", Type: providers.TypeLocal, Limit: 3}, wantTypes: []providers.NumberType{providers.TypeLocal},
			wantMonthly: "1.15 USD", wantRequests: 2,
		},
		{
			name:  "US toll-free priced as 'toll free'",
			query: providers.Query{Country: "us", Type: providers.TypeTollFree, Limit: 2}, wantTypes: []providers.NumberType{providers.TypeTollFree},
			wantMonthly: "2.15 USD", wantRequests: 2,
		},
		{
			name:  "any type searches every type Twilio sells there",
			query: providers.Query{Country: "US", Limit: 50}, wantTypes: []providers.NumberType{providers.TypeLocal, providers.TypeTollFree},
			wantRequests: 5, // pricing + Local, Mobile (404), National (404), TollFree
		},
		{
			name:  "France needs documents",
			query: providers.Query{Country: "FR", Type: providers.TypeMobile, Limit: 2}, wantTypes: []providers.NumberType{providers.TypeMobile},
			wantPaperwork: providers.PaperworkDocuments, wantMonthly: "1.15 USD", wantRequests: 2,
		},
		{
			name:  "no paperwork in a regulated country finds nothing without asking",
			query: providers.Query{Country: "FR", Type: providers.TypeMobile, NoPaperwork: true}, wantNone: true, wantRequests: 0,
		},
		{
			name:  "type not sold in the country",
			query: providers.Query{Country: "US", Type: providers.TypeMobile}, wantNone: true, wantRequests: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			p := newProvider(t, f)
			got, err := p.Search(t.Context(), tt.query)
			require.NoError(t, err)
			assert.Equal(t, tt.wantRequests, f.Total(), "requests made")
			if tt.wantNone {
				assert.Empty(t, got)
				return
			}
			require.NotEmpty(t, got)
			if tt.query.Limit > 0 {
				assert.LessOrEqual(t, len(got), tt.query.Limit)
			}
			seen := map[providers.NumberType]bool{}
			for _, a := range got {
				seen[a.Type] = true
				assert.Equal(t, strings.ToUpper(tt.query.Country), a.Country)
				assert.Equal(t, tt.wantPaperwork, a.Paperwork, a.Number)
				assert.True(t, a.Features.Voice, a.Number)
				if tt.wantMonthly != "" {
					assert.Equal(t, tt.wantMonthly, a.Monthly.String(), a.Number)
				}
			}
			for _, typ := range tt.wantTypes {
				assert.True(t, seen[typ], "no %s numbers offered", typ)
			}
			assert.Len(t, seen, len(tt.wantTypes), "types offered: %v", seen)
		})
	}
}

// Prices come from Pricing v1 once per country for the provider's lifetime.
func TestSearchFetchesPricesOncePerCountry(t *testing.T) {
	f := newFake(t)
	f.SetPrice("US", "local", 1.5)
	p := newProvider(t, f)
	for range 3 {
		got, err := p.Search(t.Context(), providers.Query{Country: "US", Type: providers.TypeLocal, Limit: 1})
		require.NoError(t, err)
		require.Len(t, got, 1)
		assert.Equal(t, "1.50 USD", got[0].Monthly.String())
	}
	_, err := p.Search(t.Context(), providers.Query{Country: "GB", Type: providers.TypeLocal, Limit: 1})
	require.NoError(t, err)
	assert.Equal(t, 2, f.Hits(faketwilio.RoutePricing), "one pricing request per country")
}

func TestSearchFilters(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, f)
	all, err := p.Search(t.Context(), providers.Query{Country: "GB", Type: providers.TypeLocal})
	require.NoError(t, err)
	require.NotEmpty(t, all)
	for _, a := range all {
		assert.Equal(t, providers.PaperworkDocuments, a.Paperwork, "GB is regulated")
	}

	// A single digit is too short for Twilio's Contains: it is filtered locally.
	digit := all[0].Number[len(all[0].Number)-1:]
	some, err := p.Search(t.Context(), providers.Query{Country: "US", Type: providers.TypeLocal, Contains: digit})
	require.NoError(t, err)
	require.NotEmpty(t, some)
	for _, a := range some {
		assert.Contains(t, a.Number[2:], digit)
	}
	for _, l := range f.Logs() {
		assert.NotContains(t, l, "Contains="+digit+"&", "a one-character Contains must not reach Twilio")
	}

	// Two digits or more go to Twilio.
	last2 := all[0].Number[len(all[0].Number)-2:]
	_, err = p.Search(t.Context(), providers.Query{Country: "US", Type: providers.TypeLocal, Contains: last2, SMS: true, Voice: true})
	require.NoError(t, err)
	logs := strings.Join(f.Logs(), "\n")
	assert.Contains(t, logs, "Contains="+last2)
	assert.Contains(t, logs, "SmsEnabled=true")
	assert.Contains(t, logs, "VoiceEnabled=true")

	// NoPaperwork asks Twilio to leave out numbers needing an address.
	_, err = p.Search(t.Context(), providers.Query{Country: "US", Type: providers.TypeLocal, NoPaperwork: true, Limit: 7})
	require.NoError(t, err)
	logs = strings.Join(f.Logs(), "\n")
	assert.Contains(t, logs, "ExcludeAllAddressRequired=true")
	assert.Contains(t, logs, "PageSize=7")
}

func TestSearchRejectsBadQueries(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, f)
	for _, q := range []providers.Query{{Country: "France"}, {Country: ""}, {Country: "US", Type: "landline"}} {
		_, err := p.Search(t.Context(), q)
		assert.Error(t, err, "%+v", q)
	}
	assert.Zero(t, f.Total(), "a bad query is refused before any request")
}
