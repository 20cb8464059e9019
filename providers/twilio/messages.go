package twilio

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	v2010 "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/vnum-cli/vnum/providers"
)

// Messages implements providers.MessageReader. Twilio keeps every message a number receives,
// webhook or not; its DateSent filter works by day (GMT), so the exact time and the direction
// are filtered here.
func (p *Provider) Messages(ctx context.Context, id string, since time.Time) ([]providers.Message, error) {
	if err := checkID(ctx, "messages", id); err != nil {
		return nil, err
	}
	c, done, err := p.begin(ctx, "messages")
	if err != nil {
		return nil, err
	}
	defer done()
	number, err := p.phoneFor(c, id)
	if err != nil {
		return nil, err
	}
	pageSize := p.pageSize
	params := &v2010.ListMessageParams{PageSize: &pageSize}
	params.SetTo(number)
	if !since.IsZero() {
		day := since.UTC().Truncate(24 * time.Hour)
		params.SetDateSentAfter(day)
	}
	records, errs := c.api.StreamMessage(params)
	list, err := collect(records, errs, func(m *v2010.ApiV2010Message) string { return deref(m.Sid) })
	if err != nil {
		return nil, c.failList(err)
	}
	// Twilio lists newest first; walking backwards and sorting stably keeps its order for
	// messages stamped in the same second (its dates have no fractions).
	out := make([]providers.Message, 0, len(list))
	for i := len(list) - 1; i >= 0; i-- {
		m := toMessage(&list[i])
		if !m.Inbound || m.To != number || (!since.IsZero() && m.ReceivedAt.Before(since)) {
			continue
		}
		out = append(out, m)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].ReceivedAt.Before(out[j].ReceivedAt) })
	return out, nil
}

// SendSMS implements providers.MessageSender. It is never repeated: a lost answer may mean the
// message went out.
func (p *Provider) SendSMS(ctx context.Context, fromID, to, text string) (providers.Message, error) {
	if err := checkID(ctx, "send", fromID); err != nil {
		return providers.Message{}, err
	}
	if !isE164(to) {
		return providers.Message{}, fmt.Errorf("twilio send: %q is not an E.164 number like +33612345678", to)
	}
	if strings.TrimSpace(text) == "" {
		return providers.Message{}, fmt.Errorf("twilio send: empty message")
	}
	c, done, err := p.begin(ctx, "send")
	if err != nil {
		return providers.Message{}, err
	}
	defer done()
	from, err := p.phoneFor(c, fromID)
	if err != nil {
		return providers.Message{}, err
	}
	params := &v2010.CreateMessageParams{}
	params.SetFrom(from)
	params.SetTo(to)
	params.SetBody(text)
	sent, err := c.api.CreateMessage(params)
	if err != nil {
		return providers.Message{}, c.failOnce(err)
	}
	m := toMessage(sent)
	if m.ReceivedAt.IsZero() {
		m.ReceivedAt = time.Now().UTC()
	}
	return m, nil
}

func toMessage(m *v2010.ApiV2010Message) providers.Message {
	out := providers.Message{
		ID:       deref(m.Sid),
		From:     deref(m.From),
		To:       deref(m.To),
		Text:     deref(m.Body),
		Inbound:  deref(m.Direction) == "inbound",
		Withheld: deref(m.ErrorCode) == codeWithheld,
	}
	for _, s := range []*string{m.DateSent, m.DateCreated} {
		if ts, err := parseTwilioTime(deref(s)); err == nil {
			out.ReceivedAt = ts
			break
		}
	}
	return out
}
