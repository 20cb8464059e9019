package wait

import (
	"context"
	"errors"
	"flag"
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
	"github.com/vnum-cli/vnum/providers"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestMain pins the local time zone: a terminal shows the time a message came in it.
func TestMain(m *testing.M) {
	time.Local = time.UTC
	os.Exit(m.Run())
}

func TestNewCmdWait(t *testing.T) {
	tests := []struct {
		name        string
		args        string
		country     string // the country setting
		wantTimeout time.Duration
		wantSince   time.Duration
		wantFrom    string
		wantCode    bool
		wantJSON    bool
		wantErr     string
	}{
		{name: "defaults", args: "shop", wantTimeout: 2 * time.Minute, wantSince: 10 * time.Minute},
		{name: "every flag", args: "shop --timeout 5m --since 1h --code --json --from Google",
			wantTimeout: 5 * time.Minute, wantSince: time.Hour, wantFrom: "Google", wantCode: true, wantJSON: true},
		{name: "a national sender in the configured country", args: "shop --from '06 12 34 56 78'", country: "FR",
			wantTimeout: 2 * time.Minute, wantSince: 10 * time.Minute, wantFrom: "+33612345678"},
		{name: "no REF", args: "--code", wantErr: "say which number: vnum sms wait REF"},
		{name: "bad timeout", args: "shop --timeout soon",
			wantErr: `--timeout: invalid duration "soon": use a number and a unit, such as 30m, 12h, 7d or 2w`},
		{name: "bad since", args: "shop --since yesterday",
			wantErr: `--since: invalid duration "yesterday": use a number and a unit, such as 30m, 12h, 7d or 2w`},
		// --from "$SENDER" with SENDER unset waited for any sender's message.
		{name: "empty sender is not any sender", args: `shop --from ""`,
			wantErr: "--from: the sender is empty: give a number, a short code or a name such as Google"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			env := map[string]string{"VNUM_CONFIG_DIR": dir, "VNUM_DATA_DIR": dir, "VNUM_COUNTRY": tt.country}
			ios, _, _, _ := iostreams.Test()
			f := &cmdutil.Factory{IOStreams: ios,
				Config: cmdtest.Config(env)}
			var got *Options
			cmd := NewCmdWait(f, func(o *Options) error { got = o; return nil })
			err := cmdtest.Execute(t, cmd, tt.args)
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCodeFor(err))
				assert.Nil(t, got, "nothing runs after a refusal")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, "shop", got.Ref)
			assert.Equal(t, tt.wantTimeout, got.timeout)
			assert.Equal(t, tt.wantSince, got.since)
			assert.Equal(t, tt.wantFrom, got.From)
			assert.Equal(t, tt.wantCode, got.Code)
			assert.Equal(t, tt.wantJSON, got.JSON)
		})
	}
}

var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func shop() store.Number {
	return store.Number{ID: 1, Provider: "sandbox", CarrierID: "sb-1", E164: "+33199000001", Country: "FR",
		Type: providers.TypeLocal, Label: "shop", State: providers.StateActive, Managed: true}
}

func message(from, text string) store.Message {
	return store.Message{ID: 7, NumberID: 1, Message: providers.Message{ID: "SM7", From: from, To: "+33199000001", Text: text,
		ReceivedAt: now.Add(-30 * time.Second), Inbound: true}}
}

func TestWaitRun(t *testing.T) {
	code := message("Google", "G-123456 is your Google verification code.")
	tests := []struct {
		name       string
		tty, json  bool
		code       bool
		skipped    []store.Message // messages without a code the wait passes over
		result     numbers.WaitResult
		err        error
		wantStderr string
		wantExit   cmdutil.ExitCode
		wantErr    string
	}{
		{name: "tty", tty: true, result: numbers.WaitResult{Message: code},
			wantStderr: "From Google at 11:59:30:\n"},
		{name: "pipe", result: numbers.WaitResult{Message: code}},
		{name: "json", json: true, result: numbers.WaitResult{Message: code}},
		{name: "code", code: true, tty: true, result: numbers.WaitResult{Message: code, Code: "123456"}},
		{name: "code json", code: true, json: true, result: numbers.WaitResult{Message: code, Code: "123456"}},
		{name: "messages without a code are said on stderr", code: true,
			skipped: []store.Message{message("+33612345678", "see you at 8")},
			result:  numbers.WaitResult{Message: code, Code: "123456", Skipped: 1},
			wantStderr: "a message from +33612345678 arrived without a recognisable code: \"see you at 8\"; " +
				"still waiting for one with a code\n"},
		{name: "terminal escapes in a message are neutralised", tty: true,
			result:     numbers.WaitResult{Message: message("Evil\x1b]0;x\x07", "hi\x1b[2Jthere")},
			wantStderr: "From Evil\\x1b]0;x\\a at 11:59:30:\n"},
		{name: "timeout exits 6", err: numbers.ErrWaitTimeout, wantExit: cmdutil.ExitTimeout,
			wantErr: "no message arrived for +33 1 99 00 00 01"},
		{name: "no code in time exits 6 and says where the messages are", code: true, wantExit: cmdutil.ExitTimeout,
			err: &numbers.NoCodeError{Number: "+33 1 99 00 00 01", Count: 2, Last: message("Bank", "hello"), Timeout: 2 * time.Minute},
			wantErr: "no code reached +33 1 99 00 00 01 within 2m0s: 2 messages arrived without a recognisable code " +
				"(the last from Bank: \"hello\"); vnum sms list shop shows what came"},
		{name: "carrier down exits 7", wantExit: cmdutil.ExitRetryLater,
			err: &providers.Error{Provider: "sandbox", Op: "messages", Kind: providers.ErrTemporary, Message: "unavailable"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, out, errOut := iostreams.Test()
			ios.SetStdoutTTY(tt.tty)
			ios.SetStderrTTY(tt.tty)
			opts := &Options{
				IO: ios,
				Resolve: func(_ context.Context, ref string) (store.Number, error) {
					assert.Equal(t, "shop", ref)
					return shop(), nil
				},
				Wait: func(_ context.Context, n store.Number, o numbers.WaitOptions) (numbers.WaitResult, error) {
					assert.Equal(t, "+33199000001", n.E164)
					assert.Equal(t, 2*time.Minute, o.Timeout)
					assert.Equal(t, now.Add(-10*time.Minute), o.NotBefore, "messages from --since before the wait count")
					assert.Equal(t, "Google", o.From)
					assert.Equal(t, tt.code, o.Code)
					for _, m := range tt.skipped {
						o.NoCode(m)
					}
					return tt.result, tt.err
				},
				Now: func() time.Time { return now },
				Ref: "shop", From: "Google", Code: tt.code, JSON: tt.json,
				timeout: 2 * time.Minute, since: 10 * time.Minute,
			}
			err := waitRun(t.Context(), opts)
			assert.Equal(t, tt.wantExit, cmdutil.ExitCodeFor(err), "error: %v", err)
			if tt.wantErr != "" {
				assert.EqualError(t, err, tt.wantErr)
			}
			assert.Equal(t, tt.wantStderr, cmdtest.NoSpinner(ios, errOut))
			if err != nil {
				assert.Empty(t, out.String())
				return
			}
			assert.NotContains(t, out.String(), "\x1b", "a sender's text reaches the terminal escaped")
			cmdtest.Golden(t, out.Bytes(), *update)
		})
	}
}

// failingWriter is an output that cannot be written: a full disk, a closed file.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("no space left on device") }

// A message whose printing failed is given back for the next wait: a script retrying after a
// full disk gets its code instead of a timeout.
func TestWaitRunGivesBackWhatItCouldNotPrint(t *testing.T) {
	for _, json := range []bool{false, true} {
		ios, _, _, _ := iostreams.Test()
		ios.Out = failingWriter{}
		msg := message("Google", "G-123456 is your Google verification code.")
		var given []store.Message
		opts := &Options{
			IO:      ios,
			Resolve: func(context.Context, string) (store.Number, error) { return shop(), nil },
			Wait: func(context.Context, store.Number, numbers.WaitOptions) (numbers.WaitResult, error) {
				return numbers.WaitResult{Message: msg, Code: "123456"}, nil
			},
			Unclaim: func(_ context.Context, m store.Message) error { given = append(given, m); return nil },
			Now:     func() time.Time { return now },
			Ref:     "shop", Code: true, JSON: json, timeout: time.Minute,
		}
		err := waitRun(t.Context(), opts)
		require.ErrorContains(t, err, "no space left on device; the message stays for the next sms wait")
		assert.Equal(t, cmdutil.ExitFailure, cmdutil.ExitCodeFor(err))
		assert.Equal(t, []store.Message{msg}, given, "json=%v", json)
	}
}
