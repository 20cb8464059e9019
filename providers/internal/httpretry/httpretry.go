// Package httpretry is the one retry layer of every carrier adapter's HTTP: a RoundTripper
// decorator that repeats a request the carrier did not (or provably could not) act on, with
// bounded exponential backoff, jitter, and Retry-After honoured. restic's backend/retry is the
// model: the adapter above it sees one request that either worked or failed for good.
//
// What is retried, and why it is safe:
//   - any request answered 429: the carrier refused it unprocessed, so sending it again cannot do
//     anything twice (a POST buying a number included);
//   - an idempotent request (GET, HEAD, OPTIONS, PUT, DELETE) that failed in transit (connection reset, EOF, timeout, an attempt
//     that hung past AttemptTimeout) or was answered with a 5xx meaning "later" (Retryable);
//   - a DELETE whose retry is answered 404 is reported as done (204): the earlier attempt, whose
//     answer was lost, deleted it.
//
// Never retried: a non-idempotent write (POST) that failed in transit or got a 5xx, because the
// carrier may have carried it out; the caller must look the outcome up instead (vnum's journal
// does). Nor a request whose body cannot be replayed (no GetBody), nor one whose context ended.
//
// Use: &http.Client{Transport: httpretry.Over(injected, fallback)}, a client without a Timeout
// of its own. The zero Transport is usable too, and safe for concurrent use; tests set Sleep
// (and Now) so they never really wait.
package httpretry

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Defaults used when the matching Transport field is zero.
const (
	DefaultTries   = 4
	DefaultBackoff = time.Second
	DefaultMaxWait = 30 * time.Second
)

// drainLimit bounds how much of a discarded response body is read so its connection can be
// reused; a larger body is closed unread instead.
const drainLimit = 64 << 10

// Transport is an http.RoundTripper that repeats the requests it is safe to repeat (see the
// package comment).
type Transport struct {
	// Base sends each attempt; nil means http.DefaultTransport.
	Base http.RoundTripper
	// Tries bounds the attempts, the first one included; 0 means DefaultTries.
	Tries int
	// Backoff is the wait before the first retry, doubled before each later one (plus up to 20%
	// jitter); 0 means DefaultBackoff.
	Backoff time.Duration
	// MaxWait caps every single wait. A server asking (through Retry-After) for a longer pause
	// ends the retries: its response is returned so the caller can report the wait.
	// 0 means DefaultMaxWait.
	MaxWait time.Duration
	// AttemptTimeout bounds one attempt (until its response headers arrive and while its body is
	// read); an idempotent request whose attempt hangs that long is sent again. 0 means no bound
	// of its own: only the request's context (and http.Client.Timeout) ends it.
	AttemptTimeout time.Duration
	// OnRetry, when set, is told about each retry before its wait: the status that caused it, or
	// 0 and the transport error (for debug output and tests).
	OnRetry func(req *http.Request, status int, err error, wait time.Duration)
	// Sleep waits d or until ctx ends (returning its error); nil means a real timer.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock Retry-After dates are measured from; nil means time.Now.
	Now func() time.Time
}

// Over is the retry layer over an adapter's injected client: each attempt is sent through its
// Transport and bounded by its Timeout (fallback when it sets none). The timeout bounds each
// attempt rather than the attempts and their waits together, so a read that hangs is sent again
// within the operation's deadline; the client above Over must set no Timeout, which would bound
// them all. hc itself is not changed.
func Over(hc *http.Client, fallback time.Duration) *Transport {
	timeout := hc.Timeout
	if timeout <= 0 {
		timeout = fallback
	}
	return &Transport{Base: hc.Transport, AttemptTimeout: timeout}
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	tries, backoff, maxWait := t.settings()
	if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
		tries = 1 // the body cannot be sent twice
	}
	idem := Idempotent(req)
	for attempt := 1; ; attempt++ {
		areq, cancel, err := t.attempt(req, attempt)
		if err != nil {
			return nil, err
		}
		resp, err := base.RoundTrip(areq)
		last := attempt >= tries
		if err != nil {
			cancel()
			if req.Context().Err() != nil {
				return nil, req.Context().Err()
			}
			if last || !idem || !TransientError(err) {
				return nil, err
			}
			wait := min(jitter(backoff<<(attempt-1)), maxWait)
			if err := t.pause(req, 0, err, wait); err != nil {
				return nil, err
			}
			continue
		}
		resp.Body = &cancelBody{ReadCloser: resp.Body, cancel: cancel}
		if attempt > 1 && req.Method == http.MethodDelete && resp.StatusCode == http.StatusNotFound {
			// An earlier attempt's answer was lost, and this one finds the resource gone:
			// that attempt deleted it.
			discard(resp)
			return done(req), nil
		}
		retry := resp.StatusCode == http.StatusTooManyRequests || (idem && Retryable(resp.StatusCode))
		if last || !retry {
			return resp, nil
		}
		wait := min(jitter(backoff<<(attempt-1)), maxWait)
		if ra, ok := ParseRetryAfter(resp.Header.Get("Retry-After"), t.now()); ok {
			wait = ra
		}
		if wait > maxWait {
			// The server wants a longer pause than we are willing to sit through: let the
			// caller see the refusal (and its Retry-After) instead of hanging.
			return resp, nil
		}
		discard(resp)
		if err := t.pause(req, resp.StatusCode, nil, wait); err != nil {
			return nil, err
		}
	}
}

// attempt prepares the n-th sending of req: a fresh body after the first, and its own deadline
// when AttemptTimeout is set. cancel releases that deadline; it runs when the body is closed.
func (t *Transport) attempt(req *http.Request, n int) (*http.Request, context.CancelFunc, error) {
	out := req
	cancel := context.CancelFunc(func() {})
	if t.AttemptTimeout > 0 {
		var ctx context.Context
		ctx, cancel = context.WithTimeout(req.Context(), t.AttemptTimeout)
		out = req.WithContext(ctx)
	}
	if n > 1 && req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			cancel()
			return nil, nil, err
		}
		if out == req {
			out = req.Clone(req.Context())
		}
		out.Body = body
	}
	return out, cancel, nil
}

func (t *Transport) pause(req *http.Request, status int, err error, wait time.Duration) error {
	if t.OnRetry != nil {
		t.OnRetry(req, status, err, wait)
	}
	if t.Sleep != nil {
		return t.Sleep(req.Context(), wait)
	}
	return sleep(req.Context(), wait)
}

func (t *Transport) now() time.Time {
	if t.Now != nil {
		return t.Now()
	}
	return time.Now()
}

func (t *Transport) settings() (tries int, backoff, maxWait time.Duration) {
	tries, backoff, maxWait = t.Tries, t.Backoff, t.MaxWait
	if tries <= 0 {
		tries = DefaultTries
	}
	if backoff <= 0 {
		backoff = DefaultBackoff
	}
	if maxWait <= 0 {
		maxWait = DefaultMaxWait
	}
	return tries, backoff, maxWait
}

// Idempotent reports whether sending req twice has the effect of sending it once: the methods
// HTTP defines so. An Idempotency-Key header does not make a POST one: Telnyx honours the key
// only on endpoints whose reference declares it, and its number orders do not (CARRIERS.md
// §2.7), so a POST whose outcome is unknown is looked up by the caller, never sent again here.
func Idempotent(req *http.Request) bool {
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace, http.MethodPut, http.MethodDelete:
		return true
	}
	return false
}

// Retryable reports whether a response status means "try again later": 429 and every 5xx except
// 501 Not Implemented and 505 HTTP Version Not Supported, which will not change by waiting.
func Retryable(status int) bool {
	switch {
	case status == http.StatusTooManyRequests:
		return true
	case status == http.StatusNotImplemented, status == http.StatusHTTPVersionNotSupported:
		return false
	default:
		return status >= 500 && status <= 599
	}
}

// TransientError reports whether a transport error is the network's passing trouble (a reset or
// refused connection, an answer cut short, a timeout), which a new attempt may not meet. A
// certificate or URL problem comes back every time and is not transient.
func TransientError(err error) bool {
	var ne net.Error
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, syscall.ECONNABORTED), errors.Is(err, syscall.EPIPE),
		errors.Is(err, context.DeadlineExceeded):
		return true
	case errors.As(err, &ne) && ne.Timeout():
		return true
	}
	// Errors that lost their type on the way (http2, proxies) still say what happened.
	msg := err.Error()
	return strings.Contains(msg, "connection reset") || strings.Contains(msg, "broken pipe")
}

// ParseRetryAfter reads a Retry-After header value: either delay-seconds or an HTTP date, which is
// measured from now. A date in the past means no wait (0, true). It reports false when the value
// is empty or malformed.
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if isDigits(v) {
		secs, err := strconv.ParseInt(v, 10, 64)
		if err != nil || secs > int64(24*time.Hour/time.Second) {
			// Absurd values are capped rather than overflowing time.Duration.
			return 24 * time.Hour, true
		}
		return time.Duration(secs) * time.Second, true
	}
	at, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	if d := at.Sub(now); d > 0 {
		return d, true
	}
	return 0, true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// jitter adds up to 20% to d so that many clients refused at once do not come back in step.
func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return d + rand.N(d/5+1) // timing jitter, not security: math/rand is right
}

// done is the answer to a DELETE found already carried out.
func done(req *http.Request) *http.Response {
	return &http.Response{
		Status: "204 No Content", StatusCode: http.StatusNoContent, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{}, Body: http.NoBody, Request: req,
	}
}

// cancelBody releases an attempt's deadline once its body is closed.
type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// discard drains a little of a response we are about to retry so the connection can be reused.
func discard(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, drainLimit))
	_ = resp.Body.Close()
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}
