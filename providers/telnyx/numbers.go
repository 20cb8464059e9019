package telnyx

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vnum-cli/vnum/internal/lazyre"
	"github.com/vnum-cli/vnum/internal/phone"
	"github.com/vnum-cli/vnum/providers"
	"github.com/vnum-cli/vnum/providers/internal/pages"
)

// phoneNumber is the part of Telnyx's PhoneNumberDetailed that vnum reads.
type phoneNumber struct {
	ID                 string   `json:"id"`
	PhoneNumber        string   `json:"phone_number"`
	Status             string   `json:"status"`
	Country            string   `json:"country_iso_alpha2"`
	Type               string   `json:"phone_number_type"`
	CustomerReference  *string  `json:"customer_reference"`
	Tags               []string `json:"tags"`
	MessagingProfileID *string  `json:"messaging_profile_id"`
	ConnectionID       *string  `json:"connection_id"`
	PurchasedAt        string   `json:"purchased_at"`
	CreatedAt          string   `json:"created_at"`
}

// voiceSettings is the part of PhoneNumberWithVoiceSettings that vnum reads.
type voiceSettings struct {
	ID             string `json:"id"`
	PhoneNumber    string `json:"phone_number"`
	CallForwarding *struct {
		Enabled        *bool  `json:"call_forwarding_enabled"`
		ForwardsTo     string `json:"forwards_to"`
		ForwardingType string `json:"forwarding_type"`
	} `json:"call_forwarding"`
}

// forwarding is where the settings send calls: nowhere unless enabled with a target.
func (v *voiceSettings) forwarding() providers.Forwarding {
	if v == nil || v.CallForwarding == nil {
		return providers.Forwarding{}
	}
	cf := v.CallForwarding
	// call_forwarding_enabled defaults to true; forwards_to blank means not forwarded.
	if (cf.Enabled != nil && !*cf.Enabled) || strings.TrimSpace(cf.ForwardsTo) == "" {
		return providers.Forwarding{}
	}
	return providers.Forwarding{Calls: cf.ForwardsTo}
}

// referencePattern is what vnum puts in an order's customer_reference (its operation id), which
// Telnyx may copy onto the number: not a label.
var referencePattern = lazyre.New(`^vnum-(op-[0-9]+|[0-9a-f]{24})$`)

// toNumber turns Telnyx's record into vnum's.
func toNumber(n phoneNumber, v *voiceSettings) providers.Number {
	out := providers.Number{
		ID:      n.ID,
		Number:  n.PhoneNumber,
		Country: strings.ToUpper(n.Country),
		Type:    fromTelnyxType(n.Type),
		State:   stateOf(n.Status),
		Forward: v.forwarding(),
	}
	if ref := deref(n.CustomerReference); !referencePattern.MatchString(ref) {
		out.Label = ref
	}
	if out.Country == "" || out.Type == "" {
		cc, t := classify(n.PhoneNumber)
		if out.Country == "" {
			out.Country = cc
		}
		if out.Type == "" {
			out.Type = t
		}
	}
	for _, s := range []string{n.PurchasedAt, n.CreatedAt} {
		if ts, err := time.Parse(time.RFC3339, s); err == nil {
			out.CreatedAt = ts.UTC()
			break
		}
	}
	return out
}

// stateOf maps a phone number's status.
func stateOf(status string) providers.State {
	switch status {
	case "purchase-pending", "provision-pending", "port-pending":
		return providers.StatePending
	case "requirement-info-pending", "requirement-info-under-review", "requirement-info-exception":
		return providers.StatePendingDocuments
	case "purchase-failed", "port-failed":
		return providers.StateFailed
	}
	return providers.StateActive
}

// gone reports a status of a number the account no longer has.
func gone(status string) bool {
	return status == "deleted" || status == "ported-out"
}

func fromTelnyxType(s string) providers.NumberType {
	switch s {
	case "local", "landline", "longcode":
		return providers.TypeLocal
	case "mobile":
		return providers.TypeMobile
	case "national", "shared_cost":
		return providers.TypeNational
	case "toll_free", "tollfree":
		return providers.TypeTollFree
	}
	return ""
}

func toTelnyxType(t providers.NumberType) string {
	switch t {
	case providers.TypeTollFree:
		return "toll_free"
	case providers.TypeLocal, providers.TypeMobile, providers.TypeNational:
		return string(t)
	}
	return ""
}

// idPattern is the shape of Telnyx's phone number ids ("1293384261075731499"). Anything else is
// refused before a request: it would land in the URL path.
var idPattern = lazyre.New(`^[0-9A-Za-z-]{1,64}$`)

func errNotOwned(op, id string) error {
	return &providers.Error{Provider: Name, Op: op, Status: http.StatusNotFound, Kind: providers.ErrNotFound,
		Message: fmt.Sprintf("no number %q on this Telnyx account", id)}
}

func checkID(ctx context.Context, op, id string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s %s: %w", Name, op, err)
	}
	if !idPattern.MatchString(id) {
		return errNotOwned(op, id)
	}
	return nil
}

// Get implements providers.Provider: the number and its voice settings, read together.
func (p *Provider) Get(ctx context.Context, id string) (providers.Number, error) {
	const op = "get"
	if err := checkID(ctx, op, id); err != nil {
		return providers.Number{}, err
	}
	ctx, cancel := bound(ctx)
	defer cancel()
	var (
		wg    sync.WaitGroup
		voice struct {
			Data voiceSettings `json:"data"`
		}
		verr error
	)
	wg.Go(func() {
		verr = p.do(ctx, op, http.MethodGet, "/v2/phone_numbers/"+id+"/voice", &request{notFound: notOwnedMsg(id)}, &voice)
	})
	n, err := p.number(ctx, op, id)
	wg.Wait()
	if err != nil {
		return providers.Number{}, err
	}
	if verr != nil && n.Status == "active" {
		return providers.Number{}, verr
	}
	return toNumber(n, &voice.Data), nil
}

func notOwnedMsg(id string) string { return fmt.Sprintf("no number %q on this Telnyx account", id) }

// number reads one number and remembers it.
func (p *Provider) number(ctx context.Context, op, id string) (phoneNumber, error) {
	var out struct {
		Data phoneNumber `json:"data"`
	}
	if err := p.do(ctx, op, http.MethodGet, "/v2/phone_numbers/"+id, &request{notFound: notOwnedMsg(id)}, &out); err != nil {
		return phoneNumber{}, err
	}
	if gone(out.Data.Status) {
		return phoneNumber{}, errNotOwned(op, id)
	}
	p.remember(out.Data)
	return out.Data, nil
}

func (p *Provider) remember(n phoneNumber) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.numbers[n.ID] = n
	if deref(n.MessagingProfileID) != "" {
		p.attached[n.ID] = true
	}
}

// known returns a number read earlier by this Provider, or reads it.
func (p *Provider) known(ctx context.Context, op, id string) (phoneNumber, error) {
	p.mu.Lock()
	n, ok := p.numbers[id]
	p.mu.Unlock()
	if ok {
		return n, nil
	}
	return p.number(ctx, op, id)
}

// List implements providers.Provider: every number and every number's voice settings, at
// Telnyx's largest page size. The first page of each list is read at once; the rest of the pages,
// whose count the first page gives, are read in parallel.
func (p *Provider) List(ctx context.Context) ([]providers.Number, error) {
	const op = "list"
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%s %s: %w", Name, op, err)
	}
	ctx, cancel := bound(ctx)
	defer cancel()
	var (
		wg     sync.WaitGroup
		voices []voiceSettings
		verr   error
	)
	wg.Go(func() { voices, verr = listAll[voiceSettings](ctx, p, op, "/v2/phone_numbers/voice", nil) })
	numbers, err := listAll[phoneNumber](ctx, p, op, "/v2/phone_numbers", nil)
	wg.Wait()
	if err != nil {
		return nil, err
	}
	if verr != nil {
		return nil, verr
	}
	byID := make(map[string]*voiceSettings, len(voices))
	for i := range voices {
		byID[voices[i].ID] = &voices[i]
	}
	out := make([]providers.Number, 0, len(numbers))
	seen := make(map[string]bool, len(numbers))
	for _, n := range numbers {
		if seen[n.ID] || gone(n.Status) || n.Status == "purchase-failed" {
			continue // a page that shifted under us repeats a record; a failed order left nothing owned
		}
		seen[n.ID] = true
		p.remember(n)
		out = append(out, toNumber(n, byID[n.ID]))
	}
	return out, nil
}

// listAll reads every page of a list: the first, then the others in parallel (listConcurrency
// at a time).
func listAll[T any](ctx context.Context, p *Provider, op, path string, filter url.Values) ([]T, error) {
	page := func(n int) ([]T, pageMeta, error) {
		q := url.Values{}
		for k, v := range filter {
			q[k] = v
		}
		q.Set("page[number]", strconv.Itoa(n))
		q.Set("page[size]", strconv.Itoa(listPageSize))
		var out struct {
			Data []T      `json:"data"`
			Meta pageMeta `json:"meta"`
		}
		err := p.do(ctx, op, http.MethodGet, path, &request{query: q}, &out)
		return out.Data, out.Meta, err
	}
	first, meta, err := page(1)
	if err != nil {
		return nil, err
	}
	last := meta.TotalPages
	if last > maxPages {
		return nil, &providers.Error{Provider: Name, Op: op,
			Message: fmt.Sprintf("Telnyx's list goes on past %d pages: vnum stopped reading it", maxPages)}
	}
	rest, err := pages.Rest(last, listConcurrency, func(n int) ([]T, error) {
		data, _, err := page(n)
		return data, err
	})
	if err != nil {
		return nil, err
	}
	return append(first, rest...), nil
}

// findByNumber looks an E.164 number up among the account's numbers.
func (p *Provider) findByNumber(ctx context.Context, op, e164 string) (phoneNumber, bool, error) {
	q := url.Values{}
	q.Set("filter[phone_number]", e164)
	var out struct {
		Data []phoneNumber `json:"data"`
	}
	if err := p.do(ctx, op, http.MethodGet, "/v2/phone_numbers", &request{query: q}, &out); err != nil {
		return phoneNumber{}, false, err
	}
	for _, n := range out.Data {
		if n.PhoneNumber == e164 && !gone(n.Status) {
			p.remember(n)
			return n, true, nil
		}
	}
	return phoneNumber{}, false, nil
}

// Release implements providers.Provider.
func (p *Provider) Release(ctx context.Context, id string) error {
	const op = "release"
	if err := checkID(ctx, op, id); err != nil {
		return err
	}
	ctx, cancel := bound(ctx)
	defer cancel()
	err := p.do(ctx, op, http.MethodDelete, "/v2/phone_numbers/"+id, &request{notFound: notOwnedMsg(id)}, nil)
	if err == nil {
		p.mu.Lock()
		delete(p.numbers, id)
		p.mu.Unlock()
	}
	return err
}

// SetLabel implements providers.Labeler: the label is the number's customer_reference, so a
// `vnum list` on another machine recovers it.
func (p *Provider) SetLabel(ctx context.Context, id, label string) error {
	const op = "label"
	if err := checkID(ctx, op, id); err != nil {
		return err
	}
	ctx, cancel := bound(ctx)
	defer cancel()
	return p.setReference(ctx, op, id, label)
}

func (p *Provider) setReference(ctx context.Context, op, id, label string) error {
	var out struct {
		Data phoneNumber `json:"data"`
	}
	err := p.do(ctx, op, http.MethodPatch, "/v2/phone_numbers/"+id,
		&request{body: map[string]any{"customer_reference": strings.TrimSpace(label)}, notFound: notOwnedMsg(id)}, &out)
	if err == nil && out.Data.ID != "" {
		p.remember(out.Data)
	}
	return err
}

// classify derives a number's country and type from the number itself, as vnum does for what a
// carrier leaves out (internal/phone), for records that do not say (search results carry no type).
func classify(e164 string) (country string, t providers.NumberType) {
	return phone.Country(e164), phone.TypeOf(e164)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
