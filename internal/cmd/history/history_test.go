package history

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

func TestNewCmdHistory(t *testing.T) {
	tests := []struct {
		args     string
		wantJSON bool
		wantErr  string
	}{
		{args: ""},
		{args: "--json", wantJSON: true},
		{args: "shop", wantErr: "unexpected argument \"shop\": `vnum history` takes flags only"},
		{args: "--jsn", wantErr: "unknown flag: --jsn"},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			var got *Options
			cmd := NewCmdHistory(&cmdutil.Factory{IOStreams: ios}, func(o *Options) error { got = o; return nil })
			err := cmdtest.Execute(t, cmd, tt.args)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantJSON, got.JSON)
		})
	}
}

var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func entries() []store.HistoryEntry {
	return []store.HistoryEntry{
		{ID: 1, Provider: "sandbox", CarrierID: "sb-1", E164: "+33199000001", Country: "FR", Type: providers.TypeLocal,
			Label: "shop", BoughtAt: now.Add(-30 * 24 * time.Hour), EndedAt: now.Add(-2 * time.Hour), How: store.EndRotated,
			ReplacedBy: "+33199000002"},
		{ID: 2, Provider: "twilio", CarrierID: "PN1", E164: "+12025550100", Country: "US", Type: providers.TypeLocal,
			BoughtAt: now.Add(-3 * 24 * time.Hour), EndedAt: now.Add(-time.Hour), How: store.EndBurned},
	}
}

func TestHistoryRun(t *testing.T) {
	tests := []struct {
		name    string
		tty     bool
		json    bool
		history []store.HistoryEntry
		err     error
		wantErr string
	}{
		{name: "tty", tty: true, history: entries()},
		{name: "pipe", history: entries()},
		{name: "json", json: true, history: entries()},
		{name: "empty tty", tty: true},
		{name: "empty pipe"},
		{name: "empty json", json: true},
		{name: "store error", err: errors.New("store: list history: disk I/O error"), wantErr: "disk I/O error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, out, errOut := iostreams.Test()
			ios.SetStdoutTTY(tt.tty)
			opts := &Options{
				IO: ios,
				History: func(context.Context) ([]store.HistoryEntry, error) {
					return tt.history, tt.err
				},
				Now:    func() time.Time { return now },
				Styles: func() *theme.Styles { return theme.New(out, false, true) },
				JSON:   tt.json,
			}
			err := historyRun(t.Context(), opts)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				assert.Empty(t, out.String())
				return
			}
			require.NoError(t, err)
			assert.Empty(t, errOut.String(), "history talks only on stdout")
			cmdtest.Golden(t, out.Bytes(), *update)
		})
	}
}
