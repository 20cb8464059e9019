// Package call implements `vnum sandbox call`: simulate an incoming call to a sandbox number.
package call

import (
	"context"
	"fmt"
	"strings"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/vnum-cli/vnum/internal/cmd/calls"
	"github.com/vnum-cli/vnum/internal/cmdutil"
	"github.com/vnum-cli/vnum/internal/iostreams"
	"github.com/vnum-cli/vnum/internal/phone"
	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/providers"
	sb "github.com/vnum-cli/vnum/providers/sandbox"
)

// Options are the dependencies `vnum sandbox call` uses, then its argument and flags.
type Options struct {
	IO *iostreams.IOStreams
	// Region is the configured country, for a --from number in national notation.
	Region func() string
	// Resolve finds the number a REF names (after finishing any interrupted operation).
	Resolve func(ctx context.Context, ref string) (store.Number, error)
	// Dial places the simulated call at the sandbox carrier.
	Dial func(ctx context.Context, carrierID, from string, ring sb.Ring) (sb.CallResult, error)

	Ref      string
	From     string // E.164, "" for a withheld number
	NoAnswer bool
	JSON     bool
}

// ResultJSON is `vnum sandbox call --json`: the call as `vnum calls --json` shows it, and what
// the caller heard, what rang and the voicemail left.
type ResultJSON struct {
	calls.CallJSON
	Heard       string `json:"heard"`
	Rang        string `json:"rang"`
	VoicemailID string `json:"voicemail_id"`
}

// NewCmdCall builds `vnum sandbox call`. runF, when not nil, replaces callRun (tests).
func NewCmdCall(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{
		IO:      f.IOStreams,
		Region:  f.Region,
		Resolve: f.ResolveRef,
		Dial: func(ctx context.Context, carrierID, from string, ring sb.Ring) (sb.CallResult, error) {
			p, err := f.Provider(sb.Name)
			if err != nil {
				return sb.CallResult{}, err
			}
			s, ok := p.(*sb.Provider)
			if !ok {
				return sb.CallResult{}, fmt.Errorf("sandbox provider has unexpected type %T", p)
			}
			return s.Dial(ctx, carrierID, from, ring)
		},
	}
	var answer bool
	cmd := &cobra.Command{
		Use:   "call REF --from CALLER [--answer | --no-answer]",
		Short: "Simulate an incoming call to a sandbox number",
		Long: heredoc.Doc(`
			Call a sandbox number from CALLER ("anonymous" for a withheld number) and say what
			happened, as the number's forwarding, block list and voicemail setting decide. --answer
			(the default) picks up the forwarded call; --no-answer lets it ring out, so voicemail
			takes it when set. The call appears in vnum calls, a voicemail (a short WAV file) in
			vnum voicemail list.

			--json prints {id, from, to, at, duration_seconds, outcome, heard, rang, voicemail_id}.
		`),
		Example: heredoc.Doc(`
			$ vnum sandbox call shop --from +33611111111 --no-answer
			$ vnum sandbox call shop --from anonymous
		`),
		Args:              cmdutil.ExactArgs(1, "say which number is called: vnum sandbox call REF --from CALLER"),
		ValidArgsFunction: f.CompleteRefs(cmdutil.RefsHeld),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ref = args[0]
			if answer && opts.NoAnswer {
				return cmdutil.FlagErrorf("--answer and --no-answer contradict each other: give one")
			}
			switch {
			case opts.From == "":
				return cmdutil.FlagErrorf("say who calls: --from NUMBER, or --from anonymous")
			case strings.EqualFold(opts.From, "anonymous"):
				opts.From = ""
			default:
				n, err := cmdutil.ParseNumber("--from", opts.From, opts.Region())
				if err != nil {
					return err
				}
				opts.From = n
			}
			if runF != nil {
				return runF(opts)
			}
			return callRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.From, "from", "", "the caller's number, or anonymous")
	cmd.Flags().BoolVar(&answer, "answer", false, "pick up the forwarded call (the default)")
	cmd.Flags().BoolVar(&opts.NoAnswer, "no-answer", false, "let the forwarded call ring out")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the call as JSON")
	return cmd
}

func callRun(ctx context.Context, opts *Options) error {
	n, err := opts.Resolve(ctx, opts.Ref)
	if err != nil {
		return err
	}
	if n.Provider != sb.Name {
		return cmdutil.FlagErrorf("%s is a %s number: only sandbox numbers can be called in simulation", phone.Format(n.E164), n.Provider)
	}
	ring := sb.RingAnswer
	if opts.NoAnswer {
		ring = sb.RingNoAnswer
	}
	res, err := opts.Dial(ctx, n.CarrierID, opts.From, ring)
	if err != nil {
		return err
	}
	if opts.JSON {
		out := ResultJSON{CallJSON: calls.CallJSON{ID: res.Call.ID, From: res.Call.From, To: res.Call.To, At: res.Call.At,
			DurationSeconds: int64(res.Call.Duration.Seconds()), Outcome: string(res.Call.Outcome)},
			Heard: res.Heard, Rang: res.Rang}
		if res.Voicemail != nil {
			out.VoicemailID = res.Voicemail.ID
		}
		return cmdutil.WriteJSON(opts.IO, out)
	}
	fmt.Fprintln(opts.IO.Out, story(res))
	return nil
}

// story tells a simulated call in one line.
func story(res sb.CallResult) string {
	who := calls.CallerText(res.Call.From)
	to := phone.Format(res.Call.To)
	heard := func() string {
		if res.Heard == "" {
			return ""
		}
		return fmt.Sprintf(" heard %q", res.Heard)
	}
	switch res.Call.Outcome {
	case providers.CallBlocked:
		if res.Heard == "" {
			return fmt.Sprintf("Blocked: the call from %s to %s was rejected", who, to)
		}
		return fmt.Sprintf("Blocked: the caller %s%s, then the call to %s ended", who, heard(), to)
	case providers.CallAnswered:
		return fmt.Sprintf("Answered: the call from %s to %s rang %s, which picked up", who, to, phone.Format(res.Rang))
	case providers.CallVoicemail:
		how := "went to voicemail"
		if res.Rang != "" {
			how = fmt.Sprintf("rang %s unanswered for %s", phone.Format(res.Rang), res.Call.Duration-sb.VoicemailLength)
		}
		return fmt.Sprintf("Voicemail: the call from %s to %s %s; the caller%s and left voicemail %s", who, to, how, heard(), res.Voicemail.ID)
	default:
		if res.Rang != "" {
			return fmt.Sprintf("Missed: the call from %s to %s rang %s, nobody answered and voicemail is off", who, to, phone.Format(res.Rang))
		}
		return fmt.Sprintf("Missed: the call from %s to %s went nowhere (not forwarded, no voicemail)", who, to)
	}
}
