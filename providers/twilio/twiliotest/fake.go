// Package faketwilio is an in-process Twilio for tests: an httptest.Server that keeps an
// account's numbers, Studio flows, messages, bundles and verified caller IDs, answers like
// Twilio for the endpoints vnum uses, and checks every request it receives and every answer it
// gives against Twilio's official OpenAPI documents when they are loaded (see LoadSpecs).
//
// Errors can be injected per route (Inject), latency added (WithDelay), and answers lost after
// the work was done (Fault.Drop), which is how a real network loses a purchase's reply.
package twiliotest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vnum-cli/vnum/providers/internal/fakeserver"
)

// Route names one endpoint of the fake, for fault injection and request counts.
type Route string

// The endpoints the fake implements.
const (
	RouteAccount         Route = "GET Accounts/{Sid}"
	RouteSearch          Route = "GET AvailablePhoneNumbers/{CC}/{Type}"
	RouteBuy             Route = "POST IncomingPhoneNumbers"
	RouteListNumbers     Route = "GET IncomingPhoneNumbers"
	RouteGetNumber       Route = "GET IncomingPhoneNumbers/{Sid}"
	RouteUpdateNumber    Route = "POST IncomingPhoneNumbers/{Sid}"
	RouteReleaseNumber   Route = "DELETE IncomingPhoneNumbers/{Sid}"
	RouteListMessages    Route = "GET Messages"
	RouteSendMessage     Route = "POST Messages"
	RouteCallerIDs       Route = "GET OutgoingCallerIds"
	RoutePricing         Route = "GET PhoneNumbers/Countries/{CC}"
	RouteListFlows       Route = "GET Flows"
	RouteCreateFlow      Route = "POST Flows"
	RouteValidateFlow    Route = "POST Flows/Validate"
	RouteListCalls       Route = "GET Calls"
	RouteListRecordings  Route = "GET Recordings"
	RouteDeleteRecording Route = "DELETE Recordings/{Sid}"
	RouteRecordingMedia  Route = "GET Recordings/{Sid}.wav"
	RouteTranscriptions  Route = "GET Recordings/{Sid}/Transcriptions"
	RouteGetFlow         Route = "GET Flows/{Sid}"
	RouteUpdateFlow      Route = "POST Flows/{Sid}"
	RouteDeleteFlow      Route = "DELETE Flows/{Sid}"
	RouteBundles         Route = "GET RegulatoryCompliance/Bundles"
)

// Drop says how an injected fault loses the answer instead of sending an error.
type Drop int

const (
	// DropNone answers with the fault's status and Twilio error.
	DropNone Drop = iota
	// DropBefore closes the connection without doing anything.
	DropBefore
	// DropAfter does the work, then closes the connection without answering: a lost reply.
	DropAfter
	// GatewayAfter does the work, then answers the fault's Status with an HTML page instead of
	// the result: a gateway (or proxy) that gave up waiting while Twilio carried on.
	GatewayAfter
)

// Fault is an injected failure for the next requests on a route.
type Fault struct {
	Status     int    // HTTP status, e.g. 429
	Code       int    // Twilio error code, e.g. 20429
	Message    string // Twilio's message; a default is used when empty
	RetryAfter string // Retry-After header, if any
	Times      int    // how many requests it answers; 0 means 1
	Drop       Drop   // lose the answer instead of sending the error
}

// Option configures a Fake.
type Option func(*Fake)

// WithSpecs validates every exchange against the loaded documents.
func WithSpecs(s *Specs) Option { return func(f *Fake) { f.specs = s } }

// WithTrial makes the account a trial one.
func WithTrial() Option { return func(f *Fake) { f.trial = true } }

// WithDelay adds latency to every request.
func WithDelay(d time.Duration) Option { return func(f *Fake) { f.delay = d } }

// WithReporter sends validation failures to report instead of failing the test, for tests
// that check the validation itself.
func WithReporter(report func(problem string)) Option { return func(f *Fake) { f.report = report } }

// Fake is one Twilio account behind an httptest.Server.
type Fake struct {
	URL        string // base URL; every Twilio host is served here
	AccountSID string
	AuthToken  string
	APIKey     string // an API key SID (SK…) accepted with APISecret
	APISecret  string

	srv       *httptest.Server
	closeOnce sync.Once
	specs     *Specs
	report    func(string)
	delay     time.Duration
	routes    []route

	mu    sync.Mutex
	trial bool
	// accountStatus is the account's status; "" means active.
	accountStatus string
	numbers       map[string]*number
	avail         map[string][]*avail // "CC/Resource" → offers
	used          map[string]bool     // phone numbers ever generated
	flows         map[string]*flow
	messages      []*message
	calls         []*callRec
	recordings    []*recording
	bundles       []*bundle
	callerIDs     map[string]bool
	prices        map[string]priceList
	seq           int

	faults   fakeserver.Faults[Route, Fault]
	requests fakeserver.Requests[Route]
	// problems are the validation failures of a fake from Start without a reporter. They have
	// a lock of their own: handlers report while holding mu.
	problems fakeserver.Problems
}

// New starts a fake Twilio account and stops it when the test ends. A validation failure fails
// the test (tb.Errorf) unless WithReporter sends it elsewhere.
func New(tb testing.TB, opts ...Option) *Fake {
	tb.Helper()
	f := start(func(p string) { tb.Errorf("twiliotest: %s", p) }, opts)
	tb.Cleanup(f.Close)
	return f
}

// Start starts a fake Twilio account outside a Go test, such as for a testscript session; Close
// stops it. Validation failures go to the WithReporter function when one is given, and are
// otherwise kept for Problems: the caller decides when they fail its test.
func Start(opts ...Option) *Fake { return start(nil, opts) }

func start(report func(string), opts []Option) *Fake {
	f := &Fake{
		AccountSID: NewSID("AC"),
		AuthToken:  fakeserver.RandomHex(16),
		APIKey:     NewSID("SK"),
		APISecret:  fakeserver.RandomHex(16),
		numbers:    map[string]*number{},
		avail:      map[string][]*avail{},
		used:       map[string]bool{},
		flows:      map[string]*flow{},
		callerIDs:  map[string]bool{},
		prices:     defaultPrices(),
		report:     report,
	}
	if f.report == nil {
		f.report = f.problems.Add
	}
	for _, o := range opts {
		o(f)
	}
	f.routes = f.table()
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	f.URL = f.srv.URL
	return f
}

// Close stops the fake, waiting for the requests under way. It may be called more than once.
func (f *Fake) Close() { f.closeOnce.Do(f.srv.Close) }

// Problems returns the validation failures kept so far by a fake from Start that has no
// reporter, oldest first; a fake from New reports them to its test instead.
func (f *Fake) Problems() []string {
	return f.problems.All()
}

// NewSID makes a Twilio SID: a two-letter prefix and 32 hex digits.
func NewSID(prefix string) string { return prefix + fakeserver.RandomHex(16) }

// Inject queues a fault for the next requests on a route.
func (f *Fake) Inject(r Route, fault Fault) { f.faults.Push(r, fault, fault.Times) }

// SetTrial switches the account between trial and full.
func (f *Fake) SetTrial(trial bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.trial = trial
}

// SetAccountStatus sets what the account resource says of itself: active (the default),
// suspended or closed.
func (f *Fake) SetAccountStatus(status string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.accountStatus = status
}

// VerifyCallerID adds a verified caller ID (what trial accounts may call and text).
func (f *Fake) VerifyCallerID(e164 string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.callerIDs[e164] = true
}

// AddBundle adds a regulatory bundle and returns its SID. numberType is Twilio's ("local",
// "mobile", "national", "toll-free"); status e.g. "twilio-approved".
func (f *Fake) AddBundle(country, numberType, status, name string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	b := &bundle{sid: NewSID("BU"), country: country, numberType: numberType, status: status, name: name, created: time.Now().UTC()}
	f.bundles = append(f.bundles, b)
	return b.sid
}

// Hits is how many requests a route received, faults included.
func (f *Fake) Hits(r Route) int { return f.requests.Hits(r) }

// Total is how many requests the fake received.
func (f *Fake) Total() int { return f.requests.Total() }

// ResetCounts zeroes Hits and Total.
func (f *Fake) ResetCounts() { f.requests.ResetCounts() }

// Logs returns one line per request: method, path, query and form body. Headers (and so
// credentials) are never logged.
func (f *Fake) Logs() []string { return f.requests.Logs() }

// NumberState is what the fake knows about an owned number.
type NumberState struct {
	SID, Phone, FriendlyName string
	VoiceURL, SmsURL         string
	BundleSID, AddressSID    string
}

// Number returns an owned number's state.
func (f *Fake) Number(sid string) (NumberState, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, ok := f.numbers[sid]
	if !ok {
		return NumberState{}, false
	}
	return numberState(n), true
}

// Numbers returns every owned number, oldest first.
func (f *Fake) Numbers() []NumberState {
	f.mu.Lock()
	defer f.mu.Unlock()
	list := make([]*number, 0, len(f.numbers))
	for _, n := range f.numbers {
		list = append(list, n)
	}
	slices.SortFunc(list, func(a, b *number) int { return a.seq - b.seq })
	out := make([]NumberState, 0, len(list))
	for _, n := range list {
		out = append(out, numberState(n))
	}
	return out
}

func numberState(n *number) NumberState {
	return NumberState{
		SID: n.sid, Phone: n.phone, FriendlyName: n.friendly, VoiceURL: n.voiceURL, SmsURL: n.smsURL,
		BundleSID: n.bundle, AddressSID: n.address,
	}
}

// FlowState is what the fake knows about a Studio flow.
type FlowState struct {
	SID, FriendlyName string
	Revision          int
	Definition        json.RawMessage
}

// Flows returns every Studio flow on the account.
func (f *Fake) Flows() []FlowState {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]FlowState, 0, len(f.flows))
	for _, fl := range f.sortedFlows() {
		out = append(out, FlowState{SID: fl.sid, FriendlyName: fl.name, Revision: fl.revision, Definition: fl.def})
	}
	return out
}

// MessageState is what the fake knows about a message.
type MessageState struct {
	SID, From, To, Body, Direction string
}

// Messages returns every message, oldest first.
func (f *Fake) Messages() []MessageState {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]MessageState, 0, len(f.messages))
	for _, m := range f.messages {
		out = append(out, MessageState{SID: m.sid, From: m.from, To: m.to, Body: m.body, Direction: m.direction})
	}
	return out
}

// DeliverOption changes a delivered message.
type DeliverOption func(*message)

// Withheld marks the message as received with its text withheld (Twilio error 30038).
func Withheld() DeliverOption {
	return func(m *message) { m.errorCode, m.body = 30038, "" }
}

// Deliver makes an SMS arrive at an owned number, and runs the number's Studio flow the way
// Twilio would: a send-message widget relays it. It returns the message SID.
func (f *Fake) Deliver(from, to, text string, opts ...DeliverOption) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := time.Now().UTC()
	m := &message{sid: NewSID("SM"), from: from, to: to, body: text, direction: "inbound", status: "received", sent: now, created: now}
	for _, o := range opts {
		o(m)
	}
	f.addMessage(m)
	var n *number
	for _, c := range f.numbers {
		if c.phone == to {
			n = c
		}
	}
	if n == nil {
		return m.sid
	}
	if st, ok := f.flowStep(n.smsURL, "incomingMessage"); ok && st.Type == "send-message" {
		body := strings.NewReplacer("{{trigger.message.From}}", from, "{{trigger.message.Body}}", text).Replace(str(st.Properties["body"]))
		f.addMessage(&message{
			sid: NewSID("SM"), from: render(str(st.Properties["from"]), n.phone, from), to: str(st.Properties["to"]),
			body: body, direction: "outbound-api", status: "queued", sent: now, created: now,
		})
	}
	return m.sid
}

// Dial places a call to an owned number and reports where its Studio flow connects it, and
// with which caller ID: what a caller would experience.
func (f *Fake) Dial(from, to string) (target, callerID string, ok bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, n := range f.numbers {
		if n.phone != to {
			continue
		}
		st, found := f.flowStep(n.voiceURL, "incomingCall")
		if !found || st.Type != "connect-call-to" {
			return "", "", false
		}
		return str(st.Properties["to"]), render(str(st.Properties["caller_id"]), n.phone, from), true
	}
	return "", "", false
}

// flowStep follows a webhook to its flow and the trigger transition for event.
func (f *Fake) flowStep(webhook, event string) (flowStateDef, bool) {
	m := flowURLPattern.FindStringSubmatch(webhook)
	if m == nil {
		return flowStateDef{}, false
	}
	fl, ok := f.flows[m[1]]
	if !ok {
		return flowStateDef{}, false
	}
	var def flowDef
	if json.Unmarshal(fl.def, &def) != nil {
		return flowStateDef{}, false
	}
	for _, st := range def.States {
		if st.Name != def.InitialState {
			continue
		}
		for _, tr := range st.Transitions {
			if tr.Event == event && tr.Next != "" {
				for _, next := range def.States {
					if next.Name == tr.Next {
						return next, true
					}
				}
			}
		}
	}
	return flowStateDef{}, false
}

var flowURLPattern = regexp.MustCompile(`/Flows/(FW[0-9a-fA-F]{32})`)

func render(tmpl, flowAddress, contactAddress string) string {
	return strings.NewReplacer("{{flow.channel.address}}", flowAddress, "{{contact.channel.address}}", contactAddress).Replace(tmpl)
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// Seed gives the account n numbers of a country and resource ("Local", "Mobile", "National",
// "TollFree") without going through the API, for tests that need many. It returns their SIDs.
func (f *Fake) Seed(country, resource string, n int) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	offers := f.generate(country, resource, n)
	sids := make([]string, 0, len(offers))
	for _, a := range offers {
		sids = append(sids, f.own(a, "", "", "").sid)
	}
	return sids
}

// serve is the fake's HTTP handler: log, count, validate, delay, fault, authenticate, route.
func (f *Fake) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	_ = r.Body.Close()
	form := r.URL.Query()
	if r.Method == http.MethodPost {
		if parsed, err := url.ParseQuery(string(body)); err == nil {
			form = parsed
		}
	}
	rt, params := f.match(r.Method, r.URL.Path)

	f.requests.Add(rt.name, strings.TrimSpace(fmt.Sprintf("%s %s %s", r.Method, r.URL.RequestURI(), formLog(r.Method, form))))
	fault := f.faults.Next(rt.name)

	if f.delay > 0 && !fakeserver.Wait(r.Context(), f.delay) {
		return
	}

	var res reply
	switch {
	case fault != nil && fault.Drop == DropBefore:
		fakeserver.HangUp(w)
		return
	case fault != nil && fault.Drop == DropNone:
		res = twilioError(fault.Status, fault.Code, fault.Message)
		if fault.RetryAfter != "" {
			res.header = http.Header{"Retry-After": {fault.RetryAfter}}
		}
	default:
		res = f.handle(r, rt, params, form)
	}

	out, _ := res.encode()
	// A recording's audio is at its resource URI without .json, which Twilio documents in prose
	// (api/recording#fetch-a-recording-media-file), not in the OpenAPI document.
	if f.specs != nil && rt.name != "" && rt.name != RouteRecordingMedia {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 10*time.Second)
		for _, p := range f.specs.validate(ctx, exchange{req: r, body: body, status: res.status, header: res.headerWithType(), resp: out}) {
			f.report(p)
		}
		cancel()
	}
	if fault != nil && fault.Drop == DropAfter {
		fakeserver.HangUp(w)
		return
	}
	if fault != nil && fault.Drop == GatewayAfter {
		fakeserver.GatewayPage(w, fault.Status)
		return
	}
	for k, vs := range res.headerWithType() {
		w.Header()[k] = vs
	}
	w.WriteHeader(res.status)
	_, _ = w.Write(out)
}

// handle authenticates and runs a route's handler under the lock.
func (f *Fake) handle(r *http.Request, rt route, params []string, form url.Values) reply {
	if rt.handler == nil {
		f.report(fmt.Sprintf("vnum sent %s %s, which the fake does not implement", r.Method, r.URL.Path))
		return notFound(r.URL.Path)
	}
	user, pass, ok := r.BasicAuth()
	if !ok || !f.authorised(user, pass) {
		return twilioError(http.StatusUnauthorized, 20003, "Authenticate")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if strings.HasPrefix(r.URL.Path, "/2010-04-01/Accounts/") && params[0] != f.AccountSID {
		return notFound(r.URL.Path)
	}
	return rt.handler(f, request{r: r, form: form, params: params})
}

func (f *Fake) authorised(user, pass string) bool {
	return (user == f.AccountSID && pass == f.AuthToken) || (user == f.APIKey && pass == f.APISecret)
}

// formLog renders the form of a write (query strings are already in the URI).
func formLog(method string, form url.Values) string {
	if method != http.MethodPost {
		return ""
	}
	return form.Encode()
}

// reply is an answer before encoding.
type reply struct {
	status int
	body   any // nil: no body
	header http.Header
	// raw, with its Content-Type in header, is a body that is not JSON (a recording's audio).
	raw []byte
}

func (r reply) encode() ([]byte, error) {
	if r.raw != nil {
		return r.raw, nil
	}
	if r.body == nil {
		return nil, nil
	}
	return json.Marshal(r.body)
}

func (r reply) headerWithType() http.Header {
	h := http.Header{}
	for k, v := range r.header {
		h[k] = v
	}
	if r.body != nil {
		h.Set("Content-Type", "application/json")
	}
	return h
}

func ok(status int, body any) reply { return reply{status: status, body: body} }

// twilioError is Twilio's error body: {code, message, more_info, status}.
func twilioError(status, code int, message string) reply {
	if message == "" {
		message = http.StatusText(status)
	}
	return reply{status: status, body: map[string]any{
		"code":      code,
		"message":   message,
		"more_info": fmt.Sprintf("https://www.twilio.com/docs/errors/%d", code),
		"status":    status,
	}}
}

func notFound(path string) reply {
	return twilioError(http.StatusNotFound, 20404, fmt.Sprintf("The requested resource %s was not found", path))
}

func badRequest(code int, message string) reply {
	return twilioError(http.StatusBadRequest, code, message)
}

// jsonStrict decodes body into v, rejecting trailing data.
func jsonStrict(body []byte, v any) error {
	dec := json.NewDecoder(strings.NewReader(string(body)))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("trailing data after JSON value")
	}
	return nil
}
