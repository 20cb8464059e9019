package root

import (
	"fmt"
	"slices"
	"strings"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/vnum-cli/vnum/internal/auth"
	"github.com/vnum-cli/vnum/providers"
)

// topicText returns the help topics, read with `vnum help <topic>`: commands that only print
// text. A function, not a package variable, so the text is built only when the tree is.
func topicText() map[string]struct{ short, long string } {
	return map[string]struct{ short, long string }{
		"exit-codes": {
			short: "Exit codes vnum returns (for scripts)",
			long: heredoc.Doc(`
			vnum's exit codes are stable: scripts may rely on them.

			  0    success
			  1    error not covered below (carrier failure, local I/O, …)
			  2    usage error: bad flag, argument or input (unknown country, invalid number,
			       malformed TTL or price, ambiguous REF, --yes missing in a script), or a bad
			       setting in config.yaml or a VNUM_* variable; nothing was done
			  3    cancelled: you answered no at a prompt; nothing was done
			  4    authentication: credentials missing or rejected by the carrier (see vnum auth)
			  5    not found: the REF matches none of your numbers, or the carrier no longer has it;
			       a lease not held (returned, or expired); a pool with no numbers
			  6    timeout: sms wait saw no matching message before --timeout
			  7    try again later: the carrier rate-limited us or failed temporarily, every
			       number of a lease pool is leased and the pool is at --max, or the number
			       is leased to another job (release, burn, rotate)
			  8    refused: the carrier needs paperwork (bundle, address), funds, has no stock, the
			       number was just taken, the account (a trial) may not do it, or every match
			       costs more than --max-price
			  130  interrupted (Ctrl-C); an interrupted buy, rotate or release is finished or undone
			       by the next vnum command
		`),
		},
		"environment": {
			short: "Environment variables vnum reads",
			long: heredoc.Doc(`
			Settings (each overrides the same key in config.yaml; flags override both):
			  VNUM_PROVIDER          carrier to use: {{providers}}
			  VNUM_PROFILE           credential profile (default "default")
			  VNUM_COUNTRY           default country for search and buy, and for numbers written
			                         in national form (06 12 34 56 78)
			  VNUM_FORWARD_TO        default --forward-to for buy
			  VNUM_TTL               default --ttl for buy (e.g. 7d)
			  VNUM_PROMPT_DISABLED   never prompt (as if stdin were not a terminal); or
			                         VNUM_PROMPT=disabled, as the config key prompt
			  VNUM_SERVE_LISTEN      where vnum serve listens (serve.listen; default
			                         127.0.0.1:8080) and sandbox receive delivers
			  VNUM_SERVE_PUBLIC_URL  the https URL carriers reach vnum serve at (serve.public_url)
			  VNUM_BLOCK_ACTION      what a blocked caller gets: reject (default) or message, a
			                         short "not available" message (block.action)
			  VNUM_VOICEMAIL_GREETING  what the carrier says before recording a voicemail
			                         (voicemail.greeting; the default names no one)

			Leases (vnum lease):
			  VNUM_LEASE             this job's lease id: sms list and sms wait on its number see
			                         only what came since it began, and fail (exit 5) once it ended
			  VNUM_JOB               the job's name in a lease's holder, where no CI variable
			                         (GITHUB_RUN_ID, CI_JOB_ID, BUILDKITE_JOB_ID, BUILD_TAG, …) names it

			vnum serve (webhook signatures; each also as NAME_FILE):
			  TELNYX_PUBLIC_KEY      Telnyx's public key (base64), to check its Ed25519 signatures
			                         (else the one saved by vnum auth login telnyx --public-key)
			  VONAGE_SIGNATURE_SECRET  Vonage's signature secret, to check sig
			  TWILIO_AUTH_TOKEN      Twilio signs with the Auth Token, even when vnum uses an API key

			Files:
			  VNUM_CONFIG_DIR        configuration directory (default $XDG_CONFIG_HOME/vnum,
			                         else ~/.config/vnum); holds config.yaml
			  VNUM_DATA_DIR          data directory (default $XDG_DATA_HOME/vnum, else
			                         ~/.local/share/vnum); holds vnum.db and sandbox.db (the latter
			                         in VNUM_SANDBOX_DIR when set)
			  VNUM_STORE             a postgres:// URL: keep the store there instead of vnum.db,
			                         shared by a team or a CI fleet (config: store); PGHOST,
			                         PGUSER, PGPASSWORD, ~/.pgpass… fill in what it leaves out

			{{carriers}}
			  HTTPS_PROXY, NO_PROXY  proxy for carrier APIs; SSL_CERT_FILE: a file of CA certificates
			                         to trust, such as an inspecting proxy's (on Linux, in place of
			                         the system's file; the certificates of SSL_CERT_DIR, by default
			                         the system's directories, are trusted too)

			Output:
			  NO_COLOR               no colour (any value)
			  CLICOLOR=0             no colour; CLICOLOR_FORCE=1 colour even on a pipe
			  VNUM_FORCE_TTY         format output as for a terminal (a number sets the width)
			  VNUM_DEBUG=api         dump carrier API requests and responses to stderr, with
			                         credentials redacted
		`),
		},
	}
}

func helpTopics(reg *providers.Registry) []*cobra.Command {
	var cmds []*cobra.Command
	topics := topicText()
	for _, name := range []string{"environment", "exit-codes"} {
		t := topics[name]
		long := t.long
		if name == "environment" {
			long = environmentText(long, reg)
		}
		c := &cobra.Command{
			Use:   name,
			Short: t.short,
			Long:  long,
		}
		c.SetHelpFunc(func(c *cobra.Command, _ []string) { fmt.Fprint(c.OutOrStdout(), c.Long) })
		cmds = append(cmds, c)
	}
	return cmds
}

// environmentText fills the environment topic's carrier parts from the carriers' Descriptors:
// the carriers VNUM_PROVIDER accepts, each carrier's credential variables (with aliases), its
// base-URL override and its own variables.
func environmentText(text string, reg *providers.Registry) string {
	var names []string
	var creds, vars strings.Builder
	const col = 23 // where a variable's help starts, after the two-space indent
	line := func(name, help string) {
		lines := strings.Split(help, "\n")
		if len(name) >= col {
			fmt.Fprintf(&vars, "  %s\n  %-*s%s\n", name, col, "", lines[0])
		} else {
			fmt.Fprintf(&vars, "  %-*s%s\n", col, name, lines[0])
		}
		for _, l := range lines[1:] {
			fmt.Fprintf(&vars, "  %-*s%s\n", col, "", l)
		}
	}
	if reg != nil {
		names = reg.Names()
		for _, d := range reg.All() {
			if len(d.Auth) > 0 {
				fmt.Fprintf(&creds, "  %s\n", credentialLine(d))
				for _, a := range aliases(d) {
					fmt.Fprintf(&creds, "    (%s)\n", a)
				}
			}
		}
		for _, d := range reg.All() {
			if e := d.Endpoint.Env; e != "" {
				help := fmt.Sprintf("send every %s request to this base URL, keeping paths (tests,\ngateways); or providers.%s.%s in config.yaml", d.Title, d.Name, d.Endpoint.Option)
				if !d.Usable() {
					help += "\n(today only auth login's check)"
				}
				line(e, help)
			}
			for _, v := range d.Env {
				line(v.Name, v.Help)
			}
		}
	}
	for i, n := range names {
		if n == "sandbox" {
			names[i] = "sandbox (default)"
		}
	}
	carriers := "Credentials (looked up before the keyring; each also as NAME_FILE naming a file\n" +
		"that holds the value):\n" + creds.String() + "\nCarriers:\n" + vars.String()
	text = strings.Replace(text, "{{providers}}", strings.Join(names, ", "), 1)
	return strings.Replace(text, "{{carriers}}\n", carriers, 1)
}

// credentialLine is one carrier's credential variables, simplest set first:
// "TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (or TWILIO_ACCOUNT_SID, TWILIO_API_KEY and …)".
func credentialLine(d providers.Descriptor) string { return auth.EnvHint(d) }

// aliases says which other names a carrier's variables are read under.
func aliases(d providers.Descriptor) []string {
	var out []string
	for _, set := range d.Auth {
		for _, f := range set.Fields {
			for _, a := range f.Env[1:] {
				s := a + " is read as " + f.Env[0]
				if !slices.Contains(out, s) {
					out = append(out, s)
				}
			}
		}
	}
	return out
}
