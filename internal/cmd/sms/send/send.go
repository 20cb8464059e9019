// Package send implements `vnum sms send`.
package send

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/vnum-cli/vnum/internal/cmdutil"
	"github.com/vnum-cli/vnum/internal/iostreams"
	"github.com/vnum-cli/vnum/internal/phone"
	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/internal/theme"
	"github.com/vnum-cli/vnum/providers"
)

// Options are the dependencies `vnum sms send` uses, then its argument and flags.
type Options struct {
	IO *iostreams.IOStreams
	// Region is the configured country, for a --to in national notation.
	Region func() string
	// Resolve finds the number a REF names (after finishing any interrupted operation).
	Resolve func(ctx context.Context, ref string) (store.Number, error)
	// Send sends the SMS through the number's carrier.
	Send   func(ctx context.Context, from store.Number, to, text string) (providers.Message, error)
	Styles func() *theme.Styles

	From string
	To   string
	Text string
	JSON bool
}

// maxText bounds a message: 10 concatenated SMS segments is already more than carriers like.
const maxText = 1600

// NewCmdSend builds `vnum sms send`. runF, when not nil, replaces sendRun (tests).
func NewCmdSend(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{
		IO:      f.IOStreams,
		Region:  f.Region,
		Resolve: f.ResolveRef,
		Send: func(ctx context.Context, from store.Number, to, text string) (providers.Message, error) {
			m, err := f.Numbers()
			if err != nil {
				return providers.Message{}, err
			}
			return m.Send(ctx, from, to, text)
		},
		Styles: f.Styles,
	}
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
				if len(b) > maxText*4 {
					// Only the start was read: its length would understate the message's.
					return cmdutil.FlagErrorf("the message is longer than %d characters: the limit is %d", maxText, maxText)
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
			to, err := cmdutil.ParseNumber("--to", opts.To, opts.Region())
			if err != nil {
				return err
			}
			opts.To = to
			if runF != nil {
				return runF(opts)
			}
			return sendRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.From, "from", "", "your number (REF) to send from")
	cmd.Flags().StringVar(&opts.To, "to", "", "recipient number")
	_ = cmd.RegisterFlagCompletionFunc("from", f.CompleteRefFlag(cmdutil.RefsHeld))
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the sent message as JSON")
	return cmd
}

func sendRun(ctx context.Context, o *Options) error {
	n, err := o.Resolve(ctx, o.From)
	if err != nil {
		return err
	}
	if n.E164 == o.To {
		return cmdutil.FlagErrorf("--to is the sending number itself")
	}
	o.IO.StartProgress("Sending")
	msg, err := o.Send(ctx, n, o.To, o.Text)
	if err != nil {
		return err
	}
	cmdutil.WriteSuccess(o.IO, o.Styles, "Sent from %s to %s", phone.Format(n.E164), phone.Format(o.To))
	if o.JSON {
		return cmdutil.WriteJSON(o.IO, cmdutil.MessageView(msg))
	}
	if !o.IO.IsStdoutTTY() && msg.ID != "" {
		// Scripts get the carrier's id of the message, to find it again later.
		_, err = fmt.Fprintln(o.IO.Out, msg.ID)
	}
	return err
}
