package numbers

import (
	"context"
	"errors"
	"fmt"

	"github.com/vnum-cli/vnum/internal/phone"
	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/providers"
)

// RotateResult is what a rotate did.
type RotateResult struct {
	Old store.HistoryEntry
	New store.Number
	// Moved is true once label, forwarding and expiry are on New: the rotate has happened, even
	// when releasing the old number is left to the next run (Old is zero then).
	Moved    bool
	Bought   providers.Available
	Warnings []string
}

// ErrRotateNotDone means a rotate bought its replacement but could not make it take the old
// number's place: the old number is kept, and the error says what became of the replacement.
var ErrRotateNotDone = errors.New("the rotate did not happen")

// rotateNotDone handles a replacement that could not be configured. The carrier refusing (it will
// refuse however often it is asked) undoes the rotate: the replacement is released, in the same
// journal entry turned into its release. Anything else (a passing failure, an interruption)
// leaves the rotate in the journal for the next run to finish, and the number claimed meanwhile,
// so no second replacement is bought.
func (m *Manager) rotateNotDone(ctx context.Context, op *store.Op, plan buyPlan, newN store.Number, cause error) error {
	old := phone.Format(newN.E164)
	if o, err := m.Store.GetNumber(ctx, plan.OldID); err == nil {
		old = refName(o)
		if o.Label != "" {
			old += " (" + phone.Format(o.E164) + ")"
		}
	}
	if !providers.IsRefusal(cause) || errors.Is(cause, providers.ErrUnauthorized) {
		op.OwnerPID = 0 // for the next run, whichever process that is
		if err := m.Store.UpdateOp(context.WithoutCancel(ctx), op); err != nil {
			return errors.Join(cause, err)
		}
		return fmt.Errorf("%w yet: %s is kept and still works; its replacement %s is bought (and billed) but could not be set up (%w); "+
			"the next vnum command finishes the rotate, or run `vnum release %s` to give the replacement back",
			ErrRotateNotDone, old, phone.Format(newN.E164), cause, newN.E164)
	}
	op.Kind, op.NumberID, op.Step = opRelease, newN.ID, stepReleasing
	rel := releasePlan{How: store.EndReleased}
	if err := setPayload(op, rel); err != nil {
		return err
	}
	if err := m.Store.UpdateOp(context.WithoutCancel(ctx), op); err != nil {
		return err
	}
	m.Report("Releasing the replacement " + phone.Format(newN.E164))
	if _, err := m.resumeRelease(ctx, op, rel, true); err != nil {
		return fmt.Errorf("%w: %s is kept; its replacement %s could not be set up (%w), and releasing it failed (%v): "+
			"the next vnum command releases it", ErrRotateNotDone, old, phone.Format(newN.E164), cause, err)
	}
	return fmt.Errorf("%w: %s is kept; its replacement %s could not be set up (%w), so vnum released it",
		ErrRotateNotDone, old, phone.Format(newN.E164), cause)
}

// RotateCandidates lists the replacements a rotate of n would choose from, cheapest first.
func (m *Manager) RotateCandidates(ctx context.Context, n store.Number) ([]providers.Available, error) {
	if n.Country == "" {
		n.Country = phone.Country(n.E164)
	}
	if n.Country == "" {
		return nil, fmt.Errorf("the country of %s is not known, so vnum cannot look for a replacement of the same kind: "+
			"buy one with `vnum buy --country CC`, then release this one", phone.Format(n.E164))
	}
	cands, err := m.Candidates(ctx, rotateRequest(n))
	if err != nil {
		return nil, err
	}
	out := cands[:0]
	for _, c := range cands {
		if c.Number != n.E164 {
			out = append(out, c)
		}
	}
	return out, nil
}

func rotateRequest(n store.Number) BuyRequest {
	return BuyRequest{Provider: n.Provider, Query: providers.Query{
		Country: n.Country, Type: n.Type, SMS: n.Features.SMS, Voice: n.Features.Voice, Limit: 20,
	}}
}

// Rotate buys a replacement for n of the same country and type, moves label, forwarding and
// expiry to it, then releases n. n is released only once the replacement is bought and
// configured; if that cannot happen now, n is kept and the next run carries on.
func (m *Manager) Rotate(ctx context.Context, n store.Number, confirm func(providers.Available) (bool, error)) (RotateResult, error) {
	// Refused at once when another vnum is rotating or releasing n; the claim itself is taken
	// (atomically) just before the purchase.
	if err := m.checkFree(ctx, n); err != nil {
		return RotateResult{}, err
	}
	if err := m.checkLeaseHeld(ctx, n); err != nil {
		return RotateResult{}, err
	}
	settings, err := m.Store.CallSettings(ctx, n.ID)
	if err != nil {
		return RotateResult{}, err
	}
	// The replacement gets n's block list and voicemail: where vnum serve carries them, it must
	// be reachable before anything is bought (else the replacement is bought, then released).
	if p, err := m.provider(n.Provider); err == nil {
		if _, err := m.serveCallURL(p, n.Provider, settings); err != nil {
			return RotateResult{}, err
		}
	}
	cands, err := m.RotateCandidates(ctx, n)
	if err != nil {
		return RotateResult{}, err
	}
	if len(cands) == 0 {
		return RotateResult{}, &providers.Error{Provider: n.Provider, Op: "rotate", Kind: providers.ErrOutOfStock,
			Message: fmt.Sprintf("no other %s number for sale in %s", n.Type, phone.CountryName(n.Country))}
	}
	if confirm != nil {
		ok, err := confirm(cands[0])
		if err != nil {
			return RotateResult{}, err
		}
		if !ok {
			return RotateResult{}, ErrCancelled
		}
	}
	var lastErr error
	for i, c := range cands {
		if i == 5 {
			break
		}
		plan := buyPlan{Provider: n.Provider, Number: c.Number, Country: c.Country, Type: c.Type, Features: c.Features,
			Monthly: c.Monthly, Label: n.Label, Forward: n.Forward, ExpiresAt: n.ExpiresAt, OldID: n.ID,
			Calls: planOf(settings)}
		m.Report("Buying the replacement " + phone.Format(c.Number))
		op := &store.Op{Kind: opRotate, Step: stepOrdering, Provider: n.Provider, NumberID: n.ID}
		if err := setPayload(op, plan); err != nil {
			return RotateResult{}, err
		}
		if err := m.beginOn(ctx, op, n); err != nil {
			return RotateResult{}, err
		}
		res, err := m.resumeRotate(ctx, op, plan, true)
		res.Bought = c
		if errors.Is(err, providers.ErrUnavailable) && res.New.ID == 0 {
			lastErr = err
			continue
		}
		return res, err
	}
	return RotateResult{}, lastErr
}

// resumeRotate carries a rotate from its journal step to the end.
func (m *Manager) resumeRotate(ctx context.Context, op *store.Op, plan buyPlan, fresh bool) (RotateResult, error) {
	var res RotateResult
	if op.Step == stepOrdering {
		n, warnings, err := m.resumeBuy(ctx, op, plan, fresh)
		res.Warnings = append(res.Warnings, warnings...)
		if err != nil || n.ID == 0 {
			// Nothing bought: the rotate is undone and the old number untouched.
			return res, err
		}
		if plan, err = decode[buyPlan](*op); err != nil {
			return res, err
		}
	}
	p, err := m.provider(plan.Provider)
	if err != nil {
		return res, err
	}
	newN, err := m.Store.GetNumber(ctx, plan.NumberID)
	if err != nil {
		return res, err
	}
	res.New = newN
	if op.Step == stepRecorded {
		newN, err = m.configure(ctx, p, newN, plan)
		res.New = newN
		if err != nil {
			return res, m.rotateNotDone(ctx, op, plan, newN, err)
		}
		if newN.State != providers.StateActive {
			op.OwnerPID = 0
			res.Warnings = append(res.Warnings, fmt.Sprintf("the replacement %s is %s on the carrier; the old number is kept until it is active (any later vnum command finishes the rotate)",
				phone.Format(newN.E164), newN.State))
			return res, m.Store.UpdateOp(context.WithoutCancel(ctx), op)
		}
		if err := m.moveIdentity(ctx, op, plan, &newN); err != nil {
			return res, err
		}
		res.New, res.Moved = newN, true
		// Before the old number goes: where the two share the URL (Telnyx), it then stays.
		if w := m.pointSMS(ctx, newN); w != "" {
			res.Warnings = append(res.Warnings, w)
		}
		if l, ok := providers.As[providers.Labeler](p); ok && plan.Label != "" && p.Capabilities().Labels {
			if err := l.SetLabel(ctx, newN.CarrierID, plan.Label); err != nil {
				res.Warnings = append(res.Warnings, fmt.Sprintf("could not write the label to the carrier: %v", err))
			}
		}
	}
	// stepMoved: release the old number.
	res.Moved = true
	op.Step = stepReleasing
	h, err := m.resumeRelease(ctx, op, releasePlan{How: store.EndRotated, ReplacedBy: newN.E164, Label: newN.Label}, true)
	res.Old = h
	return res, err
}

// moveIdentity moves label and expiry from the old number to the new one, in one transaction
// with the journal step.
func (m *Manager) moveIdentity(ctx context.Context, op *store.Op, plan buyPlan, newN *store.Number) error {
	return m.Store.InTx(context.WithoutCancel(ctx), func(tx *store.Store) error {
		old, err := tx.GetNumber(ctx, plan.OldID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if err == nil {
			label := old.Label
			old.Label = ""
			if err := tx.UpdateNumber(ctx, &old); err != nil {
				return err
			}
			newN.Label = label
			newN.ExpiresAt = old.ExpiresAt
			// The block list and voicemail setting follow (the carrier already has them: the
			// replacement was configured with the plan's copy).
			if err := tx.MoveCallSettings(ctx, old.ID, newN.ID); err != nil {
				return err
			}
		}
		if err := tx.UpdateNumber(ctx, newN); err != nil {
			return err
		}
		// A pool's number rotated keeps its place in the pool, and its holder its lease.
		if err := tx.MovePool(ctx, plan.OldID, newN.ID); err != nil {
			return err
		}
		op.Step = stepMoved
		return tx.UpdateOp(ctx, op)
	})
}
