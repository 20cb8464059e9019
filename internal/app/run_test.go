package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vnum-cli/vnum/internal/cmdutil"
	"github.com/vnum-cli/vnum/internal/iostreams"
)

// A command that fails before it needs the configuration does not read it on its way out: a
// usage mistake is told alone, without warnings about config.yaml.
func TestUsageErrorLeavesConfigUnread(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "config.yaml"), []byte("no_such_setting: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"VNUM_CONFIG_DIR": dir, "VNUM_DATA_DIR": filepath.Join(dir, "data")}
	ios, _, _, errOut := iostreams.Test()
	code := Run(t.Context(), []string{"--no-such-flag"}, func(k string) string { return env[k] }, ios)
	if code != cmdutil.ExitUsage {
		t.Errorf("exit code %d, want %d", code, cmdutil.ExitUsage)
	}
	got := errOut.String()
	if !strings.Contains(got, "unknown flag: --no-such-flag") {
		t.Errorf("stderr = %q, want the flag error", got)
	}
	if strings.Contains(got, "no_such_setting") {
		t.Errorf("stderr = %q: the configuration was read for a failure that never needed it", got)
	}
}
