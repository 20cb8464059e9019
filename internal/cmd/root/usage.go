package root

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/vnum-cli/vnum/internal/cmdutil"
)

// typeUsageErrors makes every usage mistake cobra itself detects come back as a
// *cmdutil.ExitError with ExitUsage, so that app prints and exits by type instead of matching
// cobra's texts. Flag parsing goes through the flag error func; this covers the rest: argument
// validators, unknown commands and help topics, and required or exclusive flags. It must run
// after the tree is complete.
func typeUsageErrors(root *cobra.Command) {
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError(err) })
	// cobra adds the help and completion commands only when it executes; add them now so they
	// are covered too.
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "help" {
			c.Run = nil
			c.RunE = helpRun
		}
	}
	// The required and mutually exclusive flags, checked before cobra does: the root's
	// persistent pre-run is the last hook before cobra's own checks.
	pre := root.PersistentPreRunE
	root.PersistentPreRunE = func(cmd *cobra.Command, args []string) error {
		if err := cmd.ValidateRequiredFlags(); err != nil {
			return usageError(err)
		}
		if err := cmd.ValidateFlagGroups(); err != nil {
			return usageError(err)
		}
		if pre != nil {
			return pre(cmd, args)
		}
		return nil
	}
	walk(root, func(c *cobra.Command) {
		switch {
		case c.HasSubCommands() && !c.Runnable():
			// A group (or the root): without a subcommand it shows its help; with an unknown
			// one it is a usage error, not help and exit 0.
			c.Args = cobra.ArbitraryArgs
			c.RunE = unknownCommand
		case c.Args != nil:
			args := c.Args
			c.Args = func(cmd *cobra.Command, a []string) error { return usageError(args(cmd, a)) }
		}
	})
}

func walk(c *cobra.Command, fn func(*cobra.Command)) {
	fn(c)
	for _, sub := range c.Commands() {
		walk(sub, fn)
	}
}

// usageError gives err exit code 2 unless it already has a code.
func usageError(err error) error {
	if err == nil || cmdutil.ExitCodeFor(err) == cmdutil.ExitUsage {
		return err
	}
	return &cmdutil.ExitError{Code: cmdutil.ExitUsage, Err: err}
}

// unknownCommand is what a group command runs: its help without arguments, a usage error with.
func unknownCommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return cmd.Help()
	}
	msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2 // cobra's own default
	}
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		msg += fmt.Sprintf("; did you mean %s?", strings.Join(s, " or "))
	}
	return cmdutil.FlagErrorf("%s", msg)
}

// helpRun is `vnum help [command]`: an unknown topic is a usage error on stderr (exit 2).
func helpRun(c *cobra.Command, args []string) error {
	cmd, rest, err := c.Root().Find(args)
	if err != nil || cmd == nil || len(rest) > 0 {
		return &cmdutil.ExitError{Code: cmdutil.ExitUsage, Err: fmt.Errorf(
			"unknown help topic %q: `%s help` lists the commands and topics", strings.Join(args, " "), c.Root().Name())}
	}
	cmd.InitDefaultHelpFlag()
	cmd.InitDefaultVersionFlag()
	return cmd.Help()
}
