package app

import (
	"strings"
	"testing"

	"github.com/vnum-cli/vnum/internal/iostreams"
	"github.com/vnum-cli/vnum/providers"
)

// A carrier's own words reach the terminal in error messages: a hostile server's escape
// sequences are shown escaped.
func TestPrintErrorEscapesCarrierText(t *testing.T) {
	ios, _, _, errOut := iostreams.Test()
	err := &providers.Error{Provider: "twilio", Op: "list", Message: "bad\x1b]52;c;cm0g\x07 request\r"}
	printError(ios, nil, err)
	got := errOut.String()
	if strings.ContainsAny(got, "\x1b\x07\r") {
		t.Fatalf("error printed raw: %q", got)
	}
	if !strings.Contains(got, `bad\x1b]52;c;cm0g\a request`) {
		t.Errorf("error = %q, want the escape sequence shown escaped", got)
	}
}
