package buy

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/internal/cmd/internal/cmdtest"
	"github.com/vnum-cli/vnum/internal/cmdutil"
	"github.com/vnum-cli/vnum/internal/config"
	"github.com/vnum-cli/vnum/internal/iostreams"
	"github.com/vnum-cli/vnum/providers"
)

func testFactory(t *testing.T, env map[string]string) *cmdutil.Factory {
	t.Helper()
	ios, _, _, _ := iostreams.Test()
	if env == nil {
		env = map[string]string{}
	}
	env["VNUM_CONFIG_DIR"] = t.TempDir()
	env["VNUM_DATA_DIR"] = t.TempDir()
	return &cmdutil.Factory{
		IOStreams: ios,
		Config:    func() (*config.Config, error) { return config.Load(func(k string) string { return env[k] }) },
	}
}

func TestNewCmdBuy(t *testing.T) {
	tests := []struct {
		name    string
		args    string
		env     map[string]string
		wantErr string
		check   func(t *testing.T, o *Options)
	}{
		{name: "country and type", args: "--country fr --type Mobile --label shop --ttl 7d --max-price 2.5",
			check: func(t *testing.T, o *Options) {
				assert.Equal(t, "FR", o.req.Query.Country)
				assert.Equal(t, providers.TypeMobile, o.req.Query.Type)
				assert.Equal(t, "shop", o.req.Label)
				assert.Equal(t, 7*24*time.Hour, o.req.TTL)
				assert.Equal(t, int64(2_500_000), o.req.MaxPrice.Micros)
			}},
		{name: "specific number in any notation", args: "'0033 6 12 34 56 78'",
			check: func(t *testing.T, o *Options) { assert.Equal(t, "+33612345678", o.req.Number) }},
		{name: "national notation with configured country", args: "06 12 34 56 78 --forward-to 0611111111",
			env: map[string]string{"VNUM_COUNTRY": "FR"}, wantErr: "accepts at most 1 arg"},
		{name: "national number with configured country", args: "0612345678 --forward-to 0611111111",
			env: map[string]string{"VNUM_COUNTRY": "FR"},
			check: func(t *testing.T, o *Options) {
				assert.Equal(t, "+33612345678", o.req.Number)
				assert.Equal(t, "+33611111111", o.req.ForwardTo)
			}},
		{name: "defaults from config", args: "", env: map[string]string{"VNUM_COUNTRY": "GB", "VNUM_TTL": "1d", "VNUM_FORWARD_TO": "+447400123111"},
			check: func(t *testing.T, o *Options) {
				assert.Equal(t, "GB", o.req.Query.Country)
				assert.Equal(t, 24*time.Hour, o.req.TTL)
				assert.Equal(t, "+447400123111", o.req.ForwardTo)
			}},
		{name: "a national --forward-to is read in the home country", args: "--country GB --forward-to '06 12 34 56 78'",
			env:   map[string]string{"VNUM_COUNTRY": "FR"},
			check: func(t *testing.T, o *Options) { assert.Equal(t, "+33612345678", o.req.ForwardTo) }},
		{name: "flag beats config", args: "--ttl 2h", env: map[string]string{"VNUM_COUNTRY": "GB", "VNUM_TTL": "1d"},
			check: func(t *testing.T, o *Options) { assert.Equal(t, 2*time.Hour, o.req.TTL) }},
		{name: "nothing to buy", args: "", wantErr: "say what to buy"},
		{name: "unknown country", args: "--country XX", wantErr: `unknown country "XX"`},
		{name: "negative ttl", args: "--country FR --ttl -1d", wantErr: "--ttl"},
		{name: "bad price", args: "--country FR --max-price 1,50", wantErr: "--max-price"},
		{name: "negative price", args: "--country FR --max-price -1", wantErr: "negative"},
		{name: "empty price is not 'no cap'", args: `--country FR --max-price ""`, wantErr: "--max-price is empty"},
		{name: "empty ttl", args: `--country FR --ttl " "`, wantErr: "--ttl is empty"},
		{name: "too long a ttl", args: "--country FR --ttl 3651d", wantErr: "at most 3650d"},
		{name: "number of another country", args: "+447400123456 --country FR", wantErr: "not FR"},
		{name: "forward to itself", args: "+33612345678 --forward-to +33612345678", wantErr: "forward to your own phone"},
		{name: "forward-sms alone", args: "--country FR --forward-sms", wantErr: "--forward-sms needs --forward-to"},
		{name: "label like a number", args: "--country FR --label 0612345678", wantErr: "looks like a phone number"},
		{name: "quiet and json", args: "--country FR -q --json", wantErr: "none of the others"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := testFactory(t, tt.env)
			var got *Options
			cmd := NewCmdBuy(f, func(o *Options) error { got = o; return nil })
			err := cmdtest.Execute(t, cmd, tt.args)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.NotNil(t, got)
			tt.check(t, got)
		})
	}
}
