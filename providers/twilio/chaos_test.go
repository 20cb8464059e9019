package twilio_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/internal/numbers"
	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/providers"
	"github.com/vnum-cli/vnum/providers/internal/httpretry"
	"github.com/vnum-cli/vnum/providers/twilio"
	faketwilio "github.com/vnum-cli/vnum/providers/twilio/twiliotest"
)

// chaos sits between the adapter and the fake Twilio and, per request, injects what a bad day on
// the network looks like, from a seeded generator so that a run can be repeated: 8% 5xx, 6% 429,
// 4% connections reset before the request arrives, 5% answers lost after Twilio did the work,
// 2% requests that hang until the attempt's deadline.
type chaos struct {
	next http.RoundTripper
	off  bool

	mu       sync.Mutex
	rnd      *rand.Rand
	injected map[string]int
}

func newChaos(seed uint64) *chaos {
	return &chaos{next: http.DefaultTransport, rnd: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), injected: map[string]int{}}
}

func (c *chaos) pick() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.off {
		return ""
	}
	r := c.rnd.Float64()
	for _, f := range []struct {
		name string
		p    float64
	}{{"5xx", .08}, {"429", .06}, {"reset", .04}, {"lost", .05}, {"hang", .02}} {
		if r < f.p {
			c.injected[f.name]++
			return f.name
		}
		r -= f.p
	}
	return ""
}

func reset() error {
	return &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
}

func (c *chaos) RoundTrip(req *http.Request) (*http.Response, error) {
	answer := func(status int, code int, retryAfter string) *http.Response {
		h := http.Header{"Content-Type": []string{"application/json"}}
		if retryAfter != "" {
			h.Set("Retry-After", retryAfter)
		}
		body := fmt.Sprintf(`{"code": %d, "message": "injected", "status": %d}`, code, status)
		return &http.Response{StatusCode: status, Status: http.StatusText(status), Header: h, Request: req,
			Body: io.NopCloser(strings.NewReader(body)), ProtoMajor: 1, ProtoMinor: 1}
	}
	switch c.pick() {
	case "5xx":
		return answer(http.StatusServiceUnavailable, 20503, ""), nil
	case "429":
		return answer(http.StatusTooManyRequests, 20429, "1"), nil
	case "reset":
		return nil, reset()
	case "hang":
		<-req.Context().Done()
		return nil, req.Context().Err()
	case "lost":
		resp, err := c.next.RoundTrip(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
		}
		return nil, reset()
	}
	return c.next.RoundTrip(req)
}

// TestCampaignUnderCarrierFaults buys and releases numbers through vnum's lifecycle against a
// fake Twilio that fails a quarter of all requests in the ways a real network does. At least 90%
// of buys and of releases succeed, and, once the carrier behaves again and one more vnum command
// has run its recovery, what the account owns is exactly what the store records: nothing
// orphaned, nothing phantom, nothing bought twice.
func TestCampaignUnderCarrierFaults(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) { campaign(t, seed, 30) })
	}
}

func campaign(t *testing.T, seed uint64, n int) {
	clearTwilioEnv(t)
	f := faketwilio.New(t)
	ch := newChaos(seed)
	p, err := twilio.New(providers.Settings{
		Env:         envOf(map[string]string{twilio.EnvBaseURL: f.URL}),
		Credentials: map[string]string{twilio.CredAccountSID: f.AccountSID, twilio.CredAuthToken: f.AuthToken},
		HTTP:        func() *http.Client { return &http.Client{Transport: ch} },
	})
	require.NoError(t, err)
	var waited time.Duration
	var mu sync.Mutex
	twilio.SetRetry(p, func(r *httpretry.Transport) {
		// A hang is noticed after a second and retried when safe. Shorter would also cut short
		// healthy requests when -race and a busy machine slow the fake's document checks.
		r.AttemptTimeout = time.Second
		r.Sleep = func(ctx context.Context, d time.Duration) error {
			mu.Lock()
			waited += d
			mu.Unlock()
			return ctx.Err()
		}
	})
	st, err := store.Open(filepath.Join(t.TempDir(), "vnum.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	m := numbers.New(numbers.Config{
		Store:    st,
		Provider: func(string) (providers.Provider, error) { return p, nil },
		PID:      os.Getpid(),
		// The lifecycle's own polls (an order still pending) need not really wait either.
		PollInterval: time.Millisecond, PollMax: time.Millisecond,
	})
	ctx := t.Context()

	// The fake stocks 20 numbers of each country and type: the buys go round three of them.
	kinds := []providers.Query{{Country: "US", Type: providers.TypeLocal}, {Country: "US", Type: providers.TypeTollFree}, {Country: "CA", Type: providers.TypeLocal}}
	bought := 0
	for i := range n {
		if _, err := m.Buy(ctx, numbers.BuyRequest{Provider: twilio.Name, Query: kinds[i%len(kinds)]}); err == nil {
			bought++
		} else {
			t.Logf("buy failed: %v", err)
		}
	}
	held, err := st.ListNumbers(ctx)
	require.NoError(t, err)
	released := 0
	for _, num := range held {
		if _, err := m.Release(ctx, num, store.EndReleased); err == nil {
			released++
		} else {
			t.Logf("release failed: %v", err)
		}
	}
	t.Logf("seed %d: %d/%d buys and %d/%d releases succeeded; injected %v; retries waited %s in all (not slept)",
		seed, bought, n, released, len(held), ch.injected, waited)
	assert.GreaterOrEqual(t, bought*10, n*9, "at least 90%% of buys succeed")
	assert.GreaterOrEqual(t, released*10, len(held)*9, "at least 90%% of releases succeed")

	// The carrier behaves again; the next vnum command (another process: this one has ended)
	// finishes what was left half done.
	ch.mu.Lock()
	ch.off = true
	ch.mu.Unlock()
	next := numbers.New(numbers.Config{Store: st, Provider: m.Provider, PID: os.Getpid() + 1, Alive: func(int) bool { return false }})
	_, err = next.Recover(ctx)
	require.NoError(t, err)
	ops, err := st.ListOps(ctx)
	require.NoError(t, err)
	assert.Empty(t, ops, "nothing left half done")
	left, err := st.ListNumbers(ctx)
	require.NoError(t, err)
	var recorded, owned []string
	for _, num := range left {
		recorded = append(recorded, num.CarrierID)
	}
	for _, num := range f.Numbers() {
		owned = append(owned, num.SID)
	}
	assert.ElementsMatch(t, owned, recorded, "the account owns exactly what vnum records")
}
