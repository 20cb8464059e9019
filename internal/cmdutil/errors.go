package cmdutil

import (
	"context"
	"errors"
	"fmt"

	"github.com/vnum-cli/vnum/internal/prompter"
	"github.com/vnum-cli/vnum/providers"
)

// ExitCode is the process exit status. The values are a contract with scripts: documented in
// `vnum help exit-codes` and never renumbered.
type ExitCode int

const (
	ExitOK          ExitCode = 0   // success
	ExitError       ExitCode = 1   // any other failure
	ExitUsage       ExitCode = 2   // bad flags, arguments or input; nothing was done
	ExitCancelled   ExitCode = 3   // the user answered no, or confirmation was required and not given
	ExitAuth        ExitCode = 4   // credentials missing or rejected by the carrier
	ExitNotFound    ExitCode = 5   // the REF matches no number (or the carrier no longer has it)
	ExitTimeout     ExitCode = 6   // sms wait gave up: no message in time
	ExitRetryLater  ExitCode = 7   // rate limited or temporary carrier failure; try again later
	ExitRefused     ExitCode = 8   // the carrier refused: paperwork, funds, stock, or over --max-price
	ExitInterrupted ExitCode = 130 // interrupted (Ctrl-C)
)

// FlagError is a usage mistake: the message is printed with a pointer to --help, exit 2.
type FlagError struct{ Err error }

func (e *FlagError) Error() string { return e.Err.Error() }
func (e *FlagError) Unwrap() error { return e.Err }

// FlagErrorf builds a FlagError.
func FlagErrorf(format string, args ...any) error {
	return &FlagError{Err: fmt.Errorf(format, args...)}
}

// ErrCancel means the user declined; exit 3.
var ErrCancel = errors.New("cancelled")

// ErrSilent exits 1 without printing anything more: the command already said what went wrong.
var ErrSilent = errors.New("silent error")

// AuthError means credentials are missing or rejected; exit 4. The message says what to run or set.
type AuthError struct{ Err error }

func (e *AuthError) Error() string { return e.Err.Error() }
func (e *AuthError) Unwrap() error { return e.Err }

// NotFoundError means a REF matched nothing; exit 5.
type NotFoundError struct{ Err error }

func (e *NotFoundError) Error() string { return e.Err.Error() }
func (e *NotFoundError) Unwrap() error { return e.Err }

// TimeoutError means a wait ran out; exit 6.
type TimeoutError struct{ Err error }

func (e *TimeoutError) Error() string { return e.Err.Error() }
func (e *TimeoutError) Unwrap() error { return e.Err }

// RefusedError means vnum itself refused to spend (e.g. --max-price); exit 8.
type RefusedError struct{ Err error }

func (e *RefusedError) Error() string { return e.Err.Error() }
func (e *RefusedError) Unwrap() error { return e.Err }

// ExitCodeFor maps an error returned by a command to the documented exit code.
func ExitCodeFor(err error) ExitCode {
	var (
		flagErr     *FlagError
		authErr     *AuthError
		notFoundErr *NotFoundError
		timeoutErr  *TimeoutError
		refusedErr  *RefusedError
	)
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &flagErr):
		return ExitUsage
	case errors.Is(err, ErrCancel), errors.Is(err, prompter.ErrNoAnswer): // no, or Ctrl-D at the prompt
		return ExitCancelled
	case errors.As(err, &authErr), errors.Is(err, providers.ErrUnauthorized):
		return ExitAuth
	case errors.As(err, &timeoutErr):
		return ExitTimeout
	case errors.Is(err, context.Canceled):
		return ExitInterrupted
	case errors.As(err, &notFoundErr), errors.Is(err, providers.ErrNotFound):
		return ExitNotFound
	case errors.Is(err, providers.ErrRateLimited), errors.Is(err, providers.ErrTemporary),
		errors.Is(err, context.DeadlineExceeded):
		return ExitRetryLater
	case errors.As(err, &refusedErr), errors.Is(err, providers.ErrPaperwork),
		errors.Is(err, providers.ErrInsufficientFunds), errors.Is(err, providers.ErrUnavailable),
		errors.Is(err, providers.ErrOutOfStock), errors.Is(err, providers.ErrUnsupported):
		return ExitRefused
	default:
		return ExitError
	}
}
