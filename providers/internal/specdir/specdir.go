// Package specdir finds a carrier's official OpenAPI documents for the fake carriers the tests
// run against. The documents are never copied into the repository: they live in shared/specs
// beside it (or wherever VNUM_SPECS_DIR says), one folder per carrier.
package specdir

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Env names a directory holding one folder of documents per carrier: $VNUM_SPECS_DIR/twilio/….
const Env = "VNUM_SPECS_DIR"

// Find locates the folder of a carrier's documents that holds every one of files:
// $VNUM_SPECS_DIR/<carrier> when the variable is set, else shared/specs/<carrier> (or
// specs/<carrier>) in dir or any folder above it, since the repository is <x>/main and the
// documents <x>/shared/specs. It returns "" and the places it looked when there is none; that
// is an error when VNUM_SPECS_DIR names where they are, since a fake would otherwise run
// unvalidated with only a line in a log, and no test could fail on it.
func Find(getenv func(string) string, dir, carrier string, files []string) (found string, looked []string, err error) {
	has := func(d string) bool {
		for _, f := range files {
			if _, err := os.Stat(filepath.Join(d, f)); err != nil {
				return false
			}
		}
		return true
	}
	if v := getenv(Env); v != "" {
		d := filepath.Join(v, carrier)
		if has(d) {
			return d, nil, nil
		}
		return "", []string{d}, fmt.Errorf("%s is %s, but %s does not hold %s", Env, v, d, strings.Join(files, ", "))
	}
	for d := dir; ; d = filepath.Dir(d) {
		for _, c := range []string{filepath.Join(d, "shared", "specs", carrier), filepath.Join(d, "specs", carrier)} {
			if has(c) {
				return c, nil, nil
			}
			looked = append(looked, c)
		}
		if parent := filepath.Dir(d); parent == d {
			return "", looked, nil
		}
	}
}
