// Package smshook points a number's inbound SMS at `vnum serve` and puts back what it had: the
// one place that does it, for serve's own passes and for buy, forward, rotate and release. What
// a number had before is recorded in the store (store.SMSWebhook) before it is changed, so it
// can be put back even after vnum stopped half way.
package smshook

import (
	"context"
	"errors"
	"fmt"

	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/providers"
)

// Point points n's inbound SMS at url, when its carrier keeps such a URL
// (providers.SMSWebhookSetter). It reports whether it changed anything. A number whose SMS are
// routed elsewhere on purpose (SMSWebhook says ErrUnsupported) is left alone, without error.
func Point(ctx context.Context, st *store.Store, p providers.Provider, n store.Number, url string) (bool, error) {
	setter, ok := providers.As[providers.SMSWebhookSetter](p)
	if !ok || url == "" {
		return false, nil
	}
	current, err := setter.SMSWebhook(ctx, n.CarrierID)
	if errors.Is(err, providers.ErrUnsupported) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	records, err := st.ListSMSWebhooks(ctx)
	if err != nil {
		return false, err
	}
	own, known := find(records, n.Provider, n.CarrierID)
	sibling, shared := sharedWith(p, records, n.Provider, n.CarrierID)
	if current == url {
		if !known && shared {
			// Pointed already, by a number sharing its URL: recorded too, so that the URL is put
			// back only when the last of them goes.
			return false, st.SaveSMSWebhook(ctx, store.SMSWebhook{Provider: n.Provider, CarrierID: n.CarrierID, URL: url, Previous: sibling.Previous})
		}
		return false, nil
	}
	prev := current
	switch {
	case known:
		prev = own.Previous // the URL from before vnum first changed it
	case shared:
		prev = sibling.Previous
	}
	if err := st.SaveSMSWebhook(ctx, store.SMSWebhook{Provider: n.Provider, CarrierID: n.CarrierID, URL: url, Previous: prev}); err != nil {
		return false, err
	}
	if err := setter.SetSMSWebhook(ctx, n.CarrierID, url); err != nil {
		if !known {
			// Not pointed: without a record the number is tried again by serve's next pass. (Were
			// the change made despite the error, the URL from before would be lost; the number's
			// SMS come to serve all the same.)
			_ = st.DeleteSMSWebhook(context.WithoutCancel(ctx), n.Provider, n.CarrierID)
		}
		return false, err
	}
	return true, nil
}

// PutBack puts back the URL the number (provider, carrierID) had before vnum serve pointed it,
// and forgets the record; it reports what it put back (put is false when there was nothing to
// do, or when the URL is shared with another number vnum still points there). A number the
// carrier no longer has counts as put back.
func PutBack(ctx context.Context, st *store.Store, p providers.Provider, provider, carrierID string) (previous string, put bool, err error) {
	records, err := st.ListSMSWebhooks(ctx)
	if err != nil {
		return "", false, err
	}
	w, known := find(records, provider, carrierID)
	if !known {
		return "", false, nil
	}
	if _, shared := sharedWith(p, records, provider, carrierID); shared {
		// Another number still has its SMS come to serve through the same URL.
		return "", false, st.DeleteSMSWebhook(ctx, provider, carrierID)
	}
	setter, ok := providers.As[providers.SMSWebhookSetter](p)
	if !ok {
		return "", false, fmt.Errorf("%s cannot set it", provider)
	}
	err = setter.SetSMSWebhook(ctx, carrierID, w.Previous)
	if err != nil && !errors.Is(err, providers.ErrNotFound) {
		return "", false, err
	}
	return w.Previous, true, st.DeleteSMSWebhook(ctx, provider, carrierID)
}

func find(records []store.SMSWebhook, provider, carrierID string) (store.SMSWebhook, bool) {
	for _, w := range records {
		if w.Provider == provider && w.CarrierID == carrierID {
			return w, true
		}
	}
	return store.SMSWebhook{}, false
}

// sharedWith returns a record of another number of the same carrier when the carrier's URL is
// shared between numbers (providers.SharedSMSWebhook).
func sharedWith(p providers.Provider, records []store.SMSWebhook, provider, carrierID string) (store.SMSWebhook, bool) {
	s, ok := providers.As[providers.SharedSMSWebhook](p)
	if !ok || !s.SMSWebhookShared() {
		return store.SMSWebhook{}, false
	}
	for _, w := range records {
		if w.Provider == provider && w.CarrierID != carrierID {
			return w, true
		}
	}
	return store.SMSWebhook{}, false
}
