package sandbox

import (
	"slices"
	"testing"
	"time"

	"github.com/nyaruka/phonenumbers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/providers"
)

func TestParseLatency(t *testing.T) {
	tests := []struct {
		in   string
		want map[string]time.Duration
	}{
		{"", map[string]time.Duration{}},
		{"2s", map[string]time.Duration{"*": 2 * time.Second}},
		{"buy:3s,search:0s", map[string]time.Duration{"buy": 3 * time.Second, "search": 0}},
		{" 1s , buy : 250ms ,", map[string]time.Duration{"*": time.Second, "buy": 250 * time.Millisecond}},
		{"*:1m", map[string]time.Duration{"*": time.Minute}},
	}
	for _, tt := range tests {
		got, err := parseLatency(tt.in)
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.want, got, tt.in)
	}
}

func TestLatencyFor(t *testing.T) {
	c := config{latency: map[string]time.Duration{"*": time.Second, "buy": 3 * time.Second, "search": 0}}
	assert.Equal(t, 3*time.Second, c.latencyFor("buy"))
	assert.Equal(t, time.Duration(0), c.latencyFor("search"), "an operation's own value wins, even zero")
	assert.Equal(t, time.Second, c.latencyFor("list"))
	assert.Equal(t, time.Duration(0), config{}.latencyFor("list"))
}

func TestParseFail(t *testing.T) {
	tests := []struct {
		in   string
		want map[string]failKind
	}{
		{"", map[string]failKind{}},
		{"buy:lost", map[string]failKind{"buy": failLost}},
		{"buy:pending, list:rate_limited,*:temporary", map[string]failKind{
			"buy": failPending, "list": failRateLimited, "*": failTemporary,
		}},
	}
	for _, tt := range tests {
		got, err := parseFail(tt.in)
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.want, got, tt.in)
	}
	c := config{fail: map[string]failKind{"*": failTemporary, "list": failUnauthorized}}
	assert.Equal(t, failUnauthorized, c.failureFor("list"))
	assert.Equal(t, failTemporary, c.failureFor("get"))
	assert.Equal(t, failKind(""), config{}.failureFor("get"))
}

func TestParsePaperwork(t *testing.T) {
	got, err := parsePaperwork("fr:documents, DE:address,GB:none")
	require.NoError(t, err)
	assert.Equal(t, map[string]providers.Paperwork{
		"FR": providers.PaperworkDocuments, "DE": providers.PaperworkAddress, "GB": providers.PaperworkNone,
	}, got)
}

func FuzzParseFail(f *testing.F) {
	for _, s := range []string{"buy:lost", "*:rate_limited,list:unauthorized", "buy:pending", "list:pending", "buy", ":", ",,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseFail(s)
		if err != nil {
			return
		}
		for op, kind := range got {
			require.True(t, op == opAll || slices.Contains(operations(), op), "operation %q", op)
			require.Contains(t, failKinds(), kind)
			require.False(t, kind == failPending && op != opBuy, "pending on %s", op)
		}
	})
}

func FuzzParseLatency(f *testing.F) {
	for _, s := range []string{"2s", "buy:3s,search:0s", "1s,buy:3s", "-1s", "buy:", "x:1s"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseLatency(s)
		if err != nil {
			return
		}
		for op, d := range got {
			require.True(t, op == opAll || slices.Contains(operations(), op), "operation %q", op)
			require.GreaterOrEqual(t, d, time.Duration(0))
		}
	})
}

func FuzzParsePaperwork(f *testing.F) {
	for _, s := range []string{"FR:documents", "de:address,GB:none", "XX:documents", "FR"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parsePaperwork(s)
		if err != nil {
			return
		}
		for country, p := range got {
			require.True(t, phonenumbers.GetSupportedRegions()[country], "country %q", country)
			require.Contains(t, []providers.Paperwork{providers.PaperworkNone, providers.PaperworkAddress, providers.PaperworkDocuments}, p)
		}
	})
}

func TestGolden(t *testing.T) {
	tests := []struct {
		digits string
		want   bool
	}{
		{"12025550111", true},
		{"12025550123", true},
		{"12025554321", true},
		{"448081570000", true},
		{"12025550102", false},
		{"12025550110", false},
		{"12025550124", false},
		{"12", false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, golden(tt.digits), tt.digits)
	}
}

func TestCountryName(t *testing.T) {
	assert.Equal(t, "France", countryName("FR"))
	assert.Equal(t, "Germany", countryName("DE"))
	assert.Equal(t, "??", countryName("??"), "unknown codes are shown as given")
}

func TestPhoneNumberMatchesParse(t *testing.T) {
	tests := []struct{ digits, region string }{
		{"33199001234", "FR"},
		{"12025550123", "US"},
		{"14165550123", "CA"},
		{"390612345678", "IT"}, // Rome: one leading zero
		{"39000123", "IT"},     // several leading zeros
		{"3900", "IT"},
		{"442079460123", "GB"},
		{"61491570156", "AU"},
	}
	for _, tt := range tests {
		want, err := phonenumbers.Parse("+"+tt.digits, "")
		require.NoError(t, err, tt.digits)
		got, ok := phoneNumber(tt.digits, tt.region)
		require.True(t, ok, tt.digits)
		assert.Equal(t, want.GetCountryCode(), got.GetCountryCode(), tt.digits)
		assert.Equal(t, want.GetNationalNumber(), got.GetNationalNumber(), tt.digits)
		assert.Equal(t, want.GetItalianLeadingZero(), got.GetItalianLeadingZero(), tt.digits)
		assert.Equal(t, want.GetNumberOfLeadingZeros(), got.GetNumberOfLeadingZeros(), tt.digits)
		assert.Equal(t, phonenumbers.IsValidNumber(want), phonenumbers.IsValidNumber(got), tt.digits)
	}
	_, ok := phoneNumber("4412345", "FR")
	assert.False(t, ok, "digits of another country code")
	_, ok = phoneNumber("33", "FR")
	assert.False(t, ok, "no national number")
}
