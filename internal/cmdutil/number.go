package cmdutil

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/vnum-cli/vnum/internal/iostreams"
	"github.com/vnum-cli/vnum/internal/phone"
	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/internal/termsafe"
	"github.com/vnum-cli/vnum/internal/theme"
)

// MaxLabel is the longest label, in characters (not bytes: "☕" is one).
const MaxLabel = 64

// ValidateLabel checks a --label: at most 64 characters, each a letter or digit (any script) or
// one of - _ . @ :, and not something that could be mistaken for a phone number or a flag when
// used as a REF. Spaces, wildcards, and invisible characters (a zero-width space would make two
// labels that look the same) are refused.
func ValidateLabel(l string) error {
	switch n := utf8.RuneCountInString(l); {
	case l == "":
		return nil
	case !utf8.ValidString(l):
		return FlagErrorf("--label is not valid UTF-8 text")
	case n > MaxLabel:
		return FlagErrorf("--label is %d characters long: use at most %d", n, MaxLabel)
	case phone.LooksLikeNumber(l) || strings.HasPrefix(l, "+"):
		return FlagErrorf("--label %q looks like a phone number: labels must not, so that a REF is never ambiguous", l)
	case strings.HasPrefix(l, "-"):
		return FlagErrorf("--label %q starts with -: it would read as a flag where a REF is expected", l)
	}
	for _, r := range l {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune("-_.@:", r) {
			what := fmt.Sprintf("%q", r)
			if !unicode.IsGraphic(r) || unicode.IsSpace(r) {
				what = fmt.Sprintf("an invisible character (%U)", r)
			}
			return FlagErrorf("--label %q holds %s: use letters, digits and - _ . @ : only", l, what)
		}
	}
	return nil
}

// NumberRow is the row list prints for a number, also printed by buy and rotate on a pipe:
// number, label, provider, state, forward_calls_to, forward_sms_to, expires_at, monthly_price,
// currency, carrier_id.
func NumberRow(n store.Number, now time.Time, tty bool) []string {
	if tty {
		fwd := n.Forward.Calls
		if fwd != "" {
			fwd = phone.Format(fwd)
			if n.Forward.SMS != "" {
				fwd += " (+sms)"
			}
		} else if n.Forward.SMS != "" {
			fwd = phone.Format(n.Forward.SMS) + " (sms)"
		}
		expires := TimeText(n.ExpiresAt, now, true, "never")
		if !n.ExpiresAt.IsZero() && !n.ExpiresAt.After(now) {
			expires = "due (vnum expire)" // still billed until expire releases it
		}
		return []string{phone.Format(n.E164), n.Label, n.Provider, fwd, expires, PriceText(n.Monthly), StateText(n.State, n.Managed)}
	}
	state := string(n.State)
	if !n.Managed {
		state = "unmanaged"
	}
	return []string{n.E164, n.Label, n.Provider, state, n.Forward.Calls, n.Forward.SMS,
		TimeText(n.ExpiresAt, now, false, ""), AmountText(n.Monthly), n.Monthly.Currency, n.CarrierID}
}

// NumberHeader is the terminal table header for NumberRow.
var NumberHeader = []string{"NUMBER", "LABEL", "CARRIER", "FORWARDS TO", "EXPIRES", "MONTHLY", "STATE"}

// WriteNumber prints one number in full: a block of fields for people, one NumberRow for
// scripts. It needs only the output layer: the streams, the styles (built only for a terminal)
// and the time relative times are counted from.
func WriteNumber(ios *iostreams.IOStreams, styles func() *theme.Styles, now time.Time, n store.Number) error {
	if !ios.IsStdoutTTY() {
		_, err := fmt.Fprintln(ios.Out, termsafe.Escape(strings.Join(NumberRow(n, now, false), "\t")))
		return err
	}
	s := styles()
	field := func(k, v string) {
		if v == "" {
			v = s.Muted.Render("—")
		}
		fmt.Fprintf(ios.Out, "%s %s\n", s.Muted.Render(fmt.Sprintf("%-12s", k)), v)
	}
	// What the carrier told (its id, and the number itself for one adopted from it) is escaped
	// before it is styled: the styles' own escapes must survive.
	esc := termsafe.Escape
	fmt.Fprintln(ios.Out, s.Number.Render(esc(phone.Format(n.E164))))
	field("label", s.Label.Render(esc(n.Label)))
	field("carrier", esc(n.Provider)+" "+s.Muted.Render(esc(n.CarrierID)))
	field("country", esc(phone.CountryName(n.Country)+" ("+n.Country+"), "+string(n.Type)))
	field("state", StateText(n.State, n.Managed))
	field("can", FeaturesText(n.Features))
	calls, sms := "", ""
	if n.Forward.Calls != "" {
		calls = phone.Format(n.Forward.Calls)
	}
	if n.Forward.SMS != "" {
		sms = phone.Format(n.Forward.SMS)
	}
	field("calls to", calls)
	field("sms to", sms)
	field("monthly", PriceText(n.Monthly))
	field("bought", formatAbs(n.BoughtAt))
	exp := "never"
	if !n.ExpiresAt.IsZero() {
		exp = formatAbs(n.ExpiresAt) + " (" + TimeText(n.ExpiresAt, now, true, "") + ")"
	}
	field("expires", exp)
	return nil
}

func formatAbs(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Local().Format("2006-01-02 15:04 MST")
}
