package duration

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	d = 24 * time.Hour
	w = 7 * d
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"30m", 30 * time.Minute},
		{"12h", 12 * time.Hour},
		{"7d", 7 * d},
		{"2w", 2 * w},
		{"1d12h", d + 12*time.Hour},
		{"90s", 90 * time.Second},
		{"1h30m", 90 * time.Minute},
		{"1w2d3h4m5s", w + 2*d + 3*time.Hour + 4*time.Minute + 5*time.Second},
		{"12h1d", d + 12*time.Hour}, // order does not matter: it is a sum
		{"1h1h", 2 * time.Hour},
		{"1.5h", 90 * time.Minute},
		{"1.5d", 36 * time.Hour},
		{".5h", 30 * time.Minute},
		{"0.25w", 42 * time.Hour},
		{"007d", 7 * d},
		{"0d1m", time.Minute},
		{"  7d\n", 7 * d},
		{"1s", time.Second},
		{"0.000000001s", time.Nanosecond},
		{"106751d23h47m16s", 106751*d + 23*time.Hour + 47*time.Minute + 16*time.Second}, // just under the maximum
		{"15250w1d", 15250*w + d},
		{"1.0000000000000000000000001h", time.Hour}, // digits past nanoseconds are dropped, not an error
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Parse(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseErrors(t *testing.T) {
	const hint = "use a number and a unit, such as 30m, 12h, 7d or 2w"
	tests := []struct {
		in      string
		wantErr string
	}{
		{"7x", `invalid duration "7x": ` + hint},
		{"", "missing duration: " + hint},
		{"   ", "missing duration: " + hint},
		{"0", `invalid duration "0": ` + hint},
		{"0d", `invalid duration "0d": it must be longer than zero; ` + hint},
		{"0h0m", `invalid duration "0h0m": it must be longer than zero; ` + hint},
		{"0.0000000001s", `invalid duration "0.0000000001s": it must be longer than zero; ` + hint},
		{"-1d", `invalid duration "-1d": it must be positive; ` + hint},
		{"-0s", `invalid duration "-0s": it must be positive; ` + hint},
		{"7", `invalid duration "7": ` + hint},
		{"1d12", `invalid duration "1d12": ` + hint},
		{"7y", `invalid duration "7y": ` + hint},
		{"7 days", `invalid duration "7 days": ` + hint},
		{"7 d", `invalid duration "7 d": ` + hint},
		{"7days", `invalid duration "7days": ` + hint},
		{"7D", `invalid duration "7D": ` + hint},
		{"500ms", `invalid duration "500ms": ` + hint},
		{"d", `invalid duration "d": ` + hint},
		{"+7d", `invalid duration "+7d": ` + hint},
		{".d", `invalid duration ".d": ` + hint},
		{"1..5h", `invalid duration "1..5h": ` + hint},
		{"7d!", `invalid duration "7d!": ` + hint},
		{"999999999999w", `invalid duration "999999999999w": longer than the maximum of 106751d23h47m`},
		{"106752d", `invalid duration "106752d": longer than the maximum of 106751d23h47m`},
		{"106751d23h47m17s", `invalid duration "106751d23h47m17s": longer than the maximum of 106751d23h47m`},
		{"99999999999999999999s", `invalid duration "99999999999999999999s": longer than the maximum of 106751d23h47m`},
		{"100000w100000w", `invalid duration "100000w100000w": longer than the maximum of 106751d23h47m`},
		{"15250.5w", `invalid duration "15250.5w": longer than the maximum of 106751d23h47m`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Parse(tt.in)
			require.Error(t, err)
			assert.Zero(t, got)
			assert.Equal(t, tt.wantErr, err.Error())
		})
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want string
	}{
		{7 * d, "7d"},
		{d + 12*time.Hour, "1d12h"},
		{45 * time.Minute, "45m"},
		{2 * w, "14d"},
		{d + 30*time.Minute, "1d30m"},
		{d + 2*time.Hour + 3*time.Minute, "1d2h3m"},
		{time.Hour, "1h"},
		{90 * time.Second, "2m"},           // rounds half up
		{89 * time.Second, "1m"},           //
		{time.Hour - 20*time.Second, "1h"}, // rounding can carry into the next unit
		{7*d - 10*time.Second, "7d"},       //
		{time.Minute, "1m"},                //
		{45 * time.Second, "45s"},          // under a minute: seconds, never "0m"
		{time.Nanosecond, "1s"},            //
		{1500 * time.Millisecond, "2s"},    //
		{0, "0m"},                          //
		{-90 * time.Minute, "-1h30m"},      //
		{math.MaxInt64, "106751d23h47m"},   //
		{math.MinInt64, "-106751d23h47m"},  // negating MinInt64 must not overflow
		{-time.Nanosecond, "-1s"},          //
		{36 * time.Hour, "1d12h"},          //
		{30*d + 23*time.Hour + 59*time.Minute, "30d23h59m"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			assert.Equal(t, tt.want, Format(tt.in))
		})
	}
}

func TestFormatParsesBack(t *testing.T) {
	for _, s := range []string{"30m", "12h", "7d", "1d12h", "45m", "90s", "1w", "3w2d5h7m"} {
		t.Run(s, func(t *testing.T) {
			v, err := Parse(s)
			require.NoError(t, err)
			back, err := Parse(Format(v))
			require.NoError(t, err)
			assert.InDelta(t, float64(v), float64(back), float64(time.Minute))
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"30m", "12h", "7d", "2w", "1d12h", "90s", "1h30m", "1.5h", ".5h", "0", "-1d", "7", "7y",
		"7 days", "999999999999w", "106751d23h47m16.854775807s", "0.000000001s", "", "1..5h",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := Parse(s)
		if err != nil {
			assert.Zero(t, v)
			assert.NotContains(t, err.Error(), "\n")
			assert.True(t, strings.HasPrefix(err.Error(), "invalid duration") || strings.HasPrefix(err.Error(), "missing duration"))
			return
		}
		require.Positive(t, v)
		out := Format(v)
		back, err := Parse(out)
		require.NoError(t, err, "Format(%v) = %q must parse", v, out)
		diff := back - v
		if diff < 0 {
			diff = -diff
		}
		require.LessOrEqual(t, diff, time.Minute, "Format(%v) = %q parses back as %v", v, out, back)
	})
}
