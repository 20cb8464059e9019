package lease

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/internal/cmd/internal/cmdtest"
	"github.com/vnum-cli/vnum/internal/cmdutil"
	"github.com/vnum-cli/vnum/internal/config"
	"github.com/vnum-cli/vnum/internal/iostreams"
	"github.com/vnum-cli/vnum/internal/numbers"
	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/providers"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// testFactory is what the flag parsing of the lease verbs reads: the configuration (env: the
// VNUM_* settings) and carriers named sandbox and acme; provider is the --provider flag.
func testFactory(t *testing.T, env map[string]string, provider string) *cmdutil.Factory {
	t.Helper()
	dir := t.TempDir()
	all := map[string]string{"VNUM_CONFIG_DIR": dir, "VNUM_DATA_DIR": dir}
	for k, v := range env {
		all[k] = v
	}
	newP := func(providers.Settings) (providers.Provider, error) { return nil, errors.New("not built in this test") }
	reg, err := providers.NewRegistry(providers.Descriptor{Name: "sandbox", New: newP}, providers.Descriptor{Name: "acme", New: newP})
	require.NoError(t, err)
	ios, _, _, _ := iostreams.Test()
	return &cmdutil.Factory{IOStreams: ios, Registry: reg, ProviderFlag: &provider,
		Config: func() (*config.Config, error) { return config.Load(func(k string) string { return all[k] }) }}
}

func TestNewCmdLease(t *testing.T) {
	fr := providers.Query{Country: "FR", SMS: true}
	tests := []struct {
		name      string
		args      string
		env       map[string]string
		provider  string // --provider
		want      numbers.LeaseRequest
		wantQuiet bool
		wantJSON  bool
		wantErr   string
		cobra     bool // the error is cobra's own, given its exit code by the root command
	}{
		{name: "a pool and a country", args: "--pool ci --country fr",
			want: numbers.LeaseRequest{Pool: "ci", Provider: "sandbox", Query: fr, TTL: DefaultTTL}},
		{name: "the country setting", args: "--pool ci", env: map[string]string{"VNUM_COUNTRY": "FR"},
			want: numbers.LeaseRequest{Pool: "ci", Provider: "sandbox", Query: fr, TTL: DefaultTTL}},
		{name: "every flag", args: "--pool signup.us -c US -t mobile --ttl 1h --max 20 --max-price 2 --wait 2m -q",
			provider: "Acme", wantQuiet: true,
			want: numbers.LeaseRequest{Pool: "signup.us", Provider: "acme", TTL: time.Hour, Max: 20, Wait: 2 * time.Minute,
				MaxPrice: &providers.Price{Micros: 2_000_000}, Query: providers.Query{Country: "US", Type: providers.TypeMobile, SMS: true}}},
		{name: "the provider setting", args: "--pool ci --country FR --json", env: map[string]string{"VNUM_PROVIDER": "acme"}, wantJSON: true,
			want: numbers.LeaseRequest{Pool: "ci", Provider: "acme", Query: fr, TTL: DefaultTTL}},
		{name: "no pool", args: "--country FR", wantErr: "--pool is required: the name of the pool to lease from"},
		{name: "bad pool name", args: "--pool 'a b' --country FR",
			wantErr: `pool name "a b": use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit`},
		{name: "bad ttl", args: "--pool ci --country FR --ttl soon", wantErr: `--ttl: invalid duration "soon"`},
		{name: "zero ttl", args: "--pool ci --country FR --ttl 0", wantErr: "--ttl"},
		{name: "bad wait", args: "--pool ci --country FR --wait forever", wantErr: `--wait: invalid duration "forever"`},
		{name: "negative max", args: "--pool ci --country FR --max -1",
			wantErr: "--max -1: give a number of numbers, 1 or more (0: no limit)"},
		{name: "bad price", args: "--pool ci --country FR --max-price 1,50", wantErr: `--max-price: "1,50" is not an amount like 2.50`},
		{name: "no country", args: "--pool ci",
			wantErr: "--country is required (or set country in config.yaml): the country of the pool's numbers"},
		{name: "unknown country", args: "--pool ci --country XX", wantErr: `unknown country "XX"`},
		{name: "unknown type", args: "--pool ci --country FR --type pager", wantErr: `unknown number type "pager"`},
		{name: "unknown provider", args: "--pool ci --country FR", provider: "nope", wantErr: `unknown provider "nope": use one of `},
		{name: "an argument", args: "ci --country FR", wantErr: "ci"},
		{name: "quiet and json", args: "--pool ci --country FR -q --json", cobra: true,
			wantErr: "if any flags in the group [quiet json] are set none of the others can be; [json quiet] were all set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got *Options
			err := cmdtest.Execute(t, NewCmdLease(testFactory(t, tt.env, tt.provider), func(o *Options) error { got = o; return nil }), tt.args)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				assert.Nil(t, got, "nothing runs after a refusal")
				if !tt.cobra {
					assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCodeFor(err))
				}
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got.Request)
			assert.Equal(t, tt.wantQuiet, got.Quiet)
			assert.Equal(t, tt.wantJSON, got.JSON)
		})
	}
}

var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

var (
	leased = store.Number{ID: 1, Provider: "sandbox", CarrierID: "sb-1", E164: "+33199000001", Label: "", Country: "FR",
		Type: providers.TypeMobile}
	lease = store.Lease{ID: "lease-0123456789abcdef", NumberID: 1, Pool: "ci",
		Holder:    store.Holder{Host: "runner-7", Job: "github:4242/e2e", PID: 4321},
		StartedAt: now, ExpiresAt: now.Add(DefaultTTL)}
)

func TestLeaseRun(t *testing.T) {
	tests := []struct {
		name       string
		tty        bool
		opts       Options
		res        numbers.LeaseResult
		err        error
		wantStderr string
		wantExit   cmdutil.ExitCode
		wantErr    string
	}{
		{name: "tty", tty: true, res: numbers.LeaseResult{Lease: lease, Number: leased}},
		{name: "tty bought", tty: true, res: numbers.LeaseResult{Lease: lease, Number: leased, Bought: true}},
		{name: "pipe", res: numbers.LeaseResult{Lease: lease, Number: leased}},
		{name: "quiet", opts: Options{Quiet: true}, res: numbers.LeaseResult{Lease: lease, Number: leased}},
		{name: "json", opts: Options{JSON: true}, res: numbers.LeaseResult{Lease: lease, Number: leased, Bought: true}},
		{name: "a warning", opts: Options{Quiet: true},
			res:        numbers.LeaseResult{Lease: lease, Number: leased, Warnings: []string{"forwarding of +33 1 99 00 00 01 not set yet"}},
			wantStderr: "warning: forwarding of +33 1 99 00 00 01 not set yet\n"},
		{name: "pool full exits 7", err: fmt.Errorf("%w: pool ci has 2 numbers (--max 2), all leased: try again later, or raise --max", numbers.ErrPoolFull),
			wantExit: cmdutil.ExitRetryLater, wantErr: "pool ci has 2 numbers (--max 2), all leased"},
		{name: "over price exits 8", err: fmt.Errorf("%w: cheapest is 1.15 EUR, more than --max-price 0.01", numbers.ErrOverPrice),
			wantExit: cmdutil.ExitRefused, wantErr: "more than --max-price 0.01"},
		{name: "carrier refuses exits 8", err: fmt.Errorf("sandbox: %w", providers.ErrOutOfStock), wantExit: cmdutil.ExitRefused, wantErr: "sandbox: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, out, errOut := iostreams.Test()
			ios.SetStdoutTTY(tt.tty)
			ios.SetStderrTTY(tt.tty)
			req := numbers.LeaseRequest{Pool: "ci", Provider: "sandbox", TTL: DefaultTTL, Query: providers.Query{Country: "FR", SMS: true}}
			opts := tt.opts
			opts.IO = ios
			opts.Now = func() time.Time { return now }
			opts.Request = req
			opts.Lease = func(_ context.Context, got numbers.LeaseRequest) (numbers.LeaseResult, error) {
				assert.Equal(t, req, got, "the request the flags made")
				return tt.res, tt.err
			}
			err := leaseRun(t.Context(), &opts)
			assert.Equal(t, tt.wantExit, cmdutil.ExitCodeFor(err), "error: %v", err)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				assert.Empty(t, out.String())
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantStderr, cmdtest.NoSpinner(ios, errOut))
			cmdtest.Golden(t, out.Bytes(), *update)
		})
	}
}

func TestCheckPool(t *testing.T) {
	for _, ok := range []string{"ci", "signup-us", "team.e2e_2", "A1"} {
		assert.NoError(t, CheckPool(ok), ok)
	}
	for _, bad := range []string{"", "a b", "-ci", ".hidden", "ci/x", "a\x1b[31m", strings.Repeat("a", 65)} {
		assert.Error(t, CheckPool(bad), "%q", bad)
	}
}
