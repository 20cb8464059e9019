package numbers

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/vnum-cli/vnum/internal/phone"
	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/providers"
)

// Refresh brings the store in line with what the carrier says the account owns, so `vnum list`
// never hides a number the user pays for and never shows one the carrier no longer has:
//   - numbers on the carrier that the store lacks are added as unmanaged (with the carrier's label);
//   - stored numbers the carrier no longer has go to history as vanished, but only once the
//     carrier has said so for that number: a listing can be cut short or garbled (one bad page,
//     a gateway's error page served with 200), and a managed number moved to history loses its
//     expiry and is billed for ever, so each number the list left out is asked for (Get) and
//     ends only on a not-found answer;
//   - state changes (a pending order now active) are recorded.
//
// Numbers that a journal entry is working on are left alone: another process may be buying or
// releasing them right now.
func (m *Manager) Refresh(ctx context.Context, providerName string) (notes []string, err error) {
	p, err := m.provider(providerName)
	if err != nil {
		return nil, err
	}
	// UpdatedAt stamps come from the store's clock, so the cut-off below must too.
	started := m.Store.Now()
	owned, err := p.List(ctx)
	if err != nil {
		return nil, err
	}
	ops, err := m.Store.ListOps(ctx)
	if err != nil {
		return nil, err
	}
	busy := map[string]bool{} // E.164 numbers and local ids a journal entry is handling
	for _, op := range ops {
		if op.Provider != providerName {
			continue
		}
		busy[fmt.Sprint(op.NumberID)] = true
		if plan, err := decode[buyPlan](op); err == nil && plan.Number != "" {
			busy[plan.Number] = true
			busy[fmt.Sprint(plan.NumberID)] = true
		}
	}
	gone, err := m.confirmGone(ctx, p, providerName, owned, busy, started)
	if err != nil {
		return nil, err
	}
	err = m.Store.InTx(ctx, func(tx *store.Store) error {
		stored, err := tx.ListNumbers(ctx)
		if err != nil {
			return err
		}
		byCarrier := map[string]store.Number{}
		for _, n := range stored {
			if n.Provider == providerName {
				byCarrier[n.CarrierID] = n
			}
		}
		for _, c := range owned {
			n, ok := byCarrier[c.ID]
			if !ok && !phone.IsE164(c.Number) {
				// One garbled record must not stop the others from being brought in.
				notes = append(notes, fmt.Sprintf("%s lists %s without a valid phone number (%q): left out", providerName, c.ID, c.Number))
				continue
			}
			if !ok {
				if busy[c.Number] {
					continue
				}
				n = unmanaged(providerName, c, m.Now())
				if err := tx.InsertNumber(ctx, &n); errors.Is(err, store.ErrLabelTaken) {
					n.Label = ""
					err = tx.InsertNumber(ctx, &n)
					if err != nil {
						return err
					}
				} else if err != nil {
					return err
				}
				notes = append(notes, fmt.Sprintf("found %s on %s, bought outside vnum: shown as unmanaged (`vnum adopt %s` to manage it)",
					phone.Format(n.E164), providerName, n.E164))
				continue
			}
			if c.State != "" && c.State != n.State {
				n.State = c.State
				if err := tx.UpdateNumber(ctx, &n); err != nil {
					return err
				}
			}
		}
		// The numbers the carrier said are gone, among those the list still leaves out as the
		// transaction reads them: one recorded after the list was taken is not evidence of anything.
		for _, n := range vanishing(stored, providerName, owned, busy, started) {
			if !gone[n.ID] {
				continue
			}
			if _, err := tx.EndNumber(ctx, n.ID, store.EndVanished, m.Now(), ""); err != nil {
				return err
			}
			notes = append(notes, fmt.Sprintf("%s is no longer on your %s account: moved to history", phone.Format(n.E164), providerName))
		}
		return nil
	})
	return notes, err
}

// vanishing decides which stored numbers the carrier's list may have lost: those of the carrier,
// absent from owned, not being handled by a journal entry, recorded before the list was taken
// and not pending.
func vanishing(stored []store.Number, providerName string, owned []providers.Number, busy map[string]bool, started time.Time) []store.Number {
	listed := make(map[string]bool, len(owned))
	for _, c := range owned {
		listed[c.ID] = true
	}
	var out []store.Number
	for _, n := range stored {
		if n.Provider != providerName || listed[n.CarrierID] || busy[fmt.Sprint(n.ID)] || busy[n.E164] ||
			!n.UpdatedAt.Before(started) || n.State == providers.StatePending {
			continue
		}
		out = append(out, n)
	}
	return out
}

// confirmGone asks the carrier about each stored number its list left out, outside any
// transaction (they are network requests), and returns the ids of those it answered not found
// for. Any other answer, the number itself or an error, keeps the number: it may still be
// billed. A cancelled context stops the questions.
func (m *Manager) confirmGone(ctx context.Context, p providers.Provider, providerName string, owned []providers.Number,
	busy map[string]bool, started time.Time) (map[int64]bool, error) {
	stored, err := m.Store.ListNumbers(ctx)
	if err != nil {
		return nil, err
	}
	gone := map[int64]bool{}
	for _, n := range vanishing(stored, providerName, owned, busy, started) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if _, err := p.Get(ctx, n.CarrierID); errors.Is(err, providers.ErrNotFound) {
			gone[n.ID] = true
		}
	}
	return gone, nil
}

func unmanaged(providerName string, c providers.Number, now time.Time) store.Number {
	n := store.Number{
		Provider: providerName, CarrierID: c.ID, E164: c.Number, Country: c.Country, Type: c.Type,
		Features: c.Features, Label: c.Label, Forward: c.Forward, Monthly: c.Monthly, State: c.State,
		Managed: false, BoughtAt: c.CreatedAt,
	}
	if n.Country == "" {
		n.Country = phone.Country(c.Number)
	}
	if n.Type == "" {
		n.Type = phone.TypeOf(c.Number)
	}
	if n.State == "" {
		n.State = providers.StateActive
	}
	if n.BoughtAt.IsZero() {
		n.BoughtAt = now
	}
	return n
}

// Adopt makes an unmanaged number (bought outside vnum) managed, with an optional label and
// lifetime.
func (m *Manager) Adopt(ctx context.Context, n store.Number, label string, ttl time.Duration) (store.Number, error) {
	if err := m.checkLabelFree(ctx, label, n.ID); err != nil {
		return n, err
	}
	n.Managed = true
	if label != "" {
		n.Label = label
	}
	if ttl > 0 {
		n.ExpiresAt = m.Now().Add(ttl)
	}
	if err := m.Store.UpdateNumber(ctx, &n); err != nil {
		return n, err
	}
	if label != "" {
		m.writeLabel(ctx, n)
	}
	return n, nil
}

// writeLabel copies the label to the carrier where it has a field for it; best effort: the store
// is the record, the carrier copy is for recovery.
func (m *Manager) writeLabel(ctx context.Context, n store.Number) {
	p, err := m.provider(n.Provider)
	if err != nil {
		return
	}
	if l, ok := providers.As[providers.Labeler](p); ok && p.Capabilities().Labels {
		_ = l.SetLabel(ctx, n.CarrierID, n.Label)
	}
}
