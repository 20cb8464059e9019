package main

import (
	"context"
	"flag"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/vnum-cli/vnum/providers"
	"github.com/vnum-cli/vnum/providers/vonage/vonagetest"
)

// Vonage's documents are loaded once per test binary, on the first `fakevonage start`.
var vonageDocs = newCarrierDocs("fakevonage", "Vonage's OpenAPI documents", "vonage/*.yml", vonagetest.EnvSpecsDir,
	vonagetest.FindSpecsDir, vonagetest.LoadSpecs)

type vonageKey struct{}

// vonageSession is one script's fake Vonage account.
type vonageSession struct {
	fake *vonagetest.Fake
	docCheck
}

var vonageRoutes = map[string]vonagetest.Route{
	"search":  vonagetest.RouteSearch,
	"buy":     vonagetest.RouteBuy,
	"cancel":  vonagetest.RouteCancel,
	"update":  vonagetest.RouteUpdate,
	"numbers": vonagetest.RouteOwned,
	"balance": vonagetest.RouteBalance,
	"pricing": vonagetest.RoutePricing,
	"send":    vonagetest.RouteSend,
	"records": vonagetest.RouteRecords,
	// Applications API v2 and recordings
	"app-create": vonagetest.RouteAppCreate,
	"app-list":   vonagetest.RouteAppList,
	"app-get":    vonagetest.RouteAppGet,
	"app-update": vonagetest.RouteAppUpdate,
	"app-delete": vonagetest.RouteAppDelete,
	"recording":  vonagetest.RouteRecording,
}

const fakeVonageUsage = `fakevonage start [-no-provider] [-balance AMOUNT] [-reports-delay D] [-currency C] [-secret S] [-batch N]
    start a fake Vonage account for this script, stopped at its end; point vnum at it with
    VNUM_VONAGE_BASE_URL, VONAGE_API_KEY and VONAGE_API_SECRET, and VNUM_PROVIDER=vonage
fakevonage own CC TYPE [N]        numbers bought outside vnum (TYPE landline|mobile-lvn|landline-toll-free); prints them
fakevonage numbers                what the account holds: E164 COUNTRY TYPE VOICE_CALLBACK_TYPE VOICE_CALLBACK_VALUE MO_HTTP_URL APP_ID
fakevonage configure NUMBER KEY=VALUE…   set a number up as the dashboard would (moHttpUrl, app_id, voiceCallbackType…)
fakevonage messages [NUMBER]      SMS, oldest first: DIRECTION FROM TO TEXT (msisdns)
fakevonage deliver NUMBER FROM TEXT   an SMS arrives (in the Reports API after the reports delay)
fakevonage fault [-times N] [-retry-after S] [-label L] [-in200] ROUTE (STATUS | drop-before | drop-after | gateway-after STATUS | hold-after D)
fakevonage hits [-reset] [ROUTE]  requests received (all routes: ROUTE COUNT lines); -reset zeroes them
fakevonage balance [AMOUNT]       print the balance, or set it
fakevonage paperwork CC           the country's numbers need an address: the API refuses to sell them
fakevonage release NUMBER         the number is cancelled outside vnum
fakevonage credential api-key|api-secret|signature-secret
fakevonage apps                   the account's applications: ID NAME ANSWER_URL EVENT_URL SIGNED
fakevonage call [-answer] [-talk D] NUMBER CALLER   a call to NUMBER (E.164 or @FILE) from CALLER (E.164, or
                                  anonymous), run against the number's application (the NCCOs vnum serve answers,
                                  signed with the signature secret); prints rang=… answered=… recording=… heard=…
fakevonage check                  fail if the fake has seen an exchange that breaks Vonage's documents
ROUTE: search buy cancel update numbers balance pricing send records app-create app-list app-get app-update app-delete recording`

// cmdFakeVonage is the fakevonage command: the other side of a Vonage account. Any exchange
// the fake finds against Vonage's documents fails the script, at the next fakevonage command
// or at its end.
func cmdFakeVonage(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("fakevonage cannot be negated")
	}
	if len(args) == 0 {
		ts.Fatalf("usage:\n%s", fakeVonageUsage)
	}
	s, _ := ts.Value(vonageKey{}).(*vonageSession)
	if s == nil {
		ts.Fatalf("fakevonage: no session (setupScript did not run)")
	}
	if args[0] == "start" {
		s.start(ts, args[1:])
		return
	}
	if s.fake == nil {
		ts.Fatalf("fakevonage %s: run fakevonage start first", args[0])
	}
	s.check(ts, vonageCmd.name, vonageDocs.what, s.fake.Problems())
	f := s.fake
	out := ts.Stdout()
	sub, args := args[0], args[1:]
	switch sub {
	case "own":
		a := vonageCmd.parseFlags(ts, sub, args, 2, 3, nil)
		n := 1
		if len(a) == 3 {
			n = atoi(ts, a[2])
		}
		ids := f.Seed(strings.ToUpper(a[0]), a[1], n)
		if len(ids) < n {
			ts.Fatalf("fakevonage own: the fake has no %d %s %s numbers", n, a[0], a[1])
		}
		for _, id := range ids {
			fmt.Fprintln(out, "+"+id)
		}
	case "numbers":
		vonageCmd.parseFlags(ts, sub, args, 0, 0, nil)
		for _, n := range f.Numbers() {
			fmt.Fprintf(out, "+%s\t%s\t%s\t%s\t%s\t%s\t%s\n", n.MSISDN, n.Country, n.Type, dash(n.VoiceCallbackType),
				dash(n.VoiceCallbackValue), dash(n.MoHTTPURL), dash(n.AppID))
		}
	case "configure":
		if len(args) < 2 {
			ts.Fatalf("usage: fakevonage configure NUMBER KEY=VALUE…")
		}
		cfg := map[string]string{}
		for _, kv := range args[1:] {
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				ts.Fatalf("fakevonage configure: %q is not KEY=VALUE", kv)
			}
			cfg[k] = v
		}
		if !f.Configure(s.msisdn(ts, args[0]), cfg) {
			ts.Fatalf("fakevonage configure: the account has no number %s", args[0])
		}
	case "messages":
		a := vonageCmd.parseFlags(ts, sub, args, 0, 1, nil)
		msisdn := ""
		if len(a) == 1 {
			msisdn = s.msisdn(ts, a[0])
		}
		for _, m := range f.Messages() {
			if msisdn == "" || m.From == msisdn || m.To == msisdn {
				fmt.Fprintf(out, "%s\t%s\t%s\t%s\n", m.Direction, m.From, m.To, m.Text)
			}
		}
	case "deliver":
		a := vonageCmd.parseFlags(ts, sub, args, 3, 3, nil)
		f.Deliver(a[1], s.msisdn(ts, a[0]), a[2])
	case "fault":
		var fault vonagetest.Fault
		a := vonageCmd.parseFlags(ts, sub, args, 2, 3, func(fs *flag.FlagSet) {
			fs.IntVar(&fault.Times, "times", 1, "how many requests the fault answers")
			fs.StringVar(&fault.RetryAfter, "retry-after", "", "Retry-After header")
			fs.StringVar(&fault.Label, "label", "", "Vonage's error-code-label")
			fs.BoolVar(&fault.In200, "in200", false, "answer HTTP 200 with the error inside")
		})
		route := s.route(ts, a[0])
		switch {
		case len(a) == 2 && a[1] == "drop-before":
			fault.Drop = vonagetest.DropBefore
		case len(a) == 2 && a[1] == "drop-after":
			fault.Drop = vonagetest.DropAfter
		case len(a) == 3 && a[1] == "hold-after":
			d, err := time.ParseDuration(a[2])
			ts.Check(err)
			fault.Drop, fault.Hold = vonagetest.HoldAfter, d
		case len(a) == 3 && a[1] == "gateway-after":
			fault.Drop, fault.Status = vonagetest.GatewayAfter, atoi(ts, a[2])
		case len(a) == 2:
			fault.Status = atoi(ts, a[1])
		default:
			ts.Fatalf("usage: fakevonage fault [flags] ROUTE (STATUS | drop-before | drop-after | gateway-after STATUS | hold-after D)")
		}
		f.Inject(route, fault)
	case "hits":
		var reset bool
		a := vonageCmd.parseFlags(ts, sub, args, 0, 1, func(fs *flag.FlagSet) {
			fs.BoolVar(&reset, "reset", false, "zero the counts after printing them")
		})
		if len(a) == 1 {
			fmt.Fprintln(out, f.Hits(s.route(ts, a[0])))
		} else {
			names := make([]string, 0, len(vonageRoutes))
			for name := range vonageRoutes {
				names = append(names, name)
			}
			slices.Sort(names)
			for _, name := range names {
				fmt.Fprintf(out, "%s\t%d\n", name, f.Hits(vonageRoutes[name]))
			}
		}
		if reset {
			f.ResetCounts()
		}
	case "balance":
		a := vonageCmd.parseFlags(ts, sub, args, 0, 1, nil)
		if len(a) == 0 {
			fmt.Fprintln(out, providers.Price{Micros: f.Balance()}.Amount())
			break
		}
		p, err := providers.ParsePrice(a[0], "")
		ts.Check(err)
		f.SetBalance(p.Micros)
	case "paperwork":
		a := vonageCmd.parseFlags(ts, sub, args, 1, 1, nil)
		f.RequirePaperwork(a[0])
	case "release":
		a := vonageCmd.parseFlags(ts, sub, args, 1, 1, nil)
		if !f.Release(s.msisdn(ts, a[0])) {
			ts.Fatalf("fakevonage release: the account has no number %s", a[0])
		}
	case "credential":
		a := vonageCmd.parseFlags(ts, sub, args, 1, 1, nil)
		v, ok := map[string]string{"api-key": f.APIKey, "api-secret": f.APISecret, "signature-secret": f.SignatureSecret}[a[0]]
		if !ok {
			ts.Fatalf("usage: fakevonage credential api-key|api-secret|signature-secret")
		}
		fmt.Fprintln(out, v)
	case "apps":
		vonageCmd.parseFlags(ts, sub, args, 0, 0, nil)
		for _, a := range f.Apps() {
			fmt.Fprintf(out, "%s\t%s\t%s %s\t%s %s\t%t\n", a.ID, a.Name, a.AnswerMethod, dash(a.AnswerURL), a.EventMethod, dash(a.EventURL), a.SignedCallbacks)
		}
	case "call":
		var o vonagetest.CallOptions
		a := vonageCmd.parseFlags(ts, sub, args, 2, 2, func(fs *flag.FlagSet) {
			fs.BoolVar(&o.Answer, "answer", false, "the forwarded leg picks up")
			fs.DurationVar(&o.Talk, "talk", 30*time.Second, "how long an answered call lasts")
		})
		caller := a[1]
		if caller == "anonymous" {
			caller = ""
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		res, err := f.Call(ctx, caller, "+"+s.msisdn(ts, a[0]), o)
		ts.Check(err)
		fmt.Fprintf(out, "rang=%s\tanswered=%t\trecording=%s\theard=%s\n", dash(res.Rang), res.Answered, dash(res.RecordingID),
			strings.Join(res.Heard, " | "))
	case "check":
		vonageCmd.parseFlags(ts, sub, args, 0, 0, nil)
	default:
		ts.Fatalf("fakevonage: unknown command %q; usage:\n%s", sub, fakeVonageUsage)
	}
}

// start starts the script's fake account and points vnum at it.
func (s *vonageSession) start(ts *testscript.TestScript, args []string) {
	var noProvider bool
	var balance, currency, secret string
	var delay time.Duration
	var batch int
	vonageCmd.parseFlags(ts, "start", args, 0, 0, func(fs *flag.FlagSet) {
		fs.BoolVar(&noProvider, "no-provider", false, "do not set VNUM_PROVIDER=vonage")
		fs.StringVar(&balance, "balance", "10.00", "the account's balance")
		fs.StringVar(&currency, "currency", "EUR", "the account's currency")
		fs.DurationVar(&delay, "reports-delay", 0, "how long a received SMS takes to reach the Reports API")
		fs.StringVar(&secret, "secret", "", "the account's API secret (default: random)")
		fs.IntVar(&batch, "batch", 0, "records per page of the Reports API (default: Vonage's 1,000)")
	})
	if s.fake != nil {
		ts.Fatalf("fakevonage start: this script already started a fake")
	}
	bal, err := providers.ParsePrice(balance, "")
	ts.Check(err)
	opts := []vonagetest.Option{vonagetest.WithBalance(bal.Micros), vonagetest.WithCurrency(currency), vonagetest.WithReportsDelay(delay)}
	if secret != "" {
		opts = append(opts, vonagetest.WithSecret(secret))
	}
	if batch > 0 {
		opts = append(opts, vonagetest.WithBatchSize(batch))
	}
	if specs := vonageDocs.forScript(ts); specs != nil {
		opts = append(opts, vonagetest.WithSpecs(specs))
	}
	f := vonagetest.Start(opts...)
	s.fake = f
	ts.Defer(f.Close)
	s.checkAtEnd(ts, vonageCmd.name, vonageDocs.what, f.Problems)
	ts.Setenv("VNUM_VONAGE_BASE_URL", f.URL)
	ts.Setenv("VONAGE_API_KEY", f.APIKey)
	ts.Setenv("VONAGE_API_SECRET", f.APISecret)
	if !noProvider {
		ts.Setenv("VNUM_PROVIDER", "vonage")
	}
}

// msisdn resolves a NUMBER argument: E.164 or digits as they are, or @FILE for the first line
// of a file (the saved output of `vnum buy -q`).
func (s *vonageSession) msisdn(ts *testscript.TestScript, ref string) string {
	if file, ok := strings.CutPrefix(ref, "@"); ok {
		first, _, _ := strings.Cut(ts.ReadFile(file), "\n")
		ref = strings.TrimSpace(first)
	}
	digits := strings.TrimPrefix(ref, "+")
	if _, err := strconv.ParseUint(digits, 10, 64); err != nil {
		ts.Fatalf("fakevonage: %q is not a number (E.164, or @FILE)", ref)
	}
	return digits
}

func (s *vonageSession) route(ts *testscript.TestScript, name string) vonagetest.Route {
	r, ok := vonageRoutes[name]
	if !ok {
		ts.Fatalf("fakevonage: unknown route %q; usage:\n%s", name, fakeVonageUsage)
	}
	return r
}
