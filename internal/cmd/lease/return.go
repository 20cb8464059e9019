package lease

import (
	"context"
	"fmt"
	"strings"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/vnum-cli/vnum/internal/cmdutil"
	"github.com/vnum-cli/vnum/internal/iostreams"
	"github.com/vnum-cli/vnum/internal/phone"
	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/internal/termsafe"
)

// ReturnOptions are the dependencies `vnum lease return` uses, then its argument and flag.
type ReturnOptions struct {
	IO *iostreams.IOStreams
	// Find finds the lease REF names (its id, or the leased number) and its number, after
	// returning the expired leases.
	Find func(ctx context.Context, ref string) (store.Lease, store.Number, error)
	// Return ends the lease id: its number is free for the next job.
	Return func(ctx context.Context, id string) error

	Ref  string
	JSON bool
}

// NewCmdReturn builds `vnum lease return`. runF, when not nil, replaces returnRun (tests).
func NewCmdReturn(f *cmdutil.Factory, runF func(*ReturnOptions) error) *cobra.Command {
	opts := &ReturnOptions{
		IO:   f.IOStreams,
		Find: findFunc(f),
		Return: func(ctx context.Context, id string) error {
			m, err := f.Numbers()
			if err != nil {
				return err
			}
			return m.ReturnLease(ctx, id)
		},
	}
	cmd := &cobra.Command{
		Use:   "return REF",
		Short: "Give a leased number back to its pool",
		Long: heredoc.Doc(`
			Return a lease: REF is the lease id, or the leased number (label, number or carrier
			id). The number is free for the next job at once. Exit 5 when it is not leased (any
			more: an expired lease was returned by itself, and may be another job's now).
		`),
		Args: cmdutil.ExactArgs(1, "a lease id or a leased number"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkRef(args[0]); err != nil {
				return err
			}
			opts.Ref = args[0]
			if runF != nil {
				return runF(opts)
			}
			return returnRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the returned lease as JSON")
	return cmd
}

func returnRun(ctx context.Context, opts *ReturnOptions) error {
	l, n, err := opts.Find(ctx, opts.Ref)
	if err != nil {
		return MapErr(err)
	}
	if err := opts.Return(ctx, l.ID); err != nil {
		return MapErr(err)
	}
	if opts.JSON {
		return cmdutil.WriteJSON(opts.IO, cmdutil.LeaseView(l, n))
	}
	if opts.IO.IsStderrTTY() {
		fmt.Fprintf(opts.IO.ErrOut, "Returned %s to pool %s\n", phone.Format(n.E164), termsafe.Escape(l.Pool))
	}
	return nil
}

// checkRef refuses an empty REF as the usage mistake it is (exit 2), before any lookup.
func checkRef(ref string) error {
	if strings.TrimSpace(ref) == "" {
		return cmdutil.FlagErrorf("empty REF: give a lease id or a leased number")
	}
	return nil
}

// findFunc finds a lease by REF through the lifecycle, a REF in national notation read in the
// configured country.
func findFunc(f *cmdutil.Factory) func(ctx context.Context, ref string) (store.Lease, store.Number, error) {
	return func(ctx context.Context, ref string) (store.Lease, store.Number, error) {
		m, err := f.Numbers()
		if err != nil {
			return store.Lease{}, store.Number{}, err
		}
		return m.LeaseByRef(ctx, ref, f.Region())
	}
}
