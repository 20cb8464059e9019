package numbers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vnum-cli/vnum/internal/phone"
	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/providers"
)

// Journal kinds and steps.
const (
	opBuy     = "buy"
	opRotate  = "rotate"
	opRelease = "release"
	opBurn    = "burn" // a release that also deletes the messages

	stepOrdering  = "ordering"  // carrier asked to sell the number; answer not yet recorded
	stepRecorded  = "recorded"  // number in the store; configuration still to apply
	stepMoved     = "moved"     // rotate: label and expiry moved to the new number
	stepReleasing = "releasing" // carrier asked to release the number
)

// BuyRequest is what `vnum buy` asks for.
type BuyRequest struct {
	Provider string
	// Number is a specific E.164 number to buy; empty to pick the cheapest match of the query.
	Number string
	Query  providers.Query
	Label  string
	// ForwardTo forwards calls (and SMS when ForwardSMS) once the number is active.
	ForwardTo  string
	ForwardSMS bool
	TTL        time.Duration // 0: keep until released
	// MaxPrice refuses anything dearer per month (in the carrier's currency); nil: no limit.
	MaxPrice *providers.Price
	// Regulatory passes carrier paperwork ids ("bundle", "address").
	Regulatory map[string]string
	// Confirm is asked once the number and price are known, before anything is spent; nil
	// proceeds. Returning false cancels with ErrCancelled.
	Confirm func(providers.Available) (bool, error)

	// pool puts the number bought in that pool of leased numbers, and lease (when not nil) leases
	// it at once, in the transaction that records it: no other job can take it in between.
	pool  string
	lease *store.Lease
}

// ErrCancelled means Confirm said no.
var ErrCancelled = errors.New("cancelled")

// inFlight is how long after an order was sent the carrier may still complete it: the longest
// an adapter lets one operation take. A journal entry younger than that is not given up.
const inFlight = 2 * time.Minute

// ErrAlreadyYours means a buy named a number vnum already holds.
var ErrAlreadyYours = errors.New("you already have this number")

// ErrOverPrice means every candidate costs more than MaxPrice.
var ErrOverPrice = errors.New("over the maximum price")

// BuyResult is what a buy did.
type BuyResult struct {
	Number   store.Number
	Bought   providers.Available
	Warnings []string
}

// buyPlan is the journal payload of a buy (and of the new number in a rotate): everything needed
// to finish it after a crash.
type buyPlan struct {
	Provider   string               `json:"provider"`
	Number     string               `json:"number"`
	Country    string               `json:"country"`
	Type       providers.NumberType `json:"type"`
	Features   providers.Features   `json:"features"`
	Monthly    providers.Price      `json:"monthly"`
	Label      string               `json:"label,omitempty"`
	Forward    providers.Forwarding `json:"forward"`
	ExpiresAt  time.Time            `json:"expires_at"`
	Regulatory map[string]string    `json:"regulatory,omitempty"`
	NumberID   int64                `json:"number_id,omitempty"`
	// Calls are the block list and voicemail setting a rotate carries to the replacement.
	Calls *callsPlan `json:"calls,omitempty"`
	// OldID is the number a rotate replaces.
	OldID int64 `json:"old_id,omitempty"`
	// SentAt is when the order went to the carrier (the manager's clock).
	SentAt time.Time `json:"sent_at,omitzero"`
	// Pool and Lease: a number bought for `vnum lease` (see BuyRequest.pool).
	Pool  string       `json:"pool,omitempty"`
	Lease *store.Lease `json:"lease,omitempty"`
}

// Candidates returns the numbers a buy would choose from, cheapest first, within MaxPrice. It
// spends nothing; `buy --dry-run` prints the first.
func (m *Manager) Candidates(ctx context.Context, req BuyRequest) ([]providers.Available, error) {
	// A taken label fails here, before anything is spent, and `buy --dry-run` says so too.
	if err := m.checkLabelFree(ctx, req.Label, 0); err != nil {
		return nil, err
	}
	if err := m.checkForwardTarget(ctx, req.ForwardTo); err != nil {
		return nil, err
	}
	p, err := m.provider(req.Provider)
	if err != nil {
		return nil, err
	}
	q := req.Query
	var held map[string]bool
	if req.Number != "" {
		if held, ok, err := findStored(ctx, m.Store, req.Provider, "", req.Number); err != nil {
			return nil, err
		} else if ok {
			what := phone.Format(held.E164)
			if held.Label != "" {
				what += " (" + held.Label + ")"
			}
			return nil, fmt.Errorf("%w: %s is already in `vnum list`", ErrAlreadyYours, what)
		}
		// Find the exact number so its price is known before buying.
		q = providers.Query{Country: phone.Country(req.Number), Type: phone.TypeOf(req.Number), Contains: phone.NationalNumber(req.Number),
			SMS: req.Query.SMS, Voice: req.Query.Voice, NoPaperwork: req.Query.NoPaperwork, Limit: 50}
	} else {
		// A burner is bought to be new: a number the user holds, or held before (burned because
		// spam found it, rotated away from), is never picked unless asked for by name. Those
		// are asked for on top, so that the cheapest new ones are still among what comes back.
		if held, err = m.heldNumbers(ctx, req.Provider); err != nil {
			return nil, err
		}
		q.Limit = min(max(q.Limit, searchWidth)+len(held), maxSearch)
	}
	res, err := p.Search(ctx, q)
	if err != nil {
		return nil, err
	}
	mq := q
	if req.Number != "" {
		mq.Type = "" // the carrier's word for a number's type wins over libphonenumber's guess
	}
	res = matching(mq, res)
	heldOut := 0
	if req.Number == "" {
		before := len(res)
		res = slices.DeleteFunc(res, func(a providers.Available) bool { return held[a.Number] })
		heldOut = before - len(res)
	} else {
		i := slices.IndexFunc(res, func(a providers.Available) bool { return a.Number == req.Number })
		if i < 0 {
			return nil, &providers.Error{Provider: req.Provider, Op: "buy", Kind: providers.ErrUnavailable,
				Message: fmt.Sprintf("%s is not for sale: run `vnum search --country %s` for numbers that are", phone.Format(req.Number), q.Country)}
		}
		res = res[i : i+1]
	}
	sortCheapest(res)
	if len(res) == 0 {
		what := strings.TrimSpace(string(q.Type) + " numbers")
		msg := fmt.Sprintf("no %s for sale in %s matching your filters", what, phone.CountryName(q.Country))
		if heldOut > 0 {
			msg += fmt.Sprintf(" (%d offered were numbers you hold or held before, which vnum does not pick: name one to buy it again)", heldOut)
		}
		return nil, &providers.Error{Provider: req.Provider, Op: "search", Kind: providers.ErrOutOfStock, Message: msg}
	}
	if req.MaxPrice != nil {
		var within []providers.Available
		for _, a := range res {
			// A number whose price the carrier did not tell cannot be shown to be within the cap.
			if a.Monthly.Known() && a.Monthly.Micros <= req.MaxPrice.Micros {
				within = append(within, a)
			}
		}
		if len(within) == 0 {
			if !res[0].Monthly.Known() {
				return nil, fmt.Errorf("%w: %s did not tell the monthly price of the matching numbers, so none can be bought within --max-price %s",
					ErrOverPrice, req.Provider, req.MaxPrice.Amount())
			}
			return nil, fmt.Errorf("%w: the cheapest match costs %s a month, more than --max-price %s",
				ErrOverPrice, res[0].Monthly, req.MaxPrice.Amount())
		}
		res = within
	}
	return res, nil
}

// Buy buys the cheapest match (or req.Number), records it, then applies forwarding and expiry.
// Should the carrier's answer be lost, it looks the number up on the carrier instead of buying
// again; should the process die, the next run finishes the job (Recover).
func (m *Manager) Buy(ctx context.Context, req BuyRequest) (BuyResult, error) {
	cands, err := m.Candidates(ctx, req)
	if err != nil {
		return BuyResult{}, err
	}
	if req.Confirm != nil {
		ok, err := req.Confirm(cands[0])
		if err != nil {
			return BuyResult{}, err
		}
		if !ok {
			return BuyResult{}, ErrCancelled
		}
	}
	var expires time.Time
	if req.TTL > 0 {
		expires = m.Now().Add(req.TTL)
	}
	fwd := providers.Forwarding{Calls: req.ForwardTo}
	if req.ForwardSMS {
		fwd.SMS = req.ForwardTo
	}
	// Several processes may race for the same cheapest number: one that lost it tries the next,
	// so the k-th of k scripts buying at once needs k tries.
	const maxTries = 20
	var lastErr error
	for i, c := range cands {
		if i == maxTries {
			break
		}
		if i > 0 && req.Confirm != nil && !sameDeal(cands[0], c) {
			// The user said yes to one price: another number may stand in for the one just
			// taken, but only at that price or less, never dearer or with other strings attached.
			break
		}
		plan := buyPlan{Provider: req.Provider, Number: c.Number, Country: c.Country, Type: c.Type,
			Features: c.Features, Monthly: c.Monthly, Label: req.Label, Forward: fwd, ExpiresAt: expires,
			Regulatory: req.Regulatory, Pool: req.pool, Lease: req.lease}
		m.Report("Buying " + phone.Format(c.Number) + " for " + c.Monthly.String() + "/month")
		n, warnings, err := m.runBuy(ctx, opBuy, plan)
		for again := 0; again < resends && isNotBought(err) && ctx.Err() == nil; again++ {
			m.Report("Buying " + phone.Format(c.Number) + " again: the carrier failed before selling it")
			n, warnings, err = m.runBuy(ctx, opBuy, plan)
		}
		if errors.Is(err, providers.ErrUnavailable) && req.Number == "" {
			lastErr = err
			continue
		}
		if err != nil {
			return BuyResult{Number: n, Bought: c, Warnings: warnings}, err
		}
		if w := m.pointSMS(ctx, n); w != "" {
			warnings = append(warnings, w)
		}
		return BuyResult{Number: n, Bought: c, Warnings: warnings}, nil
	}
	return BuyResult{}, lastErr
}

// resends is how often a buy sends an order again after the carrier failed it and the account was
// checked not to have the number: the failure happened before anything was sold, so sending
// the same order again is safe (the HTTP layer cannot know that; only the lookup tells).
const resends = 2

// notBought marks a failed order the account was checked not to have carried out.
type notBought struct{ error }

func (e notBought) Unwrap() error { return e.error }

func isNotBought(err error) bool {
	var nb notBought
	return errors.As(err, &nb)
}

// sameDeal reports whether c costs no more than the confirmed offer and comes with no more
// paperwork, so that buying it instead needs no new yes.
func sameDeal(confirmed, c providers.Available) bool {
	return c.Monthly.Known() && c.Monthly.Currency == confirmed.Monthly.Currency && c.Monthly.Micros <= confirmed.Monthly.Micros &&
		c.Upfront.Micros <= confirmed.Upfront.Micros && c.Paperwork == confirmed.Paperwork &&
		c.Country == confirmed.Country && c.Type == confirmed.Type
}

// runBuy journals plan and carries it out.
func (m *Manager) runBuy(ctx context.Context, kind string, plan buyPlan) (store.Number, []string, error) {
	plan.SentAt = m.Now()
	op := &store.Op{Kind: kind, Step: stepOrdering, Provider: plan.Provider, NumberID: plan.OldID, OwnerPID: m.PID, OwnerHost: m.Host}
	if err := setPayload(op, plan); err != nil {
		return store.Number{}, nil, err
	}
	if err := m.Store.BeginOp(ctx, op); err != nil {
		return store.Number{}, nil, err
	}
	return m.resumeBuy(ctx, op, plan, true)
}

// resumeBuy moves a buy from wherever it stands to done. fresh is true on the first run (the
// carrier has not been asked yet), false when resuming after a crash (it may have been).
func (m *Manager) resumeBuy(ctx context.Context, op *store.Op, plan buyPlan, fresh bool) (store.Number, []string, error) {
	p, err := m.provider(plan.Provider)
	if err != nil {
		return store.Number{}, nil, err
	}
	var warnings []string
	if op.Step == stepOrdering {
		var bought providers.Number
		var buyErr error
		if fresh {
			bought, buyErr = p.Buy(ctx, providers.BuyRequest{Number: plan.Number, Country: plan.Country, Type: plan.Type,
				Label: plan.Label, Reference: reference(op.ID), Regulatory: plan.Regulatory})
		} else {
			buyErr = providers.ErrTemporary // unknown outcome: look it up
		}
		if buyErr != nil {
			if providers.IsRefusal(buyErr) {
				// The carrier refused: nothing was bought.
				return store.Number{}, nil, errors.Join(buyErr, m.Store.FinishOp(context.WithoutCancel(ctx), op.ID))
			}
			if fresh && ctx.Err() != nil {
				// Interrupted with the order on its way: the carrier may still be working on it,
				// so asking now proves nothing. The journal entry stays for the next run to check.
				op.OwnerPID = 0
				return store.Number{}, nil, errors.Join(buyErr, m.Store.UpdateOp(context.WithoutCancel(ctx), op))
			}
			// Unknown outcome (network, lost answer, timeout): never buy again; ask the carrier.
			// A fresh order's outcome is looked up even when the user presses Ctrl-C meanwhile,
			// so that a sold number is recorded now; a recovery's lookup stops at Ctrl-C (the
			// entry stays for the next run).
			lookupCtx := ctx
			if fresh {
				lookupCtx = context.WithoutCancel(ctx)
			}
			found, ok, lerr := m.findBought(lookupCtx, p, reference(op.ID), plan.Number)
			if lerr != nil {
				return store.Number{}, nil, fmt.Errorf("%w; vnum could not check whether %s was bought (%v) and will check again on the next run",
					buyErr, phone.Format(plan.Number), lerr)
			}
			if !ok && !fresh && !plan.SentAt.IsZero() && m.Now().Sub(plan.SentAt) < inFlight && !buysInProcess(p) {
				// The process that sent the order died a moment ago: the request may still be on
				// its way or being carried out. Not there yet proves nothing; look again later.
				return store.Number{}, nil, fmt.Errorf("the interrupted buy of %s may still be completing on the carrier: vnum checks again on its next run",
					phone.Format(plan.Number))
			}
			if !ok {
				ferr := m.Store.FinishOp(context.WithoutCancel(ctx), op.ID)
				if fresh && (errors.Is(buyErr, providers.ErrRateLimited) || errors.Is(buyErr, providers.ErrTemporary)) {
					return store.Number{}, nil, errors.Join(buyErr, ferr) // the carrier's own "later"
				}
				if fresh {
					// The outcome was unknown, but checked: the account does not have it, so
					// nothing was bought and trying again is safe.
					return store.Number{}, nil, errors.Join(notBought{&providers.Error{Provider: plan.Provider, Op: "buy", Kind: providers.ErrTemporary,
						Message: fmt.Sprintf("the purchase of %s failed (%v), and the account does not have it: nothing was bought, try again",
							phone.Format(plan.Number), buyErr)}}, ferr)
				}
				m.Report("An interrupted buy of " + phone.Format(plan.Number) + " had not gone through; nothing was bought")
				return store.Number{}, nil, ferr
			}
			bought = found
			m.Report("Recovered " + phone.Format(plan.Number) + ": the carrier had sold it to you")
		}
		n, err := m.record(context.WithoutCancel(ctx), op, &plan, bought)
		if err != nil {
			return n, nil, err
		}
		if n.E164 != plan.Number {
			warnings = append(warnings, fmt.Sprintf("%s sold %s, not %s which was asked for: the number it sold is the one recorded",
				plan.Provider, phone.Format(n.E164), phone.Format(plan.Number)))
		}
		if plan.OldID == 0 && n.Label != plan.Label { // a rotate moves the label later
			warnings = append(warnings, fmt.Sprintf("label %q was taken meanwhile; the number has no label", plan.Label))
		}
	}
	n, err := m.Store.GetNumber(ctx, plan.NumberID)
	if errors.Is(err, store.ErrNotFound) && op.Kind == opBuy {
		// Released or burned while its set-up waited for another run: nothing is left to do.
		return store.Number{}, warnings, m.Store.FinishOp(context.WithoutCancel(ctx), op.ID)
	}
	if err != nil {
		return n, warnings, err
	}
	if op.Kind == opRotate {
		return n, warnings, nil // the rotate carries on from here
	}
	n, err = m.configure(ctx, p, n, plan)
	if err != nil {
		if providers.IsRefusal(err) {
			// The carrier will refuse however often it is asked: the number is bought and
			// recorded, and the forwarding is left to `vnum forward` rather than retried on
			// every run.
			return n, warnings, errors.Join(err, m.Store.FinishOp(context.WithoutCancel(ctx), op.ID))
		}
		return n, warnings, err
	}
	if n.State == providers.StateFailed {
		// The carrier gave up on an asynchronous order (Telnyx) after accepting it: nothing is
		// billed, and a script must not carry on with a number that will never work.
		_, eerr := m.Store.EndNumber(context.WithoutCancel(ctx), n.ID, store.EndVanished, m.Now(), "")
		// ErrOutOfStock, not ErrUnavailable: the next offer is not tried, as it would most likely fail alike.
		return store.Number{}, warnings, errors.Join(&providers.Error{Provider: plan.Provider, Op: "buy", Kind: providers.ErrOutOfStock,
			Message: fmt.Sprintf("%s could not fill the order for %s: nothing was bought", plan.Provider, phone.Format(n.E164))},
			eerr, m.Store.FinishOp(context.WithoutCancel(ctx), op.ID))
	}
	if n.State == providers.StateActive || plan.Forward.IsZero() {
		return n, warnings, m.Store.FinishOp(context.WithoutCancel(ctx), op.ID)
	}
	// Still pending on the carrier: the journal entry stays so a later run applies forwarding.
	warnings = append(warnings, fmt.Sprintf("%s is %s on the carrier; forwarding will be set once it is active",
		phone.Format(n.E164), strings.ReplaceAll(string(n.State), "_", " ")))
	op.OwnerPID = 0
	return n, warnings, m.Store.UpdateOp(context.WithoutCancel(ctx), op)
}

// record stores a bought number and moves the journal to stepRecorded, in one transaction.
func (m *Manager) record(ctx context.Context, op *store.Op, plan *buyPlan, bought providers.Number) (store.Number, error) {
	n := store.Number{
		Provider: plan.Provider, CarrierID: bought.ID, E164: plan.Number, Country: plan.Country, Type: plan.Type,
		Features: plan.Features, Label: plan.Label, Monthly: plan.Monthly, State: bought.State, Managed: true,
		ExpiresAt: plan.ExpiresAt, BoughtAt: m.Now(),
	}
	if phone.IsE164(bought.Number) && bought.Number != n.E164 {
		// The carrier sold another number than the one asked for: describe the one it sold.
		n.E164 = bought.Number
		n.Country, n.Type = phone.Country(bought.Number), phone.TypeOf(bought.Number)
		if bought.Country != "" {
			n.Country = bought.Country
		}
		if bought.Type != "" {
			n.Type = bought.Type
		}
	}
	if n.State == "" {
		n.State = providers.StateActive
	}
	if n.Monthly.IsZero() && !bought.Monthly.IsZero() {
		n.Monthly = bought.Monthly
	}
	if bought.Features != (providers.Features{}) {
		n.Features = bought.Features
	}
	if plan.OldID != 0 {
		n.Label = "" // a rotate moves the label once the new number is configured
	}
	var dup store.Number
	err := m.Store.InTx(ctx, func(tx *store.Store) error {
		// A `vnum list` in another process may have seen the number on the carrier first and
		// stored it as unmanaged: that row is taken over instead of adding a second one.
		existing, ok, err := findStored(ctx, tx, plan.Provider, bought.ID, n.E164)
		switch {
		case err != nil:
			return err
		case ok && existing.Managed && existing.CarrierID == bought.ID:
			// Not a new number: the carrier answered with one vnum already manages. Taking the row
			// over would silently relabel it; nothing new is billed, so there is nothing to record.
			dup = existing
			return nil
		case ok && !existing.Managed:
			n.ID = existing.ID
			err = tx.UpdateNumber(ctx, &n)
			if errors.Is(err, store.ErrLabelTaken) {
				n.Label = ""
				err = tx.UpdateNumber(ctx, &n)
			}
		default:
			// New, even when a managed row shows the same number under another carrier id:
			// what the carrier bills under this id must have a row of its own.
			err = tx.InsertNumber(ctx, &n)
			if errors.Is(err, store.ErrLabelTaken) {
				n.Label = ""
				err = tx.InsertNumber(ctx, &n)
			}
		}
		if err != nil {
			return err
		}
		plan.NumberID = n.ID
		if err := recordLease(ctx, tx, plan, n.ID, m.Now()); err != nil {
			return err
		}
		op.Step = stepRecorded
		if err := setPayload(op, *plan); err != nil {
			return err
		}
		return tx.UpdateOp(ctx, op)
	})
	if err != nil {
		return n, fmt.Errorf("%s was bought but could not be recorded (%w); run any vnum command to retry", phone.Format(n.E164), err)
	}
	if dup.ID != 0 {
		what := phone.Format(dup.E164)
		if dup.Label != "" {
			what += " (" + dup.Label + ")"
		}
		return store.Number{}, errors.Join(fmt.Errorf("%w: %s answered the purchase with %s, a number you already have; nothing new was recorded",
			ErrNotNew, plan.Provider, what), m.Store.FinishOp(ctx, op.ID))
	}
	return n, nil
}

// ErrNotNew means the carrier answered a purchase with a number vnum already manages.
var ErrNotNew = errors.New("not a new number")

// configure brings the carrier's state of n to what plan asks: waits briefly for a pending order,
// then sets forwarding.
func (m *Manager) configure(ctx context.Context, p providers.Provider, n store.Number, plan buyPlan) (store.Number, error) {
	if n.State == providers.StatePending {
		n = m.awaitActive(ctx, p, n, 30*time.Second)
	} else if n.State == providers.StatePendingDocuments {
		n = m.refreshState(ctx, p, n)
	}
	if n.State != providers.StateActive || plan.Calls == nil && (plan.Forward.IsZero() || n.Forward == plan.Forward) {
		return n, nil
	}
	if plan.Forward.Calls != "" {
		m.Report("Forwarding " + phone.Format(n.E164) + " to " + phone.Format(plan.Forward.Calls))
	}
	return m.applyRouting(ctx, p, n, plan.Forward, plan.Calls.settings(n.ID))
}

// awaitActive polls a pending order until it is active or limit passes.
func (m *Manager) awaitActive(ctx context.Context, p providers.Provider, n store.Number, limit time.Duration) store.Number {
	deadline := m.Now().Add(limit)
	wait := m.PollInterval
	for n.State == providers.StatePending && m.Now().Before(deadline) {
		m.Report("Waiting for the carrier to complete the order for " + phone.Format(n.E164))
		if sleep(ctx, wait) != nil {
			return n
		}
		wait = min(wait*2, m.PollMax)
		n = m.refreshState(ctx, p, n)
	}
	return n
}

// refreshState asks the carrier for n's state and stores it; errors leave n as it was.
func (m *Manager) refreshState(ctx context.Context, p providers.Provider, n store.Number) store.Number {
	got, err := p.Get(ctx, n.CarrierID)
	if err != nil || got.State == n.State || got.State == "" {
		return n
	}
	n.State = got.State
	if err := m.Store.UpdateNumber(ctx, &n); err != nil {
		return n
	}
	return n
}

func (m *Manager) applyForwarding(ctx context.Context, p providers.Provider, n store.Number, f providers.Forwarding) (store.Number, error) {
	// SMS the carrier cannot forward are relayed by vnum serve: the carrier forwards calls only.
	relay := f.SMS != "" && m.relays(p)
	onCarrier := f
	if relay {
		onCarrier.SMS = ""
	}
	fw, ok := providers.As[providers.Forwarder](p)
	if !ok || (f.Calls != "" && !p.Capabilities().ForwardCalls) || (onCarrier.SMS != "" && !p.Capabilities().ForwardSMS) {
		what := "call forwarding"
		if onCarrier.SMS != "" && !p.Capabilities().ForwardSMS {
			what = "SMS forwarding"
		}
		return n, &providers.Error{Provider: p.Name(), Op: "forward", Kind: providers.ErrUnsupported,
			Message: fmt.Sprintf("%s does not offer %s through its API", p.Name(), what)}
	}
	got, err := fw.SetForwarding(ctx, n.CarrierID, onCarrier)
	if err != nil {
		return n, fmt.Errorf("forward %s: %w", phone.Format(n.E164), err)
	}
	n.Forward = onCarrier
	if !got.Forward.IsZero() || onCarrier.IsZero() {
		n.Forward = got.Forward
	}
	relayTo := ""
	if relay {
		n.Forward.SMS, relayTo = f.SMS, f.SMS
	}
	// The number's forwarding and its relay target change together.
	wctx := context.WithoutCancel(ctx)
	return n, m.Store.InTx(wctx, func(tx *store.Store) error {
		if err := tx.SetSMSRelay(wctx, n.ID, relayTo); err != nil {
			return err
		}
		return tx.UpdateNumber(wctx, &n)
	})
}

// relays reports whether SMS forwarding on p is vnum serve's relay: p cannot forward SMS
// itself, can send them, and serve is set up.
func (m *Manager) relays(p providers.Provider) bool {
	c := p.Capabilities()
	if c.ForwardSMS || !c.SendSMS || !m.SMSRelay {
		return false
	}
	_, ok := providers.As[providers.MessageSender](p)
	return ok
}

// reference is the BuyRequest.Reference of the buy journaled as op id.
func reference(id int64) string { return fmt.Sprintf("vnum-op-%d", id) }

// findBought settles a buy whose outcome is unknown: by the order's reference where the carrier
// keeps one (providers.OrderFinder), else by looking for the number on the account.
func (m *Manager) findBought(ctx context.Context, p providers.Provider, ref, e164 string) (providers.Number, bool, error) {
	f, ok := providers.As[providers.OrderFinder](p)
	if !ok {
		return m.findOwned(ctx, p, e164)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	n, found, err := f.FindOrder(ctx, ref, e164)
	if err != nil || found {
		return n, found, err
	}
	// No order under that reference; the number may still be there under another (a buy made
	// by hand meanwhile): look on the account as for any carrier.
	return m.findOwned(ctx, p, e164)
}

// findOwned looks for e164 among the account's numbers on the carrier.
func (m *Manager) findOwned(ctx context.Context, p providers.Provider, e164 string) (providers.Number, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	owned, err := p.List(ctx)
	if err != nil {
		return providers.Number{}, false, err
	}
	for _, n := range owned {
		if n.Number == e164 {
			return n, true, nil
		}
	}
	return providers.Number{}, false, nil
}

// heldNumbers is the set of numbers of one carrier that the store has, now or in history.
func (m *Manager) heldNumbers(ctx context.Context, provider string) (map[string]bool, error) {
	ns, err := m.Store.ListNumbers(ctx)
	if err != nil {
		return nil, err
	}
	hs, err := m.Store.ListHistory(ctx)
	if err != nil {
		return nil, err
	}
	held := make(map[string]bool, len(ns)+len(hs))
	for _, n := range ns {
		if n.Provider == provider {
			held[n.E164] = true
		}
	}
	for _, h := range hs {
		if h.Provider == provider {
			held[h.E164] = true
		}
	}
	return held, nil
}

// findStored finds a stored number of one carrier by carrier id, else by number.
func findStored(ctx context.Context, s *store.Store, provider, carrierID, e164 string) (store.Number, bool, error) {
	all, err := s.ListNumbers(ctx)
	if err != nil {
		return store.Number{}, false, err
	}
	byNumber := -1
	for i, n := range all {
		switch {
		case n.Provider != provider:
		case carrierID != "" && n.CarrierID == carrierID:
			return n, true, nil
		case n.E164 == e164 && byNumber < 0:
			byNumber = i
		}
	}
	if byNumber >= 0 {
		return all[byNumber], true, nil
	}
	return store.Number{}, false, nil
}

// checkLabelFree fails before anything is spent when label names another number.
func (m *Manager) checkLabelFree(ctx context.Context, label string, except int64) error {
	if label == "" {
		return nil
	}
	all, err := m.Store.ListNumbers(ctx)
	if err != nil {
		return err
	}
	for _, n := range all {
		if n.Label == label && n.ID != except {
			return fmt.Errorf("%w: %q is the label of %s; choose another label or release that number first",
				store.ErrLabelTaken, label, phone.Format(n.E164))
		}
		if n.CarrierID == label {
			// A REF names a label or a carrier id: one string must not name two numbers.
			return fmt.Errorf("%w: %q is the carrier id of %s; choose another label", store.ErrLabelTaken, label, phone.Format(n.E164))
		}
	}
	return nil
}

func setPayload(op *store.Op, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	op.Payload = b
	return nil
}

// recordLease puts a number bought for a pool in it and, for `vnum lease`, leases it to the job
// that asked: in the transaction that records the number, so no other job leases it first.
func recordLease(ctx context.Context, tx *store.Store, plan *buyPlan, id int64, now time.Time) error {
	if plan.Pool == "" {
		return nil
	}
	if err := tx.AddToPool(ctx, id, plan.Pool); err != nil {
		return err
	}
	if plan.Lease == nil {
		return nil
	}
	l := *plan.Lease
	l.NumberID, l.Pool = id, plan.Pool
	// The lease begins now, with the number, and lasts as long as it was asked to.
	l.StartedAt, l.ExpiresAt = now.UTC(), now.UTC().Add(l.ExpiresAt.Sub(l.StartedAt))
	if _, err := tx.InsertLease(ctx, &l); err != nil {
		return err
	}
	return nil
}

// buysInProcess reports whether p's purchases end with the process that made them, so that an
// interrupted one is never still on its way (providers.InProcessBuyer).
func buysInProcess(p providers.Provider) bool {
	b, ok := providers.As[providers.InProcessBuyer](p)
	return ok && b.BuysInProcess()
}
