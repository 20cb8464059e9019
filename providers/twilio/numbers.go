package twilio

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"

	v2010 "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/vnum-cli/vnum/providers"
)

// Get implements providers.Provider. Forwarding is read back from the number's Studio flow,
// which costs one more request when there is one.
func (p *Provider) Get(ctx context.Context, id string) (providers.Number, error) {
	if err := checkID(ctx, "get", id); err != nil {
		return providers.Number{}, err
	}
	c, done, err := p.begin(ctx, "get")
	if err != nil {
		return providers.Number{}, err
	}
	defer done()
	pn, err := c.api.FetchIncomingPhoneNumber(id, nil)
	if err != nil {
		return providers.Number{}, c.fail(err)
	}
	n := p.toNumber(pn)
	for _, sid := range flowSIDs(pn) {
		fl, ok, err := c.ownFlow(sid)
		if err != nil {
			return providers.Number{}, err
		}
		if ok {
			n.Forward = fl.forward
			break
		}
	}
	return n, nil
}

// List implements providers.Provider: every owned number, 1,000 per page, plus one listing of
// Studio flows when any number is forwarded, whatever the number of numbers.
func (p *Provider) List(ctx context.Context) ([]providers.Number, error) {
	c, done, err := p.begin(ctx, "list")
	if err != nil {
		return nil, err
	}
	defer done()
	owned, err := c.ownedNumbers(p.pageSize)
	if err != nil {
		return nil, c.failList(err)
	}
	// A record without its number's SID is not one of Twilio's: the page is not the listing it
	// claims to be (a gateway's page, a truncated answer), and a list that may be missing numbers
	// must not read as complete.
	for i := range owned {
		if sid := deref(owned[i].Sid); !numberSIDPattern.MatchString(sid) {
			return nil, &providers.Error{Provider: Name, Op: c.op, Kind: providers.ErrTemporary,
				Message: fmt.Sprintf("Twilio's list of numbers holds a record without a valid number SID (%q): the list was not read", truncate(sid, 40))}
		}
	}
	var flows map[string]providers.Forwarding
	out := make([]providers.Number, 0, len(owned))
	for i := range owned {
		n := p.listed(&owned[i])
		for _, sid := range flowSIDs(&owned[i]) {
			if flows == nil {
				if flows, err = c.ownFlows(); err != nil {
					return nil, err
				}
			}
			if f, ok := flows[sid]; ok {
				n.Forward = f
				break
			}
		}
		out = append(out, n)
	}
	return out, nil
}

// ownedNumbers reads every page of IncomingPhoneNumbers, each number once. It pages and decodes
// itself: twilio-go's Stream encodes every page back to JSON and decodes it again only to find
// next_page_uri, and its model decodes some 35 fields per number where List reads 9; together
// that was most of what a list of 1,000 numbers cost vnum. Next pages are requested on the same
// path with next_page_uri's Page and PageToken, and the transport still stops a page read twice.
func (c *call) ownedNumbers(pageSize int) ([]v2010.ApiV2010IncomingPhoneNumber, error) {
	var out []v2010.ApiV2010IncomingPhoneNumber
	seen := map[string]bool{}
	token, page := "", ""
	for {
		resp, err := c.ownedPage(pageSize, token, page)
		if errors.Is(err, errPageLoop) {
			return out, nil // every number of a looping list has been seen by then
		}
		if err != nil {
			return nil, err
		}
		for i := range resp.Numbers {
			pn := resp.Numbers[i].model()
			if sid := deref(pn.Sid); sid != "" {
				if seen[sid] {
					continue
				}
				seen[sid] = true
			}
			out = append(out, pn)
		}
		next := deref(resp.NextPageURI)
		if next == "" {
			return out, nil
		}
		u, err := url.Parse(next)
		if err != nil {
			return nil, fmt.Errorf("twilio: unreadable next_page_uri %q: %w", next, err)
		}
		q := u.Query()
		token, page = q.Get("PageToken"), q.Get("Page")
		if token == "" && page == "" {
			return out, nil
		}
	}
}

// ownedPage is one page of IncomingPhoneNumbers with only what List reads.
type ownedPage struct {
	NextPageURI *string        `json:"next_page_uri"`
	Numbers     []ownedListing `json:"incoming_phone_numbers"`
}

// ownedListing is the part of an IncomingPhoneNumber that List reads.
type ownedListing struct {
	Sid          *string                                               `json:"sid"`
	PhoneNumber  *string                                               `json:"phone_number"`
	FriendlyName *string                                               `json:"friendly_name"`
	Status       *string                                               `json:"status"`
	Type         *string                                               `json:"type"`
	DateCreated  *string                                               `json:"date_created"`
	VoiceURL     *string                                               `json:"voice_url"`
	SmsURL       *string                                               `json:"sms_url"`
	Capabilities *v2010.ApiV2010AccountIncomingPhoneNumberCapabilities `json:"capabilities"`
}

func (l *ownedListing) model() v2010.ApiV2010IncomingPhoneNumber {
	return v2010.ApiV2010IncomingPhoneNumber{
		Sid: l.Sid, PhoneNumber: l.PhoneNumber, FriendlyName: l.FriendlyName, Status: l.Status, Type: l.Type,
		DateCreated: l.DateCreated, VoiceUrl: l.VoiceURL, SmsUrl: l.SmsURL, Capabilities: l.Capabilities,
	}
}

// ownedPage requests one page through twilio-go's request handler (credentials, errors as
// *TwilioRestError, the base-URL override), as PageIncomingPhoneNumber would.
func (c *call) ownedPage(pageSize int, token, page string) (*ownedPage, error) {
	data := url.Values{}
	data.Set("PageSize", strconv.Itoa(pageSize))
	if token != "" {
		data.Set("PageToken", token)
	}
	if page != "" {
		data.Set("Page", page)
	}
	resp, err := c.rh.Get("https://api.twilio.com/2010-04-01/Accounts/"+c.p.accountSID+"/IncomingPhoneNumbers.json",
		data, map[string]any{"Content-Type": "application/x-www-form-urlencoded"}, "")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	return decodeOwnedPage(body)
}

// SetLabel implements providers.Labeler. The label is Twilio's FriendlyName (64 characters at
// most); an empty label puts back Twilio's default, the number itself.
func (p *Provider) SetLabel(ctx context.Context, id, label string) error {
	if err := checkID(ctx, "label", id); err != nil {
		return err
	}
	c, done, err := p.begin(ctx, "label")
	if err != nil {
		return err
	}
	defer done()
	name := truncate(strings.TrimSpace(label), maxFriendlyName)
	if name == "" {
		if name, err = p.phoneFor(c, id); err != nil {
			return err
		}
	}
	params := &v2010.UpdateIncomingPhoneNumberParams{}
	params.SetFriendlyName(name)
	if _, err := c.api.UpdateIncomingPhoneNumber(id, params); err != nil {
		return c.fail(err)
	}
	return nil
}

// Release implements providers.Provider. The number's forwarding flow goes first, so that no
// flow outlives its number.
func (p *Provider) Release(ctx context.Context, id string) error {
	if err := checkID(ctx, "release", id); err != nil {
		return err
	}
	c, done, err := p.begin(ctx, "release")
	if err != nil {
		return err
	}
	defer done()
	pn, err := c.api.FetchIncomingPhoneNumber(id, nil)
	if err != nil {
		return c.fail(err)
	}
	for _, sid := range flowSIDs(pn) {
		if err := c.deleteOwnFlow(sid); err != nil {
			return err
		}
	}
	// Also a flow made for the number that it never pointed at (its creation answer was lost).
	orphans, err := c.flowsNamedFor(id)
	if err != nil {
		return err
	}
	for _, sid := range orphans {
		if err := c.deleteFlow(sid); err != nil {
			return err
		}
	}
	if err := c.api.DeleteIncomingPhoneNumber(id, nil); err != nil {
		return c.fail(err)
	}
	p.mu.Lock()
	delete(p.phoneBySID, id)
	p.mu.Unlock()
	return nil
}

// phoneFor returns the E.164 number of an owned PN SID, from memory when this Provider has seen
// it before (a SID never changes number), else with one request.
func (p *Provider) phoneFor(c *call, id string) (string, error) {
	p.mu.Lock()
	e164, ok := p.phoneBySID[id]
	p.mu.Unlock()
	if ok {
		return e164, nil
	}
	pn, err := c.api.FetchIncomingPhoneNumber(id, nil)
	if err != nil {
		return "", c.fail(err)
	}
	e164 = p.toNumber(pn).Number
	if !isE164(e164) {
		// Querying with it would ask about some other number, or with To= empty, all of them.
		return "", &providers.Error{Provider: Name, Op: c.op, Message: fmt.Sprintf("Twilio gave no valid phone number for %s (%q)", id, truncate(e164, 40))}
	}
	return e164, nil
}

// toNumber converts Twilio's IncomingPhoneNumber. Forwarding is filled in by the caller.
func (p *Provider) toNumber(pn *v2010.ApiV2010IncomingPhoneNumber) providers.Number {
	n := p.listed(pn)
	num := parse(n.Number)
	n.Country, n.Type = classifyParsed(num)
	if tt := typeFromTwilio(deref(pn.Type)); tt != "" {
		n.Type = tt
	}
	n.Monthly = p.cachedPrice(n.Country, n.Type)
	return n
}

// listed converts an IncomingPhoneNumber as List reports it: without the country and type,
// which Twilio does not give and which libphonenumber takes most of a list's time to derive
// (vnum derives them once, when it first records a number), and so without a price.
func (p *Provider) listed(pn *v2010.ApiV2010IncomingPhoneNumber) providers.Number {
	e164 := deref(pn.PhoneNumber)
	n := providers.Number{
		ID:     deref(pn.Sid),
		Number: e164,
		Type:   typeFromTwilio(deref(pn.Type)),
		Label:  labelFrom(deref(pn.FriendlyName), e164),
		State:  stateOf(deref(pn.Status)),
	}
	if caps := pn.Capabilities; caps != nil {
		n.Features = providers.Features{Voice: caps.Voice, SMS: caps.Sms, MMS: caps.Mms}
	}
	if ts, err := parseTwilioTime(deref(pn.DateCreated)); err == nil {
		n.CreatedAt = ts
	}
	if n.ID != "" && e164 != "" {
		p.mu.Lock()
		p.phoneBySID[n.ID] = e164
		p.mu.Unlock()
	}
	return n
}

// stateOf maps IncomingPhoneNumber.status. Twilio provisions synchronously, so a number it
// lists is in use unless it says otherwise.
func stateOf(status string) providers.State {
	s := strings.ToLower(status)
	switch {
	case strings.Contains(s, "pending"):
		return providers.StatePending
	case strings.Contains(s, "fail"):
		return providers.StateFailed
	}
	return providers.StateActive
}

// parseTwilioTime reads the RFC 2822 dates of the 2010 API ("Thu, 30 Jul 2015 23:19:04 +0000").
func parseTwilioTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC1123Z, time.RFC1123, time.RFC3339} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, errors.New("not an RFC 2822 date")
}

// truncate cuts s to at most n characters without splitting one.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return strings.TrimSpace(string(r[:n]))
}
