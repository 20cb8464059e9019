// Package expire implements `vnum expire`, meant for cron.
package expire

import (
	"fmt"
	"strings"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/vnum-cli/vnum/internal/cmdutil"
	"github.com/vnum-cli/vnum/internal/iostreams"
	"github.com/vnum-cli/vnum/internal/numbers"
	"github.com/vnum-cli/vnum/internal/phone"
)

// Options are expire's inputs.
type Options struct {
	IO      *iostreams.IOStreams
	Factory *cmdutil.Factory
	Numbers func() (*numbers.Manager, error)

	DryRun bool
	JSON   bool
}

// NewCmdExpire builds `vnum expire`.
func NewCmdExpire(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Factory: f, Numbers: f.Numbers}
	cmd := &cobra.Command{
		Use:   "expire [--dry-run]",
		Short: "Release every number whose --ttl has run out (for cron)",
		Long: heredoc.Doc(`
			Release every number whose expiry has passed and record it in history as expired.
			Prints one line per number: number, label, expires_at, result ("released", "would
			release" or the error). Exits 1 if any release failed; those are tried again next time.
			Run it from cron, e.g. every 15 minutes:  */15 * * * * vnum expire
		`),
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return run(cmd, opts)
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

func run(cmd *cobra.Command, o *Options) error {
	m, err := o.Numbers()
	if err != nil {
		return err
	}
	res, err := m.Expire(cmd.Context(), o.DryRun)
	o.IO.StopProgress()
	if err != nil {
		return err
	}
	failed := 0
	out := make([]resultJSON, 0, len(res))
	for _, r := range res {
		j := resultJSON{NumberJSON: cmdutil.NumberView(r.Number), Result: "released"}
		switch {
		case o.DryRun:
			j.Result = "would release"
		case r.Err != nil:
			failed++
			j.Result, j.Error = "failed", r.Err.Error()
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
			if j.Error != "" {
				result += ": " + j.Error
			}
			exp := ""
			if j.ExpiresAt != nil {
				exp = j.ExpiresAt.Format("2006-01-02T15:04:05Z07:00")
			}
			fmt.Fprintln(o.IO.Out, strings.Join([]string{num, j.Label, exp, result}, "\t"))
		}
		if len(out) == 0 && o.IO.IsStderrTTY() {
			fmt.Fprintln(o.IO.ErrOut, "nothing has expired")
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d expired numbers could not be released; vnum expire will try again", failed, len(out))
	}
	return nil
}
