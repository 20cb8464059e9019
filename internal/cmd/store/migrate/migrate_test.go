package migrate

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/internal/cmd/internal/cmdtest"
	"github.com/vnum-cli/vnum/internal/cmdutil"
	"github.com/vnum-cli/vnum/internal/iostreams"
	"github.com/vnum-cli/vnum/internal/store"
)

func TestNewCmdMigrate(t *testing.T) {
	tests := []struct {
		args           string
		wantFrom, want string
		wantJSON       bool
		wantErr        string
	}{
		{args: ""},
		{args: "--from a.db --to postgres://x@h/db --json", wantFrom: "a.db", want: "postgres://x@h/db", wantJSON: true},
		{args: "now", wantErr: "unexpected argument \"now\""},
		{args: "--form a.db", wantErr: "unknown flag: --form"},
		{args: "--to mysql://u:secret@h/db", wantErr: "--to: mysql://u:xxxxx@h/db is neither a postgres:// URL nor a file"},
		{args: "--from sqlite:///tmp/a.db", wantErr: "--from: sqlite:///tmp/a.db is neither a postgres:// URL nor a file"},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			var got *Options
			cmd := NewCmdMigrate(&cmdutil.Factory{IOStreams: ios}, func(o *Options) error { got = o; return nil })
			err := cmdtest.Execute(t, cmd, tt.args)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantFrom, got.From)
			assert.Equal(t, tt.want, got.To)
			assert.Equal(t, tt.wantJSON, got.JSON)
		})
	}
}

// Refusals that need no database: each names what to do, and opens nothing.
func TestMigrateRunRefuses(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "vnum.db")
	tests := []struct {
		name, from, to, configured string
		wantErr                    string
		usage                      bool
	}{
		{name: "no destination", wantErr: "--to required: no store is configured (set store in config.yaml or VNUM_STORE to a postgres:// URL, or name a file)", usage: true},
		{name: "same URL", from: "postgres://a:pw@h/db", to: "postgres://a:pw@h/db", wantErr: "--from and --to name the same store (postgres://a:xxxxx@h/db)", usage: true},
		{name: "no source file", configured: "postgres://h/db", wantErr: "no store at " + file + ": nothing to copy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			opened := 0
			opts := &Options{IO: ios, From: tt.from, To: tt.to,
				Locations: func() (string, string, error) { return file, tt.configured, nil },
				Open:      func(string) (*store.Store, error) { opened++; return nil, nil }}
			err := migrateRun(t.Context(), opts)
			require.Error(t, err)
			assert.Equal(t, tt.wantErr, err.Error())
			assert.NotContains(t, err.Error(), "pw@")
			assert.Equal(t, tt.usage, cmdutil.ExitCodeFor(err) == cmdutil.ExitUsage, "exit code %d", cmdutil.ExitCodeFor(err))
			assert.Zero(t, opened)
		})
	}
}
