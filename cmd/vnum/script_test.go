package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/vnum-cli/vnum/internal/app"
)

// TestMain lets the test binary stand in for the vnum binary inside the scripts: `exec vnum`
// runs the real entry point, exit codes and all.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"vnum": func() { os.Exit(int(app.Main())) },
	})
}

// TestScripts drives whole CLI sessions from testdata/script/*.txtar, on a pipe (no terminal),
// each in a fresh config, data and home directory.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join("..", "..", "testdata", "script"),
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		Setup:               setupScript,
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "keyring":
				return realKeyring(), nil
			}
			return false, nil
		},
	})
}

// realKeyring is true when the tests run inside ../shared/keyring-session.sh with
// VNUM_TEST_KEYRING=1, so a real Secret Service answers on the session bus.
func realKeyring() bool {
	return os.Getenv("VNUM_TEST_KEYRING") == "1" && os.Getenv("DBUS_SESSION_BUS_ADDRESS") != ""
}

func setupScript(e *testscript.Env) error {
	home := filepath.Join(e.WorkDir, "home")
	for _, d := range []string{home, filepath.Join(e.WorkDir, "config"), filepath.Join(e.WorkDir, "data")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return err
		}
	}
	e.Setenv("HOME", home)
	e.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	e.Setenv("XDG_DATA_HOME", filepath.Join(home, ".local", "share"))
	e.Setenv("VNUM_CONFIG_DIR", filepath.Join(e.WorkDir, "config"))
	e.Setenv("VNUM_DATA_DIR", filepath.Join(e.WorkDir, "data"))
	// Only the keyring scripts may reach a Secret Service, and only the private one that
	// keyring-session.sh started; everywhere else the bus is a path where nothing listens, so
	// go-keyring can neither find the developer's keyring nor start a daemon of its own.
	if realKeyring() {
		e.Setenv("DBUS_SESSION_BUS_ADDRESS", os.Getenv("DBUS_SESSION_BUS_ADDRESS"))
	} else {
		e.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+filepath.Join(e.WorkDir, "no-bus"))
	}
	return nil
}
