package keyring_test

import (
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/internal/keyring"
)

// inChild runs the calling test again in a child process with env added, and reports whether the
// current process is that child. go-keyring keeps its backend in a package variable that MockInit
// replaces for good, and godbus caches its session bus: only a fresh process is sure to talk to the
// real OS keyring (or to the bus the test chose).
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

// requireRealKeyring skips unless a real Secret Service session was set up for the test, as CI
// does with ../shared/keyring-session.sh and VNUM_TEST_KEYRING=1.
func requireRealKeyring(t *testing.T) {
	t.Helper()
	if os.Getenv("VNUM_TEST_KEYRING") != "1" || os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		t.Skip("set VNUM_TEST_KEYRING=1 and run inside keyring-session.sh to use a real keyring")
	}
}

func TestKeyringSecretService(t *testing.T) {
	requireRealKeyring(t)
	if !inChild(t) {
		return
	}
	k := keyring.New()
	service := "vnum:test-" + t.Name()
	t.Cleanup(func() { _ = k.Delete(service, "default"); _ = k.Delete(service, "work") })

	_, err := k.Get(service, "default")
	require.ErrorIs(t, err, keyring.ErrNotFound, "the real keyring maps not-found")

	start := time.Now()
	require.NoError(t, k.Set(service, "default", testSecret))
	require.NoError(t, k.Set(service, "work", "work-secret"))
	got, err := k.Get(service, "default")
	require.NoError(t, err)
	assert.Equal(t, testSecret, got)

	require.NoError(t, k.Set(service, "default", testSecret+"-2"))
	got, err = k.Get(service, "default")
	require.NoError(t, err)
	assert.Equal(t, testSecret+"-2", got, "set replaces the entry")

	require.NoError(t, k.Delete(service, "default"))
	_, err = k.Get(service, "default")
	require.ErrorIs(t, err, keyring.ErrNotFound)
	require.ErrorIs(t, k.Delete(service, "default"), keyring.ErrNotFound)

	got, err = k.Get(service, "work")
	require.NoError(t, err)
	assert.Equal(t, "work-secret", got)
	assert.Less(t, time.Since(start), 5*time.Second)
}
