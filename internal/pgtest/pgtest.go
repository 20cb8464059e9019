// Package pgtest gives tests a real PostgreSQL server: started once per test binary (initdb into a
// temporary directory, pg_ctl on a free loopback port, its sockets in that directory), one new
// database per test, stopped when the tests end. Packages using it call Main from their TestMain.
//
// When no server can start (no PostgreSQL installed), tests that ask for one are skipped with the
// reason, except under CI (CI=true), where they fail: a suite must never pass without running.
package pgtest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver, to create databases
)

// superuser is the server's only role; it needs no password (trust on loopback and the socket).
const superuser = "vnum"

// server is the test binary's PostgreSQL.
type server struct {
	dir   string // holds data/, the log and the sockets
	port  int
	pgCtl string
	cred  *syscall.Credential // who runs it: nil for us, an unprivileged user when we are root
	admin *sql.DB             // on the postgres database, to create the tests'
}

var (
	once     sync.Once
	srv      *server
	startErr error
	dbSeq    atomic.Int64
)

// Main runs the tests and then stops the server if one was started. Use it as
// `func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }`.
func Main(m *testing.M) int {
	code := m.Run()
	Stop()
	return code
}

// Both runs the package's tests twice, the second time with *onPostgres set, so that a suite
// written against one helper that opens a store runs on both backends. VNUM_TEST_STORE=sqlite or
// =postgres runs one pass only. The second pass announces itself, so a failure's output says which
// backend failed.
func Both(m *testing.M, onPostgres *bool) int {
	which := os.Getenv("VNUM_TEST_STORE")
	code := 0
	if which == "" || which == "sqlite" {
		code = m.Run()
	}
	if which == "" || which == "postgres" {
		if which == "" {
			fmt.Println("=== the same tests again, on PostgreSQL")
		}
		*onPostgres = true
		if c := m.Run(); c != 0 {
			code = c
		}
		*onPostgres = false
	}
	Stop()
	return code
}

// URL returns the URL of a new, empty database for t. It skips t when no server can start here,
// or fails it when CI=true.
func URL(t testing.TB) string {
	t.Helper()
	if err := Available(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL test server: %v (CI=true: these tests must run; install the postgresql package)", err)
		}
		t.Skipf("skipping PostgreSQL tests: %v (install PostgreSQL, e.g. the Debian postgresql package, to run them)", err)
	}
	// Creating a database costs half a second; emptying one a few milliseconds. So a test's
	// database is emptied when it ends and handed to the next test.
	free.Lock()
	var u string
	if n := len(free.urls); n > 0 {
		u, free.urls = free.urls[n-1], free.urls[:n-1]
	}
	free.Unlock()
	if u == "" {
		var err error
		if u, err = Database(); err != nil {
			t.Fatalf("PostgreSQL test server: %v", err)
		}
	}
	t.Cleanup(func() {
		if err := reset(u); err != nil {
			t.Logf("PostgreSQL test server: not reusing a database: %v", err)
			return
		}
		free.Lock()
		free.urls = append(free.urls, u)
		free.Unlock()
	})
	return u
}

// free are the emptied databases waiting for a test.
var free struct {
	sync.Mutex
	urls []string
}

// reset empties the database at u for the next test: it ends the sessions a test left (and so
// the advisory locks they held) and drops every table.
func reset(u string) error {
	db, err := sql.Open("pgx", u)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err = db.ExecContext(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid()`)
	if err == nil {
		_, err = db.ExecContext(ctx, `DROP SCHEMA public CASCADE; CREATE SCHEMA public`)
	}
	return err
}

// Available starts the test binary's server if it is not running yet, and says why it cannot.
func Available() error {
	once.Do(func() { srv, startErr = start() })
	return startErr
}

// Database creates a new, empty database on the server (Available must have said nil) and returns
// its URL: for callers without a testing.TB, such as testscript commands.
func Database() (string, error) {
	if err := Available(); err != nil {
		return "", err
	}
	name := fmt.Sprintf("t%d_%d", os.Getpid(), dbSeq.Add(1))
	if _, err := srv.admin.ExecContext(context.Background(), "CREATE DATABASE "+name+""); err != nil {
		return "", fmt.Errorf("create database: %w", err)
	}
	return srv.url(name), nil
}

// Stop stops the server, for a test binary whose TestMain cannot call Main (put it in the
// Cleanup of the test that uses the server).
func Stop() {
	if srv != nil {
		srv.stop()
		srv = nil
		// A later test of the same binary that wants a server starts a new one.
		once, startErr = sync.Once{}, nil
	}
}

func (s *server) url(db string) string {
	return fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?sslmode=disable", superuser, s.port, db)
}

// Binaries finds PostgreSQL's server programs: on PATH, else in Debian's
// /usr/lib/postgresql/<version>/bin (the newest version).
func Binaries() (initdb, pgCtl string, err error) {
	if i, err1 := exec.LookPath("initdb"); err1 == nil {
		if p, err2 := exec.LookPath("pg_ctl"); err2 == nil {
			return i, p, nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		i, p := filepath.Join(d, "initdb"), filepath.Join(d, "pg_ctl")
		if isExec(i) && isExec(p) {
			return i, p, nil
		}
	}
	return "", "", errors.New("initdb and pg_ctl are neither on PATH nor in /usr/lib/postgresql/*/bin")
}

func version(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func isExec(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

func start() (*server, error) {
	initdb, pgCtl, err := Binaries()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "vnum-pgtest-")
	if err != nil {
		return nil, err
	}
	s := &server{dir: dir, pgCtl: pgCtl}
	ok := false
	defer func() {
		if !ok {
			s.stop()
		}
	}()
	// initdb refuses to run as root (CI, containers): the server then runs as nobody, in a
	// directory it owns.
	if os.Geteuid() == 0 {
		u, err := user.Lookup("nobody")
		if err != nil {
			return nil, fmt.Errorf("running as root and no unprivileged user to run PostgreSQL as: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		s.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			return nil, err
		}
	}
	if out, err := s.run(initdb, "-D", s.data(), "-U", superuser, "--auth=trust", "-E", "UTF8",
		"--locale=C", "--no-sync"); err != nil {
		return nil, fmt.Errorf("initdb: %v: %s", err, out)
	}
	var lastErr error
	for range 3 { // the free port may be taken between finding and using it
		if s.port, err = freePort(); err != nil {
			return nil, err
		}
		opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "+
			"-c full_page_writes=off -c shared_buffers=16MB -c max_connections=200", s.port, dir)
		out, err := s.run(pgCtl, "-D", s.data(), "-l", filepath.Join(dir, "log"), "-o", opts, "-w", "-t", "60", "start")
		if err == nil {
			lastErr = nil
			break
		}
		log, _ := os.ReadFile(filepath.Join(dir, "log"))
		lastErr = fmt.Errorf("pg_ctl start: %v: %s %s", err, out, tail(string(log)))
	}
	if lastErr != nil {
		return nil, lastErr
	}
	s.admin, err = sql.Open("pgx", s.url("postgres"))
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.admin.PingContext(ctx); err != nil {
		return nil, fmt.Errorf("connect to the test server: %w", err)
	}
	ok = true
	return s, nil
}

func (s *server) data() string { return filepath.Join(s.dir, "data") }

// run runs a PostgreSQL program as the server's user.
func (s *server) run(name string, args ...string) ([]byte, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = s.dir
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	if s.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
		cmd.Env = append(cmd.Env, "HOME="+s.dir)
	}
	return cmd.CombinedOutput()
}

func (s *server) stop() {
	if s.admin != nil {
		_ = s.admin.Close()
	}
	if s.port != 0 {
		_, _ = s.run(s.pgCtl, "-D", s.data(), "-m", "immediate", "-w", "stop")
	}
	_ = os.RemoveAll(s.dir)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func tail(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > 5 {
		lines = lines[len(lines)-5:]
	}
	return strings.Join(lines, "\n")
}
