// Package vonage is the start of vnum's adapter for Vonage (ex-Nexmo: rest.nexmo.com for numbers,
// SMS and the account), on plain net/http. For now it holds only Verify, which `vnum auth login
// vonage` uses to check an API key and secret before saving them; Vonage is not yet a carrier vnum
// can buy from, so it is not in the registry.
package vonage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/vnum-cli/vnum/providers"
	"github.com/vnum-cli/vnum/providers/internal/httperr"
)

// Name is the carrier's name in vnum (credentials, flags, messages).
const Name = "vonage"

// Environment variables read through Settings.Env.
const (
	envNamespace = "VNUM_VONAGE_"
	// EnvBaseURL sends every Vonage request to this base URL instead of https://rest.nexmo.com,
	// keeping the paths (/account/get-balance): for tests, gateways and recording proxies.
	EnvBaseURL = envNamespace + "BASE_URL"
)

// Credential keys in Settings.Credentials. The API key is the account's public id; the API
// secret is the secret.
const (
	CredAPIKey    = "api_key"
	CredAPISecret = "api_secret"
)

// DefaultBaseURL is where requests go without EnvBaseURL.
const DefaultBaseURL = "https://rest.nexmo.com"

// balancePath is the cheapest authenticated read: the account's balance. Like the rest of
// rest.nexmo.com it takes the credentials as the query parameters api_key and api_secret.
const balancePath = "/account/get-balance"

const (
	// defaultTimeout bounds Verify when the caller's context has no deadline.
	defaultTimeout = 30 * time.Second
	// maxBody bounds what is read of an answer: a balance or an error is a few dozen bytes.
	maxBody = 64 << 10
)

// Descriptor is everything vnum knows about Vonage (see providers.Descriptor). It has no New
// yet: vnum keeps and checks Vonage credentials, but cannot buy from Vonage.
func Descriptor() providers.Descriptor {
	return providers.Descriptor{
		Name:        Name,
		Title:       "Vonage",
		Description: "Vonage (ex-Nexmo): numbers in many countries",
		Auth: []providers.CredentialSet{{Name: "API key", Account: CredAPIKey, Fields: []providers.Credential{
			{Key: CredAPIKey, Label: "API key", Env: []string{"VONAGE_API_KEY"},
				Flag: "api-key", FlagHelp: "the API key shown in the Vonage dashboard; not a secret"},
			{Key: CredAPISecret, Label: "API secret", Env: []string{"VONAGE_API_SECRET"}, Secret: true},
		}}},
		Endpoint: providers.Endpoint{Default: DefaultBaseURL, Env: EnvBaseURL, Option: "base_url"},
		Verify:   Verify,
	}
}

// Verify checks the API key and secret in s.Credentials with one authenticated read, GET
// /account/get-balance, and never retries it. It returns the API key, which is the account's
// non-secret id.
//
// Refused credentials give an *providers.Error wrapping providers.ErrUnauthorized; a rate limit,
// ErrRateLimited (with Retry set from Retry-After); a 5xx answer or no answer, ErrTemporary. A
// cancelled context gives an error wrapping the context's error. No error ever contains the
// secret: the request's URL, which carries it, is never quoted.
func Verify(ctx context.Context, s providers.Settings) (account string, err error) {
	const op = "verify"
	key := strings.TrimSpace(s.Credentials[CredAPIKey])
	secret := strings.TrimSpace(s.Credentials[CredAPISecret])
	var missing []string
	if key == "" {
		missing = append(missing, CredAPIKey)
	}
	if secret == "" {
		missing = append(missing, CredAPISecret)
	}
	if len(missing) > 0 {
		return "", &providers.Error{Provider: Name, Op: op, Kind: providers.ErrUnauthorized,
			Message: "credentials: missing " + strings.Join(missing, ", ")}
	}
	defer func() { err = httperr.Redact(err, secret) }()

	base, err := Descriptor().Endpoint.BaseURL(s)
	if err != nil {
		return "", &providers.Error{Provider: Name, Op: op, Message: err.Error()}
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, defaultTimeout)
		defer cancel()
	}
	q := url.Values{CredAPIKey: {key}, CredAPISecret: {secret}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+balancePath+"?"+q.Encode(), nil)
	if err != nil {
		// Not quoted: the error of a URL parse quotes the URL, secret included.
		return "", &providers.Error{Provider: Name, Op: op, Message: "cannot build the request to " + base + balancePath}
	}
	req.Header.Set("Accept", "application/json")

	resp, body, err := httperr.Send(ctx, s, httperr.Carrier{Name: Name, Title: "Vonage"}, op, req, maxBody)
	if err != nil {
		return "", err
	}

	if resp.StatusCode != http.StatusOK {
		return "", statusError(op, resp, body)
	}
	var ok struct {
		Value     *json.Number `json:"value"`
		ErrorCode string       `json:"error-code"`
	}
	if err := json.Unmarshal(body, &ok); err != nil {
		// A 200 that is not Vonage's answer: a captive portal or a misdirected base URL.
		return "", unreadable(op, resp)
	}
	if ok.ErrorCode != "" && ok.ErrorCode != "200" {
		// The legacy API sometimes refuses with HTTP 200 and the real status in the body.
		return "", statusError(op, resp, body)
	}
	if ok.Value == nil {
		return "", unreadable(op, resp)
	}
	return key, nil
}

func unreadable(op string, resp *http.Response) error {
	ct := resp.Header.Get("Content-Type")
	if ct == "" {
		ct = "no content type"
	}
	return &providers.Error{Provider: Name, Op: op, Status: resp.StatusCode,
		Message: fmt.Sprintf("unreadable answer from Vonage to GET %s (%s): not a balance", balancePath, ct)}
}

// apiError covers both error shapes Vonage uses: the legacy {"error-code","error-code-label"} of
// rest.nexmo.com, and RFC 7807 {"type","title","detail"} of its newer APIs.
type apiError struct {
	Code   json.RawMessage `json:"error-code"` // a string in the docs; tolerate a number
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
