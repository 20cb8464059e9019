package sandbox_test

import (
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/providers"
	"github.com/vnum-cli/vnum/providers/sandbox"
)

// race runs buy once per provider at the same moment and returns how many succeeded, failing
// the test on any error other than ErrUnavailable.
func race(t *testing.T, ps []*sandbox.Provider, number func(i int) string) int {
	t.Helper()
	var (
		start sync.WaitGroup
		done  sync.WaitGroup
		mu    sync.Mutex
		won   int
		errs  []error
	)
	start.Add(1)
	for i, p := range ps {
		done.Add(1)
		go func() {
			defer done.Done()
			start.Wait()
			_, err := p.Buy(t.Context(), providers.BuyRequest{Number: number(i)})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				won++
			case !errors.Is(err, providers.ErrUnavailable):
				errs = append(errs, err)
			}
		}()
	}
	start.Done()
	done.Wait()
	require.NoError(t, errors.Join(errs...))
	return won
}

// TestConcurrentBuys uses one Provider per goroutine, each with its own database handle, as
// separate vnum processes would, on a database none of them has created yet.
func TestConcurrentBuys(t *testing.T) {
	const n = 8
	providersOn := func(dir string) []*sandbox.Provider {
		ps := make([]*sandbox.Provider, n)
		for i := range ps {
			ps[i] = newSandbox(t, dir, nil)
		}
		return ps
	}
	t.Run("same number", func(t *testing.T) {
		dir := t.TempDir()
		won := race(t, providersOn(dir), func(int) string { return "+12025550150" })
		assert.Equal(t, 1, won, "exactly one buy wins")
		all, err := newSandbox(t, dir, nil).List(t.Context())
		require.NoError(t, err)
		assert.Len(t, all, 1)
	})
	t.Run("different numbers", func(t *testing.T) {
		dir := t.TempDir()
		won := race(t, providersOn(dir), func(i int) string { return fmt.Sprintf("+1202555016%d", i) })
		assert.Equal(t, n, won, "every buy succeeds")
		all, err := newSandbox(t, dir, nil).List(t.Context())
		require.NoError(t, err)
		assert.Len(t, all, n)
	})
}

const childEnv = "SANDBOX_TEST_CHILD_BUY" // data directory and number, "|"-separated

// TestChildBuy is one vnum process buying a number; only TestParallelProcesses runs it.
func TestChildBuy(t *testing.T) {
	spec := os.Getenv(childEnv)
	if spec == "" {
		t.Skip("run by TestParallelProcesses")
	}
	dir, number, _ := strings.Cut(spec, "|")
	p, err := sandbox.New(providers.Settings{DataDir: dir, Env: func(string) string { return "" }})
	require.NoError(t, err)
	defer p.Close()
	_, err = p.Buy(t.Context(), providers.BuyRequest{Number: number})
	switch {
	case err == nil:
		fmt.Println("RESULT bought")
	case errors.Is(err, providers.ErrUnavailable):
		fmt.Println("RESULT unavailable")
	default:
		t.Fatal(err)
	}
}

// TestParallelProcesses is a script running five buys at once, in five processes, on a data
// directory none of them has seen.
func TestParallelProcesses(t *testing.T) {
	if os.Getenv(childEnv) != "" {
		t.Skip("already a child")
	}
	run := func(t *testing.T, dir string, number func(i int) string) (bought int) {
		t.Helper()
		cmds := make([]*exec.Cmd, 5)
		outs := make([]strings.Builder, 5)
		for i := range cmds {
			cmds[i] = exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestChildBuy$")
			cmds[i].Env = append(os.Environ(), childEnv+"="+dir+"|"+number(i))
			cmds[i].Stdout, cmds[i].Stderr = &outs[i], &outs[i]
			require.NoError(t, cmds[i].Start())
		}
		for i, cmd := range cmds {
			require.NoError(t, cmd.Wait(), "process %d:\n%s", i, outs[i].String())
			bought += strings.Count(outs[i].String(), "RESULT bought")
		}
		return bought
	}
	assert.Equal(t, 5, run(t, t.TempDir(), func(i int) string { return fmt.Sprintf("+1202555017%d", i) }),
		"five buys of different numbers all succeed")
	assert.Equal(t, 1, run(t, t.TempDir(), func(int) string { return "+12025550170" }),
		"five buys of one number: one wins")
}

func TestFilesAndModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "vnum", "data")
	p := newSandbox(t, dir, nil)
	_, err := p.Verify(t.Context())
	require.NoError(t, err)
	assert.NoDirExists(t, dir, "building the provider and verifying touch no file")

	buyOne(t, p, "FR", providers.TypeLocal)
	info, err := os.Stat(dir)
	require.NoError(t, err)
	assert.Equal(t, fs.ModeDir|0o700, info.Mode(), "data directory")
	for _, name := range []string{sandbox.DBFile, sandbox.DBFile + "-wal", sandbox.DBFile + "-shm"} {
		info, err := os.Stat(filepath.Join(dir, name))
		require.NoError(t, err, "%s exists (WAL mode)", name)
		assert.Equal(t, fs.FileMode(0o600), info.Mode(), name)
	}
}

func TestStatePersistsAcrossOpens(t *testing.T) {
	dir := t.TempDir()
	first := newSandbox(t, dir, nil)
	n := buyOne(t, first, "GB", providers.TypeLocal)
	require.NoError(t, first.Close())

	again := newSandbox(t, dir, nil)
	got, err := again.Get(t.Context(), n.ID)
	require.NoError(t, err)
	assert.Equal(t, n, got)
}

func TestNewerSchemaIsRefused(t *testing.T) {
	dir := t.TempDir()
	p := newSandbox(t, dir, nil)
	buyOne(t, p, "GB", providers.TypeLocal)
	require.NoError(t, p.Close())

	db, err := sql.Open("sqlite", filepath.Join(dir, sandbox.DBFile))
	require.NoError(t, err)
	_, err = db.ExecContext(t.Context(), "PRAGMA user_version = 99")
	require.NoError(t, err)
	require.NoError(t, db.Close())

	_, err = newSandbox(t, dir, nil).List(t.Context())
	require.ErrorContains(t, err, "newer than this vnum knows")
}

func BenchmarkList1000(b *testing.B) {
	p := newSandbox(b, b.TempDir(), nil)
	offers, err := p.Search(b.Context(), providers.Query{Country: "FR", Type: providers.TypeLocal, Limit: 1000})
	require.NoError(b, err)
	require.Len(b, offers, 1000)
	for _, a := range offers {
		_, err := p.Buy(b.Context(), providers.BuyRequest{Number: a.Number, Label: "bench"})
		require.NoError(b, err)
	}
	for b.Loop() {
		all, err := p.List(b.Context())
		if err != nil || len(all) != 1000 {
			b.Fatalf("list: %d numbers, %v", len(all), err)
		}
	}
}
