package main

import (
	"flag"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// What the faketwilio, faketelnyx and fakevonage commands share: loading a carrier's OpenAPI
// documents once per test binary, failing a script on the exchanges its fake found against
// them, and parsing a sub-command's flags and numbers.

// carrierDocs are one carrier's OpenAPI documents for the script fakes: loaded once per test
// binary, on the first fake started, and shared read-only by every fake. S is the carrier's
// Specs type.
type carrierDocs[S any] struct {
	cmd     string // the fake's command, e.g. "faketwilio"
	what    string // e.g. "Twilio's OpenAPI documents"
	holding string // what the directory of VNUM_SPECS_DIR holds, e.g. "twilio/*.json"
	env     string // the variable that names the documents' parent directory
	load    func() docsResult[S]

	unvalidated atomic.Int32 // scripts that ran a fake without the documents
}

type docsResult[S any] struct {
	specs  *S       // nil when not found
	looked []string // where they were looked for, when not found
	err    error
}

// newCarrierDocs returns a carrier's documents, found by find (the carrier's FindSpecsDir)
// from the working directory and read by read (its LoadSpecs) when first asked for.
func newCarrierDocs[S any](cmd, what, holding, env string,
	find func(getenv func(string) string, dir string) (string, []string, error), read func(dir string) (*S, error)) *carrierDocs[S] {
	return &carrierDocs[S]{cmd: cmd, what: what, holding: holding, env: env, load: sync.OnceValue(func() (r docsResult[S]) {
		wd, err := os.Getwd()
		if err != nil {
			r.err = err
			return r
		}
		dir, looked, err := find(os.Getenv, wd)
		if dir == "" {
			r.err = err // documents named by VNUM_SPECS_DIR and not there
			r.looked = looked
			return r
		}
		r.specs, r.err = read(dir)
		return r
	})}
}

// forScript returns the documents for a fake a script is starting, or nil, after saying in
// the script's log that it runs unvalidated, when they are not there. Documents that are
// there but do not load fail the script.
func (d *carrierDocs[S]) forScript(ts *testscript.TestScript) *S {
	r := d.load()
	if r.err != nil {
		ts.Fatalf("%s start: loading %s: %v", d.cmd, d.what, r.err)
	}
	if r.specs == nil {
		d.unvalidated.Add(1)
		ts.Logf("%s: %s not found (looked in %s): this script runs UNVALIDATED; set %s",
			d.cmd, d.what, strings.Join(r.looked, ", "), d.env)
	}
	return r.specs
}

// logUnvalidated says, once per test run, how many scripts ran without the documents.
func (d *carrierDocs[S]) logUnvalidated(t *testing.T) {
	if n := d.unvalidated.Load(); n > 0 {
		t.Logf("%d script(s) ran a %s fake WITHOUT OpenAPI validation: %s not found (looked in %s); "+
			"set %s to the directory holding %s",
			n, d.cmd, d.what, strings.Join(d.load().looked, ", "), d.env, d.holding)
	}
}

// docCheck fails a script on the exchanges its fake found against the carrier's documents, each
// once: at the fake's next command (check), or when the script ends (checkAtEnd).
type docCheck struct {
	t        testscript.T
	reported int // problems already reported
}

// check fails the script on the problems reported since the last check.
func (c *docCheck) check(ts *testscript.TestScript, cmd, what string, problems []string) {
	if p := c.unreported(problems); len(p) > 0 {
		ts.Fatalf("%s: exchanges that break %s:\n\t%s", cmd, what, strings.Join(p, "\n\t"))
	}
}

// checkAtEnd arranges for the problems still unreported when the script ends to fail it. Call
// it after deferring the fake's Close, so that it runs before it.
func (c *docCheck) checkAtEnd(ts *testscript.TestScript, cmd, what string, problems func() []string) {
	// ts.Fatalf cannot be used in a deferred function; Errorf marks the script failed without
	// stopping it.
	ts.Defer(func() {
		if p := c.unreported(problems()); len(p) > 0 {
			msg := cmd + ": by the end of the script, exchanges that break " + what + ":\n\t" + strings.Join(p, "\n\t")
			if e, ok := c.t.(interface{ Errorf(string, ...any) }); ok {
				e.Errorf("%s", msg)
			} else {
				c.t.Fatal(msg)
			}
		}
	})
}

// unreported returns the problems not yet reported, and marks them reported.
func (c *docCheck) unreported(problems []string) []string {
	p := problems[c.reported:]
	c.reported = len(problems)
	return p
}

// fakeCmd is one fake command's name and usage, for its error messages.
type fakeCmd struct {
	name, usage string
}

var (
	twilioCmd = fakeCmd{"faketwilio", fakeUsage}
	telnyxCmd = fakeCmd{"faketelnyx", telnyxUsage}
	vonageCmd = fakeCmd{"fakevonage", fakeVonageUsage}
)

// parseFlags parses a sub-command's flags, which may come before, between or after its
// arguments, checks the argument count and returns the arguments.
func (c fakeCmd) parseFlags(ts *testscript.TestScript, sub string, args []string, minArgs, maxArgs int, define func(*flag.FlagSet)) []string {
	fs := flag.NewFlagSet(c.name+" "+sub, flag.ContinueOnError)
	fs.SetOutput(ts.Stderr())
	if define != nil {
		define(fs)
	}
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			ts.Fatalf("%s %s: %v", c.name, sub, err)
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(positional) < minArgs || len(positional) > maxArgs {
		ts.Fatalf("%s %s: wrong number of arguments; usage:\n%s", c.name, sub, c.usage)
	}
	return positional
}

// atoi reads a number argument of a script command.
func atoi(ts *testscript.TestScript, s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		ts.Fatalf("%q is not a number", s)
	}
	return n
}
