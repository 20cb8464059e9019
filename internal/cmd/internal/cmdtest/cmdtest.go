// Package cmdtest holds what the command packages' tests share: running a command's flag
// parsing on a shell-like argument line, and comparing output with a golden file.
package cmdtest

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/shlex"
	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/internal/config"
	"github.com/vnum-cli/vnum/internal/iostreams"
)

// Execute runs cmd with args split as a shell would, an empty stdin and cobra's own output
// discarded, and returns the error ExecuteC gave.
func Execute(t *testing.T, cmd *cobra.Command, args string) error {
	t.Helper()
	argv, err := shlex.Split(args)
	require.NoError(t, err)
	cmd.SetArgs(argv)
	cmd.SetIn(strings.NewReader(""))
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	_, err = cmd.ExecuteC()
	return err
}

// Config is a Factory's Config reading the environment from env alone (a test's VNUM_CONFIG_DIR,
// VNUM_COUNTRY…), never the process's.
func Config(env map[string]string) func() (*config.Config, error) {
	return func() (*config.Config, error) { return config.Load(func(k string) string { return env[k] }) }
}

// Golden compares got with testdata/<test name>.golden, or rewrites that file when update is
// set (each test file declares its own -update flag, see STYLE.md).
func Golden(t *testing.T, got []byte, update bool) {
	t.Helper()
	path := filepath.Join("testdata", filepath.FromSlash(t.Name())+".golden")
	if update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -update to create it")
	assert.Equal(t, string(want), string(got))
}

// spinnerFrame is what the progress spinner writes on a terminal's stderr: each frame (a braille
// glyph and the label, up to the next frame's carriage return), and the clearing of its line
// when it stops.
var spinnerFrame = regexp.MustCompile(`\r\x1b\[K(?:[\x{2800}-\x{28FF}] [^\r]*)?`)

// NoSpinner is stderr without the progress spinner's frames, which depend on timing: what a
// person reads once the spinner is gone. It first stops the spinner, as app.Run does when a
// command ends, so that nothing writes to stderr while it is read.
func NoSpinner(ios *iostreams.IOStreams, stderr *bytes.Buffer) string {
	ios.StopProgress()
	return spinnerFrame.ReplaceAllString(stderr.String(), "")
}
