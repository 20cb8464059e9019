// Package search implements `vnum search`.
package search

import (
	"fmt"
	"strings"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/vnum-cli/vnum/internal/cmdutil"
	"github.com/vnum-cli/vnum/internal/iostreams"
	"github.com/vnum-cli/vnum/internal/numbers"
	"github.com/vnum-cli/vnum/internal/tableprinter"
	"github.com/vnum-cli/vnum/providers"
)

// Options are search's inputs.
type Options struct {
	IO       *iostreams.IOStreams
	Factory  *cmdutil.Factory
	Numbers  func() (*numbers.Manager, error)
	Provider string

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
	opts := &Options{IO: f.IOStreams, Factory: f, Numbers: f.Numbers}
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
			q, err := opts.parse()
			if err != nil {
				return err
			}
			opts.query = q
			if runF != nil {
				return runF(opts)
			}
			return run(cmd, opts)
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
		cfg, err := o.Factory.Config()
		if err != nil {
			return providers.Query{}, err
		}
		country = cfg.Country()
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
	contains := strings.NewReplacer(" ", "", "-", "").Replace(o.Contains)
	for _, r := range contains {
		if r < '0' || r > '9' {
			return providers.Query{}, cmdutil.FlagErrorf("--contains %q: use digits only", o.Contains)
		}
	}
	if o.Limit < 1 || o.Limit > 100 {
		return providers.Query{}, cmdutil.FlagErrorf("--limit %d: use a number from 1 to 100", o.Limit)
	}
	return providers.Query{Country: cc, Type: t, SMS: o.SMS, Voice: o.Voice, Contains: contains,
		Limit: o.Limit, NoPaperwork: o.NoPaperwork}, nil
}

func run(cmd *cobra.Command, o *Options) error {
	name, err := o.Factory.ProviderName()
	if err != nil {
		return err
	}
	m, err := o.Numbers()
	if err != nil {
		return err
	}
	o.IO.StartProgress("Searching " + name)
	res, err := m.Search(cmd.Context(), name, o.query)
	o.IO.StopProgress()
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
	tp := tableprinter.New(o.IO.Out, tty, o.Factory.Styles(), o.IO.TerminalWidth(),
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
