// Package prompter asks a person questions on the terminal. Commands call it only after checking
// IOStreams.CanPrompt, so scripts are never asked anything.
package prompter

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/term"

	"github.com/vnum-cli/vnum/internal/termsafe"
)

// Prompter is what commands need from a person.
type Prompter interface {
	// Confirm asks a yes/no question; def is the answer on a bare Enter.
	Confirm(question string, def bool) (bool, error)
	// Password reads a secret without echoing it.
	Password(prompt string) (string, error)
}

// ErrNoAnswer is returned when input ends before an answer was given.
var ErrNoAnswer = errors.New("no answer: input ended")

// Terminal prompts on in/errOut; inFd is the terminal's file descriptor for hidden input.
type Terminal struct {
	In     io.Reader
	ErrOut io.Writer
	InFd   int
	// Ctx, when set, ends a question unanswered once it is done (Ctrl-C): Confirm returns its
	// error at once instead of waiting for a line that may never come.
	Ctx context.Context
}

// New returns a terminal prompter.
func New(in io.Reader, errOut io.Writer, inFd int) *Terminal {
	return &Terminal{In: in, ErrOut: errOut, InFd: inFd}
}

func (p *Terminal) Confirm(question string, def bool) (bool, error) {
	hint := "[y/N]"
	if def {
		hint = "[Y/n]"
	}
	r := bufio.NewReader(p.In)
	for {
		fmt.Fprintf(p.ErrOut, "? %s %s ", termsafe.Escape(question), hint) // may quote a carrier's text
		line, err := p.readLine(r)
		if p.Ctx != nil && p.Ctx.Err() != nil {
			fmt.Fprintln(p.ErrOut)
			return false, p.Ctx.Err()
		}
		ans := strings.ToLower(strings.TrimSpace(line))
		switch {
		case ans == "" && err != nil:
			fmt.Fprintln(p.ErrOut)
			return false, ErrNoAnswer
		case ans == "":
			return def, nil
		case ans == "y" || ans == "yes":
			return true, nil
		case ans == "n" || ans == "no":
			return false, nil
		}
		if err != nil {
			return false, ErrNoAnswer
		}
		fmt.Fprintln(p.ErrOut, "  please answer y or n")
	}
}

// readLine reads one line from r, or gives up when p.Ctx is done. The read itself cannot be
// interrupted: it is left to finish in the background, and the process ends soon after anyway.
func (p *Terminal) readLine(r *bufio.Reader) (string, error) {
	if p.Ctx == nil {
		return r.ReadString('\n')
	}
	type result struct {
		line string
		err  error
	}
	ch := make(chan result, 1)
	go func() {
		line, err := r.ReadString('\n')
		ch <- result{line, err}
	}()
	select {
	case res := <-ch:
		return res.line, res.err
	case <-p.Ctx.Done():
		return "", p.Ctx.Err()
	}
}

func (p *Terminal) Password(prompt string) (string, error) {
	fmt.Fprintf(p.ErrOut, "? %s ", prompt)
	if p.InFd >= 0 && term.IsTerminal(p.InFd) {
		b, err := term.ReadPassword(p.InFd)
		fmt.Fprintln(p.ErrOut)
		if err != nil {
			return "", fmt.Errorf("read secret: %w", err)
		}
		return strings.TrimSpace(string(b)), nil
	}
	line, err := bufio.NewReader(p.In).ReadString('\n')
	if line == "" && err != nil {
		return "", ErrNoAnswer
	}
	return strings.TrimSpace(line), nil
}
