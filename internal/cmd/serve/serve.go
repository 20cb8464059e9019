// Package serve implements `vnum serve`, the HTTP server carriers push inbound SMS to.
package serve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sort"
	"strings"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/vnum-cli/vnum/internal/auth"
	"github.com/vnum-cli/vnum/internal/cmdutil"
	"github.com/vnum-cli/vnum/internal/config"
	"github.com/vnum-cli/vnum/internal/iostreams"
	"github.com/vnum-cli/vnum/internal/numbers"
	srv "github.com/vnum-cli/vnum/internal/serve"
	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/internal/termsafe"
	sandboxwh "github.com/vnum-cli/vnum/internal/webhook/sandbox"
	telnyxwh "github.com/vnum-cli/vnum/internal/webhook/telnyx"
	twiliowh "github.com/vnum-cli/vnum/internal/webhook/twilio"
	vonagewh "github.com/vnum-cli/vnum/internal/webhook/vonage"
	"github.com/vnum-cli/vnum/providers"
)

// Options are the dependencies `vnum serve` uses, then its flags.
type Options struct {
	IO *iostreams.IOStreams
	// Config is the configuration: serve.listen and serve.public_url, the directory that keeps
	// serve's secrets (serve.json), and carriers' keys kept there.
	Config func() (*config.Config, error)
	// Env reads the environment: carriers' keys and their _FILE forms.
	Env func(string) string
	// Credentials finds the carriers' keys vnum auth login saved.
	Credentials func() (*auth.Manager, error)
	// Store opens the local store, where pushed messages are written.
	Store func() (*store.Store, error)
	// Provider builds a carrier's adapter: to point its numbers' inbound SMS at serve and back,
	// and to download the recordings of voicemails left through serve.
	Provider func(name string) (providers.Provider, error)
	// NumbersOffline is the number lifecycle without start-up recovery: the call routes read
	// the call rules and log calls through it, the SMS relay sends through it, and
	// --unconfigure gives the numbers' calls back with it.
	NumbersOffline func() (*numbers.Manager, error)

	Listen         string
	PublicURL      string
	TrustForwarded bool
	LogFormat      string
	Unconfigure    bool
}

// NewCmdServe builds `vnum serve`.
func NewCmdServe(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Config: f.Config, Env: f.Env, Credentials: f.Credentials, Store: f.Store,
		Provider: f.Provider, NumbersOffline: f.NumbersOffline}
	cmd := &cobra.Command{
		Use:   "serve [--listen 127.0.0.1:8080] [--public-url https://…]",
		Short: "Receive SMS pushed by the carriers (webhooks), the moment they arrive",
		Long: heredoc.Doc(`
			Run the small HTTP server carriers push inbound SMS to. Put it behind your own HTTPS (a
			reverse proxy, a tunnel, a small server) and give vnum the URL the carriers reach it
			at with --public-url (or serve.public_url in config.yaml).

			Each carrier has one route behind a secret path segment, made once and kept in
			serve.json in the configuration directory; the routes are printed at start-up, on
			stdout. Every request is checked before anything is stored:
			  twilio   X-Twilio-Signature with the account's Auth Token (TWILIO_AUTH_TOKEN or
			           vnum auth login twilio), over the public URL
			  telnyx   the Ed25519 signature, with the account's public key (TELNYX_PUBLIC_KEY or
			           vnum auth login telnyx --public-key)
			  vonage   sig, when the account signs webhooks (VONAGE_SIGNATURE_SECRET); without it
			           only the secret path protects the route
			  sandbox  vnum sandbox receive, signed with a local secret
			Unsigned, forged, stale or replayed requests get 401 or 403 and a log line. Each
			message is stored once (carriers retry) and the carrier is answered only after it was
			written: sms list and sms wait see it at once.

			With a public URL, serve points the numbers' inbound SMS at itself once it listens
			(Vonage's moHttpUrl; Telnyx's webhook_url of vnum's messaging profile; Twilio's SmsUrl
			where vnum's forwarding flow does not hold the SMS), recording what
			each had; with serve.public_url set, buy, forward and rotate do it too, and release puts
			back what the number had. vnum serve --unconfigure puts everything back.

			The log (stderr) has one line per request, without message texts or secrets. Stop with
			Ctrl-C or SIGTERM: requests under way are finished first.
		`),
		Example: heredoc.Doc(`
			$ vnum serve --public-url https://vnum.example.org
			$ VNUM_SERVE_LISTEN=127.0.0.1:9000 vnum serve --trust-forwarded
		`),
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := opts.Config()
			if err != nil {
				return err
			}
			if !cmd.Flags().Changed("listen") {
				opts.Listen = cfg.ServeListen()
			}
			if opts.Listen == "" {
				opts.Listen = srv.DefaultListen
			}
			if _, err := srv.LocalBase(opts.Listen); err != nil {
				return cmdutil.FlagErrorf("--listen: %v", err)
			}
			if !cmd.Flags().Changed("public-url") {
				opts.PublicURL = cfg.ServePublicURL()
			}
			if opts.PublicURL != "" {
				if opts.PublicURL, err = srv.CheckPublicURL(opts.PublicURL); err != nil {
					return cmdutil.FlagErrorf("--public-url: %v", err)
				}
			}
			if opts.LogFormat != "text" && opts.LogFormat != "json" {
				return cmdutil.FlagErrorf("--log-format: %q is neither text nor json", opts.LogFormat)
			}
			if runF != nil {
				return runF(opts)
			}
			return run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Listen, "listen", "", "address to listen on (config serve.listen; default "+srv.DefaultListen+")")
	cmd.Flags().StringVar(&opts.PublicURL, "public-url", "", "https URL the carriers reach this server at (config serve.public_url)")
	cmd.Flags().BoolVar(&opts.TrustForwarded, "trust-forwarded", false, "behind a proxy: take the URL's scheme and host from X-Forwarded-Proto and X-Forwarded-Host")
	cmd.Flags().StringVar(&opts.LogFormat, "log-format", "text", "log lines as text or json")
	cmd.Flags().BoolVar(&opts.Unconfigure, "unconfigure", false, "put back the inbound SMS URLs serve set on your numbers, and exit")
	return cmd
}

// reconfigureEvery is how often serve looks for numbers bought since it started, to point them
// at itself.
const reconfigureEvery = 2 * time.Minute

// check is one carrier's verification, as the start-up lines say it.
type check struct {
	name, how string
}

func run(ctx context.Context, o *Options) error {
	cfg, err := o.Config()
	if err != nil {
		return err
	}
	secrets, err := srv.EnsureSecrets(cfg.Dir())
	if err != nil {
		return fmt.Errorf("serve secrets: %w", err)
	}
	st, err := o.Store()
	if err != nil {
		return err
	}
	if o.Unconfigure {
		notes, err := srv.Unconfigure(ctx, st, o.Provider)
		for _, n := range notes {
			fmt.Fprintln(o.IO.ErrOut, termsafe.Escape(n)) // a note may quote the carrier's error
		}
		if err == nil && len(notes) == 0 {
			fmt.Fprintln(o.IO.ErrOut, "vnum serve had set no number's inbound SMS URL: nothing to put back")
		}
		// The numbers whose calls serve answers (Telnyx, Vonage) get theirs back too.
		hooks, herr := st.ListCallHooks(ctx)
		if herr != nil || len(hooks) == 0 {
			return errors.Join(err, herr)
		}
		m, merr := o.NumbersOffline()
		if merr != nil {
			return errors.Join(err, merr)
		}
		callNotes, cerr := m.UnpointAllCalls(ctx)
		for _, n := range callNotes {
			fmt.Fprintln(o.IO.ErrOut, termsafe.Escape(n))
		}
		return errors.Join(err, cerr)
	}
	conf := srv.Config{Store: st, Token: secrets.PathToken, PublicURL: o.PublicURL, TrustForwarded: o.TrustForwarded,
		Sandbox: sandboxwh.New(secrets.SandboxKey())}
	var checks []check

	signedOver := "the URL each request names"
	switch {
	case o.PublicURL != "":
		signedOver = o.PublicURL
	case o.TrustForwarded:
		signedOver = "the URL X-Forwarded-Proto and X-Forwarded-Host name"
	}
	keys := srv.KeyLookup{Env: o.Env, Credentials: o.Credentials, Config: o.Config}
	if token, why := keys.TwilioAuthToken(); token != "" {
		conf.Twilio, err = twiliowh.New(token)
		if err != nil {
			return err
		}
		checks = append(checks, check{"twilio", "X-Twilio-Signature with the account's Auth Token, over " + signedOver})
	} else {
		checks = append(checks, check{"twilio", "off: " + why})
	}

	if key, from, why, err := keys.TelnyxPublicKey(); err != nil {
		return err
	} else if key != nil {
		conf.Telnyx = telnyxwh.New(key)
		checks = append(checks, check{"telnyx", "Ed25519 signature with the account's public key (" + from + "), timestamps within 5 minutes; " +
			"calls: TeXML requests at …/telnyx/calls, signed the same way"})
	} else {
		checks = append(checks, check{"telnyx", "off: " + why})
	}

	secret, err := auth.EnvOrFile(o.Env, vonagewh.EnvSignatureSecret)
	if err != nil {
		return err
	}
	if secret = strings.TrimSpace(secret); secret != "" {
		conf.Vonage = vonagewh.New(secret)
		checks = append(checks, check{"vonage", "sig with the signature secret (md5 hash or HMAC), timestamps within 5 minutes; " +
			"calls: a JWT (HS256) with the signature secret over the body's hash"})
	} else {
		conf.Vonage = vonagewh.New("")
		checks = append(checks, check{"vonage", "the secret path only: no " + vonagewh.EnvSignatureSecret + " (Vonage signs webhooks once its support turns it on)"})
	}
	checks = append(checks, check{"sandbox", "HMAC-SHA256 with the local secret in " + srv.SecretsFile})
	checks = append(checks, check{"relay", "SMS to numbers forwarded with --sms on carriers that cannot forward them are sent on from here, once each"})

	conf.Logger = newLogger(o)
	// The SMS relay: messages queued with the pushed messages they copy are re-sent by this
	// worker (several serves on one store share the queue; each message goes out once).
	m, err := o.NumbersOffline()
	if err != nil {
		return err
	}
	// The call routes (Telnyx, Vonage) read the numbers' call rules and log through the lifecycle,
	// and download recordings with the carrier's adapter.
	conf.Calls = m
	conf.Recordings = func(provider string) (providers.RecordingFetcher, error) {
		p, err := o.Provider(provider)
		if err != nil {
			return nil, err
		}
		rf, ok := providers.As[providers.RecordingFetcher](p)
		if !ok {
			return nil, fmt.Errorf("%s recordings cannot be downloaded", provider)
		}
		return rf, nil
	}
	relayer := srv.NewRelayer(srv.RelayConfig{Store: st, Sender: relaySender{st: st, m: m}, Owner: relayOwner(m),
		Gone: relayOwnerGone(m), Logger: conf.Logger})
	conf.Stored = relayer.Wake
	relayDone := make(chan struct{})
	rctx, stopRelay := context.WithCancel(ctx)
	defer func() {
		stopRelay()
		<-relayDone // the store stays open until the relay under way is recorded
	}()
	go func() {
		defer close(relayDone)
		relayer.Run(rctx)
	}()
	server, err := srv.New(conf)
	if err != nil {
		return err
	}
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", o.Listen)
	if err != nil {
		server.Close()
		return fmt.Errorf("listen on %s: %w", o.Listen, err)
	}
	local, _ := srv.LocalBase(ln.Addr().String())
	base := o.PublicURL
	if base == "" {
		base = local
	}
	fmt.Fprintf(o.IO.ErrOut, "vnum serve: listening on %s; public URL %s; store %s\n", ln.Addr(), orNone(o.PublicURL), st.Path())
	for _, c := range checks {
		fmt.Fprintf(o.IO.ErrOut, "  %-8s %s\n", c.name, c.how)
	}
	if o.PublicURL == "" {
		fmt.Fprintln(o.IO.ErrOut, "  (no --public-url: carriers can reach this server only through a proxy or tunnel you point at it)")
	}
	routes := server.Routes(base)
	names := make([]string, 0, len(routes))
	for n := range routes {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(o.IO.Out, "%s\t%s\n", n, routes[n])
	}
	// Voicemails whose download failed are fetched again every pass, while their URLs last.
	fetched := make(chan struct{})
	defer func() { <-fetched }()
	go func() {
		defer close(fetched)
		for {
			if n, err := server.FetchPendingAudio(ctx); n > 0 || err != nil && ctx.Err() == nil {
				conf.Logger.Info("voicemail downloads", "stored", n, "error", errString(err))
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(reconfigureEvery):
			}
		}
	}()
	configured := make(chan struct{})
	defer func() { <-configured }() // the store stays open until it is done
	if o.PublicURL == "" {
		close(configured)
	} else {
		// After Serve starts answering: Vonage checks a new URL with a GET before taking it.
		go func() {
			defer close(configured)
			onlyNew := false
			for {
				notes, err := srv.Configure(ctx, st, o.Provider, routes, onlyNew)
				for _, n := range notes {
					conf.Logger.Info("configure", "note", n)
				}
				if err != nil && ctx.Err() == nil {
					conf.Logger.Warn("configure", "error", err.Error())
				}
				// Numbers bought while serve runs are pointed at it on the next pass.
				onlyNew = true
				select {
				case <-ctx.Done():
					return
				case <-time.After(reconfigureEvery):
				}
			}
		}()
	}
	return server.Serve(ctx, ln)
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func newLogger(o *Options) *slog.Logger {
	if o.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(o.IO.ErrOut, nil))
	}
	return slog.New(slog.NewTextHandler(o.IO.ErrOut, nil))
}
