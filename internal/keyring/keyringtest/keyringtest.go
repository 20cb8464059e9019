// Package keyringtest helps tests that need the real OS keyring rather than go-keyring's mock.
package keyringtest

import (
	"os"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/require"
)

// RequireReal skips unless a real Secret Service session was set up for the test, as CI does
// with ../shared/keyring-session.sh and VNUM_TEST_KEYRING=1.
func RequireReal(t *testing.T) {
	t.Helper()
	if os.Getenv("VNUM_TEST_KEYRING") != "1" || os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		t.Skip("set VNUM_TEST_KEYRING=1 and run inside keyring-session.sh to use a real keyring")
	}
}

// InChild runs the calling test again in a child process with env added, and reports whether
// the current process is that child. go-keyring keeps its backend in a package variable that
// MockInit (used by other tests) replaces for good, and godbus caches its session bus: only a
// fresh process is sure to talk to the real OS keyring, or to the bus the test chose.
func InChild(t *testing.T, env ...string) bool {
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
