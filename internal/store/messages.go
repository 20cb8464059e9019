package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/vnum-cli/vnum/providers"
)

const messageCols = `id, number_id, carrier_msg_id, sender, recipient, body, received_at,
	inbound, withheld, claimed`

func scanMessage(sc scanner) (Message, error) {
	var (
		m        Message
		received sql.NullInt64
	)
	err := sc.Scan(&m.ID, &m.NumberID, &m.Message.ID, &m.From, &m.To, &m.Text, &received,
		&m.Inbound, &m.Withheld, &m.Claimed)
	if err != nil {
		return Message{}, err
	}
	m.ReceivedAt = timeOf(received)
	return m, nil
}

// insertMessage stores a message unless the number already has one with that carrier id, for
// AddMessages and AddPushed. Arguments: number id, carrier id, sender, recipient, text, received
// at, inbound, withheld.
const insertMessage = `INSERT INTO messages (number_id, carrier_msg_id, sender, recipient, body,
	received_at, inbound, withheld) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (number_id, carrier_msg_id) DO NOTHING`

// AddMessages stores msgs for the number numberID, in one transaction, and returns how many were
// new. A message already stored for that number (same carrier Message.ID) is left as it is, so
// polling a carrier repeatedly never duplicates or un-claims a message. Every message needs the
// carrier's id: without one, a repeated poll could not be told from a new message.
func (s *Store) AddMessages(ctx context.Context, numberID int64, msgs []providers.Message) (int, error) {
	if numberID <= 0 {
		return 0, fmt.Errorf("store: add messages: invalid number id %d", numberID)
	}
	added := 0
	err := s.InTx(ctx, func(tx *Store) error {
		for _, m := range msgs {
			if m.ID == "" {
				return fmt.Errorf("store: add messages to number %d: message from %s has no carrier id", numberID, m.From)
			}
			received, err := timeArg(m.ReceivedAt)
			if err != nil {
				return fmt.Errorf("store: add message %s: %w", m.ID, err)
			}
			res, err := tx.q.ExecContext(ctx, insertMessage, numberID, m.ID, m.From, m.To, m.Text, received, flag(m.Inbound), flag(m.Withheld))
			if err != nil {
				return fmt.Errorf("store: add message %s: %w", m.ID, err)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return fmt.Errorf("store: add message %s: %w", m.ID, err)
			}
			added += int(n)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return added, nil
}

// ListMessages returns the messages of the number numberID (held or in history) received at or
// after since (every message when since is zero), oldest first. A message without a reception
// time sorts first and is listed only when since is zero.
func (s *Store) ListMessages(ctx context.Context, numberID int64, since time.Time) ([]Message, error) {
	q := `SELECT ` + messageCols + ` FROM messages WHERE number_id = ?`
	args := []any{numberID}
	if !since.IsZero() {
		t, err := timeArg(since)
		if err != nil {
			return nil, fmt.Errorf("store: list messages: since: %w", err)
		}
		q += ` AND received_at >= ?`
		args = append(args, t)
	}
	rows, err := s.q.QueryContext(ctx, q+` ORDER BY received_at ASC NULLS FIRST, id ASC`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list messages: %w", err)
	}
	defer rows.Close()
	out := []Message{}
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list messages: %w", err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list messages: %w", err)
	}
	return out, nil
}

// ClaimMessage marks as claimed and returns the oldest unclaimed inbound message of the number
// numberID received at or after notBefore (any time when zero) and, when from is not "", sent by
// exactly from. It reports false when no message matches. The select and the mark happen in one
// IMMEDIATE transaction, so two `sms wait` running at once, in any processes, never get the same
// message.
func (s *Store) ClaimMessage(ctx context.Context, numberID int64, notBefore time.Time, from string) (Message, bool, error) {
	m, _, found, err := s.ClaimFirst(ctx, numberID, notBefore, from, nil)
	return m, found, err
}

// UnclaimMessage makes a message ClaimFirst claimed available to the next wait again, for a wait
// that could not hand it over (its output failed).
func (s *Store) UnclaimMessage(ctx context.Context, id int64) error {
	if _, err := s.q.ExecContext(ctx, `UPDATE messages SET claimed = 0 WHERE id = ?`, id); err != nil {
		return fmt.Errorf("store: unclaim message %d: %w", id, err)
	}
	return nil
}

// ClaimFirst is ClaimMessage for the oldest message that match accepts (nil accepts any). The
// messages passed over stay unclaimed, for a later wait that wants them, and are counted.
func (s *Store) ClaimFirst(ctx context.Context, numberID int64, notBefore time.Time, from string, match func(Message) bool) (m Message, skipped int, found bool, err error) {
	q := `SELECT ` + messageCols + ` FROM messages
		WHERE number_id = ? AND inbound = 1 AND claimed = 0`
	args := []any{numberID}
	if !notBefore.IsZero() {
		t, err := timeArg(notBefore)
		if err != nil {
			return Message{}, 0, false, fmt.Errorf("store: claim message: not before: %w", err)
		}
		q += ` AND received_at >= ?`
		args = append(args, t)
	}
	if from != "" {
		q += ` AND sender = ?`
		args = append(args, from)
	}
	q += ` ORDER BY received_at ASC NULLS FIRST, id ASC`

	err = s.InTx(ctx, func(tx *Store) error {
		rows, err := tx.q.QueryContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("store: claim message for number %d: %w", numberID, err)
		}
		for rows.Next() {
			c, err := scanMessage(rows)
			if err != nil {
				_ = rows.Close()
				return fmt.Errorf("store: claim message for number %d: %w", numberID, err)
			}
			if match == nil || match(c) {
				m, found = c, true
				break
			}
			skipped++
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return fmt.Errorf("store: claim message for number %d: %w", numberID, err)
		}
		if !found {
			return nil
		}
		if _, err := tx.q.ExecContext(ctx, `UPDATE messages SET claimed = 1 WHERE id = ?`, m.ID); err != nil {
			return fmt.Errorf("store: claim message %d: %w", m.ID, err)
		}
		m.Claimed = true
		return nil
	})
	if err != nil || !found {
		return Message{}, skipped, false, err
	}
	return m, skipped, true, nil
}
