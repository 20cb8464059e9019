package sandbox_test

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/providers"
)

// TestFictionRanges checks that where a regulator reserves numbers for fiction the sandbox sells
// nothing else, and that it sells every range. The ranges are the published ones, written out
// independently of the sandbox's tables as E.164 prefixes followed by free digits.
func TestFictionRanges(t *testing.T) {
	p := newSandbox(t, t.TempDir(), nil)
	tests := []struct {
		country string
		typ     providers.NumberType
		free    int      // digits after the prefix
		ranges  []string // E.164 prefixes
	}{
		{"GB", providers.TypeLocal, 3, []string{"+442079460", "+441134960", "+441144960", "+441164960", "+441174960",
			"+441184960", "+441214960", "+441314960", "+441414960", "+441514960", "+441614960", "+441914980",
			"+442896496", "+442920180"}},
		{"GB", providers.TypeNational, 3, []string{"+443069990"}},
		{"GB", providers.TypeTollFree, 3, []string{"+448081570"}},
		{"FR", providers.TypeLocal, 4, []string{"+3319900", "+3326191", "+3335301", "+3346571", "+3353649"}},
		{"US", providers.TypeLocal, 2, []string{"+120255501", "+121255501", "+131255501", "+141555501", "+161755501"}},
		{"US", providers.TypeMobile, 2, []string{"+131055501", "+164655501", "+177355501"}},
		{"US", providers.TypeTollFree, 2, []string{"+180055501", "+188855501"}},
		{"CA", providers.TypeLocal, 2, []string{"+141655501", "+151455501", "+160455501"}},
		{"CA", providers.TypeMobile, 2, []string{"+164755501", "+143855501", "+177855501"}},
		{"CA", providers.TypeTollFree, 2, []string{"+183355501", "+184455501"}},
		{"AU", providers.TypeLocal, 4, []string{"+6125550", "+6127010", "+6135550", "+6137010", "+6175550", "+6177010",
			"+6185550", "+6187010"}},
		{"AU", providers.TypeMobile, 0, []string{"+61491570006", "+61491570110", "+61491570156", "+61491570157",
			"+61491570158", "+61491570159", "+61491570313", "+61491570737", "+61491571266", "+61491571491", "+61491571804",
			"+61491572549", "+61491572665", "+61491572983", "+61491573087", "+61491573770", "+61491574118", "+61491574632",
			"+61491575254", "+61491575789", "+61491576398", "+61491576801", "+61491577426", "+61491577644", "+61491578148",
			"+61491578888", "+61491578957", "+61491579212", "+61491579455", "+61491579760"}},
		{"AU", providers.TypeTollFree, 0, []string{"+611800160401", "+611800975707", "+611800975708", "+611800975709",
			"+611800975710", "+611800975711"}},
	}
	inRanges := func(number string, ranges []string, free int) bool {
		for _, r := range ranges {
			if strings.HasPrefix(number, r) && len(number) == len(r)+free {
				return true
			}
		}
		return false
	}
	for _, tt := range tests {
		t.Run(tt.country+" "+string(tt.typ), func(t *testing.T) {
			total := len(tt.ranges) * int(math.Pow10(tt.free))
			limit := min(total+1, 300)
			offers, err := p.Search(t.Context(), providers.Query{Country: tt.country, Type: tt.typ, Limit: limit})
			require.NoError(t, err)
			if total < limit {
				assert.Len(t, offers, total, "every number of the ranges is for sale")
			}
			for _, a := range offers {
				require.True(t, inRanges(a.Number, tt.ranges, tt.free), "%s is outside the fiction ranges", a.Number)
			}
			for _, r := range tt.ranges {
				offers, err := p.Search(t.Context(), providers.Query{Country: tt.country, Type: tt.typ, Contains: r, Limit: 1})
				require.NoError(t, err)
				require.Len(t, offers, 1, "range %s is for sale", r)
				require.True(t, inRanges(offers[0].Number, []string{r}, tt.free), offers[0].Number)
			}
		})
	}
}

// TestReservedButInvalidRangesAreNotSold: libphonenumber rejects some fiction ranges, so the
// sandbox must not offer them (every number it sells is valid).
func TestReservedButInvalidRangesAreNotSold(t *testing.T) {
	p := newSandbox(t, t.TempDir(), nil)
	for _, number := range []string{"+447700900123", "+33639981234", "+441154960123", "+441632960123"} {
		n, err := phonenumbers.Parse(number, "")
		require.NoError(t, err)
		require.False(t, phonenumbers.IsValidNumber(n), "%s became valid in libphonenumber: consider selling it", number)
		_, err = p.Buy(t.Context(), providers.BuyRequest{Number: number})
		require.ErrorIs(t, err, providers.ErrUnavailable, number)
	}
}

// libTypes are the libphonenumber types a number of each type may have.
func libTypes(t providers.NumberType) []phonenumbers.PhoneNumberType {
	return map[providers.NumberType][]phonenumbers.PhoneNumberType{
		providers.TypeLocal:    {phonenumbers.FIXED_LINE, phonenumbers.FIXED_LINE_OR_MOBILE},
		providers.TypeMobile:   {phonenumbers.MOBILE, phonenumbers.FIXED_LINE_OR_MOBILE},
		providers.TypeNational: {phonenumbers.VOIP, phonenumbers.UAN},
		providers.TypeTollFree: {phonenumbers.TOLL_FREE},
	}[t]
}

// TestNumbersValidForCountryAndType checks every offer in thirty countries against
// libphonenumber, and that each number is sold as one type only.
func TestNumbersValidForCountryAndType(t *testing.T) {
	p := newSandbox(t, t.TempDir(), nil)
	countries := []string{"US", "CA", "GB", "FR", "DE", "ES", "IT", "NL", "BE", "CH", "AT", "SE", "NO", "DK", "FI",
		"IE", "PT", "PL", "CZ", "GR", "AU", "NZ", "JP", "KR", "IN", "BR", "MX", "ZA", "SG", "AR"}
	for _, country := range countries {
		t.Run(country, func(t *testing.T) {
			seen := make(map[string]providers.NumberType)
			for _, typ := range providers.NumberTypes() {
				offers, err := p.Search(t.Context(), providers.Query{Country: country, Type: typ, Limit: 25})
				require.NoError(t, err)
				if typ == providers.TypeLocal || typ == providers.TypeMobile {
					assert.NotEmpty(t, offers, "%s %s numbers for sale", country, typ)
				}
				for _, a := range offers {
					n, err := phonenumbers.Parse(a.Number, "")
					require.NoError(t, err)
					require.True(t, phonenumbers.IsValidNumberForRegion(n, country), "%s valid in %s", a.Number, country)
					require.Contains(t, libTypes(typ), phonenumbers.GetNumberType(n), "%s is a %s number", a.Number, typ)
					require.Equal(t, phonenumbers.Format(n, phonenumbers.E164), a.Number, "E.164")
					require.Equal(t, country, a.Country)
					require.Equal(t, typ, a.Type)
					if other, dup := seen[a.Number]; dup {
						t.Fatalf("%s is sold as both %s and %s", a.Number, other, typ)
					}
					seen[a.Number] = typ
				}
			}
		})
	}
}

func TestNothingForSaleWithoutAnExample(t *testing.T) {
	p := newSandbox(t, t.TempDir(), nil)
	offers, err := p.Search(t.Context(), providers.Query{Country: "US", Type: providers.TypeNational})
	require.NoError(t, err)
	assert.Empty(t, offers, "libphonenumber knows no US national numbers")
	_, err = p.Buy(t.Context(), providers.BuyRequest{Number: "+15002345678", Country: "US", Type: providers.TypeNational})
	require.ErrorIs(t, err, providers.ErrOutOfStock)
}

func TestPricesAndFeatures(t *testing.T) {
	p := newSandbox(t, t.TempDir(), nil)
	tests := []struct {
		country  string
		typ      providers.NumberType
		contains string // picks a number that is golden (…000, …0123) or not
		price    string
		features providers.Features
	}{
		{"FR", providers.TypeMobile, "0612345602", "1.15 EUR", providers.Features{Voice: true, SMS: true}},
		{"FR", providers.TypeLocal, "0199001357", "1.00 EUR", providers.Features{Voice: true, SMS: true}},
		{"FR", providers.TypeTollFree, "0801234602", "2.00 EUR", providers.Features{Voice: true}},
		{"DE", providers.TypeLocal, "030123602", "1.00 EUR", providers.Features{Voice: true, SMS: true}},
		{"GB", providers.TypeMobile, "07400123602", "1.00 GBP", providers.Features{Voice: true, SMS: true}},
		{"GB", providers.TypeTollFree, "08081570602", "2.00 GBP", providers.Features{Voice: true}},
		{"GB", providers.TypeNational, "03069990000", "5.00 GBP", providers.Features{Voice: true, SMS: true}},
		{"US", providers.TypeLocal, "2025550102", "1.15 USD", providers.Features{Voice: true, SMS: true, MMS: true}},
		{"US", providers.TypeLocal, "2025550111", "5.75 USD", providers.Features{Voice: true, SMS: true, MMS: true}},
		{"US", providers.TypeLocal, "2025550123", "5.75 USD", providers.Features{Voice: true, SMS: true, MMS: true}},
		{"US", providers.TypeLocal, "2025550154", "1.15 USD", providers.Features{Voice: true, SMS: true, MMS: true}},
		{"CA", providers.TypeMobile, "6475550102", "1.15 USD", providers.Features{Voice: true, SMS: true, MMS: true}},
		{"US", providers.TypeTollFree, "", "2.00 USD", providers.Features{Voice: true}},
		{"JP", providers.TypeLocal, "0312345602", "3.00 USD", providers.Features{Voice: true, SMS: true}},
		{"JP", providers.TypeMobile, "09012345602", "4.50 USD", providers.Features{Voice: true, SMS: true}},
	}
	for _, tt := range tests {
		t.Run(tt.country+" "+string(tt.typ)+" "+tt.contains, func(t *testing.T) {
			offers, err := p.Search(t.Context(), providers.Query{Country: tt.country, Type: tt.typ, Contains: tt.contains, Limit: 1})
			require.NoError(t, err)
			require.Len(t, offers, 1)
			assert.Equal(t, tt.price, offers[0].Monthly.String(), "monthly price of %s", offers[0].Number)
			assert.Equal(t, tt.features, offers[0].Features)
			assert.Equal(t, providers.PaperworkNone, offers[0].Paperwork)
			assert.True(t, offers[0].Upfront.IsZero())

			n, err := p.Buy(t.Context(), providers.BuyRequest{Number: offers[0].Number})
			require.NoError(t, err)
			assert.Equal(t, offers[0].Monthly, n.Monthly, "bought at the price offered")
			assert.Equal(t, offers[0].Features, n.Features)
		})
	}
}

// TestGoldenNumbersAreFew keeps "cheapest first" meaningful: a range has a few dear numbers,
// not many.
func TestGoldenNumbersAreFew(t *testing.T) {
	p := newSandbox(t, t.TempDir(), nil)
	offers, err := p.Search(t.Context(), providers.Query{Country: "GB", Type: providers.TypeTollFree, Limit: 1000})
	require.NoError(t, err)
	require.Len(t, offers, 1000)
	prices := make(map[string]int)
	for _, a := range offers {
		prices[a.Monthly.String()]++
	}
	// 08081 570xxx: ten repeated endings (…000 to …999) and one run (…0123): the digit before
	// xxx is 0, so no other four-digit run fits.
	assert.Equal(t, map[string]int{"2.00 GBP": 989, "10.00 GBP": 11}, prices)
}

func TestLocality(t *testing.T) {
	p := newSandbox(t, t.TempDir(), nil)
	tests := []struct {
		country, contains, locality string
	}{
		{"GB", "020794600", "London"},
		{"GB", "016149600", "Manchester"},
		{"US", "4155550", "San Francisco, CA"},
		{"AU", "0355500", "Melbourne"},
		{"FR", "0199", "Île-de-France"},
	}
	for _, tt := range tests {
		offers, err := p.Search(t.Context(), providers.Query{Country: tt.country, Type: providers.TypeLocal, Contains: tt.contains, Limit: 1})
		require.NoError(t, err)
		require.Len(t, offers, 1, "%s %s", tt.country, tt.contains)
		assert.Equal(t, tt.locality, offers[0].Locality, offers[0].Number)
	}
}

func TestSearchQuery(t *testing.T) {
	p := newSandbox(t, t.TempDir(), nil)
	numbers := func(q providers.Query) []string {
		t.Helper()
		offers, err := p.Search(t.Context(), q)
		require.NoError(t, err)
		var out []string
		for _, a := range offers {
			out = append(out, a.Number)
		}
		return out
	}
	types := func(q providers.Query) []providers.NumberType {
		t.Helper()
		offers, err := p.Search(t.Context(), q)
		require.NoError(t, err)
		var out []providers.NumberType
		for _, a := range offers {
			if !slices.Contains(out, a.Type) {
				out = append(out, a.Type)
			}
		}
		return out
	}

	assert.Len(t, numbers(providers.Query{Country: "US", Type: providers.TypeLocal}), 20, "default limit")
	assert.Len(t, numbers(providers.Query{Country: "us", Type: providers.TypeLocal, Limit: 3}), 3, "country in lower case")
	assert.Equal(t, numbers(providers.Query{Country: "FR", Limit: 50}), numbers(providers.Query{Country: "FR", Limit: 50}),
		"deterministic")
	assert.ElementsMatch(t, providers.NumberTypes(), types(providers.Query{Country: "GB", Limit: 8}),
		"any type: some of each")
	assert.NotContains(t, types(providers.Query{Country: "GB", SMS: true, Limit: 100}), providers.TypeTollFree,
		"toll-free numbers take no SMS")
	assert.Contains(t, types(providers.Query{Country: "GB", Voice: true, Limit: 100}), providers.TypeTollFree)
	assert.Equal(t, []string{"+33199001234"}, numbers(providers.Query{Country: "FR", Contains: "0199001234"}),
		"contains, with the trunk prefix")
	assert.Equal(t, []string{"+33199001234"}, numbers(providers.Query{Country: "FR", Contains: "199001234"}),
		"contains, without the trunk prefix")
	assert.Equal(t, []string{"+12125550177"}, numbers(providers.Query{Country: "US", Contains: "+12125550177"}),
		"contains, a whole E.164 number")
	assert.Empty(t, numbers(providers.Query{Country: "US", Type: providers.TypeLocal, Contains: "999999"}))
}

func TestSearchRejectsBadQueries(t *testing.T) {
	p := newSandbox(t, t.TempDir(), nil)
	tests := []struct {
		name  string
		query providers.Query
	}{
		{"unknown country", providers.Query{Country: "UK"}},
		{"no country", providers.Query{}},
		{"unknown type", providers.Query{Country: "FR", Type: "landline"}},
		{"contains letters", providers.Query{Country: "FR", Contains: "06ab"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := p.Search(t.Context(), tt.query)
			requireRefusal(t, err, providers.ErrUnsupported, "search")
		})
	}
}
