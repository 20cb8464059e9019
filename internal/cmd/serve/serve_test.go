package serve

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/internal/auth"
	"github.com/vnum-cli/vnum/internal/cmd/internal/cmdtest"
	"github.com/vnum-cli/vnum/internal/cmdutil"
	"github.com/vnum-cli/vnum/internal/config"
	"github.com/vnum-cli/vnum/internal/iostreams"
	"github.com/vnum-cli/vnum/internal/keyring"
	"github.com/vnum-cli/vnum/internal/numbers"
	srv "github.com/vnum-cli/vnum/internal/serve"
	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/providers"
	carriers "github.com/vnum-cli/vnum/providers/all"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func TestNewCmdServe(t *testing.T) {
	tests := []struct {
		name    string
		args    string
		env     map[string]string
		file    string
		wantErr string
		want    Options
	}{
		{name: "defaults", want: Options{Listen: "127.0.0.1:8080", LogFormat: "text"}},
		{name: "flags", args: "--listen :9000 --public-url https://vnum.example.org/ --trust-forwarded --log-format json",
			want: Options{Listen: ":9000", PublicURL: "https://vnum.example.org", TrustForwarded: true, LogFormat: "json"}},
		{name: "config file", file: "serve:\n  listen: 127.0.0.1:9001\n  public_url: https://a.example\n",
			want: Options{Listen: "127.0.0.1:9001", PublicURL: "https://a.example", LogFormat: "text"}},
		{name: "environment over file", file: "serve:\n  listen: 127.0.0.1:9001\n",
			env:  map[string]string{"VNUM_SERVE_LISTEN": "127.0.0.1:9002", "VNUM_SERVE_PUBLIC_URL": "https://b.example"},
			want: Options{Listen: "127.0.0.1:9002", PublicURL: "https://b.example", LogFormat: "text"}},
		{name: "flag over environment", args: "--listen 127.0.0.1:9003", env: map[string]string{"VNUM_SERVE_LISTEN": "127.0.0.1:9002"},
			want: Options{Listen: "127.0.0.1:9003", LogFormat: "text"}},
		{name: "unconfigure", args: "--unconfigure", want: Options{Listen: "127.0.0.1:8080", LogFormat: "text", Unconfigure: true}},
		{name: "bad listen", args: "--listen 8080", wantErr: "--listen"},
		{name: "listen port out of range", args: "--listen 127.0.0.1:99999", wantErr: "the port must be a number from 0 to 65535"},
		{name: "listen port by name", args: "--listen :http", wantErr: "the port must be a number"},
		{name: "bad listen in the environment", env: map[string]string{"VNUM_SERVE_LISTEN": "nowhere"}, wantErr: "--listen"},
		{name: "public URL in clear text", args: "--public-url http://vnum.example.org", wantErr: "clear text"},
		{name: "public URL in clear text in the file", file: "serve:\n  public_url: http://vnum.example.org\n", wantErr: "clear text"},
		{name: "public URL on loopback may be http", args: "--public-url http://127.0.0.1:8080",
			want: Options{Listen: "127.0.0.1:8080", PublicURL: "http://127.0.0.1:8080", LogFormat: "text"}},
		{name: "public URL with a query", args: "--public-url https://a.example/?x=1", wantErr: "no query"},
		{name: "bad log format", args: "--log-format xml", wantErr: "--log-format"},
		{name: "argument", args: "now", wantErr: "unexpected argument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"VNUM_CONFIG_DIR": t.TempDir(), "VNUM_DATA_DIR": t.TempDir()}
			for k, v := range tt.env {
				env[k] = v
			}
			if tt.file != "" {
				require.NoError(t, os.WriteFile(filepath.Join(env["VNUM_CONFIG_DIR"], "config.yaml"), []byte(tt.file), 0o600))
			}
			ios, _, _, _ := iostreams.Test()
			f := &cmdutil.Factory{IOStreams: ios,
				Config: cmdtest.Config(env)}
			var got *Options
			cmd := NewCmdServe(f, func(o *Options) error { got = o; return nil })
			err := cmdtest.Execute(t, cmd, tt.args)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCodeFor(err))
				assert.Nil(t, got, "nothing runs after a refusal")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, Options{Listen: got.Listen, PublicURL: got.PublicURL, TrustForwarded: got.TrustForwarded,
				LogFormat: got.LogFormat, Unconfigure: got.Unconfigure}, "the flags, not the dependencies")
		})
	}
}

// refusingCarrier keeps inbound SMS URLs on its numbers but refuses to change them, with a
// message holding terminal escapes.
type refusingCarrier struct{ providers.Provider }

func (refusingCarrier) SMSWebhook(context.Context, string) (string, error) { return "", nil }
func (refusingCarrier) SetSMSWebhook(context.Context, string, string) error {
	return errors.New("refused\x1b]0;PWNED\x07")
}

func TestUnconfigureEscapesCarrierText(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"VNUM_CONFIG_DIR": dir, "VNUM_DATA_DIR": dir}
	st, err := store.Open(filepath.Join(dir, "vnum.db"))
	require.NoError(t, err)
	defer st.Close()
	require.NoError(t, st.SaveSMSWebhook(t.Context(), store.SMSWebhook{Provider: "vonage", CarrierID: "447700900001",
		URL: "https://vnum.example/hooks/t/vonage", Previous: "https://mine.example/sms"}))
	ios, _, _, errOut := iostreams.Test()
	err = run(t.Context(), &Options{IO: ios, Env: func(k string) string { return env[k] },
		Config:   cmdtest.Config(env),
		Store:    func() (*store.Store, error) { return st, nil },
		Provider: func(string) (providers.Provider, error) { return refusingCarrier{}, nil }, Unconfigure: true})
	require.ErrorContains(t, err, "could not be put back")
	assert.Contains(t, errOut.String(), "vonage 447700900001: not put back: refused")
	assert.NotContains(t, errOut.String(), "\x1b", "the carrier's text reaches the terminal escaped")
}

// cancelOnWrite is stdout that ends serve's context once serve has written to it: the routes
// are printed once it listens, so the run stops right after its start-up.
type cancelOnWrite struct {
	bytes.Buffer
	cancel context.CancelFunc
}

func (w *cancelOnWrite) Write(p []byte) (int, error) {
	w.cancel()
	return w.Buffer.Write(p)
}

// startOptions are serve's dependencies over a fresh configuration directory and store, with
// the environment env (carriers' keys) and no carrier credentials saved.
func startOptions(t *testing.T, env map[string]string) (opts *Options, dir string, out, errOut *bytes.Buffer) {
	t.Helper()
	keyring.MockInit()
	dir = t.TempDir()
	all := map[string]string{"VNUM_CONFIG_DIR": dir, "VNUM_DATA_DIR": dir}
	for k, v := range env {
		all[k] = v
	}
	getenv := func(k string) string { return all[k] }
	reg, err := carriers.Registry()
	require.NoError(t, err)
	st, err := store.Open(filepath.Join(dir, "vnum.db"))
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	noCarrier := func(name string) (providers.Provider, error) {
		return nil, fmt.Errorf("%s: not built in this test", name)
	}
	ios, _, out, errOut := iostreams.Test()
	return &Options{IO: ios, Env: getenv,
		Config: func() (*config.Config, error) { return config.Load(getenv) },
		Credentials: func() (*auth.Manager, error) {
			return auth.NewManager(reg, dir, getenv, auth.WithKeyring(keyring.New())), nil
		},
		Store:    func() (*store.Store, error) { return st, nil },
		Provider: noCarrier,
		NumbersOffline: func() (*numbers.Manager, error) {
			return numbers.New(numbers.Config{Store: st, Provider: noCarrier}), nil
		},
		Listen: "127.0.0.1:0", LogFormat: "text"}, dir, out, errOut
}

// serve's start-up on a pipe: the routes on stdout, one "carrier<TAB>URL" a line for scripts,
// and on stderr where it listens and how each carrier's requests are checked.
func TestServeRun(t *testing.T) {
	tests := []struct {
		name      string
		env       map[string]string
		publicURL string
		logFormat string
		wantStop  string // the log line saying serve stops, as --log-format writes it
	}{
		{name: "no keys", logFormat: "text", wantStop: `level=INFO msg="stopping: finishing the requests under way"`},
		{name: "keys and a public URL", publicURL: "https://vnum.example.org", logFormat: "json",
			env:      map[string]string{"TWILIO_AUTH_TOKEN": "tok", "VONAGE_SIGNATURE_SECRET": "sec"},
			wantStop: `"level":"INFO","msg":"stopping: finishing the requests under way"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts, dir, _, errOut := startOptions(t, tt.env)
			opts.PublicURL, opts.LogFormat = tt.publicURL, tt.logFormat
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			out := &cancelOnWrite{cancel: cancel}
			opts.IO.Out = out
			require.NoError(t, run(ctx, opts), "a stop asked for is no error")

			secrets, err := srv.LoadSecrets(dir)
			require.NoError(t, err, "the first start makes serve's secrets")
			addr := regexp.MustCompile(`listening on 127\.0\.0\.1:(\d+);`).FindStringSubmatch(errOut.String())
			require.NotNil(t, addr, "stderr says where serve listens: %s", errOut)
			var logs, startup []string
			for _, l := range strings.SplitAfter(errOut.String(), "\n") {
				if strings.HasPrefix(l, "time=") || strings.HasPrefix(l, "{") {
					logs = append(logs, l) // request and life-cycle log lines, with their times
				} else {
					startup = append(startup, l)
				}
			}
			require.Len(t, logs, 1, "one log line: serve stopping")
			assert.Contains(t, logs[0], tt.wantStop)
			normal := strings.NewReplacer(secrets.PathToken, "TOKEN", ":"+addr[1], ":PORT", dir, "DIR")
			cmdtest.Golden(t, []byte(normal.Replace(out.String())+"--- stderr\n"+normal.Replace(strings.Join(startup, ""))), *update)
		})
	}
}

// An address already taken is said at once, and no route is printed.
func TestServeRunAddressInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	opts, _, out, _ := startOptions(t, nil)
	opts.Listen = ln.Addr().String()
	err = run(t.Context(), opts)
	require.ErrorContains(t, err, "listen on "+ln.Addr().String()+": ")
	assert.Empty(t, out.String())
}
