package telnyx

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/vnum-cli/vnum/internal/phone"
	"github.com/vnum-cli/vnum/providers"
)

const (
	// messageWindow is how far back Telnyx keeps message texts (GET /v2/messages/{id} serves
	// messages no older than 10 days): older records are not searched.
	messageWindow = 10 * 24 * time.Hour
	// recordPageSize is the largest page of detail records.
	recordPageSize = 50
	// maxRecordPages bounds the detail-record pages one read follows (500 messages).
	maxRecordPages = 10
)

// detailRecord is the part of a MessageDetailRecord that vnum reads.
type detailRecord struct {
	RecordType string `json:"record_type"`
	UUID       string `json:"uuid"`
	CLI        string `json:"cli"`
	CLD        string `json:"cld"`
	Direction  string `json:"direction"`
	CreatedAt  string `json:"created_at"`
}

// message is the part of Telnyx's Inbound/OutboundMessagePayload that vnum reads.
type message struct {
	ID        string `json:"id"`
	Direction string `json:"direction"`
	Text      string `json:"text"`
	From      struct {
		PhoneNumber string `json:"phone_number"`
	} `json:"from"`
	To []struct {
		PhoneNumber string `json:"phone_number"`
	} `json:"to"`
	ReceivedAt string `json:"received_at"`
	SentAt     string `json:"sent_at"`
}

func (m message) toMessage() providers.Message {
	out := providers.Message{ID: m.ID, From: m.From.PhoneNumber, Text: m.Text, Inbound: m.Direction == "inbound"}
	if len(m.To) > 0 {
		out.To = m.To[0].PhoneNumber
	}
	for _, s := range []string{m.ReceivedAt, m.SentAt} {
		if ts, err := time.Parse(time.RFC3339, s); err == nil {
			out.ReceivedAt = ts.UTC()
			break
		}
	}
	return out
}

// ensureProfile returns the id of vnum's messaging profile, creating it the first time (without
// a webhook: the detail records keep inbound messages all the same). country seeds the profile's
// list of destinations SMS may be sent to, which Telnyx requires.
func (p *Provider) ensureProfile(ctx context.Context, op, country string) (string, error) {
	p.mu.Lock()
	id := p.profileID
	p.mu.Unlock()
	if id != "" {
		return id, nil
	}
	q := url.Values{}
	q.Set("filter[name]", ProfileName)
	q.Set("page[size]", "250")
	var list struct {
		Data []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"data"`
	}
	if err := p.do(ctx, op, http.MethodGet, "/v2/messaging_profiles", &request{query: q}, &list); err != nil {
		return "", err
	}
	for _, mp := range list.Data {
		if mp.Name == ProfileName && mp.ID != "" {
			id = mp.ID
			break
		}
	}
	if id == "" {
		destinations := []string{"US"}
		if cc := strings.ToUpper(country); len(cc) == 2 && cc != "US" {
			destinations = append(destinations, cc)
		}
		var created struct {
			Data struct {
				ID string `json:"id"`
			} `json:"data"`
		}
		body := map[string]any{"name": ProfileName, "whitelisted_destinations": destinations, "webhook_api_version": "2"}
		// Creating a profile twice leaves two of that name, not a cost: a lost answer is read as
		// failure, and the next call finds the profile by name.
		if err := p.do(ctx, op, http.MethodPost, "/v2/messaging_profiles", &request{body: body}, &created); err != nil {
			return "", err
		}
		id = created.Data.ID
	}
	if id == "" {
		return "", &providers.Error{Provider: Name, Op: op, Message: "Telnyx answered the messaging profile request without an id"}
	}
	p.mu.Lock()
	p.profileID = id
	p.mu.Unlock()
	return id, nil
}

// attach puts a number that is on no messaging profile on vnum's, so that its SMS are recorded.
// A number on a profile of the user's stays there: its records are kept all the same.
func (p *Provider) attach(ctx context.Context, op string, n phoneNumber) error {
	p.mu.Lock()
	done := p.attached[n.ID]
	p.mu.Unlock()
	if done || deref(n.MessagingProfileID) != "" {
		return nil
	}
	profile, err := p.ensureProfile(ctx, op, n.Country)
	if err != nil {
		return err
	}
	err = p.do(ctx, op, http.MethodPatch, "/v2/phone_numbers/"+n.ID+"/messaging",
		&request{body: map[string]any{"messaging_profile_id": profile}, notFound: notOwnedMsg(n.ID)}, nil)
	if err != nil {
		return err
	}
	p.mu.Lock()
	p.attached[n.ID] = true
	p.mu.Unlock()
	return nil
}

// Messages implements providers.MessageReader without a webhook: the number's inbound message
// detail records since `since` (at most ten days back), each joined to its text with
// GET /v2/messages/{uuid}. A message whose text Telnyx does not give (redaction, or older than
// its ten days) is Withheld. Texts already read are not asked for again.
func (p *Provider) Messages(ctx context.Context, id string, since time.Time) ([]providers.Message, error) {
	const op = "messages"
	if err := checkID(ctx, op, id); err != nil {
		return nil, err
	}
	ctx, cancel := bound(ctx)
	defer cancel()
	n, err := p.known(ctx, op, id)
	if err != nil {
		return nil, err
	}
	if err := p.attach(ctx, op, n); err != nil {
		if ctx.Err() != nil || errors.Is(err, providers.ErrUnauthorized) {
			return nil, err
		}
		p.warn("telnyx: %s is on no messaging profile and could not be put on vnum's (%v): Telnyx may not accept SMS to it", n.PhoneNumber, err)
	}
	from := time.Now().Add(-messageWindow)
	if since.After(from) {
		from = since
	}
	records, err := p.records(ctx, op, n.PhoneNumber, from)
	if err != nil {
		return nil, err
	}
	out := make([]providers.Message, 0, len(records))
	for _, r := range records {
		m, err := p.text(ctx, op, r)
		if err != nil {
			return nil, err
		}
		if !since.IsZero() && m.ReceivedAt.Before(since) {
			continue
		}
		out = append(out, m)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].ReceivedAt.Before(out[j].ReceivedAt) })
	return out, nil
}

// records lists the inbound messaging detail records of a number created at or after from.
func (p *Provider) records(ctx context.Context, op, number string, from time.Time) ([]detailRecord, error) {
	var all []detailRecord
	seen := map[string]bool{}
	for page := 1; page <= maxRecordPages; page++ {
		q := url.Values{}
		q.Set("filter[record_type]", "messaging")
		q.Set("filter[direction]", "inbound")
		q.Set("filter[cld]", number)
		q.Set("filter[created_at][gte]", from.UTC().Format(time.RFC3339))
		q.Set("sort", "created_at")
		q.Set("page[number]", strconv.Itoa(page))
		q.Set("page[size]", strconv.Itoa(recordPageSize))
		var out struct {
			Data []detailRecord `json:"data"`
			Meta pageMeta       `json:"meta"`
		}
		if err := p.do(ctx, op, http.MethodGet, "/v2/detail_records", &request{query: q}, &out); err != nil {
			return nil, err
		}
		for _, r := range out.Data {
			// The filters are documented as generic; what came back is checked all the same.
			if r.UUID == "" || seen[r.UUID] || r.Direction != "inbound" || r.CLD != number {
				continue
			}
			seen[r.UUID] = true
			all = append(all, r)
		}
		if len(out.Data) < recordPageSize || (out.Meta.TotalPages > 0 && page >= out.Meta.TotalPages) {
			break
		}
	}
	return all, nil
}

// text joins a detail record to its message, from the cache when read before.
func (p *Provider) text(ctx context.Context, op string, r detailRecord) (providers.Message, error) {
	p.mu.Lock()
	m, ok := p.texts[r.UUID]
	p.mu.Unlock()
	if ok {
		return m, nil
	}
	var out struct {
		Data message `json:"data"`
	}
	err := p.do(ctx, op, http.MethodGet, "/v2/messages/"+url.PathEscape(r.UUID), &request{notFound: "message " + r.UUID + " not found"}, &out)
	switch {
	case errors.Is(err, providers.ErrNotFound):
		// The record exists but its message cannot be read (too old, or not joinable):
		// received, text withheld.
		m = providers.Message{ID: r.UUID, From: r.CLI, To: r.CLD, Inbound: true, Withheld: true}
	case err != nil:
		return providers.Message{}, err
	default:
		m = out.Data.toMessage()
		if m.ID == "" {
			m.ID = r.UUID
		}
		if m.From == "" {
			m.From = r.CLI
		}
		if m.To == "" {
			m.To = r.CLD
		}
		m.Inbound = true
		// Redaction leaves the text empty (and the sender masked).
		m.Withheld = strings.TrimSpace(m.Text) == ""
	}
	if m.ReceivedAt.IsZero() {
		if ts, err := time.Parse(time.RFC3339, r.CreatedAt); err == nil {
			m.ReceivedAt = ts.UTC()
		}
	}
	p.mu.Lock()
	p.texts[r.UUID] = m
	p.mu.Unlock()
	return m, nil
}

// SendSMS implements providers.MessageSender with POST /v2/messages. It is never repeated: a
// lost answer may mean the message went out.
func (p *Provider) SendSMS(ctx context.Context, fromID, to, text string) (providers.Message, error) {
	const op = "send"
	if err := checkID(ctx, op, fromID); err != nil {
		return providers.Message{}, err
	}
	if !phone.IsE164(to) {
		return providers.Message{}, fmt.Errorf("%s %s: %q is not an E.164 number like +33612345678", Name, op, to)
	}
	if strings.TrimSpace(text) == "" {
		return providers.Message{}, fmt.Errorf("%s %s: empty message", Name, op)
	}
	ctx, cancel := bound(ctx)
	defer cancel()
	n, err := p.known(ctx, op, fromID)
	if err != nil {
		return providers.Message{}, err
	}
	if err := p.attach(ctx, op, n); err != nil {
		return providers.Message{}, err // Telnyx sends only from numbers on a messaging profile
	}
	var out struct {
		Data message `json:"data"`
	}
	body := map[string]any{"from": n.PhoneNumber, "to": to, "text": text}
	started := time.Now()
	if err := p.do(ctx, op, http.MethodPost, "/v2/messages", &request{body: body}, &out); err != nil {
		if errors.Is(err, providers.ErrUnknownOutcome) && ctx.Err() == nil {
			if m, ok := p.findSent(ctx, n.PhoneNumber, to, text, started); ok {
				return m, nil
			}
		}
		return providers.Message{}, err
	}
	m := out.Data.toMessage()
	m.Inbound = false
	if m.From == "" {
		m.From = n.PhoneNumber
	}
	if m.To == "" {
		m.To = to
	}
	if m.Text == "" {
		m.Text = text
	}
	if m.ReceivedAt.IsZero() {
		m.ReceivedAt = time.Now().UTC()
	}
	return m, nil
}

// CheckSent implements providers.SentChecker with findSent: not finding a message proves
// nothing (detail records come after a delay).
func (p *Provider) CheckSent(ctx context.Context, fromID, to, text string, since time.Time) (providers.Message, bool, bool, error) {
	const op = "send"
	if err := checkID(ctx, op, fromID); err != nil {
		return providers.Message{}, false, false, err
	}
	ctx, cancel := bound(ctx)
	defer cancel()
	n, err := p.known(ctx, op, fromID)
	if err != nil {
		return providers.Message{}, false, false, err
	}
	m, found := p.findSent(ctx, n.PhoneNumber, to, text, since)
	if found {
		m.From, m.To, m.Text = n.PhoneNumber, to, text
	}
	return m, found, false, nil
}

// findSent looks for a message from → to with this text sent since started, among the outbound
// detail records: a send whose answer was lost may have gone out. Not finding it proves nothing
// (the record may come later), so the caller then reports the outcome as unknown.
func (p *Provider) findSent(ctx context.Context, from, to, text string, started time.Time) (providers.Message, bool) {
	deadline := time.Now().Add(p.sentLookup)
	for wait := 500 * time.Millisecond; ; wait = min(wait*2, 2*time.Second) {
		q := url.Values{}
		q.Set("filter[record_type]", "messaging")
		q.Set("filter[direction]", "outbound")
		q.Set("filter[cld]", to)
		q.Set("filter[created_at][gte]", started.Add(-time.Second).UTC().Format(time.RFC3339))
		q.Set("page[size]", strconv.Itoa(recordPageSize))
		var out struct {
			Data []detailRecord `json:"data"`
		}
		if err := p.do(ctx, "send", http.MethodGet, "/v2/detail_records", &request{query: q}, &out); err != nil {
			return providers.Message{}, false
		}
		for _, r := range out.Data {
			if r.Direction != "outbound" || r.CLI != from || r.CLD != to || r.UUID == "" {
				continue
			}
			var got struct {
				Data message `json:"data"`
			}
			if p.do(ctx, "send", http.MethodGet, "/v2/messages/"+url.PathEscape(r.UUID), nil, &got) == nil && got.Data.Text == text {
				m := got.Data.toMessage()
				m.Inbound = false
				return m, true
			}
		}
		if time.Now().Add(wait).After(deadline) || sleep(ctx, wait) != nil {
			return providers.Message{}, false
		}
	}
}
