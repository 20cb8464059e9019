package app

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/internal/auth"
	"github.com/vnum-cli/vnum/internal/iostreams"
	"github.com/vnum-cli/vnum/internal/keyring"
	"github.com/vnum-cli/vnum/providers"
	"github.com/vnum-cli/vnum/providers/vonage"
)

// A value an adapter makes (Vonage's application key) is kept with the credentials where they
// were saved, and read back afresh by a process built before; credentials from the environment
// have nowhere to keep it.
func TestKeepCredentials(t *testing.T) {
	keyring.MockInit()
	ios, _, _, _ := iostreams.Test()
	env := testEnv(t)
	f, cleanup := NewFactory(t.Context(), "test", env, ios)
	defer cleanup()
	m, err := f.Credentials()
	require.NoError(t, err)
	verified := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	_, err = m.Save(auth.Credential{Provider: vonage.Name, Profile: auth.DefaultProfile, VerifiedAt: verified,
		Values: auth.Values{vonage.CredAPIKey: "abcd1234", vonage.CredAPISecret: "s3cret"}}, auth.SourceKeyring)
	require.NoError(t, err)

	cache := &adapterCache{credentials: f.Credentials, secrets: &secretList{}}
	d := vonage.Descriptor()
	var s providers.Settings
	require.NoError(t, cache.addCredentials(d, auth.DefaultProfile, &s))
	require.NotNil(t, s.KeepCredentials, "saved in the keyring: there is a place to keep it")
	v, err := s.OptionalCredential(vonage.CredApplication)
	require.NoError(t, err)
	assert.Empty(t, v)

	require.NoError(t, s.KeepCredentials(map[string]string{vonage.CredApplication: `{"id":"a","private_key":"k"}`}))
	cred, err := m.Lookup(vonage.Name, auth.DefaultProfile)
	require.NoError(t, err)
	assert.Equal(t, auth.SourceKeyring, cred.Source)
	assert.Equal(t, "s3cret", cred.Values[vonage.CredAPISecret], "the rest kept")
	assert.Equal(t, `{"id":"a","private_key":"k"}`, cred.Values[vonage.CredApplication])
	assert.True(t, cred.VerifiedAt.Equal(verified), "still verified")
	v, err = s.OptionalCredential(vonage.CredApplication)
	require.NoError(t, err)
	assert.Equal(t, `{"id":"a","private_key":"k"}`, v, "read afresh")

	// From the environment: nothing to add the value to.
	envMap := map[string]string{"VONAGE_API_KEY": "abcd1234", "VONAGE_API_SECRET": "s3cret", "VNUM_CONFIG_DIR": env("VNUM_CONFIG_DIR")}
	f2, cleanup2 := NewFactory(t.Context(), "test", func(k string) string { return envMap[k] }, ios)
	defer cleanup2()
	cache2 := &adapterCache{credentials: f2.Credentials, secrets: &secretList{}}
	var s2 providers.Settings
	require.NoError(t, cache2.addCredentials(d, auth.DefaultProfile, &s2))
	assert.Nil(t, s2.KeepCredentials)
}
