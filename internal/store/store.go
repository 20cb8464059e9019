// Package store is vnum's local record: the numbers it manages, the history of numbers it no longer
// holds, received SMS, and the journal of money-moving operations. It is SQLite (pure Go, so vnum
// builds without cgo) in WAL mode, shared safely by several vnum processes at once; or, for a team
// or a CI fleet, one PostgreSQL database shared by every machine (postgres.go), through the same
// code: the few differences are the dialect's (dialect.go).
//
// Times are kept to the nanosecond and come back in UTC; the zero time means "none" (no expiry,
// unknown purchase time) and round-trips as the zero time.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/vnum-cli/vnum/internal/privfile"
)

// Store is vnum's local record. One *Store is safe for concurrent use by several goroutines, and
// several processes may each hold their own on the same file; SQLite's locks and the busy timeout
// serialise their writes. A *Store handed to an InTx callback is bound to that transaction and must
// only be used by the callback, on its goroutine.
type Store struct {
	path string // the file, or the PostgreSQL URL without its password
	db   *sql.DB
	d    dialect
	q    querier // db, or the transaction for a *Store passed to an InTx callback (through d.wrap)
	// depth is 0 outside a transaction, 1 inside InTx, and counts savepoints beyond that.
	depth int
	now   func() time.Time
	// ops are the journal entries this process holds locks for (PostgreSQL only, oplock.go).
	ops *opLocks
	// tx is what runs once the transaction ends (nil outside one).
	tx *txHooks
}

// txHooks are what a transaction does once it is over, in the order they were added.
type txHooks struct {
	commit, rollback []func()
}

// afterTx runs commit once the changes made so far are committed, or rollback (when not nil)
// once they are undone; outside a transaction, commit runs at once.
func (s *Store) afterTx(commit, rollback func()) {
	if s.tx == nil {
		commit()
		return
	}
	s.tx.commit = append(s.tx.commit, commit)
	if rollback != nil {
		s.tx.rollback = append(s.tx.rollback, rollback)
	}
}

// bound is s on q, one level deeper in a transaction.
func (s *Store) bound(q querier, tx *txHooks) *Store {
	return &Store{path: s.path, db: s.db, d: s.d, q: q, depth: s.depth + 1, now: s.now, ops: s.ops, tx: tx}
}

// querier is what *sql.DB and *sql.Tx have in common, so every method runs unchanged both on its
// own and inside InTx.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// busyTimeout is how long a statement waits for another connection's lock before failing. Writes
// are short, so only a pathological holder makes anyone wait this long; a script running several
// vnum processes at once must never see "database is locked".
const busyTimeout = 10 * time.Second

// Open opens the store at path, creating it (and its parent directory, mode 0700) when missing, and
// brings the schema up to date. The store lists a user's private numbers and messages, so its
// directory must be the user's own and closed to others (privfile.Check), and the file and its
// -wal/-shm companions are opened without following a symbolic link and are 0600 from their first
// byte: created here before SQLite touches them, or tightened when an older vnum left them loose.
//
// A PostgreSQL URL (postgres://… or postgresql://…) opens a store shared by several machines
// instead: see OpenPostgres.
func Open(path string) (*Store, error) {
	if IsURL(path) {
		return OpenPostgres(context.Background(), path)
	}
	if path == "" {
		return nil, errors.New("store: open: empty path")
	}
	if err := privfile.Ensure(DataDir(filepath.Dir(path))); err != nil {
		return nil, fmt.Errorf("store: open: %w", err)
	}
	// The companions first, so that no store is built beside a planted link. A read-only episode
	// (a backup restored, a chmod) may have left one without the owner's write permission,
	// which makes every write fail although the store itself is writable: privfile.Create gives
	// it its owner-only mode back.
	for _, p := range []string{path + "-wal", path + "-shm"} {
		if err := privfile.Create(p); err != nil {
			return nil, fmt.Errorf("store: open: %w", err)
		}
	}
	if err := create(path); err != nil {
		return nil, fmt.Errorf("store: open: %w", err)
	}
	if err := checkStoreFile(path); err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	s := &Store{path: path, db: db, d: sqliteDialect{}, q: db, now: time.Now}
	ctx := context.Background()
	if err := s.migrate(ctx); err != nil {
		_ = db.Close()
		return nil, openError(path, err)
	}
	return s, nil
}

// DataDir describes dir as vnum's data directory for privfile's checks and messages.
func DataDir(dir string) privfile.Dir {
	return privfile.Dir{Path: dir, What: "data directory", Elsewhere: "set VNUM_DATA_DIR (or XDG_DATA_HOME)"}
}

// openError says what a failure to open the store means for the user, and what to do.
func openError(path string, err error) error {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return err
	}
	switch se.Code() & 0xff { // the primary result code
	case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
		return damaged(path, err)
	case sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM:
		return fmt.Errorf("cannot open %s for writing (%w): check the permissions of %s and of the files in it, or point VNUM_DATA_DIR elsewhere",
			path, err, filepath.Dir(path))
	case sqlite3.SQLITE_FULL:
		return fullError(path, err)
	}
	return fmt.Errorf("%s: %w", path, err)
}

// Explain adds to err, when it is SQLite failing to write the store (a full disk, a file or
// directory made read-only), which file or directory is at fault and what to do; any other error
// comes back unchanged. storeFile names the store's file ("" when unknown); it is called only for a
// SQLite error, which only an opened store gives, so a failed command that never needed the store
// does not look for it. The CLI applies it to a command's error before printing it.
func Explain(err error, storeFile func() string) error {
	var se *sqlite.Error
	var located *locatedError
	if err == nil || !errors.As(err, &se) || errors.As(err, &located) {
		return err
	}
	path := storeFile()
	if path == "" || strings.Contains(err.Error(), path) {
		return err
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_FULL:
		return fullError(path, err)
	case sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM:
		return fmt.Errorf("cannot write %s (%w): check the permissions of %s and of the files in it (vnum.db, vnum.db-wal, vnum.db-shm), or point VNUM_DATA_DIR elsewhere",
			path, err, filepath.Dir(path))
	case sqlite3.SQLITE_IOERR:
		return fmt.Errorf("could not write %s (%w): check the disk holding %s (full, or failing?)", path, err, filepath.Dir(path))
	case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
		// Damage found past the opening (a garbled page of one table) needs the same advice as
		// damage found by it.
		return damaged(path, err)
	}
	return err
}

// checkStoreFile opens the store's file as privfile does (no link followed, the user's own,
// 0600) and refuses it when empty: vnum never leaves an empty file (create makes the store whole
// before it appears), so this one lost its contents, and SQLite would take it for a new store:
// every number, expiry and history entry would be silently forgotten.
func checkStoreFile(path string) error {
	f, err := privfile.Open(path, os.O_RDWR)
	if err != nil {
		return fmt.Errorf("store: open: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("store: open: %w", err)
	}
	if fi.Size() == 0 {
		return damaged(path, errors.New("the file is empty"))
	}
	return nil
}

// Located marks err as naming the store it is about (a file or URL the user gave, as to store
// migrate), so that Explain does not take it for the configured store's.
func Located(err error) error {
	if err == nil {
		return nil
	}
	return &locatedError{err}
}

type locatedError struct{ error }

func (e *locatedError) Unwrap() error { return e.error }

// damaged is the refusal to use a store that lost or garbled its contents.
func damaged(path string, err error) error {
	return Located(fmt.Errorf("%s is damaged or not a vnum store (%w): move it aside and run vnum again; "+
		"the numbers on your carriers' accounts come back in `vnum list` (as unmanaged: `vnum adopt` them)", path, err))
}

// fullError says which disk is full and what to do.
func fullError(path string, err error) error {
	return fmt.Errorf("the disk holding %s is full (%w): free some space there (or point VNUM_DATA_DIR elsewhere) and run vnum again",
		filepath.Dir(path), err)
}

// create makes path a complete, empty vnum store when it does not exist. The store is built
// under another name and linked into place, so that path never exists half made: another vnum
// starting at the same moment either finds no file or a whole store, and an empty file at path
// can only be damage (see Open). Whatever is at path already, a symbolic link included, is left
// for Open to judge.
func create(path string) error {
	if _, err := os.Lstat(path); err == nil || !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".new-*") // mode 0600
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		for _, p := range []string{tmp, tmp + "-wal", tmp + "-shm", tmp + "-journal"} {
			_ = os.Remove(p)
		}
	}()
	if err := f.Close(); err != nil {
		return err
	}
	// The umask may have removed the owner's own bits; the owner must read and write it.
	if err := os.Chmod(tmp, 0o600); err != nil {
		return err
	}
	db, err := sql.Open("sqlite", dsn(tmp))
	if err != nil {
		return err
	}
	s := &Store{path: tmp, db: db, d: sqliteDialect{}, q: db, now: time.Now}
	err = s.migrate(context.Background())
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return openError(path, err)
	}
	if err := os.Link(tmp, path); err != nil && !errors.Is(err, fs.ErrExist) {
		return err // EEXIST: another vnum made it first, which is as good
	}
	return nil
}

// dsn builds a file: URI so that any character in path ('?', '#', '%') is escaped rather than read
// as a parameter. Each pooled connection applies the pragmas itself.
func dsn(path string) string {
	p := filepath.ToSlash(path)
	if !strings.HasPrefix(p, "/") {
		if abs, err := filepath.Abs(path); err == nil {
			p = filepath.ToSlash(abs)
		}
		if !strings.HasPrefix(p, "/") { // Windows: C:/x → /C:/x
			p = "/" + p
		}
	}
	q := url.Values{}
	q.Set("_busy_timeout", strconv.FormatInt(busyTimeout.Milliseconds(), 10))
	q.Set("_journal_mode", "WAL")
	// FULL: a commit that returned is on disk, even after a power cut. The journal of
	// money-moving operations is worth the extra fsync.
	q.Set("_synchronous", "FULL")
	q.Set("_foreign_keys", "on")
	// secure_delete: deleted rows are overwritten with zeros, so a burned number's messages, and
	// the rows that named it, cannot be read back from the file's free space.
	q.Set("_pragma", "secure_delete(ON)")
	// IMMEDIATE: a transaction takes the write lock when it begins, so two processes never
	// both read and then both try to upgrade (which SQLite can only resolve by failing one
	// with SQLITE_BUSY, busy timeout or not).
	q.Set("_txlock", "immediate")
	return (&url.URL{Scheme: "file", Path: p, RawQuery: q.Encode()}).String()
}

// Scrub moves every committed change from the write-ahead log into the database file and empties
// the log, so that what was deleted (zeroed in place thanks to secure_delete) survives in
// neither file. It waits, up to the busy timeout, for other connections' readers to finish.
//
// On PostgreSQL it does nothing: the server keeps no log of ours to empty, and reclaims deleted
// rows with its own VACUUM.
func (s *Store) Scrub(ctx context.Context) error {
	if s.depth > 0 {
		return errors.New("store: scrub: called inside a transaction")
	}
	if _, ok := s.d.(sqliteDialect); !ok {
		return nil
	}
	var busy, frames, done int
	if err := s.db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &frames, &done); err != nil {
		return fmt.Errorf("store: scrub: %w", err)
	}
	if busy != 0 {
		return errors.New("store: scrub: another vnum was reading the store; the log is emptied at the next checkpoint")
	}
	return nil
}

// Path is the file the store was opened on, or for PostgreSQL its URL without the password.
func (s *Store) Path() string { return s.path }

// Close releases the database. Calling it on the *Store given to an InTx callback is an error: the
// transaction belongs to InTx.
func (s *Store) Close() error {
	if s.depth > 0 {
		return errors.New("store: close: called inside a transaction")
	}
	s.ops.releaseAll()
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// InTx runs fn with a *Store bound to one IMMEDIATE transaction: fn's writes are committed together
// when it returns nil, and none of them is kept when it returns an error (or panics). On
// PostgreSQL the transaction takes the fleet's write lock first (pgDialect.lockTx), to the same
// effect: no other write transaction, on any machine, runs between fn's reads and its writes.
//
// Called on a *Store that is already in a transaction, InTx joins that transaction through a
// savepoint: an error from fn undoes only fn's writes and is returned to the caller, whose own
// writes commit or roll back with the outer transaction.
func (s *Store) InTx(ctx context.Context, fn func(tx *Store) error) error {
	return s.inTx(ctx, true, fn)
}

// inTx is InTx; exclusive false takes PostgreSQL's fleet-wide write lock in shared mode only, for
// a transaction that takes row locks (SELECT … FOR UPDATE) on what it reads before writing: such
// transactions run side by side, never alongside an exclusive one. SQLite's transactions are
// exclusive either way.
func (s *Store) inTx(ctx context.Context, exclusive bool, fn func(tx *Store) error) error {
	if s.depth > 0 {
		return s.savepoint(ctx, fn)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin transaction: %w", err)
	}
	hooks := &txHooks{}
	rollback := func() {
		_ = tx.Rollback()
		for _, f := range hooks.rollback {
			f()
		}
	}
	done := false
	defer func() {
		if !done { // fn panicked: leave nothing half-written, let the panic continue.
			rollback()
		}
	}()
	ts := s.bound(s.d.wrap(tx), hooks)
	if err := s.d.lockTx(ctx, ts.q, !exclusive); err != nil {
		done = true
		rollback()
		return fmt.Errorf("store: begin transaction: %w", err)
	}
	if err := fn(ts); err != nil {
		done = true
		rollback()
		return err
	}
	done = true
	if err := tx.Commit(); err != nil {
		for _, f := range hooks.rollback {
			f()
		}
		return fmt.Errorf("store: commit transaction: %w", err)
	}
	for _, f := range hooks.commit {
		f()
	}
	return nil
}

func (s *Store) savepoint(ctx context.Context, fn func(tx *Store) error) error {
	name := fmt.Sprintf("vnum_sp%d", s.depth)
	if _, err := s.q.ExecContext(ctx, "SAVEPOINT "+name); err != nil {
		return fmt.Errorf("store: savepoint: %w", err)
	}
	done := false
	undo := func() {
		// ROLLBACK TO keeps the savepoint open; RELEASE closes it.
		_, _ = s.q.ExecContext(context.WithoutCancel(ctx), "ROLLBACK TO "+name)
		_, _ = s.q.ExecContext(context.WithoutCancel(ctx), "RELEASE "+name)
	}
	defer func() {
		if !done {
			undo()
		}
	}()
	inner := s.bound(s.q, s.tx)
	if err := fn(inner); err != nil {
		done = true
		undo()
		return err
	}
	done = true
	if _, err := s.q.ExecContext(ctx, "RELEASE "+name); err != nil {
		return fmt.Errorf("store: release savepoint: %w", err)
	}
	return nil
}

// isLabelConflict reports whether err is the numbers_label unique index refusing a row.
func (s *Store) isLabelConflict(err error) bool {
	return err != nil && s.d.uniqueViolation(err, "numbers_label")
}

// timeArg is the column value for t: unix nanoseconds, which cover the years 1678 to 2262, and
// NULL for the zero time.
func timeArg(t time.Time) (any, error) {
	if t.IsZero() {
		return nil, nil
	}
	if t.Before(time.Unix(0, math.MinInt64)) || t.After(time.Unix(0, math.MaxInt64)) {
		return nil, fmt.Errorf("time %s is outside the years 1678-2262", t.Format(time.RFC3339))
	}
	return t.UnixNano(), nil
}

// asStored is t as the store gives it back (UTC, no monotonic reading): what InsertNumber and
// UpdateNumber leave in the struct, so that it equals the row read back.
func asStored(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return time.Unix(0, t.UnixNano()).UTC()
}

// timeOf is the time stored as v, in UTC.
func timeOf(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.Unix(0, v.Int64).UTC()
}

// Now reads the store's clock, the one every UpdatedAt comes from: compare those stamps with this,
// never with another clock.
func (s *Store) Now() time.Time { return s.now().UTC() }

// stamp is the store's clock reading, rounded to what a column keeps, so a struct the store filled
// in equals the one it reads back.
func (s *Store) stamp() (time.Time, int64) {
	n := s.now().UnixNano()
	return time.Unix(0, n).UTC(), n
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}
