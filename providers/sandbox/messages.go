package sandbox

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"

	"github.com/vnum-cli/vnum/internal/lazyre"
	"github.com/vnum-cli/vnum/providers"
)

// MaxSMS is the longest message body, in characters, as Twilio's limit for concatenated SMS.
const MaxSMS = 1600

var (
	e164Pattern = lazyre.New(`^\+[1-9][0-9]{1,14}$`)
	// A numeric sender: an international number (any range, known to libphonenumber or not) or a
	// short code.
	numericSender = lazyre.New(`^(\+[1-9][0-9]{1,14}|[0-9]{1,15})$`)
)

// validSender reports whether a network could present from as an SMS sender: a number, a short
// code, or an alphanumeric sender id of up to 11 visible characters (any script).
func validSender(from string) bool {
	if numericSender.MatchString(from) {
		return true
	}
	if from == "" || from != strings.TrimSpace(from) || utf8.RuneCountInString(from) > 11 {
		return false
	}
	for _, r := range from {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// validE164 reports whether s is an E.164 number libphonenumber considers valid.
func validE164(s string) bool {
	if !e164Pattern.MatchString(s) {
		return false
	}
	n, err := phonenumbers.Parse(s, "")
	return err == nil && phonenumbers.IsValidNumber(n)
}

func checkText(op, text string) error {
	switch {
	case text == "":
		return invalid(op, "message body is required")
	case utf8.RuneCountInString(text) > MaxSMS:
		return invalid(op, "message body exceeds %d characters", MaxSMS)
	}
	return nil
}

// SetForwarding implements providers.Forwarder.
func (p *Provider) SetForwarding(ctx context.Context, id string, f providers.Forwarding) (providers.Number, error) {
	var n providers.Number
	err := p.call(ctx, opForward, "", func(db *sql.DB) error {
		for _, to := range []string{f.Calls, f.SMS} {
			if to != "" && !validE164(to) {
				return invalid(opForward, "forwarding target %q is not a valid E.164 phone number", to)
			}
		}
		return inTx(ctx, db, func(tx *sql.Tx) error {
			cur, err := getNumber(ctx, tx, id, p.now())
			if errors.Is(err, sql.ErrNoRows) {
				return notFound(opForward, id)
			}
			if err != nil {
				return err
			}
			if f.SMS != "" && !cur.Features.SMS {
				return invalid(opForward, "%s cannot receive SMS, so it cannot forward them", cur.Number)
			}
			if f.SMS != "" && p.cfg.noSMSFwd {
				return &providers.Error{Provider: Name, Op: opForward, Kind: providers.ErrUnsupported,
					Message: "the sandbox forwards no SMS itself (" + EnvSMSForwarding + "=relay)"}
			}
			if _, err := tx.ExecContext(ctx, "UPDATE numbers SET fwd_calls = ?, fwd_sms = ?, call_rules = '' WHERE id = ?", f.Calls, f.SMS, id); err != nil {
				return err
			}
			cur.Forward = f
			n = cur
			return nil
		})
	})
	if err != nil {
		return providers.Number{}, err
	}
	return n, nil
}

// SetLabel implements providers.Labeler.
func (p *Provider) SetLabel(ctx context.Context, id, label string) error {
	return p.call(ctx, opLabel, "", func(db *sql.DB) error {
		if utf8.RuneCountInString(label) > maxLabel {
			return invalid(opLabel, "label is longer than %d characters", maxLabel)
		}
		res, err := db.ExecContext(ctx, "UPDATE numbers SET label = ? WHERE id = ?", label, id)
		if err != nil {
			return err
		}
		rows, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if rows == 0 {
			return notFound(opLabel, id)
		}
		return nil
	})
}

// Messages implements providers.MessageReader: the messages the number received and sent
// (including forwarded copies), oldest first.
func (p *Provider) Messages(ctx context.Context, id string, since time.Time) ([]providers.Message, error) {
	var out []providers.Message
	err := p.call(ctx, opMessages, "", func(db *sql.DB) error {
		var one int
		err := db.QueryRowContext(ctx, "SELECT 1 FROM numbers WHERE id = ?", id).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound(opMessages, id)
		}
		if err != nil {
			return err
		}
		rows, err := db.QueryContext(ctx, "SELECT "+messageColumns+
			" FROM messages WHERE number_id = ? AND received_at >= ? ORDER BY received_at, seq", id, unixNanos(since))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			m, err := scanMessage(rows)
			if err != nil {
				return err
			}
			out = append(out, m)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// unixNanos is t in Unix nanoseconds, clamped to what an int64 holds (the zero time is long
// before 1678).
func unixNanos(t time.Time) int64 {
	switch {
	case t.Before(time.Unix(0, math.MinInt64)):
		return math.MinInt64
	case t.After(time.Unix(0, math.MaxInt64)):
		return math.MaxInt64
	}
	return t.UnixNano()
}

// SendSMS implements providers.MessageSender. The message is recorded as sent; it goes nowhere.
func (p *Provider) SendSMS(ctx context.Context, fromID, to, text string) (providers.Message, error) {
	var m providers.Message
	err := p.call(ctx, opSend, "", func(db *sql.DB) error {
		if !validE164(to) {
			return invalid(opSend, "'To' number %q is not a valid E.164 phone number", to)
		}
		if err := checkText(opSend, text); err != nil {
			return err
		}
		return inTx(ctx, db, func(tx *sql.Tx) error {
			n, err := getNumber(ctx, tx, fromID, p.now())
			if errors.Is(err, sql.ErrNoRows) {
				return notFound(opSend, fromID)
			}
			if err != nil {
				return err
			}
			if !n.Features.SMS {
				return invalid(opSend, "%s cannot send SMS", n.Number)
			}
			m = providers.Message{ID: newID("SM"), From: n.Number, To: to, Text: text, ReceivedAt: p.now().UTC()}
			return insertMessage(ctx, tx, n.ID, m)
		})
	})
	if err != nil {
		return providers.Message{}, err
	}
	return m, nil
}

// CheckSent implements providers.SentChecker: the sandbox's record of what a number sent is
// complete, so not finding a message proves it was not sent.
func (p *Provider) CheckSent(ctx context.Context, fromID, to, text string, since time.Time) (providers.Message, bool, bool, error) {
	msgs, err := p.Messages(ctx, fromID, since)
	if err != nil {
		return providers.Message{}, false, false, err
	}
	for _, m := range msgs {
		if !m.Inbound && m.To == to && m.Text == text {
			return m, true, true, nil
		}
	}
	return providers.Message{}, false, true, nil
}

// Deliver makes an inbound SMS arrive at an owned number (by carrier id or E.164), as `vnum
// sandbox receive` does. When the number forwards SMS, the forwarded copy is recorded too, as a
// message the number sent to the forwarding target.
func (p *Provider) Deliver(ctx context.Context, ref, from, text string) (providers.Message, error) {
	var m providers.Message
	err := p.call(ctx, opDeliver, "", func(db *sql.DB) error {
		if !validSender(from) {
			return invalid(opDeliver, "sender %q is neither a phone number nor an alphanumeric sender id", from)
		}
		if err := checkText(opDeliver, text); err != nil {
			return err
		}
		return inTx(ctx, db, func(tx *sql.Tx) error {
			n, err := p.resolve(ctx, tx, ref)
			if err != nil {
				return err
			}
			if !n.Features.SMS {
				return invalid(opDeliver, "%s cannot receive SMS", n.Number)
			}
			now := p.now().UTC()
			m = providers.Message{ID: newID("SM"), From: from, To: n.Number, Text: text, ReceivedAt: now, Inbound: true}
			if err := insertMessage(ctx, tx, n.ID, m); err != nil {
				return err
			}
			if n.Forward.SMS == "" {
				return nil
			}
			fwd := providers.Message{ID: newID("SM"), From: n.Number, To: n.Forward.SMS, Text: text, ReceivedAt: now}
			return insertMessage(ctx, tx, n.ID, fwd)
		})
	})
	if err != nil {
		return providers.Message{}, err
	}
	return m, nil
}

// resolve finds an owned number by carrier id, or by number when ref starts with "+" (spaces and
// dashes allowed, as users copy numbers).
func (p *Provider) resolve(ctx context.Context, q querier, ref string) (providers.Number, error) {
	query, arg := "SELECT "+numberColumns+" FROM numbers WHERE id = ?", ref
	if strings.HasPrefix(ref, "+") {
		query = "SELECT " + numberColumns + " FROM numbers WHERE e164 = ?"
		if n, err := phonenumbers.Parse(ref, ""); err == nil {
			arg = phonenumbers.Format(n, phonenumbers.E164)
		}
	}
	n, err := scanNumber(q.QueryRowContext(ctx, query, arg), p.now())
	if errors.Is(err, sql.ErrNoRows) {
		return providers.Number{}, notFound(opDeliver, ref)
	}
	return n, err
}
