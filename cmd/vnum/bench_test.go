//go:build unix

package main

import (
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vnum-cli/vnum/internal/app"
	"github.com/vnum-cli/vnum/internal/cmdutil"
	"github.com/vnum-cli/vnum/internal/iostreams"
	"github.com/vnum-cli/vnum/providers/twilio/twiliotest"
)

// BenchmarkListTwilio1000 runs the whole of `vnum list` (factory, store, the carrier's answer,
// the store's sync, the output on a pipe) over 1,000 Twilio numbers against a local fake with
// no added latency. It reports, beside the time per list, the time the fake takes to serve the
// same page to a plain HTTP client (fake-ms/op): the difference is vnum's own share. On a busy
// machine wall times mislead, so it also reports CPU time (this process's user+system time,
// GC included): own-cpu-ms/op is a list's minus the fake's serving of the page.
//
//	go test -run XXX -bench ListTwilio1000 -benchtime 20x ./cmd/vnum/
func BenchmarkListTwilio1000(b *testing.B) {
	f := twiliotest.Start()
	b.Cleanup(f.Close)
	if n := len(f.Seed("US", "Local", 1000)); n != 1000 {
		b.Fatalf("the fake seeded %d numbers", n)
	}
	dir := b.TempDir()
	env := map[string]string{
		"HOME":                 dir,
		"VNUM_CONFIG_DIR":      filepath.Join(dir, "config"),
		"VNUM_DATA_DIR":        filepath.Join(dir, "data"),
		"VNUM_PROVIDER":        "twilio",
		"VNUM_TWILIO_BASE_URL": f.URL,
		"TWILIO_ACCOUNT_SID":   f.AccountSID,
		"TWILIO_AUTH_TOKEN":    f.AuthToken,
	}
	list := func() string {
		ios, _, out, errOut := iostreams.Test()
		if code := app.Run(b.Context(), []string{"list"}, func(k string) string { return env[k] }, ios); code != cmdutil.ExitOK {
			b.Fatalf("vnum list: exit %d: %s", code, errOut)
		}
		return out.String()
	}
	// The first list records the 1,000 numbers; the ones measured find them recorded, as a
	// user's every list but the first does.
	if n := strings.Count(list(), "\n"); n != 1000 {
		b.Fatalf("vnum list printed %d lines, want 1000", n)
	}

	page, err := http.NewRequestWithContext(b.Context(), http.MethodGet,
		f.URL+"/2010-04-01/Accounts/"+f.AccountSID+"/IncomingPhoneNumbers.json?PageSize=1000", nil)
	if err != nil {
		b.Fatal(err)
	}
	page.SetBasicAuth(f.AccountSID, f.AuthToken)
	var served, listCPU, servedCPU time.Duration
	b.ResetTimer()
	for b.Loop() {
		cpu := cpuTime(b)
		list()
		listCPU += cpuTime(b) - cpu
		b.StopTimer()
		start, cpu := time.Now(), cpuTime(b)
		resp, err := http.DefaultClient.Do(page)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		served += time.Since(start)
		servedCPU += cpuTime(b) - cpu
		b.StartTimer()
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(b.N) }
	b.ReportMetric(ms(served), "fake-ms/op")
	b.ReportMetric(ms(listCPU), "cpu-ms/op")
	b.ReportMetric(ms(listCPU-servedCPU), "own-cpu-ms/op")
}

// cpuTime is the user and system time this process has used so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
