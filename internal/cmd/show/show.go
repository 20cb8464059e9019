// Package show implements `vnum show`.
package show

import (
	"context"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/vnum-cli/vnum/internal/cmdutil"
	"github.com/vnum-cli/vnum/internal/iostreams"
	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/internal/theme"
)

// Options are the dependencies `vnum show` uses, then its argument and flags.
type Options struct {
	IO *iostreams.IOStreams
	// Resolve finds the number a REF names (after finishing any interrupted operation).
	Resolve func(ctx context.Context, ref string) (store.Number, error)
	Now     func() time.Time
	Styles  func() *theme.Styles

	Ref  string
	JSON bool
}

// NewCmdShow builds `vnum show`. runF, when not nil, replaces showRun (tests).
func NewCmdShow(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{
		IO:      f.IOStreams,
		Resolve: f.ResolveRef,
		Now:     f.Now,
		Styles:  f.Styles,
	}
	cmd := &cobra.Command{
		Use:   "show REF",
		Short: "Show everything known about one number",
		Long: heredoc.Doc(`
			Show one number. REF is its label, the number in any common notation
			(+33 6 12 34 56 78, 0033612345678, +33612345678) or the carrier's id for it.
		`),
		Example:           "$ vnum show shop\n$ vnum show +33199000001 --json",
		Args:              cmdutil.ExactArgs(1, "say which number: vnum show REF (a label, the number, or its carrier id)"),
		ValidArgsFunction: f.CompleteRefs(cmdutil.RefsHeld),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ref = args[0]
			if runF != nil {
				return runF(opts)
			}
			return showRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	return cmd
}

func showRun(ctx context.Context, opts *Options) error {
	n, err := opts.Resolve(ctx, opts.Ref)
	if err != nil {
		return err
	}
	if opts.JSON {
		return cmdutil.WriteJSON(opts.IO, cmdutil.NumberView(n))
	}
	return cmdutil.WriteNumber(opts.IO, opts.Styles, opts.Now(), n)
}
