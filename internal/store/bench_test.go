package store_test

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vnum-cli/vnum/internal/store"
)

// BenchmarkNumberOpRoundTrip16 is the journal's cost for a fleet: 16 clients, each with its own
// store handle as 16 processes (or machines) would have, each claiming a number for an operation
// (BeginNumberOp) and finishing it (FinishOp), as fast as they can. It reports round trips per
// second over all clients and the 99th percentile of one round trip, on the test PostgreSQL
// server (TestMain's second pass). On SQLite, 16 writers in a tight loop on a loaded machine can
// starve one past the 10 s busy timeout, which is not what this measures.
func BenchmarkNumberOpRoundTrip16(b *testing.B) {
	if !onPostgres {
		b.Skip("a fleet's figure: PostgreSQL only")
	}
	const clients = 16
	path := dbPath(b)
	setup := openAt(b, path)
	ids := make([]int64, clients)
	for i := range ids {
		n := number(fmt.Sprintf("+336%08d", i), "")
		if err := setup.InsertNumber(b.Context(), &n); err != nil {
			b.Fatal(err)
		}
		ids[i] = n.ID
	}
	stores := make([]*store.Store, clients)
	for i := range stores {
		stores[i] = openAt(b, path)
	}
	var (
		next    atomic.Int64
		mu      sync.Mutex
		lat     = make([]time.Duration, 0, b.N)
		failure atomic.Value
	)
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			s, id := stores[c], ids[c]
			mine := make([]time.Duration, 0, b.N/clients+1)
			for next.Add(1) <= int64(b.N) {
				t0 := time.Now()
				op := store.Op{Kind: "rotate", NumberID: id, OwnerPID: 1000 + c}
				if err := s.BeginNumberOp(b.Context(), &op); err != nil {
					failure.Store(err)
					return
				}
				if err := s.FinishOp(b.Context(), op.ID); err != nil {
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
	slices.Sort(lat)
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "roundtrips/s")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}
