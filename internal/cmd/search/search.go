// Package search implements `vnum search`.
package search

import (
	"context"
	"fmt"
	"strings"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/vnum-cli/vnum/internal/cmdutil"
	"github.com/vnum-cli/vnum/internal/iostreams"
	"github.com/vnum-cli/vnum/internal/tableprinter"
	"github.com/vnum-cli/vnum/internal/theme"
	"github.com/vnum-cli/vnum/providers"
)

// Options are the dependencies `vnum search` uses, then its flags.
type Options struct {
	IO *iostreams.IOStreams
	// DefaultCountry is the country setting (config.yaml, VNUM_COUNTRY), for a search without
	// --country.
	DefaultCountry func() (string, error)
	// Provider names the carrier to ask (--provider, VNUM_PROVIDER, config).
	Provider func() (string, error)
	// Search asks the carrier, through the number lifecycle.
	Search func(ctx context.Context, provider string, q providers.Query) ([]providers.Available, error)
	Styles func() *theme.Styles

	Country     string
	Type        string
	SMS, Voice  bool
	Contains    string
	Limit       int
	NoPaperwork bool
	JSON        bool

	query providers.Query
}

// NewCmdSearch builds `vnum search`.
func NewCmdSearch(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{
		IO: f.IOStreams,
		DefaultCountry: func() (string, error) {
			cfg, err := f.Config()
			if err != nil {
				return "", err
			}
			return cfg.Country(), nil
		},
		Provider: f.ProviderName,
		Search: func(ctx context.Context, provider string, q providers.Query) ([]providers.Available, error) {
			m, err := f.Numbers()
			if err != nil {
				return nil, err
			}
			return m.Search(ctx, provider, q)
		},
		Styles: f.Styles,
	}
	cmd := &cobra.Command{
		Use:   "search --country CC [flags]",
		Short: "List numbers for sale, cheapest first",
		Long: heredoc.Doc(`
			List numbers the carrier sells in a country, cheapest first, with their monthly price
			and whether the carrier needs paperwork (an address or identity documents) first.

			On a pipe each number is one tab-separated line: number, type, monthly price,
			currency, features, paperwork, locality.
		`),
		Example: heredoc.Doc(`
			$ vnum search --country FR --type mobile --sms
			$ vnum search --country GB --contains 7946 --json
		`),
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// --contains "$DIGITS" with DIGITS unset must not mean "any number".
			if cmd.Flags().Changed("contains") && strings.TrimSpace(opts.Contains) == "" {
				return cmdutil.FlagErrorf("--contains is empty: give a value, or leave the flag out")
			}
			q, err := opts.parse()
			if err != nil {
				return err
			}
			opts.query = q
			if runF != nil {
				return runF(opts)
			}
			return searchRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.Country, "country", "c", "", "ISO country code, e.g. FR (default: config country)")
	fl.StringVarP(&opts.Type, "type", "t", "", "number type: local, mobile, national, tollfree (default any)")
	fl.BoolVar(&opts.SMS, "sms", false, "only numbers that receive SMS")
	fl.BoolVar(&opts.Voice, "voice", false, "only numbers that receive calls")
	fl.StringVar(&opts.Contains, "contains", "", "digits the number must contain")
	fl.IntVarP(&opts.Limit, "limit", "L", 20, "at most this many results (1-100)")
	fl.BoolVar(&opts.NoPaperwork, "no-paperwork", false, "only numbers the carrier sells without address or documents")
	fl.BoolVar(&opts.JSON, "json", false, "print JSON")
	return cmd
}

func (o *Options) parse() (providers.Query, error) {
	country := o.Country
	if country == "" {
		var err error
		if country, err = o.DefaultCountry(); err != nil {
			return providers.Query{}, err
		}
	}
	if country == "" {
		return providers.Query{}, cmdutil.FlagErrorf("--country is required (or set country in config.yaml or VNUM_COUNTRY)")
	}
	cc, err := cmdutil.ParseCountry(country)
	if err != nil {
		return providers.Query{}, err
	}
	t, err := cmdutil.ParseType(o.Type)
	if err != nil {
		return providers.Query{}, err
	}
	contains, err := cmdutil.ParseContains(o.Contains)
	if err != nil {
		return providers.Query{}, err
	}
	if o.Limit < 1 || o.Limit > 100 {
		return providers.Query{}, cmdutil.FlagErrorf("--limit %d: use a number from 1 to 100", o.Limit)
	}
	return providers.Query{Country: cc, Type: t, SMS: o.SMS, Voice: o.Voice, Contains: contains,
		Limit: o.Limit, NoPaperwork: o.NoPaperwork}, nil
}

func searchRun(ctx context.Context, o *Options) error {
	name, err := o.Provider()
	if err != nil {
		return err
	}
	o.IO.StartProgress("Searching " + name)
	res, err := o.Search(ctx, name, o.query)
	if err != nil {
		return err
	}
	if o.JSON {
		out := make([]cmdutil.AvailableJSON, 0, len(res))
		for _, a := range res {
			out = append(out, cmdutil.AvailableView(a))
		}
		return cmdutil.WriteJSON(o.IO, out)
	}
	if len(res) == 0 {
		fmt.Fprintf(o.IO.ErrOut, "no numbers for sale in %s match; try fewer filters\n", o.query.Country)
		return nil
	}
	tty := o.IO.IsStdoutTTY()
	tp := tableprinter.New(o.IO.Out, tty, o.Styles(), o.IO.TerminalWidth(),
		"NUMBER", "TYPE", "MONTHLY", "FEATURES", "PAPERWORK", "LOCALITY")
	for _, a := range res {
		v := cmdutil.AvailableView(a)
		if tty {
			tp.AddRow(cmdutil.FormatNumber(a.Number), v.Type, cmdutil.PriceText(a.Monthly), cmdutil.FeaturesText(a.Features),
				v.Paperwork, v.Locality)
			continue
		}
		// Price and currency apart, as list prints them, so `cut -f3` is a number.
		tp.AddRow(v.Number, v.Type, v.MonthlyPrice, v.Currency, cmdutil.FeaturesText(a.Features), v.Paperwork, v.Locality)
	}
	return tp.Render()
}
