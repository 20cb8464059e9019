package serve

import (
	"context"
	"errors"
	"fmt"

	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/providers"
)

// ProviderFunc returns the named carrier's adapter.
type ProviderFunc func(name string) (providers.Provider, error)

// perCarrier asks get once per carrier: a pass looks at every number, and a carrier that
// cannot be built (credentials missing, a keyring that does not answer) fails the same way for
// each of its numbers.
func perCarrier(get ProviderFunc) ProviderFunc {
	type built struct {
		p   providers.Provider
		err error
	}
	seen := map[string]built{}
	return func(name string) (providers.Provider, error) {
		b, ok := seen[name]
		if !ok {
			b.p, b.err = get(name)
			seen[name] = b
		}
		return b.p, b.err
	}
}

// Configure points the inbound SMS of every number held on a carrier that keeps the URL on the
// number (providers.SMSWebhookSetter) at that carrier's route in routes (public URLs). What a
// number had before is recorded first, so Unconfigure can put it back even if vnum stops half
// way. It returns one line per number changed or failed, for the log.
//
// With onlyNew, numbers that already have a record are not asked about again: serve calls it so
// every few minutes, for the numbers bought since it started.
func Configure(ctx context.Context, st *store.Store, provider ProviderFunc, routes map[string]string, onlyNew bool) ([]string, error) {
	nums, err := st.ListNumbers(ctx)
	if err != nil {
		return nil, err
	}
	recorded, err := st.ListSMSWebhooks(ctx)
	if err != nil {
		return nil, err
	}
	provider = perCarrier(provider)
	before := map[string]string{}
	for _, w := range recorded {
		before[w.Provider+"\x00"+w.CarrierID] = w.Previous
	}
	var notes []string
	for _, n := range nums {
		url, ok := routes[n.Provider]
		if !ok || !n.Features.SMS {
			continue
		}
		if _, known := before[n.Provider+"\x00"+n.CarrierID]; known && onlyNew {
			continue
		}
		p, err := provider(n.Provider)
		if err != nil {
			if !onlyNew { // said once, not at every pass
				notes = append(notes, fmt.Sprintf("%s %s: not pointed at serve: %v", n.Provider, n.E164, err))
			}
			continue
		}
		setter, ok := providers.As[providers.SMSWebhookSetter](p)
		if !ok {
			continue
		}
		current, err := setter.SMSWebhook(ctx, n.CarrierID)
		if err != nil {
			notes = append(notes, fmt.Sprintf("%s %s: not pointed at serve: %v", n.Provider, n.E164, err))
			continue
		}
		if current == url {
			continue
		}
		prev, known := before[n.Provider+"\x00"+n.CarrierID]
		if !known {
			prev = current
		}
		if err := st.SaveSMSWebhook(ctx, store.SMSWebhook{Provider: n.Provider, CarrierID: n.CarrierID, URL: url, Previous: prev}); err != nil {
			return notes, err
		}
		if err := setter.SetSMSWebhook(ctx, n.CarrierID, url); err != nil {
			notes = append(notes, fmt.Sprintf("%s %s: not pointed at serve: %v", n.Provider, n.E164, err))
			continue
		}
		notes = append(notes, fmt.Sprintf("%s %s: inbound SMS now come to serve", n.Provider, n.E164))
	}
	return notes, nil
}

// Unconfigure puts back, on every number Configure changed, the URL it had before, and forgets
// the records of those it could put back.
func Unconfigure(ctx context.Context, st *store.Store, provider ProviderFunc) ([]string, error) {
	recorded, err := st.ListSMSWebhooks(ctx)
	if err != nil {
		return nil, err
	}
	provider = perCarrier(provider)
	var notes []string
	failed := 0
	for _, w := range recorded {
		p, err := provider(w.Provider)
		var setter providers.SMSWebhookSetter
		ok := false
		if err == nil {
			setter, ok = providers.As[providers.SMSWebhookSetter](p)
		}
		if err == nil && ok {
			err = setter.SetSMSWebhook(ctx, w.CarrierID, w.Previous)
			if errors.Is(err, providers.ErrNotFound) {
				err = nil // released meanwhile: nothing to put back
			}
		} else if err == nil {
			err = fmt.Errorf("%s cannot set it", w.Provider)
		}
		if err != nil {
			failed++
			notes = append(notes, fmt.Sprintf("%s %s: not put back: %v", w.Provider, w.CarrierID, err))
			continue
		}
		if err := st.DeleteSMSWebhook(ctx, w.Provider, w.CarrierID); err != nil {
			return notes, err
		}
		notes = append(notes, fmt.Sprintf("%s %s: inbound SMS URL put back to %q", w.Provider, w.CarrierID, w.Previous))
	}
	if failed > 0 {
		return notes, fmt.Errorf("%d number(s) could not be put back; run vnum serve --unconfigure again", failed)
	}
	return notes, nil
}
