// Package block implements `vnum block` and `vnum unblock`: the callers a number turns away.
package block

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/vnum-cli/vnum/internal/cmdutil"
	"github.com/vnum-cli/vnum/internal/iostreams"
	"github.com/vnum-cli/vnum/internal/phone"
	"github.com/vnum-cli/vnum/internal/store"
)

// Anonymous is how a withheld caller id is written in --json and on a pipe.
const Anonymous = "anonymous"

// Options are block's and unblock's dependencies, then their arguments.
type Options struct {
	IO *iostreams.IOStreams
	// Resolve finds the number REF names.
	Resolve func(ctx context.Context, ref string) (store.Number, error)
	// Settings reads a number's block list; Change applies a change at the carrier, then
	// records it.
	Settings func(ctx context.Context, n store.Number) (store.CallSettings, error)
	Change   func(ctx context.Context, n store.Number, change func(*store.CallSettings)) (store.CallSettings, error)
	Success  func(format string, args ...any)

	Unblock   bool
	Ref       string
	Callers   []string // E.164
	Anonymous bool
	List      bool
	JSON      bool
}

// BlockJSON is `vnum block --list --json` (and the answer of every change with --json).
type BlockJSON struct {
	Number    string   `json:"number"`
	Blocked   []string `json:"blocked"`
	Anonymous bool     `json:"anonymous"`
}

// NewCmdBlock builds `vnum block`.
func NewCmdBlock(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	return newCmd(f, runF, false, &cobra.Command{
		Use:   "block REF [CALLER...] [--anonymous] | block --list REF",
		Short: "Turn away callers of a number",
		Long: heredoc.Doc(`
			Turn away calls to REF from each CALLER, and with --anonymous from callers who withhold
			their number. A blocked caller hears nothing of your number: the call is rejected, or
			with config block.action set to "message" they hear a short "not available" message.
			The call is logged as blocked (vnum calls). On Telnyx and Vonage vnum serve answers the
			number's calls to do this, so it needs serve's public URL (vnum serve --public-url URL).

			--list prints the block list: on a pipe one caller a line ("anonymous" for withheld
			numbers). --json prints {number, blocked: [E.164…], anonymous: bool}.
		`),
		Example: heredoc.Doc(`
			$ vnum block shop +33612345678
			$ vnum block shop --anonymous
			$ vnum block --list shop
		`),
	})
}

// NewCmdUnblock builds `vnum unblock`.
func NewCmdUnblock(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	return newCmd(f, runF, true, &cobra.Command{
		Use:   "unblock REF [CALLER...] [--anonymous]",
		Short: "Let blocked callers through again",
		Long: heredoc.Doc(`
			Let calls to REF from each CALLER (and with --anonymous, from withheld numbers) through
			again. --json prints the block list that remains, as vnum block --list --json.
		`),
		Example: "$ vnum unblock shop +33612345678",
	})
}

func newCmd(f *cmdutil.Factory, runF func(*Options) error, unblock bool, cmd *cobra.Command) *cobra.Command {
	opts := &Options{
		IO:      f.IOStreams,
		Unblock: unblock,
		Resolve: f.ResolveRef,
		Settings: func(ctx context.Context, n store.Number) (store.CallSettings, error) {
			m, err := f.Numbers()
			if err != nil {
				return store.CallSettings{}, err
			}
			return m.CallSettings(ctx, n)
		},
		Change: func(ctx context.Context, n store.Number, change func(*store.CallSettings)) (store.CallSettings, error) {
			m, err := f.Numbers()
			if err != nil {
				return store.CallSettings{}, err
			}
			return m.ChangeCalls(ctx, n, change)
		},
		Success: func(format string, args ...any) { cmdutil.WriteSuccess(f.IOStreams, f.Styles, format, args...) },
	}
	verb := cmd.Name()
	cmd.Args = cmdutil.MinimumArgs(1, fmt.Sprintf("say which number: vnum %s REF CALLER...", verb))
	cmd.ValidArgsFunction = f.CompleteRefs(cmdutil.RefsHeld)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		opts.Ref = args[0]
		switch {
		case opts.List && len(args) > 1, opts.List && opts.Anonymous:
			return cmdutil.FlagErrorf("--list prints the block list: give only REF")
		case !opts.List && len(args) == 1 && !opts.Anonymous:
			return cmdutil.FlagErrorf("say whom to %s: a CALLER number, or --anonymous", verb)
		}
		opts.Callers = nil
		for _, a := range args[1:] {
			if strings.EqualFold(a, Anonymous) {
				opts.Anonymous = true
				continue
			}
			n, err := cmdutil.ParseNumber("CALLER", a, f.Region())
			if err != nil {
				return err
			}
			opts.Callers = append(opts.Callers, n)
		}
		if runF != nil {
			return runF(opts)
		}
		return blockRun(cmd.Context(), opts)
	}
	what := "block callers who withhold their number"
	if unblock {
		what = "let callers who withhold their number through"
	} else {
		cmd.Flags().BoolVar(&opts.List, "list", false, "print the block list")
	}
	cmd.Flags().BoolVar(&opts.Anonymous, "anonymous", false, what)
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the block list as JSON")
	return cmd
}

func blockRun(ctx context.Context, opts *Options) error {
	n, err := opts.Resolve(ctx, opts.Ref)
	if err != nil {
		return err
	}
	var c store.CallSettings
	if opts.List {
		c, err = opts.Settings(ctx, n)
	} else {
		c, err = opts.Change(ctx, n, func(c *store.CallSettings) {
			if opts.Unblock {
				c.Blocked = slices.DeleteFunc(c.Blocked, func(s string) bool { return slices.Contains(opts.Callers, s) })
				if opts.Anonymous {
					c.BlockAnonymous = false
				}
				return
			}
			c.Blocked = append(c.Blocked, opts.Callers...)
			c.BlockAnonymous = c.BlockAnonymous || opts.Anonymous
		})
	}
	if err != nil {
		return err
	}
	if !opts.List {
		opts.Success("%s", summary(opts, n))
	}
	if opts.JSON {
		return cmdutil.WriteJSON(opts.IO, BlockJSON{Number: n.E164, Blocked: append([]string{}, c.Blocked...), Anonymous: c.BlockAnonymous})
	}
	if !opts.List {
		return nil
	}
	tty := opts.IO.IsStdoutTTY()
	if tty && len(c.Blocked) == 0 && !c.BlockAnonymous {
		fmt.Fprintf(opts.IO.ErrOut, "%s blocks no one\n", phone.Format(n.E164))
		return nil
	}
	for _, b := range c.Blocked {
		if tty {
			b = phone.Format(b)
		}
		fmt.Fprintln(opts.IO.Out, b)
	}
	if c.BlockAnonymous {
		if tty {
			fmt.Fprintln(opts.IO.Out, "withheld numbers (anonymous)")
		} else {
			fmt.Fprintln(opts.IO.Out, Anonymous)
		}
	}
	return nil
}

// summary is the success line: who is now blocked or let through, on which number.
func summary(opts *Options, n store.Number) string {
	var who []string
	for _, c := range opts.Callers {
		who = append(who, phone.Format(c))
	}
	if opts.Anonymous {
		who = append(who, "withheld numbers")
	}
	if opts.Unblock {
		return fmt.Sprintf("Calls from %s to %s get through again", strings.Join(who, ", "), phone.Format(n.E164))
	}
	return fmt.Sprintf("Calls from %s to %s are blocked", strings.Join(who, ", "), phone.Format(n.E164))
}
