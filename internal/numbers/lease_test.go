package numbers

import (
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/internal/pgtest"
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
	req.Wait = 30 * time.Second
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
	job := e.manager(e.st, 1000)
	job.LeaseID = a.Lease.ID
	rot, err := job.Rotate(t.Context(), a.Number, nil)
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
	res, err := e.m.Wait(t.Context(), b.Number, WaitOptions{Timeout: 20 * time.Second, Code: true})
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

// BenchmarkLeaseReturn measures lease + return round trips with 16 clients at once, each on a store
// handle of its own (as 16 processes or machines), from a pool of 16 numbers bought beforehand, so
// that no round trip buys: on SQLite in the first pass, on the test PostgreSQL server in the second
// (go test -run XXX -bench LeaseReturn ./internal/numbers). It reports round trips per second and
// the 99th percentile of one round trip.
func BenchmarkLeaseReturn(b *testing.B) {
	path := filepath.Join(b.TempDir(), "vnum.db")
	if onPostgres {
		path = pgtest.URL(b)
	}
	st, err := store.Open(path)
	require.NoError(b, err)
	defer st.Close()
	fake := providertest.NewFake()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	fake.Now = func() time.Time { return now }
	e := &env{fake: fake, st: st, path: path, now: now}
	const clients = 16
	var held []string
	for range clients {
		res, err := e.manager(st, 1000).Lease(b.Context(), leaseReq("bench"))
		require.NoError(b, err)
		held = append(held, res.Lease.ID)
	}
	for _, id := range held {
		require.NoError(b, e.manager(st, 1000).ReturnLease(b.Context(), id))
	}

	var (
		mu    sync.Mutex
		times []time.Duration
		pid   atomic.Int64
	)
	b.SetParallelism(max(1, clients/runtime.GOMAXPROCS(0)))
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		own, err := store.Open(path)
		if err != nil {
			b.Error(err)
			return
		}
		defer own.Close()
		m := e.manager(own, 2000+int(pid.Add(1)))
		m.Alive = func(int) bool { return true }
		var mine []time.Duration
		for pb.Next() {
			t0 := time.Now()
			res, err := m.Lease(b.Context(), leaseReq("bench"))
			if err == nil {
				err = m.ReturnLease(b.Context(), res.Lease.ID)
			}
			if err != nil {
				b.Error(err)
				return
			}
			mine = append(mine, time.Since(t0))
		}
		mu.Lock()
		times = append(times, mine...)
		mu.Unlock()
	})
	elapsed := time.Since(start)
	b.StopTimer()
	if len(times) == 0 {
		return
	}
	slices.Sort(times)
	b.ReportMetric(float64(len(times))/elapsed.Seconds(), "round-trips/s")
	b.ReportMetric(float64(times[len(times)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(0, "ns/op")
	assert.Equal(b, clients, fake.CallCount(providertest.OpBuy), "no round trip bought a number")
}

// A job whose lease ended (it ran longer than --ttl) cannot rotate or release the number from
// under the job that leased it next.
func TestLeaseEndedJobCannotRotateOrRelease(t *testing.T) {
	e := newLeaseEnv(t)
	a, err := e.m.Lease(t.Context(), leaseReq("ci"))
	require.NoError(t, err)
	e.now = e.now.Add(16 * time.Minute)
	b, err := e.m.Lease(t.Context(), leaseReq("ci"))
	require.NoError(t, err)
	require.Equal(t, a.Number.E164, b.Number.E164)

	ma := e.manager(e.st, 1000)
	ma.LeaseID = a.Lease.ID
	_, err = ma.Rotate(t.Context(), a.Number, nil)
	require.ErrorIs(t, err, ErrLeaseGone)
	_, err = ma.Release(t.Context(), a.Number, store.EndReleased)
	require.ErrorIs(t, err, ErrLeaseGone)
	l, _, err := e.m.LeaseByRef(t.Context(), b.Lease.ID, fr)
	require.NoError(t, err)
	assert.Equal(t, b.Number.ID, l.NumberID, "B still holds its number")
	assert.Len(t, e.owned(t), 1)

	mb := e.manager(e.st, 1000)
	mb.LeaseID = b.Lease.ID
	_, err = mb.Rotate(t.Context(), b.Number, nil)
	require.NoError(t, err, "the holder may rotate its number")
}

// Without VNUM_LEASE, a leased number is released, burned or rotated only from its holder's
// machine and CI job: another job, or someone tidying the pool, would pull it from under the
// job using it. Returned, it may go.
func TestLeasedNumberIsNotPulledFromUnderItsJob(t *testing.T) {
	e := newLeaseEnv(t)
	a, err := e.m.Lease(t.Context(), leaseReq("ci")) // runner-1, job gh-42
	require.NoError(t, err)

	for _, other := range []struct{ name, host, job string }{
		{"another machine", "laptop", ""},
		{"another job on the same machine", "runner-1", "gh-43"},
		{"no job on the same machine", "runner-1", ""},
	} {
		t.Run(other.name, func(t *testing.T) {
			m := e.manager(e.st, 1000)
			m.Host, m.Job = other.host, other.job
			_, err := m.Release(t.Context(), a.Number, store.EndReleased)
			require.ErrorIs(t, err, ErrLeasedToAnother)
			assert.Contains(t, err.Error(), "leased to job gh-42 on runner-1, pid 77 until")
			assert.Contains(t, err.Error(), "vnum lease return "+a.Lease.ID)
			_, err = m.Release(t.Context(), a.Number, store.EndBurned)
			require.ErrorIs(t, err, ErrLeasedToAnother)
			_, err = m.Rotate(t.Context(), a.Number, nil)
			require.ErrorIs(t, err, ErrLeasedToAnother)
			assert.Len(t, e.owned(t), 1, "nothing bought, nothing released")
			l, ok, err := e.st.LeaseOf(t.Context(), a.Number.ID)
			require.NoError(t, err)
			require.True(t, ok)
			assert.Equal(t, a.Lease.ID, l.ID, "the job keeps its lease")
		})
	}

	holder := e.manager(e.st, 1000)
	holder.Host, holder.Job = "runner-1", "gh-42" // the job that ran `vnum lease -q`, no VNUM_LEASE
	_, err = holder.Rotate(t.Context(), a.Number, nil)
	require.NoError(t, err, "the holder's own job may rotate its number")

	b, err := e.m.Lease(t.Context(), leaseReq("ci"))
	require.NoError(t, err)
	require.NoError(t, e.m.ReturnLease(t.Context(), b.Lease.ID))
	tidy := e.manager(e.st, 1000)
	tidy.Host = "laptop"
	_, err = tidy.Release(t.Context(), b.Number, store.EndReleased)
	require.NoError(t, err, "a returned number may be released by anyone")
}
