package cmdutil

import (
	"context"
	"errors"
	"fmt"

	"github.com/vnum-cli/vnum/internal/config"
	"github.com/vnum-cli/vnum/internal/numbers"
	"github.com/vnum-cli/vnum/internal/prompter"
	"github.com/vnum-cli/vnum/providers"
)

// ExitCode is the process exit status. The values are a contract with scripts: documented in
// `vnum help exit-codes` and never renumbered.
type ExitCode int

const (
	ExitOK          ExitCode = 0   // success
	ExitFailure     ExitCode = 1   // any other failure
	ExitUsage       ExitCode = 2   // bad flags, arguments or input; nothing was done
	ExitCancelled   ExitCode = 3   // the user answered no, or confirmation was required and not given
	ExitAuth        ExitCode = 4   // credentials missing or rejected by the carrier
	ExitNotFound    ExitCode = 5   // the REF matches no number (or the carrier no longer has it)
	ExitTimeout     ExitCode = 6   // sms wait gave up: no message in time
	ExitRetryLater  ExitCode = 7   // rate limited or temporary carrier failure; try again later
	ExitRefused     ExitCode = 8   // the carrier refused: paperwork, funds, stock, or over --max-price
	ExitInterrupted ExitCode = 130 // interrupted (Ctrl-C)
)

// ExitError gives an error its exit code; ExitCodeFor finds the outermost one in the chain.
// Errors without one get theirs from the carrier sentinels they wrap (ExitCodeFor).
type ExitError struct {
	Code ExitCode
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// WithExit gives err the exit code; nil stays nil.
func WithExit(code ExitCode, err error) error {
	if err == nil {
		return nil
	}
	return &ExitError{Code: code, Err: err}
}

// FlagErrorf is a usage mistake (exit 2): the message is printed with a pointer to --help.
func FlagErrorf(format string, args ...any) error {
	return &ExitError{Code: ExitUsage, Err: fmt.Errorf(format, args...)}
}

// ErrCancel means the user declined; exit 3.
var ErrCancel = errors.New("cancelled")

// ErrSilent exits 1 without printing anything more: the command already said what went wrong.
var ErrSilent = errors.New("silent error")

// IsConfigError reports a bad setting in config.yaml or a VNUM_* variable: exit 2, but no flag
// was wrong, so no pointer to --help.
func IsConfigError(err error) bool {
	var cerr *config.Error
	return errors.As(err, &cerr)
}

// ExitCodeFor maps an error returned by a command to the documented exit code.
func ExitCodeFor(err error) ExitCode {
	var exitErr *ExitError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &exitErr):
		return exitErr.Code
	case IsConfigError(err):
		return ExitUsage
	case errors.Is(err, ErrCancel), errors.Is(err, prompter.ErrNoAnswer): // no, or Ctrl-D at the prompt
		return ExitCancelled
	case errors.Is(err, providers.ErrUnauthorized):
		return ExitAuth
	case errors.Is(err, context.Canceled):
		return ExitInterrupted
	case errors.Is(err, providers.ErrNotFound), errors.Is(err, numbers.ErrLeaseGone):
		return ExitNotFound
	case errors.Is(err, numbers.ErrPoolFull), errors.Is(err, numbers.ErrLeasedToAnother):
		return ExitRetryLater
	case errors.Is(err, providers.ErrRateLimited), errors.Is(err, providers.ErrTemporary),
		errors.Is(err, context.DeadlineExceeded):
		return ExitRetryLater
	case errors.Is(err, providers.ErrPaperwork),
		errors.Is(err, providers.ErrInsufficientFunds), errors.Is(err, providers.ErrUnavailable),
		errors.Is(err, providers.ErrOutOfStock), errors.Is(err, providers.ErrUnsupported):
		return ExitRefused
	default:
		return ExitFailure
	}
}
