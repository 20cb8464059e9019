package search

import (
	"context"
	"errors"
	"flag"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/internal/cmd/internal/cmdtest"
	"github.com/vnum-cli/vnum/internal/cmdutil"
	"github.com/vnum-cli/vnum/internal/iostreams"
	"github.com/vnum-cli/vnum/internal/theme"
	"github.com/vnum-cli/vnum/providers"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func TestNewCmdSearch(t *testing.T) {
	tests := []struct {
		name    string
		args    string
		country string // the country setting
		want    providers.Query
		wantErr string
	}{
		{name: "defaults", args: "--country fr", want: providers.Query{Country: "FR", Limit: 20}},
		{name: "every filter", args: "-c GB -t Mobile --sms --voice --contains '79 46' -L 5 --no-paperwork",
			want: providers.Query{Country: "GB", Type: providers.TypeMobile, SMS: true, Voice: true, Contains: "7946", Limit: 5, NoPaperwork: true}},
		{name: "country from the setting", args: "", country: "us", want: providers.Query{Country: "US", Limit: 20}},
		{name: "no country", args: "", wantErr: "--country is required"},
		{name: "unknown country", args: "--country France", wantErr: `unknown country "France"`},
		{name: "bad type", args: "-c FR --type pager", wantErr: `unknown number type "pager"`},
		{name: "letters in contains", args: "-c FR --contains 12a", wantErr: `--contains "12a": use digits only`},
		{name: "empty contains", args: `-c FR --contains ""`, wantErr: "--contains is empty: give a value, or leave the flag out"},
		{name: "limit too big", args: "-c FR -L 500", wantErr: "--limit 500: use a number from 1 to 100"},
		{name: "an argument", args: "FR", wantErr: `unexpected argument "FR"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			env := map[string]string{"VNUM_CONFIG_DIR": dir, "VNUM_DATA_DIR": dir, "VNUM_COUNTRY": tt.country}
			ios, _, _, _ := iostreams.Test()
			f := &cmdutil.Factory{IOStreams: ios,
				Config: cmdtest.Config(env)}
			var got *Options
			cmd := NewCmdSearch(f, func(o *Options) error { got = o; return nil })
			err := cmdtest.Execute(t, cmd, tt.args)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCodeFor(err))
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got.query)
		})
	}
}

func offers() []providers.Available {
	return []providers.Available{
		{Number: "+33199000001", Country: "FR", Type: providers.TypeLocal, Features: providers.Features{Voice: true, SMS: true},
			Monthly: providers.Price{Micros: 1_150_000, Currency: "EUR"}, Locality: "Paris"},
		{Number: "+33639980001", Country: "FR", Type: providers.TypeMobile, Features: providers.Features{Voice: true, SMS: true},
			Monthly: providers.Price{Micros: 2_000_000, Currency: "EUR"}, Paperwork: providers.PaperworkDocuments},
	}
}

func TestSearchRun(t *testing.T) {
	tests := []struct {
		name       string
		tty, json  bool
		offers     []providers.Available
		err        error
		wantStderr string
		wantExit   cmdutil.ExitCode
	}{
		{name: "tty", tty: true, offers: offers()},
		{name: "pipe", offers: offers()},
		{name: "json", json: true, offers: offers()},
		{name: "none", wantStderr: "no numbers for sale in FR match; try fewer filters\n"},
		{name: "none json", json: true},
		{name: "rate limited", err: &providers.Error{Provider: "sandbox", Op: "search", Kind: providers.ErrRateLimited, Message: "slow down"},
			wantExit: cmdutil.ExitRetryLater},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, out, errOut := iostreams.Test()
			ios.SetStdoutTTY(tt.tty)
			var asked providers.Query
			opts := &Options{
				IO:       ios,
				Provider: func() (string, error) { return "sandbox", nil },
				Search: func(_ context.Context, provider string, q providers.Query) ([]providers.Available, error) {
					require.Equal(t, "sandbox", provider)
					asked = q
					return tt.offers, tt.err
				},
				Styles: func() *theme.Styles { return theme.New(out, false, true) },
				JSON:   tt.json,
				query:  providers.Query{Country: "FR", Limit: 20},
			}
			err := searchRun(t.Context(), opts)
			assert.Equal(t, "FR", asked.Country)
			assert.Equal(t, tt.wantExit, cmdutil.ExitCodeFor(err))
			assert.Equal(t, tt.wantStderr, errOut.String())
			if err != nil {
				assert.Empty(t, out.String())
				return
			}
			cmdtest.Golden(t, out.Bytes(), *update)
		})
	}
	t.Run("unknown carrier", func(t *testing.T) {
		ios, _, _, _ := iostreams.Test()
		opts := &Options{IO: ios, Provider: func() (string, error) { return "", cmdutil.FlagErrorf("unknown provider %q", "nope") },
			Search: func(context.Context, string, providers.Query) ([]providers.Available, error) {
				return nil, errors.New("must not be asked")
			}}
		err := searchRun(t.Context(), opts)
		assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCodeFor(err))
	})
}
