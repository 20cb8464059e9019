// Package telnyx is the start of vnum's adapter for Telnyx (api.telnyx.com, API v2), on plain
// net/http. For now it holds only Verify, which `vnum auth login telnyx` uses to check an API key
// before saving it; Telnyx is not yet a carrier vnum can buy from, so it is not in the registry.
package telnyx

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/vnum-cli/vnum/providers"
	"github.com/vnum-cli/vnum/providers/internal/httperr"
)

// Name is the carrier's name in vnum (credentials, flags, messages).
const Name = "telnyx"

// Environment variables read through Settings.Env.
const (
	envNamespace = "VNUM_TELNYX_"
	// EnvBaseURL sends every Telnyx request to this base URL instead of https://api.telnyx.com,
	// keeping the paths (/v2/balance): for tests, gateways and recording proxies.
	EnvBaseURL = envNamespace + "BASE_URL"
)

// CredAPIKey is the credential key in Settings.Credentials: the API key, which is the secret.
const CredAPIKey = "api_key"

// DefaultBaseURL is where requests go without EnvBaseURL.
const DefaultBaseURL = "https://api.telnyx.com"

// balancePath is the cheapest authenticated read: the account's balance.
const balancePath = "/v2/balance"

const (
	// defaultTimeout bounds Verify when the caller's context has no deadline.
	defaultTimeout = 30 * time.Second
	// maxBody bounds what is read of an answer: a balance or an error is a few hundred bytes.
	maxBody = 64 << 10
)

// Telnyx error codes with a meaning here (https://developers.telnyx.com/docs/api/v2/overview#errors).
const (
	codeAuthenticationFailed = "10009"
	codeAuthorizationFailed  = "10010"
	codeTooManyRequests      = "10011"
)

// Descriptor is everything vnum knows about Telnyx (see providers.Descriptor). It has no New
// yet: vnum keeps and checks Telnyx credentials, but cannot buy from Telnyx.
func Descriptor() providers.Descriptor {
	return providers.Descriptor{
		Name:        Name,
		Title:       "Telnyx",
		Description: "Telnyx: numbers in many countries",
		Auth: []providers.CredentialSet{{Name: "API key", Fields: []providers.Credential{
			{Key: CredAPIKey, Label: "API key", Env: []string{"TELNYX_API_KEY"}, Secret: true},
		}}},
		Endpoint: providers.Endpoint{Default: DefaultBaseURL, Env: EnvBaseURL, Option: "base_url"},
		Verify:   Verify,
	}
}

// Verify checks the API key in s.Credentials with one authenticated read, GET /v2/balance, and
// never retries it. Telnyx gives no account id there, so the account returned is always "".
//
// A refused key gives an *providers.Error wrapping providers.ErrUnauthorized; a rate limit,
// ErrRateLimited (with Retry set from Retry-After or x-ratelimit-reset); a 5xx answer or no
// answer, ErrTemporary. A cancelled context gives an error wrapping the context's error. No
// error ever contains the key.
func Verify(ctx context.Context, s providers.Settings) (account string, err error) {
	const op = "verify"
	key := strings.TrimSpace(s.Credentials[CredAPIKey])
	if key == "" {
		return "", &providers.Error{Provider: Name, Op: op, Kind: providers.ErrUnauthorized, Message: "credentials: missing " + CredAPIKey}
	}
	defer func() { err = httperr.Redact(err, key) }()

	base, err := Descriptor().Endpoint.BaseURL(s)
	if err != nil {
		return "", &providers.Error{Provider: Name, Op: op, Message: err.Error()}
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, defaultTimeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+balancePath, nil)
	if err != nil {
		return "", &providers.Error{Provider: Name, Op: op, Message: err.Error()}
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Accept", "application/json")

	resp, body, err := httperr.Send(ctx, s, httperr.Carrier{Name: Name, Title: "Telnyx"}, op, req, maxBody)
	if err != nil {
		return "", err
	}

	if resp.StatusCode != http.StatusOK {
		return "", statusError(op, resp, body)
	}
	var ok struct {
		Data *struct {
			RecordType string `json:"record_type"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &ok); err != nil || ok.Data == nil {
		// A 200 that is not Telnyx's answer: a captive portal or a misdirected base URL.
		return "", &providers.Error{Provider: Name, Op: op, Status: resp.StatusCode,
			Message: fmt.Sprintf("unreadable answer from Telnyx to GET %s (%s): not a balance", balancePath, contentType(resp))}
	}
	return "", nil
}

// apiError is Telnyx's error envelope: {"errors":[{"code":"10009","title":"…","detail":"…"}]}.
type apiError struct {
	Errors []struct {
		Code   json.RawMessage `json:"code"` // a string in the docs; tolerate a number
		Title  string          `json:"title"`
		Detail string          `json:"detail"`
	} `json:"errors"`
}

// statusError maps a non-200 answer, keeping Telnyx's own code and words.
func statusError(op string, resp *http.Response, body []byte) error {
	e := &providers.Error{Provider: Name, Op: op, Status: resp.StatusCode}
	var ae apiError
	if json.Unmarshal(body, &ae) == nil && len(ae.Errors) > 0 {
		first := ae.Errors[0]
		e.Code = strings.Trim(string(first.Code), `"`)
		e.Message = first.Title
		if d := strings.TrimSpace(first.Detail); d != "" && !strings.EqualFold(d, first.Title) {
			if e.Message != "" {
				e.Message += ": "
			}
			e.Message += d
		}
	}
	if e.Message == "" {
		e.Message = fmt.Sprintf("HTTP %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	e.Kind = kindOf(resp.StatusCode, e.Code)
	if errors.Is(e.Kind, providers.ErrRateLimited) {
		e.Retry = httperr.RetryAfter(resp.Header, "Retry-After", "X-Ratelimit-Reset")
	}
	return e
}

// kindOf picks the sentinel for a Telnyx code or, failing that, the HTTP status.
func kindOf(status int, code string) error {
	switch code {
	case codeAuthenticationFailed, codeAuthorizationFailed:
		return providers.ErrUnauthorized
	case codeTooManyRequests:
		return providers.ErrRateLimited
	}
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

func contentType(resp *http.Response) string {
	if ct := resp.Header.Get("Content-Type"); ct != "" {
		return ct
	}
	return "no content type"
}
