// Package sandbox implements `vnum sandbox`, the controls of the simulated carrier; each verb
// is its own package.
package sandbox

import (
	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/vnum-cli/vnum/internal/cmd/sandbox/call"
	"github.com/vnum-cli/vnum/internal/cmd/sandbox/receive"
	"github.com/vnum-cli/vnum/internal/cmdutil"
)

// NewCmdSandbox builds `vnum sandbox`.
func NewCmdSandbox(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sandbox <command>",
		Short: "Control the simulated carrier (deliver SMS to, and call, sandbox numbers)",
		Long: heredoc.Doc(`
			The sandbox carrier simulates a real one on this machine, so every command can be tried
			and scripted without an account or money. See vnum help environment for
			VNUM_SANDBOX_LATENCY and VNUM_SANDBOX_FAIL, which make it slow or fail on purpose.
		`),
	}
	cmd.AddCommand(receive.NewCmdReceive(f, nil), call.NewCmdCall(f, nil))
	return cmd
}
