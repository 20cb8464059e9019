// Package status implements `vnum auth status`: which carrier accounts vnum can use, where each
// credential comes from and whether the carrier accepted it, never the secret itself.
package status

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/vnum-cli/vnum/internal/auth"
	"github.com/vnum-cli/vnum/internal/cmdutil"
	"github.com/vnum-cli/vnum/internal/config"
	"github.com/vnum-cli/vnum/internal/iostreams"
	"github.com/vnum-cli/vnum/internal/tableprinter"
	"github.com/vnum-cli/vnum/internal/termsafe"
	"github.com/vnum-cli/vnum/internal/theme"
)

// StatusOptions are status's dependencies and inputs.
type StatusOptions struct {
	IO          *iostreams.IOStreams
	Config      func() (*config.Config, error)
	Credentials func() (*auth.Manager, error)
	Now         func() time.Time
	Styles      func() *theme.Styles

	JSON bool
}

// NewCmdStatus builds `vnum auth status`.
func NewCmdStatus(f *cmdutil.Factory, runF func(*StatusOptions) error) *cobra.Command {
	opts := &StatusOptions{IO: f.IOStreams, Config: f.Config, Credentials: f.Credentials, Now: f.Now, Styles: f.Styles}
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show which carrier credentials are configured, and where they come from",
		Long: heredoc.Docf(`
			For each carrier and saved profile (and always the default profile): whether
			credentials are configured, where they come from (environment, secret file,
			keyring, insecure file), the account id (Twilio account SID, Vonage API key), and
			whether the carrier accepted them at login. Secrets are never shown, not even in part.

			Output on a pipe is tab-separated, without a header:
			  provider  profile  configured  source  account  verified  verified_at
			--json prints the same fields as a JSON array, plus, for Telnyx, whether the
			optional public key vnum serve checks webhooks with is set ("optional":
			{"public_key": true}); the terminal table shows it too.
		`),
		Example: "$ vnum auth status\n$ vnum auth status --json | jq '.[] | select(.configured)'",
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return statusRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	return cmd
}

// entry is one carrier profile's status; its JSON form is a contract with scripts.
type entry struct {
	Provider   string     `json:"provider"`
	Profile    string     `json:"profile"`
	Configured bool       `json:"configured"`
	Source     string     `json:"source"`
	Account    string     `json:"account"`
	Verified   bool       `json:"verified"`
	VerifiedAt *time.Time `json:"verified_at"`
	// Optional says, for a carrier whose credentials have optional values (the Telnyx
	// public_key), whether each is set; absent for the others.
	Optional map[string]bool `json:"optional,omitempty"`

	optionalText string // the terminal's "public key: yes"
}

func statusRun(_ context.Context, o *StatusOptions) error {
	m, err := o.Credentials()
	if err != nil {
		return err
	}
	defaultProfile := auth.DefaultProfile
	if cfg, err := o.Config(); err == nil && cfg.Profile() != "" {
		defaultProfile = cfg.Profile()
	}

	var (
		entries []entry
		notes   []string // problems and warnings for stderr, each once
	)
	note := func(s string) {
		if !slices.Contains(notes, s) {
			notes = append(notes, s)
		}
	}
	for _, provider := range m.Providers() {
		profiles, err := m.Profiles(provider)
		if err != nil {
			note(err.Error())
		}
		if !slices.Contains(profiles, defaultProfile) {
			profiles = append([]string{defaultProfile}, profiles...)
		}
		for _, profile := range profiles {
			e := entry{Provider: provider, Profile: profile}
			c, err := m.Lookup(provider, profile)
			var missing *auth.MissingError
			switch {
			case errors.As(err, &missing):
				if missing.KeyringErr != nil {
					note("warning: the keyring could not be read: " + missing.KeyringErr.Error())
				}
			case err != nil:
				note(err.Error())
			default:
				e.Configured, e.Source, e.Account = true, string(c.Source), c.Account
				if c.Verified() {
					t := c.VerifiedAt.UTC()
					e.Verified, e.VerifiedAt = true, &t
				}
				if c.Warning != "" {
					note("warning: " + c.Warning)
				}
			}
			e.Optional, e.optionalText = optionalStatus(m, provider, profile, note)
			entries = append(entries, e)
		}
	}

	for _, n := range notes {
		fmt.Fprintln(o.IO.ErrOut, termsafe.Escape(n))
	}
	if o.JSON {
		return cmdutil.WriteJSON(o.IO, entries)
	}
	tty := o.IO.IsStdoutTTY()
	tp := tableprinter.New(o.IO.Out, tty, o.Styles(), o.IO.TerminalWidth(),
		"CARRIER", "PROFILE", "CONFIGURED", "SOURCE", "ACCOUNT", "VERIFIED", "OPTIONAL")
	now := o.Now()
	for _, e := range entries {
		if !tty {
			at := ""
			if e.VerifiedAt != nil {
				at = e.VerifiedAt.Format(time.RFC3339)
			}
			tp.AddRow(e.Provider, e.Profile, strconv.FormatBool(e.Configured), e.Source, e.Account,
				strconv.FormatBool(e.Verified), at)
			continue
		}
		conf, verified := "no", ""
		if e.Configured {
			conf, verified = "yes", "no"
			if e.VerifiedAt != nil {
				verified = cmdutil.TimeText(*e.VerifiedAt, now, true, "")
			}
		}
		tp.AddRow(e.Provider, e.Profile, conf, e.Source, e.Account, verified, e.optionalText)
	}
	return tp.Render()
}

// optionalStatus says whether each optional value of provider's credentials is set for
// profile, looked up as its user (vnum serve) looks it up: environment, then the saved
// credential. A store that cannot be read is noted, and the value counted as not set.
func optionalStatus(m *auth.Manager, provider, profile string, note func(string)) (map[string]bool, string) {
	fields := m.OptionalFields(provider)
	if len(fields) == 0 {
		return nil, ""
	}
	set := make(map[string]bool, len(fields))
	var text []string
	for _, f := range fields {
		v, _, err := m.Optional(provider, profile, f.Key)
		switch {
		case errors.Is(err, auth.ErrKeyringUnavailable):
			note("warning: " + err.Error()) // as the credential's own lookup says it: once
		case err != nil:
			note(err.Error())
		}
		set[f.Key] = v != ""
		yes := "no"
		if v != "" {
			yes = "yes"
		}
		text = append(text, f.Label+": "+yes)
	}
	return set, strings.Join(text, ", ")
}
