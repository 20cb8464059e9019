package app

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/internal/cmdutil"
	"github.com/vnum-cli/vnum/internal/iostreams"
	"github.com/vnum-cli/vnum/internal/keyring"
)

func testEnv(t *testing.T) func(string) string {
	dir := t.TempDir()
	env := map[string]string{"VNUM_CONFIG_DIR": dir, "VNUM_DATA_DIR": filepath.Join(dir, "data")}
	return func(k string) string { return env[k] }
}

// The store is opened once for the whole run, whoever asks for it (a command, the lifecycle),
// and cleanup closes it: a second open would be a second writer on the same file.
func TestFactoryOpensTheStoreOnceAndCleanupClosesIt(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	f, cleanup := NewFactory(t.Context(), "test", testEnv(t), ios)
	s1, err := f.Store()
	require.NoError(t, err)
	s2, err := f.Store()
	require.NoError(t, err)
	assert.Same(t, s1, s2, "one store per run")
	_, err = f.NumbersOffline()
	require.NoError(t, err)
	_, err = s1.ListNumbers(t.Context())
	require.NoError(t, err, "open until cleanup")

	cleanup()
	_, err = s1.ListNumbers(t.Context())
	assert.Error(t, err, "cleanup closed the store")
	cleanup() // a second cleanup closes nothing twice
}

// An adapter that cannot be built reaches the command as an error carrying its exit code: no
// credentials is 4 (auth), an unknown carrier 2 (usage), each with its message.
func TestProviderErrorsReachTheCommandWithTheirExitCode(t *testing.T) {
	keyring.MockInit() // an empty keyring, not the machine's
	for _, tc := range []struct {
		name string
		args []string
		code cmdutil.ExitCode
		msg  string
	}{
		{"no credentials", []string{"search", "--provider", "twilio", "--country", "US"}, cmdutil.ExitAuth,
			`no twilio credentials for profile "default"`},
		{"unknown carrier", []string{"search", "--provider", "nosuch", "--country", "US"}, cmdutil.ExitUsage,
			`unknown provider "nosuch"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ios, _, out, errOut := iostreams.Test()
			code := Run(t.Context(), tc.args, testEnv(t), ios)
			assert.Equal(t, tc.code, code)
			assert.Contains(t, errOut.String(), tc.msg)
			assert.Empty(t, out.String())
			assert.Equal(t, 1, strings.Count(errOut.String(), "vnum: "), "told once: %s", errOut)
		})
	}
}
