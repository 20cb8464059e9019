package telnyx

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/vnum-cli/vnum/internal/lazyre"
	"github.com/vnum-cli/vnum/internal/phone"
	"github.com/vnum-cli/vnum/providers"
)

// numberOrder is the part of Telnyx's NumberOrderWithPhoneNumbers that vnum reads.
type numberOrder struct {
	ID                string `json:"id"`
	Status            string `json:"status"` // pending, success, failure
	RequirementsMet   *bool  `json:"requirements_met"`
	CustomerReference string `json:"customer_reference"`
	PhoneNumbers      []struct {
		PhoneNumber        string `json:"phone_number"`
		Status             string `json:"status"`
		RequirementsMet    *bool  `json:"requirements_met"`
		RequirementsStatus string `json:"requirements_status"`
	} `json:"phone_numbers"`
}

// needsDocuments reports an order Telnyx holds until documents are approved.
func (o numberOrder) needsDocuments() bool {
	if o.RequirementsMet != nil && !*o.RequirementsMet {
		return true
	}
	for _, n := range o.PhoneNumbers {
		if n.RequirementsMet != nil && !*n.RequirementsMet {
			return true
		}
	}
	return false
}

// keyPattern is what Telnyx accepts as an Idempotency-Key.
var keyPattern = lazyre.New(`^[A-Za-z0-9_:-]{1,255}$`)

// Buy implements providers.Provider. Telnyx sells only numbers a recent search returned, so the
// number is searched for first (which also gives its price). The order carries vnum's operation
// id as customer_reference and Idempotency-Key; it is followed for a few seconds, and a number
// still pending then is returned as such for the caller to follow through Get. An order whose
// answer was lost (no answer, a 5xx) is looked up by its reference, never placed again.
func (p *Provider) Buy(ctx context.Context, req providers.BuyRequest) (providers.Number, error) {
	const op = "buy"
	if err := ctx.Err(); err != nil {
		return providers.Number{}, fmt.Errorf("%s %s: %w", Name, op, err)
	}
	if !phone.IsE164(req.Number) {
		return providers.Number{}, &providers.Error{Provider: Name, Op: op, Kind: providers.ErrUnavailable,
			Message: fmt.Sprintf("%q is not an E.164 number like +33612345678", req.Number)}
	}
	country, typ := classify(req.Number)
	if cc := strings.ToUpper(strings.TrimSpace(req.Country)); cc != "" {
		country = cc
	}
	if req.Type != "" {
		typ = req.Type
	}
	ctx, cancel := bound(ctx)
	defer cancel()

	offer, err := p.offered(ctx, req.Number, country, typ)
	if err != nil {
		return providers.Number{}, err
	}
	profile, perr := p.ensureProfile(ctx, op, country)
	if perr != nil {
		if ctx.Err() != nil {
			return providers.Number{}, fmt.Errorf("%s %s: %w", Name, op, ctx.Err())
		}
		p.warn("telnyx: vnum's messaging profile could not be set up (%v): %s will be attached to it when its SMS are first read",
			perr, req.Number)
	}

	ref := strings.TrimSpace(req.Reference)
	if !keyPattern.MatchString(ref) {
		ref = "vnum-" + randomHex(12)
	}
	body := map[string]any{
		"phone_numbers":      []map[string]string{{"phone_number": req.Number}},
		"customer_reference": ref,
	}
	if profile != "" {
		body["messaging_profile_id"] = profile
	}
	var placed struct {
		Data numberOrder `json:"data"`
	}
	err = p.do(ctx, op, http.MethodPost, "/v2/number_orders", &request{body: body, idempotencyKey: ref}, &placed)
	order := placed.Data
	if err != nil {
		if !errors.Is(err, providers.ErrUnknownOutcome) || ctx.Err() != nil {
			return providers.Number{}, err
		}
		found, ok, lerr := p.orderByReference(ctx, ref)
		if lerr != nil || !ok {
			return providers.Number{}, err // the caller looks on the account before anything else
		}
		order = found
	}
	order, err = p.follow(ctx, order)
	if err != nil {
		return providers.Number{}, err
	}
	if order.Status == "failure" {
		return providers.Number{}, &providers.Error{Provider: Name, Op: op, Kind: providers.ErrOutOfStock,
			Message: fmt.Sprintf("Telnyx could not fill the order for %s (order %s failed): nothing was bought", req.Number, order.ID)}
	}
	n, err := p.ordered(ctx, req.Number, order)
	if err != nil {
		return providers.Number{}, err
	}
	if profile != "" {
		p.mu.Lock()
		p.attached[n.ID] = true
		p.mu.Unlock()
	}
	if label := strings.TrimSpace(req.Label); label != "" {
		if err := p.setReference(ctx, op, n.ID, label); err != nil {
			p.warn("telnyx: %s was bought, but its label could not be written to Telnyx (%v)", req.Number, err)
		} else {
			n.Label = label
		}
	}
	n.Monthly, n.Features = offer.Monthly, offer.Features
	if order.needsDocuments() && n.State != providers.StateFailed {
		n.State = providers.StatePendingDocuments
		p.warn("telnyx: Telnyx holds %s until the documents its regulations ask for are approved: add them in the Mission Control "+
			"portal (Numbers → My Numbers → %s → Requirements); calls and SMS start once they are", req.Number, req.Number)
	}
	return n, nil
}

// FindOrder implements providers.OrderFinder: the number bought by the order placed with a
// customer_reference, for a buy whose answer was lost or whose process was killed mid-order.
// A failed order, or none, is not found.
func (p *Provider) FindOrder(ctx context.Context, reference, number string) (providers.Number, bool, error) {
	if err := ctx.Err(); err != nil {
		return providers.Number{}, false, fmt.Errorf("%s buy: %w", Name, err)
	}
	ctx, cancel := bound(ctx)
	defer cancel()
	order, ok, err := p.orderByReference(ctx, reference)
	if err != nil || !ok || order.Status == "failure" {
		return providers.Number{}, false, err
	}
	if number == "" && len(order.PhoneNumbers) > 0 {
		number = order.PhoneNumbers[0].PhoneNumber
	}
	n, err := p.ordered(ctx, number, order)
	if err != nil {
		return providers.Number{}, false, err
	}
	if order.needsDocuments() && n.State != providers.StateFailed {
		n.State = providers.StatePendingDocuments
	}
	return n, true, nil
}

// offered searches for the number about to be bought: Telnyx refuses to sell one no recent
// search returned (error 85000), and a number no longer offered is no longer for sale.
func (p *Provider) offered(ctx context.Context, number, country string, t providers.NumberType) (providers.Available, error) {
	const op = "buy"
	list, err := p.search(ctx, op, country, t, phone.NationalNumber(number), false, false, 20)
	if err != nil {
		return providers.Available{}, err
	}
	for _, a := range list {
		if a.Number == number {
			return a, nil
		}
	}
	return providers.Available{}, &providers.Error{Provider: Name, Op: op, Kind: providers.ErrUnavailable,
		Message: fmt.Sprintf("%s is no longer for sale on Telnyx: search again and pick another", number)}
}

// follow polls an order until it is no longer pending, or for p.orderWait.
func (p *Provider) follow(ctx context.Context, order numberOrder) (numberOrder, error) {
	deadline := time.Now().Add(p.orderWait)
	wait := p.poll
	for order.Status == "pending" && order.ID != "" && time.Now().Before(deadline) {
		if err := sleep(ctx, wait); err != nil {
			return order, fmt.Errorf("%s buy: %w", Name, err)
		}
		wait = min(wait*2, 2*time.Second)
		var out struct {
			Data numberOrder `json:"data"`
		}
		if err := p.do(ctx, "buy", http.MethodGet, "/v2/number_orders/"+url.PathEscape(order.ID), nil, &out); err != nil {
			if ctx.Err() != nil || !providers.IsPermanent(err) {
				// A read that failed for now: the order stands; its number is looked up below.
				break
			}
			return order, err
		}
		order = out.Data
	}
	return order, nil
}

// ordered finds the number an order made among the account's numbers. Telnyx lists a number
// as soon as it is ordered (status purchase-pending); should it not show at once, it is looked
// for a few more times.
func (p *Provider) ordered(ctx context.Context, number string, order numberOrder) (providers.Number, error) {
	const op = "buy"
	wait := p.poll
	for attempt := 0; ; attempt++ {
		n, ok, err := p.findByNumber(ctx, op, number)
		if err != nil && (ctx.Err() != nil || providers.IsPermanent(err)) {
			return providers.Number{}, err
		}
		if ok {
			got := toNumber(n, nil)
			if order.Status == "pending" && got.State == providers.StateActive {
				got.State = providers.StatePending
			}
			return got, nil
		}
		if attempt >= 4 {
			return providers.Number{}, &providers.Error{Provider: Name, Op: op, Kind: providers.ErrUnknownOutcome,
				Message: fmt.Sprintf("Telnyx accepted the order for %s (order %s, %s) but does not list the number yet", number, order.ID, order.Status)}
		}
		if err := sleep(ctx, wait); err != nil {
			return providers.Number{}, fmt.Errorf("%s %s: %w", Name, op, err)
		}
		wait = min(wait*2, 2*time.Second)
	}
}

// orderByReference finds the order placed with a customer_reference.
func (p *Provider) orderByReference(ctx context.Context, ref string) (numberOrder, bool, error) {
	q := url.Values{}
	q.Set("filter[customer_reference]", ref)
	var out struct {
		Data []struct {
			ID                string `json:"id"`
			CustomerReference string `json:"customer_reference"`
		} `json:"data"`
	}
	if err := p.do(ctx, "buy", http.MethodGet, "/v2/number_orders", &request{query: q}, &out); err != nil {
		return numberOrder{}, false, err
	}
	for _, o := range out.Data {
		if o.CustomerReference != ref || o.ID == "" {
			continue
		}
		var got struct {
			Data numberOrder `json:"data"`
		}
		if err := p.do(ctx, "buy", http.MethodGet, "/v2/number_orders/"+url.PathEscape(o.ID), nil, &got); err != nil {
			return numberOrder{}, false, err
		}
		return got.Data, true, nil
	}
	return numberOrder{}, false, nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
