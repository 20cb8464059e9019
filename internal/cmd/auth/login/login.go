// Package login implements `vnum auth login`: it reads a carrier secret without letting it reach
// argv, shell history or the terminal, checks it with the carrier, and saves it in the OS
// keyring (or, only when asked, in a plaintext file).
package login

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"
	"unicode"

	"github.com/vnum-cli/vnum/internal/redact"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/vnum-cli/vnum/internal/auth"
	"github.com/vnum-cli/vnum/internal/cmdutil"
	"github.com/vnum-cli/vnum/internal/config"
	"github.com/vnum-cli/vnum/internal/iostreams"
	"github.com/vnum-cli/vnum/internal/termsafe"
	"github.com/vnum-cli/vnum/internal/transport"
	"github.com/vnum-cli/vnum/providers"
	"github.com/vnum-cli/vnum/providers/all"
)

// verifyTimeout bounds the one request login makes to the carrier.
const verifyTimeout = 30 * time.Second

// maxStdinSecret bounds what --with-token reads: a secret is short, and a mistaken pipe of a
// large file must not be read into memory.
const maxStdinSecret = 64 << 10

// passwordPrompter is all login needs from a person: a hidden prompt.
type passwordPrompter interface {
	Password(prompt string) (string, error)
}

// LoginOptions are login's dependencies and inputs.
type LoginOptions struct {
	IO          *iostreams.IOStreams
	Prompter    passwordPrompter
	Config      func() (*config.Config, error)
	Credentials func() (*auth.Manager, error)
	Registry    *providers.Registry
	// Verifiers check the credentials of carriers that have no adapter in Registry yet
	// (all.Verifiers); a carrier in neither is saved unchecked.
	Verifiers map[string]all.VerifyFunc
	// HTTPClient is the client the carrier adapter uses to verify (debug dump redacted).
	HTTPClient providers.HTTPClientFunc
	Env        func(string) string
	Now        func() time.Time
	Successf   func(format string, args ...any)

	Provider        string
	Profile         string
	AccountSID      string
	APIKey          string
	WithToken       bool
	NoVerify        bool
	InsecureStorage bool
}

// NewCmdLogin builds `vnum auth login`.
func NewCmdLogin(f *cmdutil.Factory, runF func(*LoginOptions) error) *cobra.Command {
	opts := &LoginOptions{
		IO:          f.IOStreams,
		Prompter:    f.Prompter,
		Config:      f.Config,
		Credentials: f.Credentials,
		Registry:    f.Registry,
		Verifiers:   all.Verifiers(),
		HTTPClient:  httpClient(f),
		Env:         f.Env,
		Now:         f.Now,
		Successf:    f.Successf,
	}
	cmd := &cobra.Command{
		Use:   "login CARRIER",
		Short: "Save a carrier's credentials in the OS keyring",
		Long: heredoc.Docf(`
			Save the credentials of a carrier account: Twilio, Telnyx or Vonage.

			The secret (Twilio auth token or API key secret, Telnyx API key, Vonage API secret)
			is never a flag or an argument, where it would show in %[1]sps%[1]s and in your shell
			history: it is asked for with a hidden prompt, or read from standard input with
			--with-token (one line; a trailing newline is ignored).

			Before saving, vnum checks the credentials with one cheap read on the carrier (the
			Twilio account, the Telnyx or Vonage balance); a credential the carrier refuses is
			not saved (exit code 4), and when the carrier cannot be reached nothing is saved
			either. --no-verify skips the check: the credentials are then saved and shown as
			not verified by %[1]svnum auth status%[1]s.

			Credentials go to the OS keyring (macOS Keychain, Windows Credential Manager, the
			Secret Service on Linux), one entry per carrier and profile. When no keyring can be
			used, login fails and saves nothing; it never falls back to a plaintext file on its
			own. The alternatives are the carrier's environment variables (see %[1]svnum help
			environment%[1]s), each also as NAME_FILE naming a file that holds the value, or
			--insecure-storage, which writes a file in the configuration directory that only you
			can read, in plaintext, with a warning each time it is used.

			--profile keeps several accounts per carrier; the profile used by other commands is
			the %[1]sprofile%[1]s setting (VNUM_PROFILE), "default" unless set. Credentials in the
			environment take precedence over every saved profile.
		`, "`"),
		Example: heredoc.Doc(`
			$ vnum auth login twilio --account-sid AC0123456789abcdef0123456789abcdef
			$ vnum auth login twilio --account-sid AC… --api-key SK… --profile work
			$ pass show telnyx | vnum auth login telnyx --with-token
			$ vnum auth login vonage --api-key abcd1234 --with-token < ~/.secrets/vonage
		`),
		Args: carrierArg,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Provider = args[0]
			if err := validate(opts); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return loginRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Profile, "profile", "", "profile to save the credentials under (default: the profile setting, else \"default\")")
	fl.StringVar(&opts.AccountSID, "account-sid", "", "Twilio account SID, AC… (default $TWILIO_ACCOUNT_SID)")
	fl.StringVar(&opts.APIKey, "api-key", "", "Twilio API key SID (SK…), or Vonage API key: not a secret")
	fl.BoolVar(&opts.WithToken, "with-token", false, "read the secret from standard input instead of prompting")
	fl.BoolVar(&opts.NoVerify, "no-verify", false, "save without checking the credentials with the carrier")
	fl.BoolVar(&opts.InsecureStorage, "insecure-storage", false, "save in a plaintext file (mode 0600) instead of the OS keyring")
	return cmd
}

// carrierArg accepts exactly the carrier. Extra arguments are refused without quoting them: the
// likeliest extra argument is a secret typed where it should not be.
func carrierArg(_ *cobra.Command, args []string) error {
	switch {
	case len(args) == 0:
		return cmdutil.FlagErrorf("say which carrier: vnum auth login %s", strings.Join(auth.Providers(), "|"))
	case len(args) > 1:
		return cmdutil.FlagErrorf("login takes one argument, the carrier: secrets are never accepted as arguments " +
			"(they would show in ps and in your shell history); answer the prompt or pipe the secret with --with-token")
	}
	return nil
}

// httpClient builds the same client the factory gives adapters: proxy settings, User-Agent and
// the VNUM_DEBUG=api dump that redacts credentials.
func httpClient(f *cmdutil.Factory) providers.HTTPClientFunc {
	env := f.Env
	if env == nil {
		env = func(string) string { return "" }
	}
	return func() *http.Client {
		return transport.NewClient(transport.Options{
			UserAgent: "vnum/" + f.AppVersion,
			Debug:     transport.DebugEnabled(env("VNUM_DEBUG")),
			DebugOut:  f.IOStreams.ErrOut,
			Timeout:   verifyTimeout,
		})
	}
}

var (
	twilioSIDRE = regexp.MustCompile(`^AC[0-9a-fA-F]{32}$`)
	twilioKeyRE = regexp.MustCompile(`^SK[0-9a-fA-F]{32}$`)
)

// validate checks the flags for the carrier, before anything is read or asked.
func validate(o *LoginOptions) error {
	if err := auth.ValidateTarget(o.Provider, o.Profile); err != nil {
		return cmdutil.FlagErrorf("%w", err)
	}
	switch o.Provider {
	case "twilio":
		if o.AccountSID == "" && o.Env != nil {
			o.AccountSID = o.Env("TWILIO_ACCOUNT_SID")
		}
		if o.AccountSID == "" {
			return cmdutil.FlagErrorf("--account-sid required for twilio: your account SID (AC…) from the Twilio Console")
		}
		if !twilioSIDRE.MatchString(o.AccountSID) {
			return cmdutil.FlagErrorf("--account-sid %q is not a Twilio account SID: AC followed by 32 hexadecimal digits", o.AccountSID)
		}
		if o.APIKey != "" && !twilioKeyRE.MatchString(o.APIKey) {
			return cmdutil.FlagErrorf("--api-key %q is not a Twilio API key SID: SK followed by 32 hexadecimal digits", o.APIKey)
		}
	case "vonage":
		if o.AccountSID != "" {
			return cmdutil.FlagErrorf("--account-sid is for twilio only")
		}
		if o.APIKey == "" {
			return cmdutil.FlagErrorf("--api-key required for vonage: the API key shown in the Vonage dashboard")
		}
	default:
		if o.AccountSID != "" || o.APIKey != "" {
			return cmdutil.FlagErrorf("%s takes neither --account-sid nor --api-key: its API key is the secret, asked for by a prompt or read with --with-token", o.Provider)
		}
	}
	if !o.WithToken && !o.IO.CanPrompt() {
		return cmdutil.FlagErrorf("cannot prompt for the secret: standard input is not a terminal; pipe the secret and pass --with-token")
	}
	return nil
}

func loginRun(ctx context.Context, o *LoginOptions) error {
	m, err := o.Credentials()
	if err != nil {
		return err
	}
	if o.Profile == "" {
		o.Profile = auth.DefaultProfile
		if cfg, err := o.Config(); err == nil && cfg.Profile() != "" {
			o.Profile = cfg.Profile()
		}
	}
	if err := auth.ValidateProfile(o.Profile); err != nil {
		return cmdutil.FlagErrorf("%w", err)
	}
	ids := map[string]string{}
	switch o.Provider {
	case "twilio":
		ids["account_sid"] = o.AccountSID
		if o.APIKey != "" {
			ids["api_key"] = o.APIKey
		}
	case "vonage":
		ids["api_key"] = o.APIKey
	}
	key, label, err := auth.SecretFor(o.Provider, ids)
	if err != nil {
		return cmdutil.FlagErrorf("%w", err)
	}

	to := auth.SourceKeyring
	if o.InsecureStorage {
		to = auth.SourceInsecure
	} else if err := m.KeyringUsable(o.Provider, o.Profile); err != nil {
		// Before the secret is typed: nobody should paste a secret only to learn it cannot be kept.
		return keyringError(o.Provider, err)
	}

	secret, err := readSecret(o, label)
	if err != nil {
		return err
	}
	values := auth.Values{key: secret}
	for k, v := range ids {
		values[k] = v
	}
	cred := auth.Credential{Provider: o.Provider, Profile: o.Profile, Values: values}

	// From here on every error passes through redact: an adapter or a library may quote a URL
	// that carries the secret (Vonage puts api_secret in the query string).
	verified, account, note, err := verify(ctx, o, cred)
	if err != nil {
		return redactErr(err, secret)
	}
	if verified {
		cred.VerifiedAt = o.Now()
	}
	warnings, err := m.Save(cred, to)
	if err != nil {
		if errors.Is(err, auth.ErrKeyringUnavailable) {
			return redactErr(keyringError(o.Provider, err), secret)
		}
		return redactErr(err, secret)
	}

	for _, w := range warnings {
		cmdutil.Warnf(o.IO, "%s", w)
	}
	if note != "" {
		fmt.Fprintln(o.IO.ErrOut, termsafe.Escape(note))
	}
	// Say so when the environment will keep winning over what was just saved.
	if c, err := m.Lookup(o.Provider, o.Profile); err != nil {
		cmdutil.Warnf(o.IO, "%s", redactErr(err, secret))
	} else if c.Source == auth.SourceEnv || c.Source == auth.SourceFile {
		cmdutil.Warnf(o.IO, "%s set in the environment: it takes precedence over the saved credentials",
			strings.Join(m.EnvVars(o.Provider), ", "))
	}
	where := "the OS keyring"
	if to == auth.SourceInsecure {
		where = m.InsecureFile()
	}
	who := ""
	if account != "" {
		who = " as " + account
	}
	o.Successf("Logged in to %s%s (profile %s), saved in %s", auth.Title(o.Provider), who, o.Profile, where)
	return nil
}

// keyringError is login's answer when the keyring cannot be used: what happened, that nothing
// was saved, and the alternatives.
func keyringError(provider string, err error) error {
	return fmt.Errorf("%w\nNothing was saved. Instead:\n%s", err, auth.Alternatives(provider))
}

// readSecret reads the secret from stdin (--with-token) or a hidden prompt.
func readSecret(o *LoginOptions, label string) (string, error) {
	what := auth.Title(o.Provider) + " " + label
	var secret string
	if o.WithToken {
		b, err := io.ReadAll(io.LimitReader(o.IO.In, maxStdinSecret+1))
		if err != nil {
			return "", fmt.Errorf("read the %s from standard input: %w", what, err)
		}
		if len(b) > maxStdinSecret {
			return "", cmdutil.FlagErrorf("standard input is larger than %d KiB: pipe only the %s", maxStdinSecret>>10, what)
		}
		secret = strings.TrimSuffix(string(b), "\n")
		secret = strings.TrimSuffix(secret, "\r")
	} else {
		s, err := o.Prompter.Password(fmt.Sprintf("%s:", what))
		if err != nil {
			return "", fmt.Errorf("read the %s: %w", what, err)
		}
		secret = s
	}
	switch {
	case secret == "":
		return "", cmdutil.FlagErrorf("no %s given", what)
	case strings.ContainsAny(secret, "\r\n"):
		return "", cmdutil.FlagErrorf("standard input holds more than one line: pipe only the %s", what)
	case strings.IndexFunc(secret, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0:
		// Not quoted back: the text is (nearly) the secret.
		return "", cmdutil.FlagErrorf("the %s contains spaces or control characters: check what was pasted", what)
	}
	return secret, nil
}

// verify checks cred with the carrier. It returns verified=false with a note when the check was
// skipped or is impossible, and an error (nothing must be saved) when the carrier refused or
// could not be asked.
func verify(ctx context.Context, o *LoginOptions, cred auth.Credential) (verified bool, account, note string, err error) {
	title := auth.Title(o.Provider)
	var d providers.Descriptor
	ok := false
	if o.Registry != nil {
		d, ok = o.Registry.Lookup(o.Provider)
	}
	s := providers.Settings{Env: o.Env, Credentials: cred.Values, HTTP: o.HTTPClient}
	if cfg, err := o.Config(); err == nil {
		s.DataDir, s.Options = cfg.DataDir(), cfg.ProviderOptions(o.Provider)
	}
	if !ok {
		// No adapter yet: the carrier's verification alone, if vnum has one.
		check := o.Verifiers[o.Provider]
		switch {
		case o.NoVerify:
			return false, "", noVerifyNote(title), nil
		case check == nil:
			return false, "", fmt.Sprintf("vnum cannot check %s credentials yet: saved without verification.", title), nil
		}
		return checkWith(ctx, o, func(ctx context.Context) (string, error) { return check(ctx, s) })
	}
	// The adapter is built even with --no-verify: building checks the credentials' form
	// locally, so a mistyped token is caught without the network.
	p, err := d.New(s)
	if err != nil {
		return false, "", "", &cmdutil.AuthError{Err: fmt.Errorf(
			"these are not valid %s credentials (%w): nothing was saved", title, err)}
	}
	if c, ok := p.(io.Closer); ok {
		defer c.Close()
	}
	if o.NoVerify {
		return false, "", noVerifyNote(title), nil
	}
	v, ok := providers.As[providers.Verifier](p)
	if !ok {
		return false, "", fmt.Sprintf("vnum cannot check %s credentials yet: saved without verification.", title), nil
	}
	verified, account, note, err = checkWith(ctx, o, v.Verify)
	if w, ok := providers.As[providers.Warner](p); ok {
		for _, msg := range w.Warnings() {
			cmdutil.Warnf(o.IO, "%s", msg) // e.g. a suspended account: valid credentials that cannot buy
		}
	}
	return verified, account, note, err
}

// checkWith asks the carrier once, through an adapter's Verifier or a carrier's verification
// alone, and turns a refusal into an AuthError and any other failure into "nothing was saved".
func checkWith(ctx context.Context, o *LoginOptions, check func(context.Context) (string, error)) (verified bool, account, note string, err error) {
	title := auth.Title(o.Provider)
	ctx, cancel := context.WithTimeout(ctx, verifyTimeout)
	defer cancel()
	o.IO.StartProgress("Checking the credentials with " + title)
	account, err = check(ctx)
	o.IO.StopProgress()
	switch {
	case errors.Is(err, providers.ErrUnauthorized):
		return false, "", "", &cmdutil.AuthError{Err: fmt.Errorf(
			"%s refused these credentials (%w): nothing was saved; check the %s and try again", title, err, secretWhat(o))}
	case err != nil:
		return false, "", "", fmt.Errorf("could not check the credentials with %s: %w\n"+
			"Nothing was saved: try again, or pass --no-verify to save them unchecked", title, err)
	}
	return true, account, "", nil
}

func noVerifyNote(title string) string {
	return fmt.Sprintf("Not verified (--no-verify): the %s credentials are saved unchecked.", title)
}

func secretWhat(o *LoginOptions) string {
	switch {
	case o.Provider == "twilio" && o.APIKey != "":
		return "account SID, API key SID and secret"
	case o.Provider == "twilio":
		return "account SID and auth token"
	case o.Provider == "vonage":
		return "API key and secret"
	default:
		return "API key"
	}
}

// redactedError hides a secret that a wrapped error's text might quote, keeping errors.Is/As.
type redactedError struct {
	err    error
	secret string
}

func (e *redactedError) Error() string {
	return redactText(e.err.Error(), e.secret)
}
func (e *redactedError) Unwrap() error { return e.err }

// redactText replaces the secret, as written and as URL-encoded in a query or form.
func redactText(s, secret string) string { return redact.String(s, secret) }

func redactErr(err error, secret string) error {
	if err == nil || secret == "" || redactText(err.Error(), secret) == err.Error() {
		return err
	}
	return &redactedError{err: err, secret: secret}
}
