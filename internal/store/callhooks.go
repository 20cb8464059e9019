package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/vnum-cli/vnum/providers"
)

// CallHook records that a number's incoming calls were pointed at vnum serve's call route
// (URL), and what the number had before (Previous, the carrier's opaque value for
// providers.CallHook.UnpointCalls). It is written before the carrier is changed.
type CallHook struct {
	Provider  string
	CarrierID string
	URL       string
	Previous  string
}

// SaveCallHook records h. When the number already has a record, its Previous is kept: what to
// put back is what the number had before vnum first pointed it.
func (s *Store) SaveCallHook(ctx context.Context, h CallHook) error {
	_, at := s.stamp()
	_, err := s.q.ExecContext(ctx, `INSERT INTO call_hooks (provider, carrier_id, url, previous, set_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (provider, carrier_id) DO UPDATE SET url = excluded.url, set_at = excluded.set_at`,
		h.Provider, h.CarrierID, h.URL, h.Previous, at)
	if err != nil {
		return fmt.Errorf("store: save call hook of %s: %w", h.CarrierID, err)
	}
	return nil
}

// CallHookOf returns the record of the number (provider, carrierID); found is false when its
// calls were not pointed at serve.
func (s *Store) CallHookOf(ctx context.Context, provider, carrierID string) (h CallHook, found bool, err error) {
	err = s.q.QueryRowContext(ctx, `SELECT provider, carrier_id, url, previous FROM call_hooks WHERE provider = ? AND carrier_id = ?`,
		provider, carrierID).Scan(&h.Provider, &h.CarrierID, &h.URL, &h.Previous)
	if errors.Is(err, sql.ErrNoRows) {
		return CallHook{}, false, nil
	}
	if err != nil {
		return CallHook{}, false, fmt.Errorf("store: call hook of %s: %w", carrierID, err)
	}
	return h, true, nil
}

// ListCallHooks returns every record, by provider and carrier id.
func (s *Store) ListCallHooks(ctx context.Context) ([]CallHook, error) {
	rows, err := s.q.QueryContext(ctx, `SELECT provider, carrier_id, url, previous FROM call_hooks ORDER BY provider, carrier_id`)
	if err != nil {
		return nil, fmt.Errorf("store: list call hooks: %w", err)
	}
	var out []CallHook
	for rows.Next() {
		var h CallHook
		if err := rows.Scan(&h.Provider, &h.CarrierID, &h.URL, &h.Previous); err != nil {
			_ = rows.Close()
			return nil, fmt.Errorf("store: list call hooks: %w", err)
		}
		out = append(out, h)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, fmt.Errorf("store: list call hooks: %w", err)
	}
	return out, nil
}

// DeleteCallHook forgets the record of a number whose calls were put back.
func (s *Store) DeleteCallHook(ctx context.Context, provider, carrierID string) error {
	if _, err := s.q.ExecContext(ctx, `DELETE FROM call_hooks WHERE provider = ? AND carrier_id = ?`, provider, carrierID); err != nil {
		return fmt.Errorf("store: delete call hook of %s: %w", carrierID, err)
	}
	return nil
}

// NumberByE164 returns the held number e164 on provider; ErrNotFound when vnum holds none.
func (s *Store) NumberByE164(ctx context.Context, provider, e164 string) (Number, error) {
	n, err := scanNumber(s.q.QueryRowContext(ctx, `SELECT `+numberCols+` FROM numbers WHERE provider = ? AND e164 = ?
		ORDER BY id LIMIT 1`, provider, e164))
	if errors.Is(err, sql.ErrNoRows) {
		return Number{}, fmt.Errorf("store: number %s on %s: %w", e164, provider, ErrNotFound)
	}
	if err != nil {
		return Number{}, fmt.Errorf("store: number %s on %s: %w", e164, provider, err)
	}
	return n, nil
}

// SaveVoicemailAudio keeps the recording of voicemail (provider, id), replacing any.
func (s *Store) SaveVoicemailAudio(ctx context.Context, provider, id string, a providers.Audio) error {
	data := a.Data
	if data == nil {
		data = []byte{}
	}
	if _, err := s.q.ExecContext(ctx, `INSERT INTO voicemail_audio (provider, carrier_id, content_type, data) VALUES (?, ?, ?, ?)
		ON CONFLICT (provider, carrier_id) DO UPDATE SET content_type = excluded.content_type, data = excluded.data`,
		provider, id, a.ContentType, data); err != nil {
		return fmt.Errorf("store: save audio of voicemail %s: %w", id, err)
	}
	return nil
}

// VoicemailAudio returns the stored recording of voicemail (provider, id); found is false when
// vnum has not downloaded it (yet).
func (s *Store) VoicemailAudio(ctx context.Context, provider, id string) (a providers.Audio, found bool, err error) {
	err = s.q.QueryRowContext(ctx, `SELECT content_type, data FROM voicemail_audio WHERE provider = ? AND carrier_id = ?`,
		provider, id).Scan(&a.ContentType, &a.Data)
	if errors.Is(err, sql.ErrNoRows) {
		return providers.Audio{}, false, nil
	}
	if err != nil {
		return providers.Audio{}, false, fmt.Errorf("store: audio of voicemail %s: %w", id, err)
	}
	return a, true, nil
}

// PendingAudio lists the voicemails with a recording URL and no stored audio, oldest first.
func (s *Store) PendingAudio(ctx context.Context) ([]Voicemail, error) {
	rows, err := s.q.QueryContext(ctx, `SELECT v.number_id, v.provider, v.carrier_id, v.call_id, v.caller, v.called, v.received_at,
		v.duration_ms, v.transcription, v.recording_url FROM voicemails v
		LEFT JOIN voicemail_audio a ON a.provider = v.provider AND a.carrier_id = v.carrier_id
		WHERE v.recording_url <> '' AND a.carrier_id IS NULL ORDER BY v.received_at, v.carrier_id`)
	if err != nil {
		return nil, fmt.Errorf("store: voicemails without audio: %w", err)
	}
	out := []Voicemail{}
	for rows.Next() {
		v, err := scanVoicemail(rows)
		if err != nil {
			_ = rows.Close()
			return nil, fmt.Errorf("store: voicemails without audio: %w", err)
		}
		out = append(out, v)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, fmt.Errorf("store: voicemails without audio: %w", err)
	}
	return out, nil
}

// SetCallHookPrevious records what the number had before vnum first pointed it, once the carrier
// said.
func (s *Store) SetCallHookPrevious(ctx context.Context, provider, carrierID, previous string) error {
	if _, err := s.q.ExecContext(ctx, `UPDATE call_hooks SET previous = ? WHERE provider = ? AND carrier_id = ?`,
		previous, provider, carrierID); err != nil {
		return fmt.Errorf("store: save call hook of %s: %w", carrierID, err)
	}
	return nil
}

// DropRecordingURL forgets where a voicemail's recording was (the carrier no longer has it): it
// is no longer pending.
func (s *Store) DropRecordingURL(ctx context.Context, provider, id string) error {
	if _, err := s.q.ExecContext(ctx, `UPDATE voicemails SET recording_url = '' WHERE provider = ? AND carrier_id = ?`,
		provider, id); err != nil {
		return fmt.Errorf("store: voicemail %s: %w", id, err)
	}
	return nil
}
