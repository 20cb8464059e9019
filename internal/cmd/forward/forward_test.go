package forward

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

func TestNewCmdForward(t *testing.T) {
	tests := []struct {
		name    string
		args    string
		country string // the country setting
		want    Options
		wantErr string
	}{
		{name: "to", args: "shop --to +33612345678", want: Options{Ref: "shop", To: "+33612345678"}},
		{name: "national --to in the configured country", args: "shop --to '06 12 34 56 78'", country: "FR",
			want: Options{Ref: "shop", To: "+33612345678"}},
		{name: "sms too", args: "+33199000001 --to +33612345678 --sms --json",
			want: Options{Ref: "+33199000001", To: "+33612345678", SMS: true, JSON: true}},
		{name: "off", args: "shop --off", want: Options{Ref: "shop", Off: true}},
		{name: "no REF", args: "--off", wantErr: "say which number: vnum forward REF --to NUMBER"},
		{name: "two REFs", args: "shop work --off", wantErr: "too many arguments: work (quote text that contains spaces)"},
		{name: "neither to nor off", args: "shop", wantErr: "say where to forward: --to NUMBER, or --off to stop"},
		{name: "sms without to", args: "shop --sms", wantErr: "say where to forward: --to NUMBER, or --off to stop"},
		{name: "off and to", args: "shop --off --to +33612345678", wantErr: "--off stops forwarding: do not combine it with --to or --sms"},
		{name: "off and sms", args: "shop --off --sms", wantErr: "--off stops forwarding: do not combine it with --to or --sms"},
		{name: "national --to without a country", args: "shop --to 0612345678",
			wantErr: `--to: "0612345678" has no country code: write it in international form, e.g. +33612345678`},
		{name: "not a number", args: "shop --to bob", country: "FR", wantErr: `--to: "bob" is not a phone number: write it in international form, e.g. +33 6 12 34 56 78`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			env := map[string]string{"VNUM_CONFIG_DIR": dir, "VNUM_DATA_DIR": dir, "VNUM_COUNTRY": tt.country}
			ios, _, _, _ := iostreams.Test()
			f := &cmdutil.Factory{IOStreams: ios,
				Config: cmdtest.Config(env)}
			var got *Options
			cmd := NewCmdForward(f, func(o *Options) error { got = o; return nil })
			err := cmdtest.Execute(t, cmd, tt.args)
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCodeFor(err))
				assert.Nil(t, got, "nothing runs after a refusal")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want.Ref, got.Ref)
			assert.Equal(t, tt.want.To, got.To)
			assert.Equal(t, tt.want.SMS, got.SMS)
			assert.Equal(t, tt.want.Off, got.Off)
			assert.Equal(t, tt.want.JSON, got.JSON)
		})
	}
}

var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func shop() store.Number {
	return store.Number{ID: 1, Provider: "sandbox", CarrierID: "sb-1", E164: "+33199000001", Country: "FR",
		Type: providers.TypeLocal, Features: providers.Features{Voice: true, SMS: true}, Label: "shop",
		Monthly: providers.Price{Micros: 1_150_000, Currency: "EUR"}, State: providers.StateActive, Managed: true,
		BoughtAt: now.Add(-48 * time.Hour), ExpiresAt: now.Add(28 * 24 * time.Hour)}
}

func TestForwardRun(t *testing.T) {
	me := "+33612345678"
	tests := []struct {
		name         string
		tty, json    bool
		to           string
		sms, off     bool
		resolveErr   error
		smsRefused   error
		relayed      bool // vnum serve, not the carrier, forwards the SMS
		forwardErr   error
		wantForward  *providers.Forwarding // nil: the carrier is not asked
		wantStderr   string
		wantExit     cmdutil.ExitCode
		wantNoStdout bool
	}{
		{name: "tty", tty: true, to: me, wantForward: &providers.Forwarding{Calls: me},
			wantStderr: "✓ Calls to +33 1 99 00 00 01 now reach +33 6 12 34 56 78\n", wantNoStdout: true},
		{name: "pipe", to: me, wantForward: &providers.Forwarding{Calls: me}},
		{name: "json", to: me, json: true, wantForward: &providers.Forwarding{Calls: me}},
		{name: "sms too", tty: true, to: me, sms: true, wantForward: &providers.Forwarding{Calls: me, SMS: me},
			wantStderr: "✓ Calls and SMS to +33 1 99 00 00 01 now reach +33 6 12 34 56 78\n", wantNoStdout: true},
		{name: "sms relayed by serve", tty: true, to: me, sms: true, relayed: true, wantForward: &providers.Forwarding{Calls: me, SMS: me},
			wantStderr: "✓ Calls to +33 1 99 00 00 01 now reach +33 6 12 34 56 78; vnum serve relays its SMS there (keep it running)\n", wantNoStdout: true},
		{name: "off tty", tty: true, off: true, wantForward: &providers.Forwarding{},
			wantStderr: "✓ Stopped forwarding +33 1 99 00 00 01\n", wantNoStdout: true},
		{name: "off pipe", off: true, wantForward: &providers.Forwarding{}},
		{name: "premium target warns", to: "+33899000000", wantForward: &providers.Forwarding{Calls: "+33899000000"},
			wantStderr: "warning: +33 899 00 00 00 is a premium-rate number: every forwarded call is billed at its rate\n"},
		{name: "to itself exits 2", to: "+33199000001", wantExit: cmdutil.ExitUsage, wantNoStdout: true},
		{name: "sms the carrier cannot forward exits 2", to: me, sms: true,
			smsRefused: cmdutil.FlagErrorf("Sandbox cannot forward SMS by itself"), wantExit: cmdutil.ExitUsage, wantNoStdout: true},
		{name: "unknown REF exits 5", to: me, resolveErr: cmdutil.ResolveError(fmt.Errorf("%w: no number matches \"shop\"", numbers.ErrNoMatch)),
			wantExit: cmdutil.ExitNotFound, wantNoStdout: true},
		{name: "a loop exits 2", to: me, wantForward: &providers.Forwarding{Calls: me},
			forwardErr: fmt.Errorf("%w: +33 6 12 34 56 78 is a vnum number forwarding to +33 1 99 00 00 01", numbers.ErrForwardLoop),
			wantExit:   cmdutil.ExitUsage, wantNoStdout: true},
		{name: "carrier busy exits 7", to: me, wantForward: &providers.Forwarding{Calls: me},
			forwardErr: &providers.Error{Provider: "sandbox", Op: "forward", Kind: providers.ErrTemporary, Message: "busy"},
			wantExit:   cmdutil.ExitRetryLater, wantNoStdout: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, out, errOut := iostreams.Test()
			ios.SetStdoutTTY(tt.tty)
			ios.SetStderrTTY(tt.tty)
			var asked *providers.Forwarding
			opts := &Options{
				IO: ios,
				Resolve: func(_ context.Context, ref string) (store.Number, error) {
					assert.Equal(t, "shop", ref)
					return shop(), tt.resolveErr
				},
				CheckForwardSMS: func(provider, flag string) error {
					assert.Equal(t, "sandbox", provider)
					assert.Equal(t, "--sms", flag)
					return tt.smsRefused
				},
				RelaysSMS: func(provider string) bool { return tt.relayed },
				Forward: func(_ context.Context, n store.Number, fw providers.Forwarding) (store.Number, error) {
					asked = &fw
					n.Forward = fw
					return n, tt.forwardErr
				},
				Now:    func() time.Time { return now },
				Styles: func() *theme.Styles { return theme.New(out, false, true) },
				Ref:    "shop", To: tt.to, SMS: tt.sms, Off: tt.off, JSON: tt.json,
			}
			err := forwardRun(t.Context(), opts)
			assert.Equal(t, tt.wantExit, cmdutil.ExitCodeFor(err), "error: %v", err)
			assert.Equal(t, tt.wantForward, asked)
			assert.Equal(t, tt.wantStderr, cmdtest.NoSpinner(ios, errOut))
			if tt.wantNoStdout {
				assert.Empty(t, out.String())
				return
			}
			cmdtest.Golden(t, out.Bytes(), *update)
		})
	}
}
