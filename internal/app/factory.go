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

// NewFactory wires vnum's dependencies. Each is built on first use, in this order of need:
// Config ← Credentials, Store ← Provider ← Numbers. The returned cleanup closes what was opened.
// ctx is the run's: cancelled on Ctrl-C, it ends what the factory does on a command's behalf
// (a prompt, the recovery of interrupted operations) as it ends the command.
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
	var closers []io.Closer

	f.Config = sync.OnceValues(func() (*config.Config, error) {
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

	// The registry is plain data; building it cannot fail unless two carriers share a name,
	// which the tests of providers/all rule out.
	reg, regErr := all.Registry()
	f.Registry = reg

	// The secrets of the carriers built so far: the debug dump removes them wherever they show,
	// even in an answer that quotes a request.
	var secretsMu sync.Mutex
	var secrets []string
	httpClient := sync.OnceValue(func() *http.Client {
		return transport.NewClient(transport.Options{
			UserAgent: "vnum/" + version,
			Debug:     transport.DebugEnabled(env("VNUM_DEBUG")),
			DebugOut:  ios.ErrOut,
			Secrets: func() []string {
				secretsMu.Lock()
				defer secretsMu.Unlock()
				return slices.Clone(secrets)
			},
		})
	})

	f.HTTPClient = httpClient
	f.Redact = func(secret string) {
		secretsMu.Lock()
		defer secretsMu.Unlock()
		secrets = append(secrets, secret)
	}

	f.Credentials = sync.OnceValues(func() (*auth.Manager, error) {
		cfg, err := f.Config()
		if err != nil {
			return nil, err
		}
		return auth.NewManager(f.Registry, cfg.Dir(), env), nil
	})

	var mu sync.Mutex
	built := map[string]providers.Provider{}
	var notes []string // guarded by mu
	f.Provider = func(name string) (providers.Provider, error) {
		if regErr != nil {
			return nil, regErr
		}
		mu.Lock()
		defer mu.Unlock()
		if p, ok := built[name]; ok {
			return p, nil
		}
		d, ok := f.Registry.Lookup(name)
		if !ok || !d.Usable() {
			return nil, cmdutil.FlagErrorf("unknown provider %q", name)
		}
		cfg, err := f.Config()
		if err != nil {
			return nil, err
		}
		s := providers.Settings{DataDir: cfg.DataDir(), Env: env, Options: cfg.ProviderOptions(name), HTTP: httpClient}
		if len(d.Auth) > 0 {
			m, err := f.Credentials()
			if err != nil {
				return nil, err
			}
			cred, err := m.Lookup(name, cfg.Profile())
			if err != nil {
				if errors.Is(err, auth.ErrMissing) {
					return nil, &cmdutil.ExitError{Code: cmdutil.ExitAuth, Err: err}
				}
				return nil, err
			}
			s.Credentials = cred.Values
			secretsMu.Lock()
			for _, set := range d.Auth {
				for _, c := range set.Fields {
					if v := cred.Values[c.Key]; c.Secret && v != "" {
						secrets = append(secrets, v)
					}
				}
			}
			secretsMu.Unlock()
			if cred.Warning != "" {
				notes = append(notes, cred.Warning)
			}
		}
		p, err := d.New(s)
		if err != nil {
			if !strings.HasPrefix(err.Error(), name+":") && !strings.HasPrefix(err.Error(), name+" ") {
				err = fmt.Errorf("%s: %w", name, err) // adapters mostly name themselves already
			}
			return nil, err
		}
		if c, ok := p.(io.Closer); ok {
			closers = append(closers, c)
		}
		built[name] = p
		if n := overrideNote(d, s, cfg.File(), ios.IsStderrTTY()); n != "" {
			notes = append(notes, n)
		}
		return p, nil
	}

	f.Warnings = func() []string {
		mu.Lock()
		defer mu.Unlock()
		out := notes
		notes = nil
		names := make([]string, 0, len(built))
		for name := range built {
			names = append(names, name)
		}
		slices.Sort(names)
		for _, name := range names {
			if w, ok := providers.As[providers.Warner](built[name]); ok {
				out = append(out, w.Warnings()...)
			}
		}
		return out
	}

	f.Store = sync.OnceValues(func() (*store.Store, error) {
		cfg, err := f.Config()
		if err != nil {
			return nil, err
		}
		s, err := store.Open(cfg.StoreFile())
		if err != nil {
			return nil, err
		}
		closers = append(closers, s)
		return s, nil
	})

	f.NumbersOffline = sync.OnceValues(func() (*numbers.Manager, error) {
		s, err := f.Store()
		if err != nil {
			return nil, err
		}
		// With vnum serve set up, messages may be pushed into the store at any moment: sms wait
		// looks there every 100 ms, between its slower reads of the carrier.
		var storePoll time.Duration
		if cfg, err := f.Config(); err == nil && serve.Configured(cfg.Dir(), cfg.ServeListen()) {
			storePoll = 100 * time.Millisecond
		}
		var prefs numbers.CallPrefs
		if cfg, err := f.Config(); err == nil {
			prefs.Greeting = cfg.VoicemailGreeting()
			if cfg.BlockAction() == config.BlockMessage {
				prefs.BlockMessage = numbers.DefaultBlockMessage
			}
		}
		return numbers.New(numbers.Config{
			CallPrefs: prefs,
			Store:     s,
			Provider:  f.Provider,
			Now:       f.Now,
			PID:       os.Getpid(),
			Host:      hostname(),
			Report:    ios.StartProgress,
			StorePoll: storePoll,
		}), nil
	})

	f.Numbers = sync.OnceValues(func() (*numbers.Manager, error) {
		m, err := f.NumbersOffline()
		if err != nil {
			return nil, err
		}
		// Finish whatever an earlier run left half done before doing anything new. Ctrl-C
		// ends it at once: what it did not finish stays in the journal for the next run.
		notes, err := m.Recover(ctx)
		ios.StopProgress()
		if ctx.Err() != nil {
			return nil, fmt.Errorf("finishing an interrupted operation: %w", ctx.Err())
		}
		for _, n := range notes {
			fmt.Fprintf(ios.ErrOut, "vnum: %s\n", termsafe.Escape(n))
		}
		if err != nil {
			fmt.Fprintf(ios.ErrOut, "vnum: warning: could not finish an interrupted operation yet: %s\n", termsafe.Escape(err.Error()))
		}
		return m, nil
	})

	cleanup := func() {
		for i := len(closers) - 1; i >= 0; i-- {
			_ = closers[i].Close()
		}
	}
	return f, cleanup
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
