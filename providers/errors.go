package providers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Sentinel errors. Adapters wrap them (usually in an *Error) so callers can test with errors.Is
// whatever the carrier.
var (
	ErrNotFound          = errors.New("not found")
	ErrUnauthorized      = errors.New("unauthorized")
	ErrRateLimited       = errors.New("rate limited")
	ErrUnsupported       = errors.New("not supported by this carrier")
	ErrPaperwork         = errors.New("regulatory requirement missing")
	ErrInsufficientFunds = errors.New("insufficient funds")
	ErrUnavailable       = errors.New("number no longer available")
	ErrOutOfStock        = errors.New("no numbers available")
	// ErrTemporary marks a failure worth retrying later (5xx, network): nothing was changed, or the
	// change is safe to repeat.
	ErrTemporary = errors.New("temporary carrier failure")
	// ErrUnknownOutcome marks a change the carrier may or may not have made (no answer, or a
	// server error, to a purchase or a send): look before trying again, never just repeat it.
	ErrUnknownOutcome = errors.New("outcome unknown")
)

// Error is a carrier's refusal, with the carrier's own code and message so the user sees them.
type Error struct {
	Provider string        // "twilio"
	Op       string        // "buy", "search", …
	Status   int           // HTTP status, 0 if none
	Code     string        // the carrier's error code ("21631"), "" if none
	Message  string        // the carrier's message, never containing credentials
	Kind     error         // one of the sentinels above, or nil
	Retry    time.Duration // for ErrRateLimited: how long the carrier asked us to wait, 0 if unknown
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Provider)
	if e.Op != "" {
		b.WriteString(" " + e.Op)
	}
	b.WriteString(": ")
	switch {
	case e.Message != "":
		b.WriteString(e.Message)
	case e.Kind != nil:
		b.WriteString(e.Kind.Error())
	default:
		fmt.Fprintf(&b, "HTTP %d", e.Status)
	}
	if e.Code != "" {
		b.WriteString(" (code " + e.Code + ")")
	}
	return b.String()
}

// Unwrap exposes the sentinel so errors.Is(err, ErrNotFound) works.
func (e *Error) Unwrap() error { return e.Kind }

// RetryAfter returns how long the carrier asked callers to wait, if err carries that.
func RetryAfter(err error) (time.Duration, bool) {
	var e *Error
	if errors.As(err, &e) && e.Retry > 0 {
		return e.Retry, true
	}
	return 0, false
}

// IsPermanent reports whether repeating the same call cannot succeed: everything except rate
// limits and temporary failures. A cancelled context is permanent for the caller that cancelled.
func IsPermanent(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	return !errors.Is(err, ErrRateLimited) && !errors.Is(err, ErrTemporary)
}

// IsRefusal reports whether err is the carrier definitely declining a request, so that nothing
// was changed: a known refusal kind, or a 4xx answer other than a rate limit or timeout. Anything
// else (network errors, 5xx, errors of unknown origin) leaves the outcome unknown, and a caller
// that moves money must check the account before assuming nothing happened.
func IsRefusal(err error) bool {
	for _, k := range []error{ErrUnauthorized, ErrPaperwork, ErrInsufficientFunds, ErrUnavailable,
		ErrOutOfStock, ErrUnsupported, ErrNotFound} {
		if errors.Is(err, k) {
			return true
		}
	}
	var e *Error
	if errors.As(err, &e) && e.Status >= 400 && e.Status < 500 && e.Status != 408 && e.Status != 429 {
		return true
	}
	return false
}
