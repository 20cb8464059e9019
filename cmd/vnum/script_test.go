package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/vnum-cli/vnum/internal/app"
	"github.com/vnum-cli/vnum/internal/pgtest"
)

// TestMain lets the test binary stand in for the vnum binary inside the scripts: `exec vnum`
// runs the real entry point, exit codes and all.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"vnum":          func() { os.Exit(int(app.Main())) },
		"webhook-flood": func() { os.Exit(floodMain()) },
	})
}

// TestScripts drives whole CLI sessions from testdata/script/*.txtar, on a pipe (no terminal),
// each in a fresh config, data and home directory. The twilio_*.txtar, telnyx_*.txtar and
// vonage_*.txtar sessions run against in-process fake accounts started by the faketwilio,
// faketelnyx and fakevonage commands.
func TestScripts(t *testing.T) {
	t.Cleanup(pgtest.Stop)
	t.Cleanup(func() {
		twilioDocs.logUnvalidated(t)
		telnyxDocs.logUnvalidated(t)
		vonageDocs.logUnvalidated(t)
	})
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join("..", "..", "testdata", "script"),
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		Setup:               setupScript,
		Cmds: map[string]func(*testscript.TestScript, bool, []string){
			"faketwilio": cmdFakeTwilio,
			"faketelnyx": cmdFakeTelnyx,
			"fakevonage": cmdFakeVonage,
			"fakeproxy":  cmdFakeProxy,
			"webhook":    cmdWebhook,
			"freeport":   cmdFreeport,
			"pgstore":    cmdPGStore,
			"relays":     cmdRelays,
		},
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "keyring":
				return realKeyring(), nil
			case "netns":
				return netnsAvailable(), nil
			case "postgres":
				// A script that needs PostgreSQL runs in CI, never skips there.
				err := pgtest.Available()
				if err != nil && os.Getenv("CI") == "true" {
					return false, fmt.Errorf("PostgreSQL test server: %w", err)
				}
				return err == nil, nil
			}
			return false, nil
		},
	})
}

// cmdPGStore points the script's vnum at a new database on the test PostgreSQL server
// (VNUM_STORE, without a password: the server trusts loopback); scripts check [postgres] first.
func cmdPGStore(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: pgstore")
	}
	u, err := pgtest.Database()
	ts.Check(err)
	ts.Setenv("VNUM_STORE", u)
}

// realKeyring is true when the tests run inside ../shared/keyring-session.sh with
// VNUM_TEST_KEYRING=1, so a real Secret Service answers on the session bus.
func realKeyring() bool {
	return os.Getenv("VNUM_TEST_KEYRING") == "1" && os.Getenv("DBUS_SESSION_BUS_ADDRESS") != ""
}

// keyringScripts are the sessions that use a real Secret Service when one is there (they skip
// themselves otherwise, with [!keyring]).
var keyringScripts = map[string]bool{"auth_keyring": true}

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
	// go-keyring can neither find the developer's keyring nor start a daemon of its own, and no
	// script finds credentials another script saved there.
	if realKeyring() && keyringScripts[strings.TrimPrefix(filepath.Base(e.WorkDir), "script-")] {
		e.Setenv("DBUS_SESSION_BUS_ADDRESS", os.Getenv("DBUS_SESSION_BUS_ADDRESS"))
	} else {
		e.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+filepath.Join(e.WorkDir, "no-bus"))
	}
	// Under -race every `exec vnum` would sleep a second on exit (GORACE's atexit_sleep_ms
	// defaults to 1000) for race reports from goroutines still running: vnum's have finished by
	// then, and those seconds were most of this test's time. A GORACE of the caller's is kept.
	if gorace := os.Getenv("GORACE"); !strings.Contains(gorace, "atexit_sleep_ms") {
		e.Setenv("GORACE", strings.TrimSpace(gorace+" atexit_sleep_ms=10"))
	}
	e.Values[fakeKey{}] = &fakeSession{docCheck: docCheck{t: e.T()}}
	e.Values[telnyxKey{}] = &telnyxSession{docCheck: docCheck{t: e.T()}}
	e.Values[vonageKey{}] = &vonageSession{docCheck: docCheck{t: e.T()}}
	e.Values[proxyKey{}] = &proxySession{}
	return nil
}

// ---- a fake Twilio account for the scripts ----
