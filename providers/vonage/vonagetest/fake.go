// Package vonagetest is an in-process Vonage account for tests: an httptest.Server that keeps an
// account's balance, numbers and their configuration, sent and received SMS, answers like
// Vonage on the real paths (/number/search, /account/get-balance, /sms/json,
// /v2/reports/records, …), and checks every request it receives and every answer it gives
// against Vonage's official OpenAPI documents when they are loaded (see LoadSpecs).
//
// Money is real in the fake: buying a number takes its first month from the balance, sending
// an SMS takes its price, and a balance that cannot pay gets Vonage's own refusals. Received
// SMS reach the Reports API only after a delay (WithReportsDelay), as on the real service.
// Faults can be injected per route (Inject), latency added (WithDelay), and answers lost after
// the work was done (Fault.Drop).
package vonagetest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vnum-cli/vnum/providers/internal/fakeserver"
)

// Route names one endpoint of the fake, for fault injection and request counts.
type Route string

// The endpoints the fake implements, by their real paths.
const (
	RouteSearch  Route = "GET /number/search"
	RouteBuy     Route = "POST /number/buy"
	RouteCancel  Route = "POST /number/cancel"
	RouteUpdate  Route = "POST /number/update"
	RouteOwned   Route = "GET /account/numbers"
	RouteBalance Route = "GET /account/get-balance"
	RoutePricing Route = "GET /account/get-pricing/outbound/sms"
	RouteSend    Route = "POST /sms/json"
	RouteRecords Route = "GET /v2/reports/records"

	// Applications API v2 (Nexmo/api-specification definitions/application.v2.yml), HTTP Basic.
	RouteAppCreate Route = "POST /v2/applications"
	RouteAppList   Route = "GET /v2/applications"
	RouteAppGet    Route = "GET /v2/applications/{id}"
	RouteAppUpdate Route = "PUT /v2/applications/{id}"
	RouteAppDelete Route = "DELETE /v2/applications/{id}"
	// A recording a record action made (Voice API, voice.yml: GET the event's recording_url
	// with the application's JWT).
	RouteRecording Route = "GET /v1/files/{id}"
)

// Routes lists every route, in a stable order.
func Routes() []Route {
	return []Route{RouteSearch, RouteBuy, RouteCancel, RouteUpdate, RouteOwned, RouteBalance, RoutePricing, RouteSend, RouteRecords,
		RouteAppCreate, RouteAppList, RouteAppGet, RouteAppUpdate, RouteAppDelete, RouteRecording}
}

// Drop says how an injected fault loses the answer instead of sending an error.
type Drop int

const (
	// DropNone answers with the fault's status and error.
	DropNone Drop = iota
	// DropBefore closes the connection without doing anything.
	DropBefore
	// DropAfter does the work, then closes the connection without answering: a lost reply.
	DropAfter
	// GatewayAfter does the work, then answers the fault's Status with an HTML page: a gateway
	// that gave up waiting while Vonage carried on.
	GatewayAfter
	// HoldAfter does the work, then keeps the answer back for the fault's Hold (or until the
	// client gives up): the moment to kill vnum with the number sold but not yet recorded.
	HoldAfter
)

// Fault is an injected failure for the next requests on a route.
type Fault struct {
	Status     int           // HTTP status, e.g. 429; with In200, the error-code inside an HTTP 200
	Label      string        // Vonage's error-code-label (or RFC 7807 title); a default when empty
	In200      bool          // answer HTTP 200 with the error inside, as the legacy APIs sometimes do
	RetryAfter string        // Retry-After header, if any
	Times      int           // how many requests it answers; 0 means 1
	Drop       Drop          // lose the answer instead of sending the error
	Hold       time.Duration // with HoldAfter, how long the answer is kept back
}

// Option configures a Fake.
type Option func(*Fake)

// WithSpecs validates every exchange against the loaded documents.
func WithSpecs(s *Specs) Option { return func(f *Fake) { f.specs = s } }

// WithDelay adds latency to every request.
func WithDelay(d time.Duration) Option { return func(f *Fake) { f.delay = d } }

// WithReportsDelay is how long a received SMS takes to show in the Reports API.
func WithReportsDelay(d time.Duration) Option { return func(f *Fake) { f.reportsDelay = d } }

// WithBalance sets the account's starting balance (default 10.00).
func WithBalance(micros int64) Option { return func(f *Fake) { f.balance = micros } }

// WithCurrency sets the account's currency (default EUR).
func WithCurrency(c string) Option { return func(f *Fake) { f.currency = c } }

// WithBatchSize sets how many records one Reports answer holds before its next link (Vonage:
// 1,000).
func WithBatchSize(n int) Option { return func(f *Fake) { f.batch = n } }

// WithSecret sets the account's API secret (default: random letters and digits), e.g. one with
// characters a URL encodes, to look for it in every encoding.
func WithSecret(secret string) Option { return func(f *Fake) { f.APISecret = secret } }

// WithReporter sends validation failures to report instead of failing the test.
func WithReporter(report func(problem string)) Option { return func(f *Fake) { f.report = report } }

// Fake is one Vonage account behind an httptest.Server.
type Fake struct {
	URL       string // base URL; rest.nexmo.com and api.nexmo.com are both served here
	APIKey    string // 8 hex digits, as Vonage's
	APISecret string
	// SignatureSecret is the account's signature secret, which signs the Voice API webhooks of
	// applications with signed_callbacks (Call).
	SignatureSecret string

	srv          *httptest.Server
	closeOnce    sync.Once
	specs        *Specs
	report       func(string)
	delay        time.Duration
	reportsDelay time.Duration
	batch        int
	// ahead is how far Advance has moved the Reports API's clock past the real one.
	ahead time.Duration

	mu        sync.Mutex
	balance   int64 // micros
	currency  string
	numbers   map[string]*number // msisdn → owned number
	stock     map[string][]*offer
	used      map[string]bool // numbers ever generated, E.164
	paperwork map[string]bool // countries whose numbers need an address (buy refused with 420)
	messages  []*message
	seq       int
	apps      map[string]*app
	files     map[string]*recording

	faults   fakeserver.Faults[Route, Fault]
	requests fakeserver.Requests[Route]
	problems fakeserver.Problems // a lock of their own: handlers report while holding mu
}

// New starts a fake Vonage account and stops it when the test ends. A validation failure fails
// the test unless WithReporter sends it elsewhere.
func New(tb testing.TB, opts ...Option) *Fake {
	tb.Helper()
	f := start(func(p string) { tb.Errorf("vonagetest: %s", p) }, opts)
	tb.Cleanup(f.Close)
	return f
}

// Start starts a fake account outside a Go test (a testscript session); Close stops it.
// Validation failures go to the WithReporter function, else are kept for Problems.
func Start(opts ...Option) *Fake { return start(nil, opts) }

func start(report func(string), opts []Option) *Fake {
	f := &Fake{
		APIKey:    fakeserver.RandomHex(4),
		APISecret: "Vs" + fakeserver.RandomHex(7),
		// SignatureSecret: what the dashboard shows under API settings.
		SignatureSecret: "Sg" + fakeserver.RandomHex(16),
		apps:            map[string]*app{},
		files:           map[string]*recording{},
		report:          report,
		batch:           1000,
		balance:         10_000_000,
		currency:        "EUR",
		numbers:         map[string]*number{},
		stock:           map[string][]*offer{},
		used:            map[string]bool{},
		paperwork:       map[string]bool{},
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
func (f *Fake) Close() { f.closeOnce.Do(f.srv.Close) }

// Problems returns the validation failures kept so far by a fake from Start without a
// reporter, oldest first.
func (f *Fake) Problems() []string {
	return f.problems.All()
}

// Inject queues a fault for the next requests on a route.
func (f *Fake) Inject(r Route, fault Fault) { f.faults.Push(r, fault, fault.Times) }

// SetBalance sets the account's balance, in millionths of its currency.
func (f *Fake) SetBalance(micros int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.balance = micros
}

// Balance is the account's balance, in millionths of its currency.
func (f *Fake) Balance() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.balance
}

// RequirePaperwork makes a country's numbers refused by the API (420, "buy from the
// dashboard: an address is needed"), as Vonage does where a local address is required.
func (f *Fake) RequirePaperwork(country string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.paperwork[strings.ToUpper(country)] = true
}

// Hits is how many requests a route received, faults included.
func (f *Fake) Hits(r Route) int { return f.requests.Hits(r) }

// Total is how many requests the fake received.
func (f *Fake) Total() int { return f.requests.Total() }

// ResetCounts zeroes Hits and Total.
func (f *Fake) ResetCounts() { f.requests.ResetCounts() }

// Logs returns one line per request: method, path and parameters, the secret replaced by
// [redacted] (the fake's own logs are no place for it either).
func (f *Fake) Logs() []string { return f.requests.Logs() }

// NumberState is what the fake knows about an owned number.
type NumberState struct {
	MSISDN, Country, Type                 string
	VoiceCallbackType, VoiceCallbackValue string
	MoHTTPURL, AppID, VoiceStatusCallback string
}

// Numbers returns every owned number, oldest first.
func (f *Fake) Numbers() []NumberState {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]NumberState, 0, len(f.numbers))
	for _, n := range f.sortedNumbers() {
		out = append(out, NumberState{MSISDN: n.msisdn, Country: n.country, Type: n.typ,
			VoiceCallbackType: n.cfg.Get("voiceCallbackType"), VoiceCallbackValue: n.cfg.Get("voiceCallbackValue"),
			MoHTTPURL: n.cfg.Get("moHttpUrl"), AppID: n.cfg.Get("app_id"), VoiceStatusCallback: n.cfg.Get("voiceStatusCallback")})
	}
	return out
}

// Configure sets part of an owned number's configuration the way the dashboard would (keys as
// /number/update names them: moHttpUrl, app_id, voiceCallbackType, …).
func (f *Fake) Configure(msisdn string, cfg map[string]string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, ok := f.numbers[strings.TrimPrefix(msisdn, "+")]
	if !ok {
		return false
	}
	for k, v := range cfg {
		n.cfg.Set(k, v)
	}
	return true
}

// MessageState is what the fake knows about an SMS.
type MessageState struct {
	ID, From, To, Text, Direction string
}

// Messages returns every SMS, oldest first; numbers are msisdns (no "+").
func (f *Fake) Messages() []MessageState {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]MessageState, 0, len(f.messages))
	for _, m := range f.messages {
		out = append(out, MessageState{ID: m.id, From: m.from, To: m.to, Text: m.text, Direction: m.direction})
	}
	return out
}

// Advance moves the Reports API's clock forward by d: what arrived d earlier than the reports
// delay now shows, without the test sleeping through the delay.
func (f *Fake) Advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ahead += d
}

// Deliver makes an SMS arrive at a number (E.164 or msisdn); from is a number or a sender id.
// It shows in the Reports API after the reports delay. It returns the message id.
func (f *Fake) Deliver(from, to, text string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := &message{id: fakeserver.NewUUID(), from: strings.TrimPrefix(from, "+"), to: strings.TrimPrefix(to, "+"), text: text,
		direction: "inbound", received: time.Now().UTC()}
	f.messages = append(f.messages, m)
	return m.id
}

// Seed gives the account n numbers of a country and Vonage type (landline, mobile-lvn,
// landline-toll-free) without going through the API. It returns their msisdns.
func (f *Fake) Seed(country, typ string, n int) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, o := range f.generate(strings.ToUpper(country), typ, n) {
		f.own(o)
		out = append(out, o.msisdn)
	}
	return out
}

// Release cancels an owned number outside vnum.
func (f *Fake) Release(msisdn string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	msisdn = strings.TrimPrefix(msisdn, "+")
	if _, ok := f.numbers[msisdn]; !ok {
		return false
	}
	delete(f.numbers, msisdn)
	return true
}

// serve is the handler: log, count, delay, fault, authenticate, route, validate.
func (f *Fake) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	_ = r.Body.Close()
	form := r.URL.Query()
	if r.Method == http.MethodPost {
		if parsed, err := url.ParseQuery(string(body)); err == nil {
			for k, v := range parsed {
				form[k] = v
			}
		}
	}
	rt := routeOf(r)
	f.requests.Add(rt, strings.TrimSpace(r.Method+" "+r.URL.Path+" "+redactForm(form).Encode()))
	fault := f.faults.Next(rt)

	if f.delay > 0 && !fakeserver.Wait(r.Context(), f.delay) {
		return
	}
	var res reply
	switch {
	case fault != nil && fault.Drop == DropBefore:
		fakeserver.HangUp(w)
		return
	case fault != nil && fault.Drop == DropNone:
		res = faultReply(rt, *fault)
	case rt.voiceAPI():
		res = f.handleVoiceAPI(r, rt, body)
	default:
		res = f.handle(r, rt, form)
	}
	out := res.encode()
	if f.specs != nil && res.known && rt.documented() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 10*time.Second)
		for _, p := range f.specs.validate(ctx, exchange{req: r, body: body, form: form, status: res.status, header: res.headers(), resp: out}) {
			f.report(p)
		}
		cancel()
	}
	switch {
	case fault != nil && fault.Drop == DropAfter:
		fakeserver.HangUp(w)
		return
	case fault != nil && fault.Drop == HoldAfter:
		if !fakeserver.Wait(r.Context(), fault.Hold) {
			return
		}
	case fault != nil && fault.Drop == GatewayAfter:
		fakeserver.GatewayPage(w, fault.Status)
		return
	}
	for k, vs := range res.headers() {
		w.Header()[k] = vs
	}
	w.WriteHeader(res.status)
	_, _ = w.Write(out)
}

func redactForm(form url.Values) url.Values {
	out := url.Values{}
	for k, v := range form {
		if k == "api_secret" {
			v = []string{"[redacted]"}
		}
		out[k] = v
	}
	return out
}

func faultReply(rt Route, fault Fault) reply {
	label := fault.Label
	if label == "" {
		label = http.StatusText(fault.Status)
		if label == "" {
			label = "method failed"
		}
	}
	var res reply
	if rt == RouteRecords || strings.HasPrefix(string(rt), "GET /v2/") || strings.Contains(string(rt), " /v2/applications") {
		res = problem(fault.Status, label, "")
	} else {
		res = legacyError(fault.Status, label)
		if fault.In200 {
			res.status = http.StatusOK
		}
	}
	if fault.RetryAfter != "" {
		res.header = http.Header{"Retry-After": {fault.RetryAfter}}
	}
	return res
}

// reply is an answer before encoding.
type reply struct {
	status int
	body   any
	header http.Header
	known  bool   // the route is one of Vonage's: validate the exchange
	raw    []byte // a body sent as it is (a recording), instead of body's JSON
}

func (r reply) encode() []byte {
	if r.raw != nil {
		return r.raw
	}
	if r.body == nil {
		return nil
	}
	b, _ := json.Marshal(r.body)
	return b
}

func (r reply) headers() http.Header {
	h := http.Header{}
	for k, v := range r.header {
		h[k] = v
	}
	if r.body != nil && h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
	return h
}

func ok(body any) reply { return reply{status: http.StatusOK, body: body, known: true} }

// legacyError is rest.nexmo.com's error: {"error-code": "420", "error-code-label": "…"}.
func legacyError(status int, label string) reply {
	return reply{status: status, known: true, body: map[string]string{"error-code": fmt.Sprint(status), "error-code-label": label}}
}

// problem is api.nexmo.com's RFC 7807 error.
func problem(status int, title, detail string) reply {
	body := map[string]string{"type": "https://developer.vonage.com/api-errors#" + strings.ReplaceAll(strings.ToLower(http.StatusText(status)), " ", "-"),
		"title": title, "instance": fakeserver.NewUUID()}
	if detail != "" {
		body["detail"] = detail
	}
	return reply{status: status, known: true, body: body}
}
