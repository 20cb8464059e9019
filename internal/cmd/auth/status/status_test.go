package status

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/internal/auth"
	"github.com/vnum-cli/vnum/internal/cmd/internal/cmdtest"
	"github.com/vnum-cli/vnum/internal/cmdutil"
	"github.com/vnum-cli/vnum/internal/config"
	"github.com/vnum-cli/vnum/internal/iostreams"
	"github.com/vnum-cli/vnum/internal/keyring"
	"github.com/vnum-cli/vnum/internal/theme"
	"github.com/vnum-cli/vnum/providers"
	"github.com/vnum-cli/vnum/providers/all"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func testRegistry(t *testing.T) *providers.Registry {
	t.Helper()
	reg, err := all.Registry()
	require.NoError(t, err)
	return reg
}

const (
	testToken = "tok-TEST-SECRET-91c2e7d4" // fake
	testSID   = "AC0123456789abcdef0123456789abcdef"
)

var now = time.Date(2026, 3, 1, 14, 0, 0, 0, time.UTC)

func TestNewCmdStatus(t *testing.T) {
	tests := []struct {
		args     string
		wantJSON bool
		wantErr  string
	}{
		{args: ""},
		{args: "--json", wantJSON: true},
		{args: "twilio", wantErr: `unexpected argument "twilio"`},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			var got *StatusOptions
			cmd := NewCmdStatus(&cmdutil.Factory{IOStreams: ios, Registry: testRegistry(t)}, func(o *StatusOptions) error { got = o; return nil })
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

type fixture struct {
	env      map[string]string
	keyring  auth.Keyring
	populate func(t *testing.T, m *auth.Manager)
}

func twilio(profile string, verified bool) auth.Credential {
	c := auth.Credential{Provider: "twilio", Profile: profile, Values: auth.Values{"account_sid": testSID, "auth_token": testToken}}
	if verified {
		c.VerifiedAt = now.Add(-2 * time.Hour)
	}
	return c
}

// testPublicKey is a well-formed Telnyx public key (base64 of 32 bytes); not a secret.
const testPublicKey = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

func telnyx(profile, publicKey string) auth.Credential {
	c := auth.Credential{Provider: "telnyx", Profile: profile, Values: auth.Values{"api_key": testToken}}
	if publicKey != "" {
		c.Values["public_key"] = publicKey
	}
	return c
}

func TestStatusRun(t *testing.T) {
	saved := func(t *testing.T, m *auth.Manager) {
		t.Helper()
		_, err := m.Save(twilio("default", true), auth.SourceKeyring)
		require.NoError(t, err)
		_, err = m.Save(twilio("work", false), auth.SourceInsecure)
		require.NoError(t, err)
	}
	tests := []struct {
		name       string
		tty        bool
		json       bool
		fx         fixture
		wantOut    string
		wantStderr []string
	}{
		{
			name: "nothing configured, script",
			wantOut: "telnyx\tdefault\tfalse\t\t\tfalse\t\n" +
				"twilio\tdefault\tfalse\t\t\tfalse\t\n" +
				"vonage\tdefault\tfalse\t\t\tfalse\t\n",
		},
		{
			name: "keyring and insecure file, script",
			fx:   fixture{populate: saved},
			wantOut: "telnyx\tdefault\tfalse\t\t\tfalse\t\n" +
				"twilio\tdefault\ttrue\tkeyring\t" + testSID + "\ttrue\t2026-03-01T12:00:00Z\n" +
				"twilio\twork\ttrue\tinsecure file\t" + testSID + "\tfalse\t\n" +
				"vonage\tdefault\tfalse\t\t\tfalse\t\n",
			wantStderr: []string{"warning: twilio credentials read from", "plaintext"},
		},
		{
			name: "environment and secret file",
			fx: fixture{env: map[string]string{
				"TELNYX_API_KEY":         testToken,
				"VONAGE_API_KEY":         "abcd1234",
				"VONAGE_API_SECRET_FILE": "SECRETFILE",
			}},
			wantOut: "telnyx\tdefault\ttrue\tenvironment\t\tfalse\t\n" +
				"twilio\tdefault\tfalse\t\t\tfalse\t\n" +
				"vonage\tdefault\ttrue\tsecret file\tabcd1234\tfalse\t\n",
		},
		{
			name: "terminal table",
			tty:  true,
			fx:   fixture{populate: saved},
			// Cells only: the borders are the table printer's business.
			wantOut: "CARRIER PROFILE CONFIGURED SOURCE ACCOUNT VERIFIED OPTIONAL\n" +
				"telnyx default no public key: no\n" +
				"twilio default yes keyring " + testSID + " 2h ago\n" +
				"twilio work yes insecure file " + testSID + " no\n" +
				"vonage default no app key: no\n",
			wantStderr: []string{"warning: twilio credentials read from"},
		},
		{
			name:       "json",
			json:       true,
			fx:         fixture{populate: saved},
			wantStderr: []string{"warning: twilio credentials read from"},
			wantOut: `[
  {"provider":"telnyx","profile":"default","configured":false,"source":"","account":"","verified":false,"verified_at":null,"optional":{"public_key":false}},
  {"provider":"twilio","profile":"default","configured":true,"source":"keyring","account":"` + testSID + `","verified":true,"verified_at":"2026-03-01T12:00:00Z"},
  {"provider":"twilio","profile":"work","configured":true,"source":"insecure file","account":"` + testSID + `","verified":false,"verified_at":null},
  {"provider":"vonage","profile":"default","configured":false,"source":"","account":"","verified":false,"verified_at":null,"optional":{"application":false}}
]`,
		},
		{
			name: "telnyx public key saved with the API key, json",
			json: true,
			fx: fixture{populate: func(t *testing.T, m *auth.Manager) {
				t.Helper()
				_, err := m.Save(telnyx("default", testPublicKey), auth.SourceKeyring)
				require.NoError(t, err)
				_, err = m.Save(telnyx("nokey", ""), auth.SourceKeyring)
				require.NoError(t, err)
			}},
			wantOut: `[
  {"provider":"telnyx","profile":"default","configured":true,"source":"keyring","account":"","verified":false,"verified_at":null,"optional":{"public_key":true}},
  {"provider":"telnyx","profile":"nokey","configured":true,"source":"keyring","account":"","verified":false,"verified_at":null,"optional":{"public_key":false}},
  {"provider":"twilio","profile":"default","configured":false,"source":"","account":"","verified":false,"verified_at":null},
  {"provider":"vonage","profile":"default","configured":false,"source":"","account":"","verified":false,"verified_at":null,"optional":{"application":false}}
]`,
		},
		{
			name: "telnyx public key from the environment alone, terminal",
			tty:  true,
			fx:   fixture{env: map[string]string{"TELNYX_PUBLIC_KEY": testPublicKey}},
			wantOut: "CARRIER PROFILE CONFIGURED SOURCE ACCOUNT VERIFIED OPTIONAL\n" +
				"telnyx default no public key: yes\n" +
				"twilio default no\n" +
				"vonage default no app key: no\n",
		},
		{
			name: "keyring unreachable: said once, nothing configured",
			fx:   fixture{keyring: keyring.New(keyring.WithBackend(failing{errors.New("dbus: no session bus")}))},
			wantOut: "telnyx\tdefault\tfalse\t\t\tfalse\t\n" +
				"twilio\tdefault\tfalse\t\t\tfalse\t\n" +
				"vonage\tdefault\tfalse\t\t\tfalse\t\n",
			wantStderr: []string{"warning: the keyring could not be read: keyring get: dbus: no session bus\n"},
		},
		{
			name: "default profile from config",
			fx:   fixture{env: map[string]string{"VNUM_PROFILE": "work"}, populate: saved},
			wantOut: "telnyx\twork\tfalse\t\t\tfalse\t\n" +
				"twilio\tdefault\ttrue\tkeyring\t" + testSID + "\ttrue\t2026-03-01T12:00:00Z\n" +
				"twilio\twork\ttrue\tinsecure file\t" + testSID + "\tfalse\t\n" +
				"vonage\twork\tfalse\t\t\tfalse\t\n",
			wantStderr: []string{"warning: twilio credentials read from"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keyring.MockInit()
			dir := t.TempDir()
			env := map[string]string{"VNUM_CONFIG_DIR": filepath.Join(dir, "config"), "VNUM_DATA_DIR": filepath.Join(dir, "data")}
			for k, v := range tt.fx.env {
				if v == "SECRETFILE" {
					v = filepath.Join(dir, "secret")
					require.NoError(t, writeFile(v, testToken+"\n"))
				}
				env[k] = v
			}
			getenv := func(k string) string { return env[k] }
			kr := tt.fx.keyring
			if kr == nil {
				kr = keyring.New()
			}
			m := auth.NewManager(testRegistry(t), env["VNUM_CONFIG_DIR"], getenv, auth.WithKeyring(kr))
			if tt.fx.populate != nil {
				tt.fx.populate(t, m)
			}
			ios, _, out, errb := iostreams.Test()
			ios.SetStdoutTTY(tt.tty)
			ios.SetTerminalWidth(120)
			opts := &StatusOptions{
				IO:          ios,
				Config:      func() (*config.Config, error) { return config.Load(getenv) },
				Credentials: func() (*auth.Manager, error) { return m, nil },
				Now:         func() time.Time { return now },
				Styles:      func() *theme.Styles { return theme.New(out, false, true) },
				JSON:        tt.json,
			}
			require.NoError(t, statusRun(t.Context(), opts))
			if tt.json {
				assert.JSONEq(t, tt.wantOut, out.String())
				var rows []map[string]any
				require.NoError(t, json.Unmarshal(out.Bytes(), &rows))
			} else if tt.tty {
				assert.Equal(t, tt.wantOut, tableCells(out.String()))
			} else {
				assert.Equal(t, tt.wantOut, out.String())
			}
			if tt.tty || tt.json {
				// The whole terminal table (and the JSON as printed), borders and all.
				cmdtest.Golden(t, out.Bytes(), *update)
			}
			for _, s := range tt.wantStderr {
				assert.Contains(t, errb.String(), s)
				assert.Equal(t, 1, strings.Count(errb.String(), s), "each note once")
			}
			if len(tt.wantStderr) == 0 {
				assert.Empty(t, errb.String())
			}
			assert.NotContains(t, out.String()+errb.String(), testToken, "never the secret")
			assert.NotContains(t, out.String()+errb.String(), "91c2e7d4", "not even in part")
		})
	}
}

type failing struct{ err error }

func (f failing) Get(string, string) (string, error) { return "", f.err }
func (f failing) Set(string, string, string) error   { return f.err }
func (f failing) Delete(string, string) error        { return f.err }

func writeFile(path, content string) error { return os.WriteFile(path, []byte(content), 0o600) }

// tableCells reduces a rendered table to its text: borders dropped, cells separated by one space.
func tableCells(s string) string {
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		line = strings.Map(func(r rune) rune {
			if strings.ContainsRune("╭╮╰╯─│├┤┬┴┼", r) {
				return ' '
			}
			return r
		}, line)
		if f := strings.Join(strings.Fields(line), " "); f != "" {
			b.WriteString(f + "\n")
		}
	}
	return b.String()
}
