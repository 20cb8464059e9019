// Package providers implements `vnum providers`.
package providers

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/vnum-cli/vnum/internal/auth"
	"github.com/vnum-cli/vnum/internal/cmdutil"
	"github.com/vnum-cli/vnum/internal/iostreams"
	"github.com/vnum-cli/vnum/internal/tableprinter"
	"github.com/vnum-cli/vnum/internal/theme"
	carriers "github.com/vnum-cli/vnum/providers"
)

// Options are the dependencies `vnum providers` uses, then its flags.
type Options struct {
	IO       *iostreams.IOStreams
	Registry *carriers.Registry
	// Default is the carrier commands use without --provider; an error (a bad setting) marks
	// none as the default, since this is the command that lists the good names.
	Default func() (string, error)
	// Profile is the credential profile in use.
	Profile     func() (string, error)
	Credentials func() (*auth.Manager, error)
	Styles      func() *theme.Styles

	JSON bool
}

type capsJSON struct {
	ForwardCalls bool `json:"forward_calls"`
	ForwardSMS   bool `json:"forward_sms"`
	ReadSMS      bool `json:"read_sms"`
	SendSMS      bool `json:"send_sms"`
	Labels       bool `json:"labels"`
	AsyncOrders  bool `json:"async_orders"`
	BlockCalls   bool `json:"block_calls"`
	Voicemail    bool `json:"voicemail"`
	CallLog      bool `json:"call_log"`
}

type providerJSON struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Configured  bool     `json:"configured"`
	Source      string   `json:"credential_source"`
	Default     bool     `json:"default"`
	Can         capsJSON `json:"capabilities"`
	// CallsVia says how the carrier blocks callers, takes voicemail and lists calls, or what it
	// needs for them.
	CallsVia string `json:"calls_via"`
}

// NewCmdProviders builds `vnum providers`.
func NewCmdProviders(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{
		IO:       f.IOStreams,
		Registry: f.Registry,
		Default:  f.ProviderName,
		Profile: func() (string, error) {
			cfg, err := f.Config()
			if err != nil {
				return "", err
			}
			return cfg.Profile(), nil
		},
		Credentials: f.Credentials,
		Styles:      f.Styles,
	}
	cmd := &cobra.Command{
		Use:   "providers",
		Short: "The carriers vnum knows, whether each is set up, what each can do",
		Long: "List the carriers vnum knows. On a pipe each is one tab-separated line: name, configured (yes|no),\n" +
			"what it can do (comma-separated: forward-calls, forward-sms, read-sms, send-sms, labels, block-calls,\n" +
			"voicemail, call-log), description, and how it handles calls (blocking, voicemail, call log) or what\n" +
			"it needs for them. --json prints a list of {name, description, configured, credential_source,\n" +
			"default, capabilities: {forward_calls, forward_sms, read_sms, send_sms, labels, async_orders,\n" +
			"block_calls, voicemail, call_log}, calls_via}.",
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return providersRun(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	return cmd
}

func providersRun(o *Options) error {
	current, _ := o.Default()
	profile, err := o.Profile()
	if err != nil {
		return err
	}
	var out []providerJSON
	for _, name := range o.Registry.Names() {
		d, _ := o.Registry.Lookup(name)
		c := d.Capabilities
		j := providerJSON{Name: name, Description: d.Description, Default: name == current,
			Can:      capsJSON{c.ForwardCalls, c.ForwardSMS, c.ReadSMS, c.SendSMS, c.Labels, c.AsyncOrders, c.BlockCalls, c.Voicemail, c.CallLog},
			CallsVia: c.CallsVia}
		if len(d.Auth) == 0 {
			j.Configured, j.Source = true, "none needed"
		} else if m, err := o.Credentials(); err == nil {
			if cred, err := m.Lookup(name, profile); err == nil {
				j.Configured, j.Source = true, string(cred.Source)
			}
		}
		out = append(out, j)
	}
	if o.JSON {
		return cmdutil.WriteJSON(o.IO, out)
	}
	tty := o.IO.IsStdoutTTY()
	tp := tableprinter.New(o.IO.Out, tty, o.Styles(), o.IO.TerminalWidth(), "CARRIER", "CONFIGURED", "CAN", "ABOUT", "CALLS")
	for _, j := range out {
		name := j.Name
		if j.Default && tty {
			name += " (default)"
		}
		conf := "no"
		if j.Configured {
			conf = "yes"
			if tty {
				conf += " (" + j.Source + ")"
			}
		}
		tp.AddRow(name, conf, strings.Join(canList(j.Can), ","), j.Description, j.CallsVia)
	}
	return tp.Render()
}

func canList(c capsJSON) []string {
	var out []string
	add := func(ok bool, s string) {
		if ok {
			out = append(out, s)
		}
	}
	add(c.ForwardCalls, "forward-calls")
	add(c.ForwardSMS, "forward-sms")
	add(c.ReadSMS, "read-sms")
	add(c.SendSMS, "send-sms")
	add(c.Labels, "labels")
	add(c.BlockCalls, "block-calls")
	add(c.Voicemail, "voicemail")
	add(c.CallLog, "call-log")
	return out
}
