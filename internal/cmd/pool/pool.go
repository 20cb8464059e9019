// Package pool groups the `vnum pool` verbs: the lease pools' numbers and who holds them.
package pool

import (
	"github.com/spf13/cobra"

	"github.com/vnum-cli/vnum/internal/cmd/pool/list"
	"github.com/vnum-cli/vnum/internal/cmdutil"
)

// NewCmdPool builds `vnum pool`.
func NewCmdPool(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "pool <command>",
		Short: "The pools of numbers vnum lease hands out",
		Args:  cmdutil.NoArgs,
	}
	cmd.AddCommand(list.NewCmdList(f, nil))
	return cmd
}
