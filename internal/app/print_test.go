package app

import (
	"errors"
	"fmt"
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

// An error that quotes a huge argument back prints its start and its end, not all of it: a
// 100 KB REF pasted by mistake does not fill the terminal or a script's log.
func TestPrintErrorShortensAHugeQuotedArgument(t *testing.T) {
	ios, _, _, errOut := iostreams.Test()
	ref := strings.Repeat("a", 100_000)
	printError(ios, nil, fmt.Errorf("no number matches %q: see `vnum list` for your numbers and labels", ref))
	got := errOut.String()
	if len(got) > 2000 {
		t.Fatalf("error printed %d bytes, want the quoted argument shortened", len(got))
	}
	if !strings.HasPrefix(got, `vnum: no number matches "aaa`) || !strings.HasSuffix(got, "aaa\": see `vnum list` for your numbers and labels\n") {
		t.Errorf("error = %q, want its start and its end kept", got)
	}
	if !strings.Contains(got, "…(99465 characters left out)…") {
		t.Errorf("error = %q, want the cut said", got)
	}

	errOut.Reset()
	printError(ios, nil, errors.New("line one\nline two"))
	if got := errOut.String(); got != "vnum: line one\nline two\n" {
		t.Errorf("a short message changed: %q", got)
	}
}
