// Package telnyx is vnum's adapter for Telnyx (api.telnyx.com, API v2), on plain net/http:
// Telnyx's Go SDK is not available from the module proxy.
//
// What Telnyx does differently from Twilio, and how the adapter copes:
//   - A number can be ordered only after a search returned it (error 85000), so Buy searches for
//     it first. Orders are asynchronous: Buy places one with customer_reference set to vnum's
//     operation id (and the same Idempotency-Key), follows it for a few seconds, and when the
//     answer is lost looks the order up by that reference instead of ordering again.
//   - Call forwarding is native (the number's voice settings); SMS forwarding does not exist.
//   - There is no list of messages. Inbound SMS are found in the message detail records
//     (GET /v2/detail_records) and their text read with GET /v2/messages/{uuid}; for this the
//     number must be on a messaging profile, so vnum attaches the numbers it buys (and any number
//     it reads that has none) to a profile of its own named "vnum", without a webhook.
package telnyx

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	telnyxwh "github.com/vnum-cli/vnum/internal/webhook/telnyx"
	"github.com/vnum-cli/vnum/providers"
	"github.com/vnum-cli/vnum/providers/internal/httperr"
	"github.com/vnum-cli/vnum/providers/internal/httppolicy"
	"github.com/vnum-cli/vnum/providers/internal/httpretry"
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

// OptBaseURL is the config key (providers.telnyx.base_url) that overrides the base URL, below
// EnvBaseURL.
const OptBaseURL = "base_url"

// CredAPIKey is the credential key in Settings.Credentials: the API key, which is the secret.
const CredAPIKey = "api_key"

// CredPublicKey is the optional credential key of the account's public key, which Telnyx signs
// webhooks against: only vnum serve reads it.
const CredPublicKey = "public_key"

// DefaultBaseURL is where requests go without EnvBaseURL.
const DefaultBaseURL = "https://api.telnyx.com"

// ProfileName is the name of the messaging profile vnum creates once and attaches its numbers
// to, so that their inbound SMS are recorded (and readable) without a webhook.
const ProfileName = "vnum"

// balancePath is the cheapest authenticated read: the account's balance.
const balancePath = "/v2/balance"

const (
	// defaultTimeout bounds one request when the injected client sets none, and Verify when the
	// caller's context has no deadline.
	defaultTimeout = 30 * time.Second
	// defaultOpTimeout bounds one adapter call when the caller's context has no deadline.
	defaultOpTimeout = 2 * time.Minute
	// maxBody bounds what is read of an answer: a page of 250 numbers is some 300 kB.
	maxBody = 8 << 20
	// listPageSize is the largest page /v2/phone_numbers serves (numbers_PageConsolidated).
	listPageSize = 250
	// maxPages bounds the pages one list follows: 200 × 250 numbers is far beyond any account.
	maxPages = 200
	// listConcurrency is how many further pages of a list are read at once.
	listConcurrency = 4
	// orderWait is how long Buy follows an order before handing back a pending number, whose
	// progress the lifecycle layer then follows through Get (and reports).
	orderWait = 3 * time.Second
)

var (
	_ providers.Provider         = (*Provider)(nil)
	_ providers.Forwarder        = (*Provider)(nil)
	_ providers.Labeler          = (*Provider)(nil)
	_ providers.MessageReader    = (*Provider)(nil)
	_ providers.MessageSender    = (*Provider)(nil)
	_ providers.Verifier         = (*Provider)(nil)
	_ providers.Warner           = (*Provider)(nil)
	_ providers.OrderFinder      = (*Provider)(nil)
	_ providers.CallHook         = (*Provider)(nil)
	_ providers.RecordingFetcher = (*Provider)(nil)
)

// Descriptor is everything vnum knows about Telnyx (see providers.Descriptor).
func Descriptor() providers.Descriptor {
	return providers.Descriptor{
		Name:  Name,
		Title: "Telnyx",
		Description: "Telnyx: numbers in many countries, calls forwarded natively; SMS read from message detail records " +
			"(not yet confirmed on a live account)",
		Auth: []providers.CredentialSet{{Name: "API key", Fields: []providers.Credential{
			{Key: CredAPIKey, Label: "API key", Env: []string{"TELNYX_API_KEY"}, Secret: true},
			{
				Key: CredPublicKey, Label: "public key", Env: []string{telnyxwh.EnvPublicKey}, Optional: true,
				Flag: "public-key", FlagHelp: "the account's public key (base64, Keys & Credentials → Public Key in Mission Control), " +
					"which vnum serve checks webhook signatures with; optional, not a secret",
				Check: func(v string) error {
					_, err := telnyxwh.ParsePublicKey(v)
					return err
				},
			},
		}}},
		Endpoint:     providers.Endpoint{Default: DefaultBaseURL, Env: EnvBaseURL, Option: OptBaseURL},
		Capabilities: capabilities(),
		New: func(s providers.Settings) (providers.Provider, error) {
			p, err := New(s)
			if err != nil {
				return nil, err // not a typed nil inside the interface
			}
			return p, nil
		},
	}
}

func capabilities() providers.Capabilities {
	return providers.Capabilities{
		ForwardCalls: true,
		ReadSMS:      true,
		SendSMS:      true,
		Labels:       true,
		AsyncOrders:  true,
		// Block lists, voicemail and the call log: vnum serve answers the calls (calls.go).
		BlockCalls: true, Voicemail: true, CallLog: true, CallsThroughServe: true,
		CallsVia: CallsVia,
		// Every read of messages is a search of the detail records (and a read per new text):
		// sms wait asks every 3 s, not every half second.
		MinPoll: 3 * time.Second,
	}
}

// Provider talks to one Telnyx account. It is safe for concurrent use.
type Provider struct {
	key   string
	base  string
	hc    *http.Client
	retry *httpretry.Transport // inside hc, for tests to shorten its backoff
	once  *http.Client         // hc without the retry layer: Verify's read is sent once
	// media downloads a recording from a host that is not Telnyx's API (a signed storage URL
	// a call webhook named), without the key; pol says which hosts get the key.
	media *http.Client
	pol   httppolicy.Policy

	// orderWait and poll pace the following of an order, sentLookup the search for a send whose
	// answer was lost among the outbound detail records (which appear some time after the
	// message); tests shorten them.
	orderWait  time.Duration
	poll       time.Duration
	sentLookup time.Duration

	mu           sync.Mutex
	profileID    string                       // vnum's messaging profile, once known
	numbers      map[string]phoneNumber       // id → the number as last read, for Messages and SendSMS
	attached     map[string]bool              // ids known to be on a messaging profile
	texts        map[string]providers.Message // message uuid → message read, so sms wait reads each once
	requirements map[string]providers.Paperwork
	warnings     []string
}

// New builds a Telnyx adapter. A missing key gives an error wrapping providers.ErrUnauthorized.
func New(s providers.Settings) (*Provider, error) {
	key := strings.TrimSpace(s.Credentials[CredAPIKey])
	if key == "" {
		return nil, &providers.Error{Provider: Name, Kind: providers.ErrUnauthorized, Message: "credentials: missing " + CredAPIKey}
	}
	base, override, err := Descriptor().Endpoint.Resolve(s)
	if err != nil {
		return nil, &providers.Error{Provider: Name, Message: err.Error()}
	}
	// Our own clients over the injected one's transport (the injected client is shared by the
	// run's carriers, so it is never changed), under the carrier policy (httppolicy): requests,
	// and the key they carry, go to Telnyx's API host or to the base-URL override only.
	// The retry layer bounds each attempt, the operation's context all of them (see bound).
	injected := s.Client()
	pol := policy(override)
	retry := httpretry.Over(injected, defaultTimeout)
	return &Provider{
		key:          key,
		base:         base,
		hc:           pol.Client(&http.Client{Transport: retry}),
		retry:        retry,
		once:         pol.Client(&http.Client{Transport: injected.Transport, Timeout: cmp.Or(injected.Timeout, defaultTimeout)}),
		media:        mediaClient(injected),
		pol:          pol,
		orderWait:    orderWait,
		sentLookup:   6 * time.Second,
		poll:         500 * time.Millisecond,
		numbers:      map[string]phoneNumber{},
		attached:     map[string]bool{},
		texts:        map[string]providers.Message{},
		requirements: map[string]providers.Paperwork{},
	}, nil
}

// policy is where Telnyx requests may go (httppolicy): Telnyx's API host, or the base-URL
// override when there is one.
func policy(override *url.URL) httppolicy.Policy {
	return httppolicy.Policy{Carrier: Name, Title: "Telnyx", Hosts: []string{"api.telnyx.com"}, Base: override}
}

// Name implements providers.Provider.
func (p *Provider) Name() string { return Name }

// Capabilities implements providers.Provider.
func (p *Provider) Capabilities() providers.Capabilities { return capabilities() }

// WithheldReason says why Telnyx delivers some messages without their text.
func (p *Provider) WithheldReason() string {
	return "Telnyx redacts message texts when redaction is on for the account or messaging profile"
}

// Warnings implements providers.Warner: the non-fatal problems noticed so far, once each.
func (p *Provider) Warnings() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	w := p.warnings
	p.warnings = nil
	return w
}

func (p *Provider) warn(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.warnings = append(p.warnings, fmt.Sprintf(format, args...))
}

// Verify implements providers.Verifier with one authenticated read, GET /v2/balance, never
// retried. Telnyx gives no account id there, so the account returned is always "".
//
// A refused key gives an *providers.Error wrapping providers.ErrUnauthorized; a rate limit,
// ErrRateLimited (with Retry set from Retry-After or x-ratelimit-reset); a 5xx answer or no
// answer, ErrTemporary. A cancelled context gives an error wrapping the context's error. No
// error ever contains the key.
func (p *Provider) Verify(ctx context.Context) (account string, err error) {
	const op = "verify"
	defer func() { err = httperr.Redact(err, p.key) }()
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, defaultTimeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.base+balancePath, nil)
	if err != nil {
		return "", &providers.Error{Provider: Name, Op: op, Message: err.Error()}
	}
	req.Header.Set("Authorization", "Bearer "+p.key)
	req.Header.Set("Accept", "application/json")
	// Sent once, never retried, and under the same policy as every other request: the key
	// goes to Telnyx (or the base URL) and nowhere a redirect names.
	resp, body, err := httperr.Send(ctx, p.once, httperr.Carrier{Name: Name, Title: "Telnyx"}, op, req, maxBody)
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

// Verify checks the API key in s.Credentials as Provider.Verify does, without an adapter at
// hand; a missing key or a bad base URL fails before anything is sent.
func Verify(ctx context.Context, s providers.Settings) (account string, err error) {
	p, err := New(s)
	if err != nil {
		var pe *providers.Error
		if errors.As(err, &pe) {
			pe.Op = "verify"
		}
		return "", err
	}
	return p.Verify(ctx)
}

// CallsVia is how blocking, voicemail and the call log work on Telnyx: its native forwarding
// has neither, so vnum serve answers each call through a TeXML application vnum creates, whose
// voice URL is serve's call route.
const CallsVia = "through vnum serve: a TeXML application vnum creates (vnum serve --public-url URL)"
