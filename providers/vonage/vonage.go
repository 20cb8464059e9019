// Package vonage is vnum's adapter for Vonage (ex-Nexmo), on plain net/http: numbers, the
// account and SMS on rest.nexmo.com, which take the API key and secret as query or form
// parameters, and inbound SMS read back through the Reports API on api.nexmo.com (HTTP Basic).
//
// Vonage forwards calls natively (a number's voiceCallbackType "tel"), keeps no free-text label
// on a number (labels stay in vnum's store), cannot forward SMS without a server, and bills the
// Reports API per record returned: the first read on an account says so once.
//
// The secret travels in URLs, so no URL is ever quoted in an error, requests and redirects go
// only to Vonage's hosts (or the base URL), and every error is scrubbed of the secret before it
// leaves the package.
package vonage

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/vnum-cli/vnum/providers"
	"github.com/vnum-cli/vnum/providers/internal/httperr"
	"github.com/vnum-cli/vnum/providers/internal/httppolicy"
	"github.com/vnum-cli/vnum/providers/internal/httpretry"
)

// Name is the carrier's name in vnum (credentials, flags, messages).
const Name = "vonage"

// Environment variables read through Settings.Env.
const (
	envNamespace = "VNUM_VONAGE_"
	// EnvBaseURL sends every Vonage request, rest.nexmo.com's and api.nexmo.com's alike, to this
	// base URL, keeping the paths (/account/get-balance, /v2/reports/records): for tests,
	// gateways and recording proxies.
	EnvBaseURL = envNamespace + "BASE_URL"
)

// OptBaseURL is the config key (providers.vonage.base_url) doing what EnvBaseURL does; the
// environment wins.
const OptBaseURL = "base_url"

// Credential keys in Settings.Credentials. The API key is the account's public id; the API
// secret is the secret.
const (
	CredAPIKey    = "api_key"
	CredAPISecret = "api_secret"
)

// Vonage's own hosts, used without EnvBaseURL.
const (
	DefaultBaseURL    = "https://rest.nexmo.com" // numbers, account, SMS
	DefaultAPIBaseURL = "https://api.nexmo.com"  // Reports API
)

const (
	// defaultOpTimeout bounds one adapter call when the caller's context has no deadline.
	defaultOpTimeout = 2 * time.Minute
	// defaultRequestTimeout bounds one HTTP exchange when the injected client sets none.
	defaultRequestTimeout = 30 * time.Second
	// pageSize is the Numbers API's largest page.
	pageSize = 100
	// listConcurrency is how many pages of owned numbers List reads at once once it knows the
	// count: 1,000 numbers are then four round trips instead of ten.
	listConcurrency = 3
	// maxPages bounds the pages one listing follows, whatever count Vonage claims.
	maxPages = 200
)

var (
	_ providers.Provider      = (*Provider)(nil)
	_ providers.Forwarder     = (*Provider)(nil)
	_ providers.MessageReader = (*Provider)(nil)
	_ providers.MessageSender = (*Provider)(nil)
	_ providers.Verifier      = (*Provider)(nil)
	_ providers.Warner        = (*Provider)(nil)
)

// Descriptor is everything vnum knows about Vonage (see providers.Descriptor).
func Descriptor() providers.Descriptor {
	return providers.Descriptor{
		Name:  Name,
		Title: "Vonage",
		Description: "Vonage (ex-Nexmo): calls forwarded natively; labels kept by vnum only; " +
			"SMS read through the Reports API, which Vonage bills per record",
		Auth: []providers.CredentialSet{{Name: "API key", Account: CredAPIKey, Fields: []providers.Credential{
			{Key: CredAPIKey, Label: "API key", Env: []string{"VONAGE_API_KEY"},
				Flag: "api-key", FlagHelp: "the API key shown in the Vonage dashboard; not a secret"},
			{Key: CredAPISecret, Label: "API secret", Env: []string{"VONAGE_API_SECRET"}, Secret: true},
			// The application vnum serve answers calls through, made by vnum and kept here (see
			// application.go): its id and private key as one value, with no flag (the key never
			// travels in argv). A user's own application can be given in the environment.
			{Key: CredApplication, Label: "app key", Env: []string{EnvApplication}, Optional: true},
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
		// Through vnum serve: vnum's application's answer URL answers each call with an NCCO.
		BlockCalls:        true,
		Voicemail:         true,
		CallLog:           true,
		CallsThroughServe: true,
		CallsVia:          CallsVia,
		// Each read of the Reports API is billed per record: sms wait asks every 5 s, no faster.
		MinPoll: 5 * time.Second,
	}
}

// Provider talks to one Vonage account. It is safe for concurrent use.
type Provider struct {
	key, secret string
	restBase    string       // https://rest.nexmo.com or the override
	apiBase     string       // https://api.nexmo.com or the override
	reads       *http.Client // retries GETs refused for now (429, 5xx), or hung, through retry
	retry       *httpretry.Transport
	once        *http.Client // sends exactly once: writes, and Verify
	dataDir     string
	pageSize    int
	// keep saves the application id and private key vnum makes (Settings.KeepCredentials).
	keep func(map[string]string) error
	// fresh reads an optional credential afresh (Settings.OptionalCredential), nil for none.
	fresh func(string) (string, error)

	app    appKey // the application vnum serve answers calls through; zero when none yet
	appErr error  // why the application credentials given cannot be used

	mu       sync.Mutex
	currency string // the account's currency once known
	warnings []string
	noticed  bool // the Reports billing notice was considered in this run
}

// New builds a Vonage adapter. Missing credentials give an error wrapping
// providers.ErrUnauthorized that names every missing one and never shows the secret.
func New(s providers.Settings) (*Provider, error) {
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
		return nil, &providers.Error{Provider: Name, Kind: providers.ErrUnauthorized,
			Message: "credentials: missing " + strings.Join(missing, ", ")}
	}
	// One override for both hosts: the environment, else providers.vonage.base_url.
	restBase, override, err := Descriptor().Endpoint.Resolve(s)
	if err != nil {
		return nil, &providers.Error{Provider: Name, Message: err.Error()}
	}
	apiBase := DefaultAPIBaseURL
	if override != nil {
		apiBase = restBase
	}
	// The regional Voice API hosts serve recordings (a record event's recording_url).
	policy := httppolicy.Policy{Carrier: Name, Title: "Vonage", Base: override, Hosts: []string{"rest.nexmo.com", "api.nexmo.com",
		"api-us.nexmo.com", "api-eu.nexmo.com", "api-ap.nexmo.com", "api-us.vonage.com", "api-eu.vonage.com", "api-ap.vonage.com"}}
	// Our own clients over the injected one's transport (the injected client is shared by the
	// run's carriers, so it is never changed), under the carriers' common rule for where
	// credentials may go (httppolicy): Vonage's own hosts or the base URL, redirects only within
	// them. It matters here more than anywhere: the secret rides in the query of every GET.
	// The retry layer bounds each attempt, the operation's context all of them (see begin).
	injected := s.Client()
	retry := httpretry.Over(injected, defaultRequestTimeout)
	app, appErr := loadAppKey(s.Credentials)
	return &Provider{
		keep:     s.KeepCredentials,
		fresh:    s.OptionalCredential,
		app:      app,
		appErr:   appErr,
		retry:    retry,
		key:      key,
		secret:   secret,
		restBase: restBase,
		apiBase:  apiBase,
		reads:    policy.Client(&http.Client{Transport: retry}),
		once:     policy.Client(&http.Client{Transport: injected.Transport, Timeout: cmp.Or(injected.Timeout, defaultRequestTimeout)}),
		dataDir:  s.DataDir,
		pageSize: pageSize,
	}, nil
}

// Name implements providers.Provider.
func (p *Provider) Name() string { return Name }

// Capabilities implements providers.Provider.
func (p *Provider) Capabilities() providers.Capabilities { return capabilities() }

// Warnings implements providers.Warner: it returns, and forgets, what earlier calls noticed
// without failing, such as the Reports API's billing on its first use.
func (p *Provider) Warnings() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	w := p.warnings
	p.warnings = nil
	return w
}

func (p *Provider) warn(msg string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.warnings = append(p.warnings, msg)
}

// Verify implements providers.Verifier with one authenticated read, GET /account/get-balance,
// never retried. It returns the API key, the account's non-secret id.
func (p *Provider) Verify(ctx context.Context) (account string, err error) {
	const op = "verify"
	defer func() { err = p.scrub(err) }()
	c, done, err := p.begin(ctx, op)
	if err != nil {
		return "", err
	}
	defer done()
	if _, err := c.balance(true); err != nil {
		return "", err
	}
	return p.key, nil
}

// scrub removes the secret from an error's text: a safety net behind the rule that no URL is
// quoted, in case a cause or Vonage's own words carry it.
func (p *Provider) scrub(err error) error {
	if err == nil {
		return nil
	}
	err = httperr.Redact(err, p.secret)
	var pe *providers.Error
	if errors.As(err, &pe) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if strings.Contains(err.Error(), p.secret) {
		// Not ours and quoting the secret: keep only the kind of failure.
		return fmt.Errorf("vonage: %s", strings.ReplaceAll(err.Error(), p.secret, "[redacted]"))
	}
	return err
}

// CallsVia is how blocking, voicemail and the call log work on Vonage: its native forwarding
// (voiceCallbackType=tel) has none of them, so vnum serve answers each call (an NCCO) from the
// answer URL of an application vnum makes and links the number to.
const CallsVia = "through vnum serve: the answer URL of a Vonage application vnum creates (vnum serve --public-url URL)"
