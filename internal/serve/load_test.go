package serve

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/vnum-cli/vnum/internal/store"
	sandboxwh "github.com/vnum-cli/vnum/internal/webhook/sandbox"
	telnyxwh "github.com/vnum-cli/vnum/internal/webhook/telnyx"
	"github.com/vnum-cli/vnum/providers"
)

// BenchmarkLoad is the load test of the issue: a load generator on loopback sends signed
// webhooks from many connections at once to a real server on 127.0.0.1 with a real store
// (SQLite, full sync), then checks that every accepted message is in the store exactly once.
// telnyx signs with Ed25519 (the costliest check, ~0.1 ms of CPU each), sandbox with
// HMAC-SHA256 (as cheap as Twilio's and Vonage's). Each iteration sends loadRequests requests and stops after loadLimit at
// most. Run it alone:
//
//	go test -run XXX -bench Load -benchtime 3x ./internal/serve/
//
// It reports webhooks/s and the 50th and 99th percentile of the time from sending a request to
// its answer, as the carrier sees it.
func BenchmarkLoad(b *testing.B) {
	b.Run("telnyx", func(b *testing.B) { benchLoad(b, RouteTelnyx) })
	b.Run("sandbox", func(b *testing.B) { benchLoad(b, RouteSandbox) })
}

func benchLoad(b *testing.B, carrier string) {
	const (
		loadRequests = 20_000
		loadConns    = 32
		loadLimit    = 60 * time.Second
	)
	for i := range b.N {
		b.StopTimer()
		st, err := store.Open(filepath.Join(b.TempDir(), fmt.Sprint(i), "vnum.db"))
		if err != nil {
			b.Fatal(err)
		}
		n := store.Number{Provider: carrier, CarrierID: "n1", E164: ourNumber, Managed: true}
		if err := st.InsertNumber(context.Background(), &n); err != nil {
			b.Fatal(err)
		}
		srv, err := New(Config{Store: st, Token: token, Telnyx: telnyxwh.New(telnyxKey.Public().(ed25519.PublicKey)),
			Sandbox: sandboxwh.New(sandboxKey), Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
		if err != nil {
			b.Fatal(err)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		ctx, stop := context.WithCancel(context.Background())
		served := make(chan error, 1)
		go func() { served <- srv.Serve(ctx, ln) }()
		url := "http://" + ln.Addr().String() + "/hooks/" + token + "/" + carrier

		// The carrier signs on its own machines: sign before the clock starts.
		type signed struct {
			body   []byte
			header http.Header
		}
		reqs := make([]signed, loadRequests)
		now := time.Now()
		for j := range reqs {
			id := fmt.Sprintf("load-%d", j)
			h := http.Header{}
			var body []byte
			if carrier == RouteTelnyx {
				body = telnyxBody(id, "Your code is 482913")
				sig, ts := telnyxwh.Sign(telnyxKey, body, now)
				h.Set(telnyxwh.SignatureHeader, sig)
				h.Set(telnyxwh.TimestampHeader, ts)
			} else {
				body = sandboxwh.Body(providers.Message{ID: id, From: "Bank", To: ourNumber, Text: "Your code is 482913", ReceivedAt: now})
				h.Set(sandboxwh.SignatureHeader, sandboxwh.Sign(sandboxKey, body, now))
			}
			reqs[j] = signed{body, h}
		}
		client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
			MaxIdleConnsPerHost: loadConns, MaxConnsPerHost: loadConns, Proxy: nil}}
		lat := make([]time.Duration, loadRequests)
		status := make([]int, loadRequests)
		next := make(chan int)
		deadline := time.Now().Add(loadLimit)
		var wg sync.WaitGroup
		b.StartTimer()
		start, cpu0 := time.Now(), cpuTime()
		for range loadConns {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := range next {
					r, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(reqs[j].body))
					r.Header = reqs[j].header
					t0 := time.Now()
					resp, err := client.Do(r)
					lat[j] = time.Since(t0)
					if err != nil {
						continue
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					status[j] = resp.StatusCode
				}
			}()
		}
		for j := range reqs {
			if time.Now().After(deadline) {
				break
			}
			next <- j
		}
		close(next)
		wg.Wait()
		elapsed, cpu := time.Since(start), cpuTime()-cpu0
		b.StopTimer()
		stop()
		if err := <-served; err != nil {
			b.Fatal(err)
		}

		accepted := 0
		var oks []time.Duration
		for j, s := range status {
			if s == http.StatusOK {
				accepted++
				oks = append(oks, lat[j])
			}
		}
		msgs, err := st.ListMessages(context.Background(), n.ID, time.Time{})
		if err != nil {
			b.Fatal(err)
		}
		ids := map[string]int{}
		for _, m := range msgs {
			ids[m.Message.ID]++
		}
		for j, s := range status {
			id := fmt.Sprintf("load-%d", j)
			if s == http.StatusOK && ids[id] != 1 {
				b.Fatalf("accepted %s is stored %d times", id, ids[id])
			}
		}
		if len(msgs) != len(ids) {
			b.Fatalf("%d messages but %d ids: duplicates", len(msgs), len(ids))
		}
		_ = st.Close()
		slices.Sort(oks)
		pct := func(p float64) float64 {
			if len(oks) == 0 {
				return 0
			}
			return float64(oks[min(len(oks)-1, int(p*float64(len(oks))))].Microseconds()) / 1000
		}
		b.ReportMetric(float64(accepted)/elapsed.Seconds(), "webhooks/s")
		b.ReportMetric(pct(0.50), "p50_ms")
		b.ReportMetric(pct(0.99), "p99_ms")
		// CPU per webhook (server and load generator together, both in this process) does not
		// depend on what else runs on the machine: 2 cores / it is what 2 idle cores could do.
		if cpu > 0 && accepted > 0 {
			b.ReportMetric(float64(cpu.Microseconds())/float64(accepted), "cpu_us/webhook")
		}
		b.ReportMetric(float64(accepted), "accepted")
		b.ReportMetric(float64(len(msgs)), "stored")
	}
}
