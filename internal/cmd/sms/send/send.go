// Package send implements `vnum sms send`.
package send

import (
	"fmt"

	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/vnum-cli/vnum/internal/cmdutil"
	"github.com/vnum-cli/vnum/internal/iostreams"
	"github.com/vnum-cli/vnum/internal/numbers"
	"github.com/vnum-cli/vnum/internal/phone"
)

// Options are sms send's inputs.
type Options struct {
	IO      *iostreams.IOStreams
	Factory *cmdutil.Factory
	Numbers func() (*numbers.Manager, error)

	From string
	To   string
	Text string
	JSON bool
}

// maxText bounds a message: 10 concatenated SMS segments is already more than carriers like.
const maxText = 1600

// NewCmdSend builds `vnum sms send`.
func NewCmdSend(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Factory: f, Numbers: f.Numbers}
	cmd := &cobra.Command{
		Use:     "send --from REF --to NUMBER TEXT",
		Short:   "Send an SMS from one of your numbers",
		Long:    "Send TEXT (or, with TEXT \"-\", standard input) as an SMS from REF to NUMBER.",
		Example: "$ vnum sms send --from shop --to +33612345678 'hello'",
		Args:    cmdutil.ExactArgs(1, "say what to send: vnum sms send --from REF --to NUMBER TEXT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Text = args[0]
			if opts.Text == "-" {
				b, err := io.ReadAll(io.LimitReader(opts.IO.In, maxText*4+1))
				if err != nil {
					return err
				}
				opts.Text = strings.TrimRight(string(b), "\r\n")
			}
			switch {
			case opts.From == "":
				return cmdutil.FlagErrorf("--from is required: the number (or label) to send from")
			case opts.To == "":
				return cmdutil.FlagErrorf("--to is required: the number to send to")
			case strings.TrimSpace(opts.Text) == "":
				return cmdutil.FlagErrorf("the message is empty")
			case len([]rune(opts.Text)) > maxText:
				return cmdutil.FlagErrorf("the message is %d characters long: the limit is %d", len([]rune(opts.Text)), maxText)
			}
			region := ""
			if cfg, err := f.Config(); err == nil {
				region = cfg.Country()
			}
			to, err := cmdutil.ParseNumber("--to", opts.To, region)
			if err != nil {
				return err
			}
			opts.To = to
			if runF != nil {
				return runF(opts)
			}
			m, err := opts.Numbers()
			if err != nil {
				return err
			}
			n, err := f.Resolve(cmd.Context(), m, opts.From)
			if err != nil {
				return err
			}
			if n.E164 == opts.To {
				return cmdutil.FlagErrorf("--to is the sending number itself")
			}
			opts.IO.StartProgress("Sending")
			msg, err := m.Send(cmd.Context(), n, opts.To, opts.Text)
			if err != nil {
				return err
			}
			f.Successf("Sent from %s to %s", phone.Format(n.E164), phone.Format(opts.To))
			if opts.JSON {
				return cmdutil.WriteJSON(opts.IO, cmdutil.MessageView(msg))
			}
			if !opts.IO.IsStdoutTTY() && msg.ID != "" {
				// Scripts get the carrier's id of the message, to find it again later.
				_, err = fmt.Fprintln(opts.IO.Out, msg.ID)
			}
			return err
		},
	}
	cmd.Flags().StringVar(&opts.From, "from", "", "your number (REF) to send from")
	cmd.Flags().StringVar(&opts.To, "to", "", "recipient number")
	_ = cmd.RegisterFlagCompletionFunc("from", f.CompleteRefFlag(cmdutil.RefsHeld))
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the sent message as JSON")
	return cmd
}
