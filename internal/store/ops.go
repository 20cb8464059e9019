package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// BeginOp journals a new operation and sets op.ID, op.CreatedAt and op.UpdatedAt. Callers write
// it, and see it committed, before calling the carrier: only then can a crash be recovered.
func (s *Store) BeginOp(ctx context.Context, op *Op) error {
	if op.Kind == "" {
		return errors.New("store: begin op: kind is required")
	}
	at, nanos := s.stamp()
	var id int64
	err := s.q.QueryRowContext(ctx, `INSERT INTO ops (kind, step, provider, number_id, payload,
		owner_pid, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		op.Kind, op.Step, op.Provider, op.NumberID, op.Payload, op.OwnerPID, nanos, nanos).Scan(&id)
	if err != nil {
		return fmt.Errorf("store: begin %s op: %w", op.Kind, err)
	}
	op.ID, op.CreatedAt, op.UpdatedAt = id, at, at
	return nil
}

// UpdateOp records op's progress (Step, NumberID, Payload and OwnerPID) and sets op.UpdatedAt.
// ErrNotFound when the operation is not in the journal (already finished).
func (s *Store) UpdateOp(ctx context.Context, op *Op) error {
	at, nanos := s.stamp()
	res, err := s.q.ExecContext(ctx, `UPDATE ops SET step = ?, number_id = ?, payload = ?,
		owner_pid = ?, updated_at = ? WHERE id = ?`,
		op.Step, op.NumberID, op.Payload, op.OwnerPID, nanos, op.ID)
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
	return nil
}

// ListOps returns every journaled operation, oldest first (in the order they were begun).
func (s *Store) ListOps(ctx context.Context) ([]Op, error) {
	rows, err := s.q.QueryContext(ctx, `SELECT id, kind, step, provider, number_id, payload,
		owner_pid, created_at, updated_at FROM ops ORDER BY id`)
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
			&op.OwnerPID, &created, &updated); err != nil {
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
// same orphaned operation all try; exactly one wins and resumes it.
func (s *Store) ClaimOp(ctx context.Context, id int64, fromPID, toPID int) (bool, error) {
	_, nanos := s.stamp()
	res, err := s.q.ExecContext(ctx, `UPDATE ops SET owner_pid = ?, updated_at = ?
		WHERE id = ? AND owner_pid = ?`, toPID, nanos, id, fromPID)
	if err != nil {
		return false, fmt.Errorf("store: claim op %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: claim op %d: %w", id, err)
	}
	return n == 1, nil
}
