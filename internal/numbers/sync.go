package numbers

import (
	"context"
	"errors"
	"fmt"
	"slices"
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
//
// It returns the stored numbers (of every carrier) as its transaction left them, in
// ListNumbers' order, so that `vnum list` shows them without reading the store again. The store
// is read once when the carrier's list accounts for every stored number (the usual case); a
// number it leaves out costs a question to the carrier, outside any transaction, and a second
// transaction to end it.
func (m *Manager) Refresh(ctx context.Context, providerName string) (stored []store.Number, notes []string, err error) {
	p, err := m.provider(providerName)
	if err != nil {
		return nil, nil, err
	}
	// UpdatedAt stamps come from the store's clock, so the cut-off below must too.
	started := m.Store.Now()
	owned, err := p.List(ctx)
	if err != nil {
		return nil, nil, err
	}
	ops, err := m.Store.ListOps(ctx)
	if err != nil {
		return nil, nil, err
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
	var missing []store.Number // stored numbers the list leaves out
	err = m.Store.InTx(ctx, func(tx *store.Store) error {
		var err error
		stored, err = tx.ListNumbers(ctx)
		if err != nil {
			return err
		}
		var added []string
		stored, added, err = m.syncListed(ctx, tx, providerName, stored, owned, busy)
		notes = append(notes, added...)
		missing = vanishing(stored, providerName, owned, busy, started)
		return err
	})
	if err != nil || len(missing) == 0 {
		return stored, notes, err
	}
	gone, err := confirmGone(ctx, p, missing)
	if err != nil || len(gone) == 0 {
		return stored, notes, err
	}
	err = m.Store.InTx(ctx, func(tx *store.Store) error {
		var err error
		stored, err = tx.ListNumbers(ctx)
		if err != nil {
			return err
		}
		// The numbers the carrier said are gone, among those the list still leaves out as this
		// transaction reads them: one recorded after the list was taken is not evidence of anything.
		ended := map[int64]bool{}
		for _, n := range vanishing(stored, providerName, owned, busy, started) {
			if !gone[n.ID] {
				continue
			}
			if _, err := tx.EndNumber(ctx, n.ID, store.EndVanished, m.Now(), ""); err != nil {
				return err
			}
			ended[n.ID] = true
			notes = append(notes, fmt.Sprintf("%s is no longer on your %s account: moved to history", phone.Format(n.E164), providerName))
		}
		stored = slices.DeleteFunc(stored, func(n store.Number) bool { return ended[n.ID] })
		return nil
	})
	if err != nil {
		return nil, notes, err
	}
	return stored, notes, nil
}

// syncListed records, inside tx, what the carrier's list owned says that stored (tx's numbers)
// lacks: numbers bought outside vnum are added as unmanaged, changed states are updated; a row
// that did not change is not written. It returns stored with those changes, in ListNumbers' order.
func (m *Manager) syncListed(ctx context.Context, tx *store.Store, providerName string, stored []store.Number,
	owned []providers.Number, busy map[string]bool) (_ []store.Number, notes []string, err error) {
	byCarrier := map[string]int{} // carrier id → index in stored
	for i, n := range stored {
		if n.Provider == providerName {
			byCarrier[n.CarrierID] = i
		}
	}
	added, garbled := false, 0
	defer func() {
		if more := garbled - maxGarbledNotes; more > 0 {
			notes = append(notes, fmt.Sprintf("%s lists %d more records without a valid phone number: left out", providerName, more))
		}
	}()
	var ended map[string]store.HistoryEntry // read once, when the first number vnum lacks turns up
	for _, c := range owned {
		i, ok := byCarrier[c.ID]
		if !ok && !phone.IsE164(c.Number) {
			// One garbled record must not stop the others from being brought in. A few are
			// named; a list of them (Prism's generated data: 400 lines a command) is counted.
			if garbled++; garbled <= maxGarbledNotes {
				notes = append(notes, fmt.Sprintf("%s lists %s without a valid phone number (%q): left out", providerName, c.ID, c.Number))
			}
			continue
		}
		if !ok {
			if busy[c.Number] {
				continue
			}
			if ended == nil {
				if ended, err = endedHere(ctx, tx, providerName); err != nil {
					return stored, notes, err
				}
			}
			n := unmanaged(providerName, c, m.Now())
			if err := tx.InsertNumber(ctx, &n); errors.Is(err, store.ErrLabelTaken) {
				n.Label = ""
				err = tx.InsertNumber(ctx, &n)
				if err != nil {
					return stored, notes, err
				}
			} else if err != nil {
				return stored, notes, err
			}
			stored = append(stored, n)
			byCarrier[c.ID] = len(stored) - 1
			added = true
			if h, ok := ended[c.ID]; ok {
				// Not "bought outside vnum": vnum bought it, and ended it, but the carrier
				// still lists it (a release that did not take, a list that lags behind).
				notes = append(notes, fmt.Sprintf("found %s on %s, which vnum %s on %s (`vnum history`): still on the account, shown as unmanaged (`vnum adopt %s` to manage it)",
					phone.Format(n.E164), providerName, endedHow(h.How), h.EndedAt.UTC().Format(time.DateOnly), n.E164))
				continue
			}
			notes = append(notes, fmt.Sprintf("found %s on %s, bought outside vnum: shown as unmanaged (`vnum adopt %s` to manage it)",
				phone.Format(n.E164), providerName, n.E164))
			continue
		}
		if n := &stored[i]; c.State != "" && c.State != n.State {
			n.State = c.State
			if err := tx.UpdateNumber(ctx, n); err != nil {
				return stored, notes, err
			}
		}
	}
	if added {
		store.SortNumbers(stored)
	}
	return stored, notes, nil
}

// maxGarbledNotes is how many records without a valid number a sync names, one a line.
const maxGarbledNotes = 3

// endedHere maps the carrier ids of providerName's numbers in vnum's history to their latest
// entry.
func endedHere(ctx context.Context, tx *store.Store, providerName string) (map[string]store.HistoryEntry, error) {
	hs, err := tx.ListHistory(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]store.HistoryEntry{}
	for _, h := range hs {
		if h.Provider != providerName {
			continue
		}
		if prev, ok := out[h.CarrierID]; !ok || h.EndedAt.After(prev.EndedAt) {
			out[h.CarrierID] = h
		}
	}
	return out, nil
}

// endedHow says what vnum did to a number, from its history entry's How.
func endedHow(how string) string {
	switch how {
	case store.EndRotated:
		return "rotated away"
	case store.EndExpired:
		return "released at its expiry"
	case store.EndVanished:
		return "found gone"
	}
	return how // released, burned
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
func confirmGone(ctx context.Context, p providers.Provider, missing []store.Number) (map[int64]bool, error) {
	gone := map[int64]bool{}
	for _, n := range missing {
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
