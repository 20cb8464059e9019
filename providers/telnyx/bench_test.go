package telnyx_test

import (
	"testing"
	"time"

	"github.com/vnum-cli/vnum/providers"
	"github.com/vnum-cli/vnum/providers/telnyx/telnyxtest"
)

// benchLatency is the round trip added to every request to the fake, so that a List that
// makes one request per page (or per number) shows in the time as well as in the count.
const benchLatency = 50 * time.Millisecond

// maxListRequests is what a List over 1,000 numbers may cost at Telnyx's largest page (250):
// four pages of numbers and four pages of their voice settings (where forwarding is).
const maxListRequests = 8

// BenchmarkList1000 measures List over 1,000 owned numbers with 50 ms of latency per request,
// and reports the requests each List makes. It fails when a List needs more than eight requests:
// that is a behaviour check (an N+1 or a small page size), not a timing assertion. The first
// page of each list is read at once and the other pages in parallel, so the time is about two
// round trips.
//
// The fake is built without the OpenAPI validation newFake adds, so that the time is the
// adapter's and the latency's, not the validator's; the contract tests cover the exchanges.
//
//	go test -run XXX -bench List1000 -benchtime 5x ./providers/telnyx/
func BenchmarkList1000(b *testing.B) {
	f := telnyxtest.New(b, telnyxtest.WithDelay(benchLatency))
	phones := f.Seed("US", "local", 1000)
	if len(phones) != 1000 {
		b.Fatalf("the fake seeded %d numbers, want 1000", len(phones))
	}
	p := newProvider(b, f)
	first := f.Numbers()[0].ID
	if _, err := p.SetForwarding(b.Context(), first, providers.Forwarding{Calls: "+14155550100"}); err != nil {
		b.Fatalf("setting up forwarding: %v", err)
	}

	f.ResetCounts()
	b.ResetTimer()
	for b.Loop() {
		before := f.Total()
		ns, err := p.List(b.Context())
		if err != nil {
			b.Fatalf("List: %v", err)
		}
		if len(ns) != 1000 {
			b.Fatalf("List returned %d numbers, want 1000", len(ns))
		}
		if n := f.Total() - before; n > maxListRequests {
			b.Fatalf("List over 1,000 numbers made %d requests, want at most %d", n, maxListRequests)
		}
		if ns[0].Forward.Calls == "" {
			b.Fatalf("List lost the forwarding of %s", ns[0].ID)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(f.Total())/float64(b.N), "requests/op")
}
