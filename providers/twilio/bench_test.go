package twilio_test

import (
	"testing"
	"time"

	"github.com/vnum-cli/vnum/providers"
	faketwilio "github.com/vnum-cli/vnum/providers/twilio/twiliotest"
)

// benchLatency is the round trip added to every request to the fake, so that a List that
// makes one request per page (or per number) shows in the time as well as in the count.
const benchLatency = 50 * time.Millisecond

// maxListRequests is what a List over any number of numbers may cost: one page of numbers
// (Twilio pages up to 1,000) and, when some number is forwarded, one listing of Studio flows.
const maxListRequests = 2

// BenchmarkList1000 measures List over 1,000 owned numbers with 50 ms of latency per request,
// and reports the requests each List makes. It fails when a List needs more than two requests:
// that is a behaviour check (an N+1 or a small page size), not a timing assertion.
//
// The fake is built without the OpenAPI validation newFake adds, so that the time is the
// adapter's and the latency's, not the validator's; the contract tests cover the exchanges.
//
//	go test -run XXX -bench List1000 -benchtime 5x ./providers/twilio/
func BenchmarkList1000(b *testing.B) {
	b.Run("plain", func(b *testing.B) { benchList(b, false) })
	b.Run("forwarded", func(b *testing.B) { benchList(b, true) })
}

func benchList(b *testing.B, forwarded bool) {
	f := faketwilio.New(b, faketwilio.WithDelay(benchLatency))
	sids := f.Seed("US", "Local", 1000)
	p := newProvider(b, f)
	if forwarded {
		// One forwarded number is enough to make List read the Studio flows.
		if _, err := p.SetForwarding(b.Context(), sids[0], providers.Forwarding{Calls: "+14155550100"}); err != nil {
			b.Fatalf("setting up forwarding: %v", err)
		}
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
		if forwarded && ns[0].Forward.Calls == "" {
			b.Fatalf("List lost the forwarding of %s", ns[0].ID)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(f.Total())/float64(b.N), "requests/op")
}
