package auth_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vnum-cli/vnum/internal/keyring/keyringtest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/internal/auth"
)

// TestKeyringManagerSecretService saves, finds and removes a credential in a real Secret Service
// (CI: ../shared/keyring-session.sh with VNUM_TEST_KEYRING=1).
func TestKeyringManagerSecretService(t *testing.T) {
	keyringtest.RequireReal(t)
	if !keyringtest.InChild(t) {
		return
	}
	// A profile of its own: other packages' tests and scripts share the keyring session.
	profile := fmt.Sprintf("it-%d", os.Getpid())
	dir := filepath.Join(t.TempDir(), "config")
	m := auth.NewManager(testRegistry(t), dir, func(string) string { return "" })
	t.Cleanup(func() { _, _ = m.Delete("twilio", profile) })

	require.NoError(t, m.KeyringUsable("twilio", profile))
	c := twilioToken(profile)
	c.VerifiedAt = frozen
	_, err := m.Save(c, auth.SourceKeyring)
	require.NoError(t, err)

	got, err := m.Lookup("twilio", profile)
	require.NoError(t, err)
	assert.Equal(t, auth.SourceKeyring, got.Source)
	assert.Equal(t, c.Values, got.Values)
	assert.True(t, got.Verified())
	profiles, err := m.Profiles("twilio")
	require.NoError(t, err)
	assert.Contains(t, profiles, profile)
	assertNoSecretInDir(t, filepath.Dir(dir), testToken)

	res, err := m.Delete("twilio", profile)
	require.NoError(t, err)
	assert.Equal(t, []auth.Source{auth.SourceKeyring}, res.Removed)
	_, err = m.Lookup("twilio", profile)
	require.ErrorIs(t, err, auth.ErrMissing)
	assert.Empty(t, filesIn(t, filepath.Dir(dir)))
}

// TestKeyringManagerNoSessionBus: with no reachable keyring, saving fails fast, wraps
// ErrKeyringUnavailable and writes nothing.
func TestKeyringManagerNoSessionBus(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	if !keyringtest.InChild(t, "DBUS_SESSION_BUS_ADDRESS=unix:path="+filepath.Join(t.TempDir(), "no-bus")) {
		return
	}
	dir := filepath.Join(t.TempDir(), "config")
	m := auth.NewManager(testRegistry(t), dir, func(string) string { return "" })
	start := time.Now()
	require.ErrorIs(t, m.KeyringUsable("twilio", "default"), auth.ErrKeyringUnavailable)
	_, err := m.Save(twilioToken("default"), auth.SourceKeyring)
	require.ErrorIs(t, err, auth.ErrKeyringUnavailable)
	assert.NotContains(t, err.Error(), testToken)
	assert.Less(t, time.Since(start), 5*time.Second)
	assert.Empty(t, filesIn(t, filepath.Dir(dir)), "no plaintext fallback")
}
