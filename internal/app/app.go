// Package app is vnum's real entry point: it builds the Factory, runs the root command and turns
// the outcome into an exit code, printing errors in one place.
package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/vnum-cli/vnum/internal/build"
	"github.com/vnum-cli/vnum/internal/cmd/root"
	"github.com/vnum-cli/vnum/internal/cmdutil"
	"github.com/vnum-cli/vnum/internal/iostreams"
	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/internal/termsafe"
)

// Main runs vnum with the process's arguments and environment.
func Main() cmdutil.ExitCode {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// The first Ctrl-C (or SIGTERM) cancels the work in hand, which the journal finishes or
	// undoes next time; a second one, should anything not heed the first, ends vnum at once.
	go func() {
		<-ctx.Done()
		stop()
	}()
	return Run(ctx, os.Args[1:], os.Getenv, iostreams.System(os.Getenv))
}

// Run runs vnum with the given arguments, environment and streams (testscript calls it too).
func Run(ctx context.Context, args []string, env func(string) string, ios *iostreams.IOStreams) cmdutil.ExitCode {
	f, cleanup := NewFactory(ctx, build.Current().Version, env, ios)
	defer cleanup()
	cmd, err := root.NewCmdRoot(f)
	if err != nil {
		fmt.Fprintf(ios.ErrOut, "vnum: %v\n", err)
		return cmdutil.ExitFailure
	}
	cmd.SetArgs(args)
	cmd.SetIn(ios.In)
	cmd.SetOut(ios.Out)
	cmd.SetErr(ios.ErrOut)
	executed, err := cmd.ExecuteContextC(ctx)
	// The one hand-placed stop: a command that ends without writing anything leaves its spinner
	// to be taken down here (any write or prompt takes it down earlier, see iostreams).
	ios.StopProgress()
	for _, w := range f.Warnings() {
		fmt.Fprintf(ios.ErrOut, "warning: %s\n", termsafe.Escape(w))
	}
	if err == nil {
		return cmdutil.ExitOK
	}
	if errors.Is(err, cmdutil.ErrSilent) {
		return cmdutil.ExitFailure
	}
	if ctx.Err() != nil && errors.Is(err, context.Canceled) {
		fmt.Fprintln(ios.ErrOut, "vnum: interrupted")
		return cmdutil.ExitInterrupted
	}
	// The store failing to write (a full disk, a read-only file) names its file and what to do.
	// Only an opened store fails so: the configuration is loaded already, and is not loaded (nor
	// its warnings printed) for any other failure.
	err = store.Explain(err, func() string {
		if cfg, cerr := f.Config(); cerr == nil && !cfg.SharedStore() {
			return cfg.StoreFile()
		}
		return ""
	})
	printError(ios, executed, err)
	return cmdutil.ExitCodeFor(err)
}

func printError(ios *iostreams.IOStreams, cmd *cobra.Command, err error) {
	msg := err.Error()
	if errors.Is(err, cmdutil.ErrCancel) {
		fmt.Fprintln(ios.ErrOut, "vnum: cancelled, nothing was changed")
		return
	}
	fmt.Fprintf(ios.ErrOut, "vnum: %s\n", shorten(termsafe.Escape(strings.TrimSpace(msg)))) // a carrier's words may be quoted
	// A usage mistake on the command line points at --help; a bad setting names its file or
	// variable instead (config.Error), since no flag was wrong.
	if cmdutil.ExitCodeFor(err) == cmdutil.ExitUsage && !cmdutil.IsConfigError(err) {
		path := "vnum"
		if cmd != nil {
			path = cmd.CommandPath()
		}
		fmt.Fprintf(ios.ErrOut, "Run '%s --help' for usage.\n", path)
	}
}

// maxErrorLine is the longest line of an error message printed whole. vnum's own sentences stay
// far below it; only an echoed argument (a 100 KB REF or sender pasted by mistake) reaches it.
const maxErrorLine = 1000

// shorten cuts the middle out of each overlong line of msg, keeping its start (what was wrong)
// and its end (what to do), so that a huge argument quoted back does not flood the terminal or
// a script's log.
func shorten(msg string) string {
	lines := strings.Split(msg, "\n")
	for i, l := range lines {
		if r := []rune(l); len(r) > maxErrorLine {
			const head, tail = 300, 300
			lines[i] = fmt.Sprintf("%s…(%d characters left out)…%s", string(r[:head]), len(r)-head-tail, string(r[len(r)-tail:]))
		}
	}
	return strings.Join(lines, "\n")
}
