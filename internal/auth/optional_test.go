package auth_test

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/internal/auth"
	"github.com/vnum-cli/vnum/internal/keyring"
)

// Well-formed Telnyx public keys (base64 of 32 bytes); not secrets.
const (
	testPublicKey    = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
	envTestPublicKey = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA="
)

func telnyxCred(profile, publicKey string) auth.Credential {
	c := auth.Credential{Provider: "telnyx", Profile: profile, Values: auth.Values{"api_key": testToken}}
	if publicKey != "" {
		c.Values["public_key"] = publicKey
	}
	return c
}

// The Telnyx public key is optional: the API key alone is a complete credential, and one with
// the key is saved and read back with it.
func TestOptionalValueSavedWithCredential(t *testing.T) {
	for _, to := range []auth.Source{auth.SourceKeyring, auth.SourceInsecure} {
		t.Run(string(to), func(t *testing.T) {
			m, _ := newManager(t, envMap{})
			_, err := m.Save(telnyxCred("default", ""), to)
			require.NoError(t, err, "the public key is not needed")
			v, src, err := m.Optional("telnyx", "default", "public_key")
			require.NoError(t, err)
			assert.Empty(t, v)
			assert.Empty(t, src)

			_, err = m.Save(telnyxCred("default", testPublicKey), to)
			require.NoError(t, err)
			c, err := m.Lookup("telnyx", "default")
			require.NoError(t, err)
			assert.Equal(t, auth.Values{"api_key": testToken, "public_key": testPublicKey}, c.Values)
			v, src, err = m.Optional("telnyx", "default", "public_key")
			require.NoError(t, err)
			assert.Equal(t, testPublicKey, v)
			assert.Equal(t, to, src)
		})
	}
}

// A variable for the public key wins over the saved one, and a saved key is found even while
// the API key comes from the environment.
func TestOptionalValueLookupOrder(t *testing.T) {
	m, dir := newManager(t, envMap{})
	_, err := m.Save(telnyxCred("default", testPublicKey), auth.SourceKeyring)
	require.NoError(t, err)

	with := func(env envMap) *auth.Manager {
		return auth.NewManager(testRegistry(t), dir, env.get, auth.WithKeyring(keyring.New()))
	}
	v, src, err := with(envMap{"TELNYX_PUBLIC_KEY": envTestPublicKey}).Optional("telnyx", "default", "public_key")
	require.NoError(t, err)
	assert.Equal(t, envTestPublicKey, v, "the environment wins over the keyring")
	assert.Equal(t, auth.SourceEnv, src)

	file := writeFile(t, t.TempDir(), "pk", envTestPublicKey+"\n")
	v, src, err = with(envMap{"TELNYX_PUBLIC_KEY_FILE": file}).Optional("telnyx", "default", "public_key")
	require.NoError(t, err)
	assert.Equal(t, envTestPublicKey, v)
	assert.Equal(t, auth.SourceFile, src)

	envAPI := with(envMap{"TELNYX_API_KEY": "env-api-key"})
	c, err := envAPI.Lookup("telnyx", "default")
	require.NoError(t, err)
	assert.Equal(t, auth.Values{"api_key": "env-api-key"}, c.Values, "the credential is the environment's, whole")
	v, src, err = envAPI.Optional("telnyx", "default", "public_key")
	require.NoError(t, err)
	assert.Equal(t, testPublicKey, v, "the saved public key is still found")
	assert.Equal(t, auth.SourceKeyring, src)

	c, err = with(envMap{"TELNYX_API_KEY": "env-api-key", "TELNYX_PUBLIC_KEY": envTestPublicKey}).Lookup("telnyx", "work")
	require.NoError(t, err)
	assert.Equal(t, auth.Values{"api_key": "env-api-key", "public_key": envTestPublicKey}, c.Values)
	assert.Equal(t, auth.SourceEnv, c.Source)

	_, err = with(envMap{"TELNYX_PUBLIC_KEY": envTestPublicKey}).Lookup("telnyx", "work")
	require.ErrorIs(t, err, auth.ErrMissing, "the public key alone is no credential")
	assert.Contains(t, err.Error(), "or set TELNYX_API_KEY;", "the hint names the needed variable only")

	_, _, err = m.Optional("telnyx", "default", "api_key")
	require.ErrorContains(t, err, "no optional api_key")
	_, _, err = m.Optional("twilio", "default", "public_key")
	require.Error(t, err)
}

func TestOptionalValueKeyringUnreachable(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "config")
	m := auth.NewManager(testRegistry(t), dir, envMap{}.get,
		auth.WithKeyring(keyring.New(keyring.WithBackend(failingBackend{errors.New("dbus: no session bus")}))))
	v, _, err := m.Optional("telnyx", "default", "public_key")
	assert.Empty(t, v)
	require.ErrorIs(t, err, auth.ErrKeyringUnavailable)
	assert.Equal(t, "the keyring could not be read: keyring get: dbus: no session bus", err.Error())
}

func TestSecretForOptionalValue(t *testing.T) {
	reg := testRegistry(t)
	set, secret, err := auth.SecretFor(reg, "telnyx", map[string]string{"public_key": testPublicKey})
	require.NoError(t, err)
	assert.Equal(t, "api_key", secret.Key)
	assert.True(t, set.Required("api_key"))
	assert.False(t, set.Required("public_key"))
	_, _, err = auth.SecretFor(reg, "telnyx", map[string]string{"account_sid": testSID})
	require.Error(t, err, "a value the set does not have")
	d, _ := reg.Lookup("telnyx")
	assert.Equal(t, "TELNYX_API_KEY", auth.EnvHint(d))
}

// failingBackend is a keyring that cannot be asked.
type failingBackend struct{ err error }

func (b failingBackend) Get(string, string) (string, error) { return "", b.err }
func (b failingBackend) Set(string, string, string) error   { return b.err }
func (b failingBackend) Delete(string, string) error        { return b.err }
