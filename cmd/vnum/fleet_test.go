package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/internal/pgtest"
	"github.com/vnum-cli/vnum/internal/store"
)

// TestFleet is a CI fleet on one pool: 16 jobs at once lease a number, have a unique code sent to
// it (vnum sandbox receive), wait for that code, sometimes rotate the number, and return it, for
// VNUM_FLEET_DURATION (15s by default, 5s with -short; 1m for the figure), while vnum
// processes are killed with SIGKILL at random. Every job is a chain of real vnum processes. It
// checks what a fleet relies on: no number leased to two jobs at once, no job reads a code meant
// for another, the pool never holds more numbers than jobs needed at once (never two bought for
// one need), and nothing is left in the journal once the fleet is done.
//
// On SQLite the 16 jobs share one data directory (processes of one machine); on PostgreSQL they
// run in 4 data directories on one VNUM_STORE (4 machines). The sandbox's world is one
// VNUM_SANDBOX_DIR: one carrier account for all.
func TestFleet(t *testing.T) {
	d := 15 * time.Second
	if testing.Short() {
		d = 5 * time.Second
	}
	if v := os.Getenv("VNUM_FLEET_DURATION"); v != "" {
		var err error
		d, err = time.ParseDuration(v)
		require.NoError(t, err, "VNUM_FLEET_DURATION")
	}
	vnum, err := exec.LookPath("vnum") // the test binary, put on PATH as vnum by testscript.Main
	require.NoError(t, err)
	t.Run("sqlite", func(t *testing.T) {
		runFleet(t, vnum, d, 1, "")
	})
	t.Run("postgres", func(t *testing.T) {
		t.Cleanup(pgtest.Stop)
		runFleet(t, vnum, d, 4, pgtest.URL(t))
	})
}

const (
	fleetJobs = 16
	fleetTTL  = 30 * time.Second
	// fleetLeft is the lease time a job wants left before a step that uses its number (a code sent
	// to it, a rotate): a job that ran too long stops there, as a job should once its lease may end.
	fleetLeft = 12 * time.Second
	fleetPool = "fleet"
)

type fleet struct {
	t        *testing.T
	vnum     string
	machines [][]string // each machine's environment
	killRate float64

	seq     atomic.Int64 // codes and job numbers
	mu      sync.Mutex
	held    []segment  // who held which number when, as far as the jobs know
	leases  []interval // each lease's span (or what a killed `vnum lease` may have leased)
	bad     []string   // what must never happen
	counts  map[string]int
	numbers map[string]bool
}

// segment: lease held number from..to (to: the earliest the lease may have ended).
type segment struct {
	number, lease string
	from, to      time.Time
}

type interval struct{ from, to time.Time }

type leaseOut struct {
	LeaseID   string    `json:"lease_id"`
	Number    string    `json:"number"`
	StartedAt time.Time `json:"started_at"`
	ExpiresAt time.Time `json:"expires_at"`
	Bought    bool      `json:"bought"`
}

func runFleet(t *testing.T, vnum string, d time.Duration, machines int, storeURL string) {
	root := t.TempDir()
	world := filepath.Join(root, "carrier")
	f := &fleet{t: t, vnum: vnum, killRate: 0.08, counts: map[string]int{}, numbers: map[string]bool{}}
	for i := range machines {
		dir := filepath.Join(root, fmt.Sprintf("machine%d", i))
		env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "VNUM_CONFIG_DIR=" + filepath.Join(dir, "config"),
			"VNUM_DATA_DIR=" + filepath.Join(dir, "data"), "VNUM_SANDBOX_DIR=" + world, "VNUM_PROVIDER=sandbox",
			"VNUM_COUNTRY=FR", "VNUM_PROMPT_DISABLED=1", "NO_COLOR=1", "TMPDIR=" + os.TempDir()}
		if storeURL != "" {
			env = append(env, "VNUM_STORE="+storeURL)
		}
		f.machines = append(f.machines, env)
	}
	ctx, cancel := context.WithTimeout(t.Context(), d)
	defer cancel()
	var wg sync.WaitGroup
	for w := range fleetJobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				f.job(ctx, f.machines[w%machines], fmt.Sprintf("m%d-w%d", w%machines, w))
			}
		}()
	}
	wg.Wait()
	f.killRate = 0

	// Once the fleet is done, any vnum finishes what killed ones left half done.
	for _, env := range f.machines {
		_, _, err := f.run(context.Background(), env, "", "list")
		require.NoError(t, err)
	}
	st, err := store.Open(cmpOr(storeURL, filepath.Join(root, "machine0", "data", "vnum.db")))
	require.NoError(t, err)
	defer st.Close()
	ops, err := st.ListOps(t.Context())
	require.NoError(t, err)
	assert.Empty(t, ops, "nothing is left in the journal")
	pool, err := st.PoolEntries(t.Context(), fleetPool)
	require.NoError(t, err)

	f.mu.Lock()
	defer f.mu.Unlock()
	assert.Empty(t, f.bad)
	assert.Empty(t, overlaps(f.held), "no number leased to two jobs at once")
	need := peak(f.leases)
	assert.LessOrEqual(t, len(pool), need, "the pool holds no more numbers than jobs needed at once")
	assert.Positive(t, f.counts["code read"], "jobs read their codes")
	t.Logf("%s with %d machine(s): %v; pool of %d numbers for at most %d leases at once; %d numbers seen",
		d, machines, f.counts, len(pool), need, len(f.numbers))
}

// job is one CI job: lease, receive and read a code, maybe rotate, maybe leave a code unread,
// return. A vnum killed along the way ends the job there, as a killed runner would.
func (f *fleet) job(ctx context.Context, env []string, name string) {
	env = append(slices.Clone(env), "VNUM_JOB="+name)
	start := time.Now()
	out, killed, err := f.run(ctx, env, "", "lease", "--pool", fleetPool, "--ttl", fleetTTL.String(),
		"--max", "48", "--wait", "30s", "--json")
	if killed {
		f.note("lease killed")
		f.mu.Lock()
		f.leases = append(f.leases, interval{start, time.Now().Add(fleetTTL)})
		f.mu.Unlock()
		return
	}
	if err != nil {
		if ctx.Err() == nil {
			f.fail("lease: %v", err)
			return
		}
		// Cut by the end of the run (exec.CommandContext kills it), perhaps after buying for
		// the pool: the job needed a number from the moment it asked, as a killed lease did.
		f.mu.Lock()
		f.leases = append(f.leases, interval{start, time.Now().Add(fleetTTL)})
		f.mu.Unlock()
		return
	}
	var l leaseOut
	if err := json.Unmarshal([]byte(out), &l); err != nil {
		f.fail("lease --json: %v: %q", err, out)
		return
	}
	if l.Bought {
		f.note("bought")
	}
	f.note("leased")
	number, from := l.Number, l.StartedAt
	// end is the earliest the lease may have ended (for the overlap check), ended the latest (for
	// the count of needs: a job needs its number from the moment it asks until its return is done).
	end, ended := l.ExpiresAt, l.ExpiresAt
	defer func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.held = append(f.held, segment{number, l.LeaseID, from, end})
		f.leases = append(f.leases, interval{start, ended})
		f.numbers[number] = true
	}()
	lease := append(slices.Clone(env), "VNUM_LEASE="+l.LeaseID)

	if time.Until(l.ExpiresAt) < fleetLeft {
		f.note("too slow to use its lease")
		return
	}
	code := fmt.Sprintf("%06d", 100000+f.seq.Add(1))
	if _, killed, err := f.run(ctx, env, "", "sandbox", "receive", number, "--from", "Fleet", "--text", "Your code is "+code); killed || err != nil {
		return
	}
	got, killed, err := f.run(ctx, lease, "", "sms", "wait", number, "--code", "--timeout", "20s")
	switch {
	case killed:
		return
	case err != nil:
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.ExitCode() == 5 && time.Now().After(l.ExpiresAt.Add(-time.Second)) {
			f.note("lease expired while waiting") // the machine was too slow: the lease ended, as it should
			return
		}
		if ctx.Err() == nil {
			f.fail("sms wait: %v", err)
		}
		return
	case strings.TrimSpace(got) != code:
		f.fail("job %s leased %s and read code %q, not its own %s", name, number, strings.TrimSpace(got), code)
		return
	}
	f.note("code read")

	if rand.Float64() < 0.25 && time.Until(l.ExpiresAt) > fleetLeft {
		rotStart := time.Now()
		out, killed, err := f.run(ctx, lease, "", "rotate", number, "--yes", "-q")
		if killed || err != nil {
			return // the lease stays on one of the two numbers until it expires
		}
		f.note("rotated")
		f.mu.Lock()
		f.held = append(f.held, segment{number, l.LeaseID, from, minTime(time.Now(), l.ExpiresAt)})
		f.numbers[number] = true
		f.mu.Unlock()
		number, from = strings.TrimSpace(out), rotStart
	}
	if rand.Float64() < 0.3 && time.Until(l.ExpiresAt) > fleetLeft {
		// A code this job never reads: the next job on the number must not read it either.
		decoy := fmt.Sprintf("%06d", 100000+f.seq.Add(1))
		if _, killed, err := f.run(ctx, env, "", "sandbox", "receive", number, "--from", "Fleet", "--text", "Your code is "+decoy); killed || err != nil {
			return
		}
	}
	retStart := time.Now()
	if retStart.Before(end) {
		end = retStart // the earliest the lease may end from here on
	}
	if _, killed, err := f.run(context.WithoutCancel(ctx), env, "", "lease", "return", l.LeaseID); killed || err != nil {
		return
	}
	if now := time.Now(); now.Before(ended) {
		ended = now
	}
	f.note("returned")
}

// run runs vnum with env, killing it with SIGKILL at random (f.killRate) after up to 300 ms.
func (f *fleet) run(ctx context.Context, env []string, stdin string, args ...string) (out string, killed bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, f.vnum, args...)
	cmd.Env = env
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		return "", false, err
	}
	if rand.Float64() < f.killRate {
		timer := time.AfterFunc(time.Duration(rand.Int64N(int64(300*time.Millisecond))), func() { _ = cmd.Process.Kill() })
		defer timer.Stop()
	}
	err = cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL && ctx.Err() == nil {
		f.note("killed")
		return stdout.String(), true, err
	}
	if err != nil {
		err = fmt.Errorf("vnum %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), false, err
}

func (f *fleet) note(what string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.counts[what]++
}

func (f *fleet) fail(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.bad = append(f.bad, fmt.Sprintf(format, args...))
}

// overlaps lists the numbers held by two leases at once.
func overlaps(held []segment) []string {
	var out []string
	for i, a := range held {
		for _, b := range held[i+1:] {
			if a.number == b.number && a.lease != b.lease && a.from.Before(b.to) && b.from.Before(a.to) {
				out = append(out, fmt.Sprintf("%s: lease %s %s–%s and lease %s %s–%s", a.number,
					a.lease, a.from.Format(time.StampMilli), a.to.Format(time.StampMilli),
					b.lease, b.from.Format(time.StampMilli), b.to.Format(time.StampMilli)))
			}
		}
	}
	return out
}

// peak is the most intervals that overlap at one moment.
func peak(spans []interval) int {
	type event struct {
		at    time.Time
		delta int
	}
	var evs []event
	for _, s := range spans {
		evs = append(evs, event{s.from, 1}, event{s.to, -1})
	}
	slices.SortFunc(evs, func(a, b event) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return b.delta - a.delta // a start at the moment another ends counts both
	})
	most, cur := 0, 0
	for _, e := range evs {
		cur += e.delta
		most = max(most, cur)
	}
	return most
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
