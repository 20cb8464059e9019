// Package adopt implements `vnum adopt`.
package adopt

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/vnum-cli/vnum/internal/cmdutil"
	"github.com/vnum-cli/vnum/internal/iostreams"
	"github.com/vnum-cli/vnum/internal/phone"
	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/internal/theme"
)

// Options are the dependencies `vnum adopt` uses, then its argument and flags.
type Options struct {
	IO *iostreams.IOStreams
	// Resolve finds the number a REF names (after finishing any interrupted operation).
	Resolve func(ctx context.Context, ref string) (store.Number, error)
	// Adopt manages the number (or relabels it, or sets its expiry) in the store.
	Adopt  func(ctx context.Context, n store.Number, label string, ttl time.Duration) (store.Number, error)
	Now    func() time.Time
	Styles func() *theme.Styles

	Ref   string
	Label string
	TTL   string
	JSON  bool

	ttl time.Duration
}

// NewCmdAdopt builds `vnum adopt`. runF, when not nil, replaces adoptRun (tests).
func NewCmdAdopt(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{
		IO:      f.IOStreams,
		Resolve: f.ResolveRef,
		Adopt: func(ctx context.Context, n store.Number, label string, ttl time.Duration) (store.Number, error) {
			m, err := f.Numbers()
			if err != nil {
				return store.Number{}, err
			}
			return m.Adopt(ctx, n, label, ttl)
		},
		Now:    f.Now,
		Styles: f.Styles,
	}
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
			// A usage mistake, said before any carrier is asked to resolve REF.
			if opts.TTL != "" {
				ttl, err := cmdutil.ParseTTL("--ttl", opts.TTL)
				if err != nil {
					return err
				}
				opts.ttl = ttl
			}
			if runF != nil {
				return runF(opts)
			}
			return adoptRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Label, "label", "l", "", "your name for the number")
	cmd.Flags().StringVar(&opts.TTL, "ttl", "", "release it after this long from now, e.g. 30d")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	return cmd
}

func adoptRun(ctx context.Context, o *Options) error {
	n, err := o.Resolve(ctx, o.Ref)
	if err != nil {
		return err
	}
	n, err = o.Adopt(ctx, n, o.Label, o.ttl)
	if errors.Is(err, store.ErrLabelTaken) {
		return &cmdutil.ExitError{Code: cmdutil.ExitUsage, Err: err}
	}
	if err != nil {
		return err
	}
	cmdutil.WriteSuccess(o.IO, o.Styles, "vnum manages %s", phone.Format(n.E164))
	if o.JSON {
		return cmdutil.WriteJSON(o.IO, cmdutil.NumberView(n))
	}
	return cmdutil.WriteNumber(o.IO, o.Styles, o.Now(), n)
}
