// Package sms groups the `vnum sms` verbs.
package sms

import (
	"github.com/spf13/cobra"

	"github.com/vnum-cli/vnum/internal/cmd/sms/list"
	"github.com/vnum-cli/vnum/internal/cmd/sms/send"
	"github.com/vnum-cli/vnum/internal/cmd/sms/wait"
	"github.com/vnum-cli/vnum/internal/cmdutil"
)

// NewCmdSMS builds `vnum sms`.
func NewCmdSMS(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sms <command>",
		Short: "Read, wait for and send SMS",
	}
	cmd.AddCommand(list.NewCmdList(f, nil), wait.NewCmdWait(f, nil), send.NewCmdSend(f, nil))
	return cmd
}
