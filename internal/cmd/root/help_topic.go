package root

import (
	"fmt"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"
)

// Help topics are read with `vnum help <topic>`; they are commands that only print text.
var topicText = map[string]struct{ short, long string }{
	"exit-codes": {
		short: "Exit codes vnum returns (for scripts)",
		long: heredoc.Doc(`
			vnum's exit codes are stable: scripts may rely on them.

			  0    success
			  1    error not covered below (carrier failure, local I/O, …)
			  2    usage error: bad flag, argument or input (unknown country, invalid number,
			       malformed TTL or price, ambiguous REF, --yes missing in a script); nothing was done
			  3    cancelled: you answered no at a prompt; nothing was done
			  4    authentication: credentials missing or rejected by the carrier (see vnum auth)
			  5    not found: the REF matches none of your numbers, or the carrier no longer has it
			  6    timeout: sms wait saw no matching message before --timeout
			  7    try again later: the carrier rate-limited us or failed temporarily
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
			  VNUM_PROVIDER          carrier to use: sandbox (default), twilio
			  VNUM_PROFILE           credential profile (default "default")
			  VNUM_COUNTRY           default country for search and buy, and for numbers written
			                         in national form (06 12 34 56 78)
			  VNUM_FORWARD_TO        default --forward-to for buy
			  VNUM_TTL               default --ttl for buy (e.g. 7d)
			  VNUM_PROMPT_DISABLED   never prompt (as if stdin were not a terminal); or
			                         VNUM_PROMPT=disabled, as the config key prompt

			Files:
			  VNUM_CONFIG_DIR        configuration directory (default $XDG_CONFIG_HOME/vnum,
			                         else ~/.config/vnum); holds config.yaml
			  VNUM_DATA_DIR          data directory (default $XDG_DATA_HOME/vnum, else
			                         ~/.local/share/vnum); holds vnum.db and sandbox.db

			Credentials (looked up before the keyring; each also as NAME_FILE naming a file
			that holds the value):
			  TWILIO_ACCOUNT_SID with TWILIO_AUTH_TOKEN, or with TWILIO_API_KEY and TWILIO_API_SECRET
			  (TWILIO_API_KEY_SECRET is read as TWILIO_API_SECRET)
			  TELNYX_API_KEY
			  VONAGE_API_KEY with VONAGE_API_SECRET

			Carriers:
			  VNUM_TWILIO_BASE_URL   send every Twilio request to this base URL (tests, gateways)
			  VNUM_TELNYX_BASE_URL   likewise for Telnyx (today only auth login's check)
			  VNUM_VONAGE_BASE_URL   likewise for Vonage (today only auth login's check)
			  VNUM_SANDBOX_LATENCY   slow sandbox operations: 2s, or per operation: buy:3s,search:0s
			  VNUM_SANDBOX_FAIL      make sandbox operations fail as a carrier would:
			                         OP:KIND[,OP:KIND…], OP one of search buy get list release
			                         forward label messages send deliver verify or *, KIND one of
			                         rate_limited out_of_stock paperwork unauthorized
			                         insufficient_funds unavailable not_found temporary, lost (done,
			                         but the answer is lost), pending (buy: awaits documents)
			  VNUM_SANDBOX_APPROVAL  how long a "pending" sandbox number waits for approval (3s)
			  VNUM_SANDBOX_PAPERWORK make sandbox countries need paperwork: FR:documents,DE:address
			  HTTPS_PROXY, NO_PROXY  proxy for carrier APIs; SSL_CERT_FILE: the CA certificates to
			                         trust (on Linux, instead of the system's)

			Output:
			  NO_COLOR               no colour (any value)
			  CLICOLOR=0             no colour; CLICOLOR_FORCE=1 colour even on a pipe
			  VNUM_FORCE_TTY         format output as for a terminal (a number sets the width)
			  VNUM_DEBUG=api         dump carrier API requests and responses to stderr, with
			                         credentials redacted
		`),
	},
}

func helpTopics() []*cobra.Command {
	var cmds []*cobra.Command
	for _, name := range []string{"environment", "exit-codes"} {
		t := topicText[name]
		c := &cobra.Command{
			Use:   name,
			Short: t.short,
			Long:  t.long,
		}
		c.SetHelpFunc(func(c *cobra.Command, _ []string) { fmt.Fprint(c.OutOrStdout(), c.Long) })
		cmds = append(cmds, c)
	}
	return cmds
}
