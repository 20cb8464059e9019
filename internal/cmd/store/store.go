// Package store implements `vnum store`, the commands about where vnum keeps its record.
package store

import (
	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/vnum-cli/vnum/internal/cmd/store/migrate"
	"github.com/vnum-cli/vnum/internal/cmdutil"
)

// NewCmdStore builds `vnum store`.
func NewCmdStore(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "store <command>",
		Short: "Move vnum's record between this machine and a shared PostgreSQL database",
		Long: heredoc.Doc(`
			vnum keeps its numbers, history, messages and journal in vnum.db in the data directory,
			or, when store (VNUM_STORE) is a postgres:// URL, in that database, shared by a team or
			a CI fleet.
		`),
	}
	cmd.AddCommand(migrate.NewCmdMigrate(f, nil))
	return cmd
}
