// Package list implements `vnum list`.
package list

import (
	"context"
	"fmt"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/vnum-cli/vnum/internal/cmdutil"
	"github.com/vnum-cli/vnum/internal/iostreams"
	"github.com/vnum-cli/vnum/internal/numbers"
	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/internal/tableprinter"
	"github.com/vnum-cli/vnum/internal/termsafe"
	"github.com/vnum-cli/vnum/internal/theme"
	"github.com/vnum-cli/vnum/providers"
)

// Options are the dependencies `vnum list` uses, then its flags.
type Options struct {
	IO *iostreams.IOStreams
	// Numbers opens the number lifecycle; offline, without asking any carrier, not even to
	// finish an interrupted operation (the next command that goes online does).
	Numbers func(offline bool) (Lifecycle, error)
	// Provider names the selected carrier (--provider, VNUM_PROVIDER, config), which is asked
	// too; ProviderFlag is --provider alone ("" when not given), which limits the list.
	Provider     func() (string, error)
	ProviderFlag func() string
	Now          func() time.Time
	Styles       func() *theme.Styles

	Label   string
	Offline bool
	JSON    bool
}

// Lifecycle is what list needs of the number lifecycle (numbers.Manager).
type Lifecycle interface {
	// Stored lists the numbers the store holds.
	Stored(ctx context.Context) ([]store.Number, error)
	// Carriers names the carriers that hold stored numbers.
	Carriers(ctx context.Context) ([]string, error)
	// Refresh asks a carrier what the account owns and brings the store in line; it returns
	// the stored numbers as it left them.
	Refresh(ctx context.Context, provider string) (stored []store.Number, notes []string, err error)
}

type manager struct{ *numbers.Manager }

func (m manager) Stored(ctx context.Context) ([]store.Number, error) { return m.Store.ListNumbers(ctx) }
func (m manager) Carriers(ctx context.Context) ([]string, error) {
	return m.Store.NumberProviders(ctx)
}

// NewCmdList builds `vnum list`. runF, when not nil, replaces listRun (tests).
func NewCmdList(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{
		IO: f.IOStreams,
		Numbers: func(offline bool) (Lifecycle, error) {
			open := f.Numbers
			if offline {
				open = f.NumbersOffline
			}
			m, err := open()
			if err != nil {
				return nil, err
			}
			return manager{m}, nil
		},
		Provider:     f.ProviderName,
		ProviderFlag: f.ProviderFlagName,
		Now:          f.Now,
		Styles:       f.Styles,
	}
	cmd := &cobra.Command{
		Use:     "list [flags]",
		Aliases: []string{"ls"},
		Short:   "List the numbers you own, with a monthly total",
		Long: heredoc.Doc(`
			List the numbers you own: number, label, carrier, forwarding, expiry, monthly price and
			state, with the monthly total per currency.

			vnum first asks each carrier what the account owns, so a number bought elsewhere shows
			up (as unmanaged) and one the carrier no longer has moves to history. --offline shows
			what vnum last knew without asking.

			On a pipe each number is one tab-separated line: number, label, provider, state,
			forward_calls_to, forward_sms_to, expires_at, monthly_price, currency, carrier_id.
		`),
		Example: heredoc.Doc(`
			$ vnum list
			$ vnum list --label 'shop*' --provider twilio
			$ vnum list --json | jq -r '.numbers[].number'
		`),
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, err := path.Match(opts.Label, ""); err != nil {
				return cmdutil.FlagErrorf("--label %q is not a valid pattern: %v", opts.Label, err)
			}
			if runF != nil {
				return runF(opts)
			}
			return listRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Label, "label", "l", "", "only labels matching this glob, e.g. 'shop*'")
	cmd.Flags().BoolVar(&opts.Offline, "offline", false, "do not ask the carriers; show what vnum last knew")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	return cmd
}

// Total is the monthly cost of the listed numbers in one currency.
type Total struct {
	Currency     string `json:"currency"`
	MonthlyPrice string `json:"monthly_price"`
	Count        int    `json:"count"`
}

func listRun(ctx context.Context, o *Options) error {
	m, err := o.Numbers(o.Offline)
	if err != nil {
		return err
	}
	// The selected carrier (flag, VNUM_PROVIDER or config) is asked too; a name vnum does not
	// know is a mistake to say, not to pass over.
	current, err := o.Provider()
	if err != nil {
		return err
	}
	only := o.ProviderFlag()
	// Credentials missing or refused do not hide what vnum knows, but a script must not take
	// it for the carrier's word: the list is printed, and the exit code says 4.
	var authErr error
	var stored []store.Number // as the carriers' refresh left the store, if it did
	if !o.Offline {
		stored, authErr = o.refresh(ctx, m, only, current)
	}
	if err := o.show(ctx, m, only, stored); err != nil {
		return err
	}
	if authErr != nil {
		return &cmdutil.ExitError{Code: cmdutil.ExitAuth, Err: authErr}
	}
	return nil
}

// show prints the stored numbers that the flags select: all, when given, or else read from the
// store.
func (o *Options) show(ctx context.Context, m Lifecycle, only string, all []store.Number) error {
	if all == nil {
		var err error
		if all, err = m.Stored(ctx); err != nil {
			return err
		}
	}
	var shown []store.Number
	for _, n := range all {
		if only != "" && n.Provider != only {
			continue
		}
		if o.Label != "" {
			if ok, _ := path.Match(o.Label, n.Label); !ok {
				continue
			}
		}
		shown = append(shown, n)
	}
	totals := totalsOf(shown)
	if o.JSON {
		out := struct {
			Numbers []cmdutil.NumberJSON `json:"numbers"`
			Totals  []Total              `json:"totals"`
		}{Numbers: make([]cmdutil.NumberJSON, 0, len(shown)), Totals: totals}
		for _, n := range shown {
			out.Numbers = append(out.Numbers, cmdutil.NumberView(n))
		}
		return cmdutil.WriteJSON(o.IO, out)
	}
	tty := o.IO.IsStdoutTTY()
	if len(shown) == 0 {
		if tty {
			fmt.Fprintln(o.IO.ErrOut, "no numbers yet: try `vnum buy --country FR`")
		}
		return nil
	}
	now := o.Now()
	tp := tableprinter.New(o.IO.Out, tty, o.Styles(), o.IO.TerminalWidth(), cmdutil.NumberHeader...)
	for _, n := range shown {
		tp.AddRow(cmdutil.NumberRow(n, now, tty)...)
	}
	if err := tp.Render(); err != nil {
		return err
	}
	if tty {
		parts := make([]string, 0, len(totals))
		for _, t := range totals {
			parts = append(parts, t.MonthlyPrice+" "+t.Currency)
		}
		noun := "numbers"
		if len(shown) == 1 {
			noun = "number"
		}
		fmt.Fprintf(o.IO.Out, "%d %s, %s a month\n", len(shown), noun, strings.Join(parts, " + "))
	}
	return nil
}

// refresh asks the carriers that hold stored numbers (and the selected one) what the account
// owns. A carrier that cannot be reached is reported and its stored numbers are shown as last
// known. It returns the stored numbers as the last carrier's refresh left them (every carrier's:
// each refresh reads the whole store), or nil when a refresh failed and the store must be read.
func (o *Options) refresh(ctx context.Context, m Lifecycle, only, current string) (stored []store.Number, authErr error) {
	names := map[string]bool{}
	if only != "" {
		names[only] = true
	} else {
		inUse, err := m.Carriers(ctx)
		if err == nil {
			for _, p := range inUse {
				names[p] = true
			}
		}
		names[current] = true
	}
	sorted := make([]string, 0, len(names))
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	failed := false
	for _, name := range sorted {
		o.IO.StartProgress("Asking " + name)
		rows, notes, err := m.Refresh(ctx, name)
		stored = rows
		if err != nil {
			failed = true
		}
		for _, n := range notes {
			fmt.Fprintf(o.IO.ErrOut, "vnum: %s\n", termsafe.Escape(n))
		}
		switch {
		case err != nil && cmdutil.ExitCodeFor(err) == cmdutil.ExitAuth:
			// Said once, by the caller, after the list; the exit code is 4.
			if authErr == nil {
				authErr = fmt.Errorf("could not ask %s what you own, so the list above is what vnum last knew: %w", name, err)
			}
		case err != nil:
			cmdutil.Warnf(o.IO, "could not ask %s what you own (%v); showing what vnum last knew", name, err)
		}
	}
	if failed {
		stored = nil
	}
	return stored, authErr
}

func totalsOf(ns []store.Number) []Total {
	by := map[string]*Total{}
	sums := map[string]int64{}
	var order []string
	for _, n := range ns {
		c := n.Monthly.Currency
		if c == "" {
			continue
		}
		if by[c] == nil {
			by[c] = &Total{Currency: c}
			order = append(order, c)
		}
		by[c].Count++
		sums[c] += n.Monthly.Micros
	}
	sort.Strings(order)
	out := make([]Total, 0, len(order))
	for _, c := range order {
		t := by[c]
		t.MonthlyPrice = providers.Price{Micros: sums[c], Currency: c}.Amount()
		out = append(out, *t)
	}
	return out
}
