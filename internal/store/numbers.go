package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/vnum-cli/vnum/providers"
)

// numberData are the columns of numbers after id, in the order numberArgs gives their values.
const (
	numberData = `provider, carrier_id, e164, country, type, voice, sms, mms, label,
	forward_calls, forward_sms, monthly_micros, monthly_currency, state, managed,
	expires_at, bought_at, updated_at`
	numberCols = `id, ` + numberData
)

// numberArgs are n's values for the numberData columns.
func numberArgs(n *Number, updated int64) ([]any, error) {
	expires, err := timeArg(n.ExpiresAt)
	if err != nil {
		return nil, fmt.Errorf("expires at: %w", err)
	}
	bought, err := timeArg(n.BoughtAt)
	if err != nil {
		return nil, fmt.Errorf("bought at: %w", err)
	}
	return []any{
		n.Provider, n.CarrierID, n.E164, n.Country, string(n.Type),
		flag(n.Features.Voice), flag(n.Features.SMS), flag(n.Features.MMS), n.Label,
		n.Forward.Calls, n.Forward.SMS, n.Monthly.Micros, n.Monthly.Currency,
		string(n.State), flag(n.Managed), expires, bought, updated,
	}, nil
}

func checkNumber(n *Number) error {
	if n.Provider == "" || n.E164 == "" {
		return errors.New("provider and e164 are required")
	}
	return nil
}

func scanNumber(sc scanner) (Number, error) {
	var (
		n                       Number
		typ, state              string
		expires, bought, update sql.NullInt64
	)
	err := sc.Scan(&n.ID, &n.Provider, &n.CarrierID, &n.E164, &n.Country, &typ,
		&n.Features.Voice, &n.Features.SMS, &n.Features.MMS, &n.Label,
		&n.Forward.Calls, &n.Forward.SMS, &n.Monthly.Micros, &n.Monthly.Currency,
		&state, &n.Managed, &expires, &bought, &update)
	if err != nil {
		return Number{}, err
	}
	n.Type = providers.NumberType(typ)
	n.State = providers.State(state)
	n.ExpiresAt, n.BoughtAt, n.UpdatedAt = timeOf(expires), timeOf(bought), timeOf(update)
	return n, nil
}

// InsertNumber records a new number and sets n.ID and n.UpdatedAt (and n's times as the store
// keeps them, in UTC). Any ID already in n is
// ignored: ids come from the store and are never reused. A label another stored number has is
// ErrLabelTaken.
func (s *Store) InsertNumber(ctx context.Context, n *Number) error {
	if err := checkNumber(n); err != nil {
		return fmt.Errorf("store: insert number: %w", err)
	}
	at, nanos := s.stamp()
	args, err := numberArgs(n, nanos)
	if err != nil {
		return fmt.Errorf("store: insert number %s: %w", n.E164, err)
	}
	var id int64
	err = s.q.QueryRowContext(ctx, `INSERT INTO numbers (`+numberData+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, args...).Scan(&id)
	if s.isLabelConflict(err) {
		return fmt.Errorf("store: insert number %s: label %q: %w", n.E164, n.Label, ErrLabelTaken)
	}
	if err != nil {
		return fmt.Errorf("store: insert number %s: %w", n.E164, err)
	}
	n.ID, n.UpdatedAt = id, at
	n.ExpiresAt, n.BoughtAt = asStored(n.ExpiresAt), asStored(n.BoughtAt)
	return nil
}

// UpdateNumber replaces every stored field of the number n.ID with n's and sets n.UpdatedAt.
// ErrNotFound when there is no such number; ErrLabelTaken when another number has n.Label.
func (s *Store) UpdateNumber(ctx context.Context, n *Number) error {
	if err := checkNumber(n); err != nil {
		return fmt.Errorf("store: update number %d: %w", n.ID, err)
	}
	at, nanos := s.stamp()
	args, err := numberArgs(n, nanos)
	if err != nil {
		return fmt.Errorf("store: update number %d: %w", n.ID, err)
	}
	res, err := s.q.ExecContext(ctx, `UPDATE numbers SET
		provider = ?, carrier_id = ?, e164 = ?, country = ?, type = ?, voice = ?, sms = ?, mms = ?,
		label = ?, forward_calls = ?, forward_sms = ?, monthly_micros = ?, monthly_currency = ?,
		state = ?, managed = ?, expires_at = ?, bought_at = ?, updated_at = ?
		WHERE id = ?`, append(args, n.ID)...)
	if s.isLabelConflict(err) {
		return fmt.Errorf("store: update number %d: label %q: %w", n.ID, n.Label, ErrLabelTaken)
	}
	if err := mustChange(res, err); err != nil {
		return fmt.Errorf("store: update number %d: %w", n.ID, err)
	}
	n.UpdatedAt = at
	n.ExpiresAt, n.BoughtAt = asStored(n.ExpiresAt), asStored(n.BoughtAt)
	return nil
}

// mustChange turns "no row matched" into ErrNotFound.
func mustChange(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	rows, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if rows == 0 {
		return ErrNotFound
	}
	return nil
}

// GetNumber returns the number with the given id; ErrNotFound when there is none (including a
// number that has moved to history).
func (s *Store) GetNumber(ctx context.Context, id int64) (Number, error) {
	n, err := scanNumber(s.q.QueryRowContext(ctx, `SELECT `+numberCols+` FROM numbers WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Number{}, fmt.Errorf("store: number %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Number{}, fmt.Errorf("store: get number %d: %w", id, err)
	}
	return n, nil
}

// ListNumbers returns every stored number, ordered by BoughtAt (numbers with no purchase time
// first), then by ID. It is one query whatever the count: `vnum list` runs it on every call.
func (s *Store) ListNumbers(ctx context.Context) ([]Number, error) {
	rows, err := s.q.QueryContext(ctx, `SELECT `+numberCols+` FROM numbers
		ORDER BY bought_at ASC NULLS FIRST, id ASC`)
	if err != nil {
		return nil, fmt.Errorf("store: list numbers: %w", err)
	}
	defer rows.Close()
	out := []Number{}
	for rows.Next() {
		n, err := scanNumber(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list numbers: %w", err)
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list numbers: %w", err)
	}
	return out, nil
}

// SortNumbers puts ns in ListNumbers' order: by BoughtAt (numbers with no purchase time first),
// then by ID. For a list read from the store and then added to.
func SortNumbers(ns []Number) {
	slices.SortStableFunc(ns, func(a, b Number) int {
		if c := a.BoughtAt.Compare(b.BoughtAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
}

// NumberProviders lists, sorted, the carriers of the stored numbers: what `vnum list` asks
// without reading every number.
func (s *Store) NumberProviders(ctx context.Context) ([]string, error) {
	rows, err := s.q.QueryContext(ctx, `SELECT DISTINCT provider FROM numbers ORDER BY provider`)
	if err != nil {
		return nil, fmt.Errorf("store: list carriers: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			return nil, fmt.Errorf("store: list carriers: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list carriers: %w", err)
	}
	return out, nil
}

func validEnd(how string) bool {
	switch how {
	case EndReleased, EndRotated, EndBurned, EndExpired, EndVanished:
		return true
	}
	return false
}

// EndNumber moves the number id to history, in one transaction, and returns the history entry.
// The entry keeps the number's ID, so its messages can still be listed; with how == EndBurned the
// messages are deleted instead. A zero at means now. ErrNotFound when there is no such number.
func (s *Store) EndNumber(ctx context.Context, id int64, how string, at time.Time, replacedBy string) (HistoryEntry, error) {
	if !validEnd(how) {
		return HistoryEntry{}, fmt.Errorf("store: end number %d: unknown end %q", id, how)
	}
	if at.IsZero() {
		at, _ = s.stamp()
	}
	ended, err := timeArg(at)
	if err != nil {
		return HistoryEntry{}, fmt.Errorf("store: end number %d: %w", id, err)
	}
	endedAt := time.Unix(0, at.UnixNano()).UTC() // as ListHistory will read it back
	var h HistoryEntry
	err = s.InTx(ctx, func(tx *Store) error {
		n, err := tx.GetNumber(ctx, id)
		if err != nil {
			return err
		}
		bought, _ := timeArg(n.BoughtAt) // read back from a column, so in range
		h = HistoryEntry{
			ID: n.ID, Provider: n.Provider, CarrierID: n.CarrierID, E164: n.E164,
			Country: n.Country, Type: n.Type, Label: n.Label, Monthly: n.Monthly,
			BoughtAt: n.BoughtAt, EndedAt: endedAt,
			How: how, ReplacedBy: replacedBy,
		}
		if _, err := tx.q.ExecContext(ctx, `INSERT INTO history (id, provider, carrier_id, e164,
			country, type, label, monthly_micros, monthly_currency, bought_at, ended_at, how, replaced_by)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			h.ID, h.Provider, h.CarrierID, h.E164, h.Country, string(h.Type), h.Label,
			h.Monthly.Micros, h.Monthly.Currency, bought, ended, h.How, h.ReplacedBy); err != nil {
			return fmt.Errorf("store: end number %d: add history: %w", id, err)
		}
		if _, err := tx.q.ExecContext(ctx, `DELETE FROM numbers WHERE id = ?`, id); err != nil {
			return fmt.Errorf("store: end number %d: %w", id, err)
		}
		// The block list and voicemail setting belong to a number in use; a rotate moved them
		// to the replacement before this.
		if err := deleteCallSettings(ctx, tx.q, id); err != nil {
			return fmt.Errorf("store: end number %d: %w", id, err)
		}
		movedTo := ""
		if how == EndRotated {
			movedTo = replacedBy
		}
		if err := dropRelays(ctx, tx.q, id, n.Provider, movedTo); err != nil {
			return fmt.Errorf("store: end number %d: %w", id, err)
		}
		if how == EndBurned {
			if _, err := tx.q.ExecContext(ctx, `DELETE FROM messages WHERE number_id = ?`, id); err != nil {
				return fmt.Errorf("store: end number %d: delete messages: %w", id, err)
			}
			if err := forgetCalls(ctx, tx.q, id); err != nil {
				return fmt.Errorf("store: end number %d: %w", id, err)
			}
			if err := forgetPushedText(ctx, tx.q, id); err != nil {
				return fmt.Errorf("store: end number %d: %w", id, err)
			}
		}
		return nil
	})
	if err != nil {
		return HistoryEntry{}, err
	}
	return h, nil
}

// SetHistoryLabel sets the label a history entry shows: a rotated number gave its label to its
// replacement before it ended, yet history should say what it was called.
func (s *Store) SetHistoryLabel(ctx context.Context, id int64, label string) error {
	res, err := s.q.ExecContext(ctx, `UPDATE history SET label = ? WHERE id = ?`, label, id)
	if err != nil {
		return fmt.Errorf("store: label history %d: %w", id, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("store: label history %d: %w", id, ErrNotFound)
	}
	return nil
}

// ListHistory returns every number vnum no longer holds, ordered by EndedAt, then ID.
func (s *Store) ListHistory(ctx context.Context) ([]HistoryEntry, error) {
	rows, err := s.q.QueryContext(ctx, `SELECT id, provider, carrier_id, e164, country, type, label,
		monthly_micros, monthly_currency, bought_at, ended_at, how, replaced_by
		FROM history ORDER BY ended_at, id`)
	if err != nil {
		return nil, fmt.Errorf("store: list history: %w", err)
	}
	defer rows.Close()
	out := []HistoryEntry{}
	for rows.Next() {
		var (
			h           HistoryEntry
			typ         string
			bought, end sql.NullInt64
		)
		if err := rows.Scan(&h.ID, &h.Provider, &h.CarrierID, &h.E164, &h.Country, &typ, &h.Label,
			&h.Monthly.Micros, &h.Monthly.Currency, &bought, &end, &h.How, &h.ReplacedBy); err != nil {
			return nil, fmt.Errorf("store: list history: %w", err)
		}
		h.Type = providers.NumberType(typ)
		h.BoughtAt, h.EndedAt = timeOf(bought), timeOf(end)
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list history: %w", err)
	}
	return out, nil
}
