// Package cmdutil holds what every command shares: the Factory of lazily built dependencies, error
// types and exit codes, argument helpers and the output helpers for tables and JSON.
package cmdutil

import (
	"fmt"
	"strings"
	"time"

	"github.com/vnum-cli/vnum/internal/auth"
	"github.com/vnum-cli/vnum/internal/config"
	"github.com/vnum-cli/vnum/internal/iostreams"
	"github.com/vnum-cli/vnum/internal/numbers"
	"github.com/vnum-cli/vnum/internal/prompter"
	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/providers"
)

// Factory gives commands their dependencies. Everything expensive is a memoised func, built on
// first use, so `vnum --version` opens no database and reads no keyring. internal/app builds it.
type Factory struct {
	AppVersion string
	IOStreams  *iostreams.IOStreams
	Prompter   prompter.Prompter
	// Env reads the environment; commands never call os.Getenv.
	Env func(string) string
	// Now is the clock (tests freeze it).
	Now func() time.Time

	// Config is the configuration file + VNUM_* environment.
	Config func() (*config.Config, error)
	// HTTPClient is the one client carrier requests go through, adapters' and auth login's:
	// proxy settings, User-Agent, and the VNUM_DEBUG=api dump with credentials redacted.
	HTTPClient providers.HTTPClientFunc
	// Redact adds a secret that HTTPClient's VNUM_DEBUG=api dump removes wherever it shows (the
	// credentials of carriers built through Provider are added by the Factory itself).
	Redact func(secret string)
	// Registry lists the carriers vnum knows.
	Registry *providers.Registry
	// ProviderFlag is the value of the global --provider flag ("" when not given).
	ProviderFlag *string
	// Credentials finds and saves carrier credentials (env, secret files, keyring, insecure file).
	Credentials func() (*auth.Manager, error)
	// Provider builds (once) the named carrier's adapter with its credentials.
	Provider func(name string) (providers.Provider, error)
	// Store opens (once) the local store.
	Store func() (*store.Store, error)
	// Numbers is the number lifecycle over the store and the providers, once it has finished
	// (or undone) what earlier runs left half done: that asks the carriers.
	Numbers func() (*numbers.Manager, error)
	// NumbersOffline is the same lifecycle without that recovery, for commands that must not
	// touch the network (list --offline).
	NumbersOffline func() (*numbers.Manager, error)
	// SMSRelay reports whether `vnum serve` is set up, so that it can relay the SMS of carriers
	// that cannot forward them (nil: it is not).
	SMSRelay func() bool
	// Warnings returns, once each, what the user should hear about that did not stop the
	// command: carriers' warnings and credentials read from the plaintext file.
	Warnings func() []string
}

// ProviderFlagName is the carrier --provider names, as the registry spells it ("Twilio" is
// twilio); "" when the flag was not given. Compare this, never the flag's raw value, with a
// number's Provider.
func (f *Factory) ProviderFlagName() string {
	if f.ProviderFlag == nil {
		return ""
	}
	return strings.ToLower(strings.TrimSpace(*f.ProviderFlag))
}

// ProviderName is the carrier a command should use: --provider, else VNUM_PROVIDER / config,
// else the sandbox, in any case ("Twilio" is twilio). It fails on a name vnum does not know,
// listing the ones it does, and names the setting when the name came from one.
func (f *Factory) ProviderName() (string, error) {
	name := f.ProviderFlagName()
	var cfg *config.Config
	if name == "" {
		var err error
		if cfg, err = f.Config(); err != nil {
			return "", err
		}
		name = cfg.Provider()
	}
	if d, ok := f.Registry.Lookup(name); !ok || !d.Usable() {
		err := fmt.Errorf("unknown provider %q: use one of %s", name, joinNames(f.Registry.Names()))
		if cfg != nil {
			return "", cfg.Invalid(config.KeyProvider, err)
		}
		return "", &ExitError{Code: ExitUsage, Err: err}
	}
	return name, nil
}

func joinNames(names []string) string {
	out := ""
	for i, n := range names {
		switch {
		case i == 0:
		case i == len(names)-1:
			out += " or "
		default:
			out += ", "
		}
		out += n
	}
	return out
}

// RelaysSMS reports whether forwarding SMS on provider is vnum serve's relay (the carrier cannot
// forward them itself).
func (f *Factory) RelaysSMS(provider string) bool {
	d, ok := f.Registry.Lookup(provider)
	return ok && !d.Capabilities.ForwardSMS && d.Capabilities.SendSMS
}

// CheckForwardSMS refuses, as a usage error, SMS forwarding on a carrier that cannot do it,
// before anything is bought or changed.
// Where the carrier can send SMS, vnum serve relays them once it is set up.
func (f *Factory) CheckForwardSMS(provider, flag string) error {
	d, ok := f.Registry.Lookup(provider)
	if !ok || d.Capabilities.ForwardSMS {
		return nil
	}
	title := d.Title
	if title == "" {
		title = d.Name
	}
	if d.Capabilities.SendSMS {
		if f.SMSRelay != nil && f.SMSRelay() {
			return nil
		}
		return FlagErrorf("%s cannot forward SMS by itself; vnum serve can relay them: set it up with `vnum serve --public-url https://…` "+
			"(and keep it running), or drop %s (calls can still be forwarded) and read its SMS with `vnum sms list` or `vnum sms wait`",
			title, flag)
	}
	return FlagErrorf("%s cannot forward SMS by itself: drop %s (calls can still be forwarded) and read its SMS with `vnum sms list` or `vnum sms wait`",
		title, flag)
}
