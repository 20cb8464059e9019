package call

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
	sb "github.com/vnum-cli/vnum/providers/sandbox"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func TestNewCmdCall(t *testing.T) {
	tests := []struct {
		name         string
		args         string
		country      string // the country setting
		wantFrom     string
		wantNoAnswer bool
		wantJSON     bool
		wantErr      string
	}{
		{name: "a caller", args: "shop --from +33611111111", wantFrom: "+33611111111"},
		{name: "a caller in any notation", args: "shop --from '0033 6 11 11 11 11' --answer", wantFrom: "+33611111111"},
		{name: "a national number in the configured country", args: "shop --from '06 11 11 11 11'", country: "FR",
			wantFrom: "+33611111111"},
		{name: "withheld", args: "shop --from Anonymous --no-answer --json", wantFrom: "", wantNoAnswer: true, wantJSON: true},
		{name: "no REF", args: "--from +33611111111",
			wantErr: "say which number is called: vnum sandbox call REF --from CALLER"},
		{name: "no caller", args: "shop", wantErr: "say who calls: --from NUMBER, or --from anonymous"},
		{name: "not a number", args: "shop --from Google", wantErr: "--from: "},
		{name: "national without a country", args: "shop --from '06 11 11 11 11'", wantErr: "--from: "},
		{name: "answer and no-answer", args: "shop --from +33611111111 --answer --no-answer",
			wantErr: "--answer and --no-answer contradict each other: give one"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			env := map[string]string{"VNUM_CONFIG_DIR": dir, "VNUM_DATA_DIR": dir, "VNUM_COUNTRY": tt.country}
			ios, _, _, _ := iostreams.Test()
			f := &cmdutil.Factory{IOStreams: ios,
				Config: cmdtest.Config(env)}
			var got *Options
			err := cmdtest.Execute(t, NewCmdCall(f, func(o *Options) error { got = o; return nil }), tt.args)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCodeFor(err))
				assert.Nil(t, got, "nothing runs after a refusal")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, "shop", got.Ref)
			assert.Equal(t, tt.wantFrom, got.From)
			assert.Equal(t, tt.wantNoAnswer, got.NoAnswer)
			assert.Equal(t, tt.wantJSON, got.JSON)
		})
	}
}

var at = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// Results the sandbox carrier gives for a call to +33199000001 forwarded to +33612345678.
var (
	blocked = sb.CallResult{Call: providers.Call{ID: "CA1", From: "+33611111111", To: "+33199000001", At: at,
		Outcome: providers.CallBlocked}}
	blockedHeard = sb.CallResult{Call: providers.Call{ID: "CA2", To: "+33199000001", At: at,
		Outcome: providers.CallBlocked}, Heard: "This number is not available."}
	answered = sb.CallResult{Call: providers.Call{ID: "CA3", From: "+33622222222", To: "+33199000001", At: at,
		Duration: time.Minute, Outcome: providers.CallAnswered}, Rang: "+33612345678"}
	voicemail = sb.CallResult{Call: providers.Call{ID: "CA4", From: "+33633333333", To: "+33199000001", At: at,
		Duration: 20*time.Second + sb.VoicemailLength, Outcome: providers.CallVoicemail},
		Heard: "The person you are calling is not available. Please leave a message after the tone.",
		Rang:  "+33612345678", Voicemail: &providers.Voicemail{ID: "RE1", CallID: "CA4"}}
	voicemailAlways = sb.CallResult{Call: providers.Call{ID: "CA5", From: "+33633333333", To: "+33199000001", At: at,
		Duration: sb.VoicemailLength, Outcome: providers.CallVoicemail},
		Heard:     "The person you are calling is not available. Please leave a message after the tone.",
		Voicemail: &providers.Voicemail{ID: "RE2", CallID: "CA5"}}
	missed = sb.CallResult{Call: providers.Call{ID: "CA6", From: "+33633333333", To: "+33199000001", At: at,
		Duration: 30 * time.Second, Outcome: providers.CallMissed}, Rang: "+33612345678"}
	nowhere = sb.CallResult{Call: providers.Call{ID: "CA7", From: "+33633333333", To: "+33199000001", At: at,
		Outcome: providers.CallMissed}}
)

func TestCallRun(t *testing.T) {
	tests := []struct {
		name       string
		tty        bool
		opts       Options
		provider   string // the carrier of the number REF names
		resolveErr error
		res        sb.CallResult
		dialErr    error
		wantRing   sb.Ring
		wantExit   cmdutil.ExitCode
		wantErr    string
	}{
		{name: "blocked tty", tty: true, res: blocked},
		{name: "blocked pipe", res: blocked},
		{name: "blocked withheld hears a message", res: blockedHeard},
		{name: "answered tty", tty: true, res: answered},
		{name: "answered pipe", res: answered},
		{name: "answered json", opts: Options{JSON: true}, res: answered},
		{name: "voicemail after ringing", opts: Options{NoAnswer: true}, wantRing: sb.RingNoAnswer, res: voicemail},
		{name: "voicemail json", opts: Options{NoAnswer: true, JSON: true}, wantRing: sb.RingNoAnswer, res: voicemail},
		{name: "voicemail always", res: voicemailAlways},
		{name: "missed", opts: Options{NoAnswer: true}, wantRing: sb.RingNoAnswer, res: missed},
		{name: "missed, not forwarded", res: nowhere},
		{name: "not a sandbox number exits 2", provider: "twilio", wantExit: cmdutil.ExitUsage,
			wantErr: "+33 1 99 00 00 01 is a twilio number: only sandbox numbers can be called in simulation"},
		{name: "unknown REF exits 5", wantExit: cmdutil.ExitNotFound,
			resolveErr: cmdutil.ResolveError(fmt.Errorf("%w: shop", numbers.ErrNoMatch)), wantErr: "no number matches: shop"},
		{name: "the carrier fails", dialErr: fmt.Errorf("sandbox call: %w", providers.ErrRateLimited),
			wantExit: cmdutil.ExitRetryLater, wantErr: "sandbox call: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, out, errOut := iostreams.Test()
			ios.SetStdoutTTY(tt.tty)
			ios.SetStderrTTY(tt.tty)
			provider := tt.provider
			if provider == "" {
				provider = sb.Name
			}
			dialled := false
			opts := tt.opts
			opts.IO = ios
			opts.Ref, opts.From = "shop", tt.res.Call.From
			opts.Resolve = func(_ context.Context, ref string) (store.Number, error) {
				assert.Equal(t, "shop", ref)
				return store.Number{ID: 1, Provider: provider, CarrierID: "sb-1", E164: "+33199000001"}, tt.resolveErr
			}
			opts.Dial = func(_ context.Context, carrierID, from string, ring sb.Ring) (sb.CallResult, error) {
				dialled = true
				assert.Equal(t, "sb-1", carrierID, "the carrier's id of the number, not the REF")
				assert.Equal(t, opts.From, from)
				assert.Equal(t, tt.wantRing, ring)
				return tt.res, tt.dialErr
			}
			err := callRun(t.Context(), &opts)
			assert.Equal(t, tt.wantExit, cmdutil.ExitCodeFor(err), "error: %v", err)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				assert.Equal(t, tt.resolveErr == nil && tt.provider == "", dialled, "a call is placed only for a sandbox number")
				assert.Empty(t, out.String())
				return
			}
			require.NoError(t, err)
			cmdtest.Golden(t, []byte(out.String()+"--- stderr\n"+cmdtest.NoSpinner(ios, errOut)), *update)
		})
	}
}
