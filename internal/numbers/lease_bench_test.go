package numbers

import (
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vnum-cli/vnum/internal/pgtest"
	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/providers"
	"github.com/vnum-cli/vnum/providers/providertest"
)

// BenchmarkLeaseReturn16 is a CI fleet's cost on a shared PostgreSQL store: 16 clients, each a
// process of its own (its own store handle and pid), lease a number of one pool and return it, as
// fast as they can. The pool holds 16 numbers before timing starts, so no round trip buys. It
// reports round trips per second over all clients and the 99th percentile of one lease + return.
func BenchmarkLeaseReturn16(b *testing.B) {
	if !onPostgres {
		b.Skip("a fleet's figure: PostgreSQL only")
	}
	const clients = 16
	path := pgtest.URL(b)
	fake := providertest.NewFake()
	req := LeaseRequest{Pool: "ci", Provider: providertest.FakeName, Query: providers.Query{Country: fr, Type: providers.TypeMobile},
		TTL: 15 * time.Minute}
	ms := make([]*Manager, clients)
	for c := range ms {
		st, err := store.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = st.Close() })
		ms[c] = New(Config{Store: st, PID: 5000 + c, Host: "bench",
			Provider: func(string) (providers.Provider, error) { return fake, nil },
			Alive:    func(int) bool { return true }})
	}
	// Fill the pool: 16 leases held at once buy 16 numbers; all returned.
	var held []string
	for _, m := range ms {
		r, err := m.Lease(b.Context(), req)
		if err != nil {
			b.Fatal(err)
		}
		held = append(held, r.Lease.ID)
	}
	for _, id := range held {
		if err := ms[0].ReturnLease(b.Context(), id); err != nil {
			b.Fatal(err)
		}
	}
	buys := fake.CallCount(providertest.OpBuy)

	var (
		next    atomic.Int64
		mu      sync.Mutex
		lat     = make([]time.Duration, 0, b.N)
		failure atomic.Value
	)
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for _, m := range ms {
		wg.Go(func() {
			mine := make([]time.Duration, 0, b.N/clients+1)
			for next.Add(1) <= int64(b.N) {
				t0 := time.Now()
				r, err := m.Lease(b.Context(), req)
				if err == nil {
					err = m.ReturnLease(b.Context(), r.Lease.ID)
				}
				if err != nil {
					failure.Store(err)
					return
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if err, _ := failure.Load().(error); err != nil {
		b.Fatal(err)
	}
	if n := fake.CallCount(providertest.OpBuy); n != buys {
		b.Fatalf("%d numbers bought while the pool always had a free one", n-buys)
	}
	slices.Sort(lat)
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "roundtrips/s")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}
