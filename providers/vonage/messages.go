package vonage

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/vnum-cli/vnum/internal/phone"
	"github.com/vnum-cli/vnum/providers"
)

// The Reports API's synchronous read of records.
const (
	pathRecords = "/v2/reports/records"
	// reportsWindow is the longest span one Reports query may cover.
	reportsWindow = 24 * time.Hour
	// maxBatches bounds the next links one read follows (1,000 records each).
	maxBatches = 50
)

// reportsNotice is said once per account: reading SMS back is not free on Vonage.
const reportsNotice = "vonage: vnum reads SMS through Vonage's Reports API, which Vonage bills per record returned " +
	"(https://www.vonage.com/communications-apis/pricing/): each `sms list` or `sms wait` poll asks for the inbound SMS " +
	"of the last 24 hours at most. This notice is shown once per account."

type record struct {
	MessageID    string `json:"message_id"`
	Direction    string `json:"direction"`
	From         string `json:"from"`
	To           string `json:"to"`
	DateReceived string `json:"date_received"`
	MessageBody  string `json:"message_body"`
}

type records struct {
	Links struct {
		Next *struct {
			Href string `json:"href"`
		} `json:"next"`
	} `json:"_links"`
	RequestStatus string   `json:"request_status"`
	Records       []record `json:"records"`
}

// Messages implements providers.MessageReader through the Reports API: the account's inbound
// SMS of at most the last 24 hours (the longest window one query may span), with their text,
// filtered here on the number (the synchronous query has no documented filter on it), oldest
// first. No webhook or server is needed.
func (p *Provider) Messages(ctx context.Context, id string, since time.Time) (out []providers.Message, err error) {
	defer func() { err = p.scrub(err) }()
	c, done, err := p.begin(ctx, "messages")
	if err != nil {
		return nil, err
	}
	defer done()
	if err := checkID(c.op, id); err != nil {
		return nil, err
	}
	p.billingNotice()
	end := time.Now().UTC().Truncate(time.Second).Add(time.Second) // exclusive
	start := end.Add(-reportsWindow)
	if since.After(start) {
		start = since.UTC().Truncate(time.Millisecond)
	}
	if !start.Before(end) {
		return nil, nil
	}
	q := url.Values{
		"account_id":      {p.key},
		"product":         {"SMS"},
		"direction":       {"inbound"},
		"include_message": {"true"},
		"date_start":      {start.Format(reportsTime)},
		"date_end":        {end.Format(reportsTime)},
	}
	next := p.apiBase + pathRecords + "?" + q.Encode()
	seen := map[string]bool{}
	for batch := 0; next != "" && batch < maxBatches; batch++ {
		seen[next] = true
		var rs records
		var err error
		if batch == 0 {
			err = c.records(q, &rs)
		} else {
			err = c.apiGet(next, &rs)
		}
		if err != nil {
			return nil, err
		}
		if st := strings.ToUpper(rs.RequestStatus); st == "FAILED" || st == "ABORTED" {
			// Not an empty inbox: a query Vonage gave up on. Worth asking again.
			return nil, &providers.Error{Provider: Name, Op: c.op, Kind: providers.ErrTemporary,
				Message: "Vonage's Reports API did not finish the query (" + st + ")"}
		}
		for _, r := range rs.Records {
			if strings.TrimPrefix(r.To, "+") != id || (r.Direction != "" && r.Direction != "inbound") {
				continue
			}
			m := r.message()
			if m.ReceivedAt.Before(since) {
				continue
			}
			out = append(out, m)
		}
		next = ""
		if rs.Links.Next != nil && rs.Links.Next.Href != "" {
			link, err := p.sameHost(rs.Links.Next.Href)
			if err != nil {
				return nil, &providers.Error{Provider: Name, Op: c.op, Message: err.Error()}
			}
			if !seen[link] {
				next = link
			}
		}
	}
	slices.SortStableFunc(out, func(a, b providers.Message) int { return a.ReceivedAt.Compare(b.ReceivedAt) })
	return slices.CompactFunc(out, func(a, b providers.Message) bool { return a.ID != "" && a.ID == b.ID }), nil
}

// reportsTime is how vnum writes the window: ISO 8601 in UTC, to the millisecond.
const reportsTime = "2006-01-02T15:04:05.000Z07:00"

// records asks the Reports API for the records q names (date_start and date_end in reportsTime).
// Vonage's document declares the two as `format: date` while its text, its example and the
// API take date-times: a gateway or mock that checks requests against the document refuses a
// date-time with 422. Then the window is asked again as whole days (the days of date_start to
// the day after date_end's, end exclusive); every caller keeps only the records of its own
// window, so the wider answer loses nothing and adds nothing.
func (c *call) records(q url.Values, out any) error {
	err := c.apiGet(c.p.apiBase+pathRecords+"?"+q.Encode(), out)
	var perr *providers.Error
	if err == nil || !errors.As(err, &perr) || perr.Status != http.StatusUnprocessableEntity {
		return err
	}
	start, serr := time.Parse(reportsTime, q.Get("date_start"))
	end, eerr := time.Parse(reportsTime, q.Get("date_end"))
	if serr != nil || eerr != nil {
		return err
	}
	days := url.Values{}
	for k, v := range q {
		days[k] = v
	}
	days.Set("date_start", start.UTC().Format(time.DateOnly))
	days.Set("date_end", end.UTC().AddDate(0, 0, 1).Format(time.DateOnly))
	if derr := c.apiGet(c.p.apiBase+pathRecords+"?"+days.Encode(), out); derr != nil {
		return err // the first refusal says what was wrong with vnum's own question
	}
	return nil
}

// sameHost resolves a next link and accepts it only on the Reports API's own scheme and host:
// the request carries the Basic credentials.
func (p *Provider) sameHost(href string) (string, error) {
	base, err := url.Parse(p.apiBase)
	if err != nil {
		return "", err
	}
	u, err := base.Parse(href)
	if err != nil || u.Scheme != base.Scheme || u.Host != base.Host {
		return "", errors.New("the answer of Vonage's Reports API sent vnum on to another host: not followed, so the credentials stay with Vonage")
	}
	return u.String(), nil
}

func (r record) message() providers.Message {
	m := providers.Message{
		ID:      r.MessageID,
		From:    r.From,
		To:      "+" + strings.TrimPrefix(r.To, "+"),
		Text:    r.MessageBody,
		Inbound: true,
	}
	if phone.IsE164("+" + r.From) {
		m.From = "+" + r.From // a number; anything else is an alphanumeric sender id
	}
	m.ReceivedAt, _ = parseReportsTime(r.DateReceived)
	return m
}

// parseReportsTime reads the Reports API's times, which its documents write both as RFC 3339
// and with an offset without a colon ("2017-12-01T00:00:00+0000").
func parseReportsTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700", "2006-01-02T15:04:05.999999999-0700"} {
		if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not an ISO 8601 time", s)
}

// billingNotice warns, once per account, that the Reports API is billed. The account's marker
// lives in vnum's data directory; without one, the notice is given once per run.
func (p *Provider) billingNotice() {
	p.mu.Lock()
	already := p.noticed
	p.noticed = true
	p.mu.Unlock()
	if already {
		return
	}
	if p.dataDir != "" {
		marker := filepath.Join(p.dataDir, "vonage-reports-notice-"+safeName(p.key))
		if _, err := os.Stat(marker); err == nil {
			return
		}
		_ = os.WriteFile(marker, []byte("shown\n"), 0o600)
	}
	p.warn(reportsNotice)
}

// safeName keeps an API key usable as part of a file name.
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			return r
		}
		return '_'
	}, s)
}

// sendAnswer is POST /sms/json's answer: one entry per part of the message.
type sendAnswer struct {
	Messages []struct {
		Status    string `json:"status"`
		ErrorText string `json:"error-text"`
		MessageID string `json:"message-id"`
	} `json:"messages"`
}

// SendSMS implements providers.MessageSender with POST /sms/json, sent once: a lost answer
// may mean the message went out.
func (p *Provider) SendSMS(ctx context.Context, fromID, to, text string) (m providers.Message, err error) {
	defer func() { err = p.scrub(err) }()
	c, done, err := p.begin(ctx, "send")
	if err != nil {
		return providers.Message{}, err
	}
	defer done()
	if err := checkID(c.op, fromID); err != nil {
		return providers.Message{}, err
	}
	if !phone.IsE164(to) {
		return providers.Message{}, fmt.Errorf("vonage send: %q is not an E.164 number like +447700900123", to)
	}
	if strings.TrimSpace(text) == "" {
		return providers.Message{}, errors.New("vonage send: empty message")
	}
	// client-ref marks the message so that, if the answer is lost, the Reports API can say
	// whether it went out.
	ref := newRef()
	form := url.Values{"from": {fromID}, "to": {strings.TrimPrefix(to, "+")}, "text": {text}, "type": {"text"}, "client-ref": {ref}}
	if !isGSM(text) {
		form.Set("type", "unicode")
	}
	var ans sendAnswer
	sentAt := time.Now().UTC()
	if err := c.smsPost(pathSMS, form, &ans); err != nil {
		if errors.Is(err, providers.ErrUnknownOutcome) && c.ctx.Err() == nil {
			if id, found := c.sentWithRef(ref, sentAt); found {
				return providers.Message{ID: id, From: "+" + fromID, To: to, Text: text, ReceivedAt: sentAt}, nil
			}
			var pe *providers.Error
			if errors.As(err, &pe) {
				pe.Message += "; it is not in Vonage's records yet either"
			}
		}
		return providers.Message{}, err
	}
	if len(ans.Messages) == 0 {
		return providers.Message{}, &providers.Error{Provider: Name, Op: c.op, Kind: providers.ErrUnknownOutcome, Status: 200,
			Message: "Vonage's answer names no message; it may or may not have been sent"}
	}
	for _, part := range ans.Messages {
		if part.Status != "0" {
			return providers.Message{}, sendError(c.op, part.Status, part.ErrorText)
		}
	}
	return providers.Message{ID: ans.Messages[0].MessageID, From: "+" + fromID, To: to, Text: text,
		ReceivedAt: time.Now().UTC()}, nil
}

// sentWithRef looks for an outbound SMS marked ref in the Reports API, once: the answer to its
// send was lost. Not finding it proves nothing (records show after a delay), so the send stays
// of unknown outcome then.
func (c *call) sentWithRef(ref string, sentAt time.Time) (string, bool) {
	end := time.Now().UTC().Truncate(time.Second).Add(time.Second)
	q := url.Values{
		"account_id": {c.p.key},
		"product":    {"SMS"},
		"direction":  {"outbound"},
		"date_start": {sentAt.Add(-time.Minute).Format(reportsTime)},
		"date_end":   {end.Format(reportsTime)},
	}
	var rs struct {
		Records []struct {
			MessageID string `json:"message_id"`
			ClientRef string `json:"client_ref"`
		} `json:"records"`
	}
	if err := c.records(q, &rs); err != nil {
		return "", false
	}
	for _, r := range rs.Records {
		if r.ClientRef == ref {
			return r.MessageID, true
		}
	}
	return "", false
}

// CheckSent implements providers.SentChecker through the Reports API's outbound records (with
// their text): a message from the number to to with this text since then. Records show a while
// after the send, so an absence proves nothing. Vonage bills per record; this runs only to settle
// a send whose outcome is unknown.
func (p *Provider) CheckSent(ctx context.Context, fromID, to, text string, since time.Time) (m providers.Message, found, sure bool, err error) {
	defer func() { err = p.scrub(err) }()
	c, done, err := p.begin(ctx, "send")
	if err != nil {
		return providers.Message{}, false, false, err
	}
	defer done()
	if err := checkID(c.op, fromID); err != nil {
		return providers.Message{}, false, false, err
	}
	end := time.Now().UTC().Truncate(time.Second).Add(time.Second)
	start := since.UTC().Add(-time.Minute).Truncate(time.Millisecond)
	if end.Sub(start) > reportsWindow {
		start = end.Add(-reportsWindow)
	}
	q := url.Values{
		"account_id":      {p.key},
		"product":         {"SMS"},
		"direction":       {"outbound"},
		"include_message": {"true"},
		"date_start":      {start.Format(reportsTime)},
		"date_end":        {end.Format(reportsTime)},
	}
	var rs records
	if err := c.records(q, &rs); err != nil {
		return providers.Message{}, false, false, err
	}
	for _, r := range rs.Records {
		if strings.TrimPrefix(r.From, "+") == fromID && strings.TrimPrefix(r.To, "+") == strings.TrimPrefix(to, "+") && r.MessageBody == text {
			m := r.message()
			if !m.ReceivedAt.IsZero() && m.ReceivedAt.Before(start) {
				continue // the same text sent before: a whole-day answer (records) holds it
			}
			m.Inbound, m.From, m.To = false, "+"+fromID, to
			return m, true, false, nil
		}
	}
	return providers.Message{}, false, false, nil
}

// newRef is a client-ref of vnum's: unique, well under Vonage's 40 characters.
func newRef() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return "vnum-" + hex.EncodeToString(b)
}

// sendError maps the SMS API's per-message status
// (https://developer.vonage.com/messaging/sms/guides/troubleshooting-sms).
func sendError(op, status, text string) error {
	e := &providers.Error{Provider: Name, Op: op, Status: 200, Code: status, Message: text}
	if e.Message == "" {
		e.Message = "Vonage refused the message"
	}
	switch status {
	case "1": // throttled
		e.Kind = providers.ErrRateLimited
	case "4", "8": // invalid credentials; account barred
		e.Kind = providers.ErrUnauthorized
	case "5": // internal error
		e.Kind = providers.ErrUnknownOutcome
		e.Message += "; Vonage may or may not have sent it"
	case "9": // partner quota: not enough credit
		e.Kind = providers.ErrInsufficientFunds
		e.Message = "your Vonage balance cannot pay for this message: top up at https://dashboard.nexmo.com/billing-and-payments (Vonage: " + e.Message + ")"
	case "29": // demo accounts reach only whitelisted numbers
		e.Kind = providers.ErrUnsupported
		e.Message = "a Vonage demo account sends only to numbers it has verified: add the destination in the dashboard, or top up (Vonage: " + e.Message + ")"
	default:
		e.Status = 400 // a refusal: nothing was sent
	}
	return e
}

// isGSM reports whether text fits the GSM 7-bit alphabet closely enough to go as type text;
// anything else goes as unicode, which Vonage needs for other scripts and emoji.
func isGSM(text string) bool {
	for _, r := range text {
		if r > 0x7e && !strings.ContainsRune("£¥èéùìòÇØøÅåΔΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà€", r) {
			return false
		}
	}
	return true
}
