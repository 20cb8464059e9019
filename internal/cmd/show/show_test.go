package show

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

// TestMain pins the local time zone: a terminal shows absolute times in it, and the golden
// files must not depend on the machine's.
func TestMain(m *testing.M) {
	time.Local = time.UTC
	os.Exit(m.Run())
}

func TestNewCmdShow(t *testing.T) {
	tests := []struct {
		args     string
		wantRef  string
		wantJSON bool
		wantErr  string
	}{
		{args: "shop", wantRef: "shop"},
		{args: "'+33 6 12 34 56 78' --json", wantRef: "+33 6 12 34 56 78", wantJSON: true},
		{args: "", wantErr: "say which number: vnum show REF"},
		{args: "shop extra", wantErr: "too many arguments: extra"},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			var got *Options
			cmd := NewCmdShow(&cmdutil.Factory{IOStreams: ios}, func(o *Options) error { got = o; return nil })
			err := cmdtest.Execute(t, cmd, tt.args)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCodeFor(err))
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantRef, got.Ref)
			assert.Equal(t, tt.wantJSON, got.JSON)
		})
	}
}

var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func shop() store.Number {
	return store.Number{ID: 1, Provider: "sandbox", CarrierID: "sb-1", E164: "+33199000001", Country: "FR",
		Type: providers.TypeLocal, Features: providers.Features{Voice: true, SMS: true}, Label: "shop",
		Forward: providers.Forwarding{Calls: "+33612345678"}, Monthly: providers.Price{Micros: 1_150_000, Currency: "EUR"},
		State: providers.StateActive, Managed: true, BoughtAt: now.Add(-48 * time.Hour), ExpiresAt: now.Add(28 * 24 * time.Hour)}
}

func TestShowRun(t *testing.T) {
	tests := []struct {
		name     string
		tty      bool
		json     bool
		number   store.Number
		err      error
		wantErr  string
		wantExit cmdutil.ExitCode
	}{
		{name: "tty", tty: true, number: shop()},
		{name: "pipe", number: shop()},
		{name: "json", json: true, number: shop()},
		{name: "unmanaged, never expires, no price", tty: true, number: store.Number{ID: 2, Provider: "twilio",
			CarrierID: "PN0123", E164: "+12025550100", Country: "US", Type: providers.TypeLocal, State: providers.StateActive,
			BoughtAt: now.Add(-time.Hour)}},
		{name: "no match", err: cmdutil.ResolveError(fmt.Errorf("%w: no number matches \"nope\"", numbers.ErrNoMatch)),
			wantErr: "no number matches", wantExit: cmdutil.ExitNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, out, errOut := iostreams.Test()
			ios.SetStdoutTTY(tt.tty)
			var asked string
			opts := &Options{
				IO: ios,
				Resolve: func(_ context.Context, ref string) (store.Number, error) {
					asked = ref
					return tt.number, tt.err
				},
				Now:    func() time.Time { return now },
				Styles: func() *theme.Styles { return theme.New(out, false, true) },
				Ref:    "shop",
				JSON:   tt.json,
			}
			err := showRun(t.Context(), opts)
			assert.Equal(t, "shop", asked)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				assert.Equal(t, tt.wantExit, cmdutil.ExitCodeFor(err))
				assert.Empty(t, out.String())
				return
			}
			require.NoError(t, err)
			assert.Empty(t, errOut.String())
			cmdtest.Golden(t, out.Bytes(), *update)
		})
	}
}
