package iostreams_test

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/internal/iostreams"
	"github.com/vnum-cli/vnum/internal/prompter"
)

// screen is one terminal that stdout and stderr both write to, as when a person runs vnum.
type screen struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *screen) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(b)
}

func (s *screen) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

const clearLine = "\r\033[K"

// onTerminal returns streams whose stdin, stdout and stderr are all the same terminal.
func onTerminal(in string) (*iostreams.IOStreams, *screen) {
	scr := &screen{}
	ios := iostreams.New(strings.NewReader(in), scr, scr, -1)
	ios.SetStdinTTY(true)
	ios.SetStdoutTTY(true)
	ios.SetStderrTTY(true)
	return ios, scr
}

// afterSpinner checks that the spinner was drawn with label, then cleared its line, and that
// exactly want followed on the screen: no frame of the spinner after or inside it.
func afterSpinner(t *testing.T, got, label, want string) {
	t.Helper()
	before, after, ok := strings.Cut(got, clearLine+want)
	require.True(t, ok, "the spinner's line is cleared just before %q; the screen was %q", want, got)
	assert.Contains(t, before, " "+label, "the spinner was drawn while the work went on")
	assert.Empty(t, after, "nothing is drawn after the text")
	assert.NotContains(t, want, label)
}

func TestProgressStopsBeforeAnyOutput(t *testing.T) {
	for _, tc := range []struct {
		name  string
		write func(ios *iostreams.IOStreams)
		want  string
	}{
		{"the result on stdout", func(ios *iostreams.IOStreams) { fmt.Fprintln(ios.Out, "+14155550100") }, "+14155550100\n"},
		{"a warning on stderr", func(ios *iostreams.IOStreams) { fmt.Fprintln(ios.ErrOut, "warning: slow") }, "warning: slow\n"},
		{"a prompt's question", func(ios *iostreams.IOStreams) {
			ok, err := prompter.New(ios.In, ios.ErrOut, -1).Confirm("Buy it?", false)
			assert.NoError(t, err)
			assert.True(t, ok)
		}, "? Buy it? [y/N] "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ios, scr := onTerminal("y\n")
				ios.StartProgress("Searching twilio")
				time.Sleep(time.Second) // the carrier takes its time
				tc.write(ios)
				time.Sleep(time.Second) // a spinner still running would draw again meanwhile
				afterSpinner(t, scr.String(), "Searching twilio", tc.want)
			})
		})
	}
}

// A later phase starts the spinner again after something was printed (sms wait between polls).
func TestProgressStartsAgainAfterOutput(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ios, scr := onTerminal("")
		ios.StartProgress("Waiting for an SMS")
		time.Sleep(time.Second)
		fmt.Fprintln(ios.ErrOut, "a message arrived without a code")
		ios.StartProgress("Waiting for an SMS again")
		time.Sleep(time.Second)
		ios.StopProgress()
		got := scr.String()
		_, after, ok := strings.Cut(got, "a message arrived without a code\n")
		require.True(t, ok, got)
		assert.Contains(t, after, "Waiting for an SMS again")
		assert.True(t, strings.HasSuffix(after, clearLine), "stopping clears the line: %q", after)
	})
}

func TestProgressNeverShownOnAPipe(t *testing.T) {
	for _, tc := range []struct {
		name           string
		outTTY, errTTY bool
	}{
		{"stdout piped", false, true},
		{"stderr piped", true, false},
		{"both piped", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ios, _, out, errOut := iostreams.Test()
				ios.SetStdoutTTY(tc.outTTY)
				ios.SetStderrTTY(tc.errTTY)
				ios.StartProgress("Searching twilio")
				time.Sleep(time.Second)
				fmt.Fprintln(ios.Out, "data")
				ios.StopProgress()
				assert.Equal(t, "data\n", out.String())
				assert.Empty(t, errOut.String(), "no spinner, not even a cleared line")
			})
		})
	}
}
