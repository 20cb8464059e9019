package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"math"
	"sync"
)

// opLocks are the journal entries this process runs, on a PostgreSQL store: for each, a session
// advisory lock pg_advisory_lock(opLockSpace, op id) held on a connection of its own for as long as
// the operation runs. The lock is what tells other machines the owner is alive: a pid means
// nothing on another host, but when the process dies its connections close and the server drops
// the lock, so the entry can be claimed at once, by exactly one machine (the one that gets the lock).
type opLocks struct {
	db   *sql.DB
	mu   sync.Mutex
	held map[int64]*sql.Conn
}

func newOpLocks(db *sql.DB) *opLocks {
	return &opLocks{db: db, held: map[int64]*sql.Conn{}}
}

// tryLock takes the lock of the entry id on a new connection and keeps both; false when another
// session (another process, or another claim in this one) holds it.
func (l *opLocks) tryLock(ctx context.Context, id int64) (bool, error) {
	if id <= 0 || id > math.MaxInt32 {
		return false, fmt.Errorf("journal entry %d cannot be locked (ids must fit 31 bits)", id)
	}
	l.mu.Lock()
	_, mine := l.held[id]
	l.mu.Unlock()
	if mine {
		return false, nil
	}
	conn, err := l.db.Conn(ctx)
	if err != nil {
		return false, err
	}
	var ok bool
	if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1, $2)`, opLockSpace, id).Scan(&ok); err != nil {
		_ = conn.Close()
		return false, err
	}
	if !ok {
		_ = conn.Close()
		return false, nil
	}
	l.mu.Lock()
	l.held[id] = conn
	l.mu.Unlock()
	return true, nil
}

// release lets go of the entry id, if this process holds it.
func (l *opLocks) release(id int64) {
	if l == nil {
		return
	}
	l.mu.Lock()
	conn := l.held[id]
	delete(l.held, id)
	l.mu.Unlock()
	if conn == nil {
		return
	}
	// Unlocking before giving the connection back to the pool: a pooled connection keeps its
	// session locks. When the unlock fails, the connection is discarded, which drops the lock.
	_, err := conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock($1, $2)`, opLockSpace, id)
	if err != nil {
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	}
	_ = conn.Close()
}

func (l *opLocks) releaseAll() {
	if l == nil {
		return
	}
	l.mu.Lock()
	ids := make([]int64, 0, len(l.held))
	for id := range l.held {
		ids = append(ids, id)
	}
	l.mu.Unlock()
	for _, id := range ids {
		l.release(id)
	}
}

func (l *opLocks) holds(id int64) bool {
	if l == nil {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	_, ok := l.held[id]
	return ok
}

// OwnerRunning says whether the process that owns the journal entry id is still running, when
// the store itself can tell: on PostgreSQL, by the entry's lock (held by its owner's session,
// dropped by the server when that process dies, on whichever machine). known is false on SQLite,
// where the caller checks the owner's pid on its host, and for an entry whose lock this process
// holds: its owner is then on this host, and its pid says which.
func (s *Store) OwnerRunning(ctx context.Context, id int64) (running, known bool, err error) {
	if s.ops == nil || s.ops.holds(id) {
		return false, false, nil
	}
	err = s.q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_locks
		WHERE locktype = 'advisory' AND objsubid = 2 AND classid::bigint = ? AND objid::bigint = ?
		AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))`,
		opLockSpace, id).Scan(&running)
	if err != nil {
		return false, false, fmt.Errorf("store: is the owner of journal entry %d running: %w", id, err)
	}
	return running, true, nil
}
