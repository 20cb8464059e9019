// Package show implements `vnum show`.
package show

import (
	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/vnum-cli/vnum/internal/cmdutil"
	"github.com/vnum-cli/vnum/internal/iostreams"
	"github.com/vnum-cli/vnum/internal/numbers"
)

// Options are show's inputs.
type Options struct {
	IO      *iostreams.IOStreams
	Factory *cmdutil.Factory
	Numbers func() (*numbers.Manager, error)

	Ref  string
	JSON bool
}

// NewCmdShow builds `vnum show`.
func NewCmdShow(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Factory: f, Numbers: f.Numbers}
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
			m, err := opts.Numbers()
			if err != nil {
				return err
			}
			n, err := f.Resolve(cmd.Context(), m, opts.Ref)
			if err != nil {
				return err
			}
			if opts.JSON {
				return cmdutil.WriteJSON(opts.IO, cmdutil.NumberView(n))
			}
			return f.PrintNumber(n)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	return cmd
}
