// Package lease implements `vnum lease`, `vnum lease return` and `vnum lease renew`: numbers of a
// shared pool handed to one job (a CI run, a test worker) at a time.
package lease

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/vnum-cli/vnum/internal/cmdutil"
	"github.com/vnum-cli/vnum/internal/numbers"
	"github.com/vnum-cli/vnum/internal/phone"
	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/internal/termsafe"
)

// DefaultTTL is how long a lease lasts unless --ttl says otherwise.
const DefaultTTL = 15 * time.Minute

// Options are `vnum lease`'s flags.
type Options struct {
	Pool     string
	Country  string
	Type     string
	TTL      string
	Max      int
	MaxPrice string
	Wait     string
	Quiet    bool
	JSON     bool
}

// NewCmdLease builds `vnum lease` and its subcommands.
func NewCmdLease(f *cmdutil.Factory) *cobra.Command {
	opts := &Options{}
	cmd := &cobra.Command{
		Use:   "lease --pool NAME [--country CC] [--type T] [--ttl 15m] [--max N] [--max-price P]",
		Short: "Hand this job a number of a shared pool that no other job holds",
		Long: heredoc.Doc(`
			Lease a number of the pool NAME: one that no other job holds, bought only when none
			of the pool is free (within --max numbers in the pool and --max-price a month).
			The lease lasts --ttl (default 15m) unless returned (vnum lease return) or renewed
			(vnum lease renew); an expired lease returns by itself, so a killed job does not
			keep a number. While leased, sms list and sms wait on the number see only what came
			since the lease began: a job never reads a code meant for the job before it.

			The holder is this machine, the CI job (GITHUB_RUN_ID/GITHUB_JOB, CI_JOB_ID,
			BUILDKITE_JOB_ID, CIRCLE_WORKFLOW_JOB_ID, BUILD_TAG, TRAVIS_JOB_ID, SYSTEM_JOBID, or
			VNUM_JOB) and the process that ran vnum lease. A pool is shared by every vnum on the
			same store: processes of one machine, or a fleet on one PostgreSQL store.
		`),
		Example: heredoc.Doc(`
			$ n=$(vnum lease --pool signup --country US -q)
			$ export VNUM_LEASE=$(vnum lease --pool signup --json | jq -r .lease_id)
			$ vnum sms wait "$n" --code
			$ vnum lease return "$n"
		`),
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return leaseRun(cmd, f, opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Pool, "pool", "", "the pool to lease from (letters, digits, . _ -)")
	fl.StringVarP(&opts.Country, "country", "c", "", "ISO country code of the number, e.g. US (default: config country)")
	fl.StringVarP(&opts.Type, "type", "t", "", "number type: local, mobile, national, tollfree")
	fl.StringVar(&opts.TTL, "ttl", "", "how long the lease lasts unless returned or renewed (default 15m)")
	fl.IntVar(&opts.Max, "max", 0, "at most this many numbers in the pool: when all are leased, wait (--wait) or fail (exit 7)")
	fl.StringVar(&opts.MaxPrice, "max-price", "", "never buy a number costing more per month than this, e.g. 2.50")
	fl.StringVar(&opts.Wait, "wait", "", "with the pool full (--max), how long to wait for a number to be returned")
	fl.BoolVarP(&opts.Quiet, "quiet", "q", false, "print only the number (E.164)")
	fl.BoolVar(&opts.JSON, "json", false, "print JSON")
	cmd.MarkFlagsMutuallyExclusive("quiet", "json")
	cmd.AddCommand(newCmdReturn(f), newCmdRenew(f))
	return cmd
}

var poolName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// CheckPool refuses a pool name that is not one (exit 2).
func CheckPool(name string) error {
	if !poolName.MatchString(name) {
		return cmdutil.FlagErrorf("pool name %q: use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit", name)
	}
	return nil
}

func parseTTL(s string) (time.Duration, error) {
	if s == "" {
		return DefaultTTL, nil
	}
	d, err := cmdutil.ParseTTL("--ttl", s)
	if err != nil {
		return 0, err
	}
	if d <= 0 {
		return 0, cmdutil.FlagErrorf("--ttl %s: a lease must last longer than nothing", s)
	}
	return d, nil
}

func (o *Options) request(f *cmdutil.Factory) (numbers.LeaseRequest, error) {
	var req numbers.LeaseRequest
	if o.Pool == "" {
		return req, cmdutil.FlagErrorf("--pool is required: the name of the pool to lease from")
	}
	if err := CheckPool(o.Pool); err != nil {
		return req, err
	}
	req.Pool = o.Pool
	var err error
	if req.TTL, err = parseTTL(o.TTL); err != nil {
		return req, err
	}
	if o.Wait != "" {
		if req.Wait, err = cmdutil.ParseTTL("--wait", o.Wait); err != nil {
			return req, err
		}
	}
	if o.Max < 0 {
		return req, cmdutil.FlagErrorf("--max %d: give a number of numbers, 1 or more (0: no limit)", o.Max)
	}
	req.Max = o.Max
	if o.MaxPrice != "" {
		if req.MaxPrice, err = cmdutil.ParseMaxPrice(o.MaxPrice); err != nil {
			return req, err
		}
	}
	country := o.Country
	if country == "" {
		country = f.Region()
	}
	if country == "" {
		return req, cmdutil.FlagErrorf("--country is required (or set country in config.yaml): the country of the pool's numbers")
	}
	if req.Query.Country, err = cmdutil.ParseCountry(country); err != nil {
		return req, err
	}
	if req.Query.Type, err = cmdutil.ParseType(o.Type); err != nil {
		return req, err
	}
	req.Query.SMS = true // a leased number is for reading codes
	if req.Provider, err = f.ProviderName(); err != nil {
		return req, err
	}
	return req, nil
}

func leaseRun(cmd *cobra.Command, f *cmdutil.Factory, o *Options) error {
	req, err := o.request(f)
	if err != nil {
		return err
	}
	m, err := f.Numbers()
	if err != nil {
		return err
	}
	req.Holder = Holder(f.Env, m.Host, os.Getppid())
	res, err := m.Lease(cmd.Context(), req)
	if err != nil {
		return MapErr(err)
	}
	for _, w := range res.Warnings {
		cmdutil.Warnf(f.IOStreams, "%s", w)
	}
	return printLease(f, res.Lease, res.Number, o.Quiet, o.JSON, res.Bought)
}

func printLease(f *cmdutil.Factory, l store.Lease, n store.Number, quiet, asJSON, bought bool) error {
	ios := f.IOStreams
	switch {
	case quiet:
		_, err := fmt.Fprintln(ios.Out, n.E164)
		return err
	case asJSON:
		type leaseOut struct {
			cmdutil.LeaseJSON
			Bought bool `json:"bought"`
		}
		return cmdutil.WriteJSON(ios, leaseOut{LeaseJSON: cmdutil.LeaseView(l, n), Bought: bought})
	case ios.IsStdoutTTY():
		how := ""
		if bought {
			how = ", bought for the pool"
		}
		_, err := fmt.Fprintf(ios.Out, "%s  %s  pool %s, expires %s%s\n", phone.Format(n.E164), l.ID, termsafe.Escape(l.Pool),
			cmdutil.TimeText(l.ExpiresAt, f.Now(), true, ""), how)
		return err
	default:
		_, err := fmt.Fprintf(ios.Out, "%s\t%s\t%s\n", n.E164, l.ID, l.ExpiresAt.UTC().Format(time.RFC3339))
		return err
	}
}

// MapErr gives the lease errors their exit codes.
func MapErr(err error) error {
	switch {
	case errors.Is(err, numbers.ErrPoolFull):
		return &cmdutil.ExitError{Code: cmdutil.ExitRetryLater, Err: err}
	case errors.Is(err, numbers.ErrOverPrice):
		return &cmdutil.ExitError{Code: cmdutil.ExitRefused, Err: err}
	case errors.Is(err, numbers.ErrLeaseGone):
		return &cmdutil.ExitError{Code: cmdutil.ExitNotFound, Err: err}
	}
	return cmdutil.ResolveError(err)
}

// Holder is who takes a lease: host, the CI job the environment names, and pid.
func Holder(env func(string) string, host string, pid int) store.Holder {
	return store.Holder{Host: host, Job: CIJob(env), PID: pid}
}

// CIJob names the CI job this process runs in, from the variables CI services set; "" outside CI.
// VNUM_JOB, when set, wins: a name for a job no service names.
func CIJob(env func(string) string) string {
	if j := env("VNUM_JOB"); j != "" {
		return j
	}
	if id := env("GITHUB_RUN_ID"); id != "" {
		job := "github:" + id
		if a := env("GITHUB_RUN_ATTEMPT"); a != "" && a != "1" {
			job += "." + a
		}
		if j := env("GITHUB_JOB"); j != "" {
			job += "/" + j
		}
		return job
	}
	for _, v := range []struct{ name, service string }{
		{"CI_JOB_ID", "gitlab"},
		{"BUILDKITE_JOB_ID", "buildkite"},
		{"CIRCLE_WORKFLOW_JOB_ID", "circleci"},
		{"BUILD_TAG", "jenkins"},
		{"TRAVIS_JOB_ID", "travis"},
		{"SYSTEM_JOBID", "azure"},
	} {
		if id := strings.TrimSpace(env(v.name)); id != "" {
			return v.service + ":" + id
		}
	}
	return ""
}

func newCmdReturn(f *cmdutil.Factory) *cobra.Command {
	var asJSON bool
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
			ctx := cmd.Context()
			m, l, n, err := find(ctx, f, args[0])
			if err != nil {
				return err
			}
			if err := m.ReturnLease(ctx, l.ID); err != nil {
				return MapErr(err)
			}
			if asJSON {
				return cmdutil.WriteJSON(f.IOStreams, cmdutil.LeaseView(l, n))
			}
			if f.IOStreams.IsStderrTTY() {
				fmt.Fprintf(f.IOStreams.ErrOut, "Returned %s to pool %s\n", phone.Format(n.E164), termsafe.Escape(l.Pool))
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the returned lease as JSON")
	return cmd
}

func newCmdRenew(f *cmdutil.Factory) *cobra.Command {
	var (
		ttl    string
		asJSON bool
	)
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
			ctx := cmd.Context()
			m, l, n, err := find(ctx, f, args[0])
			if err != nil {
				return err
			}
			l, err = m.RenewLease(ctx, l.ID, d)
			if err != nil {
				return MapErr(err)
			}
			if asJSON {
				return cmdutil.WriteJSON(f.IOStreams, cmdutil.LeaseView(l, n))
			}
			_, err = fmt.Fprintf(f.IOStreams.Out, "%s\t%s\t%s\n", n.E164, l.ID, l.ExpiresAt.UTC().Format(time.RFC3339))
			return err
		},
	}
	cmd.Flags().StringVar(&ttl, "ttl", "", "how long from now the lease lasts (default 15m)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the lease as JSON")
	return cmd
}

func find(ctx context.Context, f *cmdutil.Factory, ref string) (*numbers.Manager, store.Lease, store.Number, error) {
	if strings.TrimSpace(ref) == "" {
		return nil, store.Lease{}, store.Number{}, cmdutil.FlagErrorf("empty REF: give a lease id or a leased number")
	}
	m, err := f.Numbers()
	if err != nil {
		return nil, store.Lease{}, store.Number{}, err
	}
	l, n, err := m.LeaseByRef(ctx, ref, f.Region())
	if err != nil {
		return nil, l, n, MapErr(err)
	}
	return m, l, n, nil
}
