package serve

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/internal/cmd/internal/cmdtest"
	"github.com/vnum-cli/vnum/internal/cmdutil"
	"github.com/vnum-cli/vnum/internal/config"
	"github.com/vnum-cli/vnum/internal/iostreams"
	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/providers"
)

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
		{name: "bad listen", args: "--listen 8080", wantErr: "--listen"},
		{name: "public URL in clear text", args: "--public-url http://vnum.example.org", wantErr: "clear text"},
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
				Config: func() (*config.Config, error) { return config.Load(func(k string) string { return env[k] }) }}
			var got *Options
			cmd := NewCmdServe(f, func(o *Options) error { got = o; return nil })
			err := cmdtest.Execute(t, cmd, tt.args)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			got.IO, got.Factory = nil, nil
			assert.Equal(t, tt.want, *got)
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
	f := &cmdutil.Factory{IOStreams: ios, Env: func(k string) string { return env[k] },
		Config:   func() (*config.Config, error) { return config.Load(func(k string) string { return env[k] }) },
		Store:    func() (*store.Store, error) { return st, nil },
		Provider: func(string) (providers.Provider, error) { return refusingCarrier{}, nil }}
	err = run(t.Context(), &Options{IO: ios, Factory: f, Unconfigure: true})
	require.ErrorContains(t, err, "could not be put back")
	assert.Contains(t, errOut.String(), "vonage 447700900001: not put back: refused")
	assert.NotContains(t, errOut.String(), "\x1b", "the carrier's text reaches the terminal escaped")
}
