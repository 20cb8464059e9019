// Package httpretry retries HTTP reads that a server turned away for now (429 and 5xx), with
// exponential backoff that honours Retry-After and the request's context.
//
// Only GET and HEAD are retried: carrier writes (buying a number, sending an SMS) cost money or
// have effects, and a write whose answer was lost must be looked up, never sent again blindly.
// Adapters wrap their HTTP client's transport with it: &http.Client{Transport: &httpretry.Transport{Base: t}}.
package httpretry

import (
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
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

// Transport is an http.RoundTripper that repeats idempotent reads refused with 429 or 5xx.
// The zero value is usable; it is safe for concurrent use.
type Transport struct {
	// Base sends each attempt; nil means http.DefaultTransport.
	Base http.RoundTripper
	// Tries bounds the attempts, the first one included; 0 means DefaultTries.
	Tries int
	// Backoff is the wait before the first retry, doubled before each later one (with up to 20%
	// jitter); 0 means DefaultBackoff.
	Backoff time.Duration
	// MaxWait caps every single wait. A server asking (through Retry-After) for a longer pause
	// ends the retries: its response is returned so the caller can report the wait.
	// 0 means DefaultMaxWait.
	MaxWait time.Duration
	// OnRetry, when set, is told about each retry before its wait (for debug output and tests).
	OnRetry func(req *http.Request, status int, wait time.Duration)
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		return base.RoundTrip(req)
	}
	tries, backoff, maxWait := t.settings()
	for attempt := 1; ; attempt++ {
		resp, err := base.RoundTrip(req)
		if err != nil || attempt >= tries || !Retryable(resp.StatusCode) {
			return resp, err
		}
		wait := min(jitter(backoff<<(attempt-1)), maxWait)
		if ra, ok := ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			wait = ra
		}
		if wait > maxWait {
			// The server wants a longer pause than we are willing to sit through: let the
			// caller see the refusal (and its Retry-After) instead of hanging.
			return resp, nil
		}
		discard(resp)
		if t.OnRetry != nil {
			t.OnRetry(req, resp.StatusCode, wait)
		}
		if err := sleep(req, wait); err != nil {
			return nil, err
		}
	}
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

// discard drains a little of a response we are about to retry so the connection can be reused.
func discard(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, drainLimit))
	_ = resp.Body.Close()
}

func sleep(req *http.Request, d time.Duration) error {
	if d <= 0 {
		return req.Context().Err()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-req.Context().Done():
		return req.Context().Err()
	case <-timer.C:
		return nil
	}
}
