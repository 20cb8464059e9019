// Package pool implements `vnum pool list`: the numbers of the lease pools and who holds them.
package pool

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	leaseCmd "github.com/vnum-cli/vnum/internal/cmd/lease"
	"github.com/vnum-cli/vnum/internal/cmdutil"
	"github.com/vnum-cli/vnum/internal/phone"
	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/internal/tableprinter"
)

// NewCmdPool builds `vnum pool`.
func NewCmdPool(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "pool <command>",
		Short: "The pools of numbers vnum lease hands out",
		Args:  cmdutil.NoArgs,
	}
	cmd.AddCommand(newCmdList(f))
	return cmd
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

func newCmdList(f *cmdutil.Factory) *cobra.Command {
	var asJSON bool
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
			name := ""
			if len(args) == 1 {
				name = args[0]
				if err := leaseCmd.CheckPool(name); err != nil {
					return err
				}
			}
			return listRun(cmd.Context(), f, name, asJSON)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func listRun(ctx context.Context, f *cmdutil.Factory, name string, asJSON bool) error {
	m, err := f.Numbers()
	if err != nil {
		return err
	}
	entries, err := m.Pool(ctx, name)
	if err != nil {
		return err
	}
	if name != "" && len(entries) == 0 {
		all, err := m.Pool(ctx, "")
		if err != nil {
			return err
		}
		var pools []string
		for _, e := range all {
			if !slices.Contains(pools, e.Pool) {
				pools = append(pools, e.Pool)
			}
		}
		msg := fmt.Sprintf("no pool named %q", name)
		if len(pools) > 0 {
			msg += " (pools: " + strings.Join(pools, ", ") + ")"
		} else {
			msg += ": no pool has numbers yet; vnum lease --pool NAME makes one"
		}
		return &cmdutil.ExitError{Code: cmdutil.ExitNotFound, Err: fmt.Errorf("%s", msg)}
	}
	if asJSON {
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
		return cmdutil.WriteJSON(f.IOStreams, out)
	}
	ios := f.IOStreams
	tty := ios.IsStdoutTTY()
	if len(entries) == 0 {
		if ios.IsStderrTTY() {
			fmt.Fprintln(ios.ErrOut, "no pools yet: vnum lease --pool NAME makes one")
		}
		return nil
	}
	now := f.Now()
	tp := tableprinter.New(ios.Out, tty, f.Styles(), ios.TerminalWidth(),
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

func pid(h store.Holder) string {
	if h.PID == 0 {
		return ""
	}
	return strconv.Itoa(h.PID)
}
