package store_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/internal/store"
)

func TestLeaseIsOnePerNumber(t *testing.T) {
	s := openStore(t)
	ctx := t.Context()
	n := number("+33612345671", "")
	require.NoError(t, s.InsertNumber(ctx, &n))
	require.NoError(t, s.AddToPool(ctx, n.ID, "ci"))
	now := time.Date(2026, 12, 3, 14, 0, 0, 0, time.UTC)

	a := store.Lease{ID: "lease-a", Holder: store.Holder{Host: "m1", Job: "j1", PID: 1}, StartedAt: now, ExpiresAt: now.Add(time.Minute)}
	got, ok, err := s.ClaimFree(ctx, store.LeaseQuery{Pool: "ci"}, &a)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, n.E164, got.E164)

	b := store.Lease{ID: "lease-b", StartedAt: now, ExpiresAt: now.Add(time.Minute)}
	_, ok, err = s.ClaimFree(ctx, store.LeaseQuery{Pool: "ci"}, &b)
	require.NoError(t, err)
	assert.False(t, ok, "the pool's only number is leased")
	b.NumberID, b.Pool = n.ID, "ci"
	ok, err = s.InsertLease(ctx, &b)
	require.NoError(t, err)
	assert.False(t, ok, "a second lease on one number is refused by the store itself")

	// A number with an operation under way is not handed out.
	require.NoError(t, s.EndLease(ctx, "lease-a"))
	op := store.Op{Kind: "release", NumberID: n.ID}
	require.NoError(t, s.BeginNumberOp(ctx, &op))
	_, ok, err = s.ClaimFree(ctx, store.LeaseQuery{Pool: "ci"}, &b)
	require.NoError(t, err)
	assert.False(t, ok)
	require.NoError(t, s.FinishOp(ctx, op.ID))

	// Country and type narrow the choice.
	_, ok, err = s.ClaimFree(ctx, store.LeaseQuery{Pool: "ci", Country: "GB"}, &b)
	require.NoError(t, err)
	assert.False(t, ok)
	_, ok, err = s.ClaimFree(ctx, store.LeaseQuery{Pool: "ci", Country: "FR"}, &b)
	require.NoError(t, err)
	assert.True(t, ok)

	expired, err := s.ReclaimLeases(ctx, now.Add(time.Minute))
	require.NoError(t, err)
	require.Len(t, expired, 1)
	assert.Equal(t, "lease-b", expired[0].ID)
	_, err = s.GetLease(ctx, "lease-b")
	require.ErrorIs(t, err, store.ErrNotFound)
	require.ErrorIs(t, s.RenewLease(ctx, "lease-b", now, now.Add(time.Hour)), store.ErrNotFound)

	// A number that leaves vnum leaves its pool.
	_, err = s.EndNumber(ctx, n.ID, store.EndReleased, now, "")
	require.NoError(t, err)
	_, err = s.ReclaimLeases(ctx, now)
	require.NoError(t, err)
	entries, err := s.PoolEntries(ctx, "")
	require.NoError(t, err)
	assert.Empty(t, entries)
}

func TestPoolClaimIsOneHolderAtATime(t *testing.T) {
	s := openStore(t)
	ctx := t.Context()
	never := func(store.PoolClaim) bool { return false }
	always := func(store.PoolClaim) bool { return true }
	a := store.PoolClaim{Pool: "ci", Token: "claim-a", PID: 1, ExpiresAt: time.Now().Add(time.Hour)}
	b := store.PoolClaim{Pool: "ci", Token: "claim-b", PID: 2, ExpiresAt: time.Now().Add(time.Hour)}
	_, ok, err := s.ClaimPool(ctx, a, never)
	require.NoError(t, err)
	require.True(t, ok)
	held, ok, err := s.ClaimPool(ctx, b, never)
	require.NoError(t, err)
	assert.False(t, ok)
	assert.Equal(t, "claim-a", held.Token)
	_, ok, err = s.ClaimPool(ctx, b, always)
	require.NoError(t, err)
	assert.True(t, ok, "a stale holder's claim is taken over")
	require.NoError(t, s.ReleasePool(ctx, "ci", "claim-a"))
	held, ok, err = s.ClaimPool(ctx, a, never)
	require.NoError(t, err)
	assert.False(t, ok, "the stale holder's late release does not free the new holder's claim")
	assert.Equal(t, "claim-b", held.Token)
	require.NoError(t, s.ReleasePool(ctx, "ci", "claim-b"))
	_, ok, err = s.ClaimPool(ctx, a, never)
	require.NoError(t, err)
	assert.True(t, ok)
}
