package auth_test

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/internal/auth"
	"github.com/vnum-cli/vnum/internal/keyring"
	"github.com/vnum-cli/vnum/providers"
	"github.com/vnum-cli/vnum/providers/all"
)

// testRegistry is vnum's registry: what each carrier needs is in its adapter's Descriptor.
func testRegistry(t testing.TB) *providers.Registry {
	t.Helper()
	reg, err := all.Registry()
	require.NoError(t, err)
	return reg
}

// Known fake secrets: every test that can leak one searches for it.
const (
	testToken  = "tok-TEST-SECRET-91c2e7d4" // fake
	testSecret = "sec-TEST-SECRET-3b8f0a6e" // fake
	testSID    = "AC0123456789abcdef0123456789abcdef"
	testKeySID = "SK0123456789abcdef0123456789abcdef"
)

var frozen = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// envMap is a fake environment.
type envMap map[string]string

func (e envMap) get(k string) string { return e[k] }

// newManager returns a manager over go-keyring's mock (emptied) and a fresh config dir.
func newManager(t *testing.T, env envMap, opts ...auth.Option) (*auth.Manager, string) {
	t.Helper()
	keyring.MockInit()
	dir := filepath.Join(t.TempDir(), "config")
	options := append([]auth.Option{
		auth.WithKeyring(keyring.New(keyring.WithTimeout(time.Second))),
		auth.WithClock(func() time.Time { return frozen }),
	}, opts...)
	return auth.NewManager(testRegistry(t), dir, env.get, options...), dir
}

func twilioToken(profile string) auth.Credential {
	return auth.Credential{
		Provider: "twilio", Profile: profile,
		Values: auth.Values{"account_sid": testSID, "auth_token": testToken},
	}
}

// assertNoSecretInDir fails when any file under dir contains one of the secrets.
func assertNoSecretInDir(t *testing.T, dir string, secrets ...string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && path == dir {
			return filepath.SkipDir
		}
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, s := range secrets {
			assert.NotContains(t, string(b), s, "secret written to %s", path)
		}
		return nil
	})
	require.NoError(t, err)
}

func filesIn(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, path)
			out = append(out, rel)
		}
		return nil
	})
	return out
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
	return p
}

func TestLookupEnvironment(t *testing.T) {
	files := t.TempDir()
	tokenFile := writeFile(t, files, "token", testToken+"\n")
	crlfFile := writeFile(t, files, "crlf", testSecret+"\r\n")
	emptyFile := writeFile(t, files, "empty", "\n")

	tests := []struct {
		name        string
		provider    string
		env         envMap
		wantValues  auth.Values
		wantSource  auth.Source
		wantAccount string
		wantErr     string // substring; "" for success
		wantMissing bool
	}{
		{
			name: "twilio auth token", provider: "twilio",
			env:        envMap{"TWILIO_ACCOUNT_SID": testSID, "TWILIO_AUTH_TOKEN": testToken},
			wantValues: auth.Values{"account_sid": testSID, "auth_token": testToken},
			wantSource: auth.SourceEnv, wantAccount: testSID,
		},
		{
			name: "twilio API key", provider: "twilio",
			env:        envMap{"TWILIO_ACCOUNT_SID": testSID, "TWILIO_API_KEY": testKeySID, "TWILIO_API_SECRET": testSecret},
			wantValues: auth.Values{"account_sid": testSID, "api_key": testKeySID, "api_secret": testSecret},
			wantSource: auth.SourceEnv, wantAccount: testSID,
		},
		{
			name: "twilio API key preferred over auth token", provider: "twilio",
			env: envMap{
				"TWILIO_ACCOUNT_SID": testSID, "TWILIO_AUTH_TOKEN": testToken,
				"TWILIO_API_KEY": testKeySID, "TWILIO_API_SECRET": testSecret,
			},
			wantValues: auth.Values{"account_sid": testSID, "api_key": testKeySID, "api_secret": testSecret},
			wantSource: auth.SourceEnv, wantAccount: testSID,
		},
		{
			name: "twilio TWILIO_API_KEY_SECRET alias", provider: "twilio",
			env:        envMap{"TWILIO_ACCOUNT_SID": testSID, "TWILIO_API_KEY": testKeySID, "TWILIO_API_KEY_SECRET": testSecret},
			wantValues: auth.Values{"account_sid": testSID, "api_key": testKeySID, "api_secret": testSecret},
			wantSource: auth.SourceEnv, wantAccount: testSID,
		},
		{
			name: "secret file, trailing newline trimmed", provider: "twilio",
			env:        envMap{"TWILIO_ACCOUNT_SID": testSID, "TWILIO_AUTH_TOKEN_FILE": tokenFile},
			wantValues: auth.Values{"account_sid": testSID, "auth_token": testToken},
			wantSource: auth.SourceFile, wantAccount: testSID,
		},
		{
			name: "variable wins over its _FILE", provider: "twilio",
			env:        envMap{"TWILIO_ACCOUNT_SID": testSID, "TWILIO_AUTH_TOKEN": "direct", "TWILIO_AUTH_TOKEN_FILE": tokenFile},
			wantValues: auth.Values{"account_sid": testSID, "auth_token": "direct"},
			wantSource: auth.SourceEnv, wantAccount: testSID,
		},
		{
			name: "telnyx", provider: "telnyx",
			env:        envMap{"TELNYX_API_KEY": testSecret},
			wantValues: auth.Values{"api_key": testSecret},
			wantSource: auth.SourceEnv, wantAccount: "",
		},
		{
			name: "vonage with CRLF secret file", provider: "vonage",
			env:        envMap{"VONAGE_API_KEY": "abcd1234", "VONAGE_API_SECRET_FILE": crlfFile},
			wantValues: auth.Values{"api_key": "abcd1234", "api_secret": testSecret},
			wantSource: auth.SourceFile, wantAccount: "abcd1234",
		},
		{
			name: "partial twilio names what is set and what to set", provider: "twilio",
			env:         envMap{"TWILIO_ACCOUNT_SID": testSID},
			wantMissing: true,
			wantErr:     "set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (or TWILIO_ACCOUNT_SID, TWILIO_API_KEY and TWILIO_API_SECRET); only TWILIO_ACCOUNT_SID is set",
		},
		{
			name: "missing secret file", provider: "telnyx",
			env:     envMap{"TELNYX_API_KEY_FILE": filepath.Join(files, "nope")},
			wantErr: "TELNYX_API_KEY_FILE: cannot read the secret file",
		},
		{
			name: "empty secret file", provider: "telnyx",
			env:     envMap{"TELNYX_API_KEY_FILE": emptyFile},
			wantErr: "TELNYX_API_KEY_FILE: " + emptyFile + " is empty",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _ := newManager(t, tt.env)
			c, err := m.Lookup(tt.provider, "default")
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				assert.Equal(t, tt.wantMissing, errors.Is(err, auth.ErrMissing))
				for _, s := range []string{testToken, testSecret} {
					assert.NotContains(t, err.Error(), s)
				}
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantValues, c.Values)
			assert.Equal(t, tt.wantSource, c.Source)
			assert.Equal(t, tt.wantAccount, c.Account)
			assert.Equal(t, "default", c.Profile)
			assert.False(t, c.Verified(), "the environment is never verified")
			assert.Empty(t, c.Warning)
		})
	}
}

func TestLookupMissing(t *testing.T) {
	tests := []struct {
		provider, profile string
		want              string
	}{
		{"twilio", "default", "credentials missing: no twilio credentials for profile \"default\": run `vnum auth login twilio`, " +
			"or set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (or TWILIO_ACCOUNT_SID, TWILIO_API_KEY and TWILIO_API_SECRET)"},
		{"telnyx", "work", "credentials missing: no telnyx credentials for profile \"work\": run `vnum auth login telnyx --profile work`, " +
			"or set TELNYX_API_KEY"},
		{"vonage", "", "credentials missing: no vonage credentials for profile \"default\": run `vnum auth login vonage`, " +
			"or set VONAGE_API_KEY and VONAGE_API_SECRET"},
	}
	for _, tt := range tests {
		t.Run(tt.provider, func(t *testing.T) {
			m, _ := newManager(t, envMap{})
			_, err := m.Lookup(tt.provider, tt.profile)
			require.ErrorIs(t, err, auth.ErrMissing)
			assert.EqualError(t, err, tt.want)
		})
	}
}

func TestLookupProviderWithoutCredentials(t *testing.T) {
	m, dir := newManager(t, envMap{})
	c, err := m.Lookup("sandbox", "default")
	require.NoError(t, err)
	assert.Empty(t, c.Values)
	assert.Equal(t, "sandbox", c.Provider)
	assert.Empty(t, filesIn(t, dir))
}

func TestLookupOrder(t *testing.T) {
	m, _ := newManager(t, envMap{})
	// The insecure file holds one credential, the keyring a newer one for the same profile.
	_, err := m.Save(twilioToken("default"), auth.SourceInsecure)
	require.NoError(t, err)
	c, err := m.Lookup("twilio", "default")
	require.NoError(t, err)
	assert.Equal(t, auth.SourceInsecure, c.Source)
	assert.Contains(t, c.Warning, "plaintext", "reading the insecure file warns every time")

	kr := twilioToken("default")
	kr.Values["auth_token"] = "keyring-token"
	_, err = m.Save(kr, auth.SourceKeyring)
	require.NoError(t, err)
	c, err = m.Lookup("twilio", "default")
	require.NoError(t, err)
	assert.Equal(t, auth.SourceKeyring, c.Source)
	assert.Equal(t, "keyring-token", c.Values["auth_token"])
	assert.Empty(t, c.Warning)

	// The environment wins over both, for every profile.
	envM := auth.NewManager(testRegistry(t), filepath.Dir(m.InsecureFile()),
		envMap{"TWILIO_ACCOUNT_SID": testSID, "TWILIO_AUTH_TOKEN": "env-token"}.get,
		auth.WithKeyring(keyring.New()))
	for _, p := range []string{"default", "work"} {
		c, err = envM.Lookup("twilio", p)
		require.NoError(t, err)
		assert.Equal(t, auth.SourceEnv, c.Source)
		assert.Equal(t, "env-token", c.Values["auth_token"])
		assert.Equal(t, p, c.Profile)
	}
}

func TestSaveKeyring(t *testing.T) {
	m, dir := newManager(t, envMap{})
	c := twilioToken("work")
	c.VerifiedAt = frozen
	warnings, err := m.Save(c, auth.SourceKeyring)
	require.NoError(t, err)
	assert.Empty(t, warnings)

	got, err := m.Lookup("twilio", "work")
	require.NoError(t, err)
	assert.Equal(t, auth.SourceKeyring, got.Source)
	assert.Equal(t, c.Values, got.Values)
	assert.Equal(t, testSID, got.Account)
	assert.True(t, got.Verified())
	assert.Equal(t, frozen, got.VerifiedAt.UTC())

	_, err = m.Lookup("twilio", "default")
	require.ErrorIs(t, err, auth.ErrMissing, "profiles are separate")

	profiles, err := m.Profiles("twilio")
	require.NoError(t, err)
	assert.Equal(t, []string{"work"}, profiles)
	assert.Equal(t, []string{"keyring-profiles.json"}, filesIn(t, dir), "only the profile list is written")
	assertNoSecretInDir(t, dir, testToken)

	// The keyring entry itself is a JSON object with verified_at.
	raw, err := keyring.New().Get("vnum:twilio", "work")
	require.NoError(t, err)
	assert.JSONEq(t, `{"account_sid":"`+testSID+`","auth_token":"`+testToken+`","verified_at":"2026-03-01T12:00:00Z"}`, raw)
}

func TestSaveKeyringUnavailable(t *testing.T) {
	tests := []struct {
		name    string
		keyring func(t *testing.T) auth.Keyring
		isTime  bool
	}{
		{"no keyring", func(t *testing.T) auth.Keyring {
			keyring.MockInitWithError(errors.New("dbus: connection refused"))
			t.Cleanup(keyring.MockInit)
			return keyring.New()
		}, false},
		{"stuck keyring", func(t *testing.T) auth.Keyring {
			return keyring.New(keyring.WithBackend(newStuck(t)), keyring.WithTimeout(100*time.Millisecond))
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "config")
			m := auth.NewManager(testRegistry(t), dir, envMap{}.get, auth.WithKeyring(tt.keyring(t)))

			start := time.Now()
			require.ErrorIs(t, m.KeyringUsable("twilio", "default"), auth.ErrKeyringUnavailable)
			_, err := m.Save(twilioToken("default"), auth.SourceKeyring)
			require.ErrorIs(t, err, auth.ErrKeyringUnavailable)
			assert.Less(t, time.Since(start), 5*time.Second)
			var te *keyring.TimeoutError
			assert.Equal(t, tt.isTime, errors.As(err, &te))
			assert.NotContains(t, err.Error(), testToken)
			assert.Empty(t, filesIn(t, filepath.Dir(dir)), "nothing written anywhere: no plaintext fallback")

			// Lookup still works through the other stores and says why the keyring was skipped.
			_, err = m.Lookup("twilio", "default")
			require.ErrorIs(t, err, auth.ErrMissing)
			assert.Contains(t, err.Error(), "the keyring could not be read")
		})
	}
}

// stuckBackend blocks every call until the test ends, like a locked Secret Service.
type stuckBackend struct {
	release chan struct{}
	active  atomic.Int32
}

func newStuck(t *testing.T) *stuckBackend {
	t.Helper()
	b := &stuckBackend{release: make(chan struct{})}
	t.Cleanup(func() {
		close(b.release)
		require.Eventually(t, func() bool { return b.active.Load() == 0 }, 5*time.Second, time.Millisecond)
	})
	return b
}

func (b *stuckBackend) block() {
	b.active.Add(1)
	defer b.active.Add(-1)
	<-b.release
}
func (b *stuckBackend) Get(string, string) (string, error) { b.block(); return "", nil }
func (b *stuckBackend) Set(string, string, string) error   { b.block(); return nil }
func (b *stuckBackend) Delete(string, string) error        { b.block(); return nil }

func TestSaveInsecure(t *testing.T) {
	m, dir := newManager(t, envMap{})
	c := auth.Credential{Provider: "vonage", Values: auth.Values{"api_key": "abcd1234", "api_secret": testSecret}}
	warnings, err := m.Save(c, auth.SourceInsecure)
	require.NoError(t, err)
	require.Len(t, warnings, 1)
	assert.Contains(t, warnings[0], "plaintext")
	assert.Contains(t, warnings[0], m.InsecureFile())

	fi, err := os.Stat(m.InsecureFile())
	require.NoError(t, err)
	di, err := os.Stat(dir)
	require.NoError(t, err)
	if runtime.GOOS != "windows" {
		assert.Equal(t, fs.FileMode(0o600), fi.Mode().Perm())
		assert.Equal(t, fs.FileMode(0o700), di.Mode().Perm())
	}
	assert.Equal(t, []string{auth.InsecureFileName}, filesIn(t, dir), "no temporary file left behind")

	got, err := m.Lookup("vonage", "")
	require.NoError(t, err)
	assert.Equal(t, auth.SourceInsecure, got.Source)
	assert.Equal(t, "abcd1234", got.Account)
	assert.Equal(t, testSecret, got.Values["api_secret"])
	assert.Contains(t, got.Warning, m.InsecureFile())
	profiles, err := m.Profiles("vonage")
	require.NoError(t, err)
	assert.Equal(t, []string{"default"}, profiles)
}

func TestInsecureFileWithoutKeyring(t *testing.T) {
	keyring.MockInitWithError(errors.New("dbus: no session bus"))
	t.Cleanup(keyring.MockInit)
	dir := filepath.Join(t.TempDir(), "config")
	m := auth.NewManager(testRegistry(t), dir, envMap{}.get, auth.WithKeyring(keyring.New()))

	warnings, err := m.Save(twilioToken("default"), auth.SourceInsecure)
	require.NoError(t, err)
	assert.Len(t, warnings, 1, "an unreachable keyring that never held this profile is not worth a warning")
	c, err := m.Lookup("twilio", "default")
	require.NoError(t, err)
	assert.Equal(t, auth.SourceInsecure, c.Source)

	res, err := m.Delete("twilio", "default")
	require.NoError(t, err)
	assert.Equal(t, []auth.Source{auth.SourceInsecure}, res.Removed)
	require.Len(t, res.Warnings, 1)
	assert.Contains(t, res.Warnings[0], "could not check the keyring")
	assert.NoFileExists(t, m.InsecureFile(), "an empty insecure file is removed")
}

func TestInsecureFileRefusedWhenReadableByOthers(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permissions")
	}
	m, _ := newManager(t, envMap{})
	_, err := m.Save(twilioToken("default"), auth.SourceInsecure)
	require.NoError(t, err)
	require.NoError(t, os.Chmod(m.InsecureFile(), 0o644))

	_, err = m.Lookup("twilio", "default")
	require.Error(t, err)
	assert.NotErrorIs(t, err, auth.ErrMissing)
	assert.Contains(t, err.Error(), "chmod 600")
	assert.NotContains(t, err.Error(), testToken)
}

func TestCorruptStores(t *testing.T) {
	tests := []struct {
		name     string
		keyring  string // raw keyring value for vnum:twilio/default, "" for none
		insecure string // raw insecure file, "" for none
		want     string
	}{
		{"keyring not JSON", "{" + testToken, "", "keyring entry vnum:twilio/default is not a vnum credential"},
		{"keyring incomplete", `{"auth_token":"` + testToken + `"}`, "", "does not hold complete twilio credentials"},
		{"keyring bad verified_at", `{"account_sid":"` + testSID + `","auth_token":"x","verified_at":"` + testToken + `"}`, "", "invalid verified_at"},
		{"insecure not JSON", "", `{"credentials": ` + testToken, "is not valid JSON"},
		{"insecure incomplete", "", `{"version":1,"credentials":{"twilio":{"default":{"account_sid":"` + testToken + `"}}}}`, "does not hold complete"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, dir := newManager(t, envMap{})
			if tt.keyring != "" {
				require.NoError(t, keyring.New().Set("vnum:twilio", "default", tt.keyring))
			}
			if tt.insecure != "" {
				require.NoError(t, os.MkdirAll(dir, 0o700))
				writeFile(t, dir, auth.InsecureFileName, tt.insecure)
			}
			_, err := m.Lookup("twilio", "default")
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.Contains(t, err.Error(), "vnum auth login")
			assert.NotContains(t, err.Error(), testToken, "a stored value never appears in an error")
		})
	}
}

func TestSaveReplacesOtherStore(t *testing.T) {
	m, dir := newManager(t, envMap{})
	_, err := m.Save(twilioToken("default"), auth.SourceInsecure)
	require.NoError(t, err)
	_, err = m.Save(twilioToken("work"), auth.SourceInsecure)
	require.NoError(t, err)

	warnings, err := m.Save(twilioToken("default"), auth.SourceKeyring)
	require.NoError(t, err)
	assert.Equal(t, []string{"removed the old plaintext copy from " + m.InsecureFile()}, warnings)
	c, err := m.Lookup("twilio", "work")
	require.NoError(t, err)
	assert.Equal(t, auth.SourceInsecure, c.Source, "other profiles stay where they are")

	_, err = m.Delete("twilio", "work")
	require.NoError(t, err)
	assert.Equal(t, []string{"keyring-profiles.json"}, filesIn(t, dir))
	assertNoSecretInDir(t, dir, testToken)

	// Back to the file: the keyring copy goes, so the new one is what Lookup finds.
	insecure := twilioToken("default")
	insecure.Values["auth_token"] = "file-token"
	warnings, err = m.Save(insecure, auth.SourceInsecure)
	require.NoError(t, err)
	assert.Contains(t, strings.Join(warnings, "\n"), "removed the previous credentials for this profile from the keyring")
	c, err = m.Lookup("twilio", "default")
	require.NoError(t, err)
	assert.Equal(t, "file-token", c.Values["auth_token"])
	_, err = keyring.New().Get("vnum:twilio", "default")
	require.ErrorIs(t, err, keyring.ErrNotFound)
}

func TestDelete(t *testing.T) {
	m, dir := newManager(t, envMap{})
	_, err := m.Save(twilioToken("default"), auth.SourceKeyring)
	require.NoError(t, err)
	_, err = m.Save(auth.Credential{Provider: "telnyx", Values: auth.Values{"api_key": testSecret}}, auth.SourceKeyring)
	require.NoError(t, err)

	res, err := m.Delete("twilio", "default")
	require.NoError(t, err)
	assert.Equal(t, []auth.Source{auth.SourceKeyring}, res.Removed)
	_, err = m.Lookup("twilio", "default")
	require.ErrorIs(t, err, auth.ErrMissing)
	_, err = m.Lookup("telnyx", "default")
	require.NoError(t, err, "other carriers are untouched")
	profiles, err := m.Profiles("twilio")
	require.NoError(t, err)
	assert.Empty(t, profiles)

	res, err = m.Delete("twilio", "default")
	require.NoError(t, err, "logging out twice is fine")
	assert.Empty(t, res.Removed)

	_, err = m.Delete("telnyx", "default")
	require.NoError(t, err)
	assert.Empty(t, filesIn(t, dir), "the profile list goes with the last profile")
}

func TestDeleteWhenKeyringUnreachable(t *testing.T) {
	m, dir := newManager(t, envMap{})
	_, err := m.Save(twilioToken("default"), auth.SourceKeyring)
	require.NoError(t, err)

	keyring.MockInitWithError(errors.New("dbus: no session bus"))
	t.Cleanup(keyring.MockInit)
	broken := auth.NewManager(testRegistry(t), dir, envMap{}.get, auth.WithKeyring(keyring.New()))
	_, err = broken.Delete("twilio", "default")
	require.Error(t, err, "vnum saved it there and cannot remove it: that must not look like success")
	assert.Contains(t, err.Error(), "could not be removed")
	profiles, err := broken.Profiles("twilio")
	require.NoError(t, err)
	assert.Equal(t, []string{"default"}, profiles, "still listed, since it is still there")
}

func TestSaveValidates(t *testing.T) {
	tests := []struct {
		name string
		c    auth.Credential
		want string
	}{
		{"unknown carrier", auth.Credential{Provider: "acme", Values: auth.Values{"k": "v"}}, `vnum keeps no credentials for "acme"`},
		{"bad profile", auth.Credential{Provider: "telnyx", Profile: "../x", Values: auth.Values{"api_key": "v"}}, "invalid profile name"},
		{"missing account", auth.Credential{Provider: "twilio", Values: auth.Values{"auth_token": testToken}}, "incomplete twilio credentials"},
		{"extra key", auth.Credential{Provider: "telnyx", Values: auth.Values{"api_key": "v", "x": "y"}}, "incomplete telnyx credentials"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, dir := newManager(t, envMap{})
			_, err := m.Save(tt.c, auth.SourceKeyring)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), testToken)
			assert.Empty(t, filesIn(t, dir))
		})
	}
}

func TestValidateProfile(t *testing.T) {
	tests := []struct {
		profile string
		ok      bool
	}{
		{"default", true}, {"work-2", true}, {"a.b_c", true}, {strings.Repeat("a", 64), true},
		{"", false}, {"-x", false}, {"a/b", false}, {"a b", false}, {strings.Repeat("a", 65), false}, {"é", false},
	}
	for _, tt := range tests {
		t.Run(tt.profile, func(t *testing.T) {
			assert.Equal(t, tt.ok, auth.ValidateProfile(tt.profile) == nil)
		})
	}
}

func TestSecretFor(t *testing.T) {
	tests := []struct {
		provider  string
		ids       map[string]string
		wantKey   string
		wantLabel string
		wantErr   string
	}{
		{"twilio", map[string]string{"account_sid": testSID}, "auth_token", "auth token", ""},
		{"twilio", map[string]string{"account_sid": testSID, "api_key": testKeySID}, "api_secret", "API key secret", ""},
		{"twilio", map[string]string{}, "", "", "twilio credentials need account_sid, or account_sid and api_key"},
		{"telnyx", map[string]string{}, "api_key", "API key", ""},
		{"vonage", map[string]string{"api_key": "abcd"}, "api_secret", "API secret", ""},
		{"vonage", map[string]string{}, "", "", "vonage credentials need api_key"},
		{"acme", map[string]string{}, "", "", "vnum keeps no credentials"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %v", tt.provider, len(tt.ids)), func(t *testing.T) {
			_, secret, err := auth.SecretFor(testRegistry(t), tt.provider, tt.ids)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantKey, secret.Key)
			assert.Equal(t, tt.wantLabel, secret.Label)
		})
	}
}

func TestCredentialNeverFormatsSecrets(t *testing.T) {
	c := twilioToken("default")
	c.Source = auth.SourceKeyring
	c.Account = testSID
	for _, f := range []string{"%v", "%+v", "%#v", "%s"} {
		out := fmt.Sprintf(f, c)
		assert.NotContains(t, out, testToken, f)
		out = fmt.Sprintf(f, c.Values)
		assert.NotContains(t, out, testToken, f)
		assert.Contains(t, out, "auth_token", "the keys are shown")
	}
	assert.Equal(t, "twilio/default from keyring (account "+testSID+")", c.String())
}

func TestEnvVars(t *testing.T) {
	m, _ := newManager(t, envMap{"TWILIO_AUTH_TOKEN_FILE": "/x", "TWILIO_ACCOUNT_SID": testSID, "TELNYX_API_KEY": "k"})
	assert.Equal(t, []string{"TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN_FILE"}, m.EnvVars("twilio"))
	assert.Empty(t, m.EnvVars("vonage"))
}

func TestProvidersAndHints(t *testing.T) {
	reg := testRegistry(t)
	assert.Equal(t, []string{"telnyx", "twilio", "vonage"}, auth.Providers(reg))
	assert.Contains(t, auth.Alternatives(reg, "vonage"), "VONAGE_API_KEY and VONAGE_API_SECRET")
	assert.Contains(t, auth.Alternatives(reg, "vonage"), "--insecure-storage")
	d, _ := reg.Lookup("twilio")
	assert.Equal(t, "TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (or TWILIO_ACCOUNT_SID, TWILIO_API_KEY and TWILIO_API_SECRET)", auth.EnvHint(d))
}

// credentials.insecure.json planted (or left) as a symbolic link: vnum neither reads through it
// nor replaces the link with a regular file, which would leave its target holding plaintext.
func TestInsecureFileSymlinkRefused(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no O_NOFOLLOW")
	}
	keyring.MockInitWithError(errors.New("dbus: no session bus"))
	t.Cleanup(keyring.MockInit)
	dir := filepath.Join(t.TempDir(), "config")
	require.NoError(t, os.Mkdir(dir, 0o700))
	target := filepath.Join(t.TempDir(), "elsewhere.json")
	writeFile(t, filepath.Dir(target), filepath.Base(target), `{"version":1,"credentials":{}}`)
	require.NoError(t, os.Symlink(target, filepath.Join(dir, auth.InsecureFileName)))
	m := auth.NewManager(testRegistry(t), dir, envMap{}.get, auth.WithKeyring(keyring.New()))

	_, err := m.Save(twilioToken("default"), auth.SourceInsecure)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "symbolic link")
	fi, err := os.Lstat(m.InsecureFile())
	require.NoError(t, err)
	assert.NotZero(t, fi.Mode()&fs.ModeSymlink, "the link was replaced")
	b, err := os.ReadFile(target)
	require.NoError(t, err)
	assert.NotContains(t, string(b), testToken, "the token went through the link")

	_, err = m.Lookup("twilio", "default")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "symbolic link")
}
