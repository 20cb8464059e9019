package httpretry_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/providers/internal/httpretry"
)

// script answers each request with the next status in order, then 200 for ever.
type script struct {
	statuses   []int
	retryAfter string
	calls      atomic.Int32
}

func (s *script) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	n := int(s.calls.Add(1))
	if n <= len(s.statuses) {
		if s.retryAfter != "" {
			w.Header().Set("Retry-After", s.retryAfter)
		}
		w.WriteHeader(s.statuses[n-1])
		_, _ = w.Write([]byte(`{"code":20429}`))
		return
	}
	_, _ = w.Write([]byte("ok"))
}

func newClient(tr *httpretry.Transport) *http.Client {
	return &http.Client{Transport: tr}
}

func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name       string
		method     string
		statuses   []int
		retryAfter string
		tries      int
		maxWait    time.Duration
		wantStatus int
		wantCalls  int32
	}{
		{name: "500 then success on GET", method: http.MethodGet, statuses: []int{500}, wantStatus: 200, wantCalls: 2},
		{name: "429 twice then success", method: http.MethodGet, statuses: []int{429, 429}, wantStatus: 200, wantCalls: 3},
		{name: "HEAD is retried too", method: http.MethodHead, statuses: []int{503}, wantStatus: 200, wantCalls: 2},
		{name: "bounded by tries", method: http.MethodGet, statuses: []int{502, 502, 502, 502, 502}, tries: 3, wantStatus: 502, wantCalls: 3},
		{name: "POST is not retried on a 5xx: it may have been carried out", method: http.MethodPost, statuses: []int{500}, wantStatus: 500, wantCalls: 1},
		{name: "POST is retried on a 429: refused unprocessed", method: http.MethodPost, statuses: []int{429}, wantStatus: 200, wantCalls: 2},
		{name: "DELETE is retried on a 429", method: http.MethodDelete, statuses: []int{429}, wantStatus: 200, wantCalls: 2},
		{name: "DELETE is retried on a 5xx", method: http.MethodDelete, statuses: []int{503, 500}, wantStatus: 200, wantCalls: 3},
		{name: "DELETE whose retry finds 404 is done", method: http.MethodDelete, statuses: []int{502, 404}, wantStatus: 204, wantCalls: 2},
		{name: "DELETE answered 404 at once is not found", method: http.MethodDelete, statuses: []int{404}, wantStatus: 404, wantCalls: 1},
		{name: "404 is final", method: http.MethodGet, statuses: []int{404}, wantStatus: 404, wantCalls: 1},
		{name: "501 is final", method: http.MethodGet, statuses: []int{501}, wantStatus: 501, wantCalls: 1},
		{name: "Retry-After longer than MaxWait returns the refusal", method: http.MethodGet, statuses: []int{429}, retryAfter: "120", wantStatus: 429, wantCalls: 1},
		{name: "Retry-After zero retries at once", method: http.MethodGet, statuses: []int{429}, retryAfter: "0", maxWait: time.Nanosecond, wantStatus: 200, wantCalls: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &script{statuses: tt.statuses, retryAfter: tt.retryAfter}
			srv := httptest.NewServer(s)
			t.Cleanup(srv.Close)
			maxWait := tt.maxWait
			if maxWait == 0 {
				maxWait = time.Second
			}
			c := newClient(&httpretry.Transport{Tries: tt.tries, Backoff: time.Millisecond, MaxWait: maxWait})

			req, err := http.NewRequestWithContext(t.Context(), tt.method, srv.URL, strings.NewReader("Body=x"))
			require.NoError(t, err)
			resp, err := c.Do(req)
			require.NoError(t, err)
			_ = resp.Body.Close()

			assert.Equal(t, tt.wantStatus, resp.StatusCode)
			assert.Equal(t, tt.wantCalls, s.calls.Load())
		})
	}
}

func TestRoundTripHonoursRetryAfter(t *testing.T) {
	s := &script{statuses: []int{429}, retryAfter: "1"}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	var waits, slept []time.Duration
	c := newClient(&httpretry.Transport{Backoff: time.Millisecond,
		OnRetry: func(_ *http.Request, status int, _ error, wait time.Duration) {
			assert.Equal(t, http.StatusTooManyRequests, status)
			waits = append(waits, wait)
		},
		// An injected sleep: the second is checked, not waited.
		Sleep: func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil },
	})

	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL, nil)
	require.NoError(t, err)
	resp, err := c.Do(req)
	require.NoError(t, err)
	_ = resp.Body.Close()

	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, []time.Duration{time.Second}, waits, "the server's Retry-After replaces our backoff")
	assert.Equal(t, []time.Duration{time.Second}, slept, "and is what the transport waits")
}

func TestRoundTripStopsWhenContextEnds(t *testing.T) {
	s := &script{statuses: []int{503, 503, 503, 503}}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	c := newClient(&httpretry.Transport{Backoff: time.Hour, MaxWait: time.Hour})

	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	require.NoError(t, err)
	start := time.Now()
	_, err = c.Do(req) // an error means no body to close
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 5*time.Second, "a cancelled context must end the wait")
	assert.Equal(t, int32(1), s.calls.Load())
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in     string
		want   time.Duration
		wantOK bool
	}{
		{in: "", wantOK: false},
		{in: "3", want: 3 * time.Second, wantOK: true},
		{in: " 10 ", want: 10 * time.Second, wantOK: true},
		{in: "0", want: 0, wantOK: true},
		{in: "-1", wantOK: false},
		{in: "1.5", wantOK: false},
		{in: "soon", wantOK: false},
		{in: "99999999999999999999", want: 24 * time.Hour, wantOK: true},
		{in: now.Add(90 * time.Second).Format(http.TimeFormat), want: 90 * time.Second, wantOK: true},
		{in: now.Add(-time.Minute).Format(http.TimeFormat), want: 0, wantOK: true},
	}
	for _, tt := range tests {
		t.Run(strconv.Quote(tt.in), func(t *testing.T) {
			got, ok := httpretry.ParseRetryAfter(tt.in, now)
			assert.Equal(t, tt.wantOK, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestRetryable(t *testing.T) {
	for status, want := range map[int]bool{200: false, 400: false, 404: false, 429: true, 500: true, 501: false, 502: true, 503: true, 504: true, 505: false} {
		assert.Equal(t, want, httpretry.Retryable(status), "status %d", status)
	}
}

func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"", "0", "120", "Wed, 25 Nov 2026 12:00:00 GMT", "-5", "1e3", strings.Repeat("9", 40)} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := httpretry.ParseRetryAfter(s, now)
		if !ok {
			assert.Zero(t, d)
			return
		}
		assert.GreaterOrEqual(t, d, time.Duration(0), "a wait is never negative")
	})
}

// flaky is a RoundTripper that fails the first attempts as a network would, then passes on.
type flaky struct {
	fail  []error // one per attempt; nil passes the request on
	next  http.RoundTripper
	calls int
	hang  bool // a failing attempt waits for its context instead of failing at once
}

func (f *flaky) RoundTrip(req *http.Request) (*http.Response, error) {
	f.calls++
	if f.calls <= len(f.fail) && f.fail[f.calls-1] != nil {
		if f.hang {
			<-req.Context().Done()
			return nil, req.Context().Err()
		}
		return nil, f.fail[f.calls-1]
	}
	return f.next.RoundTrip(req)
}

func noSleep(waits *[]time.Duration) func(context.Context, time.Duration) error {
	return func(ctx context.Context, d time.Duration) error {
		*waits = append(*waits, d)
		return ctx.Err()
	}
}

func TestTransportErrors(t *testing.T) {
	reset := &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
	tests := []struct {
		name      string
		method    string
		fail      []error
		wantErr   bool
		wantCalls int
	}{
		{name: "GET reset mid-way is retried", method: http.MethodGet, fail: []error{reset}, wantCalls: 2},
		{name: "GET cut short (EOF) is retried", method: http.MethodGet, fail: []error{io.ErrUnexpectedEOF, io.EOF}, wantCalls: 3},
		{name: "DELETE reset is retried", method: http.MethodDelete, fail: []error{reset}, wantCalls: 2},
		{name: "POST reset is not retried: the carrier may have acted", method: http.MethodPost, fail: []error{reset}, wantErr: true, wantCalls: 1},
		{name: "a certificate problem is not transient", method: http.MethodGet, fail: []error{errors.New("x509: certificate signed by unknown authority")}, wantErr: true, wantCalls: 1},
		{name: "bounded", method: http.MethodGet, fail: []error{reset, reset, reset, reset, reset}, wantErr: true, wantCalls: 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(&script{})
			t.Cleanup(srv.Close)
			f := &flaky{fail: tt.fail, next: http.DefaultTransport}
			var waits []time.Duration
			c := newClient(&httpretry.Transport{Base: f, Backoff: time.Second, Sleep: noSleep(&waits)})
			req, err := http.NewRequestWithContext(t.Context(), tt.method, srv.URL, strings.NewReader("x"))
			require.NoError(t, err)
			resp, err := c.Do(req)
			if tt.wantErr {
				require.Error(t, err)
			} else {
				require.NoError(t, err)
				_ = resp.Body.Close()
				assert.Equal(t, http.StatusOK, resp.StatusCode)
			}
			assert.Equal(t, tt.wantCalls, f.calls)
			for i, w := range waits { // exponential backoff with at most 20% jitter, never really slept
				base := time.Second << i
				assert.GreaterOrEqual(t, w, base)
				assert.LessOrEqual(t, w, base+base/5)
			}
		})
	}
}

func TestHungAttemptIsRetried(t *testing.T) {
	srv := httptest.NewServer(&script{})
	t.Cleanup(srv.Close)
	f := &flaky{fail: []error{errors.New("hang")}, next: http.DefaultTransport, hang: true}
	var waits []time.Duration
	c := newClient(&httpretry.Transport{Base: f, AttemptTimeout: 20 * time.Millisecond, Sleep: noSleep(&waits)})
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL, nil)
	require.NoError(t, err)
	resp, err := c.Do(req)
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body) // readable after RoundTrip returned: the attempt's deadline is not cancelled early
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, "ok", string(body))
	assert.Equal(t, 2, f.calls)
}

func TestRetriedPOSTSendsItsBodyAgain(t *testing.T) {
	var bodies []string
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		bodies = append(bodies, string(b))
		if n++; n == 1 {
			w.Header().Set("Retry-After", "2")
			w.WriteHeader(http.StatusTooManyRequests)
		}
	}))
	t.Cleanup(srv.Close)
	var waits []time.Duration
	c := newClient(&httpretry.Transport{Sleep: noSleep(&waits)})
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL, strings.NewReader("PhoneNumber=%2B15005550006"))
	require.NoError(t, err)
	resp, err := c.Do(req)
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, []string{"PhoneNumber=%2B15005550006", "PhoneNumber=%2B15005550006"}, bodies)
	assert.Equal(t, []time.Duration{2 * time.Second}, waits, "Retry-After honoured")
}

// Over takes the injected client's transport and makes its timeout (or the fallback) each
// attempt's own.
func TestOver(t *testing.T) {
	rt := &httpretry.Transport{} // any RoundTripper
	tr := httpretry.Over(&http.Client{Transport: rt, Timeout: 2 * time.Second}, 30*time.Second)
	if tr.Base != rt || tr.AttemptTimeout != 2*time.Second {
		t.Errorf("Over = Base %v, AttemptTimeout %v; want the client's transport and 2s", tr.Base, tr.AttemptTimeout)
	}
	tr = httpretry.Over(&http.Client{}, 30*time.Second)
	if tr.Base != nil || tr.AttemptTimeout != 30*time.Second {
		t.Errorf("Over without timeout = Base %v, AttemptTimeout %v; want nil and the fallback", tr.Base, tr.AttemptTimeout)
	}
}
