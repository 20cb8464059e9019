// Package expire implements `vnum expire`, meant for cron.
package expire

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/vnum-cli/vnum/internal/cmdutil"
	"github.com/vnum-cli/vnum/internal/iostreams"
	"github.com/vnum-cli/vnum/internal/numbers"
	"github.com/vnum-cli/vnum/internal/phone"
	"github.com/vnum-cli/vnum/internal/termsafe"
	"github.com/vnum-cli/vnum/providers"
)

// Options are the dependencies `vnum expire` uses, then its flags.
type Options struct {
	IO *iostreams.IOStreams
	// Expire releases (or, dry, lists) the numbers whose expiry has passed, through the
	// number lifecycle.
	Expire func(ctx context.Context, dryRun bool) ([]numbers.ExpireResult, error)

	DryRun bool
	JSON   bool
}

// NewCmdExpire builds `vnum expire`.
func NewCmdExpire(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{
		IO: f.IOStreams,
		Expire: func(ctx context.Context, dryRun bool) ([]numbers.ExpireResult, error) {
			m, err := f.Numbers()
			if err != nil {
				return nil, err
			}
			return m.Expire(ctx, dryRun)
		},
	}
	cmd := &cobra.Command{
		Use:   "expire [--dry-run]",
		Short: "Release every number whose --ttl has run out (for cron)",
		Long: heredoc.Doc(`
			Release every number whose expiry has passed and record it in history as expired.
			Prints one line per number: number, label, expires_at, result ("released", "would
			release" or "failed", with the reason on stderr). A release that failed is tried again
			next time; the exit code is then 7 when the carrier only failed for now, 4 when it
			refused the credentials (as for vnum release), else 1.
			Run it from cron, e.g. every 15 minutes:  */15 * * * * vnum expire
		`),
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return expireRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "list what would be released")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	return cmd
}

type resultJSON struct {
	cmdutil.NumberJSON
	Result string `json:"result"`
	Error  string `json:"error,omitempty"`
}

func expireRun(ctx context.Context, o *Options) error {
	res, err := o.Expire(ctx, o.DryRun)
	if err != nil {
		return err
	}
	var failures []error
	out := make([]resultJSON, 0, len(res))
	for _, r := range res {
		j := resultJSON{NumberJSON: cmdutil.NumberView(r.Number), Result: "released"}
		switch {
		case o.DryRun:
			j.Result = "would release"
		case r.ByOther != nil:
			if errors.Is(r.ByOther, numbers.ErrBusy) {
				j.Result = "skipped" // another vnum is on it; the next expire sees it gone
			}
			fmt.Fprintf(o.IO.ErrOut, "vnum: %s\n", termsafe.Escape(r.ByOther.Error()))
		case r.Err != nil:
			failures = append(failures, r.Err)
			j.Result, j.Error = "failed", r.Err.Error()
			// The reason is talk, for stderr; stdout keeps the one-word result for scripts. It
			// may quote the carrier: escaped, as every carrier text vnum prints.
			fmt.Fprintf(o.IO.ErrOut, "vnum: could not release %s: %s\n", phone.Format(r.Number.E164), termsafe.Escape(r.Err.Error()))
		}
		out = append(out, j)
	}
	if o.JSON {
		if err := cmdutil.WriteJSON(o.IO, out); err != nil {
			return err
		}
	} else {
		for _, j := range out {
			num := j.Number
			if o.IO.IsStdoutTTY() {
				num = phone.Format(num)
			}
			result := j.Result
			exp := ""
			if j.ExpiresAt != nil {
				exp = j.ExpiresAt.Format("2006-01-02T15:04:05Z07:00")
			}
			fmt.Fprintln(o.IO.Out, termsafe.Escape(strings.Join([]string{num, j.Label, exp, result}, "\t")))
		}
		if len(out) == 0 && o.IO.IsStderrTTY() {
			fmt.Fprintln(o.IO.ErrOut, "nothing has expired")
		}
	}
	if len(failures) > 0 {
		err := fmt.Errorf("%d of %d expired numbers could not be released; vnum expire will try again", len(failures), len(out))
		// Every failure the carrier's passing trouble: "try again later" (7) says so; every one
		// refused credentials: 4, as a release of one of them exits. A mix is just a failure.
		allAuth, allPassing := true, true
		for _, f := range failures {
			allAuth = allAuth && errors.Is(f, providers.ErrUnauthorized)
			allPassing = allPassing && !providers.IsPermanent(f)
		}
		switch {
		case allAuth:
			return &cmdutil.ExitError{Code: cmdutil.ExitAuth, Err: err}
		case allPassing:
			return &cmdutil.ExitError{Code: cmdutil.ExitRetryLater, Err: err}
		}
		return err
	}
	return nil
}
