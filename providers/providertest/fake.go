package providertest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nyaruka/phonenumbers"

	"github.com/vnum-cli/vnum/providers"
)

// FakeName is the name the Fake reports and puts in its errors.
const FakeName = "fake"

// Operation names, as Call.Op reports them. They are the names VNUM_SANDBOX_FAIL uses.
const (
	OpSearch          = "search"
	OpBuy             = "buy"
	OpGet             = "get"
	OpList            = "list"
	OpRelease         = "release"
	OpForward         = "forward"
	OpRouting         = "routing"
	OpVoicemailDelete = "voicemail-delete"
	OpLabel           = "label"
	OpMessages        = "messages"
	OpSend            = "send"
	OpVerify          = "verify"
)

// Call is one call made to a Fake, with its arguments; only the fields of that operation are set.
type Call struct {
	Op      string               // OpSearch, OpBuy, …
	ID      string               // get, release, forward, label, messages; the sending number for send
	Query   providers.Query      // search
	Request providers.BuyRequest // buy
	Forward providers.Forwarding // forward, routing
	Rules   providers.CallRules  // routing
	Label   string               // label
	Since   time.Time            // messages
	To      string               // send
	Text    string               // send
}

// Hook inspects a call to a Fake and may fail it.
type Hook func(ctx context.Context, c Call) error

// FailOn returns a hook failing the named operations with err; with no names, or "*", it fails
// every operation.
func FailOn(err error, ops ...string) Hook {
	return func(_ context.Context, c Call) error {
		if len(ops) == 0 || slices.Contains(ops, "*") || slices.Contains(ops, c.Op) {
			return err
		}
		return nil
	}
}

// Fake is an in-memory carrier for unit tests of code that drives providers: vnum's number
// lifecycle and its commands. It implements providers.Provider and every optional interface,
// records each call, and lets a test make any operation fail before it is carried out (Before)
// or after (After: the change is made but the answer is lost, like a buy whose reply never
// arrived). Set the exported fields before the Fake is used; the methods are safe for
// concurrent use.
type Fake struct {
	// Caps are the capabilities reported; an optional method whose capability is off returns
	// ErrUnsupported. NewFake turns them all on.
	Caps providers.Capabilities
	// Before runs before each operation; a non-nil error is returned as is and nothing is done.
	Before Hook
	// After runs once an operation has been carried out; a non-nil error is returned instead of
	// the result, and the change stays made.
	After Hook
	// Stock, when non-nil, is what Search offers (minus owned numbers) and where Buy takes a
	// number's price and features from. When nil, Search offers valid numbers derived from
	// libphonenumber's example number for the country and type.
	Stock []providers.Available
	// BuyState is the state new numbers get; "" means active. Use SetState to move them on.
	BuyState providers.State
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	mu       sync.Mutex
	seq      int
	owned    []providers.Number // in purchase order
	messages map[string][]providers.Message
	calls    []Call
	rules    map[string]providers.CallRules
	vms      map[string][]providers.Voicemail // by number id
}

var (
	_ providers.Provider      = (*Fake)(nil)
	_ providers.Forwarder     = (*Fake)(nil)
	_ providers.Labeler       = (*Fake)(nil)
	_ providers.MessageReader = (*Fake)(nil)
	_ providers.MessageSender = (*Fake)(nil)
	_ providers.Verifier      = (*Fake)(nil)
	_ providers.CallRouter    = (*Fake)(nil)
	_ providers.VoicemailBox  = (*Fake)(nil)
)

// NewFake returns an empty account on a carrier that can do everything.
func NewFake() *Fake {
	return &Fake{
		Caps: providers.Capabilities{
			ForwardCalls: true, ForwardSMS: true, ReadSMS: true, SendSMS: true, Labels: true, AsyncOrders: true,
			BlockCalls: true, Voicemail: true,
		},
	}
}

// Name implements providers.Provider.
func (f *Fake) Name() string { return FakeName }

// Capabilities implements providers.Provider.
func (f *Fake) Capabilities() providers.Capabilities { return f.Caps }

// Calls returns the calls made so far, oldest first.
func (f *Fake) Calls() []Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

// CallCount returns how many times op was called.
func (f *Fake) CallCount(op string) int {
	n := 0
	for _, c := range f.Calls() {
		if c.Op == op {
			n++
		}
	}
	return n
}

// Search implements providers.Provider.
func (f *Fake) Search(ctx context.Context, q providers.Query) ([]providers.Available, error) {
	c := Call{Op: OpSearch, Query: q}
	if err := f.begin(ctx, c); err != nil {
		return nil, err
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 20
	}
	f.mu.Lock()
	var out []providers.Available
	for _, a := range f.offers(q) {
		if len(out) == limit {
			break
		}
		if f.ownedIndex(a.Number) < 0 && matches(a, q) {
			out = append(out, a)
		}
	}
	f.mu.Unlock()
	return out, f.end(ctx, c)
}

// offers is the stock for q's country and type; f.mu is held.
func (f *Fake) offers(q providers.Query) []providers.Available {
	if f.Stock != nil {
		return f.Stock
	}
	types := providers.NumberTypes()
	if q.Type != "" {
		types = []providers.NumberType{q.Type}
	}
	country := strings.ToUpper(q.Country)
	var out []providers.Available
	for _, t := range types {
		for _, number := range exampleRange(country, t) {
			out = append(out, providers.Available{
				Number:   number,
				Country:  country,
				Type:     t,
				Features: providers.Features{Voice: true, SMS: t != providers.TypeTollFree},
				Monthly:  providers.Price{Micros: 1_000_000, Currency: "USD"},
			})
		}
	}
	return out
}

// exampleRange returns the valid numbers among libphonenumber's example number for the country
// and type with its last two digits varied.
func exampleRange(country string, t providers.NumberType) []string {
	kinds := map[providers.NumberType][]phonenumbers.PhoneNumberType{
		providers.TypeLocal:    {phonenumbers.FIXED_LINE},
		providers.TypeMobile:   {phonenumbers.MOBILE},
		providers.TypeNational: {phonenumbers.VOIP, phonenumbers.UAN},
		providers.TypeTollFree: {phonenumbers.TOLL_FREE},
	}[t]
	for _, kind := range kinds {
		ex := phonenumbers.GetExampleNumberForType(country, kind)
		if ex == nil {
			continue
		}
		base := phonenumbers.Format(ex, phonenumbers.E164)
		var out []string
		for i := range 100 {
			number := fmt.Sprintf("%s%02d", base[:len(base)-2], i)
			if n, err := phonenumbers.Parse(number, ""); err == nil && phonenumbers.IsValidNumberForRegion(n, country) {
				out = append(out, number)
			}
		}
		return out
	}
	return nil
}

func matches(a providers.Available, q providers.Query) bool {
	switch {
	case q.Country != "" && !strings.EqualFold(a.Country, q.Country),
		q.Type != "" && a.Type != q.Type,
		q.SMS && !a.Features.SMS,
		q.Voice && !a.Features.Voice,
		q.NoPaperwork && a.Paperwork != providers.PaperworkNone,
		q.Contains != "" && !strings.Contains(a.Number[1:], q.Contains):
		return false
	}
	return true
}

// Buy implements providers.Provider. Any E.164 number not already owned can be bought.
func (f *Fake) Buy(ctx context.Context, req providers.BuyRequest) (providers.Number, error) {
	c := Call{Op: OpBuy, Request: req}
	if err := f.begin(ctx, c); err != nil {
		return providers.Number{}, err
	}
	if !e164.MatchString(req.Number) {
		return providers.Number{}, f.fail(OpBuy, providers.ErrUnavailable, "%q is not a number for sale", req.Number)
	}
	n := providers.Number{
		Number:   req.Number,
		Country:  strings.ToUpper(req.Country),
		Type:     req.Type,
		Features: providers.Features{Voice: true, SMS: true},
		Label:    req.Label,
		Monthly:  providers.Price{Micros: 1_000_000, Currency: "USD"},
		State:    f.BuyState,
	}
	if i := slices.IndexFunc(f.Stock, func(a providers.Available) bool { return a.Number == req.Number }); i >= 0 {
		a := f.Stock[i]
		n.Country, n.Type, n.Features, n.Monthly = a.Country, a.Type, a.Features, a.Monthly
	}
	f.mu.Lock()
	if f.ownedIndex(req.Number) >= 0 {
		f.mu.Unlock()
		return providers.Number{}, f.fail(OpBuy, providers.ErrUnavailable, "%s is no longer available", req.Number)
	}
	n = f.addLocked(n)
	f.mu.Unlock()
	return n, f.end(ctx, c)
}

// Add puts a number straight into the account, as if bought before the test began (numbers vnum
// does not know about yet). Empty ID, State and CreatedAt are filled in.
func (f *Fake) Add(n providers.Number) (providers.Number, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ownedIndex(n.Number) >= 0 {
		return providers.Number{}, fmt.Errorf("fake: %s is already owned", n.Number)
	}
	return f.addLocked(n), nil
}

func (f *Fake) addLocked(n providers.Number) providers.Number {
	f.seq++
	if n.ID == "" {
		n.ID = fmt.Sprintf("FK%06d", f.seq)
	}
	if n.State == "" {
		n.State = providers.StateActive
	}
	if n.CreatedAt.IsZero() {
		n.CreatedAt = f.now()
	}
	f.owned = append(f.owned, n)
	return n
}

// SetState moves an owned number to another state, as an order completing or documents being
// approved would.
func (f *Fake) SetState(id string, s providers.State) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	i := f.index(id)
	if i < 0 {
		return f.fail(OpGet, providers.ErrNotFound, "no number %s", id)
	}
	f.owned[i].State = s
	return nil
}

// Get implements providers.Provider.
func (f *Fake) Get(ctx context.Context, id string) (providers.Number, error) {
	c := Call{Op: OpGet, ID: id}
	if err := f.begin(ctx, c); err != nil {
		return providers.Number{}, err
	}
	f.mu.Lock()
	i := f.index(id)
	var n providers.Number
	if i >= 0 {
		n = f.owned[i]
	}
	f.mu.Unlock()
	if i < 0 {
		return providers.Number{}, f.fail(OpGet, providers.ErrNotFound, "no number %s", id)
	}
	return n, f.end(ctx, c)
}

// List implements providers.Provider.
func (f *Fake) List(ctx context.Context) ([]providers.Number, error) {
	c := Call{Op: OpList}
	if err := f.begin(ctx, c); err != nil {
		return nil, err
	}
	f.mu.Lock()
	out := slices.Clone(f.owned)
	f.mu.Unlock()
	return out, f.end(ctx, c)
}

// Release implements providers.Provider.
func (f *Fake) Release(ctx context.Context, id string) error {
	c := Call{Op: OpRelease, ID: id}
	if err := f.begin(ctx, c); err != nil {
		return err
	}
	f.mu.Lock()
	i := f.index(id)
	if i >= 0 {
		f.owned = slices.Delete(f.owned, i, i+1)
		delete(f.messages, id)
	}
	f.mu.Unlock()
	if i < 0 {
		return f.fail(OpRelease, providers.ErrNotFound, "no number %s", id)
	}
	return f.end(ctx, c)
}

// SetForwarding implements providers.Forwarder.
func (f *Fake) SetForwarding(ctx context.Context, id string, fw providers.Forwarding) (providers.Number, error) {
	c := Call{Op: OpForward, ID: id, Forward: fw}
	if err := f.begin(ctx, c); err != nil {
		return providers.Number{}, err
	}
	switch {
	case !f.Caps.ForwardCalls && !f.Caps.ForwardSMS,
		fw.Calls != "" && !f.Caps.ForwardCalls,
		fw.SMS != "" && !f.Caps.ForwardSMS:
		return providers.Number{}, f.fail(OpForward, providers.ErrUnsupported, "this carrier cannot forward that")
	}
	for _, to := range []string{fw.Calls, fw.SMS} {
		if to != "" && !e164.MatchString(to) {
			return providers.Number{}, f.fail(OpForward, providers.ErrUnsupported, "%q is not an E.164 number", to)
		}
	}
	f.mu.Lock()
	i := f.index(id)
	var n providers.Number
	if i >= 0 {
		f.owned[i].Forward = fw
		n = f.owned[i]
		delete(f.rules, id) // forwarding alone: no call rules, as on a carrier whose routing is one thing
	}
	f.mu.Unlock()
	if i < 0 {
		return providers.Number{}, f.fail(OpForward, providers.ErrNotFound, "no number %s", id)
	}
	return n, f.end(ctx, c)
}

// SetLabel implements providers.Labeler.
func (f *Fake) SetLabel(ctx context.Context, id, label string) error {
	c := Call{Op: OpLabel, ID: id, Label: label}
	if err := f.begin(ctx, c); err != nil {
		return err
	}
	if !f.Caps.Labels {
		return f.fail(OpLabel, providers.ErrUnsupported, "this carrier keeps no labels")
	}
	f.mu.Lock()
	i := f.index(id)
	if i >= 0 {
		f.owned[i].Label = label
	}
	f.mu.Unlock()
	if i < 0 {
		return f.fail(OpLabel, providers.ErrNotFound, "no number %s", id)
	}
	return f.end(ctx, c)
}

// Deliver makes an inbound SMS arrive at the owned number id. It is not a carrier call: it is
// not recorded and no hook runs.
func (f *Fake) Deliver(id, from, text string) (providers.Message, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	i := f.index(id)
	if i < 0 {
		return providers.Message{}, f.fail("deliver", providers.ErrNotFound, "no number %s", id)
	}
	return f.recordLocked(id, providers.Message{From: from, To: f.owned[i].Number, Text: text, Inbound: true}), nil
}

func (f *Fake) recordLocked(id string, m providers.Message) providers.Message {
	f.seq++
	m.ID = fmt.Sprintf("FM%06d", f.seq)
	m.ReceivedAt = f.now()
	if f.messages == nil {
		f.messages = make(map[string][]providers.Message)
	}
	f.messages[id] = append(f.messages[id], m)
	return m
}

// Messages implements providers.MessageReader: inbound and sent messages, oldest first.
func (f *Fake) Messages(ctx context.Context, id string, since time.Time) ([]providers.Message, error) {
	c := Call{Op: OpMessages, ID: id, Since: since}
	if err := f.begin(ctx, c); err != nil {
		return nil, err
	}
	if !f.Caps.ReadSMS {
		return nil, f.fail(OpMessages, providers.ErrUnsupported, "this carrier cannot list messages")
	}
	f.mu.Lock()
	found := f.index(id) >= 0
	var out []providers.Message
	for _, m := range f.messages[id] {
		if !m.ReceivedAt.Before(since) {
			out = append(out, m)
		}
	}
	f.mu.Unlock()
	if !found {
		return nil, f.fail(OpMessages, providers.ErrNotFound, "no number %s", id)
	}
	slices.SortStableFunc(out, func(a, b providers.Message) int { return a.ReceivedAt.Compare(b.ReceivedAt) })
	return out, f.end(ctx, c)
}

// SendSMS implements providers.MessageSender.
func (f *Fake) SendSMS(ctx context.Context, fromID, to, text string) (providers.Message, error) {
	c := Call{Op: OpSend, ID: fromID, To: to, Text: text}
	if err := f.begin(ctx, c); err != nil {
		return providers.Message{}, err
	}
	if !f.Caps.SendSMS {
		return providers.Message{}, f.fail(OpSend, providers.ErrUnsupported, "this carrier cannot send SMS")
	}
	if !e164.MatchString(to) {
		return providers.Message{}, f.fail(OpSend, providers.ErrUnsupported, "%q is not an E.164 number", to)
	}
	f.mu.Lock()
	i := f.index(fromID)
	var m providers.Message
	if i >= 0 {
		m = f.recordLocked(fromID, providers.Message{From: f.owned[i].Number, To: to, Text: text})
	}
	f.mu.Unlock()
	if i < 0 {
		return providers.Message{}, f.fail(OpSend, providers.ErrNotFound, "no number %s", fromID)
	}
	return m, f.end(ctx, c)
}

// Verify implements providers.Verifier.
func (f *Fake) Verify(ctx context.Context) (string, error) {
	c := Call{Op: OpVerify}
	if err := f.begin(ctx, c); err != nil {
		return "", err
	}
	return "fake-account", f.end(ctx, c)
}

// begin records the call and runs the Before hook.
func (f *Fake) begin(ctx context.Context, c Call) error {
	f.mu.Lock()
	f.calls = append(f.calls, c)
	f.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	if f.Before != nil {
		return f.Before(ctx, c)
	}
	return nil
}

// end runs the After hook.
func (f *Fake) end(ctx context.Context, c Call) error {
	if f.After != nil {
		return f.After(ctx, c)
	}
	return nil
}

func (f *Fake) fail(op string, kind error, format string, args ...any) error {
	return &providers.Error{Provider: FakeName, Op: op, Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// index finds an owned number by id; f.mu is held.
func (f *Fake) index(id string) int {
	return slices.IndexFunc(f.owned, func(n providers.Number) bool { return n.ID == id })
}

// ownedIndex finds an owned number by E.164; f.mu is held.
func (f *Fake) ownedIndex(number string) int {
	return slices.IndexFunc(f.owned, func(n providers.Number) bool { return n.Number == number })
}

func (f *Fake) now() time.Time {
	if f.Now != nil {
		return f.Now()
	}
	return time.Now()
}

// SetCallRouting implements providers.CallRouter: forwarding as SetForwarding, and the rules
// kept for CallRules.
func (f *Fake) SetCallRouting(ctx context.Context, id string, fw providers.Forwarding, r providers.CallRules) (providers.Number, error) {
	c := Call{Op: OpRouting, ID: id, Forward: fw, Rules: r}
	if err := f.begin(ctx, c); err != nil {
		return providers.Number{}, err
	}
	if (len(r.Blocked) > 0 || r.BlockAnonymous) && !f.Caps.BlockCalls || r.Voicemail != "" && !f.Caps.Voicemail {
		return providers.Number{}, f.fail(OpRouting, providers.ErrUnsupported, "this carrier cannot do that")
	}
	f.mu.Lock()
	i := f.index(id)
	var n providers.Number
	if i >= 0 {
		f.owned[i].Forward = fw
		n = f.owned[i]
		if f.rules == nil {
			f.rules = map[string]providers.CallRules{}
		}
		f.rules[id] = r
	}
	f.mu.Unlock()
	if i < 0 {
		return providers.Number{}, f.fail(OpRouting, providers.ErrNotFound, "no number %s", id)
	}
	return n, f.end(ctx, c)
}

// CallRules returns the rules last set on number id.
func (f *Fake) CallRules(id string) providers.CallRules {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.rules[id]
}

// LeaveVoicemail records a voicemail on number id from caller, as a call would.
func (f *Fake) LeaveVoicemail(id, from string) providers.Voicemail {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq++
	v := providers.Voicemail{ID: fmt.Sprintf("VM%04d", f.seq), CallID: fmt.Sprintf("CA%04d", f.seq), From: from,
		At: f.now(), Duration: 3 * time.Second}
	if i := f.index(id); i >= 0 {
		v.To = f.owned[i].Number
	}
	if f.vms == nil {
		f.vms = map[string][]providers.Voicemail{}
	}
	f.vms[id] = append(f.vms[id], v)
	return v
}

// Voicemails implements providers.VoicemailBox.
func (f *Fake) Voicemails(ctx context.Context, id string, since time.Time) ([]providers.Voicemail, error) {
	if err := f.begin(ctx, Call{Op: "voicemails", ID: id, Since: since}); err != nil {
		return nil, err
	}
	f.mu.Lock()
	var out []providers.Voicemail
	for _, v := range f.vms[id] {
		if !v.At.Before(since) {
			out = append(out, v)
		}
	}
	f.mu.Unlock()
	return out, f.end(ctx, Call{Op: "voicemails", ID: id})
}

// VoicemailAudio implements providers.VoicemailBox: a few bytes named after the voicemail.
func (f *Fake) VoicemailAudio(ctx context.Context, vmID string) (providers.Audio, error) {
	if err := f.begin(ctx, Call{Op: "voicemail-audio", ID: vmID}); err != nil {
		return providers.Audio{}, err
	}
	if _, ok := f.findVoicemail(vmID); !ok {
		return providers.Audio{}, f.fail("voicemail-audio", providers.ErrNotFound, "no voicemail %s", vmID)
	}
	return providers.Audio{ContentType: "audio/wav", Data: []byte("RIFF" + vmID)}, nil
}

// DeleteVoicemail implements providers.VoicemailBox.
func (f *Fake) DeleteVoicemail(ctx context.Context, vmID string) error {
	c := Call{Op: OpVoicemailDelete, ID: vmID}
	if err := f.begin(ctx, c); err != nil {
		return err
	}
	f.mu.Lock()
	found := false
	for id, list := range f.vms {
		for i, v := range list {
			if v.ID == vmID {
				f.vms[id] = slices.Delete(list, i, i+1)
				found = true
				break
			}
		}
	}
	f.mu.Unlock()
	if !found {
		return f.fail(OpVoicemailDelete, providers.ErrNotFound, "no voicemail %s", vmID)
	}
	return f.end(ctx, c)
}

func (f *Fake) findVoicemail(vmID string) (providers.Voicemail, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, list := range f.vms {
		for _, v := range list {
			if v.ID == vmID {
				return v, true
			}
		}
	}
	return providers.Voicemail{}, false
}
