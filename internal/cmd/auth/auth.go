// Package auth groups the `vnum auth` verbs: login, logout and status.
package auth

import (
	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/vnum-cli/vnum/internal/cmd/auth/login"
	"github.com/vnum-cli/vnum/internal/cmd/auth/logout"
	"github.com/vnum-cli/vnum/internal/cmd/auth/status"
	"github.com/vnum-cli/vnum/internal/cmdutil"
)

// NewCmdAuth builds `vnum auth`.
func NewCmdAuth(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "auth <command>",
		Short: "Log in to carriers; credentials are kept in the OS keyring",
		Long: heredoc.Doc(`
			Manage carrier credentials. vnum looks them up in this order: the carrier's
			environment variables (each also as NAME_FILE naming a file that holds the value),
			the OS keyring, then the plaintext file written only by login --insecure-storage.
			Secrets are never accepted as flags or arguments and never printed.
		`),
	}
	cmd.AddCommand(login.NewCmdLogin(f, nil), logout.NewCmdLogout(f, nil), status.NewCmdStatus(f, nil))
	return cmd
}
