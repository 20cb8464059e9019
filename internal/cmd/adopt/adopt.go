// Package adopt implements `vnum adopt`.
package adopt

import (
	"errors"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/vnum-cli/vnum/internal/cmdutil"
	"github.com/vnum-cli/vnum/internal/iostreams"
	"github.com/vnum-cli/vnum/internal/numbers"
	"github.com/vnum-cli/vnum/internal/phone"
	"github.com/vnum-cli/vnum/internal/store"
)

// Options are adopt's inputs.
type Options struct {
	IO      *iostreams.IOStreams
	Factory *cmdutil.Factory
	Numbers func() (*numbers.Manager, error)

	Ref   string
	Label string
	TTL   string
	JSON  bool
}

// NewCmdAdopt builds `vnum adopt`.
func NewCmdAdopt(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Factory: f, Numbers: f.Numbers}
	cmd := &cobra.Command{
		Use:   "adopt REF [--label L] [--ttl D]",
		Short: "Manage a number bought outside vnum (or relabel one)",
		Long: "Numbers found on a carrier account but not bought through vnum are listed as unmanaged.\n" +
			"adopt manages one: it gets a label and an expiry like any number vnum bought. On a managed\n" +
			"number it changes the label or the expiry.",
		Example:           "$ vnum adopt +14155550100 --label office --ttl 30d",
		Args:              cmdutil.ExactArgs(1, "say which number: vnum adopt REF"),
		ValidArgsFunction: f.CompleteRefs(cmdutil.RefsHeld),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ref = args[0]
			if cmd.Flags().Changed("label") && strings.TrimSpace(opts.Label) == "" {
				return cmdutil.FlagErrorf("--label is empty: give a label, or leave --label out")
			}
			if err := cmdutil.ValidateLabel(opts.Label); err != nil {
				return err
			}
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
			ttl, err := parseTTL(opts.TTL)
			if err != nil {
				return err
			}
			n, err = m.Adopt(cmd.Context(), n, opts.Label, ttl)
			if errors.Is(err, store.ErrLabelTaken) {
				return &cmdutil.ExitError{Code: cmdutil.ExitUsage, Err: err}
			}
			if err != nil {
				return err
			}
			f.Successf("vnum manages %s", phone.Format(n.E164))
			if opts.JSON {
				return cmdutil.WriteJSON(opts.IO, cmdutil.NumberView(n))
			}
			return f.PrintNumber(n)
		},
	}
	cmd.Flags().StringVarP(&opts.Label, "label", "l", "", "your name for the number")
	cmd.Flags().StringVar(&opts.TTL, "ttl", "", "release it after this long from now, e.g. 30d")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	return cmd
}

func parseTTL(s string) (d time.Duration, err error) {
	if s == "" {
		return 0, nil
	}
	return cmdutil.ParseTTL("--ttl", s)
}
