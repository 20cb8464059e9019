package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// BeginOp journals a new operation and sets op.ID, op.CreatedAt and op.UpdatedAt. Callers write
// it, and see it committed, before calling the carrier: only then can a crash be recovered.
//
// On PostgreSQL this process also takes the entry's lock (oplock.go) before the entry becomes
// visible to anyone, and keeps it until FinishOp: other machines see the owner alive exactly as
// long as this process is.
func (s *Store) BeginOp(ctx context.Context, op *Op) error {
	if op.Kind == "" {
		return errors.New("store: begin op: kind is required")
	}
	at, nanos := s.stamp()
	var id int64
	begin := func(tx *Store) error {
		err := tx.q.QueryRowContext(ctx, `INSERT INTO ops (kind, step, provider, number_id, payload,
			owner_pid, owner_host, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			op.Kind, op.Step, op.Provider, op.NumberID, op.Payload, op.OwnerPID, op.OwnerHost, nanos, nanos).Scan(&id)
		if err != nil || tx.ops == nil {
			return err
		}
		ok, err := tx.ops.tryLock(ctx, id)
		if err == nil && !ok {
			err = fmt.Errorf("journal entry %d is locked by another process", id)
		}
		if err != nil {
			return err
		}
		tx.afterTx(func() {}, func() { tx.ops.release(id) })
		return nil
	}
	var err error
	if s.depth > 0 {
		err = begin(s) // the caller's transaction makes the entry and its lock appear together
	} else {
		// One statement, and no read: the write lock's shared mode is enough.
		err = s.inTx(ctx, false, begin)
	}
	if err != nil {
		return fmt.Errorf("store: begin %s op: %w", op.Kind, err)
	}
	op.ID, op.CreatedAt, op.UpdatedAt = id, at, at
	return nil
}

// UpdateOp records op's progress (Step, NumberID, Payload, OwnerPID and OwnerHost) and sets op.UpdatedAt.
// ErrNotFound when the operation is not in the journal (already finished).
func (s *Store) UpdateOp(ctx context.Context, op *Op) error {
	at, nanos := s.stamp()
	res, err := s.q.ExecContext(ctx, `UPDATE ops SET step = ?, number_id = ?, payload = ?,
		owner_pid = ?, owner_host = ?, updated_at = ? WHERE id = ?`,
		op.Step, op.NumberID, op.Payload, op.OwnerPID, op.OwnerHost, nanos, op.ID)
	if err := mustChange(res, err); err != nil {
		return fmt.Errorf("store: update op %d: %w", op.ID, err)
	}
	op.UpdatedAt = at
	return nil
}

// FinishOp removes a completed operation from the journal. ErrNotFound when it is not there, which
// tells a caller that someone else already finished it.
func (s *Store) FinishOp(ctx context.Context, id int64) error {
	res, err := s.q.ExecContext(ctx, `DELETE FROM ops WHERE id = ?`, id)
	if err := mustChange(res, err); err != nil {
		return fmt.Errorf("store: finish op %d: %w", id, err)
	}
	s.afterTx(func() { s.ops.release(id) }, nil)
	return nil
}

// ListOps returns every journaled operation, oldest first (in the order they were begun).
func (s *Store) ListOps(ctx context.Context) ([]Op, error) {
	return s.listOps(ctx, `SELECT id, kind, step, provider, number_id, payload,
		owner_pid, owner_host, created_at, updated_at FROM ops ORDER BY id`)
}

func (s *Store) listOps(ctx context.Context, query string, args ...any) ([]Op, error) {
	rows, err := s.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list ops: %w", err)
	}
	defer rows.Close()
	out := []Op{}
	for rows.Next() {
		var (
			op               Op
			created, updated sql.NullInt64
		)
		if err := rows.Scan(&op.ID, &op.Kind, &op.Step, &op.Provider, &op.NumberID, &op.Payload,
			&op.OwnerPID, &op.OwnerHost, &created, &updated); err != nil {
			return nil, fmt.Errorf("store: list ops: %w", err)
		}
		op.CreatedAt, op.UpdatedAt = timeOf(created), timeOf(updated)
		out = append(out, op)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list ops: %w", err)
	}
	return out, nil
}

// ClaimOp hands the operation id from the process fromPID to toPID and reports whether it did: it
// changes nothing, and returns false, unless fromPID still owns it. Several processes finding the
// same orphaned operation all try; exactly one wins and resumes it. toPID 0 leaves the entry to
// the next run.
//
// On PostgreSQL the claimer must also get the entry's lock, which only a dead owner's session has
// let go, and only one session can hold; the entry's row is read FOR UPDATE SKIP LOCKED, so a
// machine never waits on another's claim, it just loses.
func (s *Store) ClaimOp(ctx context.Context, id int64, fromPID, toPID int) (bool, error) {
	locked := false // taken here, so let go again when the claim fails
	if s.ops != nil && toPID != 0 && !s.ops.holds(id) {
		ok, err := s.ops.tryLock(ctx, id)
		if err != nil {
			return false, fmt.Errorf("store: claim op %d: %w", id, err)
		}
		if !ok {
			return false, nil // its owner runs, or another process claims it
		}
		locked = true
	}
	_, nanos := s.stamp()
	res, err := s.q.ExecContext(ctx, `UPDATE ops SET owner_pid = ?, updated_at = ?
		WHERE id = (SELECT id FROM ops WHERE id = ? AND owner_pid = ?`+s.d.skipLocked()+`)`, toPID, nanos, id, fromPID)
	var n int64
	if err == nil {
		n, err = res.RowsAffected()
	}
	switch {
	case locked && (err != nil || n != 1):
		s.ops.release(id)
	case toPID == 0 && err == nil && n == 1:
		s.afterTx(func() { s.ops.release(id) }, nil)
	}
	if err != nil {
		return false, fmt.Errorf("store: claim op %d: %w", id, err)
	}
	return n == 1, nil
}

// ErrBusy is what a *BusyError is: another operation on the same number is under way.
var ErrBusy = errors.New("another operation on this number is under way")

// BusyError says which operation holds a number that BeginNumberOp was asked to claim.
type BusyError struct {
	Op Op // the operation under way (its Payload left out)
}

func (e *BusyError) Error() string {
	return fmt.Sprintf("store: a %s of number %d is under way (journal entry %d)", e.Op.Kind, e.Op.NumberID, e.Op.ID)
}

// Is makes errors.Is(err, ErrBusy) true.
func (e *BusyError) Is(target error) bool { return target == ErrBusy }

// BeginNumberOp journals op as BeginOp does, and makes it the one operation under way on the
// number op.NumberID: in the same transaction it checks that the number is free (NumberFree).
// The claim lasts as long as op is in the journal (FinishOp ends it).
//
// SQLite serialises this with its IMMEDIATE transaction, PostgreSQL with a lock on the number's
// row (SELECT … FOR UPDATE), so two machines never both find the number free; the claim then
// outlives the transaction as the journal entry, whose lock (BeginOp) says while its owner is alive.
func (s *Store) BeginNumberOp(ctx context.Context, op *Op) error {
	if op.NumberID == 0 {
		return errors.New("store: begin number op: number id is required")
	}
	return s.inTx(ctx, false, func(tx *Store) error {
		if err := tx.numberFree(ctx, op.NumberID, tx.d.forUpdate()); err != nil {
			return err
		}
		return tx.BeginOp(ctx, op)
	})
}

// NumberFree says whether an operation could claim the number now, without claiming it: nil when
// the number is still stored (else ErrNotFound: another process released or rotated it
// meanwhile) and no journal entry concerns it (else a *BusyError naming that entry, whether its
// owner runs or it waits for the next run to be finished).
func (s *Store) NumberFree(ctx context.Context, numberID int64) error {
	return s.numberFree(ctx, numberID, "")
}

// numberFree is NumberFree; lock " FOR UPDATE" (PostgreSQL) locks the number's row until the
// transaction ends, so that two claims of one number are serialised by that row alone, and
// claims of different numbers run side by side.
func (s *Store) numberFree(ctx context.Context, numberID int64, lock string) error {
	var id int64
	err := s.q.QueryRowContext(ctx, `SELECT id FROM numbers WHERE id = ?`+lock, numberID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("store: number %d: %w", numberID, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("store: number %d: %w", numberID, err)
	}
	held, err := s.listOps(ctx, `SELECT id, kind, step, provider, number_id, NULL,
		owner_pid, owner_host, created_at, updated_at FROM ops WHERE number_id = ? ORDER BY id LIMIT 1`, numberID)
	if err != nil {
		return err
	}
	if len(held) > 0 {
		return &BusyError{Op: held[0]}
	}
	return nil
}
