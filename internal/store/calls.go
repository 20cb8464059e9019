package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vnum-cli/vnum/providers"
)

// CallSettings are a number's block list and voicemail setting, as the user set them. The
// carrier holds a copy (Twilio: the number's Studio flow) written from these.
type CallSettings struct {
	NumberID       int64
	Blocked        []string // E.164 callers, sorted
	BlockAnonymous bool
	Voicemail      string        // providers.VoicemailOff, VoicemailAfter or VoicemailAlways
	VoicemailAfter time.Duration // for VoicemailAfter
}

// IsZero reports whether nothing is set.
func (c CallSettings) IsZero() bool {
	return len(c.Blocked) == 0 && !c.BlockAnonymous && c.Voicemail == providers.VoicemailOff
}

// Call is one entry of a number's call log.
type Call struct {
	NumberID int64
	providers.Call
}

// Voicemail is one message left on a number.
type Voicemail struct {
	NumberID int64
	Provider string
	providers.Voicemail
}

// CallSettings returns the number's settings; a number with none gets the zero settings.
func (s *Store) CallSettings(ctx context.Context, numberID int64) (CallSettings, error) {
	c := CallSettings{NumberID: numberID, Blocked: []string{}}
	var afterMS int64
	err := s.q.QueryRowContext(ctx, `SELECT block_anonymous, voicemail, voicemail_after_ms FROM call_settings WHERE number_id = ?`,
		numberID).Scan(&c.BlockAnonymous, &c.Voicemail, &afterMS)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return CallSettings{}, fmt.Errorf("store: call settings of number %d: %w", numberID, err)
	}
	c.VoicemailAfter = time.Duration(afterMS) * time.Millisecond
	rows, err := s.q.QueryContext(ctx, `SELECT caller FROM blocked_callers WHERE number_id = ? ORDER BY caller`, numberID)
	if err != nil {
		return CallSettings{}, fmt.Errorf("store: block list of number %d: %w", numberID, err)
	}
	for rows.Next() {
		var caller string
		if err := rows.Scan(&caller); err != nil {
			_ = rows.Close()
			return CallSettings{}, fmt.Errorf("store: block list of number %d: %w", numberID, err)
		}
		c.Blocked = append(c.Blocked, caller)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return CallSettings{}, fmt.Errorf("store: block list of number %d: %w", numberID, err)
	}
	return c, nil
}

// SaveCallSettings replaces the number's settings with c, in one transaction.
func (s *Store) SaveCallSettings(ctx context.Context, c CallSettings) error {
	if c.NumberID <= 0 {
		return fmt.Errorf("store: save call settings: invalid number id %d", c.NumberID)
	}
	return s.InTx(ctx, func(tx *Store) error {
		if err := deleteCallSettings(ctx, tx.q, c.NumberID); err != nil {
			return err
		}
		if c.IsZero() {
			return nil
		}
		if _, err := tx.q.ExecContext(ctx, `INSERT INTO call_settings (number_id, block_anonymous, voicemail, voicemail_after_ms)
			VALUES (?, ?, ?, ?)`, c.NumberID, c.BlockAnonymous, c.Voicemail, c.VoicemailAfter.Milliseconds()); err != nil {
			return fmt.Errorf("store: save call settings of number %d: %w", c.NumberID, err)
		}
		blocked := slices.Clone(c.Blocked)
		slices.Sort(blocked)
		for _, caller := range slices.Compact(blocked) {
			if _, err := tx.q.ExecContext(ctx, `INSERT INTO blocked_callers (number_id, caller) VALUES (?, ?)`, c.NumberID, caller); err != nil {
				return fmt.Errorf("store: block %s on number %d: %w", caller, c.NumberID, err)
			}
		}
		return nil
	})
}

// MoveCallSettings gives the settings of number from to number to (a rotate), replacing any
// that had.
func (s *Store) MoveCallSettings(ctx context.Context, from, to int64) error {
	return s.InTx(ctx, func(tx *Store) error {
		c, err := tx.CallSettings(ctx, from)
		if err != nil {
			return err
		}
		c.NumberID = to
		if err := tx.SaveCallSettings(ctx, c); err != nil {
			return err
		}
		return deleteCallSettings(ctx, tx.q, from)
	})
}

func deleteCallSettings(ctx context.Context, q querier, numberID int64) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM call_settings WHERE number_id = ?`, numberID); err != nil {
		return fmt.Errorf("delete call settings: %w", err)
	}
	if _, err := q.ExecContext(ctx, `DELETE FROM blocked_callers WHERE number_id = ?`, numberID); err != nil {
		return fmt.Errorf("delete block list: %w", err)
	}
	return nil
}

// forgetCalls deletes a number's call log and voicemails (a burn).
func forgetCalls(ctx context.Context, q querier, numberID int64) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM calls WHERE number_id = ?`, numberID); err != nil {
		return fmt.Errorf("delete call log: %w", err)
	}
	if _, err := q.ExecContext(ctx, `DELETE FROM voicemail_audio WHERE EXISTS (SELECT 1 FROM voicemails v
		WHERE v.number_id = ? AND v.provider = voicemail_audio.provider AND v.carrier_id = voicemail_audio.carrier_id)`, numberID); err != nil {
		return fmt.Errorf("delete voicemail audio: %w", err)
	}
	if _, err := q.ExecContext(ctx, `DELETE FROM voicemails WHERE number_id = ?`, numberID); err != nil {
		return fmt.Errorf("delete voicemails: %w", err)
	}
	return nil
}

// AddCalls stores calls of the number numberID; a call already stored (same carrier id) takes
// the newer outcome and duration, since a carrier may report a call before it ends.
func (s *Store) AddCalls(ctx context.Context, numberID int64, calls []providers.Call) error {
	return s.InTx(ctx, func(tx *Store) error {
		for _, c := range calls {
			if c.ID == "" {
				return fmt.Errorf("store: add call from %s: no carrier id", c.From)
			}
			at, err := timeArg(c.At)
			if err != nil {
				return fmt.Errorf("store: add call %s: %w", c.ID, err)
			}
			if _, err := tx.q.ExecContext(ctx, `INSERT INTO calls (number_id, carrier_call_id, caller, called, started_at, duration_ms, outcome)
				VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (number_id, carrier_call_id)
				DO UPDATE SET duration_ms = excluded.duration_ms, outcome = excluded.outcome`,
				numberID, c.ID, c.From, c.To, at, c.Duration.Milliseconds(), string(c.Outcome)); err != nil {
				return fmt.Errorf("store: add call %s: %w", c.ID, err)
			}
		}
		return nil
	})
}

// ListCalls returns the calls of the given numbers (every number, held or ended, when ids is
// empty) at or after since, oldest first.
func (s *Store) ListCalls(ctx context.Context, ids []int64, since time.Time) ([]Call, error) {
	q := `SELECT number_id, carrier_call_id, caller, called, started_at, duration_ms, outcome FROM calls WHERE 1 = 1`
	q, args, err := filterBy(q, "started_at", ids, since)
	if err != nil {
		return nil, fmt.Errorf("store: list calls: %w", err)
	}
	rows, err := s.q.QueryContext(ctx, q+` ORDER BY started_at, carrier_call_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list calls: %w", err)
	}
	out := []Call{}
	for rows.Next() {
		var (
			c       Call
			at      sql.NullInt64
			ms      int64
			outcome string
		)
		if err := rows.Scan(&c.NumberID, &c.ID, &c.From, &c.To, &at, &ms, &outcome); err != nil {
			_ = rows.Close()
			return nil, fmt.Errorf("store: list calls: %w", err)
		}
		c.At, c.Duration, c.Outcome = timeOf(at), time.Duration(ms)*time.Millisecond, providers.CallOutcome(outcome)
		out = append(out, c)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, fmt.Errorf("store: list calls: %w", err)
	}
	return out, nil
}

// LastCallAt returns when the latest call of the number numberID started; zero when it has none.
func (s *Store) LastCallAt(ctx context.Context, numberID int64) (time.Time, error) {
	var at sql.NullInt64
	if err := s.q.QueryRowContext(ctx, `SELECT MAX(started_at) FROM calls WHERE number_id = ?`, numberID).Scan(&at); err != nil {
		return time.Time{}, fmt.Errorf("store: last call of number %d: %w", numberID, err)
	}
	return timeOf(at), nil
}

// filterBy adds the number and time conditions of a list to q.
func filterBy(q, timeCol string, ids []int64, since time.Time) (string, []any, error) {
	var args []any
	if len(ids) > 0 {
		q += ` AND number_id IN (?` + strings.Repeat(`, ?`, len(ids)-1) + `)`
		for _, id := range ids {
			args = append(args, id)
		}
	}
	if !since.IsZero() {
		t, err := timeArg(since)
		if err != nil {
			return "", nil, fmt.Errorf("since: %w", err)
		}
		q += ` AND ` + timeCol + ` >= ?`
		args = append(args, t)
	}
	return q, args, nil
}

// AddVoicemails stores voicemails of the number numberID at provider; one already stored keeps
// what it has, except a transcription that arrived since.
func (s *Store) AddVoicemails(ctx context.Context, numberID int64, provider string, vms []providers.Voicemail) error {
	return s.InTx(ctx, func(tx *Store) error {
		for _, v := range vms {
			if v.ID == "" {
				return fmt.Errorf("store: add voicemail from %s: no carrier id", v.From)
			}
			at, err := timeArg(v.At)
			if err != nil {
				return fmt.Errorf("store: add voicemail %s: %w", v.ID, err)
			}
			if _, err := tx.q.ExecContext(ctx, `INSERT INTO voicemails (provider, carrier_id, number_id, call_id, caller, called,
				received_at, duration_ms, transcription, recording_url) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (provider, carrier_id) DO UPDATE SET transcription = excluded.transcription
				WHERE excluded.transcription <> ''`,
				provider, v.ID, numberID, v.CallID, v.From, v.To, at, v.Duration.Milliseconds(), v.Transcription, v.RecordingURL); err != nil {
				return fmt.Errorf("store: add voicemail %s: %w", v.ID, err)
			}
		}
		return nil
	})
}

const voicemailCols = `number_id, provider, carrier_id, call_id, caller, called, received_at, duration_ms, transcription, recording_url`

func scanVoicemail(sc scanner) (Voicemail, error) {
	var (
		v  Voicemail
		at sql.NullInt64
		ms int64
	)
	if err := sc.Scan(&v.NumberID, &v.Provider, &v.ID, &v.CallID, &v.From, &v.To, &at, &ms, &v.Transcription, &v.RecordingURL); err != nil {
		return Voicemail{}, err
	}
	v.At, v.Duration = timeOf(at), time.Duration(ms)*time.Millisecond
	return v, nil
}

// ListVoicemails returns the voicemails of the given numbers (every number when ids is empty)
// at or after since, oldest first.
func (s *Store) ListVoicemails(ctx context.Context, ids []int64, since time.Time) ([]Voicemail, error) {
	q, args, err := filterBy(`SELECT `+voicemailCols+` FROM voicemails WHERE 1 = 1`, "received_at", ids, since)
	if err != nil {
		return nil, fmt.Errorf("store: list voicemails: %w", err)
	}
	rows, err := s.q.QueryContext(ctx, q+` ORDER BY received_at, carrier_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list voicemails: %w", err)
	}
	out := []Voicemail{}
	for rows.Next() {
		v, err := scanVoicemail(rows)
		if err != nil {
			_ = rows.Close()
			return nil, fmt.Errorf("store: list voicemails: %w", err)
		}
		out = append(out, v)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, fmt.Errorf("store: list voicemails: %w", err)
	}
	return out, nil
}

// GetVoicemail finds a voicemail by the carrier's id; ErrNotFound when vnum has none.
func (s *Store) GetVoicemail(ctx context.Context, id string) (Voicemail, error) {
	v, err := scanVoicemail(s.q.QueryRowContext(ctx, `SELECT `+voicemailCols+` FROM voicemails WHERE carrier_id = ?
		ORDER BY provider LIMIT 1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Voicemail{}, fmt.Errorf("voicemail %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return Voicemail{}, fmt.Errorf("store: voicemail %s: %w", id, err)
	}
	return v, nil
}

// DeleteVoicemail forgets a voicemail, with its audio.
func (s *Store) DeleteVoicemail(ctx context.Context, provider, id string) error {
	return s.InTx(ctx, func(tx *Store) error {
		if _, err := tx.q.ExecContext(ctx, `DELETE FROM voicemail_audio WHERE provider = ? AND carrier_id = ?`, provider, id); err != nil {
			return fmt.Errorf("store: delete voicemail %s: %w", id, err)
		}
		if _, err := tx.q.ExecContext(ctx, `DELETE FROM voicemails WHERE provider = ? AND carrier_id = ?`, provider, id); err != nil {
			return fmt.Errorf("store: delete voicemail %s: %w", id, err)
		}
		return nil
	})
}
