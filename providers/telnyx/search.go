package telnyx

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/vnum-cli/vnum/internal/phone"
	"github.com/vnum-cli/vnum/providers"
)

// available is the part of Telnyx's AvailablePhoneNumber that vnum reads.
type available struct {
	PhoneNumber     string `json:"phone_number"`
	CostInformation *struct {
		Currency    string `json:"currency"`
		MonthlyCost string `json:"monthly_cost"`
		UpfrontCost string `json:"upfront_cost"`
	} `json:"cost_information"`
	Features []struct {
		Name string `json:"name"`
	} `json:"features"`
	RegionInformation []struct {
		RegionName string `json:"region_name"`
		RegionType string `json:"region_type"`
	} `json:"region_information"`
}

// Search implements providers.Provider with GET /v2/available_phone_numbers. Prices come with
// each number; the paperwork from the regulatory requirements Telnyx lists for ordering the
// country's numbers of that type (read once per country and type).
func (p *Provider) Search(ctx context.Context, q providers.Query) ([]providers.Available, error) {
	const op = "search"
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%s %s: %w", Name, op, err)
	}
	country := strings.ToUpper(strings.TrimSpace(q.Country))
	if len(country) != 2 {
		return nil, &providers.Error{Provider: Name, Op: op, Message: fmt.Sprintf("country %q is not an ISO 3166 code like US", q.Country)}
	}
	ctx, cancel := bound(ctx)
	defer cancel()
	found, err := p.search(ctx, op, country, q.Type, q.Contains, q.SMS, q.Voice, q.Limit)
	if err != nil {
		return nil, err
	}
	out := make([]providers.Available, 0, len(found))
	for _, a := range found {
		pw, err := p.paperwork(ctx, op, a.Country, a.Type)
		if err != nil {
			return nil, err
		}
		a.Paperwork = pw
		if !q.Matches(a) {
			continue
		}
		out = append(out, a)
		if q.Limit > 0 && len(out) >= q.Limit {
			break
		}
	}
	return out, nil
}

// search asks Telnyx for numbers for sale; contains is digits of the national number.
func (p *Provider) search(ctx context.Context, op, country string, t providers.NumberType, contains string, sms, voice bool, limit int) ([]providers.Available, error) {
	v := url.Values{}
	v.Set("filter[country_code]", country)
	if tt := toTelnyxType(t); tt != "" {
		v.Set("filter[phone_number_type]", tt)
	}
	if sms {
		v.Add("filter[features][]", "sms")
	}
	if voice {
		v.Add("filter[features][]", "voice")
	}
	if c := strings.TrimSpace(contains); c != "" {
		v.Set("filter[phone_number][contains]", c)
	}
	if limit > 0 {
		v.Set("filter[limit]", strconv.Itoa(limit))
	}
	var out struct {
		Data []available `json:"data"`
	}
	if err := p.do(ctx, op, http.MethodGet, "/v2/available_phone_numbers", &request{query: v}, &out); err != nil {
		return nil, err
	}
	list := make([]providers.Available, 0, len(out.Data))
	seen := map[string]bool{}
	for _, a := range out.Data {
		if !phone.IsE164(a.PhoneNumber) || seen[a.PhoneNumber] {
			continue
		}
		seen[a.PhoneNumber] = true
		list = append(list, toAvailable(a, country, t))
	}
	return list, nil
}

func toAvailable(a available, country string, t providers.NumberType) providers.Available {
	cc, typ := classify(a.PhoneNumber)
	if t != "" {
		typ = t // Telnyx filtered on it; libphonenumber cannot tell some ranges apart
	}
	if cc == "" {
		cc = country
	}
	out := providers.Available{Number: a.PhoneNumber, Country: cc, Type: typ}
	for _, f := range a.Features {
		switch f.Name {
		case "voice":
			out.Features.Voice = true
		case "sms":
			out.Features.SMS = true
		case "mms":
			out.Features.MMS = true
		}
	}
	if c := a.CostInformation; c != nil {
		cur := strings.ToUpper(strings.TrimSpace(c.Currency))
		if m, err := providers.ParsePrice(strings.TrimSpace(c.MonthlyCost), cur); err == nil {
			out.Monthly = m
		}
		if u, err := providers.ParsePrice(strings.TrimSpace(c.UpfrontCost), cur); err == nil {
			out.Upfront = u
		}
	}
	for _, kind := range []string{"location", "rate_center", "state"} {
		for _, r := range a.RegionInformation {
			if r.RegionType == kind && r.RegionName != "" && out.Locality == "" {
				out.Locality = r.RegionName
			}
		}
	}
	return out
}

// paperwork says what Telnyx asks before it activates a country's numbers of one type:
// nothing, an address, or documents (any other requirement: a document, a name, an id…).
func (p *Provider) paperwork(ctx context.Context, op, country string, t providers.NumberType) (providers.Paperwork, error) {
	key := country + "/" + string(t)
	p.mu.Lock()
	pw, ok := p.requirements[key]
	p.mu.Unlock()
	if ok {
		return pw, nil
	}
	v := url.Values{}
	v.Set("filter[country_code]", country)
	if tt := toTelnyxType(t); tt != "" {
		v.Set("filter[phone_number_type]", tt)
	}
	v.Set("filter[action]", "ordering")
	var out struct {
		Data []struct {
			Requirements []struct {
				FieldType string `json:"field_type"`
			} `json:"regulatory_requirements"`
		} `json:"data"`
	}
	if err := p.do(ctx, op, http.MethodGet, "/v2/regulatory_requirements", &request{query: v}, &out); err != nil {
		return "", err
	}
	pw = providers.PaperworkNone
	for _, d := range out.Data {
		for _, r := range d.Requirements {
			if r.FieldType == "address" && pw == providers.PaperworkNone {
				pw = providers.PaperworkAddress
			} else if r.FieldType != "address" {
				pw = providers.PaperworkDocuments
			}
		}
	}
	p.mu.Lock()
	p.requirements[key] = pw
	p.mu.Unlock()
	return pw, nil
}
