package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// CopyReport says what Copy found in each table of the source.
type CopyReport struct {
	Tables []TableCopy
}

// TableCopy is one table's count: rows in the source, and how many of them the destination did
// not have yet (the others it had, identical).
type TableCopy struct {
	Table  string
	Rows   int
	Copied int
}

// Copied is the number of rows Copy wrote, over every table.
func (r CopyReport) Copied() int {
	n := 0
	for _, t := range r.Tables {
		n += t.Copied
	}
	return n
}

// ConflictError is Copy's refusal: the destination holds rows that differ from the source's with
// the same key (or that a unique index keeps the source's out). Nothing was written.
type ConflictError struct {
	Conflicts []string // "numbers id=3", at most a few
	More      int      // how many more there were
}

func (e *ConflictError) Error() string {
	s := "the destination already holds different data: " + strings.Join(e.Conflicts, ", ")
	if e.More > 0 {
		s += fmt.Sprintf(" and %d more", e.More)
	}
	return s + "; nothing was copied"
}

// maxConflicts is how many conflicts a ConflictError names.
const maxConflicts = 5

// Copy copies every row of every table of from into to, whichever database each is on, with the
// ids it has (messages and history refer to numbers by id), and raises to's id counters so that
// no id from is handed out again. A row to already has, identical, is left alone, so copying
// twice changes nothing; a row to has with the same key but different values is a conflict, and
// then Copy writes nothing and returns a *ConflictError. It runs in one transaction on each side:
// the copy is whole or absent, and a vnum using either store meanwhile waits for it.
func Copy(ctx context.Context, from, to *Store) (CopyReport, error) {
	var rep CopyReport
	err := from.InTx(ctx, func(src *Store) error {
		return to.InTx(ctx, func(dst *Store) error {
			var err error
			rep, err = copyTables(ctx, src, dst)
			return err
		})
	})
	if err != nil {
		return CopyReport{}, err
	}
	return rep, nil
}

func copyTables(ctx context.Context, src, dst *Store) (CopyReport, error) {
	tables, err := src.d.tables(ctx, src.q)
	if err != nil {
		return CopyReport{}, fmt.Errorf("store: copy: list tables: %w", err)
	}
	have, err := dst.d.tables(ctx, dst.q)
	if err != nil {
		return CopyReport{}, fmt.Errorf("store: copy: list tables: %w", err)
	}
	var rep CopyReport
	conflicts := &ConflictError{}
	for _, table := range tables {
		if !slices.Contains(have, table) {
			return CopyReport{}, fmt.Errorf("store: copy: %s has no table %s: are both stores used by the same vnum version?", dst.path, table)
		}
		tc, err := copyTable(ctx, src, dst, table, conflicts)
		if err != nil {
			return CopyReport{}, err
		}
		rep.Tables = append(rep.Tables, tc)
	}
	if len(conflicts.Conflicts) > 0 {
		return CopyReport{}, conflicts
	}
	return rep, nil
}

func copyTable(ctx context.Context, src, dst *Store, table string, conflicts *ConflictError) (TableCopy, error) {
	tc := TableCopy{Table: table}
	cols, key, err := src.d.columns(ctx, src.q, table)
	if err != nil {
		return tc, fmt.Errorf("store: copy %s: %w", table, err)
	}
	dcols, _, err := dst.d.columns(ctx, dst.q, table)
	if err != nil {
		return tc, fmt.Errorf("store: copy %s: %w", table, err)
	}
	if !slices.Equal(cols, dcols) {
		return tc, fmt.Errorf("store: copy %s: its columns differ between the stores (%s and %s): are both used by the same vnum version?",
			table, strings.Join(cols, ","), strings.Join(dcols, ","))
	}
	if len(key) == 0 {
		key = cols // no primary key: a row is known by all its values
	}
	list := strings.Join(cols, ", ")
	rows, err := readRows(ctx, src.q, `SELECT `+list+` FROM `+table+` ORDER BY `+strings.Join(key, ", "), len(cols))
	if err != nil {
		return tc, fmt.Errorf("store: copy %s: %w", table, err)
	}
	keyAt := make([]int, len(key))
	var where []string
	for i, k := range key {
		keyAt[i] = slices.Index(cols, k)
		where = append(where, k+" = ?")
	}
	find := `SELECT ` + list + ` FROM ` + table + ` WHERE ` + strings.Join(where, " AND ")
	insert := `INSERT INTO ` + table + ` (` + list + `) VALUES (` + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + `)`
	lossy := src.d.name() != dst.d.name() // text PostgreSQL could not hold came back changed
	for _, row := range rows {
		tc.Rows++
		args := make([]any, len(key))
		for i, at := range keyAt {
			args[i] = row[at]
		}
		found, err := readRows(ctx, dst.q, find, len(cols), args...)
		if err != nil {
			return tc, fmt.Errorf("store: copy %s: %w", table, err)
		}
		if len(found) > 0 {
			if !sameRow(row, found[0], lossy) {
				conflicts.add(table, key, args)
			}
			continue
		}
		if len(conflicts.Conflicts) > 0 {
			continue // nothing will be written: only look for more conflicts
		}
		if _, err := dst.q.ExecContext(ctx, insert, row...); err != nil {
			if isUnique(err) {
				conflicts.add(table, key, args)
				return tc, conflicts // the transaction cannot go on after a failed statement
			}
			return tc, fmt.Errorf("store: copy %s: %w", table, err)
		}
		tc.Copied++
	}
	if slices.Contains(cols, "id") {
		last, ok, err := src.d.lastID(ctx, src.q, table)
		if err == nil && ok {
			err = dst.d.setLastID(ctx, dst.q, table, last)
		}
		if err != nil {
			return tc, fmt.Errorf("store: copy %s: id counter: %w", table, err)
		}
	}
	return tc, nil
}

func (e *ConflictError) add(table string, key []string, vals []any) {
	if len(e.Conflicts) >= maxConflicts {
		e.More++
		return
	}
	var parts []string
	for i, k := range key {
		parts = append(parts, fmt.Sprintf("%s=%v", k, text(vals[i])))
	}
	e.Conflicts = append(e.Conflicts, table+" "+strings.Join(parts, " "))
}

// isUnique reports whether err is a unique constraint refusing a row, in either database.
func isUnique(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// readRows reads every row of a query as column values.
func readRows(ctx context.Context, q querier, query string, n int, args ...any) ([][]any, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	var out [][]any
	for rows.Next() {
		vals := make([]any, n)
		ptrs := make([]any, n)
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			_ = rows.Close()
			return nil, err
		}
		out = append(out, vals)
	}
	return out, errors.Join(rows.Err(), rows.Close())
}

// sameRow compares two rows as values: the databases give the same integer as int64, text as
// string or bytes.
func sameRow(a, b []any, lossy bool) bool {
	for i := range a {
		x, y := text(a[i]), text(b[i])
		if lossy {
			x, y = pgText(x), pgText(y)
		}
		if (a[i] == nil) != (b[i] == nil) || x != y {
			return false
		}
	}
	return true
}

func text(v any) string {
	if b, ok := v.([]byte); ok {
		return string(b)
	}
	return fmt.Sprint(v)
}
