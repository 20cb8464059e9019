// Package callhook points a number's incoming calls at `vnum serve` and puts back what it had:
// the one place that does it, for block, forward, rotate, release, burn and
// `vnum serve --unconfigure`, on carriers whose calls serve answers (providers.CallHook). The
// number's record (store.CallHook) is written before the carrier is changed, so a number left
// pointed by a vnum that stopped half way is still known, and put back by the next run.
package callhook

import (
	"context"
	"errors"
	"fmt"

	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/providers"
)

// Point sends n's incoming calls to url (serve's call route for its carrier) and records what
// the number had before. Pointing a number already pointed asks the carrier again (the change
// is idempotent, and a number a crash left half pointed is finished) but keeps the first
// record's "before". A carrier that cannot do it is providers.ErrUnsupported.
func Point(ctx context.Context, st *store.Store, p providers.Provider, n store.Number, url string) error {
	hook, ok := providers.As[providers.CallHook](p)
	if !ok {
		return &providers.Error{Provider: p.Name(), Op: "calls", Kind: providers.ErrUnsupported,
			Message: p.Name() + " calls cannot be answered by vnum serve"}
	}
	if url == "" {
		return errors.New("no vnum serve call route to point the number at")
	}
	h, known, err := st.CallHookOf(ctx, n.Provider, n.CarrierID)
	if err != nil {
		return err
	}
	// Recorded first: from here on, whatever happens at the carrier, the number is known to
	// have been (maybe) pointed. Previous is filled in once the carrier said what it was; a
	// crash in between leaves it "" (none), which the next Point fills in if the carrier still
	// shows what the number had (a run killed before the change).
	wctx := context.WithoutCancel(ctx)
	if err := st.SaveCallHook(wctx, store.CallHook{Provider: n.Provider, CarrierID: n.CarrierID, URL: url}); err != nil {
		return err
	}
	// What the number has now is recorded before the carrier is changed, where it can be read.
	if peek, ok := providers.As[providers.CallHookPeeker](p); ok && h.Previous == "" {
		now, err := peek.CallsNow(ctx, n.CarrierID, url)
		if err != nil {
			if !known {
				_ = st.DeleteCallHook(wctx, n.Provider, n.CarrierID)
			}
			return err
		}
		if now != "" {
			if err := st.SetCallHookPrevious(wctx, n.Provider, n.CarrierID, now); err != nil {
				return err
			}
			h.Previous = now
		}
	}
	prev, err := hook.PointCalls(ctx, n.CarrierID, url)
	if err != nil && !known && !maybeMade(err) {
		// Refused: the number was not pointed. Forgetting the record keeps a later put-back
		// from changing a number vnum never changed.
		_ = st.DeleteCallHook(wctx, n.Provider, n.CarrierID)
		return err
	}
	// A change whose answer was lost may have been made: the record stays, with what the
	// number had, for the next run to finish or put back.
	if prev != "" && h.Previous == "" {
		if serr := st.SetCallHookPrevious(wctx, n.Provider, n.CarrierID, prev); serr != nil && err == nil {
			err = serr
		}
	}
	return err
}

// maybeMade reports whether a failed change may have been carried out all the same: the
// carrier could not be reached, failed (5xx) or answered unreadably.
func maybeMade(err error) bool {
	return errors.Is(err, providers.ErrTemporary) || errors.Is(err, providers.ErrUnknownOutcome)
}

// Pointed reports whether the number's calls are recorded as pointed at serve.
func Pointed(ctx context.Context, st *store.Store, provider, carrierID string) (bool, error) {
	_, known, err := st.CallHookOf(ctx, provider, carrierID)
	return known, err
}

// PutBack gives the number (provider, carrierID) back what it had before Point, and forgets the
// record; put is false when vnum had not pointed it. A number the carrier no longer has counts
// as put back.
func PutBack(ctx context.Context, st *store.Store, p providers.Provider, provider, carrierID string) (put bool, err error) {
	h, known, err := st.CallHookOf(ctx, provider, carrierID)
	if err != nil || !known {
		return false, err
	}
	hook, ok := providers.As[providers.CallHook](p)
	if !ok {
		return false, fmt.Errorf("%s cannot put its calls back", provider)
	}
	if err := hook.UnpointCalls(ctx, carrierID, h.Previous); err != nil && !errors.Is(err, providers.ErrNotFound) {
		return false, err
	}
	return true, st.DeleteCallHook(context.WithoutCancel(ctx), provider, carrierID)
}
