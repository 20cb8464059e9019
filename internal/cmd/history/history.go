// Package history implements `vnum history`.
package history

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/vnum-cli/vnum/internal/cmdutil"
	"github.com/vnum-cli/vnum/internal/iostreams"
	"github.com/vnum-cli/vnum/internal/phone"
	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/internal/tableprinter"
	"github.com/vnum-cli/vnum/internal/theme"
)

// Options are history's dependencies, then its flags.
type Options struct {
	IO *iostreams.IOStreams
	// History reads the numbers vnum no longer holds, oldest first (after finishing any
	// interrupted operation, as every command that reads numbers does).
	History func(ctx context.Context) ([]store.HistoryEntry, error)
	Now     func() time.Time
	Styles  func() *theme.Styles

	JSON bool
}

// NewCmdHistory builds `vnum history`. runF, when not nil, replaces historyRun (tests).
func NewCmdHistory(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{
		IO: f.IOStreams,
		History: func(ctx context.Context) ([]store.HistoryEntry, error) {
			m, err := f.Numbers()
			if err != nil {
				return nil, err
			}
			return m.Store.ListHistory(ctx)
		},
		Now:    f.Now,
		Styles: f.Styles,
	}
	cmd := &cobra.Command{
		Use:   "history",
		Short: "Numbers you no longer hold: released, rotated, burned, expired",
		Long: "List numbers vnum no longer holds, oldest first. On a pipe each is one tab-separated line:\n" +
			"number, label, provider, bought_at, ended_at, how, replaced_by.",
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return historyRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	return cmd
}

func historyRun(ctx context.Context, opts *Options) error {
	hs, err := opts.History(ctx)
	if err != nil {
		return err
	}
	if opts.JSON {
		out := make([]cmdutil.HistoryJSON, 0, len(hs))
		for _, h := range hs {
			out = append(out, cmdutil.HistoryView(h))
		}
		return cmdutil.WriteJSON(opts.IO, out)
	}
	tty := opts.IO.IsStdoutTTY()
	if len(hs) == 0 && tty {
		return nil
	}
	now := opts.Now()
	tp := tableprinter.New(opts.IO.Out, tty, opts.Styles(), opts.IO.TerminalWidth(),
		"NUMBER", "LABEL", "CARRIER", "BOUGHT", "ENDED", "HOW")
	for _, h := range hs {
		if tty {
			how := h.How
			if h.ReplacedBy != "" {
				how += " → " + phone.Format(h.ReplacedBy)
			}
			tp.AddRow(phone.Format(h.E164), h.Label, h.Provider, cmdutil.TimeText(h.BoughtAt, now, true, ""),
				cmdutil.TimeText(h.EndedAt, now, true, ""), how)
			continue
		}
		tp.AddRow(h.E164, h.Label, h.Provider, cmdutil.TimeText(h.BoughtAt, now, false, ""),
			cmdutil.TimeText(h.EndedAt, now, false, ""), h.How, h.ReplacedBy)
	}
	return tp.Render()
}
