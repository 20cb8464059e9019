package expire

import (
	"context"
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
	"github.com/vnum-cli/vnum/providers"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func TestNewCmdExpire(t *testing.T) {
	tests := []struct {
		args             string
		wantDry, wantJSN bool
		wantErr          string
	}{
		{args: ""},
		{args: "--dry-run --json", wantDry: true, wantJSN: true},
		{args: "shop", wantErr: "unexpected argument \"shop\""},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			var got *Options
			cmd := NewCmdExpire(&cmdutil.Factory{IOStreams: ios}, func(o *Options) error { got = o; return nil })
			err := cmdtest.Execute(t, cmd, tt.args)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantDry, got.DryRun)
			assert.Equal(t, tt.wantJSN, got.JSON)
		})
	}
}

var expired = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func num(e164, label string) store.Number {
	return store.Number{Provider: "sandbox", CarrierID: "sb-" + e164[len(e164)-2:], E164: e164, Country: "FR",
		Type: providers.TypeLocal, Label: label, State: providers.StateActive, Managed: true, ExpiresAt: expired}
}

func TestExpireRun(t *testing.T) {
	released := []numbers.ExpireResult{{Number: num("+33199000001", "shop")}, {Number: num("+33199000002", "")}}
	temporary := &providers.Error{Provider: "sandbox", Op: "release", Kind: providers.ErrTemporary, Message: "unavailable"}
	refused := &providers.Error{Provider: "sandbox", Op: "release", Kind: providers.ErrUnauthorized, Message: "refused"}
	tests := []struct {
		name       string
		tty, json  bool
		dry        bool
		results    []numbers.ExpireResult
		wantExit   cmdutil.ExitCode
		wantStderr string
	}{
		{name: "tty", tty: true, results: released},
		{name: "pipe", results: released},
		{name: "json", json: true, results: released},
		{name: "dry run", dry: true, results: released},
		{name: "nothing on a terminal", tty: true, wantStderr: "nothing has expired\n"},
		{name: "nothing on a pipe"},
		{name: "another vnum is on it", results: []numbers.ExpireResult{{Number: num("+33199000001", "shop"),
			ByOther: fmt.Errorf("%w: +33 1 99 00 00 01 is being released by another vnum", numbers.ErrBusy)}},
			wantStderr: "is being released by another vnum"},
		{name: "temporary failure exits 7", results: []numbers.ExpireResult{{Number: num("+33199000001", "shop"), Err: temporary}},
			wantExit: cmdutil.ExitRetryLater, wantStderr: "could not release +33 1 99 00 00 01"},
		{name: "lasting failure exits 1", results: []numbers.ExpireResult{{Number: num("+33199000001", "shop"), Err: temporary},
			{Number: num("+33199000002", ""), Err: refused}}, wantExit: cmdutil.ExitFailure,
			wantStderr: "could not release +33 1 99 00 00 02: sandbox release: refused"},
		{name: "refused credentials exit 4", results: []numbers.ExpireResult{{Number: num("+33199000001", "shop"), Err: refused},
			{Number: num("+33199000002", ""), Err: refused}}, wantExit: cmdutil.ExitAuth,
			wantStderr: "could not release +33 1 99 00 00 02: sandbox release: refused"},
		{name: "carrier text with terminal escapes", results: []numbers.ExpireResult{{Number: num("+33199000001", "shop"),
			Err: &providers.Error{Provider: "sandbox", Op: "release", Kind: providers.ErrUnauthorized, Message: "no\x1b]0;PWNED\x07"}}},
			wantExit: cmdutil.ExitAuth, wantStderr: "could not release +33 1 99 00 00 01: sandbox release: no"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, out, errOut := iostreams.Test()
			ios.SetStdoutTTY(tt.tty)
			ios.SetStderrTTY(tt.tty)
			var askedDry bool
			opts := &Options{
				IO: ios,
				Expire: func(_ context.Context, dryRun bool) ([]numbers.ExpireResult, error) {
					askedDry = dryRun
					return tt.results, nil
				},
				DryRun: tt.dry,
				JSON:   tt.json,
			}
			err := expireRun(t.Context(), opts)
			assert.Equal(t, tt.dry, askedDry)
			assert.Equal(t, tt.wantExit, cmdutil.ExitCodeFor(err))
			assert.NotContains(t, errOut.String(), "\x1b", "a carrier's text reaches the terminal escaped")
			if tt.wantStderr != "" {
				assert.Contains(t, errOut.String(), tt.wantStderr)
			} else {
				assert.Empty(t, errOut.String())
			}
			cmdtest.Golden(t, out.Bytes(), *update)
		})
	}
}
