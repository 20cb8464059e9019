package login

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/internal/auth"
	"github.com/vnum-cli/vnum/internal/cmd/internal/cmdtest"
	"github.com/vnum-cli/vnum/internal/cmdutil"
	"github.com/vnum-cli/vnum/internal/config"
	"github.com/vnum-cli/vnum/internal/iostreams"
	"github.com/vnum-cli/vnum/internal/keyring"
	"github.com/vnum-cli/vnum/internal/transport"
	"github.com/vnum-cli/vnum/providers"
	"github.com/vnum-cli/vnum/providers/all"
)

const (
	goodToken  = "tok-TEST-SECRET-91c2e7d4" // fake
	badToken   = "tok-TEST-WRONG-5a5a5a5a"  // fake
	testSID    = "AC0123456789abcdef0123456789abcdef"
	testKeySID = "SK0123456789abcdef0123456789abcdef"
)

var frozen = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// fakeCarrier is a Twilio-like adapter: it accepts goodToken (or goodToken as api_secret) and
// refuses anything else. With failWith set its Verify fails that way instead. With server set it
// makes a real request there, with the secret in the Authorization header and the query, as
// Twilio and Vonage do, so the debug dump can be checked.
type fakeCarrier struct {
	providers.Provider // nil: only Name and Verify are called
	creds              map[string]string
	failWith           error
	http               providers.HTTPClientFunc
	server             string
	verified           *int
}

func (p *fakeCarrier) Name() string { return "twilio" }

func (p *fakeCarrier) Verify(ctx context.Context) (string, error) {
	*p.verified++
	secret := p.creds["auth_token"] + p.creds["api_secret"]
	if p.server != "" {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.server+"/Accounts?api_secret="+secret, nil)
		if err != nil {
			return "", err
		}
		req.SetBasicAuth(p.creds["account_sid"], secret)
		resp, err := p.http().Do(req)
		if err != nil {
			return "", err
		}
		resp.Body.Close()
	}
	if p.failWith != nil {
		return "", p.failWith
	}
	if secret != goodToken {
		return "", &providers.Error{Provider: "twilio", Op: "verify", Status: 401, Code: "20003", Message: "Authenticate", Kind: providers.ErrUnauthorized}
	}
	return p.creds["account_sid"], nil
}

type fakePrompter struct {
	answer string
	asked  []string
}

func (p *fakePrompter) Password(prompt string) (string, error) {
	p.asked = append(p.asked, prompt)
	if p.answer == "" {
		return "", errors.New("no answer: input ended")
	}
	return p.answer, nil
}

// harness is one isolated login: its streams, config dir, keyring and carrier.
type harness struct {
	configDir string
	keyring   auth.Keyring
	opts      *LoginOptions
	in        *bytes.Buffer
	out, errb *bytes.Buffer
	dir       string
	manager   *auth.Manager
	reg       *providers.Registry
	prompter  *fakePrompter
	verified  int
}

type setup struct {
	tty       bool
	env       map[string]string
	failWith  error
	keyring   auth.Keyring // nil: go-keyring's mock
	noCarrier bool         // the registry has no twilio adapter (nor, without verifiers, a telnyx or vonage one)
	verifiers bool         // Telnyx and Vonage keep their Descriptor's Verify
	server    string
}

func newHarness(t *testing.T, s setup) *harness {
	t.Helper()
	keyring.MockInit()
	h := &harness{dir: t.TempDir(), prompter: &fakePrompter{}}
	ios, in, out, errb := iostreams.Test()
	ios.SetStdinTTY(s.tty)
	ios.SetStdoutTTY(s.tty)
	ios.SetStderrTTY(s.tty)
	h.in, h.out, h.errb = in, out, errb
	env := map[string]string{"VNUM_CONFIG_DIR": filepath.Join(h.dir, "config"), "VNUM_DATA_DIR": filepath.Join(h.dir, "data")}
	for k, v := range s.env {
		env[k] = v
	}
	getenv := func(k string) string { return env[k] }
	kr := s.keyring
	if kr == nil {
		kr = keyring.New()
	}
	// vnum's registry, with a fake Twilio adapter (or none), and Telnyx and Vonage checked by
	// their Verify only when asked.
	real, err := all.Registry()
	require.NoError(t, err)
	var ds []providers.Descriptor
	for _, d := range real.All() {
		switch d.Name {
		case "twilio":
			d.New = func(st providers.Settings) (providers.Provider, error) {
				if strings.Contains(st.Credentials["auth_token"], "!") {
					return nil, &providers.Error{Provider: "twilio", Kind: providers.ErrUnauthorized,
						Message: "credentials: auth_token may hold only letters and digits"}
				}
				return &fakeCarrier{creds: st.Credentials, failWith: s.failWith, http: st.HTTP, server: s.server, verified: &h.verified}, nil
			}
			if s.noCarrier {
				d.New = nil
			}
		case "telnyx", "vonage":
			if !s.verifiers {
				d.Verify = nil
				if s.noCarrier {
					d.New = nil // neither adapter nor check: saved unverified
				}
			}
		}
		ds = append(ds, d)
	}
	reg, err := providers.NewRegistry(ds...)
	require.NoError(t, err)
	h.reg = reg
	h.manager = auth.NewManager(reg, env["VNUM_CONFIG_DIR"], getenv, auth.WithKeyring(kr))
	h.configDir, h.keyring = env["VNUM_CONFIG_DIR"], kr

	f := &cmdutil.Factory{
		AppVersion: "test",
		IOStreams:  ios,
		Prompter:   nil,
		Env:        getenv,
		Now:        func() time.Time { return frozen },
		Config:     func() (*config.Config, error) { return config.Load(getenv) },
		Registry:   reg,
		Credentials: func() (*auth.Manager, error) {
			return h.manager, nil
		},
	}
	var secrets []string // what Redact was given, as the Factory keeps them
	h.opts = &LoginOptions{
		IO: ios, Prompter: h.prompter, Config: f.Config, Credentials: f.Credentials, Registry: reg,
		HTTPClient: func() *http.Client {
			return transport.NewClient(transport.Options{UserAgent: "vnum/test", Debug: transport.DebugEnabled(getenv("VNUM_DEBUG")),
				DebugOut: ios.ErrOut, Secrets: func() []string { return secrets }})
		},
		Redact: func(s string) { secrets = append(secrets, s) },
		Env:    getenv, Now: f.Now, Styles: f.Styles,
	}
	return h
}

// saved is a manager over the same stores that ignores the environment.
func (h *harness) saved() *auth.Manager {
	return auth.NewManager(h.reg, h.configDir, func(string) string { return "" }, auth.WithKeyring(h.keyring))
}

// run validates like the command's RunE, then runs login.
func (h *harness) run(t *testing.T, mod func(o *LoginOptions)) error {
	t.Helper()
	mod(h.opts)
	if err := validate(h.opts); err != nil {
		return err
	}
	return loginRun(t.Context(), h.opts)
}

// assertNoLeak checks every output and every file vnum may have written for the secrets.
func (h *harness) assertNoLeak(t *testing.T, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		assert.NotContains(t, h.out.String(), s, "stdout")
		assert.NotContains(t, h.errb.String(), s, "stderr")
	}
	_ = filepath.WalkDir(h.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == auth.InsecureFileName {
			return nil
		}
		b, _ := os.ReadFile(path)
		for _, s := range secrets {
			assert.NotContains(t, string(b), s, "file %s", path)
		}
		return nil
	})
}

func (h *harness) files(t *testing.T) []string {
	t.Helper()
	var out []string
	_ = filepath.WalkDir(h.dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(h.dir, path)
			out = append(out, rel)
		}
		return nil
	})
	return out
}

func twilioFlags(o *LoginOptions) {
	o.Provider, o.IDs, o.WithToken = "twilio", map[string]string{"account-sid": testSID}, true
}

func TestNewCmdLogin(t *testing.T) {
	tests := []struct {
		name    string
		args    string
		tty     bool
		env     map[string]string
		want    LoginOptions
		wantErr string
	}{
		{name: "twilio from stdin", args: "twilio --account-sid " + testSID + " --with-token",
			want: LoginOptions{Provider: "twilio", IDs: map[string]string{"account-sid": testSID}, WithToken: true}},
		{name: "twilio API key, profile, no verify, insecure", args: "twilio --account-sid " + testSID + " --api-key " + testKeySID +
			" --profile work --no-verify --insecure-storage --with-token",
			want: LoginOptions{Provider: "twilio", IDs: map[string]string{"account-sid": testSID, "api-key": testKeySID}, Profile: "work", NoVerify: true, InsecureStorage: true, WithToken: true}},
		{name: "account SID from the environment", args: "twilio --with-token", env: map[string]string{"TWILIO_ACCOUNT_SID": testSID},
			want: LoginOptions{Provider: "twilio", IDs: map[string]string{"account-sid": testSID}, WithToken: true}},
		{name: "prompt on a terminal", args: "telnyx", tty: true, want: LoginOptions{Provider: "telnyx"}},
		{name: "vonage", args: "vonage --api-key abcd1234 --with-token", want: LoginOptions{Provider: "vonage", IDs: map[string]string{"api-key": "abcd1234"}, WithToken: true}},

		{name: "telnyx with its public key", args: "telnyx --public-key " + testPublicKey + " --with-token",
			want: LoginOptions{Provider: "telnyx", IDs: map[string]string{"public-key": testPublicKey}, WithToken: true}},
		{name: "telnyx public key not taken from the environment at login", args: "telnyx --with-token", env: map[string]string{"TELNYX_PUBLIC_KEY": testPublicKey},
			want: LoginOptions{Provider: "telnyx", WithToken: true}},
		{name: "telnyx public key malformed", args: "telnyx --public-key abc --with-token", wantErr: `--public-key "abc" is telnyx public key: not base64`},
		{name: "telnyx public key of the wrong size", args: "telnyx --public-key AAEC --with-token", wantErr: "telnyx public key: 3 bytes, want 32"},
		{name: "public key for twilio", args: "twilio --account-sid " + testSID + " --public-key " + testPublicKey + " --with-token", wantErr: "twilio takes no --public-key: it is for telnyx only"},

		{name: "no carrier", args: "", wantErr: "say which carrier: vnum auth login telnyx|twilio|vonage"},
		{name: "unknown carrier", args: "acme --with-token", wantErr: `vnum keeps no credentials for "acme"`},
		{name: "sandbox needs none", args: "sandbox --with-token", wantErr: `vnum keeps no credentials for "sandbox"`},
		{name: "twilio without account SID", args: "twilio --with-token", wantErr: "--account-sid required for twilio"},
		{name: "twilio SID malformed", args: "twilio --account-sid SK0123456789abcdef0123456789abcdef --with-token", wantErr: "is not a Twilio account SID"},
		{name: "twilio key malformed", args: "twilio --account-sid " + testSID + " --api-key AC0123456789abcdef0123456789abcdef --with-token", wantErr: "is not a Twilio API key SID"},
		{name: "vonage without key", args: "vonage --with-token", wantErr: "--api-key required for vonage"},
		{name: "vonage with SID", args: "vonage --api-key k --account-sid " + testSID + " --with-token", wantErr: "vonage takes no --account-sid: it is for twilio only"},
		{name: "telnyx with key flag", args: "telnyx --api-key k --with-token", wantErr: "telnyx takes no --api-key: it is for twilio and vonage only; the Telnyx API key is the secret"},
		{name: "bad profile", args: "telnyx --profile a/b --with-token", wantErr: "invalid profile name"},
		{name: "script without --with-token", args: "telnyx", wantErr: "pipe the secret and pass --with-token"},
		{name: "secret as an argument is refused, not echoed", args: "telnyx " + goodToken + " --with-token", wantErr: "secrets are never accepted as arguments"},
		{name: "no secret flag", args: "telnyx --token " + goodToken, wantErr: "unknown flag: --token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			ios.SetStdinTTY(tt.tty)
			ios.SetStdoutTTY(tt.tty)
			ios.SetStderrTTY(tt.tty)
			reg, err := all.Registry()
			require.NoError(t, err)
			f := &cmdutil.Factory{IOStreams: ios, Env: func(k string) string { return tt.env[k] }, Registry: reg}
			var got *LoginOptions
			cmd := NewCmdLogin(f, func(o *LoginOptions) error { got = o; return nil })
			err = cmdtest.Execute(t, cmd, tt.args)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				assert.NotContains(t, err.Error(), goodToken)
				return
			}
			require.NoError(t, err)
			require.NotNil(t, got)
			assert.Equal(t, tt.want.Provider, got.Provider)
			want := tt.want.IDs
			if want == nil {
				want = map[string]string{}
			}
			assert.Equal(t, want, got.IDs)
			assert.Equal(t, tt.want.Profile, got.Profile)
			assert.Equal(t, tt.want.WithToken, got.WithToken)
			assert.Equal(t, tt.want.NoVerify, got.NoVerify)
			assert.Equal(t, tt.want.InsecureStorage, got.InsecureStorage)
		})
	}
}

func TestLoginRun(t *testing.T) {
	tests := []struct {
		name  string
		setup setup
		stdin string
		// prompt is the answer to the hidden prompt (terminal only).
		prompt string
		opts   func(o *LoginOptions)

		wantErr      string
		wantExit     cmdutil.ExitCode
		wantSaved    auth.Source // "" when nothing may be saved
		wantVerified bool
		wantStderr   []string
		wantNotAsked bool // the secret must not have been asked for
		wantNoStderr bool
		// wantChecks is how many times the carrier was asked (-1: do not check).
		wantChecks int
	}{
		{
			name: "twilio token from stdin, verified, keyring", stdin: goodToken + "\n", opts: twilioFlags,
			wantSaved: auth.SourceKeyring, wantVerified: true, wantChecks: 1,
		},
		{
			name: "prompt on a terminal", setup: setup{tty: true}, prompt: goodToken,
			opts:      func(o *LoginOptions) { o.Provider, o.IDs = "twilio", map[string]string{"account-sid": testSID} },
			wantSaved: auth.SourceKeyring, wantVerified: true,
			wantStderr: []string{"✓ Logged in to Twilio as " + testSID + " (profile default), saved in the OS keyring"},
		},
		{
			name: "API key secret", stdin: goodToken,
			opts:      func(o *LoginOptions) { twilioFlags(o); o.IDs["api-key"] = testKeySID },
			wantSaved: auth.SourceKeyring, wantVerified: true,
		},
		{
			name: "refused by the carrier: exit 4, nothing saved", stdin: badToken + "\n", opts: twilioFlags,
			wantErr: "Twilio refused these credentials", wantExit: cmdutil.ExitAuth, wantChecks: 1,
		},
		{
			name: "carrier unreachable: nothing saved, secret redacted from the error", stdin: goodToken,
			setup:   setup{failWith: fmt.Errorf("Get \"https://rest.example/x?api_secret=%s\": dial tcp: connection refused: %w", goodToken, providers.ErrTemporary)},
			opts:    twilioFlags,
			wantErr: "--no-verify to save them unchecked", wantExit: cmdutil.ExitRetryLater,
		},
		{
			name: "malformed for the adapter: refused even with --no-verify", stdin: goodToken + "!",
			opts:    func(o *LoginOptions) { twilioFlags(o); o.NoVerify = true },
			wantErr: "these are not valid Twilio credentials", wantExit: cmdutil.ExitAuth,
		},
		{
			name: "--no-verify saves unchecked", stdin: badToken,
			opts:      func(o *LoginOptions) { twilioFlags(o); o.NoVerify = true },
			wantSaved: auth.SourceKeyring, wantChecks: 0, wantStderr: []string{"Not verified (--no-verify)"},
		},
		{
			name: "carrier with neither adapter nor verifier: saved unverified", stdin: goodToken, setup: setup{noCarrier: true},
			opts:      func(o *LoginOptions) { o.Provider, o.WithToken = "telnyx", true },
			wantSaved: auth.SourceKeyring, wantStderr: []string{"vnum cannot check Telnyx credentials yet"},
		},
		{
			name: "no keyring: fails before asking, names the alternatives", stdin: goodToken,
			setup:   setup{keyring: brokenKeyring(t)},
			opts:    twilioFlags,
			wantErr: "Nothing was saved. Instead:\n  - set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN", wantExit: cmdutil.ExitFailure,
			wantNotAsked: true, wantChecks: 0,
		},
		{
			name: "no keyring: --insecure-storage writes the file and warns", stdin: goodToken,
			setup:     setup{keyring: brokenKeyring(t)},
			opts:      func(o *LoginOptions) { twilioFlags(o); o.InsecureStorage = true },
			wantSaved: auth.SourceInsecure, wantVerified: true,
			wantStderr: []string{"warning: twilio credentials saved in", "a plaintext file"},
		},
		{
			name: "environment takes precedence: warned", stdin: goodToken,
			setup:      setup{env: map[string]string{"TELNYX_API_KEY": "from-env"}, noCarrier: true},
			opts:       func(o *LoginOptions) { o.Provider, o.WithToken = "telnyx", true },
			wantSaved:  auth.SourceKeyring,
			wantStderr: []string{"warning: TELNYX_API_KEY set in the environment: it takes precedence"},
		},
		{
			name: "partial environment does not take precedence: not warned", stdin: goodToken,
			setup:     setup{env: map[string]string{"TWILIO_ACCOUNT_SID": testSID}},
			opts:      func(o *LoginOptions) { o.Provider, o.WithToken = "twilio", true },
			wantSaved: auth.SourceKeyring, wantVerified: true, wantNoStderr: true,
		},
		{
			name: "two lines on stdin", stdin: goodToken + "\nmore\n", opts: twilioFlags,
			wantErr: "standard input holds more than one line", wantExit: cmdutil.ExitUsage,
		},
		{
			name: "empty stdin", stdin: "", opts: twilioFlags,
			wantErr: "no Twilio auth token given", wantExit: cmdutil.ExitUsage,
		},
		{
			name: "spaces in the secret", stdin: " " + goodToken, opts: twilioFlags,
			wantErr: "contains spaces or control characters", wantExit: cmdutil.ExitUsage,
		},
		{
			name: "profile from config", stdin: goodToken,
			setup:     setup{env: map[string]string{"VNUM_PROFILE": "work"}},
			opts:      twilioFlags,
			wantSaved: auth.SourceKeyring, wantVerified: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.wantChecks == 0 && !strings.Contains(tt.name, "--no-verify") && !strings.Contains(tt.name, "no keyring: fails") {
				tt.wantChecks = -1
			}
			h := newHarness(t, tt.setup)
			h.in.WriteString(tt.stdin)
			h.prompter.answer = tt.prompt
			start := time.Now()
			err := h.run(t, tt.opts)
			assert.Less(t, time.Since(start), 5*time.Second)
			h.assertNoLeak(t, goodToken, badToken)

			if tt.wantChecks >= 0 {
				assert.Equal(t, tt.wantChecks, h.verified, "requests to the carrier")
			}
			profile := h.opts.Profile
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				assert.NotContains(t, err.Error(), goodToken)
				assert.NotContains(t, err.Error(), badToken)
				assert.Equal(t, tt.wantExit, cmdutil.ExitCodeFor(err))
				_, lerr := h.saved().Lookup(h.opts.Provider, profile)
				require.ErrorIs(t, lerr, auth.ErrMissing, "nothing saved")
				assert.Empty(t, h.files(t), "nothing written")
				if tt.wantNotAsked {
					assert.Empty(t, h.prompter.asked)
					assert.NotEmpty(t, h.in.String(), "stdin not read")
				}
				return
			}
			require.NoError(t, err)
			assert.Empty(t, h.out.String(), "login prints no data")
			for _, s := range tt.wantStderr {
				assert.Contains(t, h.errb.String(), s)
			}
			if tt.setup.tty {
				assert.Equal(t, []string{"Twilio auth token:"}, h.prompter.asked)
			}
			if tt.wantNoStderr {
				assert.Empty(t, h.errb.String())
			}
			// What was saved, seen without the environment.
			c, err := h.saved().Lookup(h.opts.Provider, profile)
			require.NoError(t, err)
			assert.Equal(t, tt.wantSaved, c.Source)
			assert.Equal(t, tt.wantVerified, c.Verified())
			if tt.wantVerified {
				assert.Equal(t, frozen, c.VerifiedAt.UTC())
			}
			secret := c.Values["auth_token"] + c.Values["api_secret"]
			if h.opts.Provider == "telnyx" {
				secret = c.Values["api_key"]
			}
			assert.Equal(t, strings.TrimSpace(tt.stdin+tt.prompt), secret, "the secret saved is the one given, newline trimmed")
		})
	}
}

// testPublicKey is a well-formed Telnyx public key (base64 of 32 bytes); not a secret.
const testPublicKey = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

// The Telnyx public key is saved with the API key when given, and login works without it.
func TestLoginTelnyxPublicKey(t *testing.T) {
	tests := []struct {
		name       string
		env        map[string]string
		publicKey  string
		to         auth.Source
		want       auth.Values
		wantStderr string
	}{
		{name: "with the public key", publicKey: testPublicKey, to: auth.SourceKeyring,
			want: auth.Values{"api_key": goodToken, "public_key": testPublicKey}},
		{name: "with the public key, insecure file", publicKey: testPublicKey, to: auth.SourceInsecure,
			want: auth.Values{"api_key": goodToken, "public_key": testPublicKey}},
		{name: "without it", to: auth.SourceKeyring, want: auth.Values{"api_key": goodToken}},
		{name: "variable wins: said", publicKey: testPublicKey, to: auth.SourceKeyring,
			env:        map[string]string{"TELNYX_PUBLIC_KEY": "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA="},
			want:       auth.Values{"api_key": goodToken, "public_key": testPublicKey},
			wantStderr: "warning: TELNYX_PUBLIC_KEY is set in the environment: vnum serve uses it rather than the public key saved"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, setup{noCarrier: true, env: tt.env})
			h.in.WriteString(goodToken + "\n")
			err := h.run(t, func(o *LoginOptions) {
				o.Provider, o.WithToken, o.InsecureStorage = "telnyx", true, tt.to == auth.SourceInsecure
				o.IDs = map[string]string{}
				if tt.publicKey != "" {
					o.IDs["public-key"] = tt.publicKey
				}
			})
			require.NoError(t, err)
			c, err := h.saved().Lookup("telnyx", "default")
			require.NoError(t, err)
			assert.Equal(t, tt.to, c.Source)
			assert.Equal(t, tt.want, c.Values)
			if tt.wantStderr != "" {
				assert.Contains(t, h.errb.String(), tt.wantStderr)
			} else {
				assert.NotContains(t, h.errb.String(), "TELNYX_PUBLIC_KEY")
			}
			h.assertNoLeak(t, goodToken)
		})
	}
}

func brokenKeyring(t *testing.T) auth.Keyring {
	t.Helper()
	return keyring.New(keyring.WithBackend(failing{errors.New("dbus: DBUS_SESSION_BUS_ADDRESS not set")}))
}

type failing struct{ err error }

func (f failing) Get(string, string) (string, error) { return "", f.err }
func (f failing) Set(string, string, string) error   { return f.err }
func (f failing) Delete(string, string) error        { return f.err }

// stuck never answers, like a locked Secret Service, until the test ends.
type stuck struct{ release chan struct{} }

func (s stuck) Get(string, string) (string, error) { <-s.release; return "", nil }
func (s stuck) Set(string, string, string) error   { <-s.release; return nil }
func (s stuck) Delete(string, string) error        { <-s.release; return nil }

func TestLoginStuckKeyringFailsFast(t *testing.T) {
	// In a synctest bubble the keyring's 3 s timer fires as soon as everything else is blocked:
	// the production timeout is exercised without waiting for it.
	synctest.Test(t, func(t *testing.T) {
		s := stuck{release: make(chan struct{})}
		t.Cleanup(func() { close(s.release) })
		h := newHarness(t, setup{keyring: keyring.New(keyring.WithBackend(s))})
		h.in.WriteString(goodToken)
		start := time.Now()
		err := h.run(t, twilioFlags)
		elapsed := time.Since(start)
		require.Error(t, err)
		var te *keyring.TimeoutError
		require.ErrorAs(t, err, &te)
		assert.Equal(t, keyring.DefaultTimeout, elapsed, "login gives up after the keyring's timeout, not later")
		assert.Contains(t, err.Error(), "--insecure-storage")
		assert.Empty(t, h.files(t))
	})
}

func TestLoginDebugDumpRedacts(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"sid":"` + testSID + `"}`))
	}))
	t.Cleanup(srv.Close)
	h := newHarness(t, setup{env: map[string]string{"VNUM_DEBUG": "api"}, server: srv.URL})
	h.in.WriteString(goodToken + "\n")
	require.NoError(t, h.run(t, twilioFlags))
	assert.Equal(t, 1, h.verified)
	assert.Contains(t, h.errb.String(), "GET /Accounts", "the dump is on")
	assert.Contains(t, h.errb.String(), "[redacted]")
	h.assertNoLeak(t, goodToken)
}

func TestRedact(t *testing.T) {
	secret := "a+b/c=d"
	err := redactErr(&cmdutil.ExitError{Code: cmdutil.ExitAuth, Err: fmt.Errorf("GET /x?api_secret=%s and %s", "a%2Bb%2Fc%3Dd", secret)}, secret)
	assert.NotContains(t, err.Error(), "a%2Bb%2Fc%3Dd")
	assert.NotContains(t, err.Error(), secret)
	assert.Equal(t, cmdutil.ExitAuth, cmdutil.ExitCodeFor(err), "the exit code survives redaction")
	plain := errors.New("nothing secret")
	assert.Same(t, plain, redactErr(plain, secret))
}

const testVonageKey = "abcd1234"

// fakeBalances is a Telnyx and Vonage stand-in for the carriers' verification: GET /v2/balance
// accepts "Bearer goodToken", GET /account/get-balance accepts testVonageKey with goodToken, and
// both refuse anything else the way the carrier does. status, when set, is the answer instead.
type fakeBalances struct {
	status   int
	requests int
	srv      *httptest.Server
}

func newFakeBalances(t *testing.T, status int) *fakeBalances {
	t.Helper()
	f := &fakeBalances{status: status}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.requests++
		w.Header().Set("Content-Type", "application/json")
		if f.status != 0 {
			w.Header().Set("Retry-After", "5")
			w.WriteHeader(f.status)
			_, _ = w.Write([]byte(`{"errors":[{"code":"10011","title":"Too many requests"}]}`))
			return
		}
		switch r.URL.Path {
		case "/v2/balance":
			if r.Header.Get("Authorization") != "Bearer "+goodToken {
				w.WriteHeader(http.StatusUnauthorized)
				_, _ = w.Write([]byte(`{"errors":[{"code":"10009","title":"Authentication failed","detail":"Could not understand the provided credentials."}]}`))
				return
			}
			_, _ = w.Write([]byte(`{"data":{"balance":"300.00","currency":"USD","record_type":"balance"}}`))
		case "/account/get-balance":
			q := r.URL.Query()
			if q.Get("api_key") != testVonageKey || q.Get("api_secret") != goodToken {
				w.WriteHeader(http.StatusUnauthorized)
				_, _ = w.Write([]byte(`{"error-code":"401","error-code-label":"authentication failed"}`))
				return
			}
			_, _ = w.Write([]byte(`{"value": 10.171275, "autoReload": false}`))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func closedURL() string {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	return srv.URL
}

func telnyxFlags(o *LoginOptions) { o.Provider, o.WithToken = "telnyx", true }

func vonageFlags(o *LoginOptions) {
	o.Provider, o.IDs, o.WithToken = "vonage", map[string]string{"api-key": testVonageKey}, true
}

// Telnyx and Vonage have no adapter yet: login checks their credentials with the carrier's
// verification alone (their Descriptor's Verify), through the same HTTP client as the adapters.
func TestLoginRunVerifiers(t *testing.T) {
	tests := []struct {
		name   string
		tty    bool
		status int    // the fake carrier's answer to every request; 0 means it checks the credentials
		base   string // "closed": the carrier cannot be reached
		debug  bool
		stdin  string
		prompt string
		opts   func(o *LoginOptions)

		wantErr      string
		wantExit     cmdutil.ExitCode
		wantVerified bool
		wantStderr   []string
		wantRequests int
	}{
		{
			name: "telnyx key accepted: saved, verified", tty: true, prompt: goodToken,
			opts:         func(o *LoginOptions) { o.Provider = "telnyx" },
			wantVerified: true, wantRequests: 1,
			wantStderr: []string{"✓ Logged in to Telnyx (profile default), saved in the OS keyring"},
		},
		{
			name: "telnyx key refused: exit 4, nothing saved", stdin: badToken + "\n", opts: telnyxFlags,
			wantErr: "Telnyx refused these credentials (telnyx verify: Authentication failed: Could not understand the provided credentials. " +
				"(code 10009)): nothing was saved; check the API key and try again",
			wantExit: cmdutil.ExitAuth, wantRequests: 1,
		},
		{
			name: "telnyx --no-verify: not asked, saved unchecked", stdin: badToken,
			opts:       func(o *LoginOptions) { telnyxFlags(o); o.NoVerify = true },
			wantStderr: []string{"Not verified (--no-verify): the Telnyx credentials are saved unchecked."},
		},
		{
			name: "telnyx rate limited: exit 7, nothing saved", stdin: goodToken, status: http.StatusTooManyRequests, opts: telnyxFlags,
			wantErr:  "could not check the credentials with Telnyx: telnyx verify: Too many requests (code 10011)\nNothing was saved",
			wantExit: cmdutil.ExitRetryLater, wantRequests: 1,
		},
		{
			name: "telnyx unreachable: exit 7, nothing saved", stdin: goodToken, base: "closed", opts: telnyxFlags,
			wantErr:  "could not check the credentials with Telnyx: telnyx verify: cannot reach Telnyx",
			wantExit: cmdutil.ExitRetryLater,
		},
		{
			name: "vonage key and secret accepted: saved, verified", tty: true, prompt: goodToken,
			opts:         func(o *LoginOptions) { o.Provider, o.IDs = "vonage", map[string]string{"api-key": testVonageKey} },
			wantVerified: true, wantRequests: 1,
			wantStderr: []string{"✓ Logged in to Vonage as " + testVonageKey + " (profile default), saved in the OS keyring"},
		},
		{
			name: "vonage secret refused: exit 4, nothing saved", stdin: badToken, opts: vonageFlags,
			wantErr: "Vonage refused these credentials (vonage verify: authentication failed (code 401)): nothing was saved; " +
				"check the API key and API secret and try again",
			wantExit: cmdutil.ExitAuth, wantRequests: 1,
		},
		{
			name: "vonage unreachable: exit 7, the URL with the secret not quoted", stdin: goodToken, base: "closed", opts: vonageFlags,
			wantErr:  "could not check the credentials with Vonage: vonage verify: cannot reach Vonage",
			wantExit: cmdutil.ExitRetryLater,
		},
		{
			name: "vonage server error: exit 7", stdin: goodToken, status: http.StatusServiceUnavailable, opts: vonageFlags,
			wantErr: "vonage verify: HTTP 503 Service Unavailable", wantExit: cmdutil.ExitRetryLater, wantRequests: 1,
		},
		{
			name: "vonage with VNUM_DEBUG=api: the secret in the query is redacted from the dump", stdin: goodToken, debug: true, opts: vonageFlags,
			wantVerified: true, wantRequests: 1,
			wantStderr: []string{"GET /account/get-balance?", "redacted"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newFakeBalances(t, tt.status)
			base := fake.srv.URL
			if tt.base == "closed" {
				base = closedURL()
			}
			env := map[string]string{"VNUM_TELNYX_BASE_URL": base, "VNUM_VONAGE_BASE_URL": base}
			if tt.debug {
				env["VNUM_DEBUG"] = "api"
			}
			h := newHarness(t, setup{tty: tt.tty, env: env, noCarrier: true, verifiers: true})
			h.in.WriteString(tt.stdin)
			h.prompter.answer = tt.prompt

			err := h.run(t, tt.opts)

			h.assertNoLeak(t, goodToken, badToken)
			assert.Equal(t, tt.wantRequests, fake.requests, "requests to the carrier")
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				assert.NotContains(t, err.Error(), goodToken)
				assert.NotContains(t, err.Error(), badToken)
				assert.Equal(t, tt.wantExit, cmdutil.ExitCodeFor(err))
				_, lerr := h.saved().Lookup(h.opts.Provider, auth.DefaultProfile)
				require.ErrorIs(t, lerr, auth.ErrMissing, "nothing saved")
				assert.Empty(t, h.files(t), "nothing written")
				return
			}
			require.NoError(t, err)
			assert.Empty(t, h.out.String(), "login prints no data")
			for _, s := range tt.wantStderr {
				assert.Contains(t, h.errb.String(), s)
			}
			c, err := h.saved().Lookup(h.opts.Provider, auth.DefaultProfile)
			require.NoError(t, err)
			assert.Equal(t, auth.SourceKeyring, c.Source)
			assert.Equal(t, tt.wantVerified, c.Verified())
			if tt.wantVerified {
				assert.Equal(t, frozen, c.VerifiedAt.UTC())
			}
			secret := strings.TrimSpace(tt.stdin + tt.prompt)
			switch h.opts.Provider {
			case "telnyx":
				assert.Equal(t, auth.Values{"api_key": secret}, c.Values)
			case "vonage":
				assert.Equal(t, auth.Values{"api_key": testVonageKey, "api_secret": secret}, c.Values)
			}
		})
	}
}

// The flags for non-secret values come from the carriers' Descriptors, with the help of each
// carrier that uses them.
func TestNewCmdLoginFlagsFromDescriptors(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	reg, err := all.Registry()
	require.NoError(t, err)
	cmd := NewCmdLogin(&cmdutil.Factory{IOStreams: ios, Registry: reg}, func(*LoginOptions) error { return nil })
	sid := cmd.Flags().Lookup("account-sid")
	require.NotNil(t, sid)
	assert.Equal(t, "Twilio: your account SID (AC…) from the Twilio Console", sid.Usage)
	key := cmd.Flags().Lookup("api-key")
	require.NotNil(t, key)
	assert.Contains(t, key.Usage, "Twilio: an API key SID (SK…)")
	assert.Contains(t, key.Usage, "Vonage: the API key shown in the Vonage dashboard")
	for _, secret := range []string{"auth-token", "api-secret", "token", "secret"} {
		assert.Nil(t, cmd.Flags().Lookup(secret), "no flag for a secret")
	}
}
