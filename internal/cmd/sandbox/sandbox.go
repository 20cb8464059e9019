// Package sandbox implements `vnum sandbox`, the controls of the simulated carrier.
package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"unicode/utf8"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/vnum-cli/vnum/internal/cmdutil"
	"github.com/vnum-cli/vnum/internal/phone"
	"github.com/vnum-cli/vnum/internal/serve"
	"github.com/vnum-cli/vnum/providers"
	sb "github.com/vnum-cli/vnum/providers/sandbox"
)

// NewCmdSandbox builds `vnum sandbox`.
func NewCmdSandbox(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sandbox <command>",
		Short: "Control the simulated carrier (deliver SMS to sandbox numbers)",
		Long: heredoc.Doc(`
			The sandbox carrier simulates a real one on this machine, so every command can be tried
			and scripted without an account or money. See vnum help environment for
			VNUM_SANDBOX_LATENCY and VNUM_SANDBOX_FAIL, which make it slow or fail on purpose.
		`),
	}
	cmd.AddCommand(newCmdReceive(f), newCmdCall(f))
	return cmd
}

func newCmdReceive(f *cmdutil.Factory) *cobra.Command {
	var from, text string
	var asJSON bool
	cmd := &cobra.Command{
		Use:               "receive REF --from SENDER --text TEXT",
		Short:             "Deliver an inbound SMS to a sandbox number",
		Example:           "$ vnum sandbox receive shop --from Google --text 'G-482913 is your Google verification code.'",
		Args:              cmdutil.ExactArgs(1, "say which number receives it: vnum sandbox receive REF --from SENDER --text TEXT"),
		ValidArgsFunction: f.CompleteRefs(cmdutil.RefsHeld),
		RunE: func(cmd *cobra.Command, args []string) error {
			if from == "" || text == "" {
				return cmdutil.FlagErrorf("--from and --text are required")
			}
			// Any sender a network can present (a short code, a number libphonenumber does not
			// know, a name in any script), in the form `sms wait --from` matches.
			var err error
			if from, err = phone.Sender(from, f.Region()); err != nil {
				return cmdutil.FlagErrorf("--from: %v", err)
			}
			if n := utf8.RuneCountInString(text); n > sb.MaxSMS {
				return cmdutil.FlagErrorf("--text is %d characters long: an SMS (even in several parts) holds at most %d", n, sb.MaxSMS)
			}
			m, err := f.Numbers()
			if err != nil {
				return err
			}
			n, err := f.Resolve(cmd.Context(), m, args[0])
			if err != nil {
				return err
			}
			if n.Provider != sb.Name {
				return cmdutil.FlagErrorf("%s is a %s number: only sandbox numbers can be sent simulated SMS", phone.Format(n.E164), n.Provider)
			}
			p, err := f.Provider(sb.Name)
			if err != nil {
				return err
			}
			s, ok := p.(*sb.Provider)
			if !ok {
				return fmt.Errorf("sandbox provider has unexpected type %T", p)
			}
			msg, err := s.Deliver(cmd.Context(), n.CarrierID, from, text)
			if err != nil {
				return err
			}
			how := ""
			if pushed, err := pushToServe(cmd.Context(), f, msg); err != nil {
				cmdutil.Warnf(f.IOStreams, "%s; the message waits at the sandbox carrier, where sms list and sms wait read it", err)
			} else if pushed {
				how = " through vnum serve"
			}
			f.Successf("Delivered an SMS from %s to %s%s", from, phone.Format(n.E164), how)
			if asJSON {
				return cmdutil.WriteJSON(f.IOStreams, cmdutil.MessageView(msg))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "sender: a number or a name such as Google")
	cmd.Flags().StringVar(&text, "text", "", "the message")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the delivered message as JSON")
	return cmd
}

// pushToServe plays carrier when vnum serve is set up (it ran in this configuration directory,
// or serve.listen says where it runs): the sandbox sends the message to serve as a signed
// webhook, as a real carrier would, so serve's whole path can be tried with no account. It
// reports false when serve is not set up.
func pushToServe(ctx context.Context, f *cmdutil.Factory, m providers.Message) (bool, error) {
	cfg, err := f.Config()
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
