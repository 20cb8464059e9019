package twilio

import (
	"context"
	"errors"
	"fmt"
	"strings"

	v2010 "github.com/twilio/twilio-go/rest/api/v2010"
	numbersv2 "github.com/twilio/twilio-go/rest/numbers/v2"

	"github.com/vnum-cli/vnum/providers"
)

// Buy implements providers.Provider with one IncomingPhoneNumbers create, never repeated: if its
// answer is lost, the number is looked up on the account instead, since Twilio has no
// idempotency keys and a second purchase would be charged.
func (p *Provider) Buy(ctx context.Context, req providers.BuyRequest) (providers.Number, error) {
	if err := ctx.Err(); err != nil {
		return providers.Number{}, ctxError("buy", err)
	}
	if !isE164(req.Number) {
		// Refused before anything is sent: nothing to look up afterwards.
		return providers.Number{}, &providers.Error{Provider: Name, Op: "buy", Kind: providers.ErrUnavailable,
			Message: fmt.Sprintf("%q is not an E.164 number like +33612345678", req.Number)}
	}
	country, typ := classify(req.Number)
	if cc := strings.ToUpper(strings.TrimSpace(req.Country)); cc != "" {
		country = cc
	}
	if req.Type != "" {
		typ = req.Type
	}
	bundle, address, err := p.paperwork(req.Regulatory, country)
	if err != nil {
		return providers.Number{}, err
	}
	c, done, err := p.begin(ctx, "buy")
	if err != nil {
		return providers.Number{}, err
	}
	defer done()
	if bundle == "" && needsBundle(country) {
		if bundle, err = c.approvedBundle(country, typ); err != nil {
			return providers.Number{}, err
		}
	}

	params := &v2010.CreateIncomingPhoneNumberParams{}
	params.SetPhoneNumber(req.Number)
	if label := truncate(strings.TrimSpace(req.Label), maxFriendlyName); label != "" {
		params.SetFriendlyName(label)
	}
	if bundle != "" {
		params.SetBundleSid(bundle)
	}
	if address != "" {
		params.SetAddressSid(address)
	}
	pn, err := c.api.CreateIncomingPhoneNumber(params)
	if err != nil {
		err = c.failOnce(err)
		if found, ok := c.recoverLostBuy(err, req.Number); ok {
			return found, nil
		}
		return providers.Number{}, err
	}
	n := p.toNumber(pn)
	if n.Monthly.IsZero() {
		n.Monthly = p.cachedPrice(country, typ)
	}
	return n, nil
}

// paperwork picks the bundle and address SIDs: the request's, else the per-country option, else
// the general option. A general default bundle applies only where bundles are required, since a
// bundle belongs to one country.
func (p *Provider) paperwork(reg map[string]string, country string) (bundle, address string, err error) {
	bundle = strings.TrimSpace(reg[RegBundle])
	address = strings.TrimSpace(reg[RegAddress])
	if bundle == "" {
		bundle = p.options[OptBundle+"."+country]
	}
	if bundle == "" && needsBundle(country) {
		bundle = p.options[OptBundle]
	}
	if address == "" {
		address = p.options[OptAddress+"."+country]
	}
	if address == "" {
		address = p.options[OptAddress]
	}
	if err := checkPaperwork(bundle, address); err != nil {
		return "", "", &providers.Error{Provider: Name, Op: "buy", Kind: providers.ErrPaperwork, Message: err.Error()}
	}
	return bundle, address, nil
}

// checkRegulatory is the Descriptor's check of --bundle and --address, made before anything is
// searched or spent.
func checkRegulatory(reg map[string]string) error {
	return checkPaperwork(strings.TrimSpace(reg[RegBundle]), strings.TrimSpace(reg[RegAddress]))
}

// checkPaperwork checks the shape of bundle and address SIDs ("" is none).
func checkPaperwork(bundle, address string) error {
	var problems []string
	if bundle != "" && !bundlePattern.MatchString(bundle) {
		problems = append(problems, fmt.Sprintf("bundle %q is not a bundle SID (BU followed by 32 hex digits)", bundle))
	}
	if address != "" && !addressPattern.MatchString(address) {
		problems = append(problems, fmt.Sprintf("address %q is not an address SID (AD followed by 32 hex digits)", address))
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// approvedBundle picks the account's approved bundle for a country and number type when there
// is exactly one. With none, the purchase is attempted without one and Twilio decides (error
// 21649 if it is required); with several, the user must choose.
func (c *call) approvedBundle(country string, t providers.NumberType) (string, error) {
	params := &numbersv2.ListBundleParams{}
	params.SetStatus("twilio-approved")
	params.SetIsoCountry(country)
	if bt := bundleType(t); bt != "" {
		params.SetNumberType(bt)
	}
	params.SetPageSize(20)
	records, errs := c.numbers.StreamBundle(params)
	bundles, err := collect(records, errs, func(b *numbersv2.NumbersV2Bundle) string { return deref(b.Sid) })
	if err != nil {
		return "", c.failList(err)
	}
	switch len(bundles) {
	case 0:
		return "", nil
	case 1:
		return deref(bundles[0].Sid), nil
	}
	names := make([]string, 0, len(bundles))
	for _, b := range bundles {
		name := deref(b.Sid)
		if fn := deref(b.FriendlyName); fn != "" {
			name += " (" + fn + ")"
		}
		names = append(names, name)
	}
	what := country
	if t != "" {
		what += " " + string(t)
	}
	return "", &providers.Error{
		Provider: Name,
		Op:       "buy",
		Kind:     providers.ErrPaperwork,
		Message: fmt.Sprintf("%d approved bundles fit %s numbers: %s; choose one with --bundle BU…",
			len(bundles), what, strings.Join(names, ", ")),
	}
}

// recoverLostBuy looks for the number on the account after a purchase whose outcome is unknown
// (no answer, a server error, an unreadable answer). Looking is a read and safe; buying again is
// not.
func (c *call) recoverLostBuy(buyErr error, number string) (providers.Number, bool) {
	var pe *providers.Error
	if !errors.As(buyErr, &pe) || c.ctx.Err() != nil {
		return providers.Number{}, false
	}
	// No answer or a server error; or an answer that could not be read (a 2xx, no kind).
	if !errors.Is(pe, providers.ErrUnknownOutcome) && (pe.Kind != nil || pe.Status >= 400) {
		return providers.Number{}, false
	}
	params := &v2010.ListIncomingPhoneNumberParams{}
	params.SetPhoneNumber(number)
	params.SetPageSize(20)
	page, err := c.api.PageIncomingPhoneNumber(params, "", "")
	if err != nil {
		return providers.Number{}, false
	}
	for i := range page.IncomingPhoneNumbers {
		if deref(page.IncomingPhoneNumbers[i].PhoneNumber) == number {
			return c.p.toNumber(&page.IncomingPhoneNumbers[i]), true
		}
	}
	return providers.Number{}, false
}
