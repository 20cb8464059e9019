package send

import (
	"context"
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
)

var update = flag.Bool("update", false, "rewrite the golden files")

func TestNewCmdSend(t *testing.T) {
	long := strings.Repeat("é", 1601)
	tests := []struct {
		name     string
		args     string
		stdin    string
		country  string // the country setting
		wantFrom string
		wantTo   string
		wantText string
		wantErr  string
	}{
		{name: "text", args: "--from shop --to +33612345678 hello", wantFrom: "shop", wantTo: "+33612345678", wantText: "hello"},
		{name: "national --to in the configured country", args: "--from shop --to '06 12 34 56 78' 'hi there'", country: "FR",
			wantFrom: "shop", wantTo: "+33612345678", wantText: "hi there"},
		{name: "text from stdin", args: "--from shop --to +33612345678 -", stdin: "line one\nline two\r\n",
			wantFrom: "shop", wantTo: "+33612345678", wantText: "line one\nline two"},
		{name: "no text", args: "--from shop --to +33612345678", wantErr: "say what to send: vnum sms send --from REF --to NUMBER TEXT"},
		{name: "no from", args: "--to +33612345678 hello", wantErr: "--from is required: the number (or label) to send from"},
		{name: "no to", args: "--from shop hello", wantErr: "--to is required: the number to send to"},
		{name: "blank text", args: "--from shop --to +33612345678 '  '", wantErr: "the message is empty"},
		{name: "empty stdin", args: "--from shop --to +33612345678 -", stdin: "\n", wantErr: "the message is empty"},
		{name: "too long", args: "--from shop --to +33612345678 " + long, wantErr: "the message is 1601 characters long: the limit is 1600"},
		{name: "too long on stdin", args: "--from shop --to +33612345678 -", stdin: long,
			wantErr: "the message is 1601 characters long: the limit is 1600"},
		{name: "far too long on stdin", args: "--from shop --to +33612345678 -", stdin: strings.Repeat("a", 200_000),
			wantErr: "the message is longer than 1600 characters: the limit is 1600"},
		{name: "bad to", args: "--from shop --to bob hello",
			wantErr: `--to: "bob" is not a phone number: write it in international form, e.g. +33 6 12 34 56 78`},
		{name: "unquoted words", args: "--from shop --to +33612345678 hello there",
			wantErr: "too many arguments: there (quote text that contains spaces)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			env := map[string]string{"VNUM_CONFIG_DIR": dir, "VNUM_DATA_DIR": dir, "VNUM_COUNTRY": tt.country}
			ios, stdin, _, _ := iostreams.Test()
			stdin.WriteString(tt.stdin)
			f := &cmdutil.Factory{IOStreams: ios,
				Config: cmdtest.Config(env)}
			var got *Options
			cmd := NewCmdSend(f, func(o *Options) error { got = o; return nil })
			err := cmdtest.Execute(t, cmd, tt.args)
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCodeFor(err))
				assert.Nil(t, got, "nothing runs after a refusal")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantFrom, got.From)
			assert.Equal(t, tt.wantTo, got.To)
			assert.Equal(t, tt.wantText, got.Text)
		})
	}
}

func shop() store.Number {
	return store.Number{ID: 1, Provider: "sandbox", CarrierID: "sb-1", E164: "+33199000001", Country: "FR",
		Type: providers.TypeLocal, Label: "shop", State: providers.StateActive, Managed: true}
}

func TestSendRun(t *testing.T) {
	sent := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		tty, json  bool
		to         string
		id         string // the carrier's id of the sent message
		resolveErr error
		sendErr    error
		wantSent   bool
		wantStderr string
		wantExit   cmdutil.ExitCode
	}{
		{name: "tty", tty: true, to: "+33612345678", id: "SM1", wantSent: true,
			wantStderr: "✓ Sent from +33 1 99 00 00 01 to +33 6 12 34 56 78\n"},
		{name: "pipe prints the carrier id", to: "+33612345678", id: "SM1", wantSent: true},
		{name: "pipe without an id prints nothing", to: "+33612345678", wantSent: true},
		{name: "json", json: true, to: "+33612345678", id: "SM1", wantSent: true},
		{name: "to itself exits 2", to: "+33199000001", wantExit: cmdutil.ExitUsage},
		{name: "unknown REF exits 5", to: "+33612345678",
			resolveErr: cmdutil.ResolveError(fmt.Errorf("%w: no number matches \"shop\"", numbers.ErrNoMatch)), wantExit: cmdutil.ExitNotFound},
		{name: "carrier refuses exits 8", to: "+33612345678", wantSent: true, wantExit: cmdutil.ExitRefused,
			sendErr: &providers.Error{Provider: "sandbox", Op: "send", Kind: providers.ErrUnsupported, Message: "cannot send to premium numbers"}},
		{name: "rate limited exits 7", to: "+33612345678", wantSent: true, wantExit: cmdutil.ExitRetryLater,
			sendErr: &providers.Error{Provider: "sandbox", Op: "send", Kind: providers.ErrRateLimited, Message: "slow down"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, out, errOut := iostreams.Test()
			ios.SetStdoutTTY(tt.tty)
			ios.SetStderrTTY(tt.tty)
			sentOne := false
			opts := &Options{
				IO: ios,
				Resolve: func(_ context.Context, ref string) (store.Number, error) {
					assert.Equal(t, "shop", ref)
					return shop(), tt.resolveErr
				},
				Send: func(_ context.Context, from store.Number, to, text string) (providers.Message, error) {
					sentOne = true
					assert.Equal(t, "+33199000001", from.E164)
					assert.Equal(t, tt.to, to)
					assert.Equal(t, "your code is 123456", text)
					if tt.sendErr != nil {
						return providers.Message{}, tt.sendErr
					}
					return providers.Message{ID: tt.id, From: from.E164, To: to, Text: text, ReceivedAt: sent}, nil
				},
				Styles: func() *theme.Styles { return theme.New(out, false, true) },
				From:   "shop", To: tt.to, Text: "your code is 123456", JSON: tt.json,
			}
			err := sendRun(t.Context(), opts)
			assert.Equal(t, tt.wantExit, cmdutil.ExitCodeFor(err), "error: %v", err)
			assert.Equal(t, tt.wantSent, sentOne)
			assert.Equal(t, tt.wantStderr, cmdtest.NoSpinner(ios, errOut))
			if err != nil {
				assert.Empty(t, out.String())
				return
			}
			cmdtest.Golden(t, out.Bytes(), *update)
		})
	}
}
