package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// A pool is a named set of numbers that jobs (CI runs, test workers) lease one at a time: a lease
// hands one job a number no other job holds, until the job returns it or the lease expires.
// Every claim here is one conditional write that both SQLite and PostgreSQL carry out atomically
// (INSERT … ON CONFLICT DO NOTHING, UPDATE/DELETE … WHERE), so two processes, on one machine or
// many, never both win one.

// Holder says who holds a lease: the machine, the CI job (from the environment, "" outside CI)
// and the process that asked for it.
type Holder struct {
	Host string
	Job  string
	PID  int
}

// Lease is one job's hold on one number of a pool.
type Lease struct {
	ID        string
	NumberID  int64
	Pool      string
	Holder    Holder
	StartedAt time.Time
	ExpiresAt time.Time
}

// PoolEntry is a number of a pool and, when it is leased, its lease.
type PoolEntry struct {
	Pool   string
	Number Number
	Lease  *Lease // nil: free
}

// PoolClaim is the right to buy a number for a pool: held by one process at a time, so that two
// jobs finding no free number do not both buy one.
type PoolClaim struct {
	Pool      string
	Token     string // random, names this holder's claim
	Host      string
	PID       int
	ExpiresAt time.Time
}

// AddToPool puts a number in a pool (moving it from the one it was in, if any).
func (s *Store) AddToPool(ctx context.Context, numberID int64, pool string) error {
	_, nanos := s.stamp()
	_, err := s.q.ExecContext(ctx, `INSERT INTO pool_numbers (number_id, pool, added_at) VALUES (?, ?, ?)
		ON CONFLICT (number_id) DO UPDATE SET pool = excluded.pool`, numberID, pool, nanos)
	if err != nil {
		return fmt.Errorf("store: add number %d to pool %s: %w", numberID, pool, err)
	}
	return nil
}

// PoolOf is the pool a number is in, "" for none.
func (s *Store) PoolOf(ctx context.Context, numberID int64) (string, error) {
	var pool string
	err := s.q.QueryRowContext(ctx, `SELECT pool FROM pool_numbers WHERE number_id = ?`, numberID).Scan(&pool)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("store: pool of number %d: %w", numberID, err)
	}
	return pool, nil
}

// MovePool hands the pool membership and the lease of number from to number to: a rotate's
// replacement takes the old number's place in its pool, and the job holding it keeps its lease.
func (s *Store) MovePool(ctx context.Context, from, to int64) error {
	return s.InTx(ctx, func(tx *Store) error {
		pool, err := tx.PoolOf(ctx, from)
		if err != nil || pool == "" {
			return err
		}
		if _, err := tx.q.ExecContext(ctx, `DELETE FROM pool_numbers WHERE number_id = ?`, from); err != nil {
			return fmt.Errorf("store: move pool: %w", err)
		}
		if err := tx.AddToPool(ctx, to, pool); err != nil {
			return err
		}
		if _, err := tx.q.ExecContext(ctx, `UPDATE leases SET number_id = ? WHERE number_id = ?`, to, from); err != nil {
			return fmt.Errorf("store: move lease: %w", err)
		}
		return nil
	})
}

// ReclaimLeases ends every lease that expired at or before now, and forgets pool entries and leases
// of numbers vnum no longer holds (released, rotated away, burned). It returns the expired leases.
func (s *Store) ReclaimLeases(ctx context.Context, now time.Time) ([]Lease, error) {
	// The common case, nothing to reclaim, is one read: no write lock is taken (on PostgreSQL a
	// fleet-wide one), which matters to a waiting sms wait that asks at every poll.
	var stale int64
	err := s.q.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM leases WHERE expires_at <= ? OR number_id NOT IN (SELECT id FROM numbers)) +
		(SELECT COUNT(*) FROM pool_numbers WHERE number_id NOT IN (SELECT id FROM numbers))`, now.UnixNano()).Scan(&stale)
	if err != nil {
		return nil, fmt.Errorf("store: reclaim leases: %w", err)
	}
	if stale == 0 {
		return nil, nil
	}
	var out []Lease
	err = s.InTx(ctx, func(tx *Store) error {
		var err error
		out, err = tx.listLeases(ctx, `WHERE expires_at <= ?`, now.UnixNano())
		if err != nil {
			return err
		}
		if _, err := tx.q.ExecContext(ctx, `DELETE FROM leases WHERE expires_at <= ?`, now.UnixNano()); err != nil {
			return fmt.Errorf("store: reclaim leases: %w", err)
		}
		for _, q := range []string{
			`DELETE FROM leases WHERE number_id NOT IN (SELECT id FROM numbers)`,
			`DELETE FROM pool_numbers WHERE number_id NOT IN (SELECT id FROM numbers)`,
		} {
			if _, err := tx.q.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("store: reclaim leases: %w", err)
			}
		}
		return nil
	})
	return out, err
}

// LeaseQuery narrows which free number of a pool ClaimFree may hand out.
type LeaseQuery struct {
	Pool    string
	Country string // "" any
	Type    string // "" any
	// TTL and Now, when set, give the lease its start and expiry inside the transaction that
	// claims the number: a lease begins when it is taken, not when it was asked for (a process
	// may wait long between the two), so that its holder never sees what came before it.
	TTL time.Duration
	Now func() time.Time
}

// ClaimFree leases l to the first free number of q.Pool that fits q: in the pool, without a lease,
// with no operation of the journal on it. It sets l.NumberID and reports whether there was one.
func (s *Store) ClaimFree(ctx context.Context, q LeaseQuery, l *Lease) (Number, bool, error) {
	var got Number
	found := false
	err := s.InTx(ctx, func(tx *Store) error {
		query := `SELECT p.number_id FROM pool_numbers p JOIN numbers n ON n.id = p.number_id
			WHERE p.pool = ?
			AND NOT EXISTS (SELECT 1 FROM leases l WHERE l.number_id = p.number_id)
			AND NOT EXISTS (SELECT 1 FROM ops o WHERE o.number_id = p.number_id)`
		args := []any{q.Pool}
		if q.Country != "" {
			query += ` AND n.country = ?`
			args = append(args, q.Country)
		}
		if q.Type != "" {
			query += ` AND n.type = ?`
			args = append(args, q.Type)
		}
		ids, err := tx.ids(ctx, query+` ORDER BY p.number_id`, args...)
		if err != nil {
			return err
		}
		if q.Now != nil && len(ids) > 0 {
			l.StartedAt = q.Now().UTC()
			l.ExpiresAt = l.StartedAt.Add(q.TTL)
		}
		for _, id := range ids {
			l.NumberID, l.Pool = id, q.Pool
			ok, err := tx.InsertLease(ctx, l)
			if err != nil {
				return err
			}
			if ok {
				got, err = tx.GetNumber(ctx, id)
				found = err == nil
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Number{}, false, err
	}
	return got, found, nil
}

func (s *Store) ids(ctx context.Context, query string, args ...any) ([]int64, error) {
	rows, err := s.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: pool: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: pool: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: pool: %w", err)
	}
	return ids, nil
}

// InsertLease records l on l.NumberID unless that number is leased already: false then, and
// nothing is written. The unique index on the number is the claim, whichever process writes first.
func (s *Store) InsertLease(ctx context.Context, l *Lease) (bool, error) {
	if l.ID == "" || l.NumberID == 0 || l.Pool == "" {
		return false, errors.New("store: insert lease: id, number and pool are required")
	}
	res, err := s.q.ExecContext(ctx, `INSERT INTO leases (id, number_id, pool, host, job, pid, started_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (number_id) DO NOTHING`,
		l.ID, l.NumberID, l.Pool, l.Holder.Host, l.Holder.Job, l.Holder.PID, l.StartedAt.UnixNano(), l.ExpiresAt.UnixNano())
	if err != nil {
		return false, fmt.Errorf("store: insert lease: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: insert lease: %w", err)
	}
	return n == 1, nil
}

const leaseColumns = `id, number_id, pool, host, job, pid, started_at, expires_at`

func (s *Store) listLeases(ctx context.Context, where string, args ...any) ([]Lease, error) {
	rows, err := s.q.QueryContext(ctx, `SELECT `+leaseColumns+` FROM leases `+where+` ORDER BY started_at, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list leases: %w", err)
	}
	defer rows.Close()
	out := []Lease{}
	for rows.Next() {
		var (
			l                Lease
			started, expires int64
		)
		if err := rows.Scan(&l.ID, &l.NumberID, &l.Pool, &l.Holder.Host, &l.Holder.Job, &l.Holder.PID, &started, &expires); err != nil {
			return nil, fmt.Errorf("store: list leases: %w", err)
		}
		l.StartedAt, l.ExpiresAt = time.Unix(0, started).UTC(), time.Unix(0, expires).UTC()
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list leases: %w", err)
	}
	return out, nil
}

// GetLease reads a lease by id; ErrNotFound when it is not held (returned, expired and reclaimed,
// or never was).
func (s *Store) GetLease(ctx context.Context, id string) (Lease, error) {
	ls, err := s.listLeases(ctx, `WHERE id = ?`, id)
	if err != nil {
		return Lease{}, err
	}
	if len(ls) == 0 {
		return Lease{}, fmt.Errorf("store: lease %s: %w", id, ErrNotFound)
	}
	return ls[0], nil
}

// LeaseOf is the lease on a number; false when it has none.
func (s *Store) LeaseOf(ctx context.Context, numberID int64) (Lease, bool, error) {
	ls, err := s.listLeases(ctx, `WHERE number_id = ?`, numberID)
	if err != nil || len(ls) == 0 {
		return Lease{}, false, err
	}
	return ls[0], true, nil
}

// ListLeases returns every lease held, oldest first.
func (s *Store) ListLeases(ctx context.Context) ([]Lease, error) {
	return s.listLeases(ctx, ``)
}

// EndLease removes the lease id: ErrNotFound when it is not held any more (already returned, or
// expired and reclaimed), which tells a job it no longer holds the number.
func (s *Store) EndLease(ctx context.Context, id string) error {
	res, err := s.q.ExecContext(ctx, `DELETE FROM leases WHERE id = ?`, id)
	if err := mustChange(res, err); err != nil {
		return fmt.Errorf("store: lease %s: %w", id, err)
	}
	return nil
}

// RenewLease moves the expiry of lease id to until, if it has not expired at now: ErrNotFound when
// it is not held, or expired (a lease that ran out may already belong to the next job).
func (s *Store) RenewLease(ctx context.Context, id string, now, until time.Time) error {
	res, err := s.q.ExecContext(ctx, `UPDATE leases SET expires_at = ? WHERE id = ? AND expires_at > ?`,
		until.UnixNano(), id, now.UnixNano())
	if err := mustChange(res, err); err != nil {
		return fmt.Errorf("store: lease %s: %w", id, err)
	}
	return nil
}

// PoolEntries lists the numbers of pool ("" for every pool), ordered by pool then number id, each
// with its lease when it has one.
func (s *Store) PoolEntries(ctx context.Context, pool string) ([]PoolEntry, error) {
	where, args := ``, []any{}
	if pool != "" {
		where, args = `WHERE pool = ?`, []any{pool}
	}
	rows, err := s.q.QueryContext(ctx, `SELECT number_id, pool FROM pool_numbers `+where+` ORDER BY pool, number_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: pool: %w", err)
	}
	type member struct {
		id   int64
		pool string
	}
	var members []member
	for rows.Next() {
		var m member
		if err := rows.Scan(&m.id, &m.pool); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: pool: %w", err)
		}
		members = append(members, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: pool: %w", err)
	}
	leases, err := s.ListLeases(ctx)
	if err != nil {
		return nil, err
	}
	byNumber := map[int64]Lease{}
	for _, l := range leases {
		byNumber[l.NumberID] = l
	}
	out := []PoolEntry{}
	for _, m := range members {
		n, err := s.GetNumber(ctx, m.id)
		if errors.Is(err, ErrNotFound) {
			continue // released meanwhile; ReclaimLeases forgets it
		}
		if err != nil {
			return nil, err
		}
		e := PoolEntry{Pool: m.pool, Number: n}
		if l, ok := byNumber[m.id]; ok {
			e.Lease = &l
		}
		out = append(out, e)
	}
	return out, nil
}

// ClaimPool takes the pool's buying claim for c, or takes it over from a holder stale says is
// gone: true when c now holds it; otherwise the claim's holder.
func (s *Store) ClaimPool(ctx context.Context, c PoolClaim, stale func(PoolClaim) bool) (PoolClaim, bool, error) {
	res, err := s.q.ExecContext(ctx, `INSERT INTO pool_claims (pool, token, host, pid, expires_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (pool) DO NOTHING`, c.Pool, c.Token, c.Host, c.PID, c.ExpiresAt.UnixNano())
	if ok, err := changedOne(res, err); err != nil || ok {
		return c, ok, err
	}
	var (
		held    PoolClaim
		expires int64
	)
	err = s.q.QueryRowContext(ctx, `SELECT pool, token, host, pid, expires_at FROM pool_claims WHERE pool = ?`, c.Pool).
		Scan(&held.Pool, &held.Token, &held.Host, &held.PID, &expires)
	if errors.Is(err, sql.ErrNoRows) { // released between the two statements: try once more
		res, err := s.q.ExecContext(ctx, `INSERT INTO pool_claims (pool, token, host, pid, expires_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (pool) DO NOTHING`, c.Pool, c.Token, c.Host, c.PID, c.ExpiresAt.UnixNano())
		ok, err := changedOne(res, err)
		return c, ok, err
	}
	if err != nil {
		return PoolClaim{}, false, fmt.Errorf("store: claim pool %s: %w", c.Pool, err)
	}
	held.ExpiresAt = time.Unix(0, expires).UTC()
	if held.Token == c.Token || !stale(held) {
		return held, held.Token == c.Token, nil
	}
	// Compare-and-set on the stale holder's token: of several processes taking it over, one wins.
	res, err = s.q.ExecContext(ctx, `UPDATE pool_claims SET token = ?, host = ?, pid = ?, expires_at = ?
		WHERE pool = ? AND token = ?`, c.Token, c.Host, c.PID, c.ExpiresAt.UnixNano(), c.Pool, held.Token)
	ok, err := changedOne(res, err)
	if err != nil || ok {
		return c, ok, err
	}
	return held, false, nil
}

// ReleasePool gives up the claim token holds on pool (nothing when it holds none any more).
func (s *Store) ReleasePool(ctx context.Context, pool, token string) error {
	if _, err := s.q.ExecContext(ctx, `DELETE FROM pool_claims WHERE pool = ? AND token = ?`, pool, token); err != nil {
		return fmt.Errorf("store: release pool %s: %w", pool, err)
	}
	return nil
}

func changedOne(res sql.Result, err error) (bool, error) {
	if err != nil {
		return false, fmt.Errorf("store: claim: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: claim: %w", err)
	}
	return n == 1, nil
}
