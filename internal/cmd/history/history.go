// Package history implements `vnum history`.
package history

import (
	"github.com/spf13/cobra"

	"github.com/vnum-cli/vnum/internal/cmdutil"
	"github.com/vnum-cli/vnum/internal/iostreams"
	"github.com/vnum-cli/vnum/internal/numbers"
	"github.com/vnum-cli/vnum/internal/phone"
	"github.com/vnum-cli/vnum/internal/tableprinter"
)

// Options are history's inputs.
type Options struct {
	IO      *iostreams.IOStreams
	Factory *cmdutil.Factory
	Numbers func() (*numbers.Manager, error)

	JSON bool
}

// NewCmdHistory builds `vnum history`.
func NewCmdHistory(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Factory: f, Numbers: f.Numbers}
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
			m, err := opts.Numbers()
			if err != nil {
				return err
			}
			hs, err := m.Store.ListHistory(cmd.Context())
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
			now := f.Now()
			tp := tableprinter.New(opts.IO.Out, tty, f.Styles(), opts.IO.TerminalWidth(),
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
			if tp.Len() == 0 && tty {
				return nil
			}
			return tp.Render()
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	return cmd
}
