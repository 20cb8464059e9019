package auth_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/internal/auth"
)

// inChild runs the calling test again in a child process with env added, and reports whether the
// current process is that child. go-keyring keeps its backend in a package variable that MockInit
// (used by the other tests) replaces for good, and godbus caches its session bus: only a fresh
// process is sure to talk to the real OS keyring, or to the bus the test chose.
func inChild(t *testing.T, env ...string) bool {
	t.Helper()
	if os.Getenv("VNUM_KEYRING_CHILD") == t.Name() {
		return true
	}
	exe, err := os.Executable()
	require.NoError(t, err)
	cmd := exec.CommandContext(t.Context(), exe, "-test.run=^"+t.Name()+"$", "-test.count=1", "-test.v")
	cmd.Env = append(append(os.Environ(), "VNUM_KEYRING_CHILD="+t.Name()), env...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "child: %s", out)
	require.Contains(t, string(out), "--- PASS: "+t.Name(), "the child ran the test")
	return false
}

// TestKeyringManagerSecretService saves, finds and removes a credential in a real Secret Service
// (CI: ../shared/keyring-session.sh with VNUM_TEST_KEYRING=1).
func TestKeyringManagerSecretService(t *testing.T) {
	if os.Getenv("VNUM_TEST_KEYRING") != "1" || os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		t.Skip("set VNUM_TEST_KEYRING=1 and run inside keyring-session.sh to use a real keyring")
	}
	if !inChild(t) {
		return
	}
	// A profile of its own: other packages' tests and scripts share the keyring session.
	profile := fmt.Sprintf("it-%d", os.Getpid())
	dir := filepath.Join(t.TempDir(), "config")
	m := auth.NewManager(dir, func(string) string { return "" })
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
	if !inChild(t, "DBUS_SESSION_BUS_ADDRESS=unix:path="+filepath.Join(t.TempDir(), "no-bus")) {
		return
	}
	dir := filepath.Join(t.TempDir(), "config")
	m := auth.NewManager(dir, func(string) string { return "" })
	start := time.Now()
	require.ErrorIs(t, m.KeyringUsable("twilio", "default"), auth.ErrKeyringUnavailable)
	_, err := m.Save(twilioToken("default"), auth.SourceKeyring)
	require.ErrorIs(t, err, auth.ErrKeyringUnavailable)
	assert.NotContains(t, err.Error(), testToken)
	assert.Less(t, time.Since(start), 5*time.Second)
	assert.Empty(t, filesIn(t, filepath.Dir(dir)), "no plaintext fallback")
}
