package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// SMS relay: carriers that cannot forward SMS themselves (Telnyx, Vonage) push inbound messages to
// `vnum serve`, which re-sends each from the number to the user's phone. The target is kept per
// number (sms_relays); each message to relay is queued (relay_queue) in the transaction that
// stores it, so a message the carrier was told was received is never lost to the relay either.
//
// A row is sent at most once: a worker claims it (queued → sending) in a committed transaction
// before it calls the carrier, and every later change is conditional on still holding that claim.
// A row found 'sending' whose claimant is gone is an unknown outcome, settled by the worker
// (never simply sent again).

// States of a queued relay.
const (
	RelayQueued  = "queued"  // waiting for its next part to be sent (at NextAt)
	RelaySending = "sending" // claimed: a worker is sending part PartsDone
	RelaySent    = "sent"    // every part accepted by the carrier
	RelayFailed  = "failed"  // given up: refused, or not accepted in time
	RelayUnknown = "unknown" // a send whose outcome nobody could learn: never resent
	// RelayChecking: a send of unknown outcome, to be looked for again in the carrier's records
	// at NextAt (they come late); never sent again from this state.
	RelayChecking = "checking"
)

// Relay is one inbound message queued to be re-sent to its number's relay target.
type Relay struct {
	NumberID     int64
	CarrierMsgID string
	Provider     string
	Sender       string // who sent the inbound message
	Target       string // where it is relayed
	Text         string // the inbound text ("" once settled)
	State        string
	PartsDone    int // parts the carrier accepted (a long message is sent in several)
	Attempts     int // failed tries of the current part
	NextAt       time.Time
	QueuedAt     time.Time
	ClaimedBy    string
	ClaimedAt    time.Time
	SentIDs      []string // the carrier's ids of the parts sent
	Error        string   // the last failure, never the text
	// Checking is set on a relay claimed from RelayChecking: its part is to be looked for in
	// the carrier's records, not sent.
	Checking bool
}

// SetSMSRelay makes vnum serve relay the SMS of the number numberID to target; "" stops it.
func (s *Store) SetSMSRelay(ctx context.Context, numberID int64, target string) error {
	var err error
	if target == "" {
		_, err = s.q.ExecContext(ctx, `DELETE FROM sms_relays WHERE number_id = ?`, numberID)
	} else {
		_, at := s.stamp()
		_, err = s.q.ExecContext(ctx, `INSERT INTO sms_relays (number_id, target, set_at) VALUES (?, ?, ?)
			ON CONFLICT (number_id) DO UPDATE SET target = excluded.target, set_at = excluded.set_at`, numberID, target, at)
	}
	if err != nil {
		return fmt.Errorf("store: set sms relay of number %d: %w", numberID, err)
	}
	return nil
}

// SMSRelay is the number numberID's relay target, "" when its SMS are not relayed.
func (s *Store) SMSRelay(ctx context.Context, numberID int64) (string, error) {
	var target string
	err := s.q.QueryRowContext(ctx, `SELECT target FROM sms_relays WHERE number_id = ?`, numberID).Scan(&target)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("store: sms relay of number %d: %w", numberID, err)
	}
	return target, nil
}

// dropRelays forgets the number's relay target and its queued relays (the number has ended: it
// can send nothing any more, and a burned number's texts must go). A rotated number's relays not
// yet under way are handed to the number that replaced it (held with the same carrier as
// replacedBy), which sends them instead.
func dropRelays(ctx context.Context, q querier, numberID int64, provider, replacedBy string) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM sms_relays WHERE number_id = ?`, numberID); err != nil {
		return fmt.Errorf("drop sms relay: %w", err)
	}
	if replacedBy != "" {
		if _, err := q.ExecContext(ctx, `UPDATE relay_queue SET number_id = (SELECT id FROM numbers WHERE provider = ? AND e164 = ?
			ORDER BY id LIMIT 1) WHERE number_id = ? AND state = ? AND EXISTS (SELECT 1 FROM numbers WHERE provider = ? AND e164 = ?)`,
			provider, replacedBy, numberID, RelayQueued, provider, replacedBy); err != nil {
			return fmt.Errorf("move relay queue: %w", err)
		}
	}
	if _, err := q.ExecContext(ctx, `DELETE FROM relay_queue WHERE number_id = ?`, numberID); err != nil {
		return fmt.Errorf("drop relay queue: %w", err)
	}
	return nil
}

const relayColumns = `number_id, carrier_msg_id, provider, sender, target, body, state, parts_done, attempts,
	next_at, queued_at, claimed_by, claimed_at, sent_ids, error`

func scanRelay(sc scanner) (Relay, error) {
	var r Relay
	var next, queued, claimed int64
	var sent string
	if err := sc.Scan(&r.NumberID, &r.CarrierMsgID, &r.Provider, &r.Sender, &r.Target, &r.Text, &r.State,
		&r.PartsDone, &r.Attempts, &next, &queued, &r.ClaimedBy, &claimed, &sent, &r.Error); err != nil {
		return Relay{}, err
	}
	r.NextAt, r.QueuedAt = time.Unix(0, next).UTC(), time.Unix(0, queued).UTC()
	if claimed != 0 {
		r.ClaimedAt = time.Unix(0, claimed).UTC()
	}
	if sent != "" {
		r.SentIDs = strings.Split(sent, ",")
	}
	return r, nil
}

func (s *Store) listRelays(ctx context.Context, where string, args ...any) ([]Relay, error) {
	rows, err := s.q.QueryContext(ctx, `SELECT `+relayColumns+` FROM relay_queue `+where, args...)
	if err != nil {
		return nil, err
	}
	var out []Relay
	for rows.Next() {
		r, err := scanRelay(rows)
		if err != nil {
			_ = rows.Close()
			return nil, err
		}
		out = append(out, r)
	}
	return out, errors.Join(rows.Err(), rows.Close())
}

// ListRelays returns every queued relay, settled or not, oldest first.
func (s *Store) ListRelays(ctx context.Context) ([]Relay, error) {
	out, err := s.listRelays(ctx, `ORDER BY queued_at, number_id, carrier_msg_id`)
	if err != nil {
		return nil, fmt.Errorf("store: list relays: %w", err)
	}
	return out, nil
}

// RelaysSending returns the relays some worker claimed and has not settled: a crashed worker's
// are among them.
func (s *Store) RelaysSending(ctx context.Context) ([]Relay, error) {
	out, err := s.listRelays(ctx, `WHERE state = ? ORDER BY claimed_at`, RelaySending)
	if err != nil {
		return nil, fmt.Errorf("store: relays being sent: %w", err)
	}
	return out, nil
}

// ClaimRelays marks up to limit relays that are due as being sent by owner, in one committed
// transaction, and returns them. Each row is claimed by one owner only, whatever the number of
// processes claiming at once: the claim is an update conditional on the row still being queued.
func (s *Store) ClaimRelays(ctx context.Context, owner string, limit int) ([]Relay, error) {
	// A read first: an idle queue, polled every second, never takes the write lock.
	_, now := s.stamp()
	var one int
	err := s.q.QueryRowContext(ctx, `SELECT 1 FROM relay_queue WHERE state IN (?, ?) AND next_at <= ? LIMIT 1`,
		RelayQueued, RelayChecking, now).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: claim relays: %w", err)
	}
	var out []Relay
	err = s.InTx(ctx, func(tx *Store) error {
		_, now := tx.stamp()
		due, err := tx.listRelays(ctx, `WHERE state IN (?, ?) AND next_at <= ? ORDER BY next_at, queued_at LIMIT ?`,
			RelayQueued, RelayChecking, now, limit)
		if err != nil {
			return err
		}
		for _, r := range due {
			res, err := tx.q.ExecContext(ctx, `UPDATE relay_queue SET state = ?, claimed_by = ?, claimed_at = ?
				WHERE number_id = ? AND carrier_msg_id = ? AND state = ?`,
				RelaySending, owner, now, r.NumberID, r.CarrierMsgID, r.State)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil || n != 1 {
				continue
			}
			r.Checking = r.State == RelayChecking
			r.State, r.ClaimedBy, r.ClaimedAt = RelaySending, owner, time.Unix(0, now).UTC()
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: claim relays: %w", err)
	}
	return out, nil
}

// ErrNotClaimed means a relay is no longer claimed as the caller thought: another worker took it
// over, or its number ended.
var ErrNotClaimed = errors.New("relay no longer claimed")

// updateClaimed changes r's row only while r.ClaimedBy still holds its claim (made at r.ClaimedAt).
func (s *Store) updateClaimed(ctx context.Context, r Relay, set string, args ...any) error {
	claimed, _ := timeArg(r.ClaimedAt)
	args = append(args, r.NumberID, r.CarrierMsgID, RelaySending, r.ClaimedBy, claimed)
	res, err := s.q.ExecContext(ctx, `UPDATE relay_queue SET `+set+`
		WHERE number_id = ? AND carrier_msg_id = ? AND state = ? AND claimed_by = ? AND claimed_at = ?`, args...)
	if err != nil {
		return fmt.Errorf("store: relay %s: %w", r.CarrierMsgID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("store: relay %s: %w", r.CarrierMsgID, err)
	} else if n != 1 {
		return fmt.Errorf("store: relay %s: %w", r.CarrierMsgID, ErrNotClaimed)
	}
	return nil
}

// RelayPartSent records that the carrier accepted part r.PartsDone (its id sentID): the relay is
// sent when that was the last of parts, else queued again for the next part at once.
func (s *Store) RelayPartSent(ctx context.Context, r Relay, sentID string, parts int) error {
	ids := strings.Join(append(append([]string(nil), r.SentIDs...), strings.ReplaceAll(sentID, ",", "")), ",")
	if r.PartsDone+1 >= parts {
		return s.updateClaimed(ctx, r, `state = ?, parts_done = ?, attempts = 0, sent_ids = ?, body = '', error = ''`,
			RelaySent, r.PartsDone+1, ids)
	}
	_, now := s.stamp()
	return s.updateClaimed(ctx, r, `state = ?, parts_done = ?, attempts = 0, sent_ids = ?, next_at = ?, error = ''`,
		RelayQueued, r.PartsDone+1, ids, now)
}

// RelayRetry puts r back in the queue, to be tried again at at; reason is why this try failed
// (never the message's text).
func (s *Store) RelayRetry(ctx context.Context, r Relay, at time.Time, reason string) error {
	next, err := timeArg(at)
	if err != nil {
		return fmt.Errorf("store: relay %s: %w", r.CarrierMsgID, err)
	}
	return s.updateClaimed(ctx, r, `state = ?, attempts = attempts + 1, next_at = ?, error = ?`, RelayQueued, next, reason)
}

// RelayRecheck leaves r, a send of unknown outcome, to be looked for again in the carrier's
// records at at; it is never sent again from there.
func (s *Store) RelayRecheck(ctx context.Context, r Relay, at time.Time, reason string) error {
	next, err := timeArg(at)
	if err != nil {
		return fmt.Errorf("store: relay %s: %w", r.CarrierMsgID, err)
	}
	return s.updateClaimed(ctx, r, `state = ?, attempts = attempts + 1, next_at = ?, error = ?`, RelayChecking, next, reason)
}

// RelaySettle ends r as state (RelaySent, RelayFailed or RelayUnknown) and forgets its text.
func (s *Store) RelaySettle(ctx context.Context, r Relay, state, reason string) error {
	switch state {
	case RelaySent, RelayFailed, RelayUnknown:
	default:
		return fmt.Errorf("store: relay %s: cannot settle as %q", r.CarrierMsgID, state)
	}
	return s.updateClaimed(ctx, r, `state = ?, body = '', error = ?`, state, reason)
}

// TakeOverRelay moves the claim on r, a relay left 'sending' by a worker that is gone, to owner,
// so that one worker only settles it. It returns r as now claimed.
func (s *Store) TakeOverRelay(ctx context.Context, r Relay, owner string) (Relay, error) {
	at, now := s.stamp()
	if err := s.updateClaimed(ctx, r, `claimed_by = ?, claimed_at = ?`, owner, now); err != nil {
		return r, err
	}
	r.ClaimedBy, r.ClaimedAt = owner, at
	return r, nil
}

// RequeueRelay puts back in the queue r, claimed by a worker that is gone, once the carrier's
// records proved its part was not sent.
func (s *Store) RequeueRelay(ctx context.Context, r Relay) error {
	_, now := s.stamp()
	return s.updateClaimed(ctx, r, `state = ?, next_at = ?`, RelayQueued, now)
}
