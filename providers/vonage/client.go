package vonage

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/vnum-cli/vnum/providers"
	"github.com/vnum-cli/vnum/providers/internal/httperr"
	"github.com/vnum-cli/vnum/providers/internal/httppolicy"
)

// maxBody bounds what is read of one answer: a Reports batch of 1,000 records with their
// texts is well under it.
const maxBody = 8 << 20

// call is one adapter operation: its context (with a deadline) and name for errors.
type call struct {
	p   *Provider
	ctx context.Context
	op  string
}

// begin checks the context and gives the operation a deadline when it has none. done
// releases it.
func (p *Provider) begin(ctx context.Context, op string) (*call, context.CancelFunc, error) {
	if err := ctx.Err(); err != nil {
		return nil, func() {}, ctxError(op, err)
	}
	cancel := context.CancelFunc(func() {})
	if _, ok := ctx.Deadline(); !ok {
		ctx, cancel = context.WithTimeout(ctx, defaultOpTimeout)
	}
	return &call{p: p, ctx: ctx, op: op}, cancel, nil
}

// kind of request, which decides what a lost answer means.
type kind int

const (
	read     kind = iota // safe to repeat: retried on 429 and 5xx by the transport
	readOnce             // a read sent once (Verify: login reports what it saw)
	write                // not safe to repeat: a lost answer is an unknown outcome
)

// restGet reads path on rest.nexmo.com with the credentials in the query (the only place the
// Numbers and Account APIs take them on a GET) and decodes the JSON answer into out.
func (c *call) restGet(k kind, path string, q url.Values, out any) error {
	q = withCreds(q, c.p)
	req, err := http.NewRequestWithContext(c.ctx, http.MethodGet, c.p.restBase+path+"?"+q.Encode(), nil)
	if err != nil {
		return c.unbuildable(path)
	}
	return c.do(k, req, out)
}

// numbersPost sends a form to the Numbers API (/number/buy, cancel, update) with the
// credentials in the query: its document's security scheme is api_key and api_secret as query
// parameters, as Vonage's own SDK sends them, and a mock or gateway built from that document
// (Prism) refuses them in the form with 401. The GETs carry them there too.
func (c *call) numbersPost(path string, form url.Values, out any) error {
	return c.restPost(path, withCreds(nil, c.p), form, out)
}

// smsPost sends a form to the SMS API with the credentials in the form body, where its
// document puts them (api_key and api_secret are fields of the request body).
func (c *call) smsPost(path string, form url.Values, out any) error {
	return c.restPost(path, nil, withCreds(form, c.p), out)
}

func (c *call) restPost(path string, query, form url.Values, out any) error {
	u := c.p.restBase + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(c.ctx, http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		return c.unbuildable(path)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(write, req, out)
}

// apiGet reads an api.nexmo.com URL (a path with its query, or a next link Vonage gave) with
// HTTP Basic credentials.
func (c *call) apiGet(rawURL string, out any) error {
	req, err := http.NewRequestWithContext(c.ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return c.unbuildable(strings.SplitN(rawURL, "?", 2)[0])
	}
	req.SetBasicAuth(c.p.key, c.p.secret)
	return c.do(read, req, out)
}

func withCreds(v url.Values, p *Provider) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = vs
	}
	out.Set(CredAPIKey, p.key)
	out.Set(CredAPISecret, p.secret)
	return out
}

// unbuildable reports a request that could not be made; the URL is not quoted, since the
// error of a URL parse quotes it whole, secret included.
func (c *call) unbuildable(path string) error {
	return &providers.Error{Provider: Name, Op: c.op, Message: "cannot build the request to " + path}
}

// do sends req, reads the answer and decodes a JSON success into out. Every failure is a
// *providers.Error (or the context's error) carrying Vonage's own code and words.
func (c *call) do(k kind, req *http.Request, out any) error {
	req.Header.Set("Accept", "application/json")
	hc := c.p.reads
	if k != read {
		hc = c.p.once
	}
	resp, err := hc.Do(req)
	if err != nil {
		return c.noAnswer(k, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return c.noAnswer(k, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return c.refusal(k, resp, body)
	}
	// The legacy APIs answer some refusals with HTTP 200 and the real status in the body.
	var legacy struct {
		Code json.RawMessage `json:"error-code"`
	}
	if json.Unmarshal(body, &legacy) == nil && len(legacy.Code) > 0 {
		if code := strings.Trim(string(legacy.Code), `"`); code != "200" {
			return c.refusal(k, resp, body)
		}
	}
	if out == nil {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(out); err != nil {
		ct := resp.Header.Get("Content-Type")
		if ct == "" {
			ct = "no content type"
		}
		e := &providers.Error{Provider: Name, Op: c.op, Status: resp.StatusCode,
			Message: fmt.Sprintf("unreadable answer from Vonage to %s %s (%s)", req.Method, req.URL.Path, ct)}
		if k == write {
			// A 2xx we cannot read (a captive portal, a proxy's page): Vonage may have acted.
			httperr.MaybeDone(e, "Vonage")
		}
		return e
	}
	return nil
}

// noAnswer is the error for a request that got no (whole) answer.
func (c *call) noAnswer(k kind, err error) error {
	var refused *httppolicy.RefusedError
	if errors.As(err, &refused) && c.ctx.Err() == nil {
		// Not a network failure: trying again would be refused again.
		e := &providers.Error{Provider: Name, Op: c.op, Message: refused.Error()}
		if k == write && refused.Redirect {
			// The request itself reached Vonage, which answered with the redirect.
			httperr.MaybeDone(e, "Vonage")
		}
		return e
	}
	if k != write {
		return httperr.NoAnswer(c.ctx, Name, "Vonage", c.op, err)
	}
	if cerr := c.ctx.Err(); cerr != nil {
		return ctxError(c.op, cerr)
	}
	cause := err
	var ue *url.Error
	if errors.As(err, &ue) {
		cause = ue.Err // its own text is the whole URL
	}
	// Deliberately not ErrTemporary, so that no retry layer sends it again.
	return &providers.Error{Provider: Name, Op: c.op, Kind: providers.ErrUnknownOutcome,
		Message: fmt.Sprintf("no answer from Vonage (%v); the request may or may not have been carried out", cause)}
}

// refusal maps an error answer; a server error to a write leaves its outcome unknown.
func (c *call) refusal(k kind, resp *http.Response, body []byte) error {
	err := statusError(c.op, resp, body)
	var pe *providers.Error
	if k == write && errors.As(err, &pe) && errors.Is(pe.Kind, providers.ErrTemporary) {
		httperr.MaybeDone(pe, "Vonage")
	}
	return err
}

// apiError covers both error shapes Vonage uses: the legacy {"error-code","error-code-label"} of
// rest.nexmo.com, and RFC 7807 {"type","title","detail"} of its newer APIs.
type apiError struct {
	Code   json.RawMessage `json:"error-code"` // a string in the documents; tolerate a number
	Label  string          `json:"error-code-label"`
	Title  string          `json:"title"`
	Detail string          `json:"detail"`
}

// statusError maps a refusal, keeping Vonage's own code and words. The status is the HTTP one,
// or the body's error-code when Vonage answered 200 with an error inside.
func statusError(op string, resp *http.Response, body []byte) error {
	e := &providers.Error{Provider: Name, Op: op, Status: resp.StatusCode}
	var ae apiError
	if json.Unmarshal(body, &ae) == nil {
		e.Code = strings.Trim(string(ae.Code), `"`)
		switch {
		case ae.Label != "":
			e.Message = ae.Label
		case ae.Title != "":
			e.Message = ae.Title
			if d := strings.TrimSpace(ae.Detail); d != "" && !strings.EqualFold(d, ae.Title) {
				e.Message += ": " + d
			}
		}
	}
	status := resp.StatusCode
	if status == http.StatusOK {
		var n int
		if _, err := fmt.Sscanf(e.Code, "%d", &n); err == nil {
			status = n
		}
	}
	if e.Message == "" {
		e.Message = fmt.Sprintf("HTTP %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	e.Kind = kindOf(status)
	if errors.Is(e.Kind, providers.ErrRateLimited) {
		e.Retry = httperr.RetryAfter(resp.Header, "Retry-After")
	}
	return e
}

// kindOf picks the sentinel for an HTTP status (or the same number as a legacy error-code).
// 420, "method failed", means something else on each operation: its callers decide.
func kindOf(status int) error {
	switch {
	case status == http.StatusUnauthorized, status == http.StatusForbidden:
		return providers.ErrUnauthorized
	case status == http.StatusTooManyRequests:
		return providers.ErrRateLimited
	case status == http.StatusRequestTimeout, status >= 500:
		return providers.ErrTemporary
	}
	return nil
}

// ctxError reports a cancelled or expired operation; it wraps the context's error so that
// errors.Is(err, context.Canceled) works.
func ctxError(op string, err error) error {
	return fmt.Errorf("%s %s: %w", Name, op, err)
}

// is420 reports Vonage's "method failed", its answer to most refused writes.
func is420(err error) bool {
	var pe *providers.Error
	return errors.As(err, &pe) && pe.Kind == nil && (pe.Code == "420" || pe.Status == 420)
}
