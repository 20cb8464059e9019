// Package iostreams owns vnum's standard streams and what is known about them: which are
// terminals, whether colour is wanted, whether prompting is allowed. Data goes to Out; everything
// meant for a person (progress, warnings, confirmations) goes to ErrOut.
//
// The progress spinner has one owner, the streams themselves: Out and ErrOut take the spinner
// off the screen before they write anything, and a prompt writes its question to ErrOut, so a
// command starts a spinner and never has to remember to stop it. app.Run stops whatever is left
// when the command ends.
package iostreams

import (
	"bytes"
	"io"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/term"

	"github.com/vnum-cli/vnum/internal/termsafe"
)

// IOStreams is passed to every command through the Factory.
type IOStreams struct {
	In io.Reader
	// Out and ErrOut stop the progress spinner before each write (see New): replacing them
	// after construction loses that.
	Out    io.Writer
	ErrOut io.Writer
	// spinnerOut is the unwrapped ErrOut, where the spinner draws.
	spinnerOut io.Writer

	inFd                 int // -1 when In is not a file
	inTTY, outTTY, errTT bool
	colorEnabled         bool
	neverPrompt          bool
	width                int

	progressMu sync.Mutex
	progress   *spinner
	spinning   atomic.Bool // progress != nil, read without the lock on every write
}

// New returns streams over in, out and errOut, none of them a terminal until said otherwise
// (SetStdoutTTY and friends); inFd is In's file descriptor, or -1. Out and ErrOut are wrapped so
// that anything written to them first takes the spinner off the screen.
func New(in io.Reader, out, errOut io.Writer, inFd int) *IOStreams {
	s := &IOStreams{In: in, spinnerOut: errOut, inFd: inFd, width: 80}
	s.Out = stopsProgress{s, out}
	s.ErrOut = stopsProgress{s, errOut}
	return s
}

// stopsProgress is an output stream that removes the spinner before writing, so that the
// spinner's line never mixes with a command's text, a warning or a prompt.
type stopsProgress struct {
	s *IOStreams
	w io.Writer
}

func (p stopsProgress) Write(b []byte) (int, error) {
	if p.s.spinning.Load() {
		p.s.StopProgress()
	}
	return p.w.Write(b)
}

// Env is how System reads the environment (os.Getenv in production).
type Env func(string) string

// System returns streams bound to the process's stdin, stdout and stderr, with terminal and
// colour detection that honours NO_COLOR, CLICOLOR, CLICOLOR_FORCE, VNUM_FORCE_TTY and
// VNUM_PROMPT_DISABLED.
func System(env Env) *IOStreams {
	ios := New(os.Stdin, os.Stdout, os.Stderr, int(os.Stdin.Fd()))
	ios.inTTY = term.IsTerminal(int(os.Stdin.Fd()))
	ios.outTTY = term.IsTerminal(int(os.Stdout.Fd()))
	ios.errTT = term.IsTerminal(int(os.Stderr.Fd()))
	ios.width = 0
	if w, _, err := term.GetSize(int(os.Stdout.Fd())); err == nil {
		ios.width = w
	}
	if v := env("VNUM_FORCE_TTY"); v != "" && v != "0" && v != "false" {
		ios.outTTY = true
		if n, err := strconv.Atoi(v); err == nil && n > 1 {
			ios.width = n
		}
	}
	ios.colorEnabled = ios.outTTY
	if env("NO_COLOR") != "" || env("CLICOLOR") == "0" || env("TERM") == "dumb" {
		ios.colorEnabled = false
	}
	if v := env("CLICOLOR_FORCE"); v != "" && v != "0" && env("NO_COLOR") == "" {
		ios.colorEnabled = true
	}
	if v := env("VNUM_PROMPT_DISABLED"); v != "" && v != "0" && v != "false" {
		ios.neverPrompt = true
	}
	return ios
}

// Test returns streams backed by buffers, none of them a terminal.
func Test() (ios *IOStreams, in, out, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return New(in, out, errOut, -1), in, out, errOut
}

func (s *IOStreams) IsStdinTTY() bool  { return s.inTTY }
func (s *IOStreams) IsStdoutTTY() bool { return s.outTTY }
func (s *IOStreams) IsStderrTTY() bool { return s.errTT }

// SetStdinTTY and friends override detection, for tests.
func (s *IOStreams) SetStdinTTY(v bool)     { s.inTTY = v }
func (s *IOStreams) SetStdoutTTY(v bool)    { s.outTTY = v }
func (s *IOStreams) SetStderrTTY(v bool)    { s.errTT = v }
func (s *IOStreams) SetColorEnabled(v bool) { s.colorEnabled = v }
func (s *IOStreams) SetNeverPrompt(v bool)  { s.neverPrompt = v }
func (s *IOStreams) ColorEnabled() bool     { return s.colorEnabled }
func (s *IOStreams) InFd() int              { return s.inFd }
func (s *IOStreams) SetTerminalWidth(w int) { s.width = w }
func (s *IOStreams) TerminalWidth() int     { return s.width }
func (s *IOStreams) PromptDisabled() bool   { return s.neverPrompt }

// CanPrompt reports whether a question may be asked: a person is at a terminal on both ends and
// prompting was not turned off. Scripts (stdin not a terminal) are never asked anything.
func (s *IOStreams) CanPrompt() bool {
	return s.inTTY && s.outTTY && s.errTT && !s.neverPrompt
}

// StartProgress shows a spinner with label on ErrOut while work is under way, only when a person
// is watching (stdout and stderr are terminals). Calling it again changes the label. There is no
// need to stop it: the next write to Out or ErrOut (the result, a warning, an error, a prompt's
// question) removes it first, and app.Run removes it when the command ends.
func (s *IOStreams) StartProgress(label string) {
	if !s.outTTY || !s.errTT {
		return
	}
	label = termsafe.Escape(label)
	s.progressMu.Lock()
	defer s.progressMu.Unlock()
	if s.progress != nil {
		s.progress.setLabel(label)
		return
	}
	s.progress = startSpinner(s.spinnerOut, label)
	s.spinning.Store(true)
}

// StopProgress removes the spinner, if any, and returns once its line is cleared. Commands do not
// call it (a write does it for them, see StartProgress); app.Run does, when the command ends.
func (s *IOStreams) StopProgress() {
	s.progressMu.Lock()
	defer s.progressMu.Unlock()
	if s.progress != nil {
		s.progress.stop()
		s.progress = nil
		s.spinning.Store(false)
	}
}

type spinner struct {
	mu    sync.Mutex
	w     io.Writer
	label string
	done  chan struct{}
	wg    sync.WaitGroup
}

func startSpinner(w io.Writer, label string) *spinner {
	sp := &spinner{w: w, label: label, done: make(chan struct{})}
	sp.wg.Add(1)
	go sp.run()
	return sp
}

func (sp *spinner) setLabel(l string) {
	sp.mu.Lock()
	sp.label = l
	sp.mu.Unlock()
}

func (sp *spinner) run() {
	defer sp.wg.Done()
	frames := []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for i := 0; ; i++ {
		sp.mu.Lock()
		_, _ = io.WriteString(sp.w, "\r\033[K"+frames[i%len(frames)]+" "+sp.label)
		sp.mu.Unlock()
		select {
		case <-sp.done:
			_, _ = io.WriteString(sp.w, "\r\033[K")
			return
		case <-t.C:
		}
	}
}

func (sp *spinner) stop() {
	close(sp.done)
	sp.wg.Wait()
}
