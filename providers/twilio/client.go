package twilio

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/twilio/twilio-go/client"
	v2010 "github.com/twilio/twilio-go/rest/api/v2010"
	numbersv2 "github.com/twilio/twilio-go/rest/numbers/v2"
	pricingv1 "github.com/twilio/twilio-go/rest/pricing/v1"
	studiov2 "github.com/twilio/twilio-go/rest/studio/v2"

	"github.com/vnum-cli/vnum/providers"
	"github.com/vnum-cli/vnum/providers/internal/httppolicy"
)

// maxErrorBody bounds how much of an error response is kept for twilio-go to decode.
const maxErrorBody = 1 << 20

// maxBody bounds any answer: a page of 1,000 numbers or messages is a few MiB, and a server
// sending more (500 MB took vnum to 2 GB of memory) is cut off with an error.
const maxBody = 32 << 20

// maxPages bounds the pages one operation follows. twilio-go follows next_page_uri for as long
// as Twilio sends one; at 1,000 records a page this is far beyond any real account, and it stops
// a server (or a mock) whose next page never ends from keeping vnum busy forever.
const maxPages = 200

// call is one adapter operation's view of Twilio: twilio-go services whose every request carries
// the operation's context. twilio-go builds its requests with context.Background(), so the
// context travels in the transport instead; each call gets its own clients, so concurrent calls
// never share a context.
type call struct {
	ctx     context.Context
	op      string // "buy", "list", …, for error messages
	p       *Provider
	last    *lastResponse
	rh      *client.RequestHandler // for the few requests made without a generated service
	api     *v2010.ApiService
	pricing *pricingv1.ApiService
	studio  *studiov2.ApiService
	numbers *numbersv2.ApiService
}

// begin checks the context and prepares the clients for one operation. done releases the
// operation's timeout.
func (p *Provider) begin(ctx context.Context, op string) (*call, context.CancelFunc, error) {
	if err := ctx.Err(); err != nil {
		return nil, func() {}, ctxError(op, err)
	}
	cancel := context.CancelFunc(func() {})
	if _, ok := ctx.Deadline(); !ok {
		ctx, cancel = context.WithTimeout(ctx, defaultOpTimeout)
	}
	last := &lastResponse{}
	// No client Timeout: it would bound all attempts together, so one hung attempt would use up
	// the time of its retries. The retry layer bounds each attempt, the context the operation.
	// The carriers' common rule for where credentials may go (httppolicy): Twilio's hosts over
	// https or the base URL only, for every request (twilio-go follows any next-page URL an
	// answer names) and every redirect, never with a Referer, and no cookie jar.
	pol := p.policy()
	hc := &http.Client{
		Transport:     &boundTransport{ctx: ctx, op: op, next: p.retry, last: last, pages: map[string]bool{}, policy: pol},
		CheckRedirect: pol.CheckRedirect,
	}
	tc := &client.Client{Credentials: client.NewCredentials(p.username, p.password), HTTPClient: hc}
	tc.SetAccountSid(p.accountSID)
	var bc client.BaseClient = tc
	if p.baseURL != nil {
		bc = &rebasedClient{Client: tc, base: p.baseURL}
	}
	// Built by hand rather than with client.NewRequestHandler, which reads TWILIO_EDGE and
	// TWILIO_REGION from the process environment behind our back.
	rh := &client.RequestHandler{Client: bc}
	return &call{
		ctx:     ctx,
		op:      op,
		p:       p,
		last:    last,
		rh:      rh,
		api:     v2010.NewApiService(rh),
		pricing: pricingv1.NewApiService(rh),
		studio:  studiov2.NewApiService(rh),
		numbers: numbersv2.NewApiService(rh),
	}, cancel, nil
}

// lastResponse remembers the status and Retry-After of the latest response, which twilio-go's
// error type does not carry.
type lastResponse struct {
	mu         sync.Mutex
	status     int
	retryAfter string
}

func (l *lastResponse) set(status int, retryAfter string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.status, l.retryAfter = status, retryAfter
}

func (l *lastResponse) get() (status int, retryAfter string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.status, l.retryAfter
}

// boundTransport gives each request the operation's context, records what came back, and
// refuses to follow a next page it has already fetched in this operation (a loop) or more pages
// than maxPages.
type boundTransport struct {
	ctx  context.Context
	op   string
	next http.RoundTripper
	last *lastResponse

	policy httppolicy.Policy // where requests may go

	mu    sync.Mutex
	pages map[string]bool // next-page URLs already requested
}

func (t *boundTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	t.last.set(0, "") // a transport error must not inherit an earlier request's status
	if err := t.checkHost(req); err != nil {
		return nil, err
	}
	if err := t.checkPage(req); err != nil {
		return nil, err
	}
	// Replacing the context is safe: twilio-go's own is context.Background(), and
	// http.Client's Timeout is still enforced through Request.Cancel for custom transports.
	req = req.WithContext(t.ctx)
	req.Header = req.Header.Clone()
	req.Header.Del("Referer") // net/http sets one on a redirect; it may quote a URL of ours
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	t.last.set(resp.StatusCode, resp.Header.Get("Retry-After"))
	if resp.StatusCode >= http.StatusBadRequest {
		// twilio-go decodes error bodies but never closes them; buffering here releases the
		// connection whatever it does.
		body, rerr := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		_ = resp.Body.Close()
		if rerr != nil {
			body = nil
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		return resp, nil
	}
	resp.Body = &cappedBody{ReadCloser: resp.Body, left: maxBody, op: t.op}
	return resp, nil
}

// cappedBody fails a read past its limit instead of cutting the answer short silently.
type cappedBody struct {
	io.ReadCloser
	left int64
	op   string
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, &providers.Error{Provider: Name, Op: b.op,
			Message: fmt.Sprintf("Twilio's answer is larger than %d MiB: not read", maxBody>>20)}
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	return n, err
}

// checkHost keeps the credentials on Twilio: every request carries them, and twilio-go follows
// whatever next-page URL an answer names, so a request may only go where the policy allows.
func (t *boundTransport) checkHost(req *http.Request) error {
	if err := t.policy.Check(req.URL); err != nil {
		u := req.URL
		return &providers.Error{Provider: Name, Op: t.op,
			Message: fmt.Sprintf("Twilio's answer sent vnum on to %s://%s, which is not Twilio: not followed, so the credentials stay with Twilio", u.Scheme, u.Host)}
	}
	return nil
}

// policy is where this adapter's requests may go: Twilio's hosts, or the base URL override.
func (p *Provider) policy() httppolicy.Policy {
	return httppolicy.Policy{Carrier: Name, Title: "Twilio", Hosts: []string{".twilio.com"}, Base: p.baseURL}
}

// checkPage notes a request for a further page of a list (Twilio's next_page_uri carries Page
// and PageToken) and fails on one seen before or one too many.
func (t *boundTransport) checkPage(req *http.Request) error {
	q := req.URL.Query()
	if req.Method != http.MethodGet || (!q.Has("PageToken") && !q.Has("Page")) {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	key := req.URL.Path + "?" + q.Encode()
	switch {
	case t.pages[key]:
		return errPageLoop
	case len(t.pages) >= maxPages:
		return &providers.Error{Provider: Name, Op: t.op,
			Message: fmt.Sprintf("Twilio's list goes on past %d pages: vnum stopped reading it", maxPages)}
	}
	t.pages[key] = true
	return nil
}

// errPageLoop is what the transport answers a request for a page already read in the same
// operation. Every record of a looping list has been seen by then, so collect ends the list there.
var errPageLoop = errors.New("twilio: next page already read")

// collect drains one of twilio-go's record streams, dropping records whose key was already seen
// (a looping list repeats them) and ending quietly where the list loops back.
func collect[T any](records <-chan T, errs <-chan error, key func(*T) string) ([]T, error) {
	var out []T
	seen := map[string]bool{}
	for r := range records {
		if k := key(&r); k != "" {
			if seen[k] {
				continue
			}
			seen[k] = true
		}
		out = append(out, r)
	}
	if err := <-errs; err != nil && !errors.Is(err, errPageLoop) {
		return nil, err
	}
	return out, nil
}

// rebasedClient sends every request, whatever Twilio host twilio-go aimed it at (api, pricing,
// studio, numbers, or an absolute next-page URL), to one base URL, keeping path and query.
type rebasedClient struct {
	*client.Client
	base *url.URL
}

func (c *rebasedClient) SendRequest(method, rawURL string, data url.Values, headers map[string]any, body ...byte) (*http.Response, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	u.Scheme, u.Host = c.base.Scheme, c.base.Host
	if c.base.Path != "" {
		u.Path = c.base.Path + u.Path
		u.RawPath = ""
	}
	return c.Client.SendRequest(method, u.String(), data, headers, body...)
}

// ctxError reports a cancelled or expired operation; it wraps the context's error so callers'
// errors.Is(err, context.Canceled) works.
func ctxError(op string, err error) error {
	return &ctxErr{op: op, err: err}
}

type ctxErr struct {
	op  string
	err error
}

func (e *ctxErr) Error() string { return Name + " " + e.op + ": " + e.err.Error() }
func (e *ctxErr) Unwrap() error { return e.err }

// retryAfter turns the recorded header into a duration, if there was one.
func (c *call) retryAfter() time.Duration {
	_, ra := c.last.get()
	if d, ok := parseRetryAfter(ra); ok {
		return d
	}
	return 0
}
