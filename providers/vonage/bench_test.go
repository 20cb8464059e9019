package vonage_test

import (
	"testing"
	"time"

	"github.com/vnum-cli/vnum/providers/vonage/vonagetest"
)

// benchLatency is the round trip added to every request to the fake, so that the number of
// sequential round trips shows in the time.
const benchLatency = 50 * time.Millisecond

// maxListRequests is what a List over 1,000 numbers may cost: Vonage pages owned numbers by
// 100 at most, so ten pages; forwarding comes with each number, at no extra request.
const maxListRequests = 10

// BenchmarkList1000 measures List over 1,000 owned numbers with 50 ms of latency per request,
// and reports the requests each List makes. Pages after the first are read a few at a time, so
// the ten requests take four round trips. It fails when a List needs more requests than pages
// (a smaller page, or a request per number): a behaviour check, not a timing assertion.
//
// The fake runs without the OpenAPI validation newFake adds, so that the time is the adapter's
// and the latency's; the contract tests cover the exchanges.
//
//	go test -run XXX -bench List1000 -benchtime 5x ./providers/vonage/
func BenchmarkList1000(b *testing.B) {
	f := vonagetest.New(b, vonagetest.WithDelay(benchLatency))
	ids := f.Seed("GB", vonagetest.TypeMobile, 1000)
	if len(ids) != 1000 {
		b.Fatalf("the fake made %d numbers, want 1000", len(ids))
	}
	f.Configure(ids[0], map[string]string{"voiceCallbackType": "tel", "voiceCallbackValue": "442079460123"})
	p := newProvider(b, f)

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
		if ns[0].Forward.Calls != "+442079460123" {
			b.Fatalf("List lost the forwarding of %s", ns[0].ID)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(f.Total())/float64(b.N), "requests/op")
}
