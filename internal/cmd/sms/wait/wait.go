// Package wait implements `vnum sms wait`.
package wait

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/vnum-cli/vnum/internal/cmdutil"
	"github.com/vnum-cli/vnum/internal/duration"
	"github.com/vnum-cli/vnum/internal/iostreams"
	"github.com/vnum-cli/vnum/internal/numbers"
	"github.com/vnum-cli/vnum/internal/phone"
	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/internal/termsafe"
)

// Options are the dependencies `vnum sms wait` uses, then its argument and flags.
type Options struct {
	IO *iostreams.IOStreams
	// Region is the configured country, for a --from number in national notation.
	Region func() string
	// Resolve finds the number a REF names (after finishing any interrupted operation).
	Resolve func(ctx context.Context, ref string) (store.Number, error)
	// Wait returns the next message to the number no earlier wait returned, waiting for it.
	Wait func(ctx context.Context, n store.Number, o numbers.WaitOptions) (numbers.WaitResult, error)
	// Unclaim gives a message Wait returned back, for the next wait, when it could not be printed.
	Unclaim func(ctx context.Context, msg store.Message) error
	Now     func() time.Time

	Ref     string
	Timeout string
	Since   string
	From    string
	Code    bool
	JSON    bool

	timeout, since time.Duration
}

// NewCmdWait builds `vnum sms wait`. runF, when not nil, replaces waitRun (tests).
func NewCmdWait(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{
		IO:      f.IOStreams,
		Region:  f.Region,
		Resolve: f.ResolveRef,
		Wait: func(ctx context.Context, n store.Number, o numbers.WaitOptions) (numbers.WaitResult, error) {
			m, err := f.Numbers()
			if err != nil {
				return numbers.WaitResult{}, err
			}
			return m.Wait(ctx, n, o)
		},
		Unclaim: func(ctx context.Context, msg store.Message) error {
			m, err := f.Numbers()
			if err != nil {
				return err
			}
			return m.Store.UnclaimMessage(ctx, msg.ID)
		},
		Now: f.Now,
	}
	cmd := &cobra.Command{
		Use:   "wait REF [--timeout 2m] [--from SENDER] [--code]",
		Short: "Print the next SMS to a number, waiting for it if needed",
		Long: heredoc.Doc(`
			Print the first message to REF that no earlier "sms wait" returned, waiting for one if
			none is there yet. A message that arrived shortly before the wait started counts
			(--since, default 10m), so a script can trigger the SMS and then wait. Each message is
			returned once, even to waits running in parallel.

			With --code, print only the verification code found in the message. A message without
			a code is passed over (a later "sms wait" without --code still returns it): vnum says
			on stderr that it came and keeps waiting for one with a code. On timeout vnum exits
			with code 6 (see vnum help exit-codes), saying whether messages without a code came.
		`),
		Example: heredoc.Doc(`
			$ vnum sms wait shop --code
			$ code=$(vnum sms wait "$n" --from Google --code --timeout 5m) || echo "no code"
		`),
		Args:              cmdutil.ExactArgs(1, "say which number: vnum sms wait REF"),
		ValidArgsFunction: f.CompleteRefs(cmdutil.RefsHeld),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ref = args[0]
			var err error
			if opts.timeout, err = duration.Parse(opts.Timeout); err != nil {
				return cmdutil.FlagErrorf("--timeout: %v", err)
			}
			if opts.since, err = duration.Parse(opts.Since); err != nil {
				return cmdutil.FlagErrorf("--since: %v", err)
			}
			// --from "$SENDER" with SENDER unset must not mean "any sender": a script would take
			// another sender's code for the one it waits for.
			if cmd.Flags().Changed("from") {
				// The form the sender was stored in: a short code, a number as the network gave
				// it, or a name.
				if opts.From, err = phone.Sender(opts.From, opts.Region()); err != nil {
					return cmdutil.FlagErrorf("--from: %v", err)
				}
			}
			if runF != nil {
				return runF(opts)
			}
			return waitRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Timeout, "timeout", "2m", "give up after this long (exit code 6)")
	cmd.Flags().StringVar(&opts.Since, "since", "10m", "also accept messages that arrived this long before the wait")
	cmd.Flags().StringVar(&opts.From, "from", "", "only messages from this sender (number or name)")
	cmd.Flags().BoolVar(&opts.Code, "code", false, "print only the verification code")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	return cmd
}

func waitRun(ctx context.Context, o *Options) error {
	n, err := o.Resolve(ctx, o.Ref)
	if err != nil {
		return err
	}
	start := o.Now()
	res, err := o.Wait(ctx, n, numbers.WaitOptions{
		Timeout: o.timeout, NotBefore: start.Add(-o.since), From: o.From, Code: o.Code,
		NoCode: func(msg store.Message) {
			fmt.Fprintf(o.IO.ErrOut, "a message from %s arrived without a recognisable code: %s; still waiting for one with a code\n",
				termsafe.Escape(msg.From), termsafe.Escape(numbers.Snippet(msg.Text)))
		},
	})
	var noCode *numbers.NoCodeError
	if errors.As(err, &noCode) { // messages came, none with a code: says so, and is a timeout
		ref := n.Label
		if ref == "" {
			ref = n.E164
		}
		return &cmdutil.ExitError{Code: cmdutil.ExitTimeout, Err: fmt.Errorf("%w; vnum sms list %s shows what came", err, ref)}
	}
	if errors.Is(err, numbers.ErrWaitTimeout) {
		return &cmdutil.ExitError{Code: cmdutil.ExitTimeout, Err: fmt.Errorf("%w for %s", err, phone.Format(n.E164))}
	}
	if err != nil {
		return err
	}
	if err := printMessage(o, res); err != nil {
		// Not handed over (a full disk, a closed output): the message is not spent, or the
		// script's retry would never see its code.
		if uerr := o.Unclaim(context.WithoutCancel(ctx), res.Message); uerr != nil {
			return errors.Join(err, uerr)
		}
		return fmt.Errorf("%w; the message stays for the next sms wait", err)
	}
	return nil
}

func printMessage(o *Options, res numbers.WaitResult) error {
	if o.JSON {
		j := cmdutil.MessageView(res.Message.Message)
		if o.Code {
			j.Code = &res.Code
		}
		return cmdutil.WriteJSON(o.IO, j)
	}
	if o.Code {
		_, err := fmt.Fprintln(o.IO.Out, res.Code)
		return err
	}
	if o.IO.IsStdoutTTY() {
		fmt.Fprintf(o.IO.ErrOut, "From %s at %s:\n", termsafe.Escape(res.Message.From), res.Message.ReceivedAt.Local().Format("15:04:05"))
	}
	_, err := fmt.Fprintln(o.IO.Out, termsafe.Escape(res.Message.Text))
	return err
}
