// Package buy implements `vnum buy`.
package buy

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/vnum-cli/vnum/internal/cmdutil"
	"github.com/vnum-cli/vnum/internal/config"
	"github.com/vnum-cli/vnum/internal/iostreams"
	"github.com/vnum-cli/vnum/internal/numbers"
	"github.com/vnum-cli/vnum/internal/phone"
	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/internal/theme"
	"github.com/vnum-cli/vnum/providers"
)

// Options are the dependencies `vnum buy` uses, then its argument and flags.
type Options struct {
	IO *iostreams.IOStreams
	// Config gives the defaults a flag left out falls back on: country, forward_to, ttl.
	Config func() (*config.Config, error)
	// Provider names the carrier to buy from (--provider, VNUM_PROVIDER, config).
	Provider func() (string, error)
	// CheckRegulatory checks --bundle/--address against what the carrier expects (nil: it
	// takes any).
	CheckRegulatory func(provider string, ids map[string]string) error
	// CheckForwardSMS refuses --forward-sms on a carrier that cannot forward SMS.
	CheckForwardSMS func(provider, flag string) error
	// Candidates lists what a dry run would buy, cheapest first; Buy buys, through the number
	// lifecycle and its journal.
	Candidates func(ctx context.Context, req numbers.BuyRequest) ([]providers.Available, error)
	Buy        func(ctx context.Context, req numbers.BuyRequest) (numbers.BuyResult, error)
	// Confirm asks a yes/no question on the terminal.
	Confirm func(question string, def bool) (bool, error)
	Now     func() time.Time
	Styles  func() *theme.Styles

	Number     string
	Country    string
	Type       string
	SMS, Voice bool
	Contains   string
	Label      string
	ForwardTo  string
	ForwardSMS bool
	TTL        string
	MaxPrice   string
	Bundle     string
	Address    string
	DryRun     bool
	Quiet      bool
	JSON       bool
	Yes        bool

	req numbers.BuyRequest
}

// NewCmdBuy builds `vnum buy`. runF, when not nil, replaces buyRun (tests).
func NewCmdBuy(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{
		IO:       f.IOStreams,
		Config:   f.Config,
		Provider: f.ProviderName,
		CheckRegulatory: func(provider string, ids map[string]string) error {
			if d, ok := f.Registry.Lookup(provider); ok && d.CheckRegulatory != nil {
				return d.CheckRegulatory(ids)
			}
			return nil
		},
		CheckForwardSMS: f.CheckForwardSMS,
		Candidates: func(ctx context.Context, req numbers.BuyRequest) ([]providers.Available, error) {
			m, err := f.Numbers()
			if err != nil {
				return nil, err
			}
			return m.Candidates(ctx, req)
		},
		Buy: func(ctx context.Context, req numbers.BuyRequest) (numbers.BuyResult, error) {
			m, err := f.Numbers()
			if err != nil {
				return numbers.BuyResult{}, err
			}
			return m.Buy(ctx, req)
		},
		Confirm: func(question string, def bool) (bool, error) { return f.Prompter.Confirm(question, def) },
		Now:     f.Now,
		Styles:  f.Styles,
	}
	cmd := &cobra.Command{
		Use:   "buy (--country CC [--type T] | NUMBER) [flags]",
		Short: "Buy a number, forward it and give it a lifetime",
		Long: heredoc.Doc(`
			Buy the cheapest number that matches (or NUMBER, from vnum search), then apply the
			label, call forwarding and expiry. The price is shown before anything is spent: on a
			terminal vnum asks (unless --yes); in a script it buys, within --max-price if given.

			If the carrier's answer is lost (network failure, Ctrl-C, crash), vnum never buys
			twice: it checks the account, and the next vnum command finishes the job.
		`),
		Example: heredoc.Doc(`
			$ vnum buy --country FR --label shop --forward-to +33612345678
			$ n=$(vnum buy --country GB --type mobile --ttl 7d --max-price 2 -q)
			$ vnum buy +442079460123 --label test
		`),
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: f.CompleteRefs(cmdutil.RefsEnded),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Number = args[0]
			}
			// --max-price "$MAX" with MAX unset must not mean "no cap".
			// So must --label "$LABEL": it would buy a number without the label the script uses,
			// and --contains "$DIGITS": any number at all.
			for _, name := range []string{"max-price", "country", "ttl", "forward-to", "label", "contains"} {
				if cmd.Flags().Changed(name) && strings.TrimSpace(cmd.Flag(name).Value.String()) == "" {
					return cmdutil.FlagErrorf("--%s is empty: give a value, or leave the flag out", name)
				}
			}
			if err := opts.parse(); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return buyRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.Country, "country", "c", "", "ISO country code, e.g. FR (default: config country)")
	fl.StringVarP(&opts.Type, "type", "t", "", "number type: local, mobile, national, tollfree")
	fl.BoolVar(&opts.SMS, "sms", false, "only numbers that receive SMS")
	fl.BoolVar(&opts.Voice, "voice", false, "only numbers that receive calls")
	fl.StringVar(&opts.Contains, "contains", "", "digits the number must contain")
	fl.StringVarP(&opts.Label, "label", "l", "", "your name for the number, usable as REF")
	fl.StringVar(&opts.ForwardTo, "forward-to", "", "forward calls to this number (default: config forward_to)")
	fl.BoolVar(&opts.ForwardSMS, "forward-sms", false, "forward SMS to the --forward-to number too")
	fl.StringVar(&opts.TTL, "ttl", "", "release it after this long, e.g. 7d; vnum expire releases it then (default: config ttl)")
	fl.StringVar(&opts.MaxPrice, "max-price", "", "refuse numbers costing more per month than this, e.g. 2.50")
	fl.StringVar(&opts.Bundle, "bundle", "", "carrier regulatory bundle id (Twilio BU…)")
	fl.StringVar(&opts.Address, "address", "", "carrier address id (Twilio AD…)")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "show what would be bought, and its price, without buying")
	fl.BoolVarP(&opts.Quiet, "quiet", "q", false, "print only the number (E.164)")
	fl.BoolVar(&opts.JSON, "json", false, "print JSON")
	fl.BoolVarP(&opts.Yes, "yes", "y", false, "do not ask for confirmation")
	cmd.MarkFlagsMutuallyExclusive("quiet", "json")
	return cmd
}

func (o *Options) parse() error {
	cfg, err := o.Config()
	if err != nil {
		return err
	}
	country := o.Country
	if country == "" {
		country = cfg.Country()
	}
	var q providers.Query
	if country != "" {
		if q.Country, err = cmdutil.ParseCountry(country); err != nil {
			return err
		}
	}
	if q.Type, err = cmdutil.ParseType(o.Type); err != nil {
		return err
	}
	req := numbers.BuyRequest{Label: o.Label, ForwardSMS: o.ForwardSMS}
	switch {
	case o.Number != "":
		if req.Number, err = phone.Parse(o.Number, q.Country); err != nil {
			return cmdutil.FlagErrorf("%v", err)
		}
		if o.Country != "" && phone.Country(req.Number) != q.Country {
			return cmdutil.FlagErrorf("%s is a %s number, not %s: drop --country or pick another number",
				phone.Format(req.Number), phone.CountryName(phone.Country(req.Number)), q.Country)
		}
		if o.Type != "" && phone.TypeOf(req.Number) != q.Type {
			return cmdutil.FlagErrorf("%s is a %s number, not %s", phone.Format(req.Number), phone.TypeOf(req.Number), q.Type)
		}
		if o.Contains != "" {
			return cmdutil.FlagErrorf("--contains goes with --country, not with a NUMBER")
		}
	case q.Country == "":
		return cmdutil.FlagErrorf("say what to buy: --country CC (e.g. --country FR), or a NUMBER from vnum search")
	}
	if q.Contains, err = cmdutil.ParseContains(o.Contains); err != nil {
		return err
	}
	q.SMS, q.Voice = o.SMS, o.Voice
	req.Query = q
	if err := cmdutil.ValidateLabel(o.Label); err != nil {
		return err
	}
	fwd, fwdSetting := o.ForwardTo, "--forward-to"
	if fwd == "" {
		fwd, fwdSetting = cfg.ForwardTo(), "forward_to (config.yaml or VNUM_FORWARD_TO)"
	}
	if fwd != "" {
		// The phone calls go to is the user's own: a national number is read in their country
		// (config country), not in the country of the number being bought.
		home := cfg.Country()
		if home == "" {
			home = q.Country
		}
		if req.ForwardTo, err = cmdutil.ParseNumber(fwdSetting, fwd, home); err != nil {
			return err
		}
		if req.ForwardTo == req.Number {
			return cmdutil.FlagErrorf("--forward-to is the number being bought: forward to your own phone instead")
		}
	} else if o.ForwardSMS {
		return cmdutil.FlagErrorf("--forward-sms needs --forward-to")
	}
	ttl, ttlSetting := o.TTL, "--ttl"
	if ttl == "" {
		ttl, ttlSetting = cfg.TTL(), "ttl (config.yaml or VNUM_TTL)"
	}
	if ttl != "" {
		if req.TTL, err = cmdutil.ParseTTL(ttlSetting, ttl); err != nil {
			return err
		}
	}
	if o.MaxPrice != "" {
		if req.MaxPrice, err = cmdutil.ParseMaxPrice(o.MaxPrice); err != nil {
			return err
		}
	}
	if o.Bundle != "" || o.Address != "" {
		req.Regulatory = map[string]string{}
		if o.Bundle != "" {
			req.Regulatory["bundle"] = o.Bundle
		}
		if o.Address != "" {
			req.Regulatory["address"] = o.Address
		}
	}
	o.req = req
	return nil
}

func buyRun(ctx context.Context, o *Options) error {
	name, err := o.Provider()
	if err != nil {
		return err
	}
	if len(o.req.Regulatory) > 0 {
		if err := o.CheckRegulatory(name, o.req.Regulatory); err != nil {
			return cmdutil.FlagErrorf("--bundle/--address: %v", err)
		}
	}
	if o.req.ForwardSMS {
		if err := o.CheckForwardSMS(name, "--forward-sms"); err != nil {
			return err
		}
	}
	o.req.Provider = name
	if phone.IsPremium(o.req.ForwardTo) {
		cmdutil.Warnf(o.IO, "%s is a premium-rate number: every forwarded call is billed at its rate", phone.Format(o.req.ForwardTo))
	}
	if o.DryRun {
		o.IO.StartProgress("Searching " + name)
		cands, err := o.Candidates(ctx, o.req)
		if err != nil {
			return mapErr(err)
		}
		return o.printDryRun(cands[0])
	}
	if o.IO.CanPrompt() && !o.Yes {
		o.req.Confirm = func(a providers.Available) (bool, error) {
			return o.Confirm(fmt.Sprintf("Buy %s (%s, %s) on %s for %s%s?",
				phone.Format(a.Number), phone.CountryName(a.Country), a.Type, name, cmdutil.MonthlyText(a.Monthly), upfront(a)), false)
		}
	}
	o.IO.StartProgress("Searching " + name)
	res, err := o.Buy(ctx, o.req)
	for _, w := range res.Warnings {
		cmdutil.Warnf(o.IO, "%s", w)
	}
	if err != nil {
		if res.Number.ID == 0 {
			return mapErr(err)
		}
		// Bought, but setting it up failed. The number is the user's (and billed), so this is
		// success with a warning: a non-zero exit would make a retrying script buy another.
		if providers.IsRefusal(err) {
			cmdutil.Warnf(o.IO, "bought %s, but %v: set the forwarding with `vnum forward %s --to …`",
				phone.Format(res.Number.E164), err, res.Number.E164)
		} else {
			cmdutil.Warnf(o.IO, "bought %s, but %v: the next vnum command sets the forwarding (or run `vnum list`)",
				phone.Format(res.Number.E164), err)
		}
	}
	if !o.Quiet {
		cmdutil.WriteSuccess(o.IO, o.Styles, "Bought %s for %s", phone.Format(res.Number.E164), cmdutil.MonthlyText(res.Number.Monthly))
	}
	return o.print(res.Number)
}

func (o *Options) print(n store.Number) error {
	switch {
	case o.Quiet:
		_, err := fmt.Fprintln(o.IO.Out, n.E164)
		return err
	case o.JSON:
		return cmdutil.WriteJSON(o.IO, cmdutil.NumberView(n))
	default:
		return cmdutil.WriteNumber(o.IO, o.Styles, o.Now(), n)
	}
}

func (o *Options) printDryRun(a providers.Available) error {
	switch {
	case o.Quiet:
		_, err := fmt.Fprintln(o.IO.Out, a.Number)
		return err
	case o.JSON:
		return cmdutil.WriteJSON(o.IO, cmdutil.AvailableView(a))
	}
	v := cmdutil.AvailableView(a)
	if !o.IO.IsStdoutTTY() {
		_, err := fmt.Fprintf(o.IO.Out, "%s\t%s\t%s\t%s\t%s\n", v.Number, v.Type, v.MonthlyPrice, v.Currency, v.Paperwork)
		return err
	}
	extra := ""
	if o.req.TTL > 0 {
		// In words ("1 minute", "30 days"): a user who wrote 1m for a month sees it here.
		extra += ", released after " + cmdutil.SpanWords(o.req.TTL)
	}
	if o.req.ForwardTo != "" {
		extra += ", calls forwarded to " + phone.Format(o.req.ForwardTo)
	}
	_, err := fmt.Fprintf(o.IO.Out, "Would buy %s (%s, %s) for %s%s%s. Nothing was bought.\n",
		phone.Format(a.Number), phone.CountryName(a.Country), a.Type, cmdutil.MonthlyText(a.Monthly), upfront(a), extra)
	return err
}

func upfront(a providers.Available) string {
	if a.Upfront.IsZero() {
		return ""
	}
	return " + " + a.Upfront.String() + " up front"
}

// mapErr gives vnum's own refusals their exit code.
func mapErr(err error) error {
	switch {
	case errors.Is(err, numbers.ErrCancelled):
		return cmdutil.ErrCancel
	case errors.Is(err, numbers.ErrOverPrice), errors.Is(err, numbers.ErrAlreadyYours):
		return &cmdutil.ExitError{Code: cmdutil.ExitRefused, Err: err}
	case errors.Is(err, store.ErrLabelTaken), errors.Is(err, numbers.ErrForwardLoop):
		return &cmdutil.ExitError{Code: cmdutil.ExitUsage, Err: err}
	}
	return err
}
