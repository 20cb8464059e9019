package sandbox_test

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/providers"
	"github.com/vnum-cli/vnum/providers/sandbox"
)

func TestFailureKinds(t *testing.T) {
	tests := []struct {
		kind      string
		sentinel  error
		status    int
		permanent bool
	}{
		{"rate_limited", providers.ErrRateLimited, http.StatusTooManyRequests, false},
		{"out_of_stock", providers.ErrOutOfStock, http.StatusNotFound, true},
		{"paperwork", providers.ErrPaperwork, http.StatusForbidden, true},
		{"unauthorized", providers.ErrUnauthorized, http.StatusUnauthorized, true},
		{"insufficient_funds", providers.ErrInsufficientFunds, http.StatusPaymentRequired, true},
		{"unavailable", providers.ErrUnavailable, http.StatusConflict, true},
		{"not_found", providers.ErrNotFound, http.StatusNotFound, true},
		{"temporary", providers.ErrTemporary, http.StatusServiceUnavailable, false},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			dir := t.TempDir()
			p := newSandbox(t, dir, map[string]string{sandbox.EnvFail: "buy:" + tt.kind})
			_, err := p.Buy(t.Context(), providers.BuyRequest{Number: "+33199001357"})
			perr := requireRefusal(t, err, tt.sentinel, "buy")
			assert.Equal(t, tt.status, perr.Status)
			assert.Equal(t, strconv.Itoa(tt.status), perr.Code)
			assert.Equal(t, tt.permanent, providers.IsPermanent(err))
			retry, ok := providers.RetryAfter(err)
			if tt.kind == "rate_limited" {
				assert.True(t, ok)
				assert.Equal(t, 2*time.Second, retry)
			} else {
				assert.False(t, ok, "no retry delay")
			}
			if tt.kind == "paperwork" {
				assert.Equal(t, "France requires an approved regulatory bundle for this number type", perr.Message)
			}

			all, err := newSandbox(t, dir, nil).List(t.Context())
			require.NoError(t, err)
			assert.Empty(t, all, "a refused buy buys nothing")
		})
	}
}

// TestFailureTargetsItsOperation checks each operation name in VNUM_SANDBOX_FAIL fails that
// operation and nothing else.
func TestFailureTargetsItsOperation(t *testing.T) {
	dir := t.TempDir()
	owner := newSandbox(t, dir, nil)
	n := buyOne(t, owner, "US", providers.TypeLocal)
	calls := func(p *sandbox.Provider) map[string]func() error {
		ctx := t.Context()
		return map[string]func() error{
			"search":   func() error { _, err := p.Search(ctx, providers.Query{Country: "US", Limit: 1}); return err },
			"get":      func() error { _, err := p.Get(ctx, n.ID); return err },
			"list":     func() error { _, err := p.List(ctx); return err },
			"forward":  func() error { _, err := p.SetForwarding(ctx, n.ID, providers.Forwarding{}); return err },
			"label":    func() error { return p.SetLabel(ctx, n.ID, "x") },
			"messages": func() error { _, err := p.Messages(ctx, n.ID, time.Time{}); return err },
			"send":     func() error { _, err := p.SendSMS(ctx, n.ID, "+33199001234", "hi"); return err },
			"deliver":  func() error { _, err := p.Deliver(ctx, n.ID, "+33199001234", "hi"); return err },
			"verify":   func() error { _, err := p.Verify(ctx); return err },
			// Last: they change what the others need.
			"buy":     func() error { _, err := p.Buy(ctx, providers.BuyRequest{Number: "+12025550199"}); return err },
			"release": func() error { return p.Release(ctx, "SB00000000000000000000000000000000") },
		}
	}
	for op := range calls(owner) {
		t.Run(op, func(t *testing.T) {
			p := newSandbox(t, dir, map[string]string{sandbox.EnvFail: op + ":temporary"})
			for other, call := range calls(p) {
				err := call()
				switch {
				case other == op:
					requireRefusal(t, err, providers.ErrTemporary, op)
				case other == "release":
					require.ErrorIs(t, err, providers.ErrNotFound, "release of an unknown id, unaffected")
				case other == "buy":
					if err == nil {
						require.NoError(t, owner.Release(t.Context(), mustFind(t, owner, "+12025550199").ID))
					}
					require.NoError(t, err, "buy, unaffected")
				default:
					require.NoError(t, err, "%s, unaffected by %s:temporary", other, op)
				}
			}
		})
	}
}

func mustFind(t *testing.T, p *sandbox.Provider, number string) providers.Number {
	t.Helper()
	all, err := p.List(t.Context())
	require.NoError(t, err)
	for _, n := range all {
		if n.Number == number {
			return n
		}
	}
	t.Fatalf("%s not owned", number)
	return providers.Number{}
}

func TestFailureForAllAndOverride(t *testing.T) {
	p := newSandbox(t, t.TempDir(), map[string]string{sandbox.EnvFail: "*:rate_limited, list:unauthorized,"})
	_, err := p.List(t.Context())
	requireRefusal(t, err, providers.ErrUnauthorized, "list")
	_, err = p.Get(t.Context(), "SB1")
	requireRefusal(t, err, providers.ErrRateLimited, "get")
	_, err = p.Verify(t.Context())
	requireRefusal(t, err, providers.ErrRateLimited, "verify")
	_, err = p.Search(t.Context(), providers.Query{Country: "FR"})
	requireRefusal(t, err, providers.ErrRateLimited, "search")
}

// TestLost checks that a lost answer hides a change that was made: the caller sees
// ErrTemporary, and the carrier's state has moved on.
func TestLost(t *testing.T) {
	tests := []struct {
		op    string
		do    func(t *testing.T, p *sandbox.Provider, n providers.Number) error
		check func(t *testing.T, p *sandbox.Provider, n providers.Number)
	}{
		{"buy", func(t *testing.T, p *sandbox.Provider, _ providers.Number) error {
			_, err := p.Buy(t.Context(), providers.BuyRequest{Number: "+12025550150"})
			return err
		}, func(t *testing.T, p *sandbox.Provider, _ providers.Number) {
			mustFind(t, p, "+12025550150")
		}},
		{"release", func(t *testing.T, p *sandbox.Provider, n providers.Number) error {
			return p.Release(t.Context(), n.ID)
		}, func(t *testing.T, p *sandbox.Provider, n providers.Number) {
			_, err := p.Get(t.Context(), n.ID)
			require.ErrorIs(t, err, providers.ErrNotFound, "released")
		}},
		{"label", func(t *testing.T, p *sandbox.Provider, n providers.Number) error {
			return p.SetLabel(t.Context(), n.ID, "lost")
		}, func(t *testing.T, p *sandbox.Provider, n providers.Number) {
			got, err := p.Get(t.Context(), n.ID)
			require.NoError(t, err)
			assert.Equal(t, "lost", got.Label)
		}},
		{"forward", func(t *testing.T, p *sandbox.Provider, n providers.Number) error {
			_, err := p.SetForwarding(t.Context(), n.ID, providers.Forwarding{Calls: "+442079460123"})
			return err
		}, func(t *testing.T, p *sandbox.Provider, n providers.Number) {
			got, err := p.Get(t.Context(), n.ID)
			require.NoError(t, err)
			assert.Equal(t, "+442079460123", got.Forward.Calls)
		}},
		{"send", func(t *testing.T, p *sandbox.Provider, n providers.Number) error {
			_, err := p.SendSMS(t.Context(), n.ID, "+442079460123", "sent anyway")
			return err
		}, func(t *testing.T, p *sandbox.Provider, n providers.Number) {
			msgs, err := p.Messages(t.Context(), n.ID, time.Time{})
			require.NoError(t, err)
			require.Len(t, msgs, 1)
			assert.Equal(t, "sent anyway", msgs[0].Text)
		}},
		{"deliver", func(t *testing.T, p *sandbox.Provider, n providers.Number) error {
			_, err := p.Deliver(t.Context(), n.ID, "+442079460123", "arrived anyway")
			return err
		}, func(t *testing.T, p *sandbox.Provider, n providers.Number) {
			msgs, err := p.Messages(t.Context(), n.ID, time.Time{})
			require.NoError(t, err)
			require.Len(t, msgs, 1)
			assert.Equal(t, "arrived anyway", msgs[0].Text)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.op, func(t *testing.T) {
			dir := t.TempDir()
			clean := newSandbox(t, dir, nil)
			n := buyOne(t, clean, "US", providers.TypeLocal)
			lossy := newSandbox(t, dir, map[string]string{sandbox.EnvFail: tt.op + ":lost"})

			err := tt.do(t, lossy, n)
			requireRefusal(t, err, providers.ErrTemporary, tt.op)
			assert.False(t, providers.IsPermanent(err), "a lost answer is worth checking again")
			tt.check(t, clean, n)
		})
	}
}

func TestPending(t *testing.T) {
	t.Run("approved after the approval time", func(t *testing.T) {
		dir := t.TempDir()
		p := newSandbox(t, dir, map[string]string{sandbox.EnvFail: "buy:pending", sandbox.EnvApproval: "300ms"})
		n, err := p.Buy(t.Context(), providers.BuyRequest{Number: "+12025550150"})
		require.NoError(t, err)
		assert.Equal(t, providers.StatePendingDocuments, n.State)

		// Another process, without the variables, sees the carrier's state.
		reader := newSandbox(t, dir, nil)
		got, err := reader.Get(t.Context(), n.ID)
		require.NoError(t, err)
		assert.Equal(t, providers.StatePendingDocuments, got.State)

		// The approval time passes on the reader's clock (no sleeping through it).
		sandbox.SetClock(reader, func() time.Time { return n.CreatedAt.Add(300 * time.Millisecond) })
		got, err = reader.Get(t.Context(), n.ID)
		require.NoError(t, err)
		assert.Equal(t, providers.StateActive, got.State, "approved")
		all, err := reader.List(t.Context())
		require.NoError(t, err)
		require.Len(t, all, 1)
		assert.Equal(t, providers.StateActive, all[0].State)
	})
	t.Run("default approval time", func(t *testing.T) {
		p := newSandbox(t, t.TempDir(), map[string]string{sandbox.EnvFail: "buy:pending"})
		n, err := p.Buy(t.Context(), providers.BuyRequest{Number: "+12025550150"})
		require.NoError(t, err)
		all, err := p.List(t.Context())
		require.NoError(t, err)
		require.Len(t, all, 1)
		if time.Since(n.CreatedAt) < sandbox.DefaultApproval {
			assert.Equal(t, providers.StatePendingDocuments, all[0].State)
		}
	})
	t.Run("no approval time", func(t *testing.T) {
		p := newSandbox(t, t.TempDir(), map[string]string{sandbox.EnvFail: "buy:pending", sandbox.EnvApproval: "0s"})
		n, err := p.Buy(t.Context(), providers.BuyRequest{Number: "+12025550150"})
		require.NoError(t, err)
		assert.Equal(t, providers.StateActive, n.State)
	})
}

func TestLatency(t *testing.T) {
	const delay = 300 * time.Millisecond
	dir := t.TempDir()
	p := newSandbox(t, dir, map[string]string{sandbox.EnvLatency: "buy:300ms, verify:0s"})
	start := time.Now()
	offers, err := p.Search(t.Context(), providers.Query{Country: "US", Limit: 1})
	require.NoError(t, err)
	assert.Less(t, time.Since(start), delay, "search is not delayed")
	start = time.Now()
	_, err = p.Buy(t.Context(), providers.BuyRequest{Number: offers[0].Number})
	require.NoError(t, err)
	assert.GreaterOrEqual(t, time.Since(start), delay, "buy is delayed")

	all := newSandbox(t, t.TempDir(), map[string]string{sandbox.EnvLatency: "300ms"})
	start = time.Now()
	_, err = all.Verify(t.Context())
	require.NoError(t, err)
	assert.GreaterOrEqual(t, time.Since(start), delay, "a bare duration delays every operation")
}

// TestLatencyHonoursCancellation: the latency is the way back, after the change was made, so a
// caller giving up during it gets its context's error while the carrier has done the work.
func TestLatencyHonoursCancellation(t *testing.T) {
	dir := t.TempDir()
	slow := newSandbox(t, dir, map[string]string{sandbox.EnvLatency: "1m"})
	// Time enough for the buy itself on a loaded machine, far less than the latency.
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	start := time.Now()
	_, err := slow.Buy(ctx, providers.BuyRequest{Number: "+12025550150"})
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 30*time.Second, "returns once the context is done, not after the minute")
	mustFind(t, newSandbox(t, dir, nil), "+12025550150")

	refusing := newSandbox(t, dir, map[string]string{sandbox.EnvLatency: "1m", sandbox.EnvFail: "list:temporary"})
	ctx, cancel = context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	_, err = refusing.List(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded, "refusals are delayed too")
}

func TestNewRejectsBadEnvironment(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want []string // in the error
	}{
		{"unknown failure", map[string]string{sandbox.EnvFail: "buy:explode"},
			[]string{"VNUM_SANDBOX_FAIL", `"explode"`, "rate_limited, out_of_stock, paperwork, unauthorized, " +
				"insufficient_funds, unavailable, not_found, temporary, lost, pending"}},
		{"unknown operation", map[string]string{sandbox.EnvFail: "purchase:lost"},
			[]string{"VNUM_SANDBOX_FAIL", `"purchase"`, "search, buy, get, list, release, forward, label, messages, send, deliver, verify, call, calls, voicemail, or *"}},
		{"pending elsewhere than buy", map[string]string{sandbox.EnvFail: "list:pending"}, []string{"pending applies to buy only"}},
		{"no kind", map[string]string{sandbox.EnvFail: "buy"}, []string{"op:kind"}},
		{"operation twice", map[string]string{sandbox.EnvFail: "buy:lost,buy:temporary"}, []string{"twice"}},
		{"latency not a duration", map[string]string{sandbox.EnvLatency: "fast"}, []string{"VNUM_SANDBOX_LATENCY", `"fast"`}},
		{"negative latency", map[string]string{sandbox.EnvLatency: "buy:-1s"}, []string{"negative"}},
		{"latency of an unknown operation", map[string]string{sandbox.EnvLatency: "purchase:1s"}, []string{`"purchase"`}},
		{"approval not a duration", map[string]string{sandbox.EnvApproval: "soon"}, []string{"VNUM_SANDBOX_APPROVAL"}},
		{"paperwork of an unknown country", map[string]string{sandbox.EnvPaperwork: "XX:documents"}, []string{`"XX"`}},
		{"unknown paperwork", map[string]string{sandbox.EnvPaperwork: "FR:passport"}, []string{"address, documents, none"}},
		{"two bad variables", map[string]string{sandbox.EnvFail: "x:y", sandbox.EnvLatency: "slow"},
			[]string{"VNUM_SANDBOX_FAIL", "VNUM_SANDBOX_LATENCY"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := sandbox.New(providers.Settings{DataDir: t.TempDir(), Env: func(k string) string { return tt.env[k] }})
			require.Error(t, err)
			assert.Nil(t, p)
			for _, want := range tt.want {
				assert.Contains(t, err.Error(), want)
			}
		})
	}
	_, err := sandbox.New(providers.Settings{Env: func(string) string { return "" }})
	assert.ErrorContains(t, err, "no data directory")
}
