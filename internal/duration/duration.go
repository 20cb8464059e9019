// Package duration reads and prints the lifetimes (TTLs) users give burner numbers, such as
// `--ttl 7d`. It extends Go's duration syntax with days and weeks, which time.ParseDuration
// lacks and which are the units a number's lifetime is naturally counted in.
package duration

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"strings"
	"time"
)

const (
	day  = 24 * time.Hour
	week = 7 * day
)

// hint ends every parse error so the user sees how to write a duration whatever they got wrong.
const hint = "use a number and a unit, such as 30m, 12h, 7d or 2w"

// Parse reads a positive duration written as a sum of numbers with units: "30m", "12h", "7d",
// "2w", "1d12h", "90s", and Go durations such as "1h30m" or "1.5h". Units are s, m, h, d (24h) and
// w (7d). Empty input, zero, negative values, a number without a unit, unknown units, spaces
// inside ("7 d") and values beyond time.Duration's range (about 292 years) are errors.
func Parse(s string) (time.Duration, error) {
	in := strings.TrimSpace(s)
	if in == "" {
		return 0, fmt.Errorf("missing duration: %s", hint)
	}
	if in[0] == '-' {
		return 0, fmt.Errorf("invalid duration %q: it must be positive; %s", s, hint)
	}
	var total uint64
	for rest := in; rest != ""; {
		n, r, err := term(rest)
		if err == nil {
			var carry uint64
			total, carry = bits.Add64(total, n, 0)
			if carry != 0 || total > math.MaxInt64 {
				err = errRange
			}
		}
		switch {
		case errors.Is(err, errRange):
			return 0, fmt.Errorf("invalid duration %q: longer than the maximum of %s", s, Format(math.MaxInt64))
		case err != nil:
			return 0, fmt.Errorf("invalid duration %q: %s", s, hint)
		}
		rest = r
	}
	if total == 0 {
		return 0, fmt.Errorf("invalid duration %q: it must be longer than zero; %s", s, hint)
	}
	return time.Duration(total), nil
}

// parseError values are internal: Parse turns them into the user-facing message. A constant
// string type keeps them out of package state.
type parseError string

func (e parseError) Error() string { return string(e) }

const (
	errSyntax parseError = "syntax"
	errRange  parseError = "range"
)

// term reads one "<number><unit>" from the front of s and returns its length in nanoseconds and
// what follows.
func term(s string) (uint64, string, error) {
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	whole, frac := s[:i], ""
	if i < len(s) && s[i] == '.' {
		j := i + 1
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		frac, i = s[i+1:j], j
	}
	if whole == "" && frac == "" {
		return 0, "", errSyntax
	}
	j := i
	for j < len(s) && !isDigit(s[j]) && s[j] != '.' {
		j++
	}
	unit, ok := unitOf(s[i:j])
	if !ok {
		return 0, "", errSyntax
	}
	n, err := scale(whole, frac, unit)
	if err != nil {
		return 0, "", err
	}
	return n, s[j:], nil
}

// scale computes (whole.frac) × unit in nanoseconds, exactly for the whole part and truncating
// the fraction below one nanosecond, as time.ParseDuration does.
func scale(whole, frac string, unit uint64) (uint64, error) {
	var w uint64
	if whole != "" {
		v, err := strconv.ParseUint(whole, 10, 64)
		if err != nil {
			return 0, errRange
		}
		w = v
	}
	hi, n := bits.Mul64(w, unit)
	if hi != 0 {
		return 0, errRange
	}
	// Digits past the 18th cannot change the result by a whole nanosecond for any unit here
	// (a week is under 10^15 ns), and dropping them keeps the numerator within 64 bits.
	if len(frac) > 18 {
		frac = frac[:18]
	}
	if frac != "" {
		f, _ := strconv.ParseUint(frac, 10, 64) // only digits, at most 18 of them: cannot fail
		denom := uint64(1)
		for range len(frac) {
			denom *= 10
		}
		// f/denom < 1, so f×unit/denom < unit: the 128-bit quotient fits in 64 bits.
		ph, pl := bits.Mul64(f, unit)
		q, _ := bits.Div64(ph, pl, denom)
		var carry uint64
		n, carry = bits.Add64(n, q, 0)
		if carry != 0 {
			return 0, errRange
		}
	}
	return n, nil
}

func unitOf(u string) (uint64, bool) {
	switch u {
	case "s":
		return uint64(time.Second), true
	case "m":
		return uint64(time.Minute), true
	case "h":
		return uint64(time.Hour), true
	case "d":
		return uint64(day), true
	case "w":
		return uint64(week), true
	default:
		return 0, false
	}
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// Format prints d the way Parse reads it, largest unit first and rounded to the minute: "7d",
// "1d12h", "45m". Weeks are not used, so lifetimes compare at a glance ("10d" rather than
// "1w3d"). A positive duration under a minute is printed in whole seconds, rounded up ("45s"),
// rather than as a zero that would read as "already expired". Zero is "0m"; a negative duration
// (a lifetime already past) is printed with a leading "-", which Parse rejects.
func Format(d time.Duration) string {
	switch {
	case d == 0:
		return "0m"
	case d < 0:
		// Negate as unsigned so math.MinInt64 does not overflow.
		return "-" + formatPositive(uint64(-(d+1))+1)
	default:
		return formatPositive(uint64(d))
	}
}

func formatPositive(ns uint64) string {
	const (
		second = uint64(time.Second)
		minute = uint64(time.Minute)
	)
	if ns < minute {
		return strconv.FormatUint((ns+second-1)/second, 10) + "s"
	}
	mins := ns / minute
	if ns%minute >= minute/2 {
		mins++
	}
	days, hours, m := mins/(24*60), mins/60%24, mins%60
	var b strings.Builder
	if days > 0 {
		b.WriteString(strconv.FormatUint(days, 10) + "d")
	}
	if hours > 0 {
		b.WriteString(strconv.FormatUint(hours, 10) + "h")
	}
	if m > 0 {
		b.WriteString(strconv.FormatUint(m, 10) + "m")
	}
	return b.String()
}
