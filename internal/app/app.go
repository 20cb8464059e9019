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
	"github.com/vnum-cli/vnum/internal/termsafe"
	"github.com/vnum-cli/vnum/providers"
)

// Main runs vnum with the process's arguments and environment.
func Main() cmdutil.ExitCode {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return Run(ctx, os.Args[1:], os.Getenv, iostreams.System(os.Getenv))
}

// Run runs vnum with the given arguments, environment and streams (testscript calls it too).
func Run(ctx context.Context, args []string, env func(string) string, ios *iostreams.IOStreams) cmdutil.ExitCode {
	f, cleanup := NewFactory(build.Current().Version, env, ios)
	defer cleanup()
	cmd, err := root.NewCmdRoot(f)
	if err != nil {
		fmt.Fprintf(ios.ErrOut, "vnum: %v\n", err)
		return cmdutil.ExitError
	}
	cmd.SetArgs(args)
	cmd.SetIn(ios.In)
	cmd.SetOut(ios.Out)
	cmd.SetErr(ios.ErrOut)
	executed, err := cmd.ExecuteContextC(ctx)
	ios.StopProgress()
	for _, w := range f.Warnings() {
		fmt.Fprintf(ios.ErrOut, "warning: %s\n", termsafe.Escape(w))
	}
	if err == nil {
		return cmdutil.ExitOK
	}
	if errors.Is(err, cmdutil.ErrSilent) {
		return cmdutil.ExitError
	}
	if ctx.Err() != nil && errors.Is(err, context.Canceled) {
		fmt.Fprintln(ios.ErrOut, "vnum: interrupted")
		return cmdutil.ExitInterrupted
	}
	var perr *providers.Error
	if !errors.As(err, &perr) && isCobraUsageError(err.Error()) {
		err = &cmdutil.FlagError{Err: err}
	}
	printError(ios, executed, err)
	return cmdutil.ExitCodeFor(err)
}

func printError(ios *iostreams.IOStreams, cmd *cobra.Command, err error) {
	msg := err.Error()
	if errors.Is(err, cmdutil.ErrCancel) {
		fmt.Fprintln(ios.ErrOut, "vnum: cancelled, nothing was changed")
		return
	}
	fmt.Fprintf(ios.ErrOut, "vnum: %s\n", termsafe.Escape(strings.TrimSpace(msg))) // a carrier's words may be quoted
	var flagErr *cmdutil.FlagError
	if errors.As(err, &flagErr) {
		path := "vnum"
		if cmd != nil {
			path = cmd.CommandPath()
		}
		fmt.Fprintf(ios.ErrOut, "Run '%s --help' for usage.\n", path)
	}
}

// isCobraUsageError recognises the flag errors cobra produces itself (unknown flag, missing
// value), which it returns as plain errors.
func isCobraUsageError(msg string) bool {
	for _, p := range []string{"unknown flag", "unknown shorthand flag", "flag needs an argument",
		"invalid argument", "unknown command", "required flag", "if any flags in the group",
		"none of the others can be", "accepts ", "requires at least", "at least one of the flags"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}
