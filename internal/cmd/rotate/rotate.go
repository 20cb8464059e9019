// Package rotate implements `vnum rotate`.
package rotate

import (
	"context"
	"errors"
	"fmt"
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

// Options are the dependencies `vnum rotate` uses, then its argument and flags.
type Options struct {
	IO *iostreams.IOStreams
	// Resolve finds the number a REF names (after finishing any interrupted operation).
	Resolve func(ctx context.Context, ref string) (store.Number, error)
	// Candidates lists the replacements for sale, cheapest first (--dry-run).
	Candidates func(ctx context.Context, old store.Number) ([]providers.Available, error)
	// Rotate buys the replacement, moves label, forwarding and expiry to it and releases the
	// old number, through the number lifecycle and its journal. confirm, when not nil, is
	// asked before anything is bought.
	Rotate func(ctx context.Context, old store.Number, confirm func(providers.Available) (bool, error)) (numbers.RotateResult, error)
	// Confirm asks a yes/no question on the terminal.
	Confirm func(question string, def bool) (bool, error)
	Now     func() time.Time
	Styles  func() *theme.Styles

	Ref    string
	DryRun bool
	Yes    bool
	Quiet  bool
	JSON   bool
}

// NewCmdRotate builds `vnum rotate`. runF, when not nil, replaces rotateRun (tests).
func NewCmdRotate(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{
		IO:      f.IOStreams,
		Resolve: f.ResolveRef,
		Candidates: func(ctx context.Context, old store.Number) ([]providers.Available, error) {
			m, err := f.Numbers()
			if err != nil {
				return nil, err
			}
			return m.RotateCandidates(ctx, old)
		},
		Rotate: func(ctx context.Context, old store.Number, confirm func(providers.Available) (bool, error)) (numbers.RotateResult, error) {
			m, err := f.Numbers()
			if err != nil {
				return numbers.RotateResult{}, err
			}
			return m.Rotate(ctx, old, confirm)
		},
		Confirm: func(question string, def bool) (bool, error) { return f.Prompter.Confirm(question, def) },
		Now:     f.Now,
		Styles:  f.Styles,
	}
	cmd := &cobra.Command{
		Use:   "rotate REF",
		Short: "Replace a number with a fresh one that keeps its label and forwarding",
		Long: heredoc.Doc(`
			Buy a replacement of the same country and type, move the label, forwarding and expiry
			to it, then release the old number. The old number is released only once the new one
			is bought and configured; if vnum is interrupted, the next vnum command finishes the
			rotate. Prints the new number.
		`),
		Example: heredoc.Doc(`
			$ vnum rotate shop
			$ new=$(vnum rotate shop --yes -q)
		`),
		Args:              cmdutil.ExactArgs(1, "say which number: vnum rotate REF"),
		ValidArgsFunction: f.CompleteRefs(cmdutil.RefsHeld),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ref = args[0]
			if !opts.DryRun {
				if err := cmdutil.ConfirmRequired(opts.IO, opts.Yes, "rotate"); err != nil {
					return err
				}
			}
			if runF != nil {
				return runF(opts)
			}
			return rotateRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "show the replacement and its price without buying")
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "do not ask for confirmation")
	cmd.Flags().BoolVarP(&opts.Quiet, "quiet", "q", false, "print only the new number (E.164)")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	cmd.MarkFlagsMutuallyExclusive("quiet", "json")
	return cmd
}

func rotateRun(ctx context.Context, o *Options) error {
	old, err := o.Resolve(ctx, o.Ref)
	if err != nil {
		return err
	}
	if o.DryRun {
		o.IO.StartProgress("Searching " + old.Provider)
		cands, err := o.Candidates(ctx, old)
		if err != nil {
			return err
		}
		if len(cands) == 0 {
			return &providers.Error{Provider: old.Provider, Op: "rotate", Kind: providers.ErrOutOfStock,
				Message: "no replacement for sale"}
		}
		c := cands[0]
		switch {
		case o.Quiet:
			_, err = fmt.Fprintln(o.IO.Out, c.Number)
		case o.JSON:
			err = cmdutil.WriteJSON(o.IO, map[string]any{"old_number": old.E164, "new": cmdutil.AvailableView(c)})
		case !o.IO.IsStdoutTTY():
			// Data for scripts, like buy --dry-run: the number replaced, then the replacement.
			v := cmdutil.AvailableView(c)
			_, err = fmt.Fprintf(o.IO.Out, "%s\t%s\t%s\t%s\t%s\t%s\n", old.E164, v.Number, v.Type, v.MonthlyPrice, v.Currency, v.Paperwork)
		default:
			_, err = fmt.Fprintf(o.IO.Out, "Would replace %s with %s for %s, then release %s. Nothing was bought.\n",
				phone.Format(old.E164), phone.Format(c.Number), cmdutil.MonthlyText(c.Monthly), phone.Format(old.E164))
		}
		return err
	}
	var confirm func(providers.Available) (bool, error)
	if o.IO.CanPrompt() && !o.Yes {
		confirm = func(a providers.Available) (bool, error) {
			return o.Confirm(fmt.Sprintf("Replace %s with %s (%s) and release %s?",
				phone.Format(old.E164), phone.Format(a.Number), cmdutil.MonthlyText(a.Monthly), phone.Format(old.E164)), false)
		}
	}
	o.IO.StartProgress("Searching " + old.Provider)
	res, err := o.Rotate(ctx, old, confirm)
	for _, w := range res.Warnings {
		cmdutil.Warnf(o.IO, "%s", w)
	}
	if errors.Is(err, numbers.ErrCancelled) {
		return cmdutil.ErrCancel
	}
	if err != nil {
		if !res.Moved {
			// Not rotated: the old number keeps its label and works; the error says what became
			// of a replacement already bought, and exits non-zero (130 when interrupted).
			return err
		}
		// The replacement has taken the old number's place; only releasing the old one is left.
		// Success with a warning: a script that retried would rotate again. The lifecycle's
		// error says what becomes of the old number (the next run finishes an interrupted or
		// unanswered release; a refused one leaves it yours), so it is not said again here.
		cmdutil.Warnf(o.IO, "rotated to %s, but %s is not released yet: %v",
			phone.Format(res.New.E164), phone.Format(old.E164), err)
		if ctx.Err() != nil {
			// Interrupted all the same: say so with 130, after printing what was done.
			if perr := o.print(res.New, old.E164); perr != nil {
				return perr
			}
			return ctx.Err()
		}
	}
	if res.Old.ID != 0 && !o.Quiet {
		cmdutil.WriteSuccess(o.IO, o.Styles, "Replaced %s with %s", phone.Format(old.E164), phone.Format(res.New.E164))
	}
	return o.print(res.New, old.E164)
}

func (o *Options) print(n store.Number, oldE164 string) error {
	switch {
	case o.Quiet:
		_, err := fmt.Fprintln(o.IO.Out, n.E164)
		return err
	case o.JSON:
		return cmdutil.WriteJSON(o.IO, struct {
			OldNumber string `json:"old_number"`
			cmdutil.NumberJSON
		}{oldE164, cmdutil.NumberView(n)})
	default:
		return cmdutil.WriteNumber(o.IO, o.Styles, o.Now(), n)
	}
}
