package telnyxtest

import (
	"errors"
	"time"

	"github.com/vnum-cli/vnum/providers/internal/fakeserver"
)

// NumberState is what the fake knows about an owned number.
type NumberState struct {
	ID, Phone, Country, Type, Status string
	CustomerReference                string // "" when none
	MessagingProfile                 string // profile name, "" when none
	ForwardsTo                       string // "" when calls are not forwarded
}

// Numbers returns every owned number, oldest first.
func (f *Fake) Numbers() []NumberState {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.advance(time.Now())
	out := make([]NumberState, 0, len(f.numbers))
	for _, n := range f.sortedNumbers() {
		st := NumberState{ID: n.id, Phone: n.phone, Country: n.country, Type: n.typ, Status: n.status}
		if n.ref != nil {
			st.CustomerReference = *n.ref
		}
		if n.profileID != nil {
			if p := f.profile(*n.profileID); p != nil {
				st.MessagingProfile = p.name
			}
		}
		if n.forwardEnabled {
			st.ForwardsTo = n.forwardTo
		}
		out = append(out, st)
	}
	return out
}

// OrderState is what the fake knows about a number order.
type OrderState struct {
	ID, Status, CustomerReference string
	Numbers                       []string
}

// Orders returns every number order, oldest first.
func (f *Fake) Orders() []OrderState {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.advance(time.Now())
	out := make([]OrderState, 0, len(f.orders))
	for _, o := range f.orders {
		st := OrderState{ID: o.id, Status: o.status, CustomerReference: o.ref}
		for _, p := range o.phones {
			st.Numbers = append(st.Numbers, p.phone)
		}
		out = append(out, st)
	}
	return out
}

// Profiles returns the names of the account's messaging profiles, oldest first.
func (f *Fake) Profiles() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]string, 0, len(f.profiles))
	for _, p := range f.profiles {
		out = append(out, p.name)
	}
	return out
}

// ProfileWebhook returns the webhook URL of the messaging profile called name ("" for none,
// or no such profile).
func (f *Fake) ProfileWebhook(name string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, p := range f.profiles {
		if p.name == name {
			return p.webhookURL
		}
	}
	return ""
}

// Seed gives the account n active numbers of a country and Telnyx type ("local", "mobile",
// "national", "toll_free") without going through the API, for tests that need many. It returns
// their phone numbers.
func (f *Fake) Seed(country, t string, n int) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	phones := f.generate(country, t, n)
	for _, p := range phones {
		f.own(p, country, t, "active")
	}
	return phones
}

// SetPaperwork says what Telnyx requires before it activates a country's numbers of one type:
// "" nothing, "address", or "document".
func (f *Fake) SetPaperwork(country, t, kind string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if kind == "" {
		delete(f.paperwork, country+"/"+t)
		return
	}
	f.paperwork[country+"/"+t] = kind
}

// ErrNotAccepted is Deliver's answer for a number Telnyx would not take the SMS for: not owned,
// or on no messaging profile.
var ErrNotAccepted = errors.New("telnyxtest: the number is not on a messaging profile of the account: the SMS is not accepted")

// DeliverOption changes a delivered message.
type DeliverOption func(*message)

// Withheld makes Telnyx keep the message's text back (redaction): GET /v2/messages answers "".
func Withheld() DeliverOption { return func(m *message) { m.withheld = true } }

// RecordAfter makes this message's detail record appear d after it arrives, instead of after the
// fake's record delay.
func RecordAfter(d time.Duration) DeliverOption { return func(m *message) { m.recordDelay = &d } }

// At sets when the message was received.
func At(t time.Time) DeliverOption { return func(m *message) { m.at = t.UTC() } }

// Deliver makes an SMS arrive at an owned number. Its detail record appears after the fake's
// record delay. It returns the message id.
func (f *Fake) Deliver(from, to, text string, opts ...DeliverOption) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := f.byPhone(to)
	if n == nil || n.profileID == nil {
		return "", ErrNotAccepted
	}
	now := time.Now().UTC()
	m := &message{id: fakeserver.NewUUID(), direction: "inbound", from: from, to: to, text: text, at: now, profileID: *n.profileID}
	if p := f.profile(*n.profileID); p != nil {
		m.profileName = p.name
	}
	for _, o := range opts {
		o(m)
	}
	delay := f.recordDelay
	if m.recordDelay != nil {
		delay = *m.recordDelay
	}
	m.recordAt = m.at.Add(delay)
	if m.recordAt.Before(now) {
		m.recordAt = now.Add(delay)
	}
	f.messages = append(f.messages, m)
	return m.id, nil
}

// MessageState is what the fake knows about a message.
type MessageState struct {
	ID, Direction, From, To, Text string
}

// Messages returns every message, oldest first.
func (f *Fake) Messages() []MessageState {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]MessageState, 0, len(f.messages))
	for _, m := range f.messages {
		out = append(out, MessageState{ID: m.id, Direction: m.direction, From: m.from, To: m.to, Text: m.text})
	}
	return out
}

// Release deletes an owned number outside vnum. It reports whether the number was owned.
func (f *Fake) Release(phone string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := f.byPhone(phone)
	if n == nil {
		return false
	}
	delete(f.numbers, n.id)
	return true
}
