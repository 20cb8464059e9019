package prompter

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Ctrl-C at a y/N question ends it at once, though no line (and no end of input) ever comes.
func TestConfirmEndsOnInterrupt(t *testing.T) {
	in, w := io.Pipe() // a terminal nobody types on
	t.Cleanup(func() { _ = w.Close() })
	ctx, cancel := context.WithCancel(t.Context())
	p := &Terminal{In: in, ErrOut: io.Discard, InFd: -1, Ctx: ctx}
	done := make(chan error, 1)
	go func() {
		_, err := p.Confirm("Release it?", false)
		done <- err
	}()
	cancel()
	select {
	case err := <-done:
		require.ErrorIs(t, err, context.Canceled)
	case <-time.After(10 * time.Second):
		t.Fatal("Confirm kept waiting for input after Ctrl-C")
	}
}

func TestConfirmAnswers(t *testing.T) {
	for in, want := range map[string]bool{"y\n": true, "no\n": false, "\n": false, "maybe\nyes\n": true} {
		p := &Terminal{In: strings.NewReader(in), ErrOut: io.Discard, InFd: -1, Ctx: t.Context()}
		got, err := p.Confirm("Release it?", false)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
}
