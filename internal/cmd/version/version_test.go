package version

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/internal/build"
	"github.com/vnum-cli/vnum/internal/cmd/internal/cmdtest"
	"github.com/vnum-cli/vnum/internal/cmdutil"
	"github.com/vnum-cli/vnum/internal/iostreams"
)

func TestNewCmdVersion(t *testing.T) {
	for _, tt := range []struct {
		args     string
		wantJSON bool
		wantErr  string
	}{
		{args: ""},
		{args: "--json", wantJSON: true},
		{args: "now", wantErr: `unexpected argument "now"`},
	} {
		ios, _, _, _ := iostreams.Test()
		var got *Options
		cmd := NewCmdVersion(&cmdutil.Factory{IOStreams: ios}, func(o *Options) error { got = o; return nil })
		err := cmdtest.Execute(t, cmd, tt.args)
		if tt.wantErr != "" {
			require.ErrorContains(t, err, tt.wantErr)
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, tt.wantJSON, got.JSON)
	}
}

func TestVersionRun(t *testing.T) {
	tests := []struct {
		name string
		info build.Info
		json bool
		want string
	}{
		{name: "release", info: build.Info{Version: "v1.2.3", Commit: "0123456789abcdef0123", Date: "2026-03-01T12:00:00Z"},
			want: "vnum v1.2.3 (0123456789ab, 2026-03-01T12:00:00Z)\n"},
		{name: "go install, no date", info: build.Info{Version: "v1.2.3", Commit: "0123456"}, want: "vnum v1.2.3 (0123456)\n"},
		{name: "dev", info: build.Info{Version: "(devel)"}, want: "vnum (devel)\n"},
		{name: "json", info: build.Info{Version: "v1.2.3", Commit: "0123456789abcdef0123", Date: "2026-03-01T12:00:00Z"}, json: true,
			want: "{\n  \"version\": \"v1.2.3\",\n  \"commit\": \"0123456789abcdef0123\",\n  \"date\": \"2026-03-01T12:00:00Z\",\n" +
				"  \"go\": \"go1.26.8\",\n  \"platform\": \"linux/amd64\"\n}\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, tty := range []bool{true, false} { // the same on a terminal and a pipe
				ios, _, out, errOut := iostreams.Test()
				ios.SetStdoutTTY(tty)
				opts := &Options{IO: ios, Build: func() build.Info { return tt.info }, Go: "go1.26.8", Platform: "linux/amd64", JSON: tt.json}
				require.NoError(t, versionRun(opts))
				assert.Equal(t, tt.want, out.String())
				assert.Empty(t, errOut.String())
			}
		})
	}
}
