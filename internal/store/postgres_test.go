package store_test

import (
	"bufio"
	"database/sql"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/internal/store"
)

// postgresOnly skips a test of what only a shared PostgreSQL store does on the SQLite pass.
func postgresOnly(t *testing.T) {
	t.Helper()
	if !onPostgres {
		t.Skip("about the PostgreSQL store")
	}
}

// A journal entry's owner is seen alive on every machine for as long as its process runs, and
// the entry can be claimed, by one process only, as soon as it is killed: no pid is compared, so
// this holds across hosts.
func TestOpOwnerKilledIsSeenGoneFleetWide(t *testing.T) {
	postgresOnly(t)
	path := dbPath(t)
	s := openAt(t, path)

	child := exec.Command(os.Args[0], "-test.run=^TestHelperHoldOp$")
	child.Env = append(os.Environ(), "VNUM_TEST_HOLD_OP="+path)
	out, err := child.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, child.Start())
	t.Cleanup(func() { _ = child.Process.Kill(); _ = child.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	require.NoError(t, err)
	id, err := strconv.ParseInt(strings.TrimSpace(strings.TrimPrefix(line, "op ")), 10, 64)
	require.NoError(t, err, "child said %q", line)

	running, known, err := s.OwnerRunning(t.Context(), id)
	require.NoError(t, err)
	assert.True(t, known)
	assert.True(t, running, "the owner runs")
	ok, err := s.ClaimOp(t.Context(), id, 777, os.Getpid())
	require.NoError(t, err)
	assert.False(t, ok, "an entry whose owner runs cannot be claimed")

	require.NoError(t, child.Process.Kill()) // kill -9: no FinishOp, no goodbye
	_ = child.Wait()
	require.Eventually(t, func() bool {
		running, _, err := s.OwnerRunning(t.Context(), id)
		return err == nil && !running
	}, 10*time.Second, 20*time.Millisecond, "the server drops a dead owner's lock")

	other := openAt(t, path)
	won := 0
	for _, c := range []*store.Store{s, other, openAt(t, path)} {
		ok, err := c.ClaimOp(t.Context(), id, 777, 1)
		require.NoError(t, err)
		if ok {
			won++
		}
	}
	assert.Equal(t, 1, won, "exactly one claims it")
	running, _, err = other.OwnerRunning(t.Context(), id)
	require.NoError(t, err)
	assert.True(t, running, "and its claimer now holds it")
}

// TestHelperHoldOp is the process TestOpOwnerKilledIsSeenGoneFleetWide kills: it begins an
// operation and waits.
func TestHelperHoldOp(t *testing.T) {
	path := os.Getenv("VNUM_TEST_HOLD_OP")
	if path == "" {
		t.Skip("helper process")
	}
	s, err := store.Open(path)
	require.NoError(t, err)
	op := store.Op{Kind: "rotate", OwnerPID: 777, OwnerHost: "elsewhere"}
	require.NoError(t, s.BeginOp(t.Context(), &op))
	os.Stdout.WriteString("op " + strconv.FormatInt(op.ID, 10) + "\n")
	time.Sleep(time.Minute)
}

// A password in the store's URL is never shown: not by Path, not in an error.
func TestPostgresPasswordNeverShown(t *testing.T) {
	postgresOnly(t)
	u, err := url.Parse(dbPath(t))
	require.NoError(t, err)
	const secret = "s3cr3t-pw"
	u.User = url.UserPassword(u.User.Username(), secret)
	s := openAt(t, u.String()) // the test server trusts loopback: the password is not needed
	assert.NotContains(t, s.Path(), secret)
	assert.Contains(t, s.Path(), "xxxxx")

	u.Path = "/no_such_database"
	_, err = store.Open(u.String())
	require.Error(t, err)
	assert.NotContains(t, err.Error(), secret)
	assert.Contains(t, err.Error(), "no_such_database")

	q := u.Query()
	q.Set("password", secret)
	u.User, u.RawQuery = url.User(u.User.Username()), q.Encode()
	_, err = store.Open(u.String())
	require.Error(t, err)
	assert.NotContains(t, err.Error(), secret)
}

// What the URL leaves out comes from libpq's variables, so a URL can be just postgres://.
func TestPostgresHonoursPGEnvironment(t *testing.T) {
	postgresOnly(t)
	u, err := url.Parse(dbPath(t))
	require.NoError(t, err)
	t.Setenv("PGHOST", u.Hostname())
	t.Setenv("PGPORT", u.Port())
	t.Setenv("PGUSER", u.User.Username())
	t.Setenv("PGDATABASE", strings.TrimPrefix(u.Path, "/"))
	t.Setenv("PGSSLMODE", "disable")
	s := openAt(t, "postgres://")
	n := number("+33600000001", "env")
	require.NoError(t, s.InsertNumber(t.Context(), &n))
	got, err := openAt(t, u.String()).GetNumber(t.Context(), n.ID)
	require.NoError(t, err)
	assert.Equal(t, "env", got.Label, "the same database")
}

// A database a newer vnum migrated is refused, not written with an older schema's idea of it.
func TestPostgresRejectsNewerSchema(t *testing.T) {
	postgresOnly(t)
	path := dbPath(t)
	openAt(t, path)
	db, err := sql.Open("pgx", path)
	require.NoError(t, err)
	defer db.Close()
	_, err = db.ExecContext(t.Context(), "UPDATE vnum_schema SET version = 99")
	require.NoError(t, err)
	_, err = store.Open(path)
	require.ErrorContains(t, err, "newer than this vnum supports")
}
