package adopt

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

func TestNewCmdAdopt(t *testing.T) {
	tests := []struct {
		name      string
		args      string
		wantRef   string
		wantLabel string
		wantTTL   time.Duration
		wantJSON  bool
		wantErr   string
	}{
		{name: "label and ttl", args: "+14155550100 --label office --ttl 30d --json", wantRef: "+14155550100", wantLabel: "office",
			wantTTL: 30 * 24 * time.Hour, wantJSON: true},
		{name: "REF alone", args: "'+1 415 555 0100'", wantRef: "+1 415 555 0100"},
		{name: "empty ttl keeps the expiry", args: `shop --ttl ""`, wantRef: "shop"},
		{name: "no REF", args: "--label office", wantErr: "say which number: vnum adopt REF"},
		{name: "empty label", args: `shop --label " "`, wantErr: "--label is empty: give a label, or leave --label out"},
		{name: "label like a number", args: "shop -l 0612345678",
			wantErr: `--label "0612345678" looks like a phone number: labels must not, so that a REF is never ambiguous`},
		{name: "bad ttl is refused before any carrier is asked", args: "shop --ttl soon",
			wantErr: `--ttl: invalid duration "soon": use a number and a unit, such as 30m, 12h, 7d or 2w`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			var got *Options
			cmd := NewCmdAdopt(&cmdutil.Factory{IOStreams: ios}, func(o *Options) error { got = o; return nil })
			err := cmdtest.Execute(t, cmd, tt.args)
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCodeFor(err))
				assert.Nil(t, got, "nothing runs after a refusal")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantRef, got.Ref)
			assert.Equal(t, tt.wantLabel, got.Label)
			assert.Equal(t, tt.wantTTL, got.ttl)
			assert.Equal(t, tt.wantJSON, got.JSON)
		})
	}
}

var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func office() store.Number {
	return store.Number{ID: 3, Provider: "twilio", CarrierID: "PN0123", E164: "+14155550100", Country: "US",
		Type: providers.TypeLocal, Features: providers.Features{Voice: true, SMS: true},
		Monthly: providers.Price{Micros: 1_150_000, Currency: "USD"}, State: providers.StateActive, BoughtAt: now.Add(-30 * 24 * time.Hour)}
}

func TestAdoptRun(t *testing.T) {
	tests := []struct {
		name       string
		tty, json  bool
		resolveErr error
		adoptErr   error
		wantAdopt  bool
		wantStderr string
		wantExit   cmdutil.ExitCode
	}{
		{name: "tty", tty: true, wantAdopt: true, wantStderr: "✓ vnum manages +1 415-555-0100\n"},
		{name: "pipe", wantAdopt: true},
		{name: "json", json: true, wantAdopt: true},
		{name: "unknown REF exits 5", resolveErr: cmdutil.ResolveError(fmt.Errorf("%w: no number matches \"office\"", numbers.ErrNoMatch)),
			wantExit: cmdutil.ExitNotFound},
		{name: "label taken exits 2", wantAdopt: true, adoptErr: fmt.Errorf("%w: office names +1 415-555-0199", store.ErrLabelTaken),
			wantExit: cmdutil.ExitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, out, errOut := iostreams.Test()
			ios.SetStdoutTTY(tt.tty)
			ios.SetStderrTTY(tt.tty)
			adopted := false
			opts := &Options{
				IO: ios,
				Resolve: func(_ context.Context, ref string) (store.Number, error) {
					assert.Equal(t, "+14155550100", ref)
					return office(), tt.resolveErr
				},
				Adopt: func(_ context.Context, n store.Number, label string, ttl time.Duration) (store.Number, error) {
					adopted = true
					assert.Equal(t, "office", label)
					assert.Equal(t, 30*24*time.Hour, ttl)
					if tt.adoptErr != nil {
						return n, tt.adoptErr
					}
					n.Managed, n.Label, n.ExpiresAt = true, label, now.Add(ttl)
					return n, nil
				},
				Now:    func() time.Time { return now },
				Styles: func() *theme.Styles { return theme.New(out, false, true) },
				Ref:    "+14155550100", Label: "office", TTL: "30d", JSON: tt.json, ttl: 30 * 24 * time.Hour,
			}
			err := adoptRun(t.Context(), opts)
			assert.Equal(t, tt.wantExit, cmdutil.ExitCodeFor(err), "error: %v", err)
			assert.Equal(t, tt.wantAdopt, adopted)
			assert.Equal(t, tt.wantStderr, cmdtest.NoSpinner(ios, errOut))
			if err != nil {
				assert.Empty(t, out.String())
				return
			}
			cmdtest.Golden(t, out.Bytes(), *update)
		})
	}
}
