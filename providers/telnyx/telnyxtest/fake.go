// Package telnyxtest is an in-process Telnyx for tests: an httptest.Server that keeps an
// account's numbers, number orders, messaging profiles, messages and their detail records,
// answers like Telnyx (API v2) for the endpoints vnum uses, and checks every request it receives
// and every answer it gives against Telnyx's OpenAPI document when it is loaded (LoadSpecs).
//
// Telnyx is asynchronous where Twilio is not, and the fake is too: an order stays pending for a
// while (WithOrderDelay) before its number turns active, and a message's detail record appears a
// little after the message (WithRecordDelay). Faults can be injected per route (Inject): errors,
// rate limits, answers lost after the work was done, and requests left hanging.
package telnyxtest

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
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
	RouteBalance         Route = "GET balance"
	RouteSearch          Route = "GET available_phone_numbers"
	RouteRequirements    Route = "GET regulatory_requirements"
	RouteOrder           Route = "POST number_orders"
	RouteListOrders      Route = "GET number_orders"
	RouteGetOrder        Route = "GET number_orders/{id}"
	RouteListNumbers     Route = "GET phone_numbers"
	RouteListVoice       Route = "GET phone_numbers/voice"
	RouteGetNumber       Route = "GET phone_numbers/{id}"
	RouteUpdateNumber    Route = "PATCH phone_numbers/{id}"
	RouteDeleteNumber    Route = "DELETE phone_numbers/{id}"
	RouteGetVoice        Route = "GET phone_numbers/{id}/voice"
	RouteUpdateVoice     Route = "PATCH phone_numbers/{id}/voice"
	RouteUpdateMessaging Route = "PATCH phone_numbers/{id}/messaging"
	RouteListProfiles    Route = "GET messaging_profiles"
	RouteCreateProfile   Route = "POST messaging_profiles"
	RouteGetProfile      Route = "GET messaging_profiles/{id}"
	RouteUpdateProfile   Route = "PATCH messaging_profiles/{id}"
	RouteDetailRecords   Route = "GET detail_records"
	RouteGetMessage      Route = "GET messages/{id}"
	RouteSendMessage     Route = "POST messages"
	RouteListTexmlApps   Route = "GET texml_applications"
	RouteCreateTexmlApp  Route = "POST texml_applications"
	RouteGetTexmlApp     Route = "GET texml_applications/{id}"
	RouteUpdateTexmlApp  Route = "PATCH texml_applications/{id}"
	// RouteDeleteRecording is in Telnyx's full spec3.yml (DeleteRecording), not in the trimmed
	// document the fake loads: its exchanges are not validated (see unvalidated).
	RouteDeleteRecording Route = "DELETE recordings/{id}"
	// RouteRecordingMedia is where the fake keeps a recording's audio (RecordingUrl in its TeXML
	// callbacks): a storage URL, not an API operation.
	RouteRecordingMedia Route = "GET recording media"
)

// unvalidated are the routes outside the document the fake loads.
var unvalidated = map[Route]bool{RouteDeleteRecording: true, RouteRecordingMedia: true}

// Routes lists every route, for tools that name them.
func Routes() []Route {
	return []Route{RouteBalance, RouteSearch, RouteRequirements, RouteOrder, RouteListOrders, RouteGetOrder,
		RouteListNumbers, RouteListVoice, RouteGetNumber, RouteUpdateNumber, RouteDeleteNumber, RouteGetVoice,
		RouteUpdateVoice, RouteUpdateMessaging, RouteListProfiles, RouteCreateProfile, RouteGetProfile, RouteUpdateProfile, RouteDetailRecords,
		RouteGetMessage, RouteSendMessage, RouteListTexmlApps, RouteCreateTexmlApp, RouteGetTexmlApp, RouteUpdateTexmlApp,
		RouteDeleteRecording, RouteRecordingMedia}
}

// Drop says how an injected fault loses the answer instead of sending an error.
type Drop int

const (
	// DropNone answers with the fault's status and Telnyx error.
	DropNone Drop = iota
	// DropBefore closes the connection without doing anything.
	DropBefore
	// DropAfter does the work, then closes the connection without answering: a lost reply.
	DropAfter
	// GatewayAfter does the work, then answers the fault's Status with an HTML page: a gateway
	// that gave up waiting while Telnyx carried on.
	GatewayAfter
	// Hang does nothing and never answers, until the client gives up.
	Hang
	// HangAfter does the work, then never answers: a client killed or timing out mid-request.
	HangAfter
)

// Fault is an injected failure for the next requests on a route.
type Fault struct {
	Status int    // HTTP status, e.g. 429
	Code   string // Telnyx error code, e.g. "10011"
	Title  string // Telnyx's title; a default is used when empty
	Detail string
	// RetryAfter and RateLimitReset set the Retry-After and x-ratelimit-reset headers.
	RetryAfter, RateLimitReset string
	Times                      int  // how many requests it answers; 0 means 1
	Drop                       Drop // lose the answer instead of sending the error
}

// Option configures a Fake.
type Option func(*Fake)

// WithSpecs validates every exchange against the loaded document.
func WithSpecs(s *Specs) Option { return func(f *Fake) { f.specs = s } }

// WithDelay adds latency to every request.
func WithDelay(d time.Duration) Option { return func(f *Fake) { f.delay = d } }

// WithOrderDelay keeps each order pending for d (default 300 ms) before its number is active.
func WithOrderDelay(d time.Duration) Option { return func(f *Fake) { f.orderDelay = d } }

// WithRecordDelay makes a message's detail record appear d (default 200 ms) after the message.
func WithRecordDelay(d time.Duration) Option { return func(f *Fake) { f.recordDelay = d } }

// WithReporter sends validation failures to report instead of failing the test.
func WithReporter(report func(problem string)) Option { return func(f *Fake) { f.report = report } }

// Fake is one Telnyx account behind an httptest.Server.
type Fake struct {
	URL    string // base URL: the paths (/v2/…) are served under it
	APIKey string // the key the fake accepts

	srv         *httptest.Server
	closeOnce   sync.Once
	specs       *Specs
	report      func(string)
	delay       time.Duration
	orderDelay  time.Duration
	recordDelay time.Duration
	// ahead is how far Advance has moved the detail records' clock past the real one.
	ahead time.Duration

	mu            sync.Mutex
	numbers       map[string]*number
	orders        []*order
	profiles      []*profile
	apps          []*texmlApp
	recordings    map[string]*recording
	calls         int                // calls made with Call, for their ids
	conns         map[string]bool    // connections of the user's own (AddConnection)
	signKey       ed25519.PrivateKey // the account's webhook signing key (PublicKey)
	releasedConn  map[string]string  // phone → its connection_id when it was released
	mediaRedirect string             // recordings' URLs redirect there (RedirectRecordings)
	messages      []*message
	avail         map[string][]string  // "CC/type" → numbers for sale
	used          map[string]bool      // phone numbers ever generated
	searched      map[string]time.Time // phone numbers a search returned, and when
	paperwork     map[string]string    // "CC/type" → "address" or "document"
	noForwarding  bool                 // the account may not forward calls (Level 1)
	failOrders    bool
	seq           int64

	faults   fakeserver.Faults[Route, Fault]
	requests fakeserver.Requests[Route]
	problems fakeserver.Problems // a lock of their own: handlers report while holding mu
}

// New starts a fake Telnyx account and stops it when the test ends. A validation failure fails
// the test (tb.Errorf) unless WithReporter sends it elsewhere.
func New(tb testing.TB, opts ...Option) *Fake {
	tb.Helper()
	f := start(func(p string) { tb.Errorf("telnyxtest: %s", p) }, opts)
	tb.Cleanup(f.Close)
	return f
}

// Start starts a fake Telnyx account outside a Go test (a testscript session); Close stops it.
// Validation failures go to the WithReporter function when one is given, and are otherwise
// kept for Problems.
func Start(opts ...Option) *Fake { return start(nil, opts) }

func start(report func(string), opts []Option) *Fake {
	f := &Fake{
		APIKey:       "KEY" + strings.ToUpper(fakeserver.RandomHex(13)) + "_" + fakeserver.RandomHex(11),
		orderDelay:   300 * time.Millisecond,
		recordDelay:  200 * time.Millisecond,
		numbers:      map[string]*number{},
		recordings:   map[string]*recording{},
		conns:        map[string]bool{},
		releasedConn: map[string]string{},
		avail:        map[string][]string{},
		used:         map[string]bool{},
		searched:     map[string]time.Time{},
		paperwork:    map[string]string{"FR/local": "address", "FR/mobile": "document", "DE/local": "address"},
		report:       report,
	}
	if f.report == nil {
		f.report = f.problems.Add
	}
	for _, o := range opts {
		o(f)
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	f.URL = f.srv.URL
	return f
}

// Close stops the fake. It may be called more than once.
func (f *Fake) Close() {
	f.closeOnce.Do(func() {
		f.srv.CloseClientConnections()
		f.srv.Close()
	})
}

// Problems returns the validation failures kept so far by a fake from Start without reporter.
func (f *Fake) Problems() []string {
	return f.problems.All()
}

// Inject queues a fault for the next requests on a route.
func (f *Fake) Inject(r Route, fault Fault) { f.faults.Push(r, fault, fault.Times) }

// ClearFaults drops the faults not yet used.
func (f *Fake) ClearFaults() { f.faults.Clear() }

// SetForwardingAllowed says whether the account may forward calls (Telnyx: verification Level 2).
func (f *Fake) SetForwardingAllowed(ok bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.noForwarding = !ok
}

// FailOrders makes every later order fail.
func (f *Fake) FailOrders(fail bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failOrders = fail
}

// Hits is how many requests a route received, faults included.
func (f *Fake) Hits(r Route) int { return f.requests.Hits(r) }

// Total is how many requests the fake received.
func (f *Fake) Total() int { return f.requests.Total() }

// ResetCounts zeroes Hits and Total.
func (f *Fake) ResetCounts() { f.requests.ResetCounts() }

// Logs returns one line per request: method, path with query, and JSON body. Headers (and so
// the key) are never logged.
func (f *Fake) Logs() []string { return f.requests.Logs() }

// serve is the fake's HTTP handler: log, count, delay, fault, authenticate, route, validate.
func (f *Fake) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	_ = r.Body.Close()
	rt, params := match(r.Method, r.URL.Path)

	f.requests.Add(rt, strings.TrimSpace(fmt.Sprintf("%s %s %s", r.Method, r.URL.RequestURI(), compact(body))))
	fault := f.faults.Next(rt)

	if f.delay > 0 && !fakeserver.Wait(r.Context(), f.delay) {
		return
	}
	var res reply
	switch {
	case fault != nil && fault.Drop == Hang:
		<-r.Context().Done()
		return
	case fault != nil && fault.Drop == DropBefore:
		fakeserver.HangUp(w)
		return
	case fault != nil && fault.Drop == DropNone:
		res = telnyxError(fault.Status, fault.Code, fault.Title, fault.Detail)
		res.header = http.Header{}
		if fault.RetryAfter != "" {
			res.header.Set("Retry-After", fault.RetryAfter)
		}
		if fault.RateLimitReset != "" {
			res.header.Set("X-Ratelimit-Reset", fault.RateLimitReset)
		}
	default:
		res = f.handle(r, rt, params, body)
	}
	out, _ := res.encode()
	if f.specs != nil && rt != "" && !unvalidated[rt] {
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
	if fault != nil && fault.Drop == HangAfter {
		<-r.Context().Done()
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

// match names the route of a request and its path parameter.
func match(method, path string) (Route, string) {
	if id, ok := strings.CutPrefix(path, mediaPrefix); ok && method == http.MethodGet && !strings.Contains(id, "/") {
		return RouteRecordingMedia, strings.TrimSuffix(id, ".wav")
	}
	rest, ok := strings.CutPrefix(path, "/v2/")
	if !ok {
		return "", ""
	}
	seg := strings.Split(rest, "/")
	key := method + " " + seg[0]
	param := ""
	switch {
	case len(seg) == 2 && seg[0] == "phone_numbers" && seg[1] == "voice":
		key += "/voice"
	case len(seg) == 2:
		key, param = key+"/{id}", seg[1]
	case len(seg) == 3:
		key, param = key+"/{id}/"+seg[2], seg[1]
	case len(seg) > 3:
		return "", ""
	}
	for _, r := range Routes() {
		if string(r) == key {
			return r, param
		}
	}
	return "", ""
}

// handle authenticates and runs a route's handler under the lock.
func (f *Fake) handle(r *http.Request, rt Route, param string, body []byte) reply {
	h := handlers()[rt]
	if h == nil {
		f.report(fmt.Sprintf("vnum sent %s %s, which the fake does not implement", r.Method, r.URL.Path))
		return telnyxError(http.StatusNotFound, "10005", "Resource not found", "The requested resource or URL could not be found.")
	}
	if r.Header.Get("Authorization") != "Bearer "+f.APIKey {
		return telnyxError(http.StatusUnauthorized, "10009", "Authentication failed", "Could not understand the provided credentials.")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.advance(time.Now())
	return h(f, call{r: r, param: param, body: body})
}

func compact(body []byte) string {
	if len(body) == 0 {
		return ""
	}
	var v any
	if json.Unmarshal(body, &v) != nil {
		return string(body)
	}
	out, _ := json.Marshal(v)
	return string(out)
}

// reply is an answer before encoding.
type reply struct {
	status int
	body   any // nil: no body
	header http.Header
	raw    []byte // sent as it is when body is nil (a recording's audio)
}

func (r reply) encode() ([]byte, error) {
	if r.body == nil {
		return r.raw, nil
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

func ok(body any) reply { return reply{status: http.StatusOK, body: body} }

// telnyxError is Telnyx's error body: {"errors":[{code,title,detail}]}.
func telnyxError(status int, code, title, detail string) reply {
	if title == "" {
		title = http.StatusText(status)
	}
	if code == "" {
		code = fmt.Sprint(10000 + status)
	}
	e := map[string]any{"code": code, "title": title, "meta": map[string]any{"url": "https://developers.telnyx.com/docs/overview/errors/" + code}}
	if detail != "" {
		e["detail"] = detail
	}
	return reply{status: status, body: map[string]any{"errors": []any{e}}}
}

func notFound() reply {
	return telnyxError(http.StatusNotFound, "10005", "Resource not found", "The requested resource or URL could not be found.")
}

// Advance moves the detail records' clock forward by d: a message whose record was due within d
// now shows in them, without the test sleeping through the record delay.
func (f *Fake) Advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ahead += d
}
