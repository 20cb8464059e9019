package numbers

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/providers"
	"github.com/vnum-cli/vnum/providers/providertest"
)

func leaseReq(pool string) LeaseRequest {
	return LeaseRequest{Pool: pool, Provider: providertest.FakeName, Query: providers.Query{Country: fr, Type: providers.TypeMobile},
		TTL: 15 * time.Minute, Holder: store.Holder{Host: "runner-1", Job: "gh-42", PID: 77}}
}

func newLeaseEnv(t *testing.T) *env {
	t.Helper()
	e := newEnv(t)
	e.fake.Stock = nil // the fake's generated stock: as many numbers as the tests lease
	return e
}

func TestLeaseBuysOnlyWhenNoneFree(t *testing.T) {
	e := newLeaseEnv(t)
	a, err := e.m.Lease(t.Context(), leaseReq("ci"))
	require.NoError(t, err)
	assert.True(t, a.Bought, "an empty pool buys")
	assert.Equal(t, store.Holder{Host: "runner-1", Job: "gh-42", PID: 77}, a.Lease.Holder)
	assert.Equal(t, e.now.Add(15*time.Minute), a.Lease.ExpiresAt)

	b, err := e.m.Lease(t.Context(), leaseReq("ci"))
	require.NoError(t, err)
	assert.True(t, b.Bought, "the only number is leased: a second one is bought")
	assert.NotEqual(t, a.Number.E164, b.Number.E164)

	require.NoError(t, e.m.ReturnLease(t.Context(), a.Lease.ID))
	c, err := e.m.Lease(t.Context(), leaseReq("ci"))
	require.NoError(t, err)
	assert.False(t, c.Bought, "a returned number is leased again, nothing bought")
	assert.Equal(t, a.Number.E164, c.Number.E164)
	assert.Len(t, e.owned(t), 2)
	assert.Empty(t, e.ops(t))

	// Another pool does not take this pool's free numbers.
	require.NoError(t, e.m.ReturnLease(t.Context(), c.Lease.ID))
	d, err := e.m.Lease(t.Context(), leaseReq("other"))
	require.NoError(t, err)
	assert.True(t, d.Bought)

	err = e.m.ReturnLease(t.Context(), c.Lease.ID)
	require.ErrorIs(t, err, ErrLeaseGone, "a lease is returned once")
}

func TestLeaseFitsCountryAndType(t *testing.T) {
	e := newLeaseEnv(t)
	a, err := e.m.Lease(t.Context(), leaseReq("ci"))
	require.NoError(t, err)
	require.NoError(t, e.m.ReturnLease(t.Context(), a.Lease.ID))
	req := leaseReq("ci")
	req.Query.Type = providers.TypeLocal
	b, err := e.m.Lease(t.Context(), req)
	require.NoError(t, err)
	assert.True(t, b.Bought, "the free number is a mobile, a local one was asked for")
	assert.Equal(t, providers.TypeLocal, b.Number.Type)
}

func TestLeaseMaxAndMaxPrice(t *testing.T) {
	e := newLeaseEnv(t)
	req := leaseReq("ci")
	req.Max = 1
	_, err := e.m.Lease(t.Context(), req)
	require.NoError(t, err)
	_, err = e.m.Lease(t.Context(), req)
	require.ErrorIs(t, err, ErrPoolFull)
	assert.Contains(t, err.Error(), "--max 1")
	assert.Len(t, e.owned(t), 1, "a full pool buys nothing")

	// A wait ends as soon as a number is returned.
	req.Wait = 5 * time.Second
	held, err := e.m.Pool(t.Context(), "ci")
	require.NoError(t, err)
	go func() {
		time.Sleep(50 * time.Millisecond)
		_ = e.m.ReturnLease(t.Context(), held[0].Lease.ID)
	}()
	got, err := e.m.Lease(t.Context(), req)
	require.NoError(t, err)
	assert.Equal(t, held[0].Number.E164, got.Number.E164)

	cheap, err := providers.ParsePrice("0.01", "")
	require.NoError(t, err)
	req = leaseReq("ci")
	req.MaxPrice = &cheap
	_, err = e.m.Lease(t.Context(), req)
	require.ErrorIs(t, err, ErrOverPrice)
	assert.Len(t, e.owned(t), 1)
}

func TestLeaseExpiresByItself(t *testing.T) {
	e := newLeaseEnv(t)
	a, err := e.m.Lease(t.Context(), leaseReq("ci"))
	require.NoError(t, err)
	e.now = e.now.Add(15*time.Minute + time.Second) // the job was killed and never returned it
	b, err := e.m.Lease(t.Context(), leaseReq("ci"))
	require.NoError(t, err)
	assert.False(t, b.Bought)
	assert.Equal(t, a.Number.E164, b.Number.E164)
	require.ErrorIs(t, e.m.ReturnLease(t.Context(), a.Lease.ID), ErrLeaseGone)
	_, err = e.m.RenewLease(t.Context(), a.Lease.ID, time.Hour)
	require.ErrorIs(t, err, ErrLeaseGone, "an expired lease cannot be renewed: the number may be another job's")

	renewed, err := e.m.RenewLease(t.Context(), b.Lease.ID, time.Hour)
	require.NoError(t, err)
	assert.Equal(t, e.now.Add(time.Hour), renewed.ExpiresAt)
}

// Several processes leasing at once from a pool with one free number: each gets its own number,
// and exactly one number is bought per lease that found none free.
func TestLeaseConcurrent(t *testing.T) {
	e := newLeaseEnv(t)
	first, err := e.m.Lease(t.Context(), leaseReq("ci"))
	require.NoError(t, err)
	require.NoError(t, e.m.ReturnLease(t.Context(), first.Lease.ID))

	const n = 8
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		got  = map[string]int{}
		errs []error
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := store.Open(e.path) // a process of its own
			if err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
				return
			}
			defer st.Close()
			m := e.manager(st, 2000+i)
			m.Alive = func(int) bool { return true }
			res, err := m.Lease(t.Context(), leaseReq("ci"))
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			got[res.Number.E164]++
		}()
	}
	wg.Wait()
	require.Empty(t, errs)
	assert.Len(t, got, n, "no number leased twice")
	assert.Len(t, e.owned(t), n, "one number was free: %d bought for %d more leases", n-1, n-1)
	assert.Equal(t, n-1, e.fake.CallCount(providertest.OpBuy)-1)
}

// A buyer killed while holding the pool's claim does not stop the next lease.
func TestLeaseTakesOverADeadBuyersClaim(t *testing.T) {
	e := newLeaseEnv(t)
	_, ok, err := e.st.ClaimPool(t.Context(), store.PoolClaim{Pool: "ci", Token: "claim-dead", PID: 4242,
		ExpiresAt: e.now.Add(time.Hour)}, func(store.PoolClaim) bool { return false })
	require.NoError(t, err)
	require.True(t, ok)
	res, err := e.m.Lease(t.Context(), leaseReq("ci"))
	require.NoError(t, err)
	assert.True(t, res.Bought)
}

func TestRotateKeepsPoolAndLease(t *testing.T) {
	e := newLeaseEnv(t)
	a, err := e.m.Lease(t.Context(), leaseReq("ci"))
	require.NoError(t, err)
	rot, err := e.m.Rotate(t.Context(), a.Number, nil)
	require.NoError(t, err)
	l, n, err := e.m.LeaseByRef(t.Context(), a.Lease.ID, fr)
	require.NoError(t, err)
	assert.Equal(t, rot.New.E164, n.E164, "the lease follows the number's replacement")
	assert.Equal(t, a.Lease.StartedAt, l.StartedAt)
	pool, err := e.m.Pool(t.Context(), "ci")
	require.NoError(t, err)
	require.Len(t, pool, 1)
	assert.Equal(t, rot.New.E164, pool[0].Number.E164)
}

func TestLeasedNumberShowsOnlyItsHoldersMessages(t *testing.T) {
	e := newLeaseEnv(t)
	a, err := e.m.Lease(t.Context(), leaseReq("ci"))
	require.NoError(t, err)
	e.now = e.now.Add(time.Second)
	_, err = e.fake.Deliver(a.Number.CarrierID, "App", "code 111111 for job A")
	require.NoError(t, err)
	e.now = e.now.Add(time.Second)
	require.NoError(t, e.m.ReturnLease(t.Context(), a.Lease.ID))

	e.now = e.now.Add(time.Second)
	b, err := e.m.Lease(t.Context(), leaseReq("ci"))
	require.NoError(t, err)
	require.Equal(t, a.Number.E164, b.Number.E164)
	msgs, err := e.m.Messages(t.Context(), b.Number, time.Time{})
	require.NoError(t, err)
	assert.Empty(t, msgs, "job B does not see job A's code")
	wait := WaitOptions{Timeout: 50 * time.Millisecond}
	_, err = e.m.Wait(t.Context(), b.Number, wait)
	require.ErrorIs(t, err, ErrWaitTimeout, "nor does its wait return it")

	e.now = e.now.Add(time.Second)
	_, err = e.fake.Deliver(b.Number.CarrierID, "App", "code 222222 for job B")
	require.NoError(t, err)
	res, err := e.m.Wait(t.Context(), b.Number, WaitOptions{Timeout: time.Second, Code: true})
	require.NoError(t, err)
	assert.Equal(t, "222222", res.Code)

	// Job A, still holding its lease id, is told its lease is over instead of reading B's.
	ma := e.manager(e.st, 1000)
	ma.LeaseID = a.Lease.ID
	_, err = ma.Messages(t.Context(), b.Number, time.Time{})
	require.ErrorIs(t, err, ErrLeaseGone)

	// Once returned, the number's whole record is readable again.
	require.NoError(t, e.m.ReturnLease(t.Context(), b.Lease.ID))
	msgs, err = e.m.Messages(t.Context(), b.Number, time.Time{})
	require.NoError(t, err)
	assert.Len(t, msgs, 2)
}
