// Package calls implements `vnum calls`, the call log.
package calls

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/vnum-cli/vnum/internal/cmdutil"
	"github.com/vnum-cli/vnum/internal/duration"
	"github.com/vnum-cli/vnum/internal/iostreams"
	"github.com/vnum-cli/vnum/internal/numbers"
	"github.com/vnum-cli/vnum/internal/phone"
	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/internal/tableprinter"
	"github.com/vnum-cli/vnum/internal/termsafe"
	"github.com/vnum-cli/vnum/internal/theme"
)

// Options are calls' dependencies, then its flags.
type Options struct {
	IO *iostreams.IOStreams
	// Resolve finds the number REF names among those vnum holds; ResolveEnded among those it
	// held, whose calls Kept lists (what vnum stored; a burn leaves none).
	Resolve      func(ctx context.Context, ref string) (store.Number, error)
	ResolveEnded func(ctx context.Context, ref string) (store.HistoryEntry, error)
	Kept         func(ctx context.Context, h store.HistoryEntry, since time.Time) ([]store.Call, error)
	// Calls reads new calls from the carriers, then returns the log of ns (every number when
	// nil) since the given time.
	Calls  func(ctx context.Context, ns []store.Number, since time.Time) (numbers.CallsResult, error)
	Now    func() time.Time
	Styles func() *theme.Styles

	Ref   string
	Since time.Duration // 0: everything
	JSON  bool
}

// CallJSON is one call in `vnum calls --json`.
type CallJSON struct {
	ID              string    `json:"id"`
	From            string    `json:"from"` // "" when the caller withheld the number
	To              string    `json:"to"`
	At              time.Time `json:"at"`
	DurationSeconds int64     `json:"duration_seconds"`
	Outcome         string    `json:"outcome"`
}

// NewCmdCalls builds `vnum calls`.
func NewCmdCalls(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
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
		Kept: func(ctx context.Context, h store.HistoryEntry, since time.Time) ([]store.Call, error) {
			m, err := f.Numbers()
			if err != nil {
				return nil, err
			}
			return m.Store.ListCalls(ctx, []int64{h.ID}, since)
		},
		Calls: func(ctx context.Context, ns []store.Number, since time.Time) (numbers.CallsResult, error) {
			m, err := f.Numbers()
			if err != nil {
				return numbers.CallsResult{}, err
			}
			return m.Calls(ctx, ns, since)
		},
		Now:    f.Now,
		Styles: f.Styles,
	}
	var since string
	cmd := &cobra.Command{
		Use:   "calls [REF] [--since 7d]",
		Short: "The call log: who called which number, and what happened",
		Long: heredoc.Doc(`
			List the calls your numbers received (REF: one number), oldest first, after reading the
			new ones from the carriers. REF may name a number given back (vnum history): its calls
			as vnum kept them (a burn keeps none). What happened is one of: answered (forwarded and picked up),
			forwarded (forwarded; the carrier does not say whether it was picked up), blocked,
			voicemail, missed.

			On a pipe each call is one tab-separated line: at (RFC 3339), from ("anonymous" when
			withheld), to, outcome, duration in seconds. --json prints a list of
			{id, from, to, at, duration_seconds, outcome}; from is "" when withheld.
		`),
		Example: heredoc.Doc(`
			$ vnum calls
			$ vnum calls shop --since 7d
		`),
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: f.CompleteRefs(cmdutil.RefsHeldOrEnded),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Ref = args[0]
			}
			if since != "" {
				d, err := duration.Parse(since)
				if err != nil {
					return cmdutil.FlagErrorf("--since: %v", err)
				}
				opts.Since = d
			}
			if runF != nil {
				return runF(opts)
			}
			return callsRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&since, "since", "", "only calls of the last DURATION, e.g. 7d or 12h")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	return cmd
}

func callsRun(ctx context.Context, opts *Options) error {
	now := opts.Now()
	var since time.Time
	if opts.Since > 0 {
		since = now.Add(-opts.Since)
	}
	res, err := callLog(ctx, opts, since)
	if err != nil {
		return err
	}
	for _, note := range res.Notes {
		cmdutil.Warnf(opts.IO, "%s", note)
	}
	if opts.JSON {
		out := make([]CallJSON, 0, len(res.Calls))
		for _, c := range res.Calls {
			out = append(out, CallJSON{ID: c.ID, From: c.From, To: c.To, At: c.At.UTC(),
				DurationSeconds: int64(c.Duration.Seconds()), Outcome: string(c.Outcome)})
		}
		return cmdutil.WriteJSON(opts.IO, out)
	}
	tty := opts.IO.IsStdoutTTY()
	if len(res.Calls) == 0 {
		if tty {
			fmt.Fprintln(opts.IO.ErrOut, "No calls")
		}
		return nil
	}
	tp := tableprinter.New(opts.IO.Out, tty, opts.Styles(), opts.IO.TerminalWidth(), "WHEN", "FROM", "TO", "WHAT", "LENGTH")
	for _, c := range res.Calls {
		from := c.From
		if tty {
			from = CallerText(c.From)
			tp.AddRow(cmdutil.TimeText(c.At, now, true, ""), from, phone.Format(c.To), string(c.Outcome),
				cmdutil.SpanWords(c.Duration))
			continue
		}
		if from == "" {
			from = "anonymous"
		}
		tp.AddRow(cmdutil.TimeText(c.At, now, false, ""), termsafe.Escape(from), c.To, string(c.Outcome),
			strconv.FormatInt(int64(c.Duration.Seconds()), 10))
	}
	return tp.Render()
}

// callLog is the calls of the number REF names (every number without one), after reading the
// new ones from the carriers; of a number given back, the calls vnum kept.
func callLog(ctx context.Context, opts *Options, since time.Time) (numbers.CallsResult, error) {
	if opts.Ref == "" {
		return opts.Calls(ctx, nil, since)
	}
	n, err := opts.Resolve(ctx, opts.Ref)
	if errors.Is(err, numbers.ErrNoMatch) {
		h, herr := opts.ResolveEnded(ctx, opts.Ref)
		if herr != nil {
			return numbers.CallsResult{}, err
		}
		if opts.IO.IsStderrTTY() {
			fmt.Fprintf(opts.IO.ErrOut, "%s was %s on %s: these are the calls vnum kept\n",
				phone.Format(h.E164), h.How, h.EndedAt.Local().Format("2006-01-02 15:04"))
		}
		kept, err := opts.Kept(ctx, h, since)
		return numbers.CallsResult{Calls: kept}, err
	}
	if err != nil {
		return numbers.CallsResult{}, err
	}
	return opts.Calls(ctx, []store.Number{n}, since)
}

// CallerText is a caller for people: the number formatted, "withheld" when there is none.
func CallerText(from string) string {
	if from == "" {
		return "withheld"
	}
	return phone.Format(from)
}
