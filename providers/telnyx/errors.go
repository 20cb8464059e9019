package telnyx

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/vnum-cli/vnum/providers"
	"github.com/vnum-cli/vnum/providers/internal/httperr"
)

// Telnyx error codes with a meaning here (https://developers.telnyx.com/docs/api/v2/overview#errors).
const (
	codeAuthenticationFailed = "10009"
	codeAuthorizationFailed  = "10010"
	codeTooManyRequests      = "10011"
	// codeSearchFirst: "Must search phone number via search API first" — the number was not in a
	// recent search, or is no longer for sale.
	codeSearchFirst = "85000"
)

// apiError is Telnyx's error envelope: {"errors":[{"code":"10009","title":"…","detail":"…"}]}.
type apiError struct {
	Errors []struct {
		Code   json.RawMessage `json:"code"` // a string in the docs; tolerate a number
		Title  string          `json:"title"`
		Detail string          `json:"detail"`
	} `json:"errors"`
}

// statusError maps a non-2xx answer, keeping Telnyx's own code and words: one sentence per
// error Telnyx gives.
func statusError(op string, resp *http.Response, body []byte) *providers.Error {
	e := &providers.Error{Provider: Name, Op: op, Status: resp.StatusCode}
	var ae apiError
	if json.Unmarshal(body, &ae) == nil && len(ae.Errors) > 0 {
		var sentences []string
		for i, x := range ae.Errors {
			code := strings.Trim(string(x.Code), `"`)
			if i == 0 {
				e.Code = code
			}
			s := x.Title
			if d := strings.TrimSpace(x.Detail); d != "" && !strings.EqualFold(d, x.Title) {
				if s != "" {
					s += ": "
				}
				s += d
			}
			if s != "" {
				sentences = append(sentences, s)
			}
		}
		e.Message = strings.Join(sentences, "; ")
	}
	if e.Message == "" {
		e.Message = fmt.Sprintf("HTTP %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	e.Kind = kindOf(resp.StatusCode, e.Code, e.Message)
	if errors.Is(e.Kind, providers.ErrRateLimited) {
		e.Retry = httperr.RetryAfter(resp.Header, "Retry-After", "X-Ratelimit-Reset")
	}
	if e.Code == codeSearchFirst {
		e.Message += ": the number is no longer for sale (Telnyx sells only numbers a recent search offered); search again and pick another"
	}
	return e
}

// kindOf picks the sentinel for a Telnyx code or, failing that, the HTTP status and words.
func kindOf(status int, code, message string) error {
	switch code {
	case codeAuthenticationFailed, codeAuthorizationFailed:
		return providers.ErrUnauthorized
	case codeTooManyRequests:
		return providers.ErrRateLimited
	case codeSearchFirst:
		return providers.ErrUnavailable
	}
	lower := strings.ToLower(message)
	switch {
	case status == http.StatusUnauthorized, status == http.StatusForbidden && !strings.Contains(lower, "balance"):
		return providers.ErrUnauthorized
	case status == http.StatusTooManyRequests:
		return providers.ErrRateLimited
	case status == http.StatusRequestTimeout, status >= 500:
		return providers.ErrTemporary
	case status >= 400 && (strings.Contains(lower, "insufficient funds") || strings.Contains(lower, "insufficient balance") ||
		strings.Contains(lower, "balance is too low") || strings.Contains(lower, "not enough balance")):
		return providers.ErrInsufficientFunds
	}
	return nil
}

func contentType(resp *http.Response) string {
	if ct := resp.Header.Get("Content-Type"); ct != "" {
		return ct
	}
	return "no content type"
}
