// Package root assembles vnum's command tree.
package root

import (
	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/vnum-cli/vnum/internal/build"
	adoptCmd "github.com/vnum-cli/vnum/internal/cmd/adopt"
	authCmd "github.com/vnum-cli/vnum/internal/cmd/auth"
	blockCmd "github.com/vnum-cli/vnum/internal/cmd/block"
	buyCmd "github.com/vnum-cli/vnum/internal/cmd/buy"
	callsCmd "github.com/vnum-cli/vnum/internal/cmd/calls"
	expireCmd "github.com/vnum-cli/vnum/internal/cmd/expire"
	forwardCmd "github.com/vnum-cli/vnum/internal/cmd/forward"
	historyCmd "github.com/vnum-cli/vnum/internal/cmd/history"
	leaseCmd "github.com/vnum-cli/vnum/internal/cmd/lease"
	listCmd "github.com/vnum-cli/vnum/internal/cmd/list"
	poolCmd "github.com/vnum-cli/vnum/internal/cmd/pool"
	providersCmd "github.com/vnum-cli/vnum/internal/cmd/providers"
	releaseCmd "github.com/vnum-cli/vnum/internal/cmd/release"
	rotateCmd "github.com/vnum-cli/vnum/internal/cmd/rotate"
	sandboxCmd "github.com/vnum-cli/vnum/internal/cmd/sandbox"
	searchCmd "github.com/vnum-cli/vnum/internal/cmd/search"
	serveCmd "github.com/vnum-cli/vnum/internal/cmd/serve"
	showCmd "github.com/vnum-cli/vnum/internal/cmd/show"
	smsCmd "github.com/vnum-cli/vnum/internal/cmd/sms"
	storeCmd "github.com/vnum-cli/vnum/internal/cmd/store"
	versionCmd "github.com/vnum-cli/vnum/internal/cmd/version"
	voicemailCmd "github.com/vnum-cli/vnum/internal/cmd/voicemail"
	"github.com/vnum-cli/vnum/internal/cmdutil"
)

// NewCmdRoot builds the command tree.
func NewCmdRoot(f *cmdutil.Factory) (*cobra.Command, error) {
	cmd := &cobra.Command{
		Use:   "vnum <command> [flags]",
		Short: "Disposable phone numbers from real carriers",
		Long: heredoc.Doc(`
			vnum buys real phone numbers from carriers (Twilio, or the built-in sandbox that
			simulates one locally), forwards their calls and SMS to your phone, reads the codes
			sent to them and gives them back when you are done.
		`),
		Example: heredoc.Doc(`
			$ vnum buy --country FR --label shop --forward-to +33612345678
			$ vnum sms wait shop --code
			$ vnum burn shop
		`),
		Version:       build.Current().Version,
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	cmd.SetVersionTemplate("vnum {{.Version}}\n")
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &cmdutil.ExitError{Code: cmdutil.ExitUsage, Err: err} })
	cmd.PersistentFlags().StringVar(f.ProviderFlag, "provider", "", "carrier to use (env VNUM_PROVIDER, config provider; default sandbox)")

	cmd.AddGroup(
		&cobra.Group{ID: "numbers", Title: "Numbers:"},
		&cobra.Group{ID: "sms", Title: "Messages:"},
		&cobra.Group{ID: "calls", Title: "Calls:"},
		&cobra.Group{ID: "setup", Title: "Setup:"},
	)
	add := func(group string, cs ...*cobra.Command) {
		for _, c := range cs {
			c.GroupID = group
			cmd.AddCommand(c)
		}
	}
	add("numbers",
		searchCmd.NewCmdSearch(f, nil),
		buyCmd.NewCmdBuy(f, nil),
		listCmd.NewCmdList(f, nil),
		showCmd.NewCmdShow(f, nil),
		forwardCmd.NewCmdForward(f, nil),
		rotateCmd.NewCmdRotate(f, nil),
		releaseCmd.NewCmdRelease(f, nil),
		releaseCmd.NewCmdBurn(f, nil),
		expireCmd.NewCmdExpire(f, nil),
		historyCmd.NewCmdHistory(f, nil),
		adoptCmd.NewCmdAdopt(f, nil),
		leaseCmd.NewCmdLease(f, nil),
		poolCmd.NewCmdPool(f),
	)
	add("sms", smsCmd.NewCmdSMS(f), serveCmd.NewCmdServe(f, nil))
	add("calls",
		callsCmd.NewCmdCalls(f, nil),
		blockCmd.NewCmdBlock(f, nil),
		blockCmd.NewCmdUnblock(f, nil),
		voicemailCmd.NewCmdVoicemail(f),
	)
	add("setup",
		authCmd.NewCmdAuth(f),
		providersCmd.NewCmdProviders(f, nil),
		sandboxCmd.NewCmdSandbox(f),
		storeCmd.NewCmdStore(f),
		versionCmd.NewCmdVersion(f, nil),
	)
	cmd.SetHelpCommandGroupID("setup")
	cmd.SetCompletionCommandGroupID("setup")
	for _, t := range helpTopics(f.Registry) {
		cmd.AddCommand(t)
	}
	typeUsageErrors(cmd)
	completeFlags(cmd, f)
	return cmd, nil
}

// completeFlags gives every flag with a shared meaning its shell completion, whichever command
// has it: --provider, --country (ISO codes with names), --type and --profile. Completion reads
// only what is on this machine.
func completeFlags(root *cobra.Command, f *cmdutil.Factory) {
	_ = root.RegisterFlagCompletionFunc("provider", f.CompleteProviders)
	byName := map[string]cobra.CompletionFunc{
		"country": cmdutil.CompleteCountries,
		"type":    cmdutil.CompleteTypes,
		"profile": f.CompleteProfiles,
	}
	walk(root, func(c *cobra.Command) {
		for name, fn := range byName {
			if c.LocalNonPersistentFlags().Lookup(name) != nil {
				_ = c.RegisterFlagCompletionFunc(name, fn)
			}
		}
	})
}
