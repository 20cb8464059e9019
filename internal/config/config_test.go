package config

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func envOf(m map[string]string) Env { return func(k string) string { return m[k] } }

func TestPrecedenceEnvOverFileOverDefault(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "config.yaml"), []byte(
		"provider: twilio\ncountry: FR\nttl: 7d\nproviders:\n  twilio:\n    bundle: BU1\n    bundle.FR: BU2\n"), 0o600))
	env := map[string]string{"VNUM_CONFIG_DIR": dir, "VNUM_DATA_DIR": t.TempDir(), "VNUM_COUNTRY": "GB"}
	c, err := Load(envOf(env))
	require.NoError(t, err)
	assert.True(t, c.FileFound())
	assert.Equal(t, "twilio", c.Provider(), "file over default")
	assert.Equal(t, "GB", c.Country(), "env over file")
	assert.Equal(t, "7d", c.TTL())
	assert.Equal(t, "default", c.Profile(), "default")
	opts := c.ProviderOptions("twilio")
	assert.Equal(t, "BU1", opts["bundle"])
	assert.Equal(t, "BU2", opts["bundle.fr"], "viper lower-cases keys")
	assert.Empty(t, c.ProviderOptions("vonage"))
}

func TestUnknownKeysArePointedOut(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "config.yaml"), []byte(
		"contry: FR\nttl: 7d\nproviders:\n  twilio:\n    bundle: BU1\nfoo:\n  bar: 1\n"), 0o600))
	c, err := Load(envOf(map[string]string{"VNUM_CONFIG_DIR": dir, "VNUM_DATA_DIR": dir}))
	require.NoError(t, err)
	assert.Equal(t, []string{"contry", "foo"}, c.Unknown())
}

func TestDefaultsWithoutFile(t *testing.T) {
	home := t.TempDir()
	c, err := Load(envOf(map[string]string{"HOME": home}))
	require.NoError(t, err)
	assert.False(t, c.FileFound())
	assert.Equal(t, DefaultProvider, c.Provider())
	assert.Equal(t, filepath.Join(home, ".config", "vnum"), c.Dir())
	assert.Equal(t, filepath.Join(home, ".local", "share", "vnum"), c.DataDir())

	c, err = Load(envOf(map[string]string{"HOME": home, "XDG_CONFIG_HOME": "/x/cfg", "XDG_DATA_HOME": "/x/data"}))
	require.NoError(t, err)
	assert.Equal(t, "/x/cfg/vnum", c.Dir())
	assert.Equal(t, "/x/data/vnum", c.DataDir())
}

func TestMalformedFileNamesIt(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "config.yaml"), []byte("provider: [unclosed\n"), 0o600))
	_, err := Load(envOf(map[string]string{"VNUM_CONFIG_DIR": dir, "VNUM_DATA_DIR": dir}))
	require.Error(t, err)
	assert.Contains(t, err.Error(), filepath.Join(dir, "config.yaml"))
}

func FuzzConfigDecode(f *testing.F) {
	f.Add("provider: twilio\ncountry: FR\n")
	f.Add("providers:\n  twilio:\n    base_url: http://x\n")
	f.Add("{")
	f.Fuzz(func(t *testing.T, yaml string) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "config.yaml"), []byte(yaml), 0o600); err != nil {
			t.Skip()
		}
		c, err := Load(envOf(map[string]string{"VNUM_CONFIG_DIR": dir, "VNUM_DATA_DIR": dir}))
		if err != nil {
			return
		}
		_ = c.Provider()
		_ = c.ProviderOptions("twilio")
	})
}

// Values no command could use are refused at load, naming the file or the variable.
func TestBadValuesAreRefused(t *testing.T) {
	tests := []struct {
		name, file string
		env        map[string]string
		want       string
	}{
		{name: "country", file: "country: France\n", want: `config.yaml: country: unknown country "France"`},
		{name: "country from the environment", env: map[string]string{"VNUM_COUNTRY": "France"}, want: `VNUM_COUNTRY: unknown country "France"`},
		{name: "prompt", file: "prompt: maybe\n", want: `config.yaml: prompt: "maybe" is neither enabled nor disabled`},
		{name: "providers not a mapping", file: "providers: 5\n", want: "config.yaml: providers: must map carrier names"},
		{name: "a carrier's options not a mapping", file: "providers:\n  twilio: 5\n", want: "config.yaml: providers: must map carrier names"},
		{name: "store not a PostgreSQL URL", env: map[string]string{"VNUM_STORE": "mysql://u:pw@h/db"}, want: "VNUM_STORE: must be a postgres://"},
		{name: "block action", file: "block:\n  action: hangup\n", want: `config.yaml: block.action: "hangup" is neither reject nor message`},
		{name: "block action from the environment", env: map[string]string{"VNUM_BLOCK_ACTION": "drop"}, want: `VNUM_BLOCK_ACTION: "drop" is neither reject nor message`},
		{name: "a list where one value belongs", file: "ttl: [7d]\n", want: "config.yaml: ttl: must be a single value, not a list or a mapping"},
		{name: "a mapping where one value belongs", file: "prompt:\n  mode: disabled\n", want: "config.yaml: prompt: must be a single value"},
		{name: "a nested setting's list", file: "serve:\n  listen: [127.0.0.1:9000]\n", want: "config.yaml: serve.listen: must be a single value"},
		{name: "a section written as one value", file: "block: message\n", want: "config.yaml: block: must be a mapping, such as block.action"},
		{name: "good values", file: "country: fr\nprompt: Disabled\nproviders:\n  twilio:\n    bundle: BU1\nblock:\n  action: Message\nvoicemail:\n  greeting: Hi.\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if tt.file != "" {
				require.NoError(t, os.WriteFile(filepath.Join(dir, "config.yaml"), []byte(tt.file), 0o600))
			}
			env := map[string]string{"VNUM_CONFIG_DIR": dir, "VNUM_DATA_DIR": dir}
			for k, v := range tt.env {
				env[k] = v
			}
			c, err := Load(envOf(env))
			if tt.want == "" {
				require.NoError(t, err)
				assert.True(t, c.PromptDisabled())
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), "pw@", "a store URL's password is never shown")
			var cerr *Error
			assert.ErrorAs(t, err, &cerr)
		})
	}
}

func TestProviderIsCaseInsensitive(t *testing.T) {
	dir := t.TempDir()
	c, err := Load(envOf(map[string]string{"VNUM_CONFIG_DIR": dir, "VNUM_DATA_DIR": dir, "VNUM_PROVIDER": "SANDBOX"}))
	require.NoError(t, err)
	assert.Equal(t, "sandbox", c.Provider())
	assert.EqualError(t, c.Invalid(KeyProvider, errors.New("bad")), "VNUM_PROVIDER: bad")
}

// The store is the file in the data directory unless store (VNUM_STORE over config.yaml) names a
// PostgreSQL database.
func TestStoreLocation(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"VNUM_CONFIG_DIR": dir, "VNUM_DATA_DIR": dir}
	c, err := Load(envOf(env))
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(dir, "vnum.db"), c.Store())
	assert.False(t, c.SharedStore())

	require.NoError(t, os.WriteFile(filepath.Join(dir, "config.yaml"), []byte("store: postgres://team@db.example/vnum\n"), 0o600))
	c, err = Load(envOf(env))
	require.NoError(t, err)
	assert.Equal(t, "postgres://team@db.example/vnum", c.Store())
	assert.True(t, c.SharedStore())
	assert.Empty(t, c.Unknown())

	env["VNUM_STORE"] = "postgresql://ci@other/vnum"
	c, err = Load(envOf(env))
	require.NoError(t, err)
	assert.Equal(t, "postgresql://ci@other/vnum", c.Store(), "environment over file")
}
