package sandbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/vnum-cli/vnum/internal/privfile"
	"github.com/vnum-cli/vnum/providers"
)

// DBFile is the sandbox's database, in Settings.DataDir or the directory EnvDir names. It is the simulated carrier's state,
// not vnum's record of the user's numbers.
const DBFile = "sandbox.db"

// busyTimeout is how long a write waits for other vnum processes before giving up: long enough
// for a script's parallel buys to queue, short enough to report a stuck database.
const busyTimeout = 10 * time.Second

// migrations are the schema steps; PRAGMA user_version counts how many have been applied, so a
// warm open costs one read of the database header.
func migrations() []string {
	return []string{
		`CREATE TABLE numbers (
			id          TEXT PRIMARY KEY,
			e164        TEXT NOT NULL UNIQUE, -- the constraint that lets exactly one racing buy win
			country     TEXT NOT NULL,
			type        TEXT NOT NULL,
			voice       INTEGER NOT NULL,
			sms         INTEGER NOT NULL,
			mms         INTEGER NOT NULL,
			label       TEXT NOT NULL DEFAULT '',
			monthly     INTEGER NOT NULL, -- micros of currency
			currency    TEXT NOT NULL,
			fwd_calls   TEXT NOT NULL DEFAULT '',
			fwd_sms     TEXT NOT NULL DEFAULT '',
			created_at  INTEGER NOT NULL, -- Unix nanoseconds
			approved_at INTEGER NOT NULL DEFAULT 0 -- Unix nanoseconds; pending documents until then
		);
		CREATE TABLE messages (
			seq         INTEGER PRIMARY KEY AUTOINCREMENT, -- orders messages received in the same nanosecond
			id          TEXT NOT NULL UNIQUE,
			number_id   TEXT NOT NULL,
			sender      TEXT NOT NULL,
			recipient   TEXT NOT NULL,
			body        TEXT NOT NULL,
			inbound     INTEGER NOT NULL,
			received_at INTEGER NOT NULL -- Unix nanoseconds
		);
		CREATE INDEX messages_by_number ON messages (number_id, received_at, seq);`,
		// 2: calls (calls.go): a number's call rules (JSON), the calls it received and the
		// voicemails left, with their audio. Calls and recordings outlive the number, as at a
		// real carrier.
		`ALTER TABLE numbers ADD COLUMN call_rules TEXT NOT NULL DEFAULT '';
		CREATE TABLE calls (
			id          TEXT PRIMARY KEY,
			number_id   TEXT NOT NULL,
			caller      TEXT NOT NULL,
			called      TEXT NOT NULL,
			at          INTEGER NOT NULL, -- Unix nanoseconds
			duration_ms INTEGER NOT NULL,
			outcome     TEXT NOT NULL
		);
		CREATE INDEX calls_by_number ON calls (number_id, at);
		CREATE TABLE recordings (
			id          TEXT PRIMARY KEY,
			call_id     TEXT NOT NULL,
			number_id   TEXT NOT NULL,
			caller      TEXT NOT NULL,
			called      TEXT NOT NULL,
			at          INTEGER NOT NULL,
			duration_ms INTEGER NOT NULL,
			audio       BLOB NOT NULL
		);
		CREATE INDEX recordings_by_number ON recordings (number_id, at);`,
	}
}

// openDB opens (creating if needed) the database at path and brings its schema up to date.
func openDB(ctx context.Context, path string) (*sql.DB, error) {
	if strings.ContainsRune(path, '?') {
		return nil, fmt.Errorf("data directory %q must not contain '?'", filepath.Dir(path))
	}
	// The directory must be the user's own and closed to others, and the files are created here
	// rather than by SQLite, without following a symbolic link and 0600 whatever the umask.
	if err := privfile.Ensure(privfile.Dir{Path: filepath.Dir(path), What: "data directory",
		Elsewhere: "set VNUM_SANDBOX_DIR, or VNUM_DATA_DIR (or XDG_DATA_HOME)"}); err != nil {
		return nil, err
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := privfile.Create(p); err != nil {
			return nil, err
		}
	}
	// _txlock=immediate: a write transaction takes the write lock when it begins, so two
	// processes never deadlock upgrading read locks, and busy_timeout queues them instead.
	// secure_delete: a released number's messages are zeroed in the file, as a real carrier's
	// copy goes with the number.
	dsn := fmt.Sprintf("%s?_busy_timeout=%d&_txlock=immediate&_synchronous=NORMAL&_pragma=secure_delete(ON)", path, busyTimeout.Milliseconds())
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	if err := migrate(ctx, db); err != nil {
		_ = db.Close()
		return nil, err
	}
	return db, nil
}

func migrate(ctx context.Context, db *sql.DB) error {
	steps := migrations()
	var version int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return err
	}
	if version == len(steps) {
		return nil
	}
	if version > len(steps) {
		return fmt.Errorf("the sandbox database has schema %d, newer than this vnum knows (%d); upgrade vnum", version, len(steps))
	}
	// WAL lets readers run beside a writer; the mode is stored in the file, so it is set once.
	if _, err := db.ExecContext(ctx, "PRAGMA journal_mode=WAL"); err != nil {
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	// Another process may have migrated while this one waited for the write lock.
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return err
	}
	for _, step := range steps[version:] {
		if _, err := tx.ExecContext(ctx, step); err != nil {
			return fmt.Errorf("migrate sandbox database: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", len(steps))); err != nil {
		return err
	}
	return tx.Commit()
}

const numberColumns = `id, e164, country, type, voice, sms, mms, label, monthly, currency, fwd_calls, fwd_sms, created_at, approved_at`

type scanner interface {
	Scan(dest ...any) error
}

// scanNumber reads a row of numberColumns. A number bought pending documents turns active once
// its approval time has passed, without a write: reading is all Get and List do.
func scanNumber(row scanner, now time.Time) (providers.Number, error) {
	var (
		n                   providers.Number
		typ                 string
		created, approvedAt int64
	)
	err := row.Scan(&n.ID, &n.Number, &n.Country, &typ, &n.Features.Voice, &n.Features.SMS, &n.Features.MMS,
		&n.Label, &n.Monthly.Micros, &n.Monthly.Currency, &n.Forward.Calls, &n.Forward.SMS, &created, &approvedAt)
	if err != nil {
		return providers.Number{}, err
	}
	n.Type = providers.NumberType(typ)
	n.CreatedAt = time.Unix(0, created).UTC()
	n.State = providers.StateActive
	if now.UnixNano() < approvedAt {
		n.State = providers.StatePendingDocuments
	}
	return n, nil
}

// getNumber reads one owned number by id; sql.ErrNoRows if there is none.
func getNumber(ctx context.Context, q querier, id string, now time.Time) (providers.Number, error) {
	return scanNumber(q.QueryRowContext(ctx, "SELECT "+numberColumns+" FROM numbers WHERE id = ?", id), now)
}

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

const messageColumns = `id, sender, recipient, body, inbound, received_at`

func scanMessage(row scanner) (providers.Message, error) {
	var (
		m        providers.Message
		received int64
	)
	if err := row.Scan(&m.ID, &m.From, &m.To, &m.Text, &m.Inbound, &received); err != nil {
		return providers.Message{}, err
	}
	m.ReceivedAt = time.Unix(0, received).UTC()
	return m, nil
}

func insertMessage(ctx context.Context, q querier, numberID string, m providers.Message) error {
	_, err := q.ExecContext(ctx,
		"INSERT INTO messages (id, number_id, sender, recipient, body, inbound, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
		m.ID, numberID, m.From, m.To, m.Text, m.Inbound, m.ReceivedAt.UnixNano())
	return err
}

// inTx runs fn in a write transaction (BEGIN IMMEDIATE, see openDB) and commits it.
func inTx(ctx context.Context, db *sql.DB, fn func(tx *sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		if rbErr := tx.Rollback(); rbErr != nil && !errors.Is(rbErr, sql.ErrTxDone) {
			return errors.Join(err, rbErr)
		}
		return err
	}
	return tx.Commit()
}
