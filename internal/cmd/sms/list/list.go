// Package list implements `vnum sms list`.
package list

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/vnum-cli/vnum/internal/cmdutil"
	"github.com/vnum-cli/vnum/internal/duration"
	"github.com/vnum-cli/vnum/internal/iostreams"
	"github.com/vnum-cli/vnum/internal/numbers"
	"github.com/vnum-cli/vnum/internal/phone"
	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/internal/tableprinter"
	"github.com/vnum-cli/vnum/internal/theme"
)

// Options are the dependencies `vnum sms list` uses, then its argument and flags.
type Options struct {
	IO *iostreams.IOStreams
	// Resolve finds the number a REF names among those vnum holds; ResolveEnded among those it
	// held (their messages stay until a burn).
	Resolve      func(ctx context.Context, ref string) (store.Number, error)
	ResolveEnded func(ctx context.Context, ref string) (store.HistoryEntry, error)
	// Messages reads a held number's messages from its carrier (and records them); Kept reads
	// what vnum kept of a number it no longer holds.
	Messages func(ctx context.Context, n store.Number, since time.Time) ([]store.Message, error)
	Kept     func(ctx context.Context, h store.HistoryEntry, since time.Time) ([]store.Message, error)
	Now      func() time.Time
	Styles   func() *theme.Styles

	Ref   string
	Since string
	JSON  bool

	since time.Duration
}

// NewCmdList builds `vnum sms list`.
func NewCmdList(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{
		IO:      f.IOStreams,
		Resolve: f.ResolveRef,
		ResolveEnded: func(ctx context.Context, ref string) (store.HistoryEntry, error) {
			m, err := f.Numbers()
			if err != nil {
				return store.HistoryEntry{}, err
			}
			return f.ResolveEnded(ctx, m, ref)
		},
		Messages: func(ctx context.Context, n store.Number, since time.Time) ([]store.Message, error) {
			m, err := f.Numbers()
			if err != nil {
				return nil, err
			}
			return m.Messages(ctx, n, since)
		},
		Kept: func(ctx context.Context, h store.HistoryEntry, since time.Time) ([]store.Message, error) {
			m, err := f.Numbers()
			if err != nil {
				return nil, err
			}
			return m.Store.ListMessages(ctx, h.ID, since)
		},
		Now:    f.Now,
		Styles: f.Styles,
	}
	cmd := &cobra.Command{
		Use:     "list REF [--since DURATION]",
		Aliases: []string{"ls"},
		Short:   "Messages received on a number",
		Long: "List the SMS a number received (and sent), oldest first. On a pipe each is one\n" +
			"tab-separated line: received_at, direction, from, to, text (newlines folded to spaces).",
		Example:           "$ vnum sms list shop --since 1d",
		Args:              cmdutil.ExactArgs(1, "say which number: vnum sms list REF"),
		ValidArgsFunction: f.CompleteRefs(cmdutil.RefsHeldOrEnded),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ref = args[0]
			if opts.Since != "" {
				d, err := duration.Parse(opts.Since)
				if err != nil {
					return cmdutil.FlagErrorf("--since: %v", err)
				}
				opts.since = d
			}
			if runF != nil {
				return runF(opts)
			}
			return listRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Since, "since", "", "only messages from the last DURATION, e.g. 1h or 7d")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	return cmd
}

func listRun(ctx context.Context, o *Options) error {
	var since time.Time
	if o.since > 0 {
		since = o.Now().Add(-o.since)
	}
	var msgs []store.Message
	n, err := o.Resolve(ctx, o.Ref)
	switch {
	case errors.Is(err, numbers.ErrNoMatch):
		// A number given back: what vnum kept of its messages is still here (burn deletes it).
		h, herr := o.ResolveEnded(ctx, o.Ref)
		if herr != nil {
			return err
		}
		if o.IO.IsStderrTTY() {
			fmt.Fprintf(o.IO.ErrOut, "%s was %s on %s: these are the messages vnum kept\n",
				phone.Format(h.E164), h.How, h.EndedAt.Local().Format("2006-01-02 15:04"))
		}
		if msgs, err = o.Kept(ctx, h, since); err != nil {
			return err
		}
	case err != nil:
		return err
	default:
		o.IO.StartProgress("Reading messages")
		msgs, err = o.Messages(ctx, n, since)
		if err != nil {
			return err
		}
	}
	if o.JSON {
		out := make([]cmdutil.MessageJSON, 0, len(msgs))
		for _, msg := range msgs {
			out = append(out, cmdutil.MessageView(msg.Message))
		}
		return cmdutil.WriteJSON(o.IO, out)
	}
	tty := o.IO.IsStdoutTTY()
	if len(msgs) == 0 {
		if tty {
			fmt.Fprintln(o.IO.ErrOut, "no messages")
		}
		return nil
	}
	now := o.Now()
	tp := tableprinter.New(o.IO.Out, tty, o.Styles(), o.IO.TerminalWidth(), "RECEIVED", "FROM", "TEXT")
	for _, msg := range msgs {
		v := cmdutil.MessageView(msg.Message)
		text := v.Text
		if v.Withheld {
			text = "(text withheld by the carrier)"
		}
		if tty {
			from := v.From
			if v.Direction == "outbound" {
				from = "→ " + v.To
			}
			tp.AddRow(cmdutil.TimeText(v.ReceivedAt, now, true, ""), from, text)
			continue
		}
		tp.AddRow(cmdutil.TimeText(v.ReceivedAt, now, false, ""), v.Direction, v.From, v.To, text)
	}
	return tp.Render()
}
