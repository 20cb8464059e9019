// Package version implements `vnum version`.
package version

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/vnum-cli/vnum/internal/build"
	"github.com/vnum-cli/vnum/internal/cmdutil"
)

// NewCmdVersion builds `vnum version`.
func NewCmdVersion(f *cmdutil.Factory) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print vnum's version",
		Args:  cmdutil.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			i := build.Current()
			if asJSON {
				return cmdutil.WriteJSON(f.IOStreams, struct {
					build.Info
					Go       string `json:"go"`
					Platform string `json:"platform"`
				}{i, runtime.Version(), runtime.GOOS + "/" + runtime.GOARCH})
			}
			line := "vnum " + i.Version
			if i.Commit != "" {
				line += " (" + short(i.Commit)
				if i.Date != "" {
					line += ", " + i.Date
				}
				line += ")"
			}
			_, err := fmt.Fprintln(f.IOStreams.Out, line)
			return err
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func short(c string) string {
	if len(c) > 12 {
		return c[:12]
	}
	return c
}
