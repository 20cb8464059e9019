package phone

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/providers"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		region string
		want   string
	}{
		{"FR spaced international", "+33 6 12 34 56 78", "", "+33612345678"},
		{"FR E.164", "+33612345678", "", "+33612345678"},
		{"FR 00 prefix", "0033612345678", "", "+33612345678"},
		{"FR 00 prefix spaced", "00 33 6 12 34 56 78", "", "+33612345678"},
		{"FR 00 prefix with a region whose exit code is not 00", "0033612345678", "US", "+33612345678"},
		{"FR tel URI", "tel:+33612345678", "", "+33612345678"},
		{"FR tel URI upper case", "TEL:+33-6-12-34-56-78", "", "+33612345678"},
		{"FR trunk zero in parentheses", "+33 (0)6 12 34 56 78", "", "+33612345678"},
		{"FR national with region", "06 12 34 56 78", "FR", "+33612345678"},
		{"FR national dotted, lower-case region", "06.12.34.56.78", "fr", "+33612345678"},
		{"FR non-breaking space and en dash", "+33\u00a06\u201312 34 56 78", "", "+33612345678"},
		{"FR surrounding blanks", "  +33612345678\n", "", "+33612345678"},
		{"US parentheses and dash", "+1 (202) 555-0143", "", "+12025550143"},
		{"US national", "(202) 555-0143", "US", "+12025550143"},
		{"US dotted national", "202.555.0143", "US", "+12025550143"},
		{"US toll-free", "+1 800 555 0199", "", "+18005550199"},
		{"GB mobile", "+44 7400 123456", "", "+447400123456"},
		{"GB national", "07400 123456", "GB", "+447400123456"},
		{"GB national with the UK alias", "07400 123456", "uk", "+447400123456"},
		{"GB London landline", "+44 20 7946 0958", "", "+442079460958"},
		{"DE mobile", "+49 1512 3456789", "", "+4915123456789"},
		{"DE national", "01512 3456789", "DE", "+4915123456789"},
		{"ES mobile", "+34 612 34 56 78", "", "+34612345678"},
		{"ES national has no trunk prefix", "612345678", "ES", "+34612345678"},
		{"AU mobile", "+61 412 345 678", "", "+61412345678"},
		{"AU national", "0412 345 678", "AU", "+61412345678"},
		{"JP mobile", "+81 90-1234-5678", "", "+819012345678"},
		{"JP national", "090-1234-5678", "JP", "+819012345678"},
		{"BR mobile", "+55 11 96123-4567", "", "+5511961234567"},
		{"BR national", "(11) 96123-4567", "BR", "+5511961234567"},
		{"IT keeps the leading zero of landlines", "+39 06 1234 5678", "", "+390612345678"},
		{"international wins over the region", "+44 7400 123456", "FR", "+447400123456"},
		{"Arabic-Indic digits", "٠٦١٢٣٤٥٦٧٨", "FR", "+33612345678"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.in, tt.region)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		region  string
		wantErr string // the whole message when exact, else a substring
		exact   bool
	}{
		{
			name: "too short for its country", in: "+33 6 12",
			wantErr: `"+33 6 12" is not a valid phone number for France: write it in international form, e.g. +33 6 12 34 56 78`,
			exact:   true,
		},
		{
			name: "national without region", in: "0612345678",
			wantErr: `"0612345678" has no country code: write it in international form, e.g. +33612345678`,
			exact:   true,
		},
		{
			name: "unknown region", in: "0612345678", region: "XX",
			wantErr: `unknown country "XX": use a two-letter ISO 3166 code such as FR, GB or US`,
			exact:   true,
		},
		{name: "empty", in: "", wantErr: "no phone number given: write it in international form"},
		{name: "blank", in: "   ", wantErr: "no phone number given"},
		{name: "empty tel URI", in: "tel:", wantErr: "no phone number given"},
		{name: "a label", in: "shop", wantErr: `"shop" is not a phone number: write it in international form, e.g. +33 6 12 34 56 78`},
		{name: "a carrier id", in: "PN0123456789abcdef", wantErr: `"PN0123456789abcdef" is not a phone number`},
		{name: "number inside text", in: "call +33612345678 now", wantErr: "is not a phone number"},
		{name: "keypad letters", in: "1-800-FLOWERS", region: "US", wantErr: "is not a phone number"},
		{name: "extension", in: "+33612345678;ext=12", wantErr: "is not a phone number"},
		{name: "plus in the middle", in: "33+612345678", wantErr: "is not a phone number"},
		{name: "double plus", in: "++33612345678", wantErr: "is not a phone number"},
		{name: "plus alone", in: "+", wantErr: `"+" is not a valid phone number`},
		{name: "00 alone", in: "00", wantErr: `"00" is not a valid phone number`},
		{name: "too long for its country", in: "+33 6 12 34 56 78 90 12", wantErr: "is not a valid phone number for France"},
		{name: "unknown country code", in: "+999 1234567", wantErr: `"+999 1234567" does not start with a known country code`},
		{name: "zero country code", in: "+0 123456789", wantErr: "does not start with a known country code"},
		{
			name: "national number from another country", in: "07400 123456", region: "FR",
			wantErr: `"07400 123456" is not a valid phone number for France: write it in international form, e.g. +33 6 12 34 56 78`,
			exact:   true,
		},
		{
			name: "French national number read as American", in: "06 12 34 56 78", region: "US",
			wantErr: "is not a valid phone number for United States: write it in international form, e.g. +1 201-555-0123",
		},
		{name: "shared country code names the code", in: "+1 555", wantErr: "is not a valid phone number with country code +1: "},
		{name: "shared country code with a region names the region", in: "+1 555", region: "CA", wantErr: "is not a valid phone number for Canada: "},
		{name: "unassigned range", in: "+33 0 12 34 56 78", wantErr: "is not a valid phone number for France"},
		{name: "absurdly long input is shortened in the message", in: "+" + strings.Repeat("1", 300), wantErr: `"+` + strings.Repeat("1", 39) + `…" is not a valid phone number`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.in, tt.region)
			require.Error(t, err)
			assert.Empty(t, got)
			msg := err.Error()
			assert.NotContains(t, msg, "\n", "errors must fit on one line")
			if tt.exact {
				assert.Equal(t, tt.wantErr, msg)
			} else {
				assert.Contains(t, msg, tt.wantErr)
			}
		})
	}
}

func TestLooksLikeNumber(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"+33 6 12 34 56 78", true},
		{"0033612345678", true},
		{"+1 (202) 555-0143", true},
		{"202.555.0143", true},
		{"tel:+33612345678", true},
		{"12345", true},
		{"+33 6 12", true}, // written like a number, even though Parse will reject it
		{"1234", false},
		{"+1 23", false},
		{"", false},
		{"+", false},
		{"shop", false},
		{"work-2", false},
		{"PN0123456789abcdef", false},
		{"33+612345678", false},
		{"+33612345678 x12", false},
		{"12/05/2024", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			assert.Equal(t, tt.want, LooksLikeNumber(tt.in))
		})
	}
}

func TestCountry(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"+33612345678", "FR"},
		{"+12025550143", "US"},
		{"+15062345678", "CA"}, // +1 shared by NANP countries: resolved from the area code
		{"+447400123456", "GB"},
		{"+4915123456789", "DE"},
		{"+819012345678", "JP"},
		{"+80012345678", ""}, // international freephone belongs to no country
		{"+1555", ""},        // +1 but too short to tell which NANP country
		{"0612345678", ""},
		{"not a number", ""},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			assert.Equal(t, tt.want, Country(tt.in))
		})
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"+33612345678", "+33 6 12 34 56 78"},
		{"+12025550143", "+1 202-555-0143"},
		{"+447400123456", "+44 7400 123456"},
		{"+390612345678", "+39 06 1234 5678"},
		{"+80012345678", "+800 1234 5678"},
		{"0612345678", "0612345678"}, // national: no country to format for
		{"shop", "shop"},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			assert.Equal(t, tt.want, Format(tt.in))
		})
	}
}

func TestNormalizeCountry(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"FR", "FR"},
		{"fr", "FR"},
		{" us ", "US"},
		{"UK", "GB"},
		{"uk", "GB"},
		{"gb", "GB"},
		{"jp", "JP"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := NormalizeCountry(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}

	for _, bad := range []string{"XX", "xx", "", "FRA", "France", "001", "ZZ", "F"} {
		t.Run("rejects "+bad, func(t *testing.T) {
			_, err := NormalizeCountry(bad)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "use a two-letter ISO 3166 code such as FR, GB or US")
		})
	}
}

func TestCountryName(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"FR", "France"},
		{"fr", "France"},
		{"GB", "United Kingdom"},
		{"US", "United States"},
		{"DE", "Germany"},
		{"JP", "Japan"},
		{"BR", "Brazil"},
		{"TW", "Taiwan"},
		{"FJ", "Fiji"}, // every country, not only those carriers commonly sell numbers in
		{" aq ", "Antarctica"},
		{"zz", "zz"}, // no country: the code is shown as given
		{"EU", "EU"},
		{"FRA", "France"}, // ISO 3166-1 alpha-3 too
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			assert.Equal(t, tt.want, CountryName(tt.in))
		})
	}
}

func TestTypeOf(t *testing.T) {
	tests := []struct {
		in   string
		want providers.NumberType
	}{
		{"+33612345678", providers.TypeMobile},
		{"+447400123456", providers.TypeMobile},
		{"+33123456789", providers.TypeLocal},
		{"+442079460958", providers.TypeLocal},
		{"+12015550123", providers.TypeLocal}, // US ranges are FIXED_LINE_OR_MOBILE
		{"+33801234567", providers.TypeTollFree},
		{"+18002345678", providers.TypeTollFree},
		{"+80012345678", providers.TypeTollFree},
		{"+33912345678", providers.TypeNational}, // VoIP
		{"+33891123456", providers.TypeNational}, // premium rate
		{"+19002345678", providers.TypeNational}, // premium rate
		{"+34511234567", providers.TypeNational}, // UAN
		{"+33612", ""},                           // parses, but invalid
		{"garbage", ""},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			assert.Equal(t, tt.want, TypeOf(tt.in))
		})
	}
}

func FuzzParse(f *testing.F) {
	e164Pattern := regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)
	seeds := []struct{ s, region string }{
		{"+33 6 12 34 56 78", ""},
		{"0033612345678", ""},
		{"tel:+33612345678", ""},
		{"+1 (202) 555-0143", ""},
		{"06 12 34 56 78", "FR"},
		{"07400 123456", "uk"},
		{"(11) 96123-4567", "BR"},
		{"+", ""},
		{"00", "FR"},
		{"shop", ""},
		{"+999 1234567", ""},
		{"٠٦١٢٣٤٥٦٧٨", "FR"},
		{"", "XX"},
	}
	for _, s := range seeds {
		f.Add(s.s, s.region)
	}
	f.Fuzz(func(t *testing.T, s, region string) {
		out, err := Parse(s, region)
		if err != nil {
			assert.Empty(t, out)
			assert.NotContains(t, err.Error(), "\n")
			return
		}
		require.Regexp(t, e164Pattern, out)
		again, err := Parse(out, "")
		require.NoError(t, err, "E.164 output must parse on its own")
		require.Equal(t, out, again)
		// What we print must be readable back as the same number.
		back, err := Parse(Format(out), "")
		require.NoError(t, err)
		require.Equal(t, out, back)
		assert.NotEmpty(t, TypeOf(out), "a valid number always has a type")
	})
}

// NationalNumber lives in national.go, added by another package's author; tested here so the
// package's behaviour stays covered in one place.
func TestNationalNumber(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"+33639980012", "639980012"},
		{"+442079460958", "2079460958"},
		{"+390612345678", "0612345678"}, // Italian landlines keep their leading zero
		{"+12025550143", "2025550143"},
		{"0612345678", ""},
		{"shop", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			assert.Equal(t, tt.want, NationalNumber(tt.in))
		})
	}
}
