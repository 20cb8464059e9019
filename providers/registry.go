package providers

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/vnum-cli/vnum/providers/internal/httppolicy"
)

// HTTPClientFunc returns the HTTP client an adapter must use: it carries the proxy settings, the
// User-Agent and the redacting debug dump.
type HTTPClientFunc func() *http.Client

// Env gives adapters the process environment without reaching for os.Getenv, so tests and the
// factory decide what they see.
type Env func(key string) string

// Settings is what the factory hands an adapter's constructor: where to keep local state, how to
// reach the network, and the resolved non-secret options.
type Settings struct {
	// DataDir is vnum's data directory; adapters that keep local state (the sandbox) put it here.
	DataDir string
	// Env looks up environment variables (VNUM_SANDBOX_FAIL, VNUM_TWILIO_BASE_URL, …).
	Env Env
	// Options are the adapter's config keys (providers.<name>.* in config.yaml), already read.
	Options map[string]string
	// Credentials are the resolved secrets and account ids; nil for carriers that need none.
	Credentials map[string]string
	// HTTP builds the HTTP client adapters must use (proxy, debug dump, User-Agent applied).
	HTTP HTTPClientFunc
	// KeepCredentials adds values the adapter made (Vonage's application id and private key,
	// Optional fields of its credential set) to the credentials saved for the profile, where
	// they were saved (the keyring, or the file the user chose); nil when there is no saved
	// credential to add them to (credentials from the environment).
	KeepCredentials func(values map[string]string) error
	// OptionalCredential reads one Optional value afresh (environment, then saved credentials):
	// for a long-running process (vnum serve) whose adapter was built before another vnum kept
	// the value. nil when there is nothing to read from.
	OptionalCredential func(key string) (string, error)
}

// Client is the client HTTP builds, or an empty one (http.DefaultTransport, no timeout) when
// there is none: never nil. It may be shared by the run's carriers: an adapter builds its own
// clients over its Transport and never changes it.
func (s Settings) Client() *http.Client {
	if s.HTTP != nil {
		if hc := s.HTTP(); hc != nil {
			return hc
		}
	}
	return &http.Client{}
}

// Descriptor is everything vnum knows about one carrier, in one place: the adapter's package
// returns it from Descriptor() and providers/all lists it, once. Nothing else in vnum names a
// carrier's credentials, variables or options: `vnum auth login` (what to ask, how to check it),
// the credential lookup (environment, <NAME>_FILE, keyring), `vnum help environment`,
// `vnum providers` and the base-URL override all read them from here.
//
// A new carrier fills in:
//
//	Name, Title, Description  how vnum, prose and `vnum providers` name it
//	Auth                      its credential sets (empty: it needs none)
//	Endpoint                  its API's base URL and the override variable and option
//	Env, Options              its other variables and config keys, for help texts
//	Capabilities              what `vnum providers` shows without building it
//	New                       the constructor; nil while vnum keeps only its credentials
//	Verify                    optional: a credential check for a carrier without New
//	CheckRegulatory           optional: a local check of buy --bundle/--address values
type Descriptor struct {
	// Name is the registry name, in flags, config and keyring entries: "twilio".
	Name string
	// Title is how people write it: "Twilio".
	Title string
	// Description is the one line `vnum providers` shows.
	Description string
	// Auth lists the complete ways to authenticate, in order of preference when several are
	// complete in the environment; empty for carriers that need no credentials (the sandbox).
	Auth []CredentialSet
	// Endpoint is where the carrier's API is and how users redirect it; zero for local carriers.
	Endpoint Endpoint
	// Env lists the carrier's own environment variables other than credentials and
	// Endpoint.Env (VNUM_SANDBOX_FAIL…), for `vnum help environment`.
	Env []Var
	// Options lists the carrier's config keys (providers.<name>.<key>) other than
	// Endpoint.Option, for help texts.
	Options []Var
	// Capabilities are what the carrier can do, shown by `vnum providers` without building it.
	Capabilities Capabilities
	// New builds the adapter. nil means vnum keeps the carrier's credentials (auth login,
	// logout, status) but cannot use it yet: it is not offered by --provider or `vnum providers`.
	New func(s Settings) (Provider, error)
	// Verify checks credentials (s.Credentials) with one cheap authenticated read and returns
	// the account's non-secret id ("" when the carrier gives none); an error wrapping
	// ErrUnauthorized means refused. Set it only when New is nil: with an adapter, `auth login`
	// builds it and uses its Verifier.
	Verify func(ctx context.Context, s Settings) (account string, err error)
	// CheckRegulatory checks the form of paperwork ids given to a buy (BuyRequest.Regulatory)
	// before anything is searched or spent; nil when any value will do.
	CheckRegulatory func(reg map[string]string) error
}

// Usable reports whether vnum can work with the carrier (it has an adapter), not just keep its
// credentials.
func (d Descriptor) Usable() bool { return d.New != nil }

// CredentialSet is one complete way to authenticate: Twilio has two (the account's auth token,
// or an API key and its secret), Telnyx one (an API key).
type CredentialSet struct {
	// Name is what the set is called in messages: "auth token", "API key".
	Name string
	// Account is the key of the non-secret account id shown by `vnum auth status` and login
	// ("account_sid"); "" when the set has none.
	Account string
	// Fields are the values of the set: all those not Optional are needed. Exactly one is Secret.
	Fields []Credential
}

// Required reports whether the set needs the value key (a field of the set that is not
// Optional).
func (s CredentialSet) Required(key string) bool {
	for _, f := range s.Fields {
		if f.Key == key {
			return !f.Optional
		}
	}
	return false
}

// Credential is one credential value.
type Credential struct {
	// Key is the key in Settings.Credentials and in saved entries: "auth_token".
	Key string
	// Label is what people call it: "auth token".
	Label string
	// Env are the environment variables that may hold it, the canonical name first, then
	// aliases; each is also read as <NAME>_FILE, the path of a file holding the value.
	Env []string
	// Secret marks the value `vnum auth login` reads at a hidden prompt or with --with-token,
	// never from a flag.
	Secret bool
	// Flag is the `vnum auth login` flag that gives a non-secret value ("account-sid"), and
	// FlagHelp what its help says ("account SID (AC…), from the Twilio Console").
	Flag, FlagHelp string
	// Check checks a value's form before anything is sent (nil: any non-empty value); its
	// error says what the value should look like and never quotes a secret.
	Check func(v string) error
	// Optional marks a value the set works without, kept with the credential when given: `vnum
	// auth login` takes it by its Flag, the lookups return it when it is found, `vnum auth
	// status` says whether it is set. The Telnyx public key is one: only `vnum serve` needs it
	// (to check webhook signatures), never the API calls. An optional value is never Secret.
	Optional bool
}

// Endpoint is where a carrier's API is and how a user sends its requests elsewhere (a gateway,
// a recording proxy, a test fake), keeping the paths.
type Endpoint struct {
	// Default is the base URL without an override; "" when the adapter's SDK picks its own
	// hosts (Twilio's api, pricing and studio hosts).
	Default string
	// Env is the variable that overrides it: "VNUM_TWILIO_BASE_URL".
	Env string
	// Option is the config key under providers.<name> that overrides it, below Env: "base_url".
	Option string
}

// BaseURL resolves where requests go: the Env variable, else the Option, else Default. An
// override must be an https URL with a host, or http to this machine only (credentials would
// otherwise travel in clear); user info, query and fragment are dropped and a trailing slash
// trimmed, so paths can be appended. Errors never quote the user info.
func (e Endpoint) BaseURL(s Settings) (string, error) {
	base, _, err := e.Resolve(s)
	return base, err
}

// Resolve is BaseURL that also returns the override it found, parsed (nil when there is none,
// or when it names Default itself): what an adapter's httppolicy.Policy.Base needs, without
// parsing the URL a second time.
func (e Endpoint) Resolve(s Settings) (base string, override *url.URL, err error) {
	raw, source := e.Override(s)
	if raw == "" {
		return e.Default, nil, nil
	}
	u, err := httppolicy.ParseBaseURL(source, raw)
	if err != nil {
		return "", nil, err
	}
	if u.String() == e.Default {
		return e.Default, nil, nil
	}
	return u.String(), u, nil
}

// Override is the override in effect, as written, and where it comes from (the variable's name,
// or "providers.<carrier>.<option> in config.yaml" without the carrier, i.e. the Option key);
// "" when there is none.
func (e Endpoint) Override(s Settings) (raw, source string) {
	if e.Env != "" && s.Env != nil {
		if raw = strings.TrimSpace(s.Env(e.Env)); raw != "" {
			return raw, e.Env
		}
	}
	if e.Option != "" {
		if raw = strings.TrimSpace(s.Options[e.Option]); raw != "" {
			return raw, e.Option
		}
	}
	return "", ""
}

// Var is an environment variable or a config key, with what it does.
type Var struct {
	Name string
	Help string
}

// Registry is the set of carriers vnum knows, built explicitly (see providers/all), never through
// init() side effects.
type Registry struct {
	byName map[string]Descriptor
}

// NewRegistry builds a registry. A duplicate or unnamed carrier is a programming error caught at
// start-up.
func NewRegistry(ds ...Descriptor) (*Registry, error) {
	r := &Registry{byName: make(map[string]Descriptor, len(ds))}
	for _, d := range ds {
		if d.Name == "" {
			return nil, fmt.Errorf("a provider has no name")
		}
		if _, dup := r.byName[d.Name]; dup {
			return nil, fmt.Errorf("provider %q registered twice", d.Name)
		}
		r.byName[d.Name] = d
	}
	return r, nil
}

// Lookup returns the named carrier, usable or not.
func (r *Registry) Lookup(name string) (Descriptor, bool) {
	d, ok := r.byName[name]
	return d, ok
}

// Names lists the carriers vnum can work with (Usable), in alphabetical order: what --provider
// accepts and `vnum providers` shows.
func (r *Registry) Names() []string {
	var names []string
	for _, d := range r.All() {
		if d.Usable() {
			names = append(names, d.Name)
		}
	}
	return names
}

// All lists every carrier, those whose credentials are all vnum keeps included, in
// alphabetical order.
func (r *Registry) All() []Descriptor {
	out := make([]Descriptor, 0, len(r.byName))
	for _, d := range r.byName {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// WithAuth lists, in alphabetical order, the carriers that need credentials: those `vnum auth`
// manages.
func (r *Registry) WithAuth() []string {
	var names []string
	for _, d := range r.All() {
		if len(d.Auth) > 0 {
			names = append(names, d.Name)
		}
	}
	return names
}
