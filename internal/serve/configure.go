package serve

import (
	"context"
	"fmt"

	"github.com/vnum-cli/vnum/internal/smshook"
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

// Configure points the inbound SMS of every number held on a carrier that keeps such a URL
// (providers.SMSWebhookSetter) at that carrier's route in routes (public URLs), through
// smshook.Point: what a number had before is recorded first, so Unconfigure (or the number's
// release) can put it back even if vnum stops half way. It returns one line per number changed
// or failed, for the log.
//
// With onlyNew, numbers that already have a record are not asked about again: serve calls it so
// every few minutes, for the numbers bought since it started (and those buy could not point).
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
	known := map[string]bool{}
	for _, w := range recorded {
		known[w.Provider+"\x00"+w.CarrierID] = true
	}
	var notes []string
	for _, n := range nums {
		url, ok := routes[n.Provider]
		if !ok || !n.Features.SMS {
			continue
		}
		if known[n.Provider+"\x00"+n.CarrierID] && onlyNew {
			continue
		}
		p, err := provider(n.Provider)
		if err != nil {
			if !onlyNew { // said once, not at every pass
				notes = append(notes, fmt.Sprintf("%s %s: not pointed at serve: %v", n.Provider, n.E164, err))
			}
			continue
		}
		changed, err := smshook.Point(ctx, st, p, n, url)
		switch {
		case err != nil && ctx.Err() != nil:
			return notes, ctx.Err()
		case err != nil:
			notes = append(notes, fmt.Sprintf("%s %s: not pointed at serve: %v", n.Provider, n.E164, err))
		case changed:
			notes = append(notes, fmt.Sprintf("%s %s: inbound SMS now come to serve", n.Provider, n.E164))
		}
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
		var prev string
		put := false
		if err == nil {
			prev, put, err = smshook.PutBack(ctx, st, p, w.Provider, w.CarrierID)
		}
		if err != nil {
			failed++
			notes = append(notes, fmt.Sprintf("%s %s: not put back: %v", w.Provider, w.CarrierID, err))
			continue
		}
		if put {
			notes = append(notes, fmt.Sprintf("%s %s: inbound SMS URL put back to %q", w.Provider, w.CarrierID, prev))
		}
	}
	if failed > 0 {
		return notes, fmt.Errorf("%d number(s) could not be put back; run vnum serve --unconfigure again", failed)
	}
	return notes, nil
}
