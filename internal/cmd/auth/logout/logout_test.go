package logout

import (
	"errors"
	"io/fs"
	"path/filepath"
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
	"github.com/vnum-cli/vnum/internal/theme"
	"github.com/vnum-cli/vnum/providers"
	"github.com/vnum-cli/vnum/providers/all"
)

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

func TestNewCmdLogout(t *testing.T) {
	tests := []struct {
		args        string
		wantProfile string
		wantErr     string
	}{
		{args: "twilio"},
		{args: "vonage --profile work", wantProfile: "work"},
		{args: "", wantErr: "say which carrier: vnum auth logout telnyx|twilio|vonage"},
		{args: "acme", wantErr: `vnum keeps no credentials for "acme"`},
		{args: "twilio --profile ../x", wantErr: "invalid profile name"},
		{args: "twilio telnyx", wantErr: "too many arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			var got *LogoutOptions
			cmd := NewCmdLogout(&cmdutil.Factory{IOStreams: ios, Registry: testRegistry(t)}, func(o *LogoutOptions) error { got = o; return nil })
			err := cmdtest.Execute(t, cmd, tt.args)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCodeFor(err))
				return
			}
			require.NoError(t, err)
			assert.Equal(t, strings.Fields(tt.args)[0], got.Provider)
			assert.Equal(t, tt.wantProfile, got.Profile)
		})
	}
}

func TestLogoutRun(t *testing.T) {
	cred := func(profile string) auth.Credential {
		return auth.Credential{Provider: "twilio", Profile: profile, Values: auth.Values{"account_sid": testSID, "auth_token": testToken}}
	}
	tests := []struct {
		name        string
		tty         bool
		env         map[string]string
		profile     string
		saved       map[string]auth.Source // profile → store
		breakKR     bool                   // the keyring fails after saving
		wantErr     string
		wantStderr  []string
		wantGone    []string // profiles that must no longer be found
		wantKept    []string // profiles that must still be found
		wantNoFiles bool
	}{
		{
			name: "from the keyring", tty: true, saved: map[string]auth.Source{"default": auth.SourceKeyring},
			wantStderr: []string{"✓ Removed the Twilio credentials of profile default from the keyring"},
			wantGone:   []string{"default"}, wantNoFiles: true,
		},
		{
			name: "from the insecure file, other profiles kept", tty: true, profile: "work",
			saved:      map[string]auth.Source{"work": auth.SourceInsecure, "default": auth.SourceKeyring},
			wantStderr: []string{"✓ Removed the Twilio credentials of profile work from the insecure file"},
			wantGone:   []string{"work"}, wantKept: []string{"default"},
		},
		{
			name: "script: silent", saved: map[string]auth.Source{"default": auth.SourceKeyring},
			wantGone: []string{"default"}, wantNoFiles: true,
		},
		{
			name:        "nothing saved is not an error",
			wantStderr:  []string{"No saved twilio credentials for profile default."},
			wantNoFiles: true,
		},
		{
			name: "environment still set: said", env: map[string]string{"TWILIO_AUTH_TOKEN": testToken},
			wantStderr: []string{"warning: TWILIO_AUTH_TOKEN still set in the environment"},
		},
		{
			name: "keyring unreachable while it holds the profile: error", saved: map[string]auth.Source{"default": auth.SourceKeyring},
			breakKR: true, wantErr: "the credentials saved in the keyring could not be removed",
		},
		{
			name: "profile from config", env: map[string]string{"VNUM_PROFILE": "work"},
			saved:    map[string]auth.Source{"work": auth.SourceKeyring, "default": auth.SourceKeyring},
			wantGone: []string{"work"}, wantKept: []string{"default"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keyring.MockInit()
			dir := t.TempDir()
			env := map[string]string{"VNUM_CONFIG_DIR": filepath.Join(dir, "config"), "VNUM_DATA_DIR": filepath.Join(dir, "data")}
			for k, v := range tt.env {
				env[k] = v
			}
			getenv := func(k string) string { return env[k] }
			m := auth.NewManager(testRegistry(t), env["VNUM_CONFIG_DIR"], getenv, auth.WithKeyring(keyring.New()))
			for p, src := range tt.saved {
				_, err := m.Save(cred(p), src)
				require.NoError(t, err)
			}
			if tt.breakKR {
				keyring.MockInitWithError(errors.New("dbus: no session bus"))
				t.Cleanup(keyring.MockInit)
			}
			ios, _, out, errb := iostreams.Test()
			ios.SetStdoutTTY(tt.tty)
			ios.SetStderrTTY(tt.tty)
			f := &cmdutil.Factory{IOStreams: ios, Registry: testRegistry(t)}
			opts := &LogoutOptions{
				IO:          ios,
				Config:      func() (*config.Config, error) { return config.Load(getenv) },
				Credentials: func() (*auth.Manager, error) { return m, nil },
				Registry:    f.Registry,
				Styles:      func() *theme.Styles { return theme.New(out, false, true) },
				Provider:    "twilio",
				Profile:     tt.profile,
			}
			err := logoutRun(t.Context(), opts)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
			} else {
				require.NoError(t, err)
			}
			assert.Empty(t, out.String())
			for _, s := range tt.wantStderr {
				assert.Contains(t, errb.String(), s)
			}
			if len(tt.wantStderr) == 0 && tt.wantErr == "" {
				assert.Empty(t, errb.String())
			}
			assert.NotContains(t, errb.String(), testToken)
			clean := auth.NewManager(testRegistry(t), env["VNUM_CONFIG_DIR"], func(string) string { return "" }, auth.WithKeyring(keyring.New()))
			for _, p := range tt.wantGone {
				_, err := clean.Lookup("twilio", p)
				require.ErrorIs(t, err, auth.ErrMissing, p)
			}
			for _, p := range tt.wantKept {
				_, err := clean.Lookup("twilio", p)
				require.NoError(t, err, p)
			}
			if tt.wantNoFiles {
				var files []string
				_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
					if err == nil && !d.IsDir() {
						files = append(files, path)
					}
					return nil
				})
				assert.Empty(t, files, "logout leaves nothing behind")
			}
		})
	}
}
