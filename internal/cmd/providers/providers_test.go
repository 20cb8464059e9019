package providers

import (
	"errors"
	"flag"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/internal/auth"
	"github.com/vnum-cli/vnum/internal/cmd/internal/cmdtest"
	"github.com/vnum-cli/vnum/internal/cmdutil"
	"github.com/vnum-cli/vnum/internal/iostreams"
	"github.com/vnum-cli/vnum/internal/keyring"
	"github.com/vnum-cli/vnum/internal/theme"
	carriers "github.com/vnum-cli/vnum/providers"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func TestNewCmdProviders(t *testing.T) {
	tests := []struct {
		args     string
		wantJSON bool
		wantErr  string
	}{
		{args: ""},
		{args: "--json", wantJSON: true},
		{args: "twilio", wantErr: "unexpected argument \"twilio\": `vnum providers` takes flags only"},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			var got *Options
			cmd := NewCmdProviders(&cmdutil.Factory{IOStreams: ios}, func(o *Options) error { got = o; return nil })
			err := cmdtest.Execute(t, cmd, tt.args)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantJSON, got.JSON)
		})
	}
}

func TestProvidersRun(t *testing.T) {
	// A registry of its own, so carriers' descriptions can change without touching this test.
	newP := func(carriers.Settings) (carriers.Provider, error) { return nil, errors.New("not built in this test") }
	key := func(name string) []carriers.CredentialSet {
		return []carriers.CredentialSet{{Name: "API key", Fields: []carriers.Credential{
			{Key: "api_key", Label: "API key", Env: []string{name + "_API_KEY"}, Secret: true}}}}
	}
	reg, err := carriers.NewRegistry(
		carriers.Descriptor{Name: "sandbox", Title: "Sandbox", Description: "Local simulated carrier", New: newP,
			Capabilities: carriers.Capabilities{ForwardCalls: true, ReadSMS: true, Labels: true,
				BlockCalls: true, Voicemail: true, CallLog: true, CallsVia: "simulated"}},
		carriers.Descriptor{Name: "acme", Title: "Acme", Description: "Acme: numbers in a few countries", New: newP,
			Auth: key("ACME"), Capabilities: carriers.Capabilities{ForwardCalls: true, SendSMS: true, CallsVia: "needs vnum serve"}},
		carriers.Descriptor{Name: "globex", Title: "Globex", Description: "Globex: numbers everywhere", New: newP,
			Auth: key("GLOBEX"), Capabilities: carriers.Capabilities{ReadSMS: true}},
		carriers.Descriptor{Name: "initech", Title: "Initech", Auth: key("INITECH")}, // credentials only: not listed
	)
	require.NoError(t, err)
	tests := []struct {
		name       string
		tty, json  bool
		env        map[string]string // the carriers' credential variables that are set
		defaultErr error
		profileErr error
		wantErr    string
	}{
		{name: "tty", tty: true, env: map[string]string{"ACME_API_KEY": "k"}},
		{name: "pipe", env: map[string]string{"ACME_API_KEY": "k"}},
		{name: "json", json: true, env: map[string]string{"ACME_API_KEY": "k"}},
		{name: "bad default setting", tty: true, defaultErr: errors.New("unknown provider \"42\"")},
		{name: "config error", profileErr: errors.New("config.yaml: prompt: bad"), wantErr: "prompt: bad"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keyring.MockInit()
			ios, _, out, _ := iostreams.Test()
			ios.SetStdoutTTY(tt.tty)
			m := auth.NewManager(reg, t.TempDir(), func(k string) string { return tt.env[k] }, auth.WithKeyring(keyring.New()))
			opts := &Options{
				IO:       ios,
				Registry: reg,
				Default: func() (string, error) {
					if tt.defaultErr != nil {
						return "", tt.defaultErr
					}
					return "sandbox", nil
				},
				Profile:     func() (string, error) { return auth.DefaultProfile, tt.profileErr },
				Credentials: func() (*auth.Manager, error) { return m, nil },
				Styles:      func() *theme.Styles { return theme.New(out, false, true) },
				JSON:        tt.json,
			}
			err := providersRun(opts)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			cmdtest.Golden(t, out.Bytes(), *update)
		})
	}
}
