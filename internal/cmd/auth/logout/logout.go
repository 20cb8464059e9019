// Package logout implements `vnum auth logout`: it removes a carrier profile's credentials from
// every store vnum writes (the OS keyring and the insecure file).
package logout

import (
	"context"
	"fmt"
	"strings"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/vnum-cli/vnum/internal/auth"
	"github.com/vnum-cli/vnum/internal/cmdutil"
	"github.com/vnum-cli/vnum/internal/config"
	"github.com/vnum-cli/vnum/internal/iostreams"
	"github.com/vnum-cli/vnum/internal/theme"
	"github.com/vnum-cli/vnum/providers"
)

// LogoutOptions are logout's dependencies and inputs.
type LogoutOptions struct {
	IO          *iostreams.IOStreams
	Config      func() (*config.Config, error)
	Credentials func() (*auth.Manager, error)
	Registry    *providers.Registry
	Styles      func() *theme.Styles

	Provider string
	Profile  string
}

// NewCmdLogout builds `vnum auth logout`.
func NewCmdLogout(f *cmdutil.Factory, runF func(*LogoutOptions) error) *cobra.Command {
	opts := &LogoutOptions{IO: f.IOStreams, Config: f.Config, Credentials: f.Credentials, Registry: f.Registry, Styles: f.Styles}
	cmd := &cobra.Command{
		Use:   "logout CARRIER",
		Short: "Remove a carrier's saved credentials",
		Long: heredoc.Docf(`
			Remove the credentials of one carrier profile from every place vnum saves them: the
			OS keyring and the insecure file. Logging out of a profile that has nothing saved is
			not an error.

			Credentials in environment variables are yours to unset; logout says when some are set.
		`),
		Example:           "$ vnum auth logout twilio\n$ vnum auth logout twilio --profile work",
		Args:              cmdutil.ExactArgs(1, "say which carrier: vnum auth logout "+strings.Join(auth.Providers(f.Registry), "|")),
		ValidArgsFunction: f.CompleteAuthCarriers,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Provider = args[0]
			if err := auth.ValidateTarget(opts.Registry, opts.Provider, opts.Profile); err != nil {
				return cmdutil.FlagErrorf("%w", err)
			}
			if runF != nil {
				return runF(opts)
			}
			return logoutRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Profile, "profile", "", "profile to remove (default: the profile setting, else \"default\")")
	return cmd
}

func logoutRun(_ context.Context, o *LogoutOptions) error {
	m, err := o.Credentials()
	if err != nil {
		return err
	}
	if o.Profile == "" {
		o.Profile = auth.DefaultProfile
		if cfg, err := o.Config(); err == nil && cfg.Profile() != "" {
			o.Profile = cfg.Profile()
		}
	}
	res, err := m.Delete(o.Provider, o.Profile)
	for _, w := range res.Warnings {
		cmdutil.Warnf(o.IO, "%s", w)
	}
	if vars := m.EnvVars(o.Provider); len(vars) > 0 {
		cmdutil.Warnf(o.IO, "%s still set in the environment: commands keep using it until you unset it", strings.Join(vars, ", "))
	}
	if err != nil {
		return err
	}
	if len(res.Removed) == 0 {
		fmt.Fprintf(o.IO.ErrOut, "No saved %s credentials for profile %s.\n", o.Provider, o.Profile)
		return nil
	}
	where := make([]string, len(res.Removed))
	for i, s := range res.Removed {
		where[i] = "the " + string(s)
	}
	cmdutil.WriteSuccess(o.IO, o.Styles, "Removed the %s credentials of profile %s from %s", auth.Title(o.Registry, o.Provider), o.Profile, strings.Join(where, " and "))
	return nil
}
