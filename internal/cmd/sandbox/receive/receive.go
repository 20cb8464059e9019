// Package receive implements `vnum sandbox receive`: deliver a simulated inbound SMS.
package receive

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/vnum-cli/vnum/internal/cmdutil"
	"github.com/vnum-cli/vnum/internal/config"
	"github.com/vnum-cli/vnum/internal/iostreams"
	"github.com/vnum-cli/vnum/internal/phone"
	"github.com/vnum-cli/vnum/internal/serve"
	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/internal/theme"
	"github.com/vnum-cli/vnum/providers"
	sb "github.com/vnum-cli/vnum/providers/sandbox"
)

// Options are the dependencies `vnum sandbox receive` uses, then its argument and flags.
type Options struct {
	IO *iostreams.IOStreams
	// Region is the configured country, for a --from number in national notation.
	Region func() string
	// Resolve finds the number a REF names (after finishing any interrupted operation).
	Resolve func(ctx context.Context, ref string) (store.Number, error)
	// Deliver has the sandbox carrier receive the message for its number carrierID.
	Deliver func(ctx context.Context, carrierID, from, text string) (providers.Message, error)
	// Push sends the message to vnum serve as the carrier's signed webhook would, when serve is
	// set up; false when it is not.
	Push   func(ctx context.Context, m providers.Message) (bool, error)
	Styles func() *theme.Styles

	Ref  string
	From string
	Text string
	JSON bool
}

// NewCmdReceive builds `vnum sandbox receive`. runF, when not nil, replaces receiveRun (tests).
func NewCmdReceive(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{
		IO:      f.IOStreams,
		Region:  f.Region,
		Resolve: f.ResolveRef,
		Deliver: func(ctx context.Context, carrierID, from, text string) (providers.Message, error) {
			p, err := f.Provider(sb.Name)
			if err != nil {
				return providers.Message{}, err
			}
			s, ok := p.(*sb.Provider)
			if !ok {
				return providers.Message{}, fmt.Errorf("sandbox provider has unexpected type %T", p)
			}
			return s.Deliver(ctx, carrierID, from, text)
		},
		Push:   func(ctx context.Context, m providers.Message) (bool, error) { return pushToServe(ctx, f.Config, m) },
		Styles: f.Styles,
	}
	cmd := &cobra.Command{
		Use:               "receive REF --from SENDER --text TEXT",
		Short:             "Deliver an inbound SMS to a sandbox number",
		Example:           "$ vnum sandbox receive shop --from Google --text 'G-482913 is your Google verification code.'",
		Args:              cmdutil.ExactArgs(1, "say which number receives it: vnum sandbox receive REF --from SENDER --text TEXT"),
		ValidArgsFunction: f.CompleteRefs(cmdutil.RefsHeld),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ref = args[0]
			if opts.From == "" || opts.Text == "" {
				return cmdutil.FlagErrorf("--from and --text are required")
			}
			// Any sender a network can present (a short code, a number libphonenumber does not
			// know, a name in any script), in the form `sms wait --from` matches.
			var err error
			if opts.From, err = phone.Sender(opts.From, opts.Region()); err != nil {
				return cmdutil.FlagErrorf("--from: %v", err)
			}
			if n := utf8.RuneCountInString(opts.Text); n > sb.MaxSMS {
				return cmdutil.FlagErrorf("--text is %d characters long: an SMS (even in several parts) holds at most %d", n, sb.MaxSMS)
			}
			if runF != nil {
				return runF(opts)
			}
			return receiveRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.From, "from", "", "sender: a number or a name such as Google")
	cmd.Flags().StringVar(&opts.Text, "text", "", "the message")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the delivered message as JSON")
	return cmd
}

func receiveRun(ctx context.Context, o *Options) error {
	n, err := o.Resolve(ctx, o.Ref)
	if err != nil {
		return err
	}
	if n.Provider != sb.Name {
		return cmdutil.FlagErrorf("%s is a %s number: only sandbox numbers can be sent simulated SMS", phone.Format(n.E164), n.Provider)
	}
	msg, err := o.Deliver(ctx, n.CarrierID, o.From, o.Text)
	if err != nil {
		return err
	}
	how := ""
	if pushed, err := o.Push(ctx, msg); err != nil {
		cmdutil.Warnf(o.IO, "%s; the message waits at the sandbox carrier, where sms list and sms wait read it", err)
	} else if pushed {
		how = " through vnum serve"
	}
	cmdutil.WriteSuccess(o.IO, o.Styles, "Delivered an SMS from %s to %s%s", o.From, phone.Format(n.E164), how)
	if o.JSON {
		return cmdutil.WriteJSON(o.IO, cmdutil.MessageView(msg))
	}
	return nil
}

// pushToServe plays carrier when vnum serve is set up (it ran in this configuration directory,
// or serve.listen says where it runs): the sandbox sends the message to serve as a signed
// webhook, as a real carrier would, so serve's whole path can be tried with no account. It
// reports false when serve is not set up.
func pushToServe(ctx context.Context, config func() (*config.Config, error), m providers.Message) (bool, error) {
	cfg, err := config()
	if err != nil {
		return false, err
	}
	secrets, err := serve.LoadSecrets(cfg.Dir())
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil // serve never ran here: the carrier keeps the message, as without serve
	}
	if err != nil {
		return false, err
	}
	listen := cfg.ServeListen()
	if listen == "" {
		listen = serve.DefaultListen
	}
	base, err := serve.LocalBase(listen)
	if err != nil {
		return false, err
	}
	if err := serve.PushSandbox(ctx, base, secrets, m); err != nil {
		var down *serve.ErrNotRunning
		if errors.As(err, &down) && cfg.ServeListen() == "" {
			return false, nil // serve ran here once, but nothing says it should be running now
		}
		return false, err
	}
	return true, nil
}
