// Package providers defines what vnum asks of a carrier: one small interface, optional capability
// interfaces found by type assertion, the domain types they exchange and the errors they return.
//
// Adapters live in sub-packages (sandbox, twilio, …) and must not import anything from vnum's
// command or terminal layers: a provider returns data and errors, it never prints.
package providers

import (
	"context"
	"strings"
	"time"
)

// NumberType is the kind of number a carrier sells. The set is the intersection of what Twilio,
// Telnyx and Vonage call their number types, named the way users say them.
type NumberType string

const (
	TypeLocal    NumberType = "local"    // geographic / landline
	TypeMobile   NumberType = "mobile"   // mobile range
	TypeNational NumberType = "national" // non-geographic national range
	TypeTollFree NumberType = "tollfree" // free for the caller
)

// NumberTypes lists every type, in the order commands document them.
func NumberTypes() []NumberType {
	return []NumberType{TypeLocal, TypeMobile, TypeNational, TypeTollFree}
}

// Valid reports whether t is one of the known types.
func (t NumberType) Valid() bool {
	for _, k := range NumberTypes() {
		if t == k {
			return true
		}
	}
	return false
}

// Features are what one number can do.
type Features struct {
	Voice bool `json:"voice"`
	SMS   bool `json:"sms"`
	MMS   bool `json:"mms"`
}

// Paperwork says what a carrier needs before it hands a number over.
type Paperwork string

const (
	PaperworkNone      Paperwork = ""          // buy at once
	PaperworkAddress   Paperwork = "address"   // a postal address on file (Twilio address_requirements)
	PaperworkDocuments Paperwork = "documents" // an approved regulatory bundle / requirement group
)

// State is where a number stands on the carrier.
type State string

const (
	StateActive           State = "active"            // usable now
	StatePending          State = "pending"           // order accepted, not yet provisioned (Telnyx orders)
	StatePendingDocuments State = "pending_documents" // waiting for regulatory approval
	StateFailed           State = "failed"            // the carrier gave up on the order
)

// Available is one number a carrier offers for sale.
type Available struct {
	Number    string     // E.164
	Country   string     // ISO 3166-1 alpha-2, upper case
	Type      NumberType //
	Features  Features   //
	Monthly   Price      // recurring price per month
	Upfront   Price      // one-off price at purchase (zero when the carrier has none)
	Paperwork Paperwork  //
	Locality  string     // city or region when the carrier says, else ""
}

// Query selects numbers for sale.
type Query struct {
	Country     string     // ISO 3166-1 alpha-2, required
	Type        NumberType // "" means any type
	SMS         bool       // must receive SMS
	Voice       bool       // must receive calls
	Contains    string     // digits the national number must contain, "" for any
	Limit       int        // at most this many results; 0 means the carrier's default
	NoPaperwork bool       // only numbers that need no address or documents
}

// Warner is a carrier that notices problems which do not fail a call, such as a trial account
// forwarding to a number the carrier will not reach. Warnings returns them, once each, for vnum
// to tell the user.
type Warner interface {
	Warnings() []string
}

// Matches reports whether a number for sale fits the query. Carriers filter on the server, but
// not always on everything asked (a filter may be best effort, or a mock may ignore it), so vnum
// checks what came back before showing or buying it.
func (q Query) Matches(a Available) bool {
	switch {
	case q.Country != "" && a.Country != "" && !strings.EqualFold(q.Country, a.Country):
		return false
	case q.Type != "" && a.Type != "" && q.Type != a.Type:
		return false
	case q.SMS && !a.Features.SMS, q.Voice && !a.Features.Voice:
		return false
	case q.NoPaperwork && a.Paperwork != PaperworkNone:
		return false
	}
	return true
}

// BuyRequest asks a carrier for one specific number.
type BuyRequest struct {
	Number  string     // E.164, from a recent Search
	Country string     //
	Type    NumberType //
	// Label is the user's name for the number; carriers with a free-text field store it there
	// (Twilio FriendlyName, Telnyx customer_reference) so it can be recovered from the carrier.
	Label string
	// Reference is vnum's own operation id; carriers that keep a reference attach it so that a buy
	// whose answer was lost can be recognised later.
	Reference string
	// Regulatory holds carrier-specific paperwork ids (Twilio "bundle" and "address").
	Regulatory map[string]string
}

// Number is a number the account owns.
type Number struct {
	ID        string     // the carrier's id for the number (Twilio PN…, sandbox id, Vonage msisdn)
	Number    string     // E.164
	Country   string     // "" when the carrier does not say (List may leave it to vnum, which
	Type      NumberType // derives both from the number when it first records it)
	Features  Features   //
	Label     string     // carrier-side label, "" when the carrier has none
	Monthly   Price      //
	State     State      //
	Forward   Forwarding //
	CreatedAt time.Time  // when the carrier says it was bought; zero if unknown
}

// Forwarding says where calls and SMS to a number are sent. An empty field means not forwarded.
type Forwarding struct {
	Calls string // E.164
	SMS   string // E.164
}

// IsZero reports whether nothing is forwarded.
func (f Forwarding) IsZero() bool { return f.Calls == "" && f.SMS == "" }

// Message is one SMS seen on a number.
type Message struct {
	ID         string    // the carrier's id, unique per carrier
	From       string    // sender: E.164 or an alphanumeric sender id
	To         string    // E.164
	Text       string    //
	ReceivedAt time.Time //
	Inbound    bool      // received by the number (false: sent from it)
	// Withheld is set when the carrier received the message but did not deliver its text
	// (Twilio error 30038: one-time codes withheld); Text is then empty or redacted.
	Withheld bool
}

// Capabilities are what a carrier can do through its API, as opposed to what one number can do.
type Capabilities struct {
	ForwardCalls bool // Forwarder with Forwarding.Calls
	ForwardSMS   bool // Forwarder with Forwarding.SMS
	ReadSMS      bool // MessageReader
	SendSMS      bool // MessageSender
	Labels       bool // labels are kept carrier-side
	// AsyncOrders: Buy may return a number in StatePending that Get later turns active.
	AsyncOrders bool
	// BlockCalls, Voicemail and CallLog: the carrier turns away blocked callers (CallRouter),
	// records voicemail (CallRouter, VoicemailBox) and lists calls (CallLogReader) itself,
	// with no server of the user's. CallsVia says how, or what it needs instead when they are
	// false ("needs vnum serve").
	BlockCalls, Voicemail, CallLog bool
	CallsVia                       string
	// CallsThroughServe: block lists, voicemail and the call log are done by vnum serve, which
	// answers each call itself (CallHook); the numbers layer then keeps the rules locally and
	// points the number at serve. BlockCalls, Voicemail and CallLog say what works that way.
	CallsThroughServe bool
	// MinPoll is the shortest wait between two reads of a number's SMS (`vnum sms wait`),
	// for carriers that bill or limit those reads; 0 means vnum's own pace.
	MinPoll time.Duration
}

// Provider is the interface every carrier adapter implements. Every call takes a context and
// returns promptly once it is cancelled.
type Provider interface {
	// Name is the registry name ("sandbox", "twilio", …).
	Name() string
	Capabilities() Capabilities
	// Search lists numbers for sale, in no particular order.
	Search(ctx context.Context, q Query) ([]Available, error)
	// Buy provisions one number. It is not idempotent: callers never retry it blindly, they look
	// the number up with List first.
	Buy(ctx context.Context, req BuyRequest) (Number, error)
	// Get returns one owned number by carrier id; ErrNotFound if the account does not own it.
	Get(ctx context.Context, id string) (Number, error)
	// List returns every number the account owns, all pages.
	List(ctx context.Context) ([]Number, error)
	// Release gives a number back. Releasing a number the account no longer owns is ErrNotFound.
	Release(ctx context.Context, id string) error
}

// Forwarder sends calls (and, where supported, SMS) to another number.
type Forwarder interface {
	// SetForwarding replaces the number's forwarding; a zero Forwarding turns it off.
	SetForwarding(ctx context.Context, id string, f Forwarding) (Number, error)
}

// Labeler writes the user's label to the carrier.
type Labeler interface {
	SetLabel(ctx context.Context, id, label string) error
}

// MessageReader lists SMS received by a number.
type MessageReader interface {
	// Messages returns messages to the number received at or after since, oldest first.
	Messages(ctx context.Context, id string, since time.Time) ([]Message, error)
}

// MessageSender sends an SMS from an owned number.
type MessageSender interface {
	SendSMS(ctx context.Context, fromID, to, text string) (Message, error)
}

// SentChecker is a carrier whose records of what a number sent can settle a send whose outcome
// vnum does not know (its answer lost, or the process that sent it killed), so that it is not
// sent a second time blindly.
type SentChecker interface {
	// CheckSent looks for a message from the number fromID to to with this text, sent at or after
	// since. When it is not found, sure reports that the records prove it was not sent (rather
	// than that it may show up there later).
	CheckSent(ctx context.Context, fromID, to, text string, since time.Time) (m Message, found, sure bool, err error)
}

// OrderFinder is a carrier whose orders carry vnum's reference (BuyRequest.Reference), so that
// a buy whose outcome is unknown (an answer lost, a process killed mid-order) is settled by
// looking the order up rather than the whole account: Telnyx's customer_reference.
type OrderFinder interface {
	// FindOrder returns the number the order placed with reference bought (in whatever state
	// the order left it), found false when the carrier has no order with that reference.
	FindOrder(ctx context.Context, reference, number string) (n Number, found bool, err error)
}

// InProcessBuyer is a carrier whose purchases are carried out inside the process that asks for
// them (the sandbox: one transaction on its own database). Once that process is gone, no order of
// it is on its way, so a purchase it left unanswered is settled by one look at the account, with
// no wait for the carrier to complete it.
type InProcessBuyer interface {
	BuysInProcess() bool
}

// WithheldExplainer is a carrier that keeps some messages' text back (Message.Withheld) for a
// reason of its own that the user can act on; WithheldReason says it in the carrier's words.
type WithheldExplainer interface {
	WithheldReason() string
}

// Verifier checks credentials with one cheap authenticated read (`vnum auth login`).
type Verifier interface {
	// Verify returns the account's non-secret identifier (account SID, key id) when the
	// credentials work, and an error wrapping ErrUnauthorized when they do not.
	Verify(ctx context.Context) (account string, err error)
}

// Unwrapper is for a Provider that wraps another (vnum has none today: retries live in the
// adapters' HTTP transport): implementing it keeps the inner adapter's optional interfaces
// reachable through As.
type Unwrapper interface {
	Unwrap() Provider
}

// As walks the decorator chain from p and returns the first provider implementing T.
func As[T any](p Provider) (T, bool) {
	for p != nil {
		if t, ok := p.(T); ok {
			return t, true
		}
		u, ok := p.(Unwrapper)
		if !ok {
			break
		}
		p = u.Unwrap()
	}
	var zero T
	return zero, false
}
