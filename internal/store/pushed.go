package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/vnum-cli/vnum/providers"
)

// Pushed is one inbound SMS a carrier pushed to `vnum serve`, after its signature was checked.
type Pushed struct {
	// Provider is the carrier that pushed it ("twilio", "telnyx", …).
	Provider string
	// Message is the SMS: ID is the carrier's message id, To the number that received it.
	Message providers.Message
	// Part places one part of a multi-part SMS the carrier did not join (Vonage); nil otherwise.
	Part *PushedPart
}

// PushedPart places one part of a multi-part SMS.
type PushedPart struct {
	Ref          string
	Index, Total int
}

// PushOutcome is what AddPushed did with one pushed message.
type PushOutcome int

// Outcomes of AddPushed.
const (
	// PushStored: new, and stored as a message of the number held with that carrier and To,
	// where `sms list` and `sms wait` read it (for a multi-part SMS: its last missing part).
	PushStored PushOutcome = iota
	// PushDuplicate: that carrier message id was already pushed (a retry, another serve).
	PushDuplicate
	// PushPartial: a part of a multi-part SMS, kept until the other parts come.
	PushPartial
	// PushNoNumber: kept, but vnum holds no number with that carrier and To.
	PushNoNumber
)

func (o PushOutcome) String() string {
	return [...]string{"stored", "duplicate", "partial", "no_number"}[o]
}

// AddPushed records a batch of pushed messages in one transaction and says, for each, what
// became of it. Each carrier message id is recorded once, whatever the number of carrier
// retries or serve processes: the insert relies on the primary key, never on a read first. When
// AddPushed returns without error, every message of the batch is committed (on disk, the store
// syncing fully), so the carrier may be told it was received.
func (s *Store) AddPushed(ctx context.Context, batch []Pushed) ([]PushOutcome, error) {
	for _, p := range batch {
		if p.Provider == "" || p.Message.ID == "" || p.Message.To == "" {
			return nil, fmt.Errorf("store: add pushed: a message needs a provider, a carrier id and a recipient")
		}
		if _, err := timeArg(p.Message.ReceivedAt); err != nil {
			return nil, fmt.Errorf("store: add pushed %s: %w", p.Message.ID, err)
		}
	}
	out := make([]PushOutcome, len(batch))
	err := s.InTx(ctx, func(tx *Store) error {
		_, pushedAt := tx.stamp()
		st, err := tx.preparePush(ctx)
		if err != nil {
			return fmt.Errorf("store: add pushed: %w", err)
		}
		defer st.close()
		for i, p := range batch {
			o, err := tx.addPushed(ctx, st, p, pushedAt)
			if err != nil {
				return fmt.Errorf("store: add pushed %s: %w", p.Message.ID, err)
			}
			out[i] = o
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// pushStmts are AddPushed's statements, prepared once per batch: parsing SQL was most of the
// cost of a pushed message (BenchmarkLoad in internal/serve).
type pushStmts struct {
	number, pushed, message, relay *sql.Stmt
}

func (p pushStmts) close() {
	for _, st := range []*sql.Stmt{p.number, p.pushed, p.message, p.relay} {
		if st != nil {
			_ = st.Close()
		}
	}
}

func (s *Store) preparePush(ctx context.Context) (pushStmts, error) {
	prep, ok := s.q.(interface {
		PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
	})
	if !ok {
		return pushStmts{}, fmt.Errorf("cannot prepare statements on %T", s.q)
	}
	var st pushStmts
	var err error
	if st.number, err = prep.PrepareContext(ctx, `SELECT n.id, COALESCE(r.target, '') FROM numbers n
		LEFT JOIN sms_relays r ON r.number_id = n.id WHERE n.provider = ? AND n.e164 = ? ORDER BY n.id LIMIT 1`); err != nil {
		return st, err
	}
	if st.pushed, err = prep.PrepareContext(ctx, `INSERT INTO pushed (provider, carrier_msg_id, recipient, sender, body,
		received_at, number_id, concat_ref, concat_part, concat_total, pushed_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (provider, carrier_msg_id) DO NOTHING`); err != nil {
		st.close()
		return pushStmts{}, err
	}
	if st.message, err = prep.PrepareContext(ctx, insertMessage); err != nil {
		st.close()
		return pushStmts{}, err
	}
	if st.relay, err = prep.PrepareContext(ctx, `INSERT INTO relay_queue (number_id, carrier_msg_id, provider, sender,
		target, body, next_at, queued_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (number_id, carrier_msg_id) DO NOTHING`); err != nil {
		st.close()
		return pushStmts{}, err
	}
	return st, nil
}

func (s *Store) addPushed(ctx context.Context, st pushStmts, p Pushed, pushedAt int64) (PushOutcome, error) {
	m := p.Message
	var numberID int64
	var relayTo string
	err := st.number.QueryRowContext(ctx, p.Provider, m.To).Scan(&numberID, &relayTo)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, err
	}
	received, _ := timeArg(m.ReceivedAt) // checked by AddPushed
	var ref string
	var part, total int
	if p.Part != nil {
		ref, part, total = p.Part.Ref, p.Part.Index, p.Part.Total
	}
	// The text stays here only while no message row holds it.
	body := ""
	if numberID == 0 || p.Part != nil {
		body = m.Text
	}
	res, err := st.pushed.ExecContext(ctx, p.Provider, m.ID, m.To, m.From, body, received, numberID, ref, part, total, pushedAt)
	if err != nil {
		return 0, err
	}
	if n, err := res.RowsAffected(); err != nil {
		return 0, err
	} else if n == 0 {
		return PushDuplicate, nil
	}
	if numberID == 0 {
		return PushNoNumber, nil
	}
	if p.Part != nil {
		whole, done, err := s.joinParts(ctx, p)
		if err != nil || !done {
			return PushPartial, err
		}
		m = whole
	}
	if _, err := st.message.ExecContext(ctx, numberID, m.ID, m.From, m.To, m.Text, mustTime(m), 1, flag(m.Withheld)); err != nil {
		return 0, err
	}
	// Queued with the message, in its transaction: acknowledged means relayed in due course.
	if relayTo != "" && !m.Withheld && strings.TrimSpace(m.Text) != "" {
		if _, err := st.relay.ExecContext(ctx, numberID, m.ID, p.Provider, m.From, relayTo, m.Text, pushedAt, pushedAt); err != nil {
			return 0, err
		}
	}
	return PushStored, nil
}

// joinParts returns the whole message once every part of p's message is recorded: its id is
// the first part's, its time the earliest part's. The parts' texts are then dropped, since the
// message row holds them.
func (s *Store) joinParts(ctx context.Context, p Pushed) (providers.Message, bool, error) {
	rows, err := s.q.QueryContext(ctx, `SELECT carrier_msg_id, body, received_at, concat_part, concat_total FROM pushed
		WHERE provider = ? AND recipient = ? AND sender = ? AND concat_ref = ? ORDER BY concat_part`,
		p.Provider, p.Message.To, p.Message.From, p.Part.Ref)
	if err != nil {
		return providers.Message{}, false, err
	}
	type part struct {
		id, body string
		at       sql.NullInt64
		n, total int
	}
	var parts []part
	for rows.Next() {
		var x part
		if err := rows.Scan(&x.id, &x.body, &x.at, &x.n, &x.total); err != nil {
			_ = rows.Close()
			return providers.Message{}, false, err
		}
		parts = append(parts, x)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return providers.Message{}, false, err
	}
	// A carrier reusing a reference later starts a new message: only parts of this total count,
	// and each index once.
	seen := map[int]part{}
	for _, x := range parts {
		if x.total == p.Part.Total {
			if _, dup := seen[x.n]; !dup {
				seen[x.n] = x
			}
		}
	}
	if len(seen) < p.Part.Total {
		return providers.Message{}, false, nil
	}
	idx := make([]int, 0, len(seen))
	for n := range seen {
		idx = append(idx, n)
	}
	sort.Ints(idx)
	var text strings.Builder
	whole := p.Message
	whole.ID = seen[idx[0]].id
	for _, n := range idx {
		x := seen[n]
		text.WriteString(x.body)
		if t := timeOf(x.at); !t.IsZero() && (whole.ReceivedAt.IsZero() || t.Before(whole.ReceivedAt)) {
			whole.ReceivedAt = t
		}
	}
	whole.Text = text.String()
	_, err = s.q.ExecContext(ctx, `UPDATE pushed SET body = '' WHERE provider = ? AND recipient = ? AND sender = ?
		AND concat_ref = ? AND concat_total = ?`, p.Provider, p.Message.To, p.Message.From, p.Part.Ref, p.Part.Total)
	return whole, true, err
}

func mustTime(m providers.Message) any {
	v, _ := timeArg(m.ReceivedAt)
	return v
}

// forgetPushedText drops what pushed still holds of the number numberID's texts (parts of a
// message not yet complete), as burning a number deletes its messages.
func forgetPushedText(ctx context.Context, q querier, numberID int64) error {
	if _, err := q.ExecContext(ctx, `UPDATE pushed SET body = '' WHERE number_id = ?`, numberID); err != nil {
		return fmt.Errorf("forget pushed texts: %w", err)
	}
	return nil
}
