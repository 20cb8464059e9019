package buy

import (
	"context"
	"errors"
	"flag"
	"fmt"
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
		Config:    cmdtest.Config(env),
	}
}

func TestNewCmdBuy(t *testing.T) {
	tests := []struct {
		name    string
		args    string
		env     map[string]string
		wantErr string
		cobra   bool // the error is cobra's own, given its exit code by the root command
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
			env: map[string]string{"VNUM_COUNTRY": "FR"}, wantErr: "accepts at most 1 arg(s), received 5", cobra: true},
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
		{name: "contains, grouped as people write numbers", args: "--country GB --contains '79 46'",
			check: func(t *testing.T, o *Options) { assert.Equal(t, "7946", o.req.Query.Contains) }},
		{name: "letters in contains", args: "--country FR --contains 12a", wantErr: `--contains "12a": use digits only`},
		{name: "empty contains is not 'any number'", args: `--country FR --contains ""`, wantErr: "--contains is empty: give a value, or leave the flag out"},
		{name: "nothing to buy", args: "", wantErr: "say what to buy: --country CC (e.g. --country FR), or a NUMBER from vnum search"},
		{name: "unknown country", args: "--country XX", wantErr: `unknown country "XX": use a two-letter ISO 3166 code such as FR, GB or US`},
		{name: "negative ttl", args: "--country FR --ttl -1d", wantErr: `--ttl: invalid duration "-1d": it must be positive; use a number and a unit, such as 30m, 12h, 7d or 2w`},
		{name: "bad price", args: "--country FR --max-price 1,50", wantErr: `--max-price: "1,50" is not an amount like 2.50`},
		{name: "negative price", args: "--country FR --max-price -1", wantErr: `--max-price "-1": a price cannot be negative`},
		{name: "empty price is not 'no cap'", args: `--country FR --max-price ""`, wantErr: "--max-price is empty: give a value, or leave the flag out"},
		{name: "empty ttl", args: `--country FR --ttl " "`, wantErr: "--ttl is empty: give a value, or leave the flag out"},
		{name: "too long a ttl", args: "--country FR --ttl 3651d", wantErr: "--ttl 3651d is longer than vnum keeps a number (at most 3650d, ten years); leave it out to keep the number until you release it"},
		{name: "number of another country", args: "+447400123456 --country FR", wantErr: "+44 7400 123456 is a United Kingdom number, not FR: drop --country or pick another number"},
		{name: "forward to itself", args: "+33612345678 --forward-to +33612345678", wantErr: "--forward-to is the number being bought: forward to your own phone instead"},
		{name: "forward-sms alone", args: "--country FR --forward-sms", wantErr: "--forward-sms needs --forward-to"},
		{name: "label like a number", args: "--country FR --label 0612345678", wantErr: `--label "0612345678" looks like a phone number: labels must not, so that a REF is never ambiguous`},
		{name: "quiet and json", args: "--country FR -q --json", wantErr: "if any flags in the group [quiet json] are set none of the others can be; [json quiet] were all set", cobra: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := testFactory(t, tt.env)
			var got *Options
			cmd := NewCmdBuy(f, func(o *Options) error { got = o; return nil })
			err := cmdtest.Execute(t, cmd, tt.args)
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				assert.Nil(t, got, "nothing runs after a refusal")
				if !tt.cobra {
					assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCodeFor(err))
				}
				return
			}
			require.NoError(t, err)
			require.NotNil(t, got)
			tt.check(t, got)
		})
	}
}

var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func offer() providers.Available {
	return providers.Available{Number: "+33199000001", Country: "FR", Type: providers.TypeLocal,
		Features: providers.Features{Voice: true, SMS: true}, Monthly: providers.Price{Micros: 1_150_000, Currency: "EUR"}}
}

func bought() store.Number {
	return store.Number{ID: 1, Provider: "sandbox", CarrierID: "sb-1", E164: "+33199000001", Country: "FR",
		Type: providers.TypeLocal, Features: providers.Features{Voice: true, SMS: true}, Label: "shop",
		Forward: providers.Forwarding{Calls: "+33612345678"}, Monthly: providers.Price{Micros: 1_150_000, Currency: "EUR"},
		State: providers.StateActive, Managed: true, BoughtAt: now, ExpiresAt: now.Add(7 * 24 * time.Hour)}
}

func TestBuyRun(t *testing.T) {
	req := numbers.BuyRequest{Query: providers.Query{Country: "FR"}, Label: "shop", ForwardTo: "+33612345678", TTL: 7 * 24 * time.Hour}
	tests := []struct {
		name                 string
		tty, prompt          bool // stdout and stderr are terminals; stdin too
		quiet, json, dry     bool
		yes                  bool
		req                  numbers.BuyRequest // req when zero
		answer               bool               // the answer to "Buy …?"
		result               numbers.BuyResult
		err                  error
		regulatory, fwdSMS   error
		wantAsked            string // the question asked, "" when none
		wantStderr           string
		wantExit             cmdutil.ExitCode
		wantNoBuy, wantNoOut bool
	}{
		{name: "tty", tty: true, result: numbers.BuyResult{Number: bought(), Bought: offer()},
			wantStderr: "✓ Bought +33 1 99 00 00 01 for 1.15 EUR a month\n"},
		{name: "pipe", result: numbers.BuyResult{Number: bought(), Bought: offer()}},
		{name: "json", json: true, result: numbers.BuyResult{Number: bought(), Bought: offer()}},
		{name: "quiet", quiet: true, tty: true, result: numbers.BuyResult{Number: bought(), Bought: offer()}},
		{name: "asks on a terminal", tty: true, prompt: true, answer: true, result: numbers.BuyResult{Number: bought(), Bought: offer()},
			wantAsked:  "Buy +33 1 99 00 00 01 (France, local) on sandbox for 1.15 EUR a month?",
			wantStderr: "✓ Bought +33 1 99 00 00 01 for 1.15 EUR a month\n"},
		{name: "yes does not ask", tty: true, prompt: true, yes: true, result: numbers.BuyResult{Number: bought(), Bought: offer()},
			wantStderr: "✓ Bought +33 1 99 00 00 01 for 1.15 EUR a month\n"},
		{name: "no at the prompt exits 3", tty: true, prompt: true, answer: false,
			wantAsked: "Buy +33 1 99 00 00 01 (France, local) on sandbox for 1.15 EUR a month?",
			wantExit:  cmdutil.ExitCancelled, wantNoOut: true},
		{name: "dry run tty", tty: true, dry: true, wantNoBuy: true},
		{name: "dry run pipe", dry: true, wantNoBuy: true},
		{name: "dry run json", dry: true, json: true, wantNoBuy: true},
		{name: "over the price exits 8", err: fmt.Errorf("%w: +33 1 99 00 00 01 costs 1.15 EUR", numbers.ErrOverPrice),
			wantExit: cmdutil.ExitRefused, wantNoOut: true},
		{name: "label taken exits 2", err: fmt.Errorf("%w: shop", store.ErrLabelTaken), wantExit: cmdutil.ExitUsage, wantNoOut: true},
		{name: "carrier out of stock exits 8", err: &providers.Error{Provider: "sandbox", Op: "buy", Kind: providers.ErrOutOfStock, Message: "none left"},
			wantExit: cmdutil.ExitRefused, wantNoOut: true},
		{name: "bought but not forwarded is success with a warning", tty: true,
			result: numbers.BuyResult{Number: func() store.Number { n := bought(); n.Forward = providers.Forwarding{}; return n }(), Bought: offer(),
				Warnings: []string{"the carrier took 3s to activate it"}},
			err: &providers.Error{Provider: "sandbox", Op: "forward", Kind: providers.ErrTemporary, Message: "busy"},
			wantStderr: "warning: the carrier took 3s to activate it\n" +
				"warning: bought +33 1 99 00 00 01, but sandbox forward: busy: the next vnum command sets the forwarding (or run `vnum list`)\n" +
				"✓ Bought +33 1 99 00 00 01 for 1.15 EUR a month\n"},
		{name: "bought but forwarding refused", result: numbers.BuyResult{Number: bought(), Bought: offer()},
			err:        &providers.Error{Provider: "sandbox", Op: "forward", Kind: providers.ErrUnsupported, Message: "no forwarding to premium numbers"},
			wantStderr: "warning: bought +33 1 99 00 00 01, but sandbox forward: no forwarding to premium numbers: set the forwarding with `vnum forward +33199000001 --to …`\n"},
		{name: "premium forward-to warns", req: numbers.BuyRequest{Query: providers.Query{Country: "FR"}, ForwardTo: "+33899000000"},
			result:     numbers.BuyResult{Number: bought(), Bought: offer()},
			wantStderr: "warning: +33 899 00 00 00 is a premium-rate number: every forwarded call is billed at its rate\n"},
		{name: "bad paperwork ids exit 2", req: numbers.BuyRequest{Query: providers.Query{Country: "FR"}, Regulatory: map[string]string{"bundle": "XX1"}},
			regulatory: errors.New(`bundle "XX1" does not start with BU`), wantExit: cmdutil.ExitUsage, wantNoBuy: true, wantNoOut: true},
		{name: "forward-sms the carrier cannot do exits 2", req: numbers.BuyRequest{Query: providers.Query{Country: "FR"}, ForwardTo: "+33612345678", ForwardSMS: true},
			fwdSMS: cmdutil.FlagErrorf("Sandbox cannot forward SMS by itself"), wantExit: cmdutil.ExitUsage, wantNoBuy: true, wantNoOut: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, out, errOut := iostreams.Test()
			ios.SetStdoutTTY(tt.tty)
			ios.SetStderrTTY(tt.tty)
			ios.SetStdinTTY(tt.prompt)
			r := req
			if tt.req.Query.Country != "" {
				r = tt.req
			}
			var asked string
			var buys, searches int
			var gotReq numbers.BuyRequest
			opts := &Options{
				IO: ios,
				CheckRegulatory: func(provider string, ids map[string]string) error {
					assert.Equal(t, "sandbox", provider)
					return tt.regulatory
				},
				CheckForwardSMS: func(string, string) error { return tt.fwdSMS },
				Candidates: func(_ context.Context, req numbers.BuyRequest) ([]providers.Available, error) {
					searches++
					gotReq = req
					return []providers.Available{offer()}, nil
				},
				Buy: func(_ context.Context, req numbers.BuyRequest) (numbers.BuyResult, error) {
					buys++
					gotReq = req
					if req.Confirm != nil {
						ok, err := req.Confirm(offer())
						if err != nil || !ok {
							return numbers.BuyResult{}, numbers.ErrCancelled
						}
					}
					return tt.result, tt.err
				},
				Confirm: func(q string, def bool) (bool, error) {
					asked = q
					assert.False(t, def, "buying is never the default answer")
					return tt.answer, nil
				},
				Provider: func() (string, error) { return "sandbox", nil },
				Now:      func() time.Time { return now },
				Styles:   func() *theme.Styles { return theme.New(out, false, true) },
				Quiet:    tt.quiet, JSON: tt.json, DryRun: tt.dry, Yes: tt.yes,
				req: r,
			}
			err := buyRun(t.Context(), opts)
			assert.Equal(t, tt.wantExit, cmdutil.ExitCodeFor(err), "error: %v", err)
			assert.Equal(t, tt.wantAsked, asked)
			assert.Equal(t, tt.wantStderr, cmdtest.NoSpinner(ios, errOut))
			if tt.dry {
				assert.Equal(t, 1, searches)
			}
			if tt.wantNoBuy {
				assert.Zero(t, buys, "nothing is bought")
			} else {
				assert.Equal(t, 1, buys)
				assert.Equal(t, "sandbox", gotReq.Provider)
			}
			if tt.wantNoOut {
				assert.Empty(t, out.String())
				return
			}
			cmdtest.Golden(t, out.Bytes(), *update)
		})
	}
}
