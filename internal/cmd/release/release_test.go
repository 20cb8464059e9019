package release

import (
	"context"
	"flag"
	"fmt"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/internal/cmd/internal/cmdtest"
	"github.com/vnum-cli/vnum/internal/cmdutil"
	"github.com/vnum-cli/vnum/internal/iostreams"
	"github.com/vnum-cli/vnum/internal/numbers"
	"github.com/vnum-cli/vnum/internal/prompter"
	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/internal/theme"
	"github.com/vnum-cli/vnum/providers"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func TestNewCmdRelease(t *testing.T) {
	tests := []struct {
		name    string
		verb    string // release or burn
		args    string
		tty     bool // stdin, stdout and stderr are terminals
		want    Options
		wantErr string
	}{
		{name: "release yes", verb: "release", args: "shop --yes", want: Options{How: store.EndReleased, Ref: "shop", Yes: true}},
		{name: "burn yes json", verb: "burn", args: "'+33 1 99 00 00 01' -y --json",
			want: Options{How: store.EndBurned, Ref: "+33 1 99 00 00 01", Yes: true, JSON: true}},
		{name: "a terminal asks instead", verb: "release", args: "shop", tty: true, want: Options{How: store.EndReleased, Ref: "shop"}},
		{name: "a script must say yes to release", verb: "release", args: "shop",
			wantErr: "--yes required to release when not running interactively"},
		{name: "a script must say yes to burn", verb: "burn", args: "shop",
			wantErr: "--yes required to burn when not running interactively"},
		{name: "no REF", verb: "release", args: "--yes",
			wantErr: "say which number: vnum release REF (a label, the number, or its carrier id)"},
		{name: "no REF to burn", verb: "burn", args: "--yes",
			wantErr: "say which number: vnum burn REF (a label, the number, or its carrier id)"},
		{name: "two REFs", verb: "burn", args: "shop work --yes", wantErr: "too many arguments: work (quote text that contains spaces)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			ios.SetStdinTTY(tt.tty)
			ios.SetStdoutTTY(tt.tty)
			ios.SetStderrTTY(tt.tty)
			f := &cmdutil.Factory{IOStreams: ios}
			var got *Options
			runF := func(o *Options) error { got = o; return nil }
			var cmd *cobra.Command
			if tt.verb == "burn" {
				cmd = NewCmdBurn(f, runF)
			} else {
				cmd = NewCmdRelease(f, runF)
			}
			err := cmdtest.Execute(t, cmd, tt.args)
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCodeFor(err))
				assert.Nil(t, got, "nothing runs after a refusal")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want.How, got.How)
			assert.Equal(t, tt.want.Ref, got.Ref)
			assert.Equal(t, tt.want.Yes, got.Yes)
			assert.Equal(t, tt.want.JSON, got.JSON)
		})
	}
}

var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func shop() store.Number {
	return store.Number{ID: 1, Provider: "sandbox", CarrierID: "sb-1", E164: "+33199000001", Country: "FR",
		Type: providers.TypeLocal, Label: "shop", Monthly: providers.Price{Micros: 1_150_000, Currency: "EUR"},
		State: providers.StateActive, Managed: true, BoughtAt: now.Add(-48 * time.Hour)}
}

func ended(how string) store.HistoryEntry {
	return store.HistoryEntry{ID: 1, Provider: "sandbox", CarrierID: "sb-1", E164: "+33199000001", Country: "FR",
		Type: providers.TypeLocal, Label: "shop", Monthly: providers.Price{Micros: 1_150_000, Currency: "EUR"},
		BoughtAt: now.Add(-48 * time.Hour), EndedAt: now, How: how}
}

func TestReleaseRun(t *testing.T) {
	tests := []struct {
		name         string
		how          string
		tty, prompt  bool
		json, yes    bool
		answer       bool
		answerErr    error
		resolveErr   error
		releaseErr   error
		wantAsked    string
		wantReleased bool
		wantStderr   string
		wantExit     cmdutil.ExitCode
	}{
		{name: "tty", how: store.EndReleased, tty: true, yes: true, wantReleased: true, wantStderr: "✓ Released +33 1 99 00 00 01\n"},
		{name: "pipe", how: store.EndReleased, yes: true, wantReleased: true},
		{name: "json", how: store.EndReleased, yes: true, json: true, wantReleased: true},
		{name: "burn tty", how: store.EndBurned, tty: true, yes: true, wantReleased: true, wantStderr: "✓ Burned +33 1 99 00 00 01\n"},
		{name: "burn json", how: store.EndBurned, yes: true, json: true, wantReleased: true},
		{name: "asks on a terminal", how: store.EndReleased, tty: true, prompt: true, answer: true, wantReleased: true,
			wantAsked:  "Release +33 1 99 00 00 01 (shop)? The carrier may give it to someone else",
			wantStderr: "✓ Released +33 1 99 00 00 01\n"},
		{name: "burn asks its own question", how: store.EndBurned, tty: true, prompt: true, answer: true, wantReleased: true,
			wantAsked:  "Burn +33 1 99 00 00 01 (shop)? It is released and its messages deleted",
			wantStderr: "✓ Burned +33 1 99 00 00 01\n"},
		{name: "no at the prompt exits 3", how: store.EndReleased, tty: true, prompt: true, answer: false,
			wantAsked: "Release +33 1 99 00 00 01 (shop)? The carrier may give it to someone else", wantExit: cmdutil.ExitCancelled},
		{name: "ctrl-d at the prompt exits 3", how: store.EndReleased, tty: true, prompt: true, answerErr: prompter.ErrNoAnswer,
			wantAsked: "Release +33 1 99 00 00 01 (shop)? The carrier may give it to someone else", wantExit: cmdutil.ExitCancelled},
		{name: "unknown REF exits 5", how: store.EndReleased, yes: true,
			resolveErr: cmdutil.ResolveError(fmt.Errorf("%w: no number matches \"shop\"", numbers.ErrNoMatch)), wantExit: cmdutil.ExitNotFound},
		{name: "released by another vnum first exits 5", how: store.EndReleased, yes: true, wantReleased: true,
			releaseErr: fmt.Errorf("%w: +33 1 99 00 00 01 was released by another vnum", numbers.ErrEnded), wantExit: cmdutil.ExitNotFound},
		{name: "carrier busy exits 7", how: store.EndReleased, yes: true, wantReleased: true,
			releaseErr: &providers.Error{Provider: "sandbox", Op: "release", Kind: providers.ErrTemporary, Message: "busy"},
			wantExit:   cmdutil.ExitRetryLater},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, out, errOut := iostreams.Test()
			ios.SetStdoutTTY(tt.tty)
			ios.SetStderrTTY(tt.tty)
			ios.SetStdinTTY(tt.prompt)
			var asked string
			released := false
			opts := &Options{
				IO: ios,
				Resolve: func(_ context.Context, ref string) (store.Number, error) {
					assert.Equal(t, "shop", ref)
					return shop(), tt.resolveErr
				},
				Release: func(_ context.Context, n store.Number, how string) (store.HistoryEntry, error) {
					released = true
					assert.Equal(t, "+33199000001", n.E164)
					assert.Equal(t, tt.how, how)
					if tt.releaseErr != nil {
						return store.HistoryEntry{}, tt.releaseErr
					}
					return ended(how), nil
				},
				Confirm: func(q string, def bool) (bool, error) {
					asked = q
					assert.False(t, def, "releasing is never the default answer")
					return tt.answer, tt.answerErr
				},
				Styles: func() *theme.Styles { return theme.New(out, false, true) },
				How:    tt.how, Ref: "shop", Yes: tt.yes, JSON: tt.json,
			}
			err := releaseRun(t.Context(), opts)
			assert.Equal(t, tt.wantExit, cmdutil.ExitCodeFor(err), "error: %v", err)
			assert.Equal(t, tt.wantAsked, asked)
			assert.Equal(t, tt.wantReleased, released)
			assert.Equal(t, tt.wantStderr, cmdtest.NoSpinner(ios, errOut))
			if err != nil {
				assert.Empty(t, out.String())
				return
			}
			cmdtest.Golden(t, out.Bytes(), *update)
		})
	}
}
