package list

import (
	"context"
	"errors"
	"flag"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/internal/cmd/internal/cmdtest"
	"github.com/vnum-cli/vnum/internal/cmdutil"
	"github.com/vnum-cli/vnum/internal/iostreams"
	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/internal/theme"
	"github.com/vnum-cli/vnum/providers"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func TestNewCmdList(t *testing.T) {
	tests := []struct {
		args     string
		wantName string
		wantJSON bool
		wantErr  string
		wantExit cmdutil.ExitCode
	}{
		{args: ""},
		{args: "--json", wantJSON: true},
		{args: "signup-us --json", wantName: "signup-us", wantJSON: true},
		{args: "'ci/x'", wantExit: cmdutil.ExitUsage,
			wantErr: `pool name "ci/x": use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit`},
		{args: "a b", wantErr: "accepts at most 1 arg(s), received 2"}, // exit 2 through the root's typeUsageErrors
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			var got *Options
			err := cmdtest.Execute(t, NewCmdList(&cmdutil.Factory{IOStreams: ios}, func(o *Options) error { got = o; return nil }), tt.args)
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				if tt.wantExit != 0 {
					assert.Equal(t, tt.wantExit, cmdutil.ExitCodeFor(err))
				}
				assert.Nil(t, got, "nothing runs after a refusal")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantName, got.Name)
			assert.Equal(t, tt.wantJSON, got.JSON)
		})
	}
}

var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// pools are two pools: ci with a leased number and a free one, signup with a leased one.
func pools() []store.PoolEntry {
	num := func(id int64, e164, label string) store.Number {
		return store.Number{ID: id, Provider: "sandbox", CarrierID: "sb-" + e164, E164: e164, Label: label,
			Country: "FR", Type: providers.TypeMobile}
	}
	return []store.PoolEntry{
		{Pool: "ci", Number: num(1, "+33199000001", ""), Lease: &store.Lease{ID: "lease-0123456789abcdef", NumberID: 1, Pool: "ci",
			Holder:    store.Holder{Host: "runner-7", Job: "github:4242/e2e", PID: 4321},
			StartedAt: now.Add(-3 * time.Minute), ExpiresAt: now.Add(12 * time.Minute)}},
		{Pool: "ci", Number: num(2, "+33199000002", "spare")},
		{Pool: "signup", Number: num(3, "+33199000003", ""), Lease: &store.Lease{ID: "lease-fedcba9876543210", NumberID: 3, Pool: "signup",
			Holder:    store.Holder{Host: "laptop"},
			StartedAt: now.Add(-2 * time.Hour), ExpiresAt: now.Add(time.Hour)}},
	}
}

func TestListRun(t *testing.T) {
	tests := []struct {
		name       string
		tty        bool
		opts       Options
		entries    map[string][]store.PoolEntry // what Pool returns for each name
		err        error
		wantStderr string
		wantExit   cmdutil.ExitCode
		wantErr    string
	}{
		{name: "tty", tty: true, entries: map[string][]store.PoolEntry{"": pools()}, wantStderr: "3 numbers, 1 free\n"},
		{name: "pipe", entries: map[string][]store.PoolEntry{"": pools()}},
		{name: "json", opts: Options{JSON: true}, entries: map[string][]store.PoolEntry{"": pools()}},
		{name: "one pool", opts: Options{Name: "ci"}, entries: map[string][]store.PoolEntry{"ci": pools()[:2]}},
		{name: "no pools tty", tty: true, wantStderr: "no pools yet: vnum lease --pool NAME makes one\n"},
		{name: "no pools pipe"},
		{name: "no pools json", opts: Options{JSON: true}},
		{name: "unknown pool names the others", opts: Options{Name: "ghost"}, entries: map[string][]store.PoolEntry{"": pools()},
			wantExit: cmdutil.ExitNotFound, wantErr: `no pool named "ghost" (pools: ci, signup)`},
		{name: "unknown pool and none yet", opts: Options{Name: "ghost"}, wantExit: cmdutil.ExitNotFound,
			wantErr: `no pool named "ghost": no pool has numbers yet; vnum lease --pool NAME makes one`},
		{name: "store fails", err: errors.New("database is locked"), wantExit: cmdutil.ExitFailure, wantErr: "database is locked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, out, errOut := iostreams.Test()
			ios.SetStdoutTTY(tt.tty)
			ios.SetStderrTTY(tt.tty)
			ios.SetTerminalWidth(160)
			opts := tt.opts
			opts.IO = ios
			opts.Now = func() time.Time { return now }
			opts.Styles = func() *theme.Styles { return theme.New(out, false, true) }
			opts.Pool = func(_ context.Context, name string) ([]store.PoolEntry, error) {
				return tt.entries[name], tt.err
			}
			err := listRun(t.Context(), &opts)
			assert.Equal(t, tt.wantExit, cmdutil.ExitCodeFor(err), "error: %v", err)
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				assert.Empty(t, out.String())
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantStderr, errOut.String())
			cmdtest.Golden(t, out.Bytes(), *update)
		})
	}
}
