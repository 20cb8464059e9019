// Package release implements `vnum release` and `vnum burn`, which differ only in what is kept:
// burn also deletes the number's stored messages and records it as burned.
package release

import (
	"context"
	"errors"
	"fmt"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/vnum-cli/vnum/internal/cmdutil"
	"github.com/vnum-cli/vnum/internal/iostreams"
	"github.com/vnum-cli/vnum/internal/numbers"
	"github.com/vnum-cli/vnum/internal/phone"
	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/internal/theme"
)

// Options are the dependencies `vnum release` and `vnum burn` use, then their argument and
// flags.
type Options struct {
	IO *iostreams.IOStreams
	// Resolve finds the number a REF names (after finishing any interrupted operation).
	Resolve func(ctx context.Context, ref string) (store.Number, error)
	// Release gives the number back through the number lifecycle and its journal; how is
	// store.EndReleased or store.EndBurned.
	Release func(ctx context.Context, n store.Number, how string) (store.HistoryEntry, error)
	// Confirm asks a yes/no question on the terminal.
	Confirm func(question string, def bool) (bool, error)
	Styles  func() *theme.Styles

	How  string // store.EndReleased or store.EndBurned
	Ref  string
	Yes  bool
	JSON bool
}

// NewCmdRelease builds `vnum release`.
func NewCmdRelease(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	return newCmd(f, runF, store.EndReleased, &cobra.Command{
		Use:   "release REF",
		Short: "Give a number back to the carrier",
		Long: heredoc.Doc(`
			Give the number back to the carrier: billing stops and the carrier may sell it to
			someone else. Its messages stay readable in vnum; use burn to delete them too.
		`),
		Example: "$ vnum release shop\n$ vnum release +33199000001 --yes",
	})
}

// NewCmdBurn builds `vnum burn`.
func NewCmdBurn(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	return newCmd(f, runF, store.EndBurned, &cobra.Command{
		Use:   "burn REF",
		Short: "Release a number now and delete its messages",
		Long: heredoc.Doc(`
			For when spam starts: release the number at once, delete the messages vnum stored for
			it, and record it in history as burned.
		`),
		Example: "$ vnum burn shop",
	})
}

func newCmd(f *cmdutil.Factory, runF func(*Options) error, how string, cmd *cobra.Command) *cobra.Command {
	opts := &Options{
		IO:      f.IOStreams,
		Resolve: f.ResolveRef,
		Release: func(ctx context.Context, n store.Number, how string) (store.HistoryEntry, error) {
			m, err := f.Numbers()
			if err != nil {
				return store.HistoryEntry{}, err
			}
			return m.Release(ctx, n, how)
		},
		Confirm: func(question string, def bool) (bool, error) { return f.Prompter.Confirm(question, def) },
		Styles:  f.Styles,
		How:     how,
	}
	verb := cmd.Name()
	cmd.Args = cmdutil.ExactArgs(1, "say which number: vnum "+verb+" REF (a label, the number, or its carrier id)")
	cmd.ValidArgsFunction = f.CompleteRefs(cmdutil.RefsHeld)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		opts.Ref = args[0]
		if err := cmdutil.ConfirmRequired(opts.IO, opts.Yes, verb); err != nil {
			return err
		}
		if runF != nil {
			return runF(opts)
		}
		return releaseRun(cmd.Context(), opts)
	}
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "do not ask for confirmation")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print what was done as JSON")
	return cmd
}

func releaseRun(ctx context.Context, o *Options) error {
	n, err := o.Resolve(ctx, o.Ref)
	if err != nil {
		return err
	}
	if o.IO.CanPrompt() && !o.Yes {
		what := phone.Format(n.E164)
		if n.Label != "" {
			what += " (" + n.Label + ")"
		}
		q := fmt.Sprintf("Release %s? The carrier may give it to someone else", what)
		if o.How == store.EndBurned {
			q = fmt.Sprintf("Burn %s? It is released and its messages deleted", what)
		}
		ok, err := o.Confirm(q, false)
		if err != nil {
			return err
		}
		if !ok {
			return cmdutil.ErrCancel
		}
	}
	h, err := o.Release(ctx, n, o.How)
	if errors.Is(err, numbers.ErrEnded) {
		// Another vnum released it first: nothing is left to do, but this command did not do it.
		return &cmdutil.ExitError{Code: cmdutil.ExitNotFound, Err: err}
	}
	if err != nil && h.E164 == "" {
		return err
	}
	past := map[string]string{store.EndReleased: "Released", store.EndBurned: "Burned"}[o.How]
	cmdutil.WriteSuccess(o.IO, o.Styles, "%s %s", past, phone.Format(n.E164))
	if o.JSON {
		if jerr := cmdutil.WriteJSON(o.IO, cmdutil.HistoryView(h)); jerr != nil {
			return jerr
		}
	}
	if err != nil {
		// Ended all the same (a burn whose recordings stay at the carrier): not "try again
		// later", since running it again finds no number.
		return &cmdutil.ExitError{Code: cmdutil.ExitFailure, Err: err}
	}
	return nil
}
