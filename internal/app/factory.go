package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/vnum-cli/vnum/internal/auth"
	"github.com/vnum-cli/vnum/internal/cijob"
	"github.com/vnum-cli/vnum/internal/cmdutil"
	"github.com/vnum-cli/vnum/internal/config"
	"github.com/vnum-cli/vnum/internal/iostreams"
	"github.com/vnum-cli/vnum/internal/numbers"
	"github.com/vnum-cli/vnum/internal/prompter"
	"github.com/vnum-cli/vnum/internal/serve"
	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/internal/termsafe"
	"github.com/vnum-cli/vnum/internal/transport"
	"github.com/vnum-cli/vnum/providers"
	"github.com/vnum-cli/vnum/providers/all"
)

// NewFactory wires vnum's dependencies. Each is built on first use, by the constructor named for
// it below, and needs only those before it:
//
//	Config                        config.yaml and the environment
//	Registry                      the carriers vnum knows (plain data)
//	HTTPClient, Redact            one client for every carrier; its debug dump hides the secrets
//	Credentials ← Config          the keyring / files / environment, per carrier and profile
//	Provider    ← Config, Credentials, HTTPClient    one adapter per carrier, built once
//	Store       ← Config          the local database, opened once
//	SMSRelay    ← Config          whether vnum serve is set up (it relays SMS, pushes them)
//	NumbersOffline ← Store, Provider, SMSRelay       the number lifecycle
//	Numbers     ← NumbersOffline  the same, after finishing what an earlier run left half done
//
// The returned cleanup closes what was opened (store, adapters), last opened first. ctx is the
// run's: cancelled on Ctrl-C, it ends what the factory does on a command's behalf (a prompt, the
// recovery of interrupted operations) as it ends the command.
func NewFactory(ctx context.Context, version string, env func(string) string, ios *iostreams.IOStreams) (*cmdutil.Factory, func()) {
	var providerFlag string
	pr := prompter.New(ios.In, ios.ErrOut, ios.InFd())
	pr.Ctx = ctx
	f := &cmdutil.Factory{
		AppVersion:   version,
		IOStreams:    ios,
		Prompter:     pr,
		Env:          env,
		Now:          time.Now,
		ProviderFlag: &providerFlag,
	}
	closers := &closeList{}
	secrets := &secretList{}

	f.Config = newConfigFunc(env, ios)
	// The registry is plain data; building it cannot fail unless two carriers share a name,
	// which the tests of providers/all rule out.
	reg, regErr := all.Registry()
	f.Registry = reg
	f.HTTPClient = newHTTPClientFunc(version, env, ios.ErrOut, secrets)
	f.Redact = secrets.add
	f.Credentials = newCredentialsFunc(f.Config, reg, env)
	adapters := &adapterCache{
		registry: reg, regErr: regErr, env: env, stderrTTY: ios.IsStderrTTY,
		config: f.Config, credentials: f.Credentials, http: f.HTTPClient,
		secrets: secrets, closers: closers,
		built: map[string]providers.Provider{},
	}
	f.Provider = adapters.provider
	f.Warnings = adapters.warnings
	f.Store = newStoreFunc(f.Config, closers)
	f.SMSRelay = newSMSRelayFunc(f.Config)
	f.NumbersOffline = newNumbersOfflineFunc(lifecycleDeps{
		store:      f.Store,
		provider:   f.Provider,
		serveSetUp: f.SMSRelay,
		smsRoute:   newServeRouteFunc(f.Config, env, f.Credentials, serve.PublicRoutes),
		callRoute:  newServeRouteFunc(f.Config, env, f.Credentials, serve.PublicCallRoutes),
		now:        f.Now,
		leaseID:    strings.TrimSpace(env("VNUM_LEASE")),
		job:        cijob.Name(env),
		report:     ios.StartProgress,
		warn:       func(msg string) { cmdutil.Warnf(ios, "%s", msg) }, // escaped there: it may quote a carrier
		callPrefs:  newCallPrefsFunc(f.Config),
	})
	f.Numbers = newNumbersFunc(ctx, f.NumbersOffline, ios.ErrOut)
	return f, closers.closeAll
}

// newConfigFunc loads the configuration once: it turns prompting off when config.yaml says so
// and warns about settings it does not know.
func newConfigFunc(env func(string) string, ios *iostreams.IOStreams) func() (*config.Config, error) {
	return sync.OnceValues(func() (*config.Config, error) {
		cfg, err := config.Load(config.Env(env))
		if err != nil {
			return cfg, err
		}
		if cfg.PromptDisabled() {
			ios.SetNeverPrompt(true)
		}
		for _, k := range cfg.Unknown() {
			fmt.Fprintf(ios.ErrOut, "warning: %s: unknown setting %q, ignored (see README: Configuration)\n", cfg.File(), k)
		}
		return cfg, nil
	})
}

// secretList holds the secrets of the carriers built so far: the debug dump removes them
// wherever they show, even in an answer that quotes a request.
type secretList struct {
	mu   sync.Mutex
	list []string
}

func (s *secretList) add(secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.list = append(s.list, secret)
}

func (s *secretList) all() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.list)
}

// newHTTPClientFunc builds, once, the HTTP client every carrier uses, with vnum's user agent
// and the VNUM_DEBUG=api dump to debugOut, secrets removed.
func newHTTPClientFunc(version string, env func(string) string, debugOut io.Writer, secrets *secretList) func() *http.Client {
	return sync.OnceValue(func() *http.Client {
		return transport.NewClient(transport.Options{
			UserAgent: "vnum/" + version,
			Debug:     transport.DebugEnabled(env("VNUM_DEBUG")),
			DebugOut:  debugOut,
			Secrets:   secrets.all,
		})
	})
}

// newCredentialsFunc builds, once, the credentials manager over the configuration's folder.
func newCredentialsFunc(cfg func() (*config.Config, error), reg *providers.Registry, env func(string) string) func() (*auth.Manager, error) {
	return sync.OnceValues(func() (*auth.Manager, error) {
		c, err := cfg()
		if err != nil {
			return nil, err
		}
		return auth.NewManager(reg, c.Dir(), env), nil
	})
}

// adapterCache builds each carrier's adapter once, with its settings and credentials, and keeps
// what the user should be told about them (a credential's warning, a base URL override).
type adapterCache struct {
	registry    *providers.Registry
	regErr      error
	env         func(string) string
	stderrTTY   func() bool
	config      func() (*config.Config, error)
	credentials func() (*auth.Manager, error)
	http        func() *http.Client
	secrets     *secretList
	closers     *closeList

	mu    sync.Mutex
	built map[string]providers.Provider
	notes []string
}

// provider returns the adapter for name. An unknown name is a usage error; missing credentials
// are an ExitAuth error, so the command exits with that code.
func (c *adapterCache) provider(name string) (providers.Provider, error) {
	if c.regErr != nil {
		return nil, c.regErr
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if p, ok := c.built[name]; ok {
		return p, nil
	}
	d, ok := c.registry.Lookup(name)
	if !ok || !d.Usable() {
		return nil, cmdutil.FlagErrorf("unknown provider %q", name)
	}
	cfg, err := c.config()
	if err != nil {
		return nil, err
	}
	s := providers.Settings{DataDir: cfg.DataDir(), Env: c.env, Options: cfg.ProviderOptions(name), HTTP: c.http}
	if len(d.Auth) > 0 {
		if err := c.addCredentials(d, cfg.Profile(), &s); err != nil {
			return nil, err
		}
	}
	p, err := d.New(s)
	if err != nil {
		if !strings.HasPrefix(err.Error(), name+":") && !strings.HasPrefix(err.Error(), name+" ") {
			err = fmt.Errorf("%s: %w", name, err) // adapters mostly name themselves already
		}
		if !errors.Is(err, providers.ErrUnauthorized) {
			// Credentials aside, an adapter refuses only its settings (VNUM_SANDBOX_*, a base
			// URL, providers.<name> in config.yaml), which it names: a bad setting, exit 2 as
			// config.yaml's own, without a pointer to --help.
			err = &config.Error{Err: err}
		}
		return nil, err
	}
	if cl, ok := p.(io.Closer); ok {
		c.closers.add(cl)
	}
	c.built[name] = p
	if n := overrideNote(d, s, cfg.File(), c.stderrTTY()); n != "" {
		c.notes = append(c.notes, n)
	}
	return p, nil
}

// addCredentials looks up d's credentials for profile into s, and gives their secrets to the
// debug dump to hide. Called with c.mu held.
func (c *adapterCache) addCredentials(d providers.Descriptor, profile string, s *providers.Settings) error {
	m, err := c.credentials()
	if err != nil {
		return err
	}
	cred, err := m.Lookup(d.Name, profile)
	if err != nil {
		if errors.Is(err, auth.ErrMissing) {
			return &cmdutil.ExitError{Code: cmdutil.ExitAuth, Err: err}
		}
		return err
	}
	s.Credentials = cred.Values
	s.OptionalCredential = func(key string) (string, error) {
		v, _, err := m.Optional(d.Name, profile, key)
		return v, err
	}
	if cred.Source == auth.SourceKeyring || cred.Source == auth.SourceInsecure {
		// Values an adapter makes (Vonage's application key) go where the user keeps the rest.
		s.KeepCredentials = func(values map[string]string) error {
			kept := cred
			kept.Values = auth.Values{}
			for k, v := range cred.Values {
				kept.Values[k] = v
			}
			for k, v := range values {
				kept.Values[k] = v
			}
			if _, err := m.Save(kept, cred.Source); err != nil {
				return err
			}
			for k, v := range values {
				cred.Values[k] = v
			}
			return nil
		}
	}
	for _, set := range d.Auth {
		for _, f := range set.Fields {
			if v := cred.Values[f.Key]; f.Secret && v != "" {
				c.secrets.add(v)
			}
		}
	}
	if cred.Warning != "" {
		c.notes = append(c.notes, cred.Warning)
	}
	return nil
}

// warnings returns, once each, the notes gathered while building adapters and what the adapters
// built have to say (providers.Warner), in carrier name order.
func (c *adapterCache) warnings() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.notes
	c.notes = nil
	names := make([]string, 0, len(c.built))
	for name := range c.built {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if w, ok := providers.As[providers.Warner](c.built[name]); ok {
			out = append(out, w.Warnings()...)
		}
	}
	return out
}

// newStoreFunc opens the local database once; closers closes it at cleanup.
func newStoreFunc(cfg func() (*config.Config, error), closers *closeList) func() (*store.Store, error) {
	return sync.OnceValues(func() (*store.Store, error) {
		c, err := cfg()
		if err != nil {
			return nil, err
		}
		s, err := store.Open(c.Store())
		if err != nil {
			return nil, err
		}
		closers.add(s)
		return s, nil
	})
}

// newSMSRelayFunc tells, once, whether vnum serve is set up: it ran here once (its secrets
// exist) or the config says where it listens or is reached.
func newSMSRelayFunc(cfg func() (*config.Config, error)) func() bool {
	return sync.OnceValue(func() bool {
		c, err := cfg()
		return err == nil && (serve.Configured(c.Dir(), c.ServeListen()) || c.ServePublicURL() != "")
	})
}

// newServeRouteFunc returns one of serve's public routes for a carrier, as routesOf lists them
// (serve.PublicRoutes: SMS, https://…/hooks/…/vonage; serve.PublicCallRoutes: calls,
// https://…/hooks/…/telnyx/calls), "" when serve has no public URL, never ran here, or has no
// such route for the carrier. The routes are worked out (keys looked up) once, and only when a
// number is to be pointed at serve.
func newServeRouteFunc(cfg func() (*config.Config, error), env func(string) string, creds func() (*auth.Manager, error),
	routesOf func(configDir, publicURL string, keys serve.KeyLookup) map[string]string) func(string) string {
	routes := sync.OnceValue(func() map[string]string {
		c, err := cfg()
		if err != nil || c.ServePublicURL() == "" {
			return nil
		}
		public, err := serve.CheckPublicURL(c.ServePublicURL())
		if err != nil {
			return nil
		}
		return routesOf(c.Dir(), public, serve.KeyLookup{Env: env, Credentials: creds, Config: cfg})
	})
	return func(provider string) string { return routes()[provider] }
}

// lifecycleDeps are what the number lifecycle is built over.
type lifecycleDeps struct {
	store      func() (*store.Store, error)
	provider   func(string) (providers.Provider, error)
	serveSetUp func() bool                  // vnum serve is set up (pushes SMS, relays them)
	smsRoute   func(provider string) string // serve's public route per carrier, "" for none
	callRoute  func(provider string) string // serve's public call route per carrier, "" for none
	now        func() time.Time
	leaseID    string       // VNUM_LEASE: this job's lease, which bounds what sms list/wait see
	job        string       // the CI job this process runs in (cijob.Name), "" outside CI
	report     func(string) // shows an operation's progress
	warn       func(string) // a warning for the user, on stderr
	callPrefs  func() numbers.CallPrefs
}

// newCallPrefsFunc reads config block.action and voicemail.greeting for the lifecycle; an
// unreadable configuration gives the defaults (the command reports that error itself).
func newCallPrefsFunc(cfgFunc func() (*config.Config, error)) func() numbers.CallPrefs {
	return func() numbers.CallPrefs {
		var prefs numbers.CallPrefs
		if cfg, err := cfgFunc(); err == nil {
			prefs.Greeting = cfg.VoicemailGreeting()
			if cfg.BlockAction() == config.BlockMessage {
				prefs.BlockMessage = numbers.DefaultBlockMessage
			}
		}
		return prefs
	}
}

// newNumbersOfflineFunc builds the number lifecycle once, over the store and the adapters.
func newNumbersOfflineFunc(d lifecycleDeps) func() (*numbers.Manager, error) {
	return sync.OnceValues(func() (*numbers.Manager, error) {
		s, err := d.store()
		if err != nil {
			return nil, err
		}
		// With vnum serve set up, messages may be pushed into the store at any moment: sms wait
		// looks there every 100 ms, between its slower reads of the carrier.
		var storePoll time.Duration
		relay := d.serveSetUp()
		if relay {
			storePoll = 100 * time.Millisecond
		}
		var prefs numbers.CallPrefs
		if d.callPrefs != nil {
			prefs = d.callPrefs()
		}
		return numbers.New(numbers.Config{
			CallPrefs:      prefs,
			Store:          s,
			Provider:       d.provider,
			Now:            d.now,
			PID:            os.Getpid(),
			Host:           hostname(),
			Job:            d.job,
			Report:         d.report,
			StorePoll:      storePoll,
			SMSRelay:       relay,
			SMSRoute:       d.smsRoute,
			ServeCallRoute: d.callRoute,
			Warn:           d.warn,
			LeaseID:        d.leaseID,
		}), nil
	})
}

// newNumbersFunc returns the lifecycle after it finished, once, whatever an earlier run left
// half done, telling errOut what it did. Ctrl-C (ctx) ends the recovery at once: what it did
// not finish stays in the journal for the next run.
func newNumbersFunc(ctx context.Context, offline func() (*numbers.Manager, error), errOut io.Writer) func() (*numbers.Manager, error) {
	return sync.OnceValues(func() (*numbers.Manager, error) {
		m, err := offline()
		if err != nil {
			return nil, err
		}
		notes, err := m.Recover(ctx)
		if ctx.Err() != nil {
			return nil, fmt.Errorf("finishing an interrupted operation: %w", ctx.Err())
		}
		for _, n := range notes {
			fmt.Fprintf(errOut, "vnum: %s\n", termsafe.Escape(n))
		}
		if err != nil {
			fmt.Fprintf(errOut, "vnum: warning: could not finish an interrupted operation yet: %s\n", termsafe.Escape(err.Error()))
		}
		return m, nil
	})
}

// closeList is what the run opened and cleanup closes, last opened first.
type closeList struct {
	mu sync.Mutex
	cs []io.Closer
}

func (l *closeList) add(c io.Closer) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cs = append(l.cs, c)
}

func (l *closeList) closeAll() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := len(l.cs) - 1; i >= 0; i-- {
		_ = l.cs[i].Close()
	}
	l.cs = nil
}

// overrideNote says, once a run, that a carrier's requests (and credentials) go to a base URL
// other than the carrier's own, and who said so: always when config.yaml did (a line there is
// easily forgotten, or put there by someone else), on a terminal when the environment did (a
// script or a test that sets the variable knows).
func overrideNote(d providers.Descriptor, s providers.Settings, configFile string, tty bool) string {
	raw, source := d.Endpoint.Override(s)
	if raw == "" {
		return ""
	}
	where := source
	if source == d.Endpoint.Option && source != d.Endpoint.Env {
		where = fmt.Sprintf("providers.%s.%s in %s", d.Name, source, configFile)
	} else if !tty {
		return ""
	}
	shown := "a URL that is not valid"
	if u, err := d.Endpoint.BaseURL(s); err == nil {
		shown = u
	}
	return fmt.Sprintf("%s requests and credentials go to %s, not to %s itself (set by %s)", d.Title, shown, d.Title, where)
}

// hostname names this machine in the journal, so a process id is only checked where it means
// something; "" when the system does not say.
func hostname() string {
	h, err := os.Hostname()
	if err != nil {
		return ""
	}
	return h
}
