package twilio

import (
	"context"
	"errors"
	"fmt"
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
	pageSize := p.pageSize
	records, errs := c.api.StreamIncomingPhoneNumber(&v2010.ListIncomingPhoneNumberParams{PageSize: &pageSize})
	owned, err := collect(records, errs, func(pn *v2010.ApiV2010IncomingPhoneNumber) string { return deref(pn.Sid) })
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
		n := p.toNumber(&owned[i])
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
	e164 := deref(pn.PhoneNumber)
	country, t := classify(e164)
	if tt := typeFromTwilio(deref(pn.Type)); tt != "" {
		t = tt
	}
	n := providers.Number{
		ID:      deref(pn.Sid),
		Number:  e164,
		Country: country,
		Type:    t,
		Label:   labelFrom(deref(pn.FriendlyName), e164),
		Monthly: p.cachedPrice(country, t),
		State:   stateOf(deref(pn.Status)),
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
