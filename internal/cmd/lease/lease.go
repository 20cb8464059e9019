// Package lease implements `vnum lease`, `vnum lease return` and `vnum lease renew`: numbers of a
// shared pool handed to one job (a CI run, a test worker) at a time.
package lease

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/vnum-cli/vnum/internal/cijob"
	"github.com/vnum-cli/vnum/internal/cmdutil"
	"github.com/vnum-cli/vnum/internal/iostreams"
	"github.com/vnum-cli/vnum/internal/lazyre"
	"github.com/vnum-cli/vnum/internal/numbers"
	"github.com/vnum-cli/vnum/internal/phone"
	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/internal/termsafe"
)

// DefaultTTL is how long a lease lasts unless --ttl says otherwise.
const DefaultTTL = 15 * time.Minute

// Options are the dependencies `vnum lease` uses, then its flags, parsed.
type Options struct {
	IO *iostreams.IOStreams
	// Region is the configured country, the pool's country when --country is not given.
	Region func() string
	// ProviderName is the carrier to buy from: --provider, else the configuration.
	ProviderName func() (string, error)
	// Lease claims a number of req's pool for this process (its holder: this machine, the CI
	// job the environment names, the pid of the process that ran vnum lease), buying one when
	// none is free.
	Lease func(ctx context.Context, req numbers.LeaseRequest) (numbers.LeaseResult, error)
	Now   func() time.Time

	// Request is what the flags ask for; its Holder is filled by Lease.
	Request numbers.LeaseRequest
	Quiet   bool
	JSON    bool
}

// flags are `vnum lease`'s flags as given, before they are checked.
type flags struct {
	pool, country, typ, ttl, maxPrice, wait string
	max                                     int
}

// NewCmdLease builds `vnum lease` and its subcommands. runF, when not nil, replaces leaseRun
// (tests).
func NewCmdLease(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{
		IO:           f.IOStreams,
		Region:       f.Region,
		ProviderName: f.ProviderName,
		Lease: func(ctx context.Context, req numbers.LeaseRequest) (numbers.LeaseResult, error) {
			m, err := f.Numbers()
			if err != nil {
				return numbers.LeaseResult{}, err
			}
			req.Holder = Holder(f.Env, m.Host, os.Getppid())
			return m.Lease(ctx, req)
		},
		Now: f.Now,
	}
	var fl flags
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
			req, err := fl.request(opts)
			if err != nil {
				return err
			}
			opts.Request = req
			if runF != nil {
				return runF(opts)
			}
			return leaseRun(cmd.Context(), opts)
		},
	}
	set := cmd.Flags()
	set.StringVar(&fl.pool, "pool", "", "the pool to lease from (letters, digits, . _ -)")
	set.StringVarP(&fl.country, "country", "c", "", "ISO country code of the number, e.g. US (default: config country)")
	set.StringVarP(&fl.typ, "type", "t", "", "number type: local, mobile, national, tollfree")
	set.StringVar(&fl.ttl, "ttl", "", "how long the lease lasts unless returned or renewed (default 15m)")
	set.IntVar(&fl.max, "max", 0, "at most this many numbers in the pool: when all are leased, wait (--wait) or fail (exit 7)")
	set.StringVar(&fl.maxPrice, "max-price", "", "never buy a number costing more per month than this, e.g. 2.50")
	set.StringVar(&fl.wait, "wait", "", "with the pool full (--max), how long to wait for a number to be returned")
	set.BoolVarP(&opts.Quiet, "quiet", "q", false, "print only the number (E.164)")
	set.BoolVar(&opts.JSON, "json", false, "print JSON")
	cmd.MarkFlagsMutuallyExclusive("quiet", "json")
	cmd.AddCommand(NewCmdReturn(f, nil), NewCmdRenew(f, nil))
	return cmd
}

var poolName = lazyre.New(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

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

// request checks the flags (usage errors, exit 2) and turns them into what to lease.
func (fl flags) request(opts *Options) (numbers.LeaseRequest, error) {
	var req numbers.LeaseRequest
	if fl.pool == "" {
		return req, cmdutil.FlagErrorf("--pool is required: the name of the pool to lease from")
	}
	if err := CheckPool(fl.pool); err != nil {
		return req, err
	}
	req.Pool = fl.pool
	var err error
	if req.TTL, err = parseTTL(fl.ttl); err != nil {
		return req, err
	}
	if fl.wait != "" {
		if req.Wait, err = cmdutil.ParseTTL("--wait", fl.wait); err != nil {
			return req, err
		}
	}
	if fl.max < 0 {
		return req, cmdutil.FlagErrorf("--max %d: give a number of numbers, 1 or more (0: no limit)", fl.max)
	}
	req.Max = fl.max
	if fl.maxPrice != "" {
		if req.MaxPrice, err = cmdutil.ParseMaxPrice(fl.maxPrice); err != nil {
			return req, err
		}
	}
	country := fl.country
	if country == "" {
		country = opts.Region()
	}
	if country == "" {
		return req, cmdutil.FlagErrorf("--country is required (or set country in config.yaml): the country of the pool's numbers")
	}
	if req.Query.Country, err = cmdutil.ParseCountry(country); err != nil {
		return req, err
	}
	if req.Query.Type, err = cmdutil.ParseType(fl.typ); err != nil {
		return req, err
	}
	req.Query.SMS = true // a leased number is for reading codes
	if req.Provider, err = opts.ProviderName(); err != nil {
		return req, err
	}
	return req, nil
}

func leaseRun(ctx context.Context, opts *Options) error {
	res, err := opts.Lease(ctx, opts.Request)
	if err != nil {
		return MapErr(err)
	}
	for _, w := range res.Warnings {
		cmdutil.Warnf(opts.IO, "%s", w)
	}
	return printLease(opts, res.Lease, res.Number, res.Bought)
}

func printLease(opts *Options, l store.Lease, n store.Number, bought bool) error {
	ios := opts.IO
	switch {
	case opts.Quiet:
		_, err := fmt.Fprintln(ios.Out, n.E164)
		return err
	case opts.JSON:
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
			cmdutil.TimeText(l.ExpiresAt, opts.Now(), true, ""), how)
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
	return store.Holder{Host: host, Job: cijob.Name(env), PID: pid}
}
