package store_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/internal/store"
)

// A message pushed to a number with a relay target is queued with it, once; others are not.
func TestAddPushedQueuesRelay(t *testing.T) {
	s := openStore(t)
	relayed := insert(t, s, number("+33612345678", "shop"))
	plain := insert(t, s, number("+33612345679", "bank"))
	require.NoError(t, s.SetSMSRelay(t.Context(), relayed.ID, "+33700000001"))
	at := base.Add(time.Hour)
	_, err := s.AddPushed(t.Context(), []store.Pushed{
		pushed("M1", relayed.E164, "code 111111", at),
		pushed("M1", relayed.E164, "code 111111", at), // the carrier's retry
		pushed("M2", plain.E164, "code 222222", at),
	})
	require.NoError(t, err)
	rs, err := s.ListRelays(t.Context())
	require.NoError(t, err)
	require.Len(t, rs, 1)
	r := rs[0]
	require.Equal(t, relayed.ID, r.NumberID)
	require.Equal(t, "M1", r.CarrierMsgID)
	require.Equal(t, "+33700000001", r.Target)
	require.Equal(t, "+447700900001", r.Sender)
	require.Equal(t, "code 111111", r.Text)
	require.Equal(t, store.RelayQueued, r.State)

	// Turning the relay off stops queueing; ending the number drops its queue.
	require.NoError(t, s.SetSMSRelay(t.Context(), relayed.ID, ""))
	_, err = s.AddPushed(t.Context(), []store.Pushed{pushed("M3", relayed.E164, "after", at)})
	require.NoError(t, err)
	rs, err = s.ListRelays(t.Context())
	require.NoError(t, err)
	require.Len(t, rs, 1)
	require.NoError(t, s.SetSMSRelay(t.Context(), relayed.ID, "+33700000001"))
	_, err = s.EndNumber(t.Context(), relayed.ID, store.EndBurned, time.Time{}, "")
	require.NoError(t, err)
	rs, err = s.ListRelays(t.Context())
	require.NoError(t, err)
	require.Empty(t, rs)
	target, err := s.SMSRelay(t.Context(), relayed.ID)
	require.NoError(t, err)
	require.Empty(t, target)
}

// Two serve processes (two *Store on one file) claiming at once never both get a row.
func TestClaimRelaysOnce(t *testing.T) {
	path := dbPath(t)
	first := openAt(t, path)
	second := openAt(t, path)
	n := insert(t, first, number("+33612345678", "shop"))
	require.NoError(t, first.SetSMSRelay(t.Context(), n.ID, "+33700000001"))
	const msgs = 60
	for j := range msgs {
		_, err := first.AddPushed(t.Context(), []store.Pushed{pushed(fmt.Sprintf("M%d", j), n.E164, "hi", base)})
		require.NoError(t, err)
	}
	var mu sync.Mutex
	claimed := map[string]string{}
	var wg sync.WaitGroup
	for i, s := range []*store.Store{first, second, first, second} {
		owner := fmt.Sprintf("worker%d", i)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				rs, err := s.ClaimRelays(t.Context(), owner, 3)
				if err != nil {
					t.Error(err)
					return
				}
				if len(rs) == 0 {
					return
				}
				mu.Lock()
				for _, r := range rs {
					if prev, dup := claimed[r.CarrierMsgID]; dup {
						t.Errorf("%s claimed by %s and %s", r.CarrierMsgID, prev, owner)
					}
					claimed[r.CarrierMsgID] = owner
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	require.Len(t, claimed, msgs)
}

// The lifecycle of one claimed relay: parts, retries, and a crash while sending.
func TestRelayLifecycle(t *testing.T) {
	s := openStore(t)
	n := insert(t, s, number("+33612345678", "shop"))
	require.NoError(t, s.SetSMSRelay(t.Context(), n.ID, "+33700000001"))
	_, err := s.AddPushed(t.Context(), []store.Pushed{pushed("M1", n.E164, "a long text", base)})
	require.NoError(t, err)

	rs, err := s.ClaimRelays(t.Context(), "w1", 10)
	require.NoError(t, err)
	require.Len(t, rs, 1)
	r := rs[0]
	// Claimed: nobody else gets it.
	again, err := s.ClaimRelays(t.Context(), "w2", 10)
	require.NoError(t, err)
	require.Empty(t, again)

	// A retry puts it back for later: not due yet.
	require.NoError(t, s.RelayRetry(t.Context(), r, time.Now().Add(time.Hour), "telnyx: 429"))
	due, err := s.ClaimRelays(t.Context(), "w1", 10)
	require.NoError(t, err)
	require.Empty(t, due)
	// A stale claim cannot change the row any more.
	require.ErrorIs(t, s.RelaySettle(t.Context(), r, store.RelaySent, ""), store.ErrNotClaimed)

	// An hour later it is due: part 1 of 2 sent, then part 2 claimed.
	store.SetClock(s, func() time.Time { return time.Now().Add(2 * time.Hour) })
	rs, err = s.ClaimRelays(t.Context(), "w1", 10)
	require.NoError(t, err)
	require.Len(t, rs, 1)
	require.Equal(t, 1, rs[0].Attempts)
	require.Equal(t, "telnyx: 429", rs[0].Error)
	require.NoError(t, s.RelayPartSent(t.Context(), rs[0], "S1", 2))
	rs, err = s.ClaimRelays(t.Context(), "w1", 10)
	require.NoError(t, err)
	require.Len(t, rs, 1)
	require.Equal(t, 1, rs[0].PartsDone)
	require.Zero(t, rs[0].Attempts)

	// The worker dies here, its claim made: the row stays 'sending', never claimed again.
	rs2, err := s.ClaimRelays(t.Context(), "w2", 10)
	require.NoError(t, err)
	require.Empty(t, rs2)
	sending, err := s.RelaysSending(t.Context())
	require.NoError(t, err)
	require.Len(t, sending, 1)
	require.Equal(t, "w1", sending[0].ClaimedBy)
	// Another worker takes the settling over; the dead one's claim no longer counts.
	taken, err := s.TakeOverRelay(t.Context(), sending[0], "w2")
	require.NoError(t, err)
	_, err = s.TakeOverRelay(t.Context(), sending[0], "w3")
	require.ErrorIs(t, err, store.ErrNotClaimed)
	require.ErrorIs(t, s.RelayPartSent(t.Context(), rs[0], "S2", 2), store.ErrNotClaimed)
	require.NoError(t, s.RelaySettle(t.Context(), taken, store.RelayUnknown, "outcome unknown"))
	all, err := s.ListRelays(t.Context())
	require.NoError(t, err)
	require.Equal(t, store.RelayUnknown, all[0].State)
	require.Empty(t, all[0].Text, "a settled relay forgets its text")
	require.Equal(t, []string{"S1"}, all[0].SentIDs)
}

// A rotated number's relays not yet under way go to the number that replaced it.
func TestRotatedNumberHandsOverItsRelays(t *testing.T) {
	s := openStore(t)
	old := insert(t, s, number("+33612345678", "shop"))
	repl := insert(t, s, number("+33612345670", ""))
	require.NoError(t, s.SetSMSRelay(t.Context(), old.ID, "+33700000001"))
	_, err := s.AddPushed(t.Context(), []store.Pushed{pushed("M1", old.E164, "one", base), pushed("M2", old.E164, "two", base)})
	require.NoError(t, err)
	claimed, err := s.ClaimRelays(t.Context(), "w1", 1) // M1 under way from the old number
	require.NoError(t, err)
	require.Len(t, claimed, 1)
	_, err = s.EndNumber(t.Context(), old.ID, store.EndRotated, time.Time{}, repl.E164)
	require.NoError(t, err)
	rs, err := s.ListRelays(t.Context())
	require.NoError(t, err)
	require.Len(t, rs, 1, "the one under way went with the old number")
	require.Equal(t, repl.ID, rs[0].NumberID)
	require.NotEqual(t, claimed[0].CarrierMsgID, rs[0].CarrierMsgID)
	require.Equal(t, store.RelayQueued, rs[0].State)
}

// A send of unknown outcome left to be looked for again comes back marked Checking, never as a
// message to send.
func TestRelayRecheck(t *testing.T) {
	s := openStore(t)
	n := insert(t, s, number("+33612345678", "shop"))
	require.NoError(t, s.SetSMSRelay(t.Context(), n.ID, "+33700000001"))
	_, err := s.AddPushed(t.Context(), []store.Pushed{pushed("M1", n.E164, "text", base)})
	require.NoError(t, err)
	rs, err := s.ClaimRelays(t.Context(), "w1", 10)
	require.NoError(t, err)
	require.Len(t, rs, 1)
	require.False(t, rs[0].Checking)
	require.NoError(t, s.RelayRecheck(t.Context(), rs[0], time.Now().Add(-time.Second), "bad gateway"))
	all, err := s.ListRelays(t.Context())
	require.NoError(t, err)
	require.Equal(t, store.RelayChecking, all[0].State)
	again, err := s.ClaimRelays(t.Context(), "w2", 10)
	require.NoError(t, err)
	require.Len(t, again, 1)
	require.True(t, again[0].Checking)
	require.Equal(t, "bad gateway", again[0].Error)
	require.Equal(t, store.RelaySending, again[0].State)
}
