package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// dialect is what differs between the two databases a store can live on. Every query is written
// once, in SQLite's spelling with ? placeholders; the dialect adapts it, and supplies the few
// statements that have no common form (the schema version, the locks).
type dialect interface {
	// name is "sqlite" or "postgres", for messages.
	name() string
	// wrap adapts q (a *sql.DB, *sql.Tx or *sql.Conn) to the dialect's placeholders and types.
	wrap(q querier) querier
	// lockTx makes the transaction just begun exclusive, as SQLite's IMMEDIATE does: the store's
	// read-then-write transactions rely on no other writer running between their read and write.
	lockTx(ctx context.Context, q querier, shared bool) error
	// lockSchema, inside a transaction, keeps other processes from migrating at the same time.
	lockSchema(ctx context.Context, q querier) error
	// schemaVersion reads how many migrations the database ran (0 for a new one), inside the
	// migration's transaction; setSchemaVersion records v there.
	schemaVersion(ctx context.Context, q querier) (int, error)
	// currentVersion reads the version outside a transaction, without creating anything.
	currentVersion(ctx context.Context, q querier) (int, error)
	setSchemaVersion(ctx context.Context, q querier, v int) error
	// ddl is a migration step in the dialect's spelling.
	ddl(step string) string
	// skipLocked ends a SELECT that picks a row to change, where the dialect has row locks: a
	// row another transaction is changing is passed over rather than waited for.
	skipLocked() string
	// forUpdate ends a SELECT whose rows the transaction is about to change, where the
	// dialect has row locks: they are locked until it ends.
	forUpdate() string
	// uniqueViolation reports whether err is the unique index named index refusing a row.
	uniqueViolation(err error, index string) bool

	// For Copy: the store's tables, a table's columns and primary key (in key order; empty when
	// it has none), and the highest id a table's generated ids ever reached (ok false for a
	// table that generates none; asked only of a table with an id column), which setLastID
	// raises to v so no id is handed out twice.
	tables(ctx context.Context, q querier) ([]string, error)
	columns(ctx context.Context, q querier, table string) (cols, key []string, err error)
	lastID(ctx context.Context, q querier, table string) (v int64, ok bool, err error)
	setLastID(ctx context.Context, q querier, table string, v int64) error
}

// sqliteDialect is the default store: one file in the data directory.
type sqliteDialect struct{}

func (sqliteDialect) name() string           { return "sqlite" }
func (sqliteDialect) wrap(q querier) querier { return q }
func (sqliteDialect) ddl(step string) string { return step }

// skipLocked: SQLite has no row locks; the IMMEDIATE transaction serialises writers.
func (sqliteDialect) skipLocked() string { return "" }
func (sqliteDialect) forUpdate() string  { return "" }

// lockTx: the transaction is IMMEDIATE already (dsn's _txlock), nothing to add.
func (sqliteDialect) lockTx(context.Context, querier, bool) error { return nil }

// lockSchema: the IMMEDIATE transaction holds the write lock, which covers the schema too.
func (sqliteDialect) lockSchema(context.Context, querier) error { return nil }

func (sqliteDialect) schemaVersion(ctx context.Context, q querier) (int, error) {
	var v int
	if err := q.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return 0, fmt.Errorf("store: read schema version: %w", err)
	}
	return v, nil
}

func (d sqliteDialect) currentVersion(ctx context.Context, q querier) (int, error) {
	return d.schemaVersion(ctx, q)
}

func (sqliteDialect) setSchemaVersion(ctx context.Context, q querier, v int) error {
	// PRAGMA takes no bound parameters; the value is our own integer.
	if _, err := q.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v)); err != nil {
		return fmt.Errorf("store: set schema version: %w", err)
	}
	return nil
}

func (sqliteDialect) uniqueViolation(err error, index string) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) || se.Code() != sqlite3.SQLITE_CONSTRAINT_UNIQUE {
		return false
	}
	// SQLite names the columns ("numbers.label"), not the index: our unique indexes are named
	// table_column.
	return strings.Contains(se.Error(), strings.Replace(index, "_", ".", 1))
}

// Advisory lock keys on PostgreSQL: pg_advisory_*lock(lockSpace, what). The space keeps vnum's
// locks apart from any other application's on the same database.
const (
	lockSpace   = 0x766e756d // "vnum"
	lockWrites  = 0          // every write transaction (lockTx)
	lockMigrate = 1          // schema migrations (lockSchema)
	// Journal entries use pg_advisory_lock(opLockSpace, op id): see oplock.go.
	opLockSpace = lockSpace + 1
)

// pgDialect is a store shared by several machines on one PostgreSQL database.
type pgDialect struct{}

func (pgDialect) name() string { return "postgres" }

func (pgDialect) wrap(q querier) querier { return pgQuerier{q} }

func (pgDialect) skipLocked() string { return " FOR UPDATE SKIP LOCKED" }
func (pgDialect) forUpdate() string  { return " FOR UPDATE" }

// lockTx takes one transaction-scoped advisory lock for every write transaction of the fleet:
// the exact counterpart of SQLite's IMMEDIATE, so that every read-then-write the store and its
// callers do keeps its meaning (at READ COMMITTED, two transactions would otherwise both read
// "free" and both write). Transactions are short; the lock is released at commit or rollback,
// and by the server when the connection dies.
//
// shared takes it in shared mode, for transactions that lock the rows they change themselves
// (BeginNumberOp): those run side by side, but never while an exclusive one runs.
func (pgDialect) lockTx(ctx context.Context, q querier, shared bool) error {
	fn := "pg_advisory_xact_lock"
	if shared {
		fn = "pg_advisory_xact_lock_shared"
	}
	_, err := q.ExecContext(ctx, `SELECT `+fn+`(?, ?)`, lockSpace, lockWrites)
	return err
}

func (pgDialect) lockSchema(ctx context.Context, q querier) error {
	_, err := q.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?, ?)`, lockSpace, lockMigrate)
	return err
}

// The schema version lives in a one-row table, PostgreSQL having no user_version.
func (pgDialect) schemaVersion(ctx context.Context, q querier) (int, error) {
	if _, err := q.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS vnum_schema (version BIGINT NOT NULL)`); err != nil {
		return 0, fmt.Errorf("store: read schema version: %w", err)
	}
	var v int
	err := q.QueryRowContext(ctx, `SELECT version FROM vnum_schema`).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: read schema version: %w", err)
	}
	return v, nil
}

func (pgDialect) currentVersion(ctx context.Context, q querier) (int, error) {
	var v int
	err := q.QueryRowContext(ctx, `SELECT version FROM vnum_schema`).Scan(&v)
	if err != nil {
		return 0, err
	}
	return v, nil
}

func (pgDialect) setSchemaVersion(ctx context.Context, q querier, v int) error {
	_, err := q.ExecContext(ctx, `DELETE FROM vnum_schema`)
	if err == nil {
		_, err = q.ExecContext(ctx, `INSERT INTO vnum_schema (version) VALUES (?)`, v)
	}
	if err != nil {
		return fmt.Errorf("store: set schema version: %w", err)
	}
	return nil
}

var (
	pgIdentity = regexp.MustCompile(`(?i)\bINTEGER\s+PRIMARY\s+KEY\s+AUTOINCREMENT\b`)
	pgInteger  = regexp.MustCompile(`(?i)\bINTEGER\b`)
	pgBlob     = regexp.MustCompile(`(?i)\bBLOB\b`)
)

// ddl spells a migration step for PostgreSQL. The steps are written in the SQL both databases
// accept except for three words: SQLite's INTEGER is 64 bits where PostgreSQL's is 32 (times are
// nanoseconds), AUTOINCREMENT is an identity column, BLOB is BYTEA.
func (pgDialect) ddl(step string) string {
	step = pgIdentity.ReplaceAllString(step, "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY")
	step = pgInteger.ReplaceAllString(step, "BIGINT")
	return pgBlob.ReplaceAllString(step, "BYTEA")
}

func (pgDialect) uniqueViolation(err error, index string) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505" && pe.ConstraintName == index
}

// pgQuerier runs the store's queries on PostgreSQL: ? placeholders become $1, $2, … and
// booleans, which the store keeps in INTEGER columns, become 0 and 1.
type pgQuerier struct{ q querier }

func (p pgQuerier) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return p.q.ExecContext(ctx, rebind(query), pgArgs(args)...)
}

func (p pgQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return p.q.QueryContext(ctx, rebind(query), pgArgs(args)...)
}

func (p pgQuerier) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return p.q.QueryRowContext(ctx, rebind(query), pgArgs(args)...)
}

// PrepareContext prepares query with PostgreSQL's placeholders; the statement's arguments are
// passed as they are, so callers give 0/1 rather than booleans (flag).
func (p pgQuerier) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	prep, ok := p.q.(interface {
		PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
	})
	if !ok {
		return nil, fmt.Errorf("cannot prepare statements on %T", p.q)
	}
	return prep.PrepareContext(ctx, rebind(query))
}

// rebind turns each ? outside a quoted string or identifier into $n.
func rebind(query string) string {
	if !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	var quote byte
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// pgArgs adapts the store's arguments to PostgreSQL: booleans become 0/1 and text that TEXT
// refuses (bytes that are not UTF-8, NUL) is stored with U+FFFD in their place, rather than
// failing the write: losing a received message over one odd byte would be worse.
func pgArgs(args []any) []any {
	var out []any // a copy only when something changes: args may be the caller's slice
	for i, a := range args {
		var v any
		switch a := a.(type) {
		case bool:
			v = flag(a)
		case string:
			if pgText(a) == a {
				continue
			}
			v = pgText(a)
		default:
			continue
		}
		if out == nil {
			out = append([]any(nil), args...)
		}
		out[i] = v
	}
	if out == nil {
		return args
	}
	return out
}

// pgText is s as a PostgreSQL TEXT value can hold it.
func pgText(s string) string {
	if utf8.ValidString(s) && !strings.ContainsRune(s, 0) {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}

// flag is a boolean as the store keeps it: INTEGER 0 or 1, in either database.
func flag(b bool) int {
	if b {
		return 1
	}
	return 0
}

// tables are in the order they were made, so that a table is filled before one that refers to it.
func (sqliteDialect) tables(ctx context.Context, q querier) ([]string, error) {
	return strs(q.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY rowid`))
}

func (sqliteDialect) columns(ctx context.Context, q querier, table string) (cols, key []string, err error) {
	rows, err := q.QueryContext(ctx, `SELECT name, pk FROM pragma_table_info(?) ORDER BY cid`, table)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	pk := map[int]string{}
	for rows.Next() {
		var name string
		var n int
		if err := rows.Scan(&name, &n); err != nil {
			return nil, nil, err
		}
		cols = append(cols, name)
		if n > 0 {
			pk[n] = name
		}
	}
	for i := 1; i <= len(pk); i++ {
		key = append(key, pk[i])
	}
	return cols, key, rows.Err()
}

// lastID: AUTOINCREMENT tables keep theirs in sqlite_sequence (a row once one id was given).
func (sqliteDialect) lastID(ctx context.Context, q querier, table string) (int64, bool, error) {
	var sqlText string
	err := q.QueryRowContext(ctx, `SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?`, table).Scan(&sqlText)
	if err != nil || !strings.Contains(strings.ToUpper(sqlText), "AUTOINCREMENT") {
		return 0, false, err
	}
	var v int64
	err = q.QueryRowContext(ctx, `SELECT seq FROM sqlite_sequence WHERE name = ?`, table).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, true, nil
	}
	return v, err == nil, err
}

func (d sqliteDialect) setLastID(ctx context.Context, q querier, table string, v int64) error {
	cur, ok, err := d.lastID(ctx, q, table)
	if err != nil || !ok || cur >= v {
		return err
	}
	res, err := q.ExecContext(ctx, `UPDATE sqlite_sequence SET seq = ? WHERE name = ?`, v, table)
	if n, _ := res.RowsAffected(); err == nil && n == 0 {
		_, err = q.ExecContext(ctx, `INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)`, table, v)
	}
	return err
}

func (pgDialect) tables(ctx context.Context, q querier) ([]string, error) {
	return strs(q.QueryContext(ctx, `SELECT relname FROM pg_class
		WHERE relnamespace = current_schema()::regnamespace AND relkind = 'r' AND relname <> 'vnum_schema'
		ORDER BY oid`))
}

func (pgDialect) columns(ctx context.Context, q querier, table string) (cols, key []string, err error) {
	if cols, err = strs(q.QueryContext(ctx, `SELECT column_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position`, table)); err != nil {
		return nil, nil, err
	}
	key, err = strs(q.QueryContext(ctx, `SELECT k.column_name FROM information_schema.table_constraints c
		JOIN information_schema.key_column_usage k
		  ON k.constraint_schema = c.constraint_schema AND k.constraint_name = c.constraint_name
		WHERE c.table_schema = current_schema() AND c.table_name = ? AND c.constraint_type = 'PRIMARY KEY'
		ORDER BY k.ordinal_position`, table))
	return cols, key, err
}

// lastID: an identity column's sequence (last_value is NULL until it gave an id).
func (pgDialect) lastID(ctx context.Context, q querier, table string) (int64, bool, error) {
	var seq sql.NullString
	// Only asked of a table with an id column (an error would end the transaction).
	if err := q.QueryRowContext(ctx, `SELECT pg_get_serial_sequence(?, 'id')`, table).Scan(&seq); err != nil {
		return 0, false, err
	}
	if !seq.Valid {
		return 0, false, nil
	}
	var v sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT last_value FROM pg_sequences
		WHERE quote_ident(schemaname) || '.' || quote_ident(sequencename) = ?`, seq.String).Scan(&v)
	return v.Int64, err == nil, err
}

func (d pgDialect) setLastID(ctx context.Context, q querier, table string, v int64) error {
	cur, ok, err := d.lastID(ctx, q, table)
	if err != nil || !ok || cur >= v || v < 1 {
		return err
	}
	_, err = q.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence(?, 'id'), ?)`, table, v)
	return err
}

// strs reads a one-column result of text.
func strs(rows *sql.Rows, err error) ([]string, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
