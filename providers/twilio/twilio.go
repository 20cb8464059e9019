// Package twilio is vnum's adapter for Twilio (api.twilio.com and its pricing, studio and
// numbers hosts), built on the generated clients of github.com/twilio/twilio-go.
//
// Twilio has no native "forward this number" setting: forwarding is a Studio Flow that vnum
// creates per number and points the number's VoiceUrl/SmsUrl at. The flow's FriendlyName carries
// the targets ("vnum forward PN… calls=+33… sms=+33…") so that List can report forwarding with one
// extra request for all numbers instead of one per number.
package twilio

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/vnum-cli/vnum/internal/lazyre"
	"github.com/vnum-cli/vnum/providers"
	"github.com/vnum-cli/vnum/providers/internal/httpretry"
)

// Name is the registry name of this carrier.
const Name = "twilio"

// Environment variables the adapter reads through Settings.Env.
const (
	envNamespace = "VNUM_TWILIO_"
	// EnvBaseURL sends every Twilio request (api, pricing, studio, numbers hosts) to one base
	// URL, keeping the paths: for tests against a fake or a recording proxy.
	EnvBaseURL = envNamespace + "BASE_URL"
)

// Credential keys in Settings.Credentials.
const (
	CredAccountSID = "account_sid"
	CredAuthToken  = "auth_token"
	CredAPIKey     = "api_key"
	CredAPISecret  = "api_secret"
)

// Option keys in Settings.Options (config providers.twilio.*).
const (
	OptBaseURL  = "base_url"
	OptBundle   = "bundle"    // default BundleSid; "bundle.FR" is the default for one country
	OptAddress  = "address"   // default AddressSid; "address.FR" likewise
	OptCallerID = "caller_id" // "passthrough" (default) or "number", for forwarded calls
)

// Caller ID shown to the forwarding target on a forwarded call.
const (
	CallerIDPassthrough = "passthrough" // the original caller's number
	CallerIDNumber      = "number"      // the Twilio number itself (safe where passthrough is blocked)
)

// Regulatory keys understood in BuyRequest.Regulatory.
const (
	RegBundle  = "bundle"
	RegAddress = "address"
)

const (
	// defaultRequestTimeout bounds one HTTP exchange when the injected client sets none.
	defaultRequestTimeout = 30 * time.Second
	// defaultOpTimeout bounds one adapter call when the caller's context has no deadline:
	// twilio-go's request methods take no context, so the adapter enforces one.
	defaultOpTimeout = 2 * time.Minute
	// listPageSize is Twilio's maximum page size: a List over 1,000 numbers is one request.
	listPageSize = 1000
	// maxFriendlyName is Twilio's limit for IncomingPhoneNumber FriendlyName.
	maxFriendlyName = 64
)

var (
	_ providers.Provider      = (*Provider)(nil)
	_ providers.Forwarder     = (*Provider)(nil)
	_ providers.Labeler       = (*Provider)(nil)
	_ providers.MessageReader = (*Provider)(nil)
	_ providers.MessageSender = (*Provider)(nil)
	_ providers.Verifier      = (*Provider)(nil)
)

var (
	accountSIDPattern = lazyre.New(`^AC[0-9a-fA-F]{32}$`)
	apiKeyPattern     = lazyre.New(`^SK[0-9a-fA-F]{32}$`)
	bundlePattern     = lazyre.New(`^BU[0-9a-fA-F]{32}$`)
	addressPattern    = lazyre.New(`^AD[0-9a-fA-F]{32}$`)
	numberSIDPattern  = lazyre.New(`^PN[0-9a-fA-F]{32}$`)
	// twilio-go refuses credentials with anything but letters and digits; checking first gives
	// a clear message instead of its "Illegal chars" error at the first request.
	secretPattern = lazyre.New(`^[a-zA-Z0-9]+$`)
)

// Descriptor is everything vnum knows about Twilio without building a client: credentials,
// variables, options and capabilities (see providers.Descriptor).
func Descriptor() providers.Descriptor {
	sid := providers.Credential{
		Key: CredAccountSID, Label: "account SID", Env: []string{"TWILIO_ACCOUNT_SID"},
		Flag: "account-sid", FlagHelp: "your account SID (AC…) from the Twilio Console",
		Check: func(v string) error {
			if !accountSIDPattern.MatchString(v) {
				return errors.New("not a Twilio account SID: AC followed by 32 hexadecimal digits")
			}
			return nil
		},
	}
	return providers.Descriptor{
		Name:        Name,
		Title:       "Twilio",
		Description: "Twilio: numbers in many countries; calls and SMS forwarded through a Studio flow vnum manages",
		Auth: []providers.CredentialSet{
			// The API key comes first: Twilio recommends keys, and twilio-cli prefers them when both
			// are in the environment. TWILIO_API_KEY_SECRET is the name Twilio's pricing docs use.
			{Name: "API key", Account: CredAccountSID, Fields: []providers.Credential{
				sid,
				{Key: CredAPIKey, Label: "API key SID", Env: []string{"TWILIO_API_KEY"},
					Flag: "api-key", FlagHelp: "an API key SID (SK…), used instead of the auth token; not a secret",
					Check: func(v string) error {
						if !apiKeyPattern.MatchString(v) {
							return errors.New("not a Twilio API key SID: SK followed by 32 hexadecimal digits")
						}
						return nil
					}},
				{Key: CredAPISecret, Label: "API key secret", Env: []string{"TWILIO_API_SECRET", "TWILIO_API_KEY_SECRET"}, Secret: true},
			}},
			{Name: "auth token", Account: CredAccountSID, Fields: []providers.Credential{
				sid,
				{Key: CredAuthToken, Label: "auth token", Env: []string{"TWILIO_AUTH_TOKEN"}, Secret: true},
			}},
		},
		Endpoint: providers.Endpoint{Env: EnvBaseURL, Option: OptBaseURL},
		Options: []providers.Var{
			{Name: OptBundle, Help: "default regulatory bundle SID (BU…) for countries that require one; bundle.FR for one country"},
			{Name: OptAddress, Help: "default address SID (AD…) for numbers that require an address; address.FR for one country"},
			{Name: OptCallerID, Help: "caller ID on forwarded calls: passthrough (the caller's number, default) or number (the Twilio number)"},
		},
		Capabilities:    capabilities(),
		CheckRegulatory: checkRegulatory,
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
		ForwardSMS:   true,
		ReadSMS:      true,
		SendSMS:      true,
		Labels:       true,
		BlockCalls:   true,
		Voicemail:    true,
		CallLog:      true,
		CallsVia:     "the number's Studio flow (split-based-on, connect-call-to, record-voicemail); calls and recordings read from the API, no server",
	}
}

// Provider talks to one Twilio account. It is safe for concurrent use.
type Provider struct {
	accountSID string
	username   string // account SID or API key SID
	password   string // auth token or API key secret
	baseURL    *url.URL
	retry      *httpretry.Transport // every request goes through it (see client.go)
	callerID   string
	options    map[string]string
	pageSize   int

	mu          sync.Mutex
	prices      map[string]countryPrices // ISO country → monthly prices; fetched once each
	phoneBySID  map[string]string        // PN… → E.164: a SID never changes number
	accountType string                   // "Trial" or "Full" once known
	warnings    []string
}

// New builds a Twilio adapter. Missing or malformed credentials give an error wrapping
// providers.ErrUnauthorized that names every problem and never shows a secret.
func New(s providers.Settings) (*Provider, error) {
	username, password, accountSID, err := credentials(s.Credentials)
	if err != nil {
		return nil, err
	}
	env := s.Env
	if env == nil {
		env = func(string) string { return "" }
	}
	opts := s.Options
	if opts == nil {
		opts = map[string]string{}
	}
	if err := checkOptions(opts); err != nil {
		return nil, err
	}
	opts = normaliseOptions(opts)
	base, err := baseURL(providers.Settings{Env: env, Options: opts})
	if err != nil {
		return nil, err
	}
	callerID := opts[OptCallerID]
	if callerID == "" {
		callerID = CallerIDPassthrough
	}
	return &Provider{
		accountSID: accountSID,
		username:   username,
		password:   password,
		baseURL:    base,
		retry:      httpretry.Over(s.Client(), defaultRequestTimeout),
		callerID:   callerID,
		options:    opts,
		pageSize:   listPageSize,
		prices:     map[string]countryPrices{},
		phoneBySID: map[string]string{},
	}, nil
}

// credentials resolves the Basic-auth pair. Twilio accepts either the account's auth token or an
// API key (SK…) with its secret; the account SID is always needed for the request paths.
func credentials(c map[string]string) (username, password, accountSID string, err error) {
	get := func(k string) string { return strings.TrimSpace(c[k]) }
	accountSID = get(CredAccountSID)
	token, key, secret := get(CredAuthToken), get(CredAPIKey), get(CredAPISecret)

	var missing, malformed []string
	if accountSID == "" {
		missing = append(missing, CredAccountSID)
	} else if !accountSIDPattern.MatchString(accountSID) {
		malformed = append(malformed, CredAccountSID+" must be AC followed by 32 hex digits")
	}
	switch {
	case key != "" || secret != "":
		if key == "" {
			missing = append(missing, CredAPIKey)
		} else if !apiKeyPattern.MatchString(key) {
			malformed = append(malformed, CredAPIKey+" must be SK followed by 32 hex digits")
		}
		if secret == "" {
			missing = append(missing, CredAPISecret)
		} else if !secretPattern.MatchString(secret) {
			malformed = append(malformed, CredAPISecret+" may hold only letters and digits")
		}
		username, password = key, secret
	case token != "":
		if !secretPattern.MatchString(token) {
			malformed = append(malformed, CredAuthToken+" may hold only letters and digits")
		}
		username, password = accountSID, token
	default:
		missing = append(missing, CredAuthToken+" (or "+CredAPIKey+" and "+CredAPISecret+")")
	}

	var problems []string
	if len(missing) > 0 {
		problems = append(problems, "missing "+strings.Join(missing, ", "))
	}
	problems = append(problems, malformed...)
	if len(problems) > 0 {
		return "", "", "", &providers.Error{
			Provider: Name,
			Kind:     providers.ErrUnauthorized,
			Message:  "credentials: " + strings.Join(problems, "; "),
		}
	}
	return username, password, accountSID, nil
}

// checkOptions rejects malformed defaults at construction rather than at the first purchase.
func checkOptions(opts map[string]string) error {
	var problems []string
	keys := make([]string, 0, len(opts))
	for k := range opts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := opts[k]
		switch {
		case k == OptCallerID:
			if v != "" && v != CallerIDPassthrough && v != CallerIDNumber {
				problems = append(problems, fmt.Sprintf("%s is %q, want %q or %q", k, v, CallerIDPassthrough, CallerIDNumber))
			}
		case k == OptBundle || strings.HasPrefix(k, OptBundle+"."):
			if v != "" && !bundlePattern.MatchString(v) {
				problems = append(problems, fmt.Sprintf("%s is %q, want a bundle SID (BU + 32 hex digits)", k, v))
			}
		case k == OptAddress || strings.HasPrefix(k, OptAddress+"."):
			if v != "" && !addressPattern.MatchString(v) {
				problems = append(problems, fmt.Sprintf("%s is %q, want an address SID (AD + 32 hex digits)", k, v))
			}
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("twilio: options: %s", strings.Join(problems, "; "))
	}
	return nil
}

// normaliseOptions writes per-country keys with the country in upper case ("bundle.FR"): the
// config layer lower-cases every key, so bundle.FR in config.yaml arrives as "bundle.fr".
func normaliseOptions(opts map[string]string) map[string]string {
	out := make(map[string]string, len(opts))
	for k, v := range opts {
		if base, cc, ok := strings.Cut(k, "."); ok && (base == OptBundle || base == OptAddress) {
			k = base + "." + strings.ToUpper(cc)
		}
		out[k] = v
	}
	return out
}

// baseURL resolves where requests go, through the Descriptor's Endpoint: the environment wins
// over the config option; neither (nil) means Twilio's own hosts.
func baseURL(s providers.Settings) (*url.URL, error) {
	_, override, err := Descriptor().Endpoint.Resolve(s)
	if err != nil {
		return nil, fmt.Errorf("twilio: %w", err)
	}
	return override, nil
}

// Name implements providers.Provider.
func (p *Provider) Name() string { return Name }

// Capabilities implements providers.Provider.
func (p *Provider) Capabilities() providers.Capabilities { return capabilities() }

// WithheldReason says why Twilio delivers some messages without their text.
func (p *Provider) WithheldReason() string {
	return "Twilio error 30038: it withholds one-time codes sent to some numbers"
}

// Warnings implements providers.Warner: it returns, and forgets, the non-fatal problems noticed
// by earlier calls, such as a trial account forwarding calls to a number Twilio has not
// verified. Calls still succeed.
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

// Verify checks the credentials with one cheap read and returns the account SID.
func (p *Provider) Verify(ctx context.Context) (string, error) {
	c, done, err := p.begin(ctx, "verify")
	if err != nil {
		return "", err
	}
	defer done()
	acct, err := c.api.FetchAccount(p.accountSID)
	if err != nil {
		return "", c.fail(err)
	}
	if acct.Type != nil {
		p.setAccountType(*acct.Type)
	}
	switch deref(acct.Status) {
	case "closed":
		return "", &providers.Error{Provider: Name, Op: "verify", Kind: providers.ErrUnauthorized,
			Message: "this Twilio account is closed: its credentials can no longer be used"}
	case "suspended":
		p.warn("twilio: this Twilio account is suspended (usually an unpaid balance): it cannot buy numbers or send messages until Twilio lifts it")
	}
	if acct.Sid != nil && *acct.Sid != "" {
		return *acct.Sid, nil
	}
	return p.accountSID, nil
}

func (p *Provider) setAccountType(t string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.accountType = t
}

// isTrial reports whether the account is a trial one, asking Twilio once per Provider.
func (p *Provider) isTrial(c *call) (bool, error) {
	p.mu.Lock()
	t := p.accountType
	p.mu.Unlock()
	if t == "" {
		acct, err := c.api.FetchAccount(p.accountSID)
		if err != nil {
			return false, c.fail(err)
		}
		if acct.Type != nil {
			t = *acct.Type
			p.setAccountType(t)
		}
	}
	return strings.EqualFold(t, "Trial"), nil
}

// errNotOwned is the answer for an id that cannot be one of this account's numbers.
func errNotOwned(op, id string) error {
	return &providers.Error{
		Provider: Name,
		Op:       op,
		Status:   http.StatusNotFound,
		Kind:     providers.ErrNotFound,
		Message:  fmt.Sprintf("no number %q on this account (Twilio ids look like PN followed by 32 hex digits)", id),
	}
}

// checkID refuses ids that are not PN SIDs before any request is made: Twilio would answer 404
// anyway, and a malformed id in the path is a request its API does not define. A cancelled
// context is reported first, as for every call.
func checkID(ctx context.Context, op, id string) error {
	if err := ctx.Err(); err != nil {
		return ctxError(op, err)
	}
	if !numberSIDPattern.MatchString(id) {
		return errNotOwned(op, id)
	}
	return nil
}

// joinErr keeps the first error and appends a clean-up failure to it.
func joinErr(err, cleanup error) error {
	if cleanup == nil {
		return err
	}
	return errors.Join(err, cleanup)
}
