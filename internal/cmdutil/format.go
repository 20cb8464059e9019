package cmdutil

import (
	"fmt"
	"strings"
	"time"

	"github.com/vnum-cli/vnum/internal/duration"
	"github.com/vnum-cli/vnum/internal/iostreams"
	"github.com/vnum-cli/vnum/internal/termsafe"
	"github.com/vnum-cli/vnum/internal/theme"
	"github.com/vnum-cli/vnum/providers"
)

// Styles returns the theme for the command's stdout.
func (f *Factory) Styles() *theme.Styles {
	colorfgbg := ""
	if f.Env != nil {
		colorfgbg = f.Env("COLORFGBG")
	}
	return theme.New(f.IOStreams.Out, f.IOStreams.ColorEnabled(), theme.DarkBackground(colorfgbg))
}

// FeaturesText is "voice,sms" (scripts) or "voice, sms" (people).
func FeaturesText(ft providers.Features) string {
	var out []string
	if ft.Voice {
		out = append(out, "voice")
	}
	if ft.SMS {
		out = append(out, "sms")
	}
	if ft.MMS {
		out = append(out, "mms")
	}
	return strings.Join(out, ",")
}

// TimeText formats a time: RFC 3339 for scripts, relative for people. Zero is "" / "never".
func TimeText(t, now time.Time, tty bool, zero string) string {
	if t.IsZero() {
		if tty {
			return zero
		}
		return ""
	}
	if !tty {
		return t.UTC().Format(time.RFC3339)
	}
	d := t.Sub(now)
	switch {
	case d > time.Minute:
		return "in " + duration.Format(roughly(d))
	case d < -time.Minute:
		return duration.Format(roughly(-d)) + " ago"
	default:
		return "now"
	}
}

// SpanWords says a span in words, largest units first, at most two of them: "1 minute",
// "30 days", "1 day 12 hours", "45 seconds".
func SpanWords(d time.Duration) string {
	units := []struct {
		name string
		size time.Duration
	}{{"day", 24 * time.Hour}, {"hour", time.Hour}, {"minute", time.Minute}, {"second", time.Second}}
	var parts []string
	for _, u := range units {
		if len(parts) == 2 {
			break
		}
		n := d / u.size
		if n == 0 {
			if len(parts) > 0 {
				break // "1 day 30 seconds" would mislead less than it informs: stop at the gap
			}
			continue
		}
		d -= n * u.size
		word := u.name
		if n != 1 {
			word += "s"
		}
		parts = append(parts, fmt.Sprintf("%d %s", n, word))
	}
	if len(parts) == 0 {
		return "less than a second"
	}
	return strings.Join(parts, " ")
}

// roughly rounds a span for people: to the hour past a day (a 30-day TTL reads "in 30d" a
// minute later, not "in 29d23h59m"), else to the minute.
func roughly(d time.Duration) time.Duration {
	if d >= 24*time.Hour {
		return d.Round(time.Hour)
	}
	return d.Round(time.Minute)
}

// StateText is the state as people read it ("pending documents").
func StateText(s providers.State, managed bool) string {
	out := strings.ReplaceAll(string(s), "_", " ")
	if !managed {
		out += " (unmanaged)"
	}
	return out
}

// PriceText is "1.15 EUR" or "" when unknown.
func PriceText(p providers.Price) string {
	if p.IsZero() && p.Currency == "" {
		return ""
	}
	return p.String()
}

// AmountText is a price's amount for scripts ("1.15"), or "" when the carrier did not tell it:
// never "0.00", which would read as free.
func AmountText(p providers.Price) string {
	if !p.Known() {
		return ""
	}
	return p.Amount()
}

// MonthlyText is "1.15 EUR a month", or says the price is unknown.
func MonthlyText(p providers.Price) string {
	if !p.Known() {
		return "a monthly price the carrier did not tell"
	}
	return p.String() + " a month"
}

// WriteSuccess prints "✓ message" on stderr... only for people: scripts read stdout, and a
// success line there would corrupt it. styles is called only for a terminal.
func WriteSuccess(ios *iostreams.IOStreams, styles func() *theme.Styles, format string, args ...any) {
	if !ios.IsStderrTTY() {
		return
	}
	s := styles()
	fmt.Fprintln(ios.ErrOut, s.Success.Render("✓")+" "+termsafe.Escape(fmt.Sprintf(format, args...)))
}
