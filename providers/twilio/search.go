package twilio

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	v2010 "github.com/twilio/twilio-go/rest/api/v2010"
	pricingv1 "github.com/twilio/twilio-go/rest/pricing/v1"

	"github.com/vnum-cli/vnum/providers"
)

// Twilio's AvailablePhoneNumbers sub-resources and Pricing v1 number_type for each vnum type.
var numberTypes = []struct {
	typ      providers.NumberType
	resource string // AvailablePhoneNumbers/{CC}/{resource}.json
	pricing  string // Pricing v1 phone_number_prices[].number_type
	bundle   string // Numbers v2 Bundles NumberType filter
}{
	{providers.TypeLocal, "Local", "local", "local"},
	{providers.TypeMobile, "Mobile", "mobile", "mobile"},
	{providers.TypeNational, "National", "national", "national"},
	{providers.TypeTollFree, "TollFree", "toll free", "toll-free"},
}

func bundleType(t providers.NumberType) string {
	for _, nt := range numberTypes {
		if nt.typ == t {
			return nt.bundle
		}
	}
	return ""
}

// countryPrices are one country's monthly prices by vnum number type.
type countryPrices map[providers.NumberType]providers.Price

// Search implements providers.Provider. With no Query.Type it searches each type in turn and
// skips the types Twilio does not sell in that country.
func (p *Provider) Search(ctx context.Context, q providers.Query) ([]providers.Available, error) {
	if err := ctx.Err(); err != nil {
		return nil, ctxError("search", err)
	}
	cc := strings.ToUpper(strings.TrimSpace(q.Country))
	if len(cc) != 2 {
		return nil, fmt.Errorf("twilio search: country %q is not an ISO 3166 two-letter code", q.Country)
	}
	if q.Type != "" && !q.Type.Valid() {
		return nil, fmt.Errorf("twilio search: unknown number type %q", q.Type)
	}
	if q.NoPaperwork && needsBundle(cc) {
		// Every number in a regulated country needs an approved bundle: nothing qualifies.
		return nil, nil
	}
	c, done, err := p.begin(ctx, "search")
	if err != nil {
		return nil, err
	}
	defer done()

	prices, err := p.countryPrices(c, cc)
	if err != nil {
		return nil, err
	}
	params := searchParams(q)
	var out []providers.Available
	for _, nt := range numberTypes {
		if q.Type != "" && q.Type != nt.typ {
			continue
		}
		found, err := c.searchType(cc, nt.resource, params)
		if err != nil {
			if q.Type == "" && errors.Is(err, providers.ErrNotFound) {
				continue // Twilio answers 404 for types it does not sell in this country
			}
			if errors.Is(err, providers.ErrNotFound) {
				return nil, nil
			}
			return nil, err
		}
		for _, a := range found {
			if q.Limit > 0 && len(out) >= q.Limit {
				return out, nil
			}
			if !containsDigits(a.number, q.Contains) {
				continue
			}
			out = append(out, a.toAvailable(cc, nt.typ, prices))
		}
	}
	return out, nil
}

// searchParams maps the query to Twilio's filters. Contains must be at least two characters for
// Twilio, so a single digit is filtered on our side instead.
func searchParams(q providers.Query) *v2010.ListAvailablePhoneNumberLocalParams {
	params := &v2010.ListAvailablePhoneNumberLocalParams{}
	if q.SMS {
		params.SetSmsEnabled(true)
	}
	if q.Voice {
		params.SetVoiceEnabled(true)
	}
	if digits := onlyDigits(q.Contains); len(digits) >= 2 {
		params.SetContains(digits)
	}
	if q.NoPaperwork {
		params.SetExcludeAllAddressRequired(true)
		params.SetExcludeLocalAddressRequired(true)
		params.SetExcludeForeignAddressRequired(true)
	}
	if q.Limit > 0 {
		params.SetPageSize(min(q.Limit, listPageSize))
	}
	return params
}

// available is the part of Twilio's four per-type search results vnum uses.
type available struct {
	number     string
	locality   string
	region     string
	country    string
	addressReq string
	voice, sms bool
	mms        bool
}

func (a available) toAvailable(cc string, t providers.NumberType, prices countryPrices) providers.Available {
	country := strings.ToUpper(a.country)
	if country == "" {
		country = cc
	}
	out := providers.Available{
		Number:   a.number,
		Country:  country,
		Type:     t,
		Features: providers.Features{Voice: a.voice, SMS: a.sms, MMS: a.mms},
		Monthly:  prices[t],
		Locality: a.locality,
	}
	if out.Locality == "" {
		out.Locality = a.region
	}
	switch {
	case needsBundle(country):
		out.Paperwork = providers.PaperworkDocuments
	case a.addressReq != "" && a.addressReq != "none":
		out.Paperwork = providers.PaperworkAddress
	}
	return out
}

// searchType asks one AvailablePhoneNumbers sub-resource for one page. twilio-go generates the
// same struct four times for the parameters, so one value is converted to the others.
func (c *call) searchType(cc, resource string, params *v2010.ListAvailablePhoneNumberLocalParams) ([]available, error) {
	var out []available
	add := func(number, locality, region, country, addr *string, caps *v2010.ApiV2010AccountAvailablePhoneNumberCountryAvailablePhoneNumberLocalCapabilities) {
		a := available{
			number: deref(number), locality: deref(locality), region: deref(region),
			country: deref(country), addressReq: deref(addr),
		}
		if caps != nil {
			a.voice, a.sms, a.mms = caps.Voice, caps.Sms, caps.Mms
		}
		out = append(out, a)
	}
	var err error
	switch resource {
	case "Local":
		var page *v2010.ListAvailablePhoneNumberLocalResponse
		if page, err = c.api.PageAvailablePhoneNumberLocal(cc, params, "", ""); err == nil {
			for _, n := range page.AvailablePhoneNumbers {
				add(n.PhoneNumber, n.Locality, n.Region, n.IsoCountry, n.AddressRequirements, n.Capabilities)
			}
		}
	case "Mobile":
		var page *v2010.ListAvailablePhoneNumberMobileResponse
		if page, err = c.api.PageAvailablePhoneNumberMobile(cc, (*v2010.ListAvailablePhoneNumberMobileParams)(params), "", ""); err == nil {
			for _, n := range page.AvailablePhoneNumbers {
				add(n.PhoneNumber, n.Locality, n.Region, n.IsoCountry, n.AddressRequirements, n.Capabilities)
			}
		}
	case "National":
		var page *v2010.ListAvailablePhoneNumberNationalResponse
		if page, err = c.api.PageAvailablePhoneNumberNational(cc, (*v2010.ListAvailablePhoneNumberNationalParams)(params), "", ""); err == nil {
			for _, n := range page.AvailablePhoneNumbers {
				add(n.PhoneNumber, n.Locality, n.Region, n.IsoCountry, n.AddressRequirements, n.Capabilities)
			}
		}
	case "TollFree":
		var page *v2010.ListAvailablePhoneNumberTollFreeResponse
		if page, err = c.api.PageAvailablePhoneNumberTollFree(cc, (*v2010.ListAvailablePhoneNumberTollFreeParams)(params), "", ""); err == nil {
			for _, n := range page.AvailablePhoneNumbers {
				add(n.PhoneNumber, n.Locality, n.Region, n.IsoCountry, n.AddressRequirements, n.Capabilities)
			}
		}
	default:
		return nil, fmt.Errorf("twilio search: unknown resource %q", resource)
	}
	if err != nil {
		return nil, c.fail(err)
	}
	return out, nil
}

// countryPrices returns a country's monthly prices, asking Pricing v1 once per Provider. A
// country Twilio has no price list for gives zero (unknown) prices, not an error.
func (p *Provider) countryPrices(c *call, cc string) (countryPrices, error) {
	p.mu.Lock()
	cached, ok := p.prices[cc]
	p.mu.Unlock()
	if ok {
		return cached, nil
	}
	resp, err := c.pricing.FetchPhoneNumberCountry(cc)
	prices := countryPrices{}
	if err != nil {
		err = c.fail(err)
		if !errors.Is(err, providers.ErrNotFound) {
			return nil, err
		}
	} else {
		prices = parsePrices(resp.PhoneNumberPrices, deref(resp.PriceUnit))
	}
	p.mu.Lock()
	p.prices[cc] = prices
	p.mu.Unlock()
	return prices, nil
}

// cachedPrice is the monthly price for a type if this Provider has already fetched it.
func (p *Provider) cachedPrice(cc string, t providers.NumberType) providers.Price {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.prices[cc][t]
}

func parsePrices(list *[]pricingv1.PricingV1PhoneNumberPhoneNumberCountryInstancePhoneNumberPrices, unit string) countryPrices {
	out := countryPrices{}
	if list == nil {
		return out
	}
	for _, pr := range *list {
		for _, nt := range numberTypes {
			if !strings.EqualFold(pr.NumberType, nt.pricing) {
				continue
			}
			amount := pr.CurrentPrice
			if amount == 0 {
				amount = pr.BasePrice
			}
			// twilio-go decodes "1.15" into a float32; its shortest decimal form is the string
			// Twilio sent, which ParsePrice then keeps exactly.
			price, err := providers.ParsePrice(strconv.FormatFloat(float64(amount), 'f', -1, 32), unit)
			if err == nil {
				out[nt.typ] = price
			}
		}
	}
	return out
}

// needsBundle reports whether Twilio sells numbers in a country only with an approved
// regulatory bundle. Twilio regulates almost every country outside the North American
// Numbering Plan's US and Canada; an unlisted country is assumed regulated, and a buy without a
// bundle is still attempted there, Twilio having the last word (error 21649).
func needsBundle(cc string) bool {
	switch strings.ToUpper(cc) {
	case "US", "CA", "PR", "VI", "GU", "AS", "MP":
		return false
	}
	return true
}

func onlyDigits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// containsDigits applies Query.Contains on our side (Twilio's Contains needs two characters).
func containsDigits(e164, contains string) bool {
	want := onlyDigits(contains)
	if want == "" {
		return true
	}
	return strings.Contains(nationalNumber(e164), want) || strings.Contains(onlyDigits(e164), want)
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
