// Package version implements `vnum version`.
package version

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/vnum-cli/vnum/internal/build"
	"github.com/vnum-cli/vnum/internal/cmdutil"
	"github.com/vnum-cli/vnum/internal/iostreams"
)

// Options are the dependencies `vnum version` uses, then its flag.
type Options struct {
	IO *iostreams.IOStreams
	// Build is what this binary was built from (build.Current in production).
	Build    func() build.Info
	Go       string // runtime.Version()
	Platform string // GOOS/GOARCH

	JSON bool
}

// NewCmdVersion builds `vnum version`. runF, when not nil, replaces versionRun (tests).
func NewCmdVersion(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Build: build.Current, Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print vnum's version",
		Args:  cmdutil.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if runF != nil {
				return runF(opts)
			}
			return versionRun(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	return cmd
}

func versionRun(opts *Options) error {
	i := opts.Build()
	if opts.JSON {
		return cmdutil.WriteJSON(opts.IO, struct {
			build.Info
			Go       string `json:"go"`
			Platform string `json:"platform"`
		}{i, opts.Go, opts.Platform})
	}
	line := "vnum " + i.Version
	if i.Commit != "" {
		line += " (" + short(i.Commit)
		if i.Date != "" {
			line += ", " + i.Date
		}
		line += ")"
	}
	_, err := fmt.Fprintln(opts.IO.Out, line)
	return err
}

func short(c string) string {
	if len(c) > 12 {
		return c[:12]
	}
	return c
}
