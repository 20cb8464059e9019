// Package forward implements `vnum forward`.
package forward

import (
	"context"
	"errors"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/vnum-cli/vnum/internal/cmdutil"
	"github.com/vnum-cli/vnum/internal/iostreams"
	"github.com/vnum-cli/vnum/internal/numbers"
	"github.com/vnum-cli/vnum/internal/phone"
	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/internal/theme"
	"github.com/vnum-cli/vnum/providers"
)

// Options are the dependencies `vnum forward` uses, then its argument and flags.
type Options struct {
	IO *iostreams.IOStreams
	// Region is the configured country, for a --to in national notation.
	Region func() string
	// Resolve finds the number a REF names (after finishing any interrupted operation).
	Resolve func(ctx context.Context, ref string) (store.Number, error)
	// CheckForwardSMS refuses --sms on a carrier that cannot forward SMS.
	CheckForwardSMS func(provider, flag string) error
	// RelaysSMS says vnum serve, not the carrier, forwards this carrier's SMS.
	RelaysSMS func(provider string) bool
	// Forward sets the number's forwarding at its carrier and in the store.
	Forward func(ctx context.Context, n store.Number, fw providers.Forwarding) (store.Number, error)
	// SetVoicemail sets forwarding and the voicemail mode together (--voicemail[-after]).
	SetVoicemail func(ctx context.Context, n store.Number, fw providers.Forwarding, mode string, after time.Duration) (store.Number, error)
	Now          func() time.Time
	Styles       func() *theme.Styles

	Ref  string
	To   string
	SMS  bool
	Off  bool
	JSON bool
	// Voicemail is a providers.Voicemail* mode (--voicemail-after, --voicemail); VoicemailAfter
	// is how long a call rings first.
	Voicemail      string
	VoicemailAfter time.Duration
}

// NewCmdForward builds `vnum forward`. runF, when not nil, replaces forwardRun (tests).
func NewCmdForward(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{
		IO:              f.IOStreams,
		Region:          f.Region,
		Resolve:         f.ResolveRef,
		CheckForwardSMS: f.CheckForwardSMS,
		RelaysSMS:       f.RelaysSMS,
		Forward: func(ctx context.Context, n store.Number, fw providers.Forwarding) (store.Number, error) {
			m, err := f.Numbers()
			if err != nil {
				return store.Number{}, err
			}
			return m.Forward(ctx, n, fw)
		},
		SetVoicemail: func(ctx context.Context, n store.Number, fw providers.Forwarding, mode string, after time.Duration) (store.Number, error) {
			m, err := f.Numbers()
			if err != nil {
				return store.Number{}, err
			}
			return m.ForwardCalls(ctx, n, fw, mode, after)
		},
		Now:    f.Now,
		Styles: f.Styles,
	}
	var vmAfter time.Duration
	var vmAlways bool
	cmd := &cobra.Command{
		Use:   "forward REF (--to NUMBER [--sms] [--voicemail-after 20s] | --voicemail | --off)",
		Short: "Forward calls (and SMS) to your real number, or stop",
		Long: heredoc.Doc(`
			Forward calls to REF to your own phone; with --sms, forward its SMS there too (where the
			carrier can). --off stops all forwarding.

			--voicemail-after 20s: a call not answered within 20 s goes to voicemail. --voicemail
			(without --to): every call goes to voicemail, nothing rings. The caller hears config
			voicemail.greeting (default: a text that names no one). Without either, the voicemail
			setting stays as it is; --off turns it off with the forwarding. Blocked callers
			(vnum block) stay blocked. See vnum voicemail list.
		`),
		Example: heredoc.Doc(`
			$ vnum forward shop --to +33612345678
			$ vnum forward shop --to +33612345678 --sms
			$ vnum forward shop --to +33612345678 --voicemail-after 20s
			$ vnum forward shop --voicemail
			$ vnum forward shop --off
		`),
		Args:              cmdutil.ExactArgs(1, "say which number: vnum forward REF --to NUMBER"),
		ValidArgsFunction: f.CompleteRefs(cmdutil.RefsHeld),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ref = args[0]
			if cmd.Flags().Changed("voicemail-after") {
				// Checked once rounded to the second the carriers take: 400ms would ring for 0 s.
				if d := vmAfter.Round(time.Second); d < time.Second || d > 5*time.Minute {
					return cmdutil.FlagErrorf("--voicemail-after: give how long a call rings first, between 1s and 5m, e.g. 20s")
				}
				opts.Voicemail, opts.VoicemailAfter = providers.VoicemailAfter, vmAfter.Round(time.Second)
			}
			switch {
			case vmAlways && opts.Voicemail != "":
				return cmdutil.FlagErrorf("--voicemail sends every call to voicemail: do not combine it with --voicemail-after")
			case vmAlways && opts.To != "" && !opts.SMS:
				return cmdutil.FlagErrorf("--voicemail sends every call to voicemail, so nothing rings --to: drop --to, or use --voicemail-after")
			case vmAlways:
				opts.Voicemail = providers.VoicemailAlways
			}
			switch {
			case opts.Off && (opts.To != "" || opts.SMS):
				return cmdutil.FlagErrorf("--off stops forwarding: do not combine it with --to or --sms")
			case opts.Off && opts.Voicemail != "":
				return cmdutil.FlagErrorf("--off stops forwarding and voicemail: do not combine it with --voicemail or --voicemail-after")
			case opts.Voicemail == providers.VoicemailAfter && opts.To == "":
				return cmdutil.FlagErrorf("--voicemail-after needs --to: the call rings there first (--voicemail alone sends every call to voicemail)")
			case !opts.Off && opts.To == "" && opts.Voicemail == providers.VoicemailAlways:
			case !opts.Off && opts.To == "":
				return cmdutil.FlagErrorf("say where to forward: --to NUMBER, or --off to stop")
			}
			if opts.To != "" {
				to, err := cmdutil.ParseNumber("--to", opts.To, opts.Region())
				if err != nil {
					return err
				}
				opts.To = to
			}
			if runF != nil {
				return runF(opts)
			}
			return forwardRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.To, "to", "", "your real number, e.g. +33612345678")
	cmd.Flags().BoolVar(&opts.SMS, "sms", false, "forward SMS too")
	cmd.Flags().BoolVar(&opts.Off, "off", false, "stop forwarding calls and SMS")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the number as JSON")
	cmd.Flags().DurationVar(&vmAfter, "voicemail-after", 0, "send a call not answered within this time to voicemail, e.g. 20s")
	cmd.Flags().BoolVar(&vmAlways, "voicemail", false, "send every call to voicemail (nothing rings)")
	return cmd
}

func forwardRun(ctx context.Context, o *Options) error {
	n, err := o.Resolve(ctx, o.Ref)
	if err != nil {
		return err
	}
	if o.To != "" && o.To == n.E164 {
		return cmdutil.FlagErrorf("--to is %s itself: forward to your own phone instead", phone.Format(n.E164))
	}
	fw := providers.Forwarding{Calls: o.To}
	if o.Voicemail == providers.VoicemailAlways {
		fw.Calls = "" // nothing rings
	}
	if o.SMS {
		// Refused before anything changes, as a usage error: the same command without --sms works.
		if err := o.CheckForwardSMS(n.Provider, "--sms"); err != nil {
			return err
		}
		fw.SMS = o.To
	}
	if phone.IsPremium(o.To) {
		cmdutil.Warnf(o.IO, "%s is a premium-rate number: every forwarded call is billed at its rate", phone.Format(o.To))
	}
	if o.Voicemail != "" {
		n, err = o.SetVoicemail(ctx, n, fw, o.Voicemail, o.VoicemailAfter)
	} else {
		n, err = o.Forward(ctx, n, fw)
	}
	if errors.Is(err, numbers.ErrForwardLoop) {
		return cmdutil.WithExit(cmdutil.ExitUsage, err)
	}
	if err != nil {
		return err
	}
	switch {
	case o.Off:
		cmdutil.WriteSuccess(o.IO, o.Styles, "Stopped forwarding %s", phone.Format(n.E164))
	case o.Voicemail == providers.VoicemailAlways:
		cmdutil.WriteSuccess(o.IO, o.Styles, "Every call to %s now goes to voicemail", phone.Format(n.E164))
	case o.SMS && o.RelaysSMS(n.Provider):
		cmdutil.WriteSuccess(o.IO, o.Styles, "Calls to %s now reach %s; vnum serve relays its SMS there (keep it running)", phone.Format(n.E164), phone.Format(o.To))
	default:
		what := "Calls"
		if o.SMS {
			what = "Calls and SMS"
		}
		cmdutil.WriteSuccess(o.IO, o.Styles, "%s to %s now reach %s", what, phone.Format(n.E164), phone.Format(o.To))
		if o.Voicemail == providers.VoicemailAfter {
			cmdutil.WriteSuccess(o.IO, o.Styles, "Calls not answered within %s go to voicemail", o.VoicemailAfter)
		}
	}
	if o.JSON {
		return cmdutil.WriteJSON(o.IO, cmdutil.NumberView(n))
	}
	if !o.IO.IsStdoutTTY() {
		return cmdutil.WriteNumber(o.IO, o.Styles, o.Now(), n)
	}
	return nil
}
