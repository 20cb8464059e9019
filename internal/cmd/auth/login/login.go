// Package login implements `vnum auth login`: it reads a carrier secret without letting it reach
// argv, shell history or the terminal, checks it with the carrier, and saves it in the OS
// keyring (or, only when asked, in a plaintext file).
package login

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/vnum-cli/vnum/internal/redact"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/vnum-cli/vnum/internal/auth"
	"github.com/vnum-cli/vnum/internal/cmdutil"
	"github.com/vnum-cli/vnum/internal/config"
	"github.com/vnum-cli/vnum/internal/iostreams"
	"github.com/vnum-cli/vnum/internal/termsafe"
	"github.com/vnum-cli/vnum/internal/theme"
	"github.com/vnum-cli/vnum/providers"
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
	// Registry holds, in each carrier's Descriptor, what login asks for and checks.
	Registry *providers.Registry
	// HTTPClient is the Factory's client, the one the adapters use (debug dump redacted); the
	// check is bounded by verifyTimeout.
	HTTPClient providers.HTTPClientFunc
	// Redact adds a secret for that client's VNUM_DEBUG=api dump to remove wherever it shows:
	// the one being checked is not yet among the saved credentials it knows (nil: none).
	Redact func(secret string)
	Env    func(string) string
	Now    func() time.Time
	Styles func() *theme.Styles

	Provider string
	Profile  string
	// IDs are the non-secret credential values given by flags (--account-sid, --api-key), by
	// flag name; the flags are those of the carriers' Descriptors (providers.Credential.Flag).
	IDs             map[string]string
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
		HTTPClient:  f.HTTPClient,
		Redact:      f.Redact,
		Env:         f.Env,
		Now:         f.Now,
		Styles:      f.Styles,
	}
	var idFlags map[string]*string // filled below, read when the command runs
	cmd := &cobra.Command{
		Use:   "login CARRIER",
		Short: "Save a carrier's credentials in the OS keyring",
		Long: heredoc.Docf(`
			Save the credentials of a carrier account: %[2]s.

			The secret (%[3]s)
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

			Telnyx's public key (--public-key), which vnum serve checks the signatures of Telnyx's
			webhooks with, is optional and not a secret: given, it is kept with the API key;
			TELNYX_PUBLIC_KEY, when set, is used instead.

			--profile keeps several accounts per carrier; the profile used by other commands is
			the %[1]sprofile%[1]s setting (VNUM_PROFILE), "default" unless set. Credentials in the
			environment take precedence over every saved profile.
		`, "`", carrierTitles(f.Registry), secretNames(f.Registry)),
		Example: heredoc.Doc(`
			$ vnum auth login twilio --account-sid AC0123456789abcdef0123456789abcdef
			$ vnum auth login twilio --account-sid AC… --api-key SK… --profile work
			$ pass show telnyx | vnum auth login telnyx --with-token
			$ vnum auth login telnyx --public-key "$(cat telnyx-public-key.txt)"
			$ vnum auth login vonage --api-key abcd1234 --with-token < ~/.secrets/vonage
		`),
		Args:              carrierArg(f.Registry),
		ValidArgsFunction: f.CompleteAuthCarriers,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Provider = args[0]
			opts.IDs = map[string]string{}
			for name, v := range idFlags {
				if *v != "" {
					opts.IDs[name] = *v
				}
			}
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
	idFlags = registerIDFlags(fl, f.Registry)
	fl.BoolVar(&opts.WithToken, "with-token", false, "read the secret from standard input instead of prompting")
	fl.BoolVar(&opts.NoVerify, "no-verify", false, "save without checking the credentials with the carrier")
	fl.BoolVar(&opts.InsecureStorage, "insecure-storage", false, "save in a plaintext file (mode 0600) instead of the OS keyring")
	return cmd
}

// carrierArg accepts exactly the carrier. Extra arguments are refused without quoting them: the
// likeliest extra argument is a secret typed where it should not be.
func carrierArg(reg *providers.Registry) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		switch {
		case len(args) == 0:
			return cmdutil.FlagErrorf("say which carrier: vnum auth login %s", strings.Join(auth.Providers(reg), "|"))
		case len(args) > 1:
			return cmdutil.FlagErrorf("login takes one argument, the carrier: secrets are never accepted as arguments " +
				"(they would show in ps and in your shell history); answer the prompt or pipe the secret with --with-token")
		}
		return nil
	}
}

// carrierTitles lists the carriers whose credentials vnum keeps: "Telnyx, Twilio or Vonage".
func carrierTitles(reg *providers.Registry) string {
	var titles []string
	for _, name := range auth.Providers(reg) {
		titles = append(titles, auth.Title(reg, name))
	}
	return joinWith(titles, " or ")
}

// secretNames lists each carrier's secrets: "Twilio API key secret or auth token, …".
func secretNames(reg *providers.Registry) string {
	var out []string
	for _, name := range auth.Providers(reg) {
		d, _ := reg.Lookup(name)
		var labels []string
		for _, set := range d.Auth {
			for _, f := range set.Fields {
				if f.Secret && !slices.Contains(labels, f.Label) {
					labels = append(labels, f.Label)
				}
			}
		}
		out = append(out, d.Title+" "+strings.Join(labels, " or "))
	}
	return strings.Join(out, ", ")
}

func joinWith(names []string, last string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + last + names[len(names)-1]
}

// registerIDFlags adds one flag per non-secret credential value the carriers' Descriptors name
// (--account-sid, --api-key), its help gathered from every carrier that uses it.
func registerIDFlags(fl *pflag.FlagSet, reg *providers.Registry) map[string]*string {
	help := map[string][]string{}
	var names []string
	if reg != nil {
		for _, d := range reg.All() {
			for _, f := range idFields(d) {
				if _, ok := help[f.Flag]; !ok {
					names = append(names, f.Flag)
				}
				help[f.Flag] = append(help[f.Flag], d.Title+": "+f.FlagHelp)
			}
		}
	}
	slices.Sort(names)
	vals := make(map[string]*string, len(names))
	for _, name := range names {
		vals[name] = fl.String(name, "", strings.Join(help[name], "; "))
	}
	return vals
}

// idFields lists a carrier's non-secret values given by flags, each once, in the order of its
// credential sets.
func idFields(d providers.Descriptor) []providers.Credential {
	var out []providers.Credential
	for _, set := range d.Auth {
		for _, f := range set.Fields {
			if f.Flag != "" && !slices.ContainsFunc(out, func(o providers.Credential) bool { return o.Flag == f.Flag }) {
				out = append(out, f)
			}
		}
	}
	return out
}

// required reports whether every credential set of d needs the value f.
func required(d providers.Descriptor, f providers.Credential) bool {
	for _, set := range d.Auth {
		if !set.Required(f.Key) {
			return false
		}
	}
	return true
}

// validate checks the flags for the carrier, before anything is read or asked: which flags the
// carrier's Descriptor takes, which it needs (a value every credential set needs defaults from
// its environment variable) and their form.
func validate(o *LoginOptions) error {
	if err := auth.ValidateTarget(o.Registry, o.Provider, o.Profile); err != nil {
		return cmdutil.FlagErrorf("%w", err)
	}
	d, _ := o.Registry.Lookup(o.Provider)
	fields := idFields(d)
	if o.IDs == nil {
		o.IDs = map[string]string{}
	}
	for _, name := range slices.Sorted(maps.Keys(o.IDs)) {
		if !slices.ContainsFunc(fields, func(f providers.Credential) bool { return f.Flag == name }) {
			return cmdutil.FlagErrorf("%s takes no --%s: %s", o.Provider, name, ownersOf(o.Registry, d, name))
		}
	}
	for _, f := range fields {
		v := o.IDs[f.Flag]
		if v == "" && required(d, f) && o.Env != nil {
			v = o.Env(f.Env[0])
			if v != "" {
				o.IDs[f.Flag] = v
			}
		}
		if v == "" {
			if required(d, f) {
				return cmdutil.FlagErrorf("--%s required for %s: %s", f.Flag, o.Provider, f.FlagHelp)
			}
			continue
		}
		if f.Check != nil {
			if err := f.Check(v); err != nil {
				return cmdutil.FlagErrorf("--%s %q is %v", f.Flag, v, err)
			}
		}
	}
	if !o.WithToken && !o.IO.CanPrompt() {
		return cmdutil.FlagErrorf("cannot prompt for the secret: standard input is not a terminal; pipe the secret and pass --with-token")
	}
	return nil
}

// ownersOf says who a flag is for, when a carrier that does not take it got it.
func ownersOf(reg *providers.Registry, d providers.Descriptor, flag string) string {
	var owners []string
	for _, o := range reg.All() {
		if slices.ContainsFunc(idFields(o), func(f providers.Credential) bool { return f.Flag == flag }) {
			owners = append(owners, o.Name)
		}
	}
	for _, set := range d.Auth {
		if f := secretOnly(set); f != nil {
			return fmt.Sprintf("it is for %s only; the %s %s is the secret, asked for by a prompt or read with --with-token",
				strings.Join(owners, " and "), d.Title, f.Label)
		}
	}
	return "it is for " + strings.Join(owners, " and ") + " only"
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
	d, _ := o.Registry.Lookup(o.Provider)
	ids := map[string]string{} // by credential key
	for _, f := range idFields(d) {
		if v := o.IDs[f.Flag]; v != "" {
			ids[f.Key] = v
		}
	}
	set, secretField, err := auth.SecretFor(o.Registry, o.Provider, ids)
	if err != nil {
		return cmdutil.FlagErrorf("%w", err)
	}

	to := auth.SourceKeyring
	if o.InsecureStorage {
		to = auth.SourceInsecure
	} else if err := m.KeyringUsable(o.Provider, o.Profile); err != nil {
		// Before the secret is typed: nobody should paste a secret only to learn it cannot be kept.
		return keyringError(o.Registry, o.Provider, err)
	}

	secret, err := readSecret(o, secretField.Label)
	if err != nil {
		return err
	}
	values := auth.Values{secretField.Key: secret}
	for k, v := range ids {
		values[k] = v
	}
	cred := auth.Credential{Provider: o.Provider, Profile: o.Profile, Values: values}

	// From here on every error passes through redact: an adapter or a library may quote a URL
	// that carries the secret (Vonage puts api_secret in the query string).
	verified, account, note, err := verify(ctx, o, d, set, cred)
	if err != nil {
		return redactErr(err, secret)
	}
	if verified {
		cred.VerifiedAt = o.Now()
	}
	warnings, err := m.Save(cred, to)
	if err != nil {
		if errors.Is(err, auth.ErrKeyringUnavailable) {
			return redactErr(keyringError(o.Registry, o.Provider, err), secret)
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
	} else {
		warnOptionalInEnv(o, m, values)
	}
	where := "the OS keyring"
	if to == auth.SourceInsecure {
		where = m.InsecureFile()
	}
	who := ""
	if account != "" {
		who = " as " + account
	}
	cmdutil.WriteSuccess(o.IO, o.Styles, "Logged in to %s%s (profile %s), saved in %s", d.Title, who, o.Profile, where)
	return nil
}

// warnOptionalInEnv says when an optional value just saved (the Telnyx public key) is also set
// in the environment, which its user reads first.
func warnOptionalInEnv(o *LoginOptions, m *auth.Manager, saved auth.Values) {
	for _, f := range m.OptionalFields(o.Provider) {
		if saved[f.Key] == "" {
			continue
		}
		for _, name := range f.Env {
			for _, n := range []string{name, name + "_FILE"} {
				if o.Env != nil && o.Env(n) != "" {
					cmdutil.Warnf(o.IO, "%s is set in the environment: vnum serve uses it rather than the %s saved", n, f.Label)
					return
				}
			}
		}
	}
}

// keyringError is login's answer when the keyring cannot be used: what happened, that nothing
// was saved, and the alternatives.
func keyringError(reg *providers.Registry, provider string, err error) error {
	return fmt.Errorf("%w\nNothing was saved. Instead:\n%s", err, auth.Alternatives(reg, provider))
}

// readSecret reads the secret from stdin (--with-token) or a hidden prompt.
func readSecret(o *LoginOptions, label string) (string, error) {
	what := auth.Title(o.Registry, o.Provider) + " " + label
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

// verify checks cred with the carrier: through the adapter's Verifier when the carrier has one
// (d.New), else through d.Verify. It returns verified=false with a note when the check was
// skipped or is impossible, and an error (nothing must be saved) when the carrier refused or
// could not be asked.
func verify(ctx context.Context, o *LoginOptions, d providers.Descriptor, set providers.CredentialSet, cred auth.Credential) (verified bool, account, note string, err error) {
	for _, c := range set.Fields {
		if v := cred.Values[c.Key]; c.Secret && v != "" && o.Redact != nil {
			o.Redact(v)
		}
	}
	s := providers.Settings{Env: o.Env, Credentials: cred.Values, HTTP: o.HTTPClient}
	if cfg, err := o.Config(); err == nil {
		s.DataDir, s.Options = cfg.DataDir(), cfg.ProviderOptions(o.Provider)
	}
	if !d.Usable() {
		// No adapter yet: the carrier's verification alone, if vnum has one.
		switch {
		case o.NoVerify:
			return false, "", noVerifyNote(d.Title), nil
		case d.Verify == nil:
			return false, "", fmt.Sprintf("vnum cannot check %s credentials yet: saved without verification.", d.Title), nil
		}
		return checkWith(ctx, o, d, set, func(ctx context.Context) (string, error) { return d.Verify(ctx, s) })
	}
	// The adapter is built even with --no-verify: building checks the credentials' form
	// locally, so a mistyped token is caught without the network.
	p, err := d.New(s)
	if err != nil {
		return false, "", "", &cmdutil.ExitError{Code: cmdutil.ExitAuth, Err: fmt.Errorf(
			"these are not valid %s credentials (%w): nothing was saved", d.Title, err)}
	}
	if c, ok := p.(io.Closer); ok {
		defer c.Close()
	}
	if o.NoVerify {
		return false, "", noVerifyNote(d.Title), nil
	}
	v, ok := providers.As[providers.Verifier](p)
	if !ok {
		return false, "", fmt.Sprintf("vnum cannot check %s credentials yet: saved without verification.", d.Title), nil
	}
	verified, account, note, err = checkWith(ctx, o, d, set, v.Verify)
	if w, ok := providers.As[providers.Warner](p); ok {
		for _, msg := range w.Warnings() {
			cmdutil.Warnf(o.IO, "%s", msg) // e.g. a suspended account: valid credentials that cannot buy
		}
	}
	return verified, account, note, err
}

// checkWith asks the carrier once, through an adapter's Verifier or a carrier's verification
// alone, and turns a refusal into an AuthError and any other failure into "nothing was saved".
func checkWith(ctx context.Context, o *LoginOptions, d providers.Descriptor, set providers.CredentialSet, check func(context.Context) (string, error)) (verified bool, account, note string, err error) {
	title := d.Title
	ctx, cancel := context.WithTimeout(ctx, verifyTimeout)
	defer cancel()
	o.IO.StartProgress("Checking the credentials with " + title)
	account, err = check(ctx)
	switch {
	case errors.Is(err, providers.ErrUnauthorized):
		return false, "", "", &cmdutil.ExitError{Code: cmdutil.ExitAuth, Err: fmt.Errorf(
			"%s refused these credentials (%w): nothing was saved; check the %s and try again", title, err, secretWhat(set))}
	case err != nil:
		return false, "", "", fmt.Errorf("could not check the credentials with %s: %w\n"+
			"Nothing was saved: try again, or pass --no-verify to save them unchecked", title, err)
	}
	return true, account, "", nil
}

func noVerifyNote(title string) string {
	return fmt.Sprintf("Not verified (--no-verify): the %s credentials are saved unchecked.", title)
}

// secretOnly is the set's one needed value when that is its secret (Telnyx's API key); nil
// when the set needs others too.
func secretOnly(set providers.CredentialSet) *providers.Credential {
	var only *providers.Credential
	for i, f := range set.Fields {
		switch {
		case f.Optional:
		case !f.Secret || only != nil:
			return nil
		default:
			only = &set.Fields[i]
		}
	}
	return only
}

// secretWhat names the needed values of the credential set that was refused: "account SID and
// auth token" (an optional value plays no part in the carrier's check).
func secretWhat(set providers.CredentialSet) string {
	labels := make([]string, 0, len(set.Fields))
	for _, f := range set.Fields {
		if !f.Optional {
			labels = append(labels, f.Label)
		}
	}
	switch len(labels) {
	case 1:
		return labels[0]
	default:
		return strings.Join(labels[:len(labels)-1], ", ") + " and " + labels[len(labels)-1]
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
