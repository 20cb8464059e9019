package store

import (
	"context"
	"errors"
	"fmt"
)

// SMSWebhook records that `vnum serve` pointed a number's inbound SMS at URL, and what the
// number had before, so that `vnum serve --unconfigure` can put it back.
type SMSWebhook struct {
	Provider  string
	CarrierID string
	URL       string
	Previous  string
}

// SaveSMSWebhook records w. When the number already has a record, its Previous is kept: the URL
// to put back is the one the number had before vnum first changed it.
func (s *Store) SaveSMSWebhook(ctx context.Context, w SMSWebhook) error {
	_, at := s.stamp()
	_, err := s.q.ExecContext(ctx, `INSERT INTO sms_webhooks (provider, carrier_id, url, previous, set_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (provider, carrier_id) DO UPDATE SET url = excluded.url, set_at = excluded.set_at`,
		w.Provider, w.CarrierID, w.URL, w.Previous, at)
	if err != nil {
		return fmt.Errorf("store: save sms webhook of %s: %w", w.CarrierID, err)
	}
	return nil
}

// ListSMSWebhooks returns every record, by provider and carrier id.
func (s *Store) ListSMSWebhooks(ctx context.Context) ([]SMSWebhook, error) {
	rows, err := s.q.QueryContext(ctx, `SELECT provider, carrier_id, url, previous FROM sms_webhooks ORDER BY provider, carrier_id`)
	if err != nil {
		return nil, fmt.Errorf("store: list sms webhooks: %w", err)
	}
	var out []SMSWebhook
	for rows.Next() {
		var w SMSWebhook
		if err := rows.Scan(&w.Provider, &w.CarrierID, &w.URL, &w.Previous); err != nil {
			_ = rows.Close()
			return nil, fmt.Errorf("store: list sms webhooks: %w", err)
		}
		out = append(out, w)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, fmt.Errorf("store: list sms webhooks: %w", err)
	}
	return out, nil
}

// DeleteSMSWebhook forgets the record of a number whose URL was put back.
func (s *Store) DeleteSMSWebhook(ctx context.Context, provider, carrierID string) error {
	if _, err := s.q.ExecContext(ctx, `DELETE FROM sms_webhooks WHERE provider = ? AND carrier_id = ?`, provider, carrierID); err != nil {
		return fmt.Errorf("store: delete sms webhook of %s: %w", carrierID, err)
	}
	return nil
}
