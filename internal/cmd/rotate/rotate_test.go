package rotate

import (
	"context"
	"flag"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/internal/cmd/internal/cmdtest"
	"github.com/vnum-cli/vnum/internal/cmdutil"
	"github.com/vnum-cli/vnum/internal/iostreams"
	"github.com/vnum-cli/vnum/internal/numbers"
	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/internal/theme"
	"github.com/vnum-cli/vnum/providers"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestMain pins the local time zone, so that the golden files do not depend on the machine's.
func TestMain(m *testing.M) {
	time.Local = time.UTC
	os.Exit(m.Run())
}

func TestNewCmdRotate(t *testing.T) {
	tests := []struct {
		name    string
		args    string
		tty     bool // stdin, stdout and stderr are terminals
		want    Options
		wantErr string
		cobra   bool // the error is cobra's own, given its exit code by the root command
	}{
		{name: "yes in a script", args: "shop --yes", want: Options{Ref: "shop", Yes: true}},
		{name: "quiet", args: "shop -y -q", want: Options{Ref: "shop", Yes: true, Quiet: true}},
		{name: "dry run needs no yes", args: "shop --dry-run --json", want: Options{Ref: "shop", DryRun: true, JSON: true}},
		{name: "a terminal asks instead", args: "shop", tty: true, want: Options{Ref: "shop"}},
		{name: "a script must say yes", args: "shop", wantErr: "--yes required to rotate when not running interactively"},
		{name: "no REF", args: "--yes", wantErr: "say which number: vnum rotate REF"},
		{name: "two REFs", args: "shop work --yes", wantErr: "too many arguments: work (quote text that contains spaces)"},
		{name: "quiet and json", args: "shop -y -q --json", cobra: true,
			wantErr: "if any flags in the group [quiet json] are set none of the others can be; [json quiet] were all set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			ios.SetStdinTTY(tt.tty)
			ios.SetStdoutTTY(tt.tty)
			ios.SetStderrTTY(tt.tty)
			var got *Options
			cmd := NewCmdRotate(&cmdutil.Factory{IOStreams: ios}, func(o *Options) error { got = o; return nil })
			err := cmdtest.Execute(t, cmd, tt.args)
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				if !tt.cobra {
					assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCodeFor(err))
				}
				assert.Nil(t, got, "nothing runs after a refusal")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want.Ref, got.Ref)
			assert.Equal(t, tt.want.DryRun, got.DryRun)
			assert.Equal(t, tt.want.Yes, got.Yes)
			assert.Equal(t, tt.want.Quiet, got.Quiet)
			assert.Equal(t, tt.want.JSON, got.JSON)
		})
	}
}

var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func shop() store.Number {
	return store.Number{ID: 1, Provider: "sandbox", CarrierID: "sb-1", E164: "+33199000001", Country: "FR",
		Type: providers.TypeLocal, Features: providers.Features{Voice: true, SMS: true}, Label: "shop",
		Forward: providers.Forwarding{Calls: "+33612345678"}, Monthly: providers.Price{Micros: 1_150_000, Currency: "EUR"},
		State: providers.StateActive, Managed: true, BoughtAt: now.Add(-48 * time.Hour), ExpiresAt: now.Add(7 * 24 * time.Hour)}
}

func replacement() providers.Available {
	return providers.Available{Number: "+33199000002", Country: "FR", Type: providers.TypeLocal,
		Features: providers.Features{Voice: true, SMS: true}, Monthly: providers.Price{Micros: 1_150_000, Currency: "EUR"}}
}

// rotated is what the lifecycle answers once the replacement took shop's place; released says
// whether the old number is released too.
func rotated(released bool) numbers.RotateResult {
	n := shop()
	n.ID, n.CarrierID, n.E164, n.BoughtAt = 2, "sb-2", "+33199000002", now
	res := numbers.RotateResult{New: n, Moved: true, Bought: replacement()}
	if released {
		res.Old = store.HistoryEntry{ID: 1, E164: "+33199000001"}
	}
	return res
}

func TestRotateRun(t *testing.T) {
	question := "Replace +33 1 99 00 00 01 with +33 1 99 00 00 02 (1.15 EUR a month) and release +33 1 99 00 00 01?"
	busy := &providers.Error{Provider: "sandbox", Op: "release", Kind: providers.ErrTemporary, Message: "busy"}
	tests := []struct {
		name              string
		tty, prompt       bool
		dry, quiet, json  bool
		yes               bool
		answer            bool
		candidates        []providers.Available
		result            numbers.RotateResult
		err               error
		interrupt         bool // Ctrl-C during the rotate
		wantAsked         string
		wantStderr        string
		wantExit          cmdutil.ExitCode
		wantRotate        bool
		wantNoOut         bool
		wantErrContaining string
	}{
		{name: "tty", tty: true, result: rotated(true), wantRotate: true,
			wantStderr: "✓ Replaced +33 1 99 00 00 01 with +33 1 99 00 00 02\n"},
		{name: "pipe", result: rotated(true), wantRotate: true},
		{name: "json", json: true, result: rotated(true), wantRotate: true},
		{name: "quiet", tty: true, quiet: true, result: rotated(true), wantRotate: true},
		{name: "asks on a terminal", tty: true, prompt: true, answer: true, result: rotated(true), wantRotate: true,
			wantAsked: question, wantStderr: "✓ Replaced +33 1 99 00 00 01 with +33 1 99 00 00 02\n"},
		{name: "yes does not ask", tty: true, prompt: true, yes: true, result: rotated(true), wantRotate: true,
			wantStderr: "✓ Replaced +33 1 99 00 00 01 with +33 1 99 00 00 02\n"},
		{name: "no at the prompt exits 3", tty: true, prompt: true, answer: false, wantRotate: true,
			wantAsked: question, wantExit: cmdutil.ExitCancelled, wantNoOut: true},
		{name: "dry run tty", tty: true, dry: true, candidates: []providers.Available{replacement()}},
		{name: "dry run pipe", dry: true, candidates: []providers.Available{replacement()}},
		{name: "dry run json", dry: true, json: true, candidates: []providers.Available{replacement()}},
		{name: "dry run quiet", dry: true, quiet: true, candidates: []providers.Available{replacement()}},
		{name: "dry run with nothing for sale exits 8", dry: true, wantExit: cmdutil.ExitRefused, wantNoOut: true,
			wantErrContaining: "sandbox rotate: no replacement for sale"},
		{name: "not rotated keeps the old number and fails", wantRotate: true,
			err:      fmt.Errorf("%w: the replacement +33 1 99 00 00 02 was released again: %w", numbers.ErrRotateNotDone, busy),
			wantExit: cmdutil.ExitRetryLater, wantNoOut: true},
		{name: "rotated but old not released yet warns and succeeds", tty: true, wantRotate: true,
			result: func() numbers.RotateResult {
				r := rotated(false)
				r.Warnings = []string{"the carrier took 3s"}
				return r
			}(), err: fmt.Errorf("%w; vnum will finish releasing +33 1 99 00 00 01 on its next run", busy), // as the lifecycle says it
			wantStderr: "warning: the carrier took 3s\n" +
				"warning: rotated to +33 1 99 00 00 02, but +33 1 99 00 00 01 is not released yet: sandbox release: busy; vnum will finish releasing +33 1 99 00 00 01 on its next run\n"},
		{name: "interrupted once moved prints then exits 130", quiet: true, interrupt: true, wantRotate: true,
			result: rotated(false), err: fmt.Errorf("releasing +33 1 99 00 00 01 interrupted (context canceled): %w; the next vnum command finishes it", context.Canceled),
			wantExit:   cmdutil.ExitInterrupted,
			wantStderr: "warning: rotated to +33 1 99 00 00 02, but +33 1 99 00 00 01 is not released yet: releasing +33 1 99 00 00 01 interrupted (context canceled): context canceled; the next vnum command finishes it\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, out, errOut := iostreams.Test()
			ios.SetStdoutTTY(tt.tty)
			ios.SetStderrTTY(tt.tty)
			ios.SetStdinTTY(tt.prompt)
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			var asked string
			var rotations int
			opts := &Options{
				IO: ios,
				Resolve: func(_ context.Context, ref string) (store.Number, error) {
					assert.Equal(t, "shop", ref)
					return shop(), nil
				},
				Candidates: func(_ context.Context, old store.Number) ([]providers.Available, error) {
					assert.Equal(t, "+33199000001", old.E164)
					return tt.candidates, nil
				},
				Rotate: func(_ context.Context, old store.Number, confirm func(providers.Available) (bool, error)) (numbers.RotateResult, error) {
					rotations++
					assert.Equal(t, "+33199000001", old.E164)
					if confirm != nil {
						if ok, err := confirm(replacement()); err != nil || !ok {
							return numbers.RotateResult{}, numbers.ErrCancelled
						}
					}
					if tt.interrupt {
						cancel()
					}
					return tt.result, tt.err
				},
				Confirm: func(q string, def bool) (bool, error) {
					asked = q
					assert.False(t, def, "rotating is never the default answer")
					return tt.answer, nil
				},
				Now:    func() time.Time { return now },
				Styles: func() *theme.Styles { return theme.New(out, false, true) },
				Ref:    "shop", DryRun: tt.dry, Quiet: tt.quiet, JSON: tt.json, Yes: tt.yes,
			}
			err := rotateRun(ctx, opts)
			assert.Equal(t, tt.wantExit, cmdutil.ExitCodeFor(err), "error: %v", err)
			if tt.wantErrContaining != "" {
				assert.ErrorContains(t, err, tt.wantErrContaining)
			}
			assert.Equal(t, tt.wantAsked, asked)
			assert.Equal(t, tt.wantRotate, rotations == 1, "rotations: %d", rotations)
			assert.Equal(t, tt.wantStderr, cmdtest.NoSpinner(ios, errOut))
			if tt.wantNoOut {
				assert.Empty(t, out.String())
				return
			}
			cmdtest.Golden(t, out.Bytes(), *update)
		})
	}
}
