package telnyx

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
)

// request is one call to the API beyond method and path.
type request struct {
	query url.Values
	body  any // JSON-encoded when not nil
	// idempotencyKey is sent as Idempotency-Key. Telnyx honours it only on endpoints whose
	// reference declares it, which number orders do not (CARRIERS.md): nothing relies on it, and a
	// write whose answer was lost is looked up, never sent again (see do).
	idempotencyKey string
	// notFound is the message for a 404, which then wraps providers.ErrNotFound; "" leaves a 404
	// a plain error (a wrong base URL answers 404 too).
	notFound string
}

// bound gives an operation a deadline when its caller set none.
func bound(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, defaultOpTimeout)
}

// do sends one request and decodes a 2xx answer's JSON into out (when not nil). Failures are
// *providers.Error (or wrap the context's error), never quoting the key. A write (POST) that got
// no answer, a 5xx, or an unreadable 2xx has an unknown outcome: it is marked
// providers.ErrUnknownOutcome, for the caller to look up rather than repeat.
func (p *Provider) do(ctx context.Context, op, method, path string, r *request, out any) (err error) {
	defer func() { err = httperr.Redact(err, p.key) }()
	if r == nil {
		r = &request{}
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s %s: %w", Name, op, err)
	}
	write := method == http.MethodPost
	u := p.base + path
	if len(r.query) > 0 {
		u += "?" + encodeQuery(r.query)
	}
	var body io.Reader
	if r.body != nil {
		raw, err := json.Marshal(r.body)
		if err != nil {
			return &providers.Error{Provider: Name, Op: op, Message: err.Error()}
		}
		body = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return &providers.Error{Provider: Name, Op: op, Message: err.Error()}
	}
	req.Header.Set("Authorization", "Bearer "+p.key)
	req.Header.Set("Accept", "application/json")
	if r.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.idempotencyKey != "" {
		req.Header.Set("Idempotency-Key", r.idempotencyKey)
	}
	if write {
		// net/http resends a request with an Idempotency-Key by itself when a reused connection
		// drops before the answer; Telnyx honours the key only where its reference declares it,
		// which number orders do not. Without GetBody it cannot: a write whose answer was lost is
		// looked up by the caller, never sent again.
		req.GetBody = nil
	}

	resp, raw, err := httperr.Send(ctx, p.hc, httperr.Carrier{Name: Name, Title: "Telnyx"}, op, req, maxBody)
	if err != nil {
		return unknownIf(write, err)
	}
	if resp.StatusCode >= http.StatusBadRequest || resp.StatusCode < http.StatusOK {
		pe := statusError(op, resp, raw)
		if resp.StatusCode == http.StatusNotFound && r.notFound != "" {
			pe.Kind = providers.ErrNotFound
			if pe.Message == "" || strings.HasPrefix(pe.Message, "HTTP ") {
				pe.Message = r.notFound
			}
		}
		if write && resp.StatusCode >= http.StatusInternalServerError {
			httperr.MaybeDone(pe, "Telnyx")
		}
		return pe
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return unknownIf(write, &providers.Error{Provider: Name, Op: op, Status: resp.StatusCode,
			Message: fmt.Sprintf("unreadable answer from Telnyx to %s %s (%s)", method, path, contentType(resp))})
	}
	return nil
}

// unknownIf marks a failed write's error as an unknown outcome, and says so: the request may
// have been carried out although no usable answer came back ("cannot reach Telnyx" alone would
// read as nothing done).
func unknownIf(write bool, err error) error {
	var pe *providers.Error
	if !write || !errors.As(err, &pe) {
		return err
	}
	httperr.MaybeDone(pe, "Telnyx")
	return err
}

// encodeQuery is url.Values.Encode with the brackets of Telnyx's deepObject parameters
// (filter[country_code]) left as they are, as Telnyx's documentation writes them.
func encodeQuery(q url.Values) string {
	return strings.NewReplacer("%5B", "[", "%5D", "]").Replace(q.Encode())
}

// pageMeta is the paging part of a list answer.
type pageMeta struct {
	PageNumber   int `json:"page_number"`
	PageSize     int `json:"page_size"`
	TotalPages   int `json:"total_pages"`
	TotalResults int `json:"total_results"`
}
