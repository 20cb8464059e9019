// Package list implements `vnum pool list`: the numbers of the lease pools and who holds them.
package list

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	leaseCmd "github.com/vnum-cli/vnum/internal/cmd/lease"
	"github.com/vnum-cli/vnum/internal/cmdutil"
	"github.com/vnum-cli/vnum/internal/iostreams"
	"github.com/vnum-cli/vnum/internal/phone"
	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/internal/tableprinter"
	"github.com/vnum-cli/vnum/internal/theme"
)

// Options are the dependencies `vnum pool list` uses, then its argument and flag.
type Options struct {
	IO *iostreams.IOStreams
	// Pool returns the numbers of the pool name (of every pool when name is ""), after
	// returning the expired leases.
	Pool   func(ctx context.Context, name string) ([]store.PoolEntry, error)
	Now    func() time.Time
	Styles func() *theme.Styles

	Name string // "": every pool
	JSON bool
}

// EntryJSON is a number of a pool in `vnum pool list --json`; lease is null when it is free.
type EntryJSON struct {
	Pool     string             `json:"pool"`
	Number   string             `json:"number"`
	Label    string             `json:"label"`
	Provider string             `json:"provider"`
	Country  string             `json:"country"`
	Type     string             `json:"type"`
	Lease    *cmdutil.LeaseJSON `json:"lease"`
}

// NewCmdList builds `vnum pool list`. runF, when not nil, replaces listRun (tests).
func NewCmdList(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{
		IO: f.IOStreams,
		Pool: func(ctx context.Context, name string) ([]store.PoolEntry, error) {
			m, err := f.Numbers()
			if err != nil {
				return nil, err
			}
			return m.Pool(ctx, name)
		},
		Now:    f.Now,
		Styles: f.Styles,
	}
	cmd := &cobra.Command{
		Use:   "list [NAME]",
		Short: "List the numbers of the pools: which are free, who holds the others, until when",
		Long: heredoc.Doc(`
			List the numbers of every pool, or of the pool NAME: each number, whether it is free
			and, when leased, its lease id, the holder (machine, CI job, pid), since when and
			until when. Expired leases are returned first. Exit 5 for a pool with no numbers.
		`),
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Name = args[0]
				if err := leaseCmd.CheckPool(opts.Name); err != nil {
					return err
				}
			}
			if runF != nil {
				return runF(opts)
			}
			return listRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	return cmd
}

func listRun(ctx context.Context, opts *Options) error {
	entries, err := opts.Pool(ctx, opts.Name)
	if err != nil {
		return err
	}
	if opts.Name != "" && len(entries) == 0 {
		return noPool(ctx, opts)
	}
	if opts.JSON {
		out := make([]EntryJSON, 0, len(entries))
		for _, e := range entries {
			j := EntryJSON{Pool: e.Pool, Number: e.Number.E164, Label: e.Number.Label, Provider: e.Number.Provider,
				Country: e.Number.Country, Type: string(e.Number.Type)}
			if e.Lease != nil {
				l := cmdutil.LeaseView(*e.Lease, e.Number)
				j.Lease = &l
			}
			out = append(out, j)
		}
		return cmdutil.WriteJSON(opts.IO, out)
	}
	ios := opts.IO
	tty := ios.IsStdoutTTY()
	if len(entries) == 0 {
		if ios.IsStderrTTY() {
			fmt.Fprintln(ios.ErrOut, "no pools yet: vnum lease --pool NAME makes one")
		}
		return nil
	}
	now := opts.Now()
	tp := tableprinter.New(ios.Out, tty, opts.Styles(), ios.TerminalWidth(),
		"POOL", "NUMBER", "LABEL", "STATE", "LEASE", "HOST", "JOB", "PID", "SINCE", "EXPIRES")
	free := 0
	for _, e := range entries {
		num := e.Number.E164
		if tty {
			num = phone.Format(num)
		}
		if e.Lease == nil {
			free++
			tp.AddRow(e.Pool, num, e.Number.Label, "free", "", "", "", "", "", "")
			continue
		}
		l := e.Lease
		tp.AddRow(e.Pool, num, e.Number.Label, "leased", l.ID, l.Holder.Host, l.Holder.Job, pid(l.Holder),
			cmdutil.TimeText(l.StartedAt, now, tty, ""), cmdutil.TimeText(l.ExpiresAt, now, tty, ""))
	}
	if err := tp.Render(); err != nil {
		return err
	}
	if ios.IsStderrTTY() {
		fmt.Fprintf(ios.ErrOut, "%d numbers, %d free\n", len(entries), free)
	}
	return nil
}

// noPool is the exit-5 error for a pool NAME with no numbers, naming the pools there are.
func noPool(ctx context.Context, opts *Options) error {
	all, err := opts.Pool(ctx, "")
	if err != nil {
		return err
	}
	var pools []string
	for _, e := range all {
		if !slices.Contains(pools, e.Pool) {
			pools = append(pools, e.Pool)
		}
	}
	msg := fmt.Sprintf("no pool named %q", opts.Name)
	if len(pools) > 0 {
		msg += " (pools: " + strings.Join(pools, ", ") + ")"
	} else {
		msg += ": no pool has numbers yet; vnum lease --pool NAME makes one"
	}
	return &cmdutil.ExitError{Code: cmdutil.ExitNotFound, Err: fmt.Errorf("%s", msg)}
}

func pid(h store.Holder) string {
	if h.PID == 0 {
		return ""
	}
	return strconv.Itoa(h.PID)
}
