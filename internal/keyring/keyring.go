// Package keyring puts the OS keyring (macOS Keychain, Windows Credential Manager, the Secret
// Service on Linux, through github.com/zalando/go-keyring) behind a timeout.
//
// Why the timeout: a locked or stuck Secret Service makes go-keyring block forever, and a CLI
// that hangs on start is worse than one that says what is wrong. Each call runs in its own
// goroutine and answers on a 1-buffered channel, so a call abandoned after the timeout can still
// finish and be collected. While such an abandoned call is still blocked, later calls fail at once
// instead of each waiting out another timeout: `vnum auth status` looks up several entries and must
// not take a multiple of the timeout to say the keyring is stuck.
//
// This is the only package that imports go-keyring.
package keyring

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	gokeyring "github.com/zalando/go-keyring"
)

// DefaultTimeout bounds every keyring call. A working keyring answers in milliseconds; three
// seconds leaves room for a slow D-Bus while keeping `vnum auth login` on a broken one well under
// five seconds.
const DefaultTimeout = 3 * time.Second

// ErrNotFound means the keyring works but holds no entry for that service and user.
var ErrNotFound = errors.New("secret not found in keyring")

// TimeoutError means the keyring did not answer in time (or an earlier call is still stuck).
type TimeoutError struct {
	Op      string        // "get", "set" or "delete"
	Timeout time.Duration //
	// Stuck is set when the call was not even tried because an earlier one is still blocked.
	Stuck bool
}

func (e *TimeoutError) Error() string {
	if e.Stuck {
		return fmt.Sprintf("keyring %s: an earlier keyring call is still blocked (no answer within %s)", e.Op, e.Timeout)
	}
	return fmt.Sprintf("keyring %s: no answer within %s (is the keyring locked or its service stuck?)", e.Op, e.Timeout)
}

// Backend is a keyring implementation: the subset of go-keyring's interface vnum uses.
type Backend interface {
	Get(service, user string) (string, error)
	Set(service, user, secret string) error
	Delete(service, user string) error
}

// Keyring is a Backend whose every call is bounded by a timeout and whose not-found error is
// ErrNotFound. It is safe for concurrent use.
type Keyring struct {
	backend Backend
	timeout time.Duration

	// sem lets one call at a time reach the backend: keyring daemons serialise requests anyway,
	// and go-keyring's mock is not safe for concurrent use.
	sem chan struct{}

	mu    sync.Mutex
	stuck int // abandoned calls that have not returned yet
}

// Option configures a Keyring.
type Option func(*Keyring)

// WithTimeout replaces DefaultTimeout (tests use a short one).
func WithTimeout(d time.Duration) Option {
	return func(k *Keyring) {
		if d > 0 {
			k.timeout = d
		}
	}
}

// WithBackend replaces the OS keyring, for tests that need a keyring that blocks or fails in
// ways go-keyring's mock cannot.
func WithBackend(b Backend) Option {
	return func(k *Keyring) {
		if b != nil {
			k.backend = b
		}
	}
}

// New returns the OS keyring (or go-keyring's mock after MockInit) with DefaultTimeout.
func New(opts ...Option) *Keyring {
	k := &Keyring{backend: system{}, timeout: DefaultTimeout, sem: make(chan struct{}, 1)}
	for _, o := range opts {
		o(k)
	}
	return k
}

// Get returns the secret stored for service and user.
func (k *Keyring) Get(service, user string) (string, error) {
	v, err := k.do("get", "", func() (string, error) { return k.backend.Get(service, user) })
	return v, err
}

// Set stores secret for service and user, replacing any previous one.
func (k *Keyring) Set(service, user, secret string) error {
	_, err := k.do("set", secret, func() (string, error) { return "", k.backend.Set(service, user, secret) })
	return err
}

// Delete removes the entry for service and user; ErrNotFound if there was none.
func (k *Keyring) Delete(service, user string) error {
	_, err := k.do("delete", "", func() (string, error) { return "", k.backend.Delete(service, user) })
	return err
}

type result struct {
	val string
	err error
}

// do runs fn with the timeout. secret, when not empty, is scrubbed from any error text: the
// keyring's own errors should never contain it, but this is the last place that can make sure.
func (k *Keyring) do(op, secret string, fn func() (string, error)) (string, error) {
	k.mu.Lock()
	if k.stuck > 0 {
		k.mu.Unlock()
		return "", &TimeoutError{Op: op, Timeout: k.timeout, Stuck: true}
	}
	k.mu.Unlock()

	timer := time.NewTimer(k.timeout)
	defer timer.Stop()
	select {
	case k.sem <- struct{}{}:
	case <-timer.C:
		return "", &TimeoutError{Op: op, Timeout: k.timeout}
	}

	ch := make(chan result, 1) // buffered: an abandoned call must be able to send and exit
	var (
		callMu             sync.Mutex
		finished, orphaned bool
	)
	go func() {
		v, err := fn()
		<-k.sem
		ch <- result{v, err}
		callMu.Lock()
		finished = true
		if orphaned {
			k.mu.Lock()
			k.stuck--
			k.mu.Unlock()
		}
		callMu.Unlock()
	}()

	var r result
	select {
	case r = <-ch:
	case <-timer.C:
		callMu.Lock()
		if !finished {
			orphaned = true
			k.mu.Lock()
			k.stuck++
			k.mu.Unlock()
			callMu.Unlock()
			return "", &TimeoutError{Op: op, Timeout: k.timeout}
		}
		callMu.Unlock()
		r = <-ch // it finished just as the timer fired: use its answer
	}
	return r.val, mapError(op, r.err, secret)
}

func mapError(op string, err error, secret string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gokeyring.ErrNotFound):
		return ErrNotFound
	case secret != "" && strings.Contains(err.Error(), secret):
		return fmt.Errorf("keyring %s failed (error text withheld: it contained the secret)", op)
	default:
		return fmt.Errorf("keyring %s: %w", op, err)
	}
}

// system is the OS keyring through go-keyring's package functions (which MockInit redirects).
type system struct{}

func (system) Get(service, user string) (string, error) { return gokeyring.Get(service, user) }
func (system) Set(service, user, secret string) error   { return gokeyring.Set(service, user, secret) }
func (system) Delete(service, user string) error        { return gokeyring.Delete(service, user) }

// MockInit replaces the OS keyring, for the whole process, with go-keyring's in-memory mock.
// Tests only: it changes go-keyring's package state.
func MockInit() { gokeyring.MockInit() }

// MockInitWithError makes every OS keyring call fail with err (e.g. to simulate no D-Bus).
// Tests only, like MockInit.
func MockInitWithError(err error) { gokeyring.MockInitWithError(err) }
