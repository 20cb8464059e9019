package receive

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
	"github.com/vnum-cli/vnum/internal/iostreams"
	"github.com/vnum-cli/vnum/internal/numbers"
	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/internal/theme"
	"github.com/vnum-cli/vnum/providers"
	sb "github.com/vnum-cli/vnum/providers/sandbox"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func TestNewCmdReceive(t *testing.T) {
	tests := []struct {
		name     string
		args     string
		country  string // the country setting
		wantFrom string
		wantText string
		wantErr  string
	}{
		{name: "a name", args: "shop --from Google --text 'G-482913 is your code'", wantFrom: "Google", wantText: "G-482913 is your code"},
		{name: "a national number in the configured country", args: "shop --from '06 12 34 56 78' --text hi", country: "FR",
			wantFrom: "+33612345678", wantText: "hi"},
		{name: "no REF", args: "--from Google --text hi",
			wantErr: "say which number receives it: vnum sandbox receive REF --from SENDER --text TEXT"},
		{name: "no sender", args: "shop --text hi", wantErr: "--from and --text are required"},
		{name: "no text", args: "shop --from Google", wantErr: "--from and --text are required"},
		{name: "blank sender", args: "shop --from ' ' --text hi",
			wantErr: "--from: the sender is empty: give a number, a short code or a name such as Google"},
		{name: "too long", args: "shop --from Google --text " + strings.Repeat("a", sb.MaxSMS+1),
			wantErr: fmt.Sprintf("--text is %d characters long: an SMS (even in several parts) holds at most %d", sb.MaxSMS+1, sb.MaxSMS)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			env := map[string]string{"VNUM_CONFIG_DIR": dir, "VNUM_DATA_DIR": dir, "VNUM_COUNTRY": tt.country}
			ios, _, _, _ := iostreams.Test()
			f := &cmdutil.Factory{IOStreams: ios,
				Config: cmdtest.Config(env)}
			var got *Options
			cmd := NewCmdReceive(f, func(o *Options) error { got = o; return nil })
			err := cmdtest.Execute(t, cmd, tt.args)
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCodeFor(err))
				assert.Nil(t, got, "nothing runs after a refusal")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, "shop", got.Ref)
			assert.Equal(t, tt.wantFrom, got.From)
			assert.Equal(t, tt.wantText, got.Text)
		})
	}
}

func TestReceiveRun(t *testing.T) {
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name        string
		tty, json   bool
		provider    string // the carrier of the number REF names
		resolveErr  error
		pushed      bool
		pushErr     error
		wantDeliver bool
		wantStderr  string
		wantExit    cmdutil.ExitCode
		wantErr     string
	}{
		{name: "tty", tty: true, provider: sb.Name, wantDeliver: true,
			wantStderr: "✓ Delivered an SMS from Google to +33 1 99 00 00 01\n"},
		{name: "pipe", provider: sb.Name, wantDeliver: true},
		{name: "json", json: true, provider: sb.Name, wantDeliver: true},
		{name: "through vnum serve", tty: true, provider: sb.Name, pushed: true, wantDeliver: true,
			wantStderr: "✓ Delivered an SMS from Google to +33 1 99 00 00 01 through vnum serve\n"},
		{name: "serve down warns, the carrier keeps it", provider: sb.Name, wantDeliver: true,
			pushErr: errors.New("vnum serve is not running at 127.0.0.1:8787"),
			wantStderr: "warning: vnum serve is not running at 127.0.0.1:8787; the message waits at the sandbox carrier, " +
				"where sms list and sms wait read it\n"},
		{name: "not a sandbox number exits 2", provider: "twilio", wantExit: cmdutil.ExitUsage,
			wantErr: "+33 1 99 00 00 01 is a twilio number: only sandbox numbers can be sent simulated SMS"},
		{name: "unknown REF exits 5", provider: sb.Name, wantExit: cmdutil.ExitNotFound,
			resolveErr: cmdutil.ResolveError(fmt.Errorf("%w: shop", numbers.ErrNoMatch)), wantErr: "no number matches: shop"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, out, errOut := iostreams.Test()
			ios.SetStdoutTTY(tt.tty)
			ios.SetStderrTTY(tt.tty)
			delivered := false
			opts := &Options{
				IO: ios,
				Resolve: func(_ context.Context, ref string) (store.Number, error) {
					assert.Equal(t, "shop", ref)
					return store.Number{ID: 1, Provider: tt.provider, CarrierID: "sb-1", E164: "+33199000001"}, tt.resolveErr
				},
				Deliver: func(_ context.Context, carrierID, from, text string) (providers.Message, error) {
					delivered = true
					assert.Equal(t, "sb-1", carrierID)
					return providers.Message{ID: "sbm-1", From: from, To: "+33199000001", Text: text, ReceivedAt: at, Inbound: true}, nil
				},
				Push: func(_ context.Context, m providers.Message) (bool, error) {
					assert.Equal(t, "sbm-1", m.ID)
					return tt.pushed, tt.pushErr
				},
				Styles: func() *theme.Styles { return theme.New(out, false, true) },
				Ref:    "shop", From: "Google", Text: "G-482913 is your Google verification code.", JSON: tt.json,
			}
			err := receiveRun(t.Context(), opts)
			assert.Equal(t, tt.wantExit, cmdutil.ExitCodeFor(err), "error: %v", err)
			if tt.wantErr != "" {
				assert.EqualError(t, err, tt.wantErr)
			}
			assert.Equal(t, tt.wantDeliver, delivered)
			assert.Equal(t, tt.wantStderr, cmdtest.NoSpinner(ios, errOut))
			if err != nil {
				assert.Empty(t, out.String())
				return
			}
			cmdtest.Golden(t, out.Bytes(), *update)
		})
	}
}
