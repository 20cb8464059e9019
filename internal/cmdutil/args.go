package cmdutil

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/vnum-cli/vnum/internal/duration"
	"github.com/vnum-cli/vnum/internal/iostreams"
	"github.com/vnum-cli/vnum/internal/numbers"
	"github.com/vnum-cli/vnum/internal/phone"
	"github.com/vnum-cli/vnum/internal/termsafe"
	"github.com/vnum-cli/vnum/providers"
)

// ExactArgs is cobra.ExactArgs with a message that says what is missing.
func ExactArgs(n int, missing string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		switch {
		case len(args) < n:
			return FlagErrorf("%s", missing)
		case len(args) > n:
			return FlagErrorf("too many arguments: %s (quote text that contains spaces)", strings.Join(args[n:], " "))
		}
		return nil
	}
}

// MinimumArgs is cobra.MinimumNArgs with a message that says what is missing.
func MinimumArgs(n int, missing string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < n {
			return FlagErrorf("%s", missing)
		}
		return nil
	}
}

// NoArgs refuses positional arguments with a clear message.
func NoArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return FlagErrorf("unexpected argument %q: `vnum %s` takes flags only", args[0], cmd.Name())
	}
	return nil
}

// ParseCountry checks a --country value.
func ParseCountry(s string) (string, error) {
	cc, err := phone.NormalizeCountry(s)
	if err != nil {
		return "", FlagErrorf("%v", err)
	}
	return cc, nil
}

// ParseType checks a --type value.
func ParseType(s string) (providers.NumberType, error) {
	t := providers.NumberType(strings.ToLower(strings.ReplaceAll(strings.ReplaceAll(s, "-", ""), "_", "")))
	if s == "" {
		return "", nil
	}
	if !t.Valid() {
		names := make([]string, 0, 4)
		for _, k := range providers.NumberTypes() {
			names = append(names, string(k))
		}
		return "", FlagErrorf("unknown number type %q: use %s", s, strings.Join(names, ", "))
	}
	return t, nil
}

// ParseContains checks a --contains value: digits, which may be grouped with spaces or dashes
// as people write numbers ("79 46"); it returns the digits alone.
func ParseContains(s string) (string, error) {
	digits := strings.NewReplacer(" ", "", "-", "").Replace(s)
	for _, r := range digits {
		if r < '0' || r > '9' {
			return "", FlagErrorf("--contains %q: use digits only", s)
		}
	}
	return digits, nil
}

// ParseNumber checks a phone number given as a flag (--to, --forward-to), naming the flag.
func ParseNumber(flag, s, region string) (string, error) {
	n, err := phone.Parse(s, region)
	if err != nil {
		return "", FlagErrorf("%s: %v", flag, err)
	}
	return n, nil
}

// MaxTTL is the longest lifetime vnum takes: ten years is beyond any burner, and keeps the
// expiry a date every store and carrier can hold.
const MaxTTL = 3650 * 24 * time.Hour

// ParseTTL checks a lifetime; setting names where it came from ("--ttl", or the config key).
func ParseTTL(setting, s string) (time.Duration, error) {
	d, err := duration.Parse(s)
	if err != nil {
		return 0, FlagErrorf("%s: %v", setting, err)
	}
	if d > MaxTTL {
		return 0, FlagErrorf("%s %s is longer than vnum keeps a number (at most 3650d, ten years); leave it out to keep the number until you release it", setting, s)
	}
	return d, nil
}

// ParseMaxPrice checks a --max-price value.
func ParseMaxPrice(s string) (*providers.Price, error) {
	if strings.HasPrefix(strings.TrimSpace(s), "-") {
		return nil, FlagErrorf("--max-price %q: a price cannot be negative", s)
	}
	p, err := providers.ParsePrice(s, "")
	if err != nil {
		return nil, FlagErrorf("--max-price: %v", err)
	}
	return &p, nil
}

// ResolveError turns a REF lookup failure into the right exit code.
func ResolveError(err error) error {
	switch {
	case errors.Is(err, numbers.ErrNoMatch):
		return &ExitError{Code: ExitNotFound, Err: err}
	case errors.Is(err, numbers.ErrAmbiguous):
		return &ExitError{Code: ExitUsage, Err: err}
	}
	return err
}

// ConfirmRequired enforces the rule for destructive verbs: on a terminal ask (unless --yes); in a
// script refuse unless --yes.
func ConfirmRequired(ios *iostreams.IOStreams, yes bool, verb string) error {
	if yes || ios.CanPrompt() {
		return nil
	}
	return FlagErrorf("--yes required to %s when not running interactively", verb)
}

// FormatNumber is the number as people read it.
func FormatNumber(e164 string) string { return phone.Format(e164) }

// Warnf prints a warning line to stderr.
func Warnf(ios *iostreams.IOStreams, format string, args ...any) {
	fmt.Fprintln(ios.ErrOut, "warning: "+termsafe.Escape(fmt.Sprintf(format, args...)))
}
