package providers

import (
	"fmt"
	"net/http"
	"sort"
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
}

// Descriptor tells vnum about one carrier: its name, what it needs and how to build it.
type Descriptor struct {
	Name        string
	Description string
	// Credentials lists the credential keys the carrier needs; empty for the sandbox.
	Credentials []string
	// Capabilities are what the carrier can do, shown by `vnum providers` without building it.
	Capabilities Capabilities
	New          func(s Settings) (Provider, error)
	// CheckRegulatory checks the form of paperwork ids given to a buy (BuyRequest.Regulatory)
	// before anything is searched or spent; nil when any value will do.
	CheckRegulatory func(reg map[string]string) error
}

// Registry is the set of carriers vnum knows, built explicitly (see providers/all), never through
// init() side effects.
type Registry struct {
	byName map[string]Descriptor
}

// NewRegistry builds a registry. A duplicate name is a programming error caught at start-up.
func NewRegistry(ds ...Descriptor) (*Registry, error) {
	r := &Registry{byName: make(map[string]Descriptor, len(ds))}
	for _, d := range ds {
		if _, dup := r.byName[d.Name]; dup {
			return nil, fmt.Errorf("provider %q registered twice", d.Name)
		}
		r.byName[d.Name] = d
	}
	return r, nil
}

// Lookup returns the named carrier.
func (r *Registry) Lookup(name string) (Descriptor, bool) {
	d, ok := r.byName[name]
	return d, ok
}

// Names lists the carriers in alphabetical order.
func (r *Registry) Names() []string {
	names := make([]string, 0, len(r.byName))
	for n := range r.byName {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
