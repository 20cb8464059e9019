// Command gen-docs writes vnum's man pages (and optionally markdown) from the command tree, for
// releases: go run ./cmd/gen-docs --man-dir manpages
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra/doc"

	"github.com/vnum-cli/vnum/internal/app"
	"github.com/vnum-cli/vnum/internal/build"
	"github.com/vnum-cli/vnum/internal/cmd/root"
	"github.com/vnum-cli/vnum/internal/iostreams"
)

func main() {
	manDir := flag.String("man-dir", "", "write man pages here")
	mdDir := flag.String("md-dir", "", "write markdown pages here")
	flag.Parse()
	if err := run(*manDir, *mdDir); err != nil {
		fmt.Fprintln(os.Stderr, "gen-docs:", err)
		os.Exit(1)
	}
}

func run(manDir, mdDir string) error {
	if manDir == "" && mdDir == "" {
		return fmt.Errorf("give --man-dir or --md-dir")
	}
	ios, _, _, _ := iostreams.Test()
	f, cleanup := app.NewFactory(context.Background(), build.Current().Version, func(string) string { return "" }, ios)
	defer cleanup()
	cmd, err := root.NewCmdRoot(f)
	if err != nil {
		return err
	}
	cmd.DisableAutoGenTag = true
	// cobra's generators skip help topics (vnum help exit-codes, environment): their text goes
	// into the main page, where man readers look for EXIT STATUS and ENVIRONMENT.
	for _, c := range cmd.Commands() {
		if c.IsAdditionalHelpTopicCommand() {
			cmd.Long += "\n\n" + strings.ToUpper(c.Short) + "\n\n" + c.Long
		}
	}
	if manDir != "" {
		if err := os.MkdirAll(manDir, 0o755); err != nil {
			return err
		}
		hdr := &doc.GenManHeader{Title: "VNUM", Section: "1", Source: "vnum " + build.Current().Version, Manual: "vnum manual"}
		if err := doc.GenManTree(cmd, hdr, manDir); err != nil {
			return err
		}
	}
	if mdDir != "" {
		if err := os.MkdirAll(mdDir, 0o755); err != nil {
			return err
		}
		return doc.GenMarkdownTree(cmd, mdDir)
	}
	return nil
}
