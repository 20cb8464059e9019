package numbers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/vnum-cli/vnum/internal/phone"
	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/providers"
)

// releasePlan is the journal payload of a release.
type releasePlan struct {
	How        string `json:"how"`
	ReplacedBy string `json:"replaced_by,omitempty"`
	// Label is what history calls the number when it no longer has its label (a rotate moved
	// it to the replacement).
	Label string `json:"label,omitempty"`
}

// Release gives n back to its carrier and moves it to history as how (store.EndReleased,
// EndBurned, EndExpired). A number the carrier no longer has is simply moved to history.
func (m *Manager) Release(ctx context.Context, n store.Number, how string) (store.HistoryEntry, error) {
	if err := m.checkLeaseHeld(ctx, n); err != nil {
		return store.HistoryEntry{}, err
	}
	op := &store.Op{Kind: opRelease, Step: stepReleasing, Provider: n.Provider, NumberID: n.ID}
	if how == store.EndBurned {
		op.Kind = opBurn // the same steps; the journal says which, for messages
	}
	if err := setPayload(op, releasePlan{How: how}); err != nil {
		return store.HistoryEntry{}, err
	}
	if err := m.beginOn(ctx, op, n); err != nil {
		return store.HistoryEntry{}, err
	}
	return m.resumeRelease(ctx, op, releasePlan{How: how}, true)
}

func (m *Manager) resumeRelease(ctx context.Context, op *store.Op, plan releasePlan, fresh bool) (store.HistoryEntry, error) {
	n, err := m.Store.GetNumber(ctx, op.NumberID)
	if errors.Is(err, store.ErrNotFound) {
		// Already moved to history by an earlier run.
		return store.HistoryEntry{}, m.Store.FinishOp(context.WithoutCancel(ctx), op.ID)
	}
	if err != nil {
		return store.HistoryEntry{}, err
	}
	p, err := m.provider(n.Provider)
	if err != nil {
		return store.HistoryEntry{}, err
	}
	if plan.How != store.EndBurned {
		// The messages stay readable after a release (sms list on the ended number), but the
		// carrier's copy goes with the number: fetch what vnum has not seen yet. Best effort: a
		// failure here must not keep the number (and its bill) alive.
		_ = m.SyncMessages(ctx, n)
		// Calls and voicemails too: vnum reads them only for the numbers it holds, so those that
		// came since the last `vnum calls` would never be listed, and a recording the carrier
		// keeps after the number goes could be neither fetched nor deleted.
		_, _ = m.Calls(ctx, []store.Number{n}, time.Time{})
		_, _ = m.Voicemails(ctx, []store.Number{n})
	}
	// What the number's inbound SMS went to before vnum serve took them is put back first: the
	// number then leaves as it came (and a carrier that keeps the URL on a group of numbers,
	// Telnyx's messaging profile, gets it back when the last of them goes).
	m.putBackSMS(ctx, p, n)
	// Likewise its calls, where vnum serve answered them (callhook).
	m.unpointCalls(ctx, p, n)
	var vmErr error
	if plan.How == store.EndBurned {
		// Burned means gone: the voicemails too, at the carrier (which keeps recordings after
		// the number goes) as well as here (EndNumber). A failure is said once the number is
		// gone: it must not keep the number, and its bill, alive.
		m.Report("Deleting the voicemails of " + phone.Format(n.E164))
		switch failed, unlisted, err := m.deleteVoicemailsAt(ctx, p, n); {
		case unlisted:
			// Not "1 voicemail(s)": the carrier could not say how many it keeps, if any.
			vmErr = fmt.Errorf("%s is burned, but %s could not list its voicemails, which may remain there: delete them in its console (burn cannot reach them again): %w",
				phone.Format(n.E164), n.Provider, err)
		case failed > 0:
			vmErr = fmt.Errorf("%s is burned, but %d voicemail(s) of %s may remain at %s: delete them in its console (burn cannot reach them again): %w",
				phone.Format(n.E164), failed, phone.Format(n.E164), n.Provider, err)
		}
	}
	m.Report("Releasing " + phone.Format(n.E164))
	relErr := p.Release(ctx, n.CarrierID)
	switch {
	case relErr == nil, errors.Is(relErr, providers.ErrNotFound):
		// Gone from the carrier (now, or already).
	case providers.IsRefusal(relErr):
		// Refused: the number is still ours and nothing changed.
		return store.HistoryEntry{}, errors.Join(relErr, m.Store.FinishOp(context.WithoutCancel(ctx), op.ID))
	case ctx.Err() != nil:
		// Interrupted: asking the carrier now would keep the user waiting after Ctrl-C. The
		// journal entry stays; the next run asks.
		return store.HistoryEntry{}, fmt.Errorf("releasing %s interrupted (%v): %w; the next vnum command finishes it",
			phone.Format(n.E164), relErr, ctx.Err())
	default:
		// Unknown outcome: ask the carrier whether it still has the number.
		_, gerr := p.Get(context.WithoutCancel(ctx), n.CarrierID)
		if !errors.Is(gerr, providers.ErrNotFound) {
			if fresh {
				return store.HistoryEntry{}, fmt.Errorf("%w; vnum will finish releasing %s on its next run", relErr, phone.Format(n.E164))
			}
			return store.HistoryEntry{}, fmt.Errorf("finishing the release of %s: %w", phone.Format(n.E164), relErr)
		}
	}
	var h store.HistoryEntry
	err = m.Store.InTx(context.WithoutCancel(ctx), func(tx *store.Store) error {
		var err error
		if h, err = tx.EndNumber(ctx, n.ID, plan.How, m.Now(), plan.ReplacedBy); err != nil {
			return err
		}
		if h.Label == "" && plan.Label != "" {
			if err := tx.SetHistoryLabel(ctx, h.ID, plan.Label); err != nil {
				return err
			}
			h.Label = plan.Label
		}
		return tx.FinishOp(ctx, op.ID)
	})
	if err == nil && plan.How == store.EndBurned {
		// Burned means gone: the deleted messages, and the number's row and journal entry, are
		// zeroed in the database (secure_delete) and must not linger in its write-ahead log
		// either. Best effort: the burn itself is done, and the log is emptied at the latest
		// when the last vnum closes the store.
		_ = m.Store.Scrub(context.WithoutCancel(ctx))
	}
	if err == nil && vmErr != nil {
		return h, vmErr
	}
	return h, err
}

// ExpireResult is one number `vnum expire` handled.
type ExpireResult struct {
	Number store.Number
	Err    error
	// ByOther, when not nil, says another vnum ended the number meanwhile (ErrEnded) or is
	// ending it (ErrBusy); Err is then nil.
	ByOther error
}

// Expire releases every managed number whose expiry has passed. With dryRun it only lists them.
func (m *Manager) Expire(ctx context.Context, dryRun bool) ([]ExpireResult, error) {
	all, err := m.Store.ListNumbers(ctx)
	if err != nil {
		return nil, err
	}
	now := m.Now()
	var out []ExpireResult
	for _, n := range all {
		if n.ExpiresAt.IsZero() || n.ExpiresAt.After(now) || !n.Managed {
			continue
		}
		r := ExpireResult{Number: n}
		if !dryRun {
			_, r.Err = m.Release(ctx, n, store.EndExpired)
			if errors.Is(r.Err, ErrEnded) || errors.Is(r.Err, ErrBusy) {
				// Another vnum (an overlapping expire, a release, a rotate) got there first: it
				// is gone, or going, which is what expire is for.
				r.ByOther, r.Err = r.Err, nil
			}
		}
		out = append(out, r)
		if ctx.Err() != nil {
			break
		}
	}
	return out, nil
}

func decode[T any](op store.Op) (T, error) {
	var v T
	if err := json.Unmarshal(op.Payload, &v); err != nil {
		return v, fmt.Errorf("journal entry %d (%s): %w", op.ID, op.Kind, err)
	}
	return v, nil
}
