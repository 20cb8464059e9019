package serve

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/providers"
)

const (
	relayTarget = "+33700000001"
	relaySender = "+447700900001"
	secretText  = "your code is 424242"
)

// fakeSender is the carrier as the relay sees it: each call's answer comes from fail (nil: sent),
// and every message the carrier took is kept, to count them.
type fakeSender struct {
	mu    sync.Mutex
	calls int
	fail  func(call int) error // the error of call n (1-based); a lost answer still sends
	sent  []string
	// sure is what CheckSent answers about a message it does not find.
	sure bool
	// late makes a message sent show in the records only from the late-th look (records lag).
	late, checks int
}

func (f *fakeSender) Send(_ context.Context, _ int64, to, text string) (providers.Message, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	var err error
	if f.fail != nil {
		err = f.fail(f.calls)
	}
	if err == nil || isLost(err) {
		f.sent = append(f.sent, to+"|"+text)
	}
	if err != nil {
		return providers.Message{}, err
	}
	return providers.Message{ID: fmt.Sprintf("S%d", f.calls), To: to, Text: text}, nil
}

func (f *fakeSender) CheckSent(_ context.Context, _ int64, to, text string, _ time.Time) (bool, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.checks++
	if f.checks < f.late {
		return false, false, nil
	}
	for _, s := range f.sent {
		if s == to+"|"+text {
			return true, true, nil
		}
	}
	return false, f.sure, nil
}

func (f *fakeSender) sentTexts() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.sent...)
}

// errLost is a send the carrier carried out but whose answer was lost.
var errLost = &providers.Error{Provider: "fake", Op: "send", Kind: providers.ErrUnknownOutcome, Message: "no answer"}

// errReset is a connection lost after the request left: the carrier may have sent it.
var errReset = &providers.Error{Provider: "fake", Op: "send", Kind: providers.ErrTemporary, Message: "connection reset"}

func isLost(err error) bool { return err == errLost || err == errReset }

func rateLimited(retry time.Duration) error {
	return &providers.Error{Provider: "fake", Op: "send", Kind: providers.ErrRateLimited, Status: 429, Retry: retry, Message: "too many requests"}
}

// relayFixture is a store at path with one number relaying to relayTarget.
func relayFixture(t *testing.T) (path string, st *store.Store, n store.Number) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "vnum.db")
	st = openRelayStore(t, path)
	n = store.Number{Provider: "telnyx", CarrierID: "tx-1", E164: ourNumber, Managed: true, State: providers.StateActive}
	require.NoError(t, st.InsertNumber(t.Context(), &n))
	require.NoError(t, st.SetSMSRelay(t.Context(), n.ID, relayTarget))
	return path, st, n
}

func openRelayStore(t *testing.T, path string) *store.Store {
	t.Helper()
	st, err := store.Open(path)
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	return st
}

func push(t *testing.T, st *store.Store, n store.Number, id, text string) {
	t.Helper()
	_, err := st.AddPushed(t.Context(), []store.Pushed{{Provider: n.Provider, Message: providers.Message{
		ID: id, From: relaySender, To: n.E164, Text: text, ReceivedAt: time.Now(), Inbound: true}}})
	require.NoError(t, err)
}

func newTestRelayer(st *store.Store, s RelaySender, owner string, logs *syncBuffer, mod func(*RelayConfig)) *Relayer {
	cfg := RelayConfig{Store: st, Sender: s, Owner: owner, Backoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond,
		GiveUp: time.Hour, Recheck: 100 * time.Millisecond, Logger: slogTo(logs)}
	if mod != nil {
		mod(&cfg)
	}
	return NewRelayer(cfg)
}

// drainUntil drains until nothing is queued any more (retries included), or fails after a while.
func drainUntil(t *testing.T, st *store.Store, rs ...*Relayer) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		for _, r := range rs {
			r.Drain(t.Context())
		}
		all, err := st.ListRelays(t.Context())
		require.NoError(t, err)
		open := false
		for _, r := range all {
			open = open || r.State == store.RelayQueued || r.State == store.RelaySending || r.State == store.RelayChecking
		}
		if !open {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatal("relays still queued")
}

func relayStates(t *testing.T, st *store.Store) []string {
	t.Helper()
	all, err := st.ListRelays(t.Context())
	require.NoError(t, err)
	var out []string
	for _, r := range all {
		out = append(out, r.State)
	}
	return out
}

func TestRelaySendsOnceAsFrom(t *testing.T) {
	_, st, n := relayFixture(t)
	push(t, st, n, "M1", secretText)
	logs := &syncBuffer{}
	s := &fakeSender{}
	drainUntil(t, st, newTestRelayer(st, s, "a", logs, nil))
	assert.Equal(t, []string{relayTarget + "|From " + relaySender + ": " + secretText}, s.sentTexts())
	assert.Equal(t, []string{store.RelaySent}, relayStates(t, st))
	assert.Contains(t, logs.String(), "relay: sent")
	assert.NotContains(t, logs.String(), "424242", "no message text in logs")
}

func TestRelayRetriesRateLimited(t *testing.T) {
	_, st, n := relayFixture(t)
	push(t, st, n, "M1", secretText)
	logs := &syncBuffer{}
	s := &fakeSender{fail: func(call int) error {
		if call <= 2 {
			return rateLimited(time.Millisecond)
		}
		return nil
	}}
	drainUntil(t, st, newTestRelayer(st, s, "a", logs, nil))
	assert.Equal(t, 3, s.calls)
	assert.Len(t, s.sentTexts(), 1)
	assert.Equal(t, []string{store.RelaySent}, relayStates(t, st))
	assert.Contains(t, logs.String(), "relay: will retry")
	assert.NotContains(t, logs.String(), "424242")
}

func TestRelayHonoursRetryAfter(t *testing.T) {
	_, st, n := relayFixture(t)
	push(t, st, n, "M1", secretText)
	s := &fakeSender{fail: func(int) error { return rateLimited(time.Hour) }}
	r := newTestRelayer(st, s, "a", &syncBuffer{}, func(c *RelayConfig) { c.GiveUp = 2 * time.Hour })
	r.Drain(t.Context())
	all, err := st.ListRelays(t.Context())
	require.NoError(t, err)
	require.Len(t, all, 1)
	assert.Equal(t, store.RelayQueued, all[0].State)
	assert.WithinDuration(t, time.Now().Add(time.Hour), all[0].NextAt, 2*time.Minute)
	assert.Zero(t, r.Drain(t.Context()), "not due before the carrier said")
}

func TestRelayGivesUp(t *testing.T) {
	_, st, n := relayFixture(t)
	push(t, st, n, "M1", secretText)
	logs := &syncBuffer{}
	// The carrier fails (503) and its records show nothing went out: tried again, then given up.
	s := &fakeSender{sure: true, fail: func(int) error {
		return &providers.Error{Provider: "fake", Op: "send", Kind: providers.ErrTemporary, Status: 503, Message: "unavailable"}
	}}
	drainUntil(t, st, newTestRelayer(st, s, "a", logs, func(c *RelayConfig) { c.GiveUp = time.Second }))
	assert.Equal(t, []string{store.RelayFailed}, relayStates(t, st))
	assert.Greater(t, s.calls, 1, "tried again before giving up")
	assert.Contains(t, logs.String(), "relay: given up")
	assert.NotContains(t, logs.String(), "424242")
	all, err := st.ListRelays(t.Context())
	require.NoError(t, err)
	assert.Empty(t, all[0].Text, "a relay given up forgets its text")
}

func TestRelayRefusedIsNotRetried(t *testing.T) {
	_, st, n := relayFixture(t)
	push(t, st, n, "M1", secretText)
	s := &fakeSender{fail: func(int) error {
		return &providers.Error{Provider: "fake", Op: "send", Status: 400, Message: "invalid destination"}
	}}
	drainUntil(t, st, newTestRelayer(st, s, "a", &syncBuffer{}, nil))
	assert.Equal(t, 1, s.calls)
	assert.Equal(t, []string{store.RelayFailed}, relayStates(t, st))
}

// A lost answer is settled from the carrier's records: found means sent, never sent again.
func TestRelayLostAnswerFoundIsNotResent(t *testing.T) {
	_, st, n := relayFixture(t)
	push(t, st, n, "M1", secretText)
	s := &fakeSender{fail: func(call int) error {
		if call == 1 {
			return errLost
		}
		return nil
	}}
	drainUntil(t, st, newTestRelayer(st, s, "a", &syncBuffer{}, nil))
	assert.Equal(t, 1, s.calls)
	assert.Len(t, s.sentTexts(), 1)
	assert.Equal(t, []string{store.RelaySent}, relayStates(t, st))
}

// A connection lost after the request left is not a reason to send again: the records say it
// went out.
func TestRelayNetworkFailureAfterSendIsNotResent(t *testing.T) {
	_, st, n := relayFixture(t)
	push(t, st, n, "M1", secretText)
	s := &fakeSender{sure: true, fail: func(call int) error {
		if call == 1 {
			return errReset
		}
		return nil
	}}
	drainUntil(t, st, newTestRelayer(st, s, "a", &syncBuffer{}, nil))
	assert.Equal(t, 1, s.calls)
	assert.Len(t, s.sentTexts(), 1)
	assert.Equal(t, []string{store.RelaySent}, relayStates(t, st))
}

// Records come late: a lost answer is looked for again until it shows, and never sent again.
func TestRelayLostAnswerFoundLater(t *testing.T) {
	_, st, n := relayFixture(t)
	push(t, st, n, "M1", secretText)
	logs := &syncBuffer{}
	s := &fakeSender{late: 3, fail: func(int) error { return errLost }}
	drainUntil(t, st, newTestRelayer(st, s, "a", logs, func(c *RelayConfig) { c.Recheck = time.Minute }))
	assert.Equal(t, 1, s.calls)
	assert.Equal(t, 3, s.checks)
	assert.Equal(t, []string{store.RelaySent}, relayStates(t, st))
	assert.Contains(t, logs.String(), "looking again, never resending")
}

// A lost answer the records cannot settle is 'unknown', and never sent again.
func TestRelayLostAnswerUnsettledIsUnknown(t *testing.T) {
	_, st, n := relayFixture(t)
	push(t, st, n, "M1", secretText)
	logs := &syncBuffer{}
	s := &fakeSender{fail: func(int) error {
		return &providers.Error{Provider: "fake", Op: "send", Kind: providers.ErrUnknownOutcome, Status: 502, Message: "bad gateway"}
	}}
	r := newTestRelayer(st, s, "a", logs, nil)
	drainUntil(t, st, r)
	r.Drain(t.Context())
	r.Recover(t.Context())
	assert.Equal(t, 1, s.calls)
	assert.Equal(t, []string{store.RelayUnknown}, relayStates(t, st))
	assert.Contains(t, logs.String(), `"state":"unknown"`)
}

// Two serve processes on one store, draining the same queue at once: each message goes out once.
func TestRelayTwoServesSendEachOnce(t *testing.T) {
	path, st, n := relayFixture(t)
	other := openRelayStore(t, path)
	const msgs = 40
	for i := range msgs {
		push(t, st, n, fmt.Sprintf("M%d", i), fmt.Sprintf("message %d", i))
	}
	s := &fakeSender{}
	a := newTestRelayer(st, s, "a", &syncBuffer{}, nil)
	b := newTestRelayer(other, s, "b", &syncBuffer{}, nil)
	var wg sync.WaitGroup
	for _, r := range []*Relayer{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r.Drain(t.Context()) > 0 {
			}
		}()
	}
	wg.Wait()
	sent := s.sentTexts()
	assert.Len(t, sent, msgs)
	seen := map[string]bool{}
	for _, x := range sent {
		assert.False(t, seen[x], "sent twice: %s", x)
		seen[x] = true
	}
}

// A serve killed while sending leaves the row 'sending'; the next one settles it from the
// carrier's records: not sent → sent now, once; sent → not again; records silent → unknown.
func TestRelayRecoversFromKilledServe(t *testing.T) {
	for _, tc := range []struct {
		name      string
		wentOut   bool // the killed serve's call reached the carrier
		sure      bool // the carrier's records are complete
		wantSends int
		wantState string
	}{
		{"not sent, records sure", false, true, 1, store.RelaySent},
		{"sent before the kill", true, true, 0, store.RelaySent},
		{"records cannot tell", false, false, 0, store.RelayUnknown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, st, n := relayFixture(t)
			push(t, st, n, "M1", secretText)
			s := &fakeSender{sure: tc.sure}
			claimed, err := st.ClaimRelays(t.Context(), "host/4242/dead", 10)
			require.NoError(t, err)
			require.Len(t, claimed, 1)
			if tc.wentOut {
				s.sent = append(s.sent, relayTarget+"|From "+relaySender+": "+secretText)
			}
			alive := newTestRelayer(st, s, "host/1/new", &syncBuffer{}, func(c *RelayConfig) {
				c.Gone = func(owner string) bool { return owner == "host/4242/dead" }
			})
			// Not due by its claim, and not resent by a drain while its owner may be alive.
			assert.Zero(t, alive.Drain(t.Context()))
			alive.Recover(t.Context())
			drainUntil(t, st, alive)
			assert.Equal(t, tc.wantSends+boolInt(tc.wentOut), len(s.sentTexts()))
			assert.Equal(t, tc.wantSends, s.calls)
			assert.Equal(t, []string{tc.wantState}, relayStates(t, st))
		})
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// A claim whose owner still runs is left alone until its lease expires.
func TestRelayLeavesLiveClaims(t *testing.T) {
	_, st, n := relayFixture(t)
	push(t, st, n, "M1", secretText)
	_, err := st.ClaimRelays(t.Context(), "other/7/live", 10)
	require.NoError(t, err)
	s := &fakeSender{sure: true}
	r := newTestRelayer(st, s, "me", &syncBuffer{}, nil)
	r.Recover(t.Context())
	assert.Equal(t, []string{store.RelaySending}, relayStates(t, st))
	assert.Zero(t, s.calls)
}

func TestRelayParts(t *testing.T) {
	short := RelayParts("+33612345678", "code 123456")
	assert.Equal(t, []string{"From +33612345678: code 123456"}, short)

	long := strings.Repeat("word ", 400) // 2000 GSM characters: two SMS of up to 10 parts
	parts := RelayParts("+33612345678", long)
	require.Len(t, parts, 2)
	assert.True(t, strings.HasPrefix(parts[0], "From +33612345678 (1/2): "))
	assert.True(t, strings.HasPrefix(parts[1], "From +33612345678 (2/2): "))
	var joined strings.Builder
	for _, p := range parts {
		used, room := smsSize(p)
		assert.LessOrEqual(t, used, room)
		_, body, _ := strings.Cut(p, "): ")
		joined.WriteString(body + " ")
	}
	assert.Equal(t, strings.Fields(long), strings.Fields(joined.String()), "nothing lost but spaces at the cuts")

	unicode := strings.Repeat("é😀", 300) // not GSM: UTF-16 units count
	parts = RelayParts("+33612345678", unicode)
	for _, p := range parts {
		used, room := smsSize(p)
		assert.Equal(t, ucs2PerMessage, room)
		assert.LessOrEqual(t, used, room)
		assert.True(t, utf8.ValidString(p))
	}

	huge := strings.Repeat("x", 10000)
	parts = RelayParts("+33612345678", huge)
	require.Len(t, parts, maxRelaySends)
	assert.True(t, strings.HasSuffix(parts[len(parts)-1], "…"), "cut, and said so")
	for _, p := range parts {
		used, room := smsSize(p)
		assert.LessOrEqual(t, used, room)
	}
}

// serve stopping mid-batch puts back what it claimed and did not start: nothing is left 'sending'.
func TestRelayStopPutsBackClaimed(t *testing.T) {
	_, st, n := relayFixture(t)
	for i := range 3 {
		push(t, st, n, fmt.Sprintf("M%d", i), "hello")
	}
	ctx, cancel := context.WithCancel(t.Context())
	s := &fakeSender{fail: func(int) error { cancel(); return nil }} // serve told to stop during the first send
	r := newTestRelayer(st, s, "a", &syncBuffer{}, nil)
	assert.Equal(t, 1, r.Drain(ctx))
	assert.Equal(t, 1, s.calls)
	assert.ElementsMatch(t, []string{store.RelaySent, store.RelayQueued, store.RelayQueued}, relayStates(t, st))
}
