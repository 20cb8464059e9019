package lease

import (
	"context"
	"fmt"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/vnum-cli/vnum/internal/cmdutil"
	"github.com/vnum-cli/vnum/internal/iostreams"
	"github.com/vnum-cli/vnum/internal/store"
)

// RenewOptions are the dependencies `vnum lease renew` uses, then its argument and flags.
type RenewOptions struct {
	IO *iostreams.IOStreams
	// Find finds the lease REF names (its id, or the leased number) and its number, after
	// returning the expired leases.
	Find func(ctx context.Context, ref string) (store.Lease, store.Number, error)
	// Renew extends the lease id to ttl from now, and returns it so.
	Renew func(ctx context.Context, id string, ttl time.Duration) (store.Lease, error)

	Ref  string
	TTL  time.Duration
	JSON bool
}

// NewCmdRenew builds `vnum lease renew`. runF, when not nil, replaces renewRun (tests).
func NewCmdRenew(f *cmdutil.Factory, runF func(*RenewOptions) error) *cobra.Command {
	opts := &RenewOptions{
		IO:   f.IOStreams,
		Find: findFunc(f),
		Renew: func(ctx context.Context, id string, ttl time.Duration) (store.Lease, error) {
			m, err := f.Numbers()
			if err != nil {
				return store.Lease{}, err
			}
			return m.RenewLease(ctx, id, ttl)
		},
	}
	var ttl string
	cmd := &cobra.Command{
		Use:   "renew REF [--ttl 15m]",
		Short: "Extend a lease to --ttl from now",
		Long: heredoc.Doc(`
			Extend a lease (REF: the lease id, or the leased number) to --ttl from now (default
			15m), for a job that needs its number longer. An expired lease cannot be renewed
			(exit 5): the number may be another job's already.
		`),
		Args: cmdutil.ExactArgs(1, "a lease id or a leased number"),
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := parseTTL(ttl)
			if err != nil {
				return err
			}
			if err := checkRef(args[0]); err != nil {
				return err
			}
			opts.Ref, opts.TTL = args[0], d
			if runF != nil {
				return runF(opts)
			}
			return renewRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&ttl, "ttl", "", "how long from now the lease lasts (default 15m)")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the lease as JSON")
	return cmd
}

func renewRun(ctx context.Context, opts *RenewOptions) error {
	l, n, err := opts.Find(ctx, opts.Ref)
	if err != nil {
		return MapErr(err)
	}
	l, err = opts.Renew(ctx, l.ID, opts.TTL)
	if err != nil {
		return MapErr(err)
	}
	if opts.JSON {
		return cmdutil.WriteJSON(opts.IO, cmdutil.LeaseView(l, n))
	}
	_, err = fmt.Fprintf(opts.IO.Out, "%s\t%s\t%s\n", n.E164, l.ID, l.ExpiresAt.UTC().Format(time.RFC3339))
	return err
}
