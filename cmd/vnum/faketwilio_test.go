package main

import (
	"flag"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/vnum-cli/vnum/providers/twilio/twiliotest"
)

// The Twilio documents are 2.4 MB of JSON: they are loaded once per test binary, on the first
// `faketwilio start`, and shared read-only by every fake.
var twilioDocs = newCarrierDocs("faketwilio", "Twilio's OpenAPI documents", "twilio/*.json", twiliotest.EnvSpecsDir,
	twiliotest.FindSpecsDir, twiliotest.LoadSpecs)

type fakeKey struct{}

// fakeSession is one script's fake Twilio account.
type fakeSession struct {
	fake *twiliotest.Fake
	docCheck
}

// routeNames are the scripts' short names for the fake's routes (hits, fault).
var routeNames = map[string]twiliotest.Route{
	"account":       twiliotest.RouteAccount,
	"search":        twiliotest.RouteSearch,
	"buy":           twiliotest.RouteBuy,
	"list-numbers":  twiliotest.RouteListNumbers,
	"get-number":    twiliotest.RouteGetNumber,
	"update-number": twiliotest.RouteUpdateNumber,
	"release":       twiliotest.RouteReleaseNumber,
	"list-messages": twiliotest.RouteListMessages,
	"send-message":  twiliotest.RouteSendMessage,
	"caller-ids":    twiliotest.RouteCallerIDs,
	"pricing":       twiliotest.RoutePricing,
	"list-flows":    twiliotest.RouteListFlows,
	"create-flow":   twiliotest.RouteCreateFlow,
	"get-flow":      twiliotest.RouteGetFlow,
	"update-flow":   twiliotest.RouteUpdateFlow,
	"delete-flow":   twiliotest.RouteDeleteFlow,
	"bundles":       twiliotest.RouteBundles,
	"validate-flow": twiliotest.RouteValidateFlow,
	"list-calls":    twiliotest.RouteListCalls,
	"recordings":    twiliotest.RouteListRecordings,
	"del-recording": twiliotest.RouteDeleteRecording,
	"media":         twiliotest.RouteRecordingMedia,
}

const fakeUsage = `faketwilio start [-trial] [-no-provider]
    start a fake Twilio account for this script, stopped at its end; point vnum at it with
    VNUM_TWILIO_BASE_URL, TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN, and VNUM_PROVIDER=twilio
faketwilio own CC TYPE [N]           numbers bought outside vnum (TYPE local|mobile|national|tollfree); prints them
faketwilio numbers                   what the account holds: E164 SID FRIENDLY_NAME VOICE_FLOW SMS_FLOW BUNDLE
faketwilio flows                     Studio flows: SID FRIENDLY_NAME REVISION
faketwilio sms-url NUMBER|@FILE      the SmsUrl of a number (E164 or SID)
faketwilio messages [NUMBER]         messages, oldest first: DIRECTION FROM TO BODY
faketwilio deliver [-withheld] NUMBER FROM TEXT   an SMS arrives (runs the number's flow)
faketwilio dial NUMBER FROM          a call arrives: prints where the flow connects it and the caller ID
faketwilio call [-no-answer] NUMBER FROM   a call runs through the number's whole flow (FROM "anonymous" when
                                     withheld): prints rang=TARGET recording=SID heard=SAID ("-" for none)
faketwilio recordings                the recordings on the account, oldest first
faketwilio fault [-times N] [-retry-after S] [-message M] ROUTE (STATUS CODE | drop-before | drop-after | gateway-after STATUS)
faketwilio hits [-reset] [ROUTE]     requests received (all routes: ROUTE COUNT lines); -reset zeroes them
faketwilio release NUMBER            the number is released outside vnum (through Twilio's API)
faketwilio trial on|off
faketwilio verify NUMBER             a verified caller ID (what trial accounts may reach)
faketwilio bundle [-status S] CC TYPE   a regulatory bundle (TYPE local|mobile|national|toll-free); prints its SID
faketwilio credential account-sid|auth-token|api-key|api-secret   print one, as the Twilio console shows it
faketwilio check                     fail if the fake has seen an exchange that breaks Twilio's documents
NUMBER is an E.164 number, a PN… SID, a FriendlyName (vnum's label) or @FILE (its first line).
ROUTE is one of: ` + "account search buy list-numbers get-number update-number release list-messages send-message " +
	"caller-ids pricing list-flows create-flow get-flow update-flow delete-flow bundles validate-flow list-calls recordings " +
	"del-recording media"

// cmdFakeTwilio is the faketwilio command: the other side of a Twilio account. Any exchange
// the fake finds against Twilio's documents fails the script, at the next faketwilio command
// or at the end of the script.
func cmdFakeTwilio(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("faketwilio cannot be negated")
	}
	if len(args) == 0 {
		ts.Fatalf("usage:\n%s", fakeUsage)
	}
	s, _ := ts.Value(fakeKey{}).(*fakeSession)
	if s == nil {
		ts.Fatalf("faketwilio: no session (setupScript did not run)")
	}
	if args[0] == "start" {
		s.start(ts, args[1:])
		return
	}
	if s.fake == nil {
		ts.Fatalf("faketwilio %s: run faketwilio start first", args[0])
	}
	s.check(ts, twilioCmd.name, twilioDocs.what, s.fake.Problems())
	f := s.fake
	out := ts.Stdout()
	sub, args := args[0], args[1:]
	switch sub {
	case "own":
		a := twilioCmd.parseFlags(ts, sub, args, 2, 3, nil)
		n := 1
		if len(a) == 3 {
			n = atoi(ts, a[2])
		}
		resource := map[string]string{"local": "Local", "mobile": "Mobile", "national": "National", "tollfree": "TollFree"}[a[1]]
		if resource == "" {
			ts.Fatalf("faketwilio own: unknown type %q", a[1])
		}
		sids := f.Seed(strings.ToUpper(a[0]), resource, n)
		if len(sids) < n {
			ts.Fatalf("faketwilio own: the fake has no %d %s %s numbers", n, a[0], a[1])
		}
		for _, sid := range sids {
			st, _ := f.Number(sid)
			fmt.Fprintln(out, st.Phone)
		}
	case "numbers":
		twilioCmd.parseFlags(ts, sub, args, 0, 0, nil)
		for _, n := range f.Numbers() {
			fmt.Fprintf(out, "%s\t%s\t%s\t%s\t%s\t%s\n", n.Phone, n.SID, n.FriendlyName, flowOf(n.VoiceURL), flowOf(n.SmsURL), n.BundleSID)
		}
	case "sms-url":
		a := twilioCmd.parseFlags(ts, sub, args, 1, 1, nil)
		if strings.HasPrefix(a[0], "@") { // @FILE: the file's first line, as a script saves a number
			b, err := os.ReadFile(ts.MkAbs(a[0][1:]))
			ts.Check(err)
			a[0], _, _ = strings.Cut(strings.TrimSpace(string(b)), "\n")
		}
		for _, n := range f.Numbers() {
			if n.Phone == a[0] || n.SID == a[0] {
				fmt.Fprintln(out, n.SmsURL)
			}
		}
	case "flows":
		twilioCmd.parseFlags(ts, sub, args, 0, 0, nil)
		for _, fl := range f.Flows() {
			fmt.Fprintf(out, "%s\t%s\t%d\n", fl.SID, fl.FriendlyName, fl.Revision)
		}
	case "messages":
		a := twilioCmd.parseFlags(ts, sub, args, 0, 1, nil)
		phone := ""
		if len(a) == 1 {
			phone = s.phone(ts, a[0])
		}
		for _, m := range f.Messages() {
			if phone == "" || m.From == phone || m.To == phone {
				fmt.Fprintf(out, "%s\t%s\t%s\t%s\n", m.Direction, m.From, m.To, m.Body)
			}
		}
	case "deliver":
		var withheld bool
		a := twilioCmd.parseFlags(ts, sub, args, 3, 3, func(fs *flag.FlagSet) {
			fs.BoolVar(&withheld, "withheld", false, "Twilio withholds the text (error 30038)")
		})
		var opts []twiliotest.DeliverOption
		if withheld {
			opts = append(opts, twiliotest.Withheld())
		}
		f.Deliver(a[1], s.phone(ts, a[0]), a[2], opts...)
	case "dial":
		a := twilioCmd.parseFlags(ts, sub, args, 2, 2, nil)
		target, callerID, ok := f.Dial(a[1], s.phone(ts, a[0]))
		if !ok {
			fmt.Fprintln(out, "not forwarded")
			break
		}
		fmt.Fprintf(out, "%s\t%s\n", target, callerID)
	case "call":
		var noAnswer bool
		a := twilioCmd.parseFlags(ts, sub, args, 2, 2, func(fs *flag.FlagSet) {
			fs.BoolVar(&noAnswer, "no-answer", false, "nobody picks up the forwarded call")
		})
		res, ok := f.Call(a[1], s.phone(ts, a[0]), !noAnswer)
		if !ok {
			ts.Fatalf("faketwilio call: %s has no Studio flow", a[0])
		}
		rang, rec := res.Rang, res.RecordingSID
		if rang == "" {
			rang = "-"
		}
		if rec == "" {
			rec = "-"
		}
		fmt.Fprintf(out, "rang=%s\trecording=%s\theard=%s\n", rang, rec, strings.Join(res.Heard, "|"))
	case "recordings":
		twilioCmd.parseFlags(ts, sub, args, 0, 0, nil)
		for _, sid := range f.Recordings() {
			fmt.Fprintln(out, sid)
		}
	case "fault":
		var fault twiliotest.Fault
		a := twilioCmd.parseFlags(ts, sub, args, 2, 3, func(fs *flag.FlagSet) {
			fs.IntVar(&fault.Times, "times", 1, "how many requests the fault answers")
			fs.StringVar(&fault.RetryAfter, "retry-after", "", "Retry-After header")
			fs.StringVar(&fault.Message, "message", "", "Twilio's message")
		})
		route := s.route(ts, a[0])
		switch {
		case len(a) == 2 && a[1] == "drop-before":
			fault.Drop = twiliotest.DropBefore
		case len(a) == 2 && a[1] == "drop-after":
			fault.Drop = twiliotest.DropAfter
		case len(a) == 3 && a[1] == "gateway-after":
			fault.Drop, fault.Status = twiliotest.GatewayAfter, atoi(ts, a[2])
		case len(a) == 3:
			fault.Status, fault.Code = atoi(ts, a[1]), atoi(ts, a[2])
		default:
			ts.Fatalf("usage: faketwilio fault [flags] ROUTE (STATUS CODE | drop-before | drop-after | gateway-after STATUS)")
		}
		f.Inject(route, fault)
	case "hits":
		var reset bool
		a := twilioCmd.parseFlags(ts, sub, args, 0, 1, func(fs *flag.FlagSet) {
			fs.BoolVar(&reset, "reset", false, "zero the counts after printing them")
		})
		if len(a) == 1 {
			fmt.Fprintln(out, f.Hits(s.route(ts, a[0])))
		} else {
			names := make([]string, 0, len(routeNames))
			for name := range routeNames {
				names = append(names, name)
			}
			slices.Sort(names)
			for _, name := range names {
				fmt.Fprintf(out, "%s\t%d\n", name, f.Hits(routeNames[name]))
			}
		}
		if reset {
			f.ResetCounts()
		}
	case "release":
		a := twilioCmd.parseFlags(ts, sub, args, 1, 1, nil)
		s.release(ts, s.phone(ts, a[0]))
	case "trial":
		a := twilioCmd.parseFlags(ts, sub, args, 1, 1, nil)
		switch a[0] {
		case "on", "off":
			f.SetTrial(a[0] == "on")
		default:
			ts.Fatalf("usage: faketwilio trial on|off")
		}
	case "verify":
		a := twilioCmd.parseFlags(ts, sub, args, 1, 1, nil)
		f.VerifyCallerID(a[0])
	case "bundle":
		var status string
		a := twilioCmd.parseFlags(ts, sub, args, 2, 2, func(fs *flag.FlagSet) {
			fs.StringVar(&status, "status", "twilio-approved", "the bundle's status")
		})
		fmt.Fprintln(out, f.AddBundle(strings.ToUpper(a[0]), a[1], status, "vnum test bundle"))
	case "credential":
		a := twilioCmd.parseFlags(ts, sub, args, 1, 1, nil)
		v, ok := map[string]string{"account-sid": f.AccountSID, "auth-token": f.AuthToken, "api-key": f.APIKey, "api-secret": f.APISecret}[a[0]]
		if !ok {
			ts.Fatalf("usage: faketwilio credential account-sid|auth-token|api-key|api-secret")
		}
		fmt.Fprintln(out, v)
	case "check":
		twilioCmd.parseFlags(ts, sub, args, 0, 0, nil)
	default:
		ts.Fatalf("faketwilio: unknown command %q; usage:\n%s", sub, fakeUsage)
	}
}

// start starts the script's fake account and points vnum at it.
func (s *fakeSession) start(ts *testscript.TestScript, args []string) {
	var trial, noProvider bool
	twilioCmd.parseFlags(ts, "start", args, 0, 0, func(fs *flag.FlagSet) {
		fs.BoolVar(&trial, "trial", false, "a trial account")
		fs.BoolVar(&noProvider, "no-provider", false, "do not set VNUM_PROVIDER=twilio")
	})
	if s.fake != nil {
		ts.Fatalf("faketwilio start: this script already started a fake")
	}
	var opts []twiliotest.Option
	if specs := twilioDocs.forScript(ts); specs != nil {
		opts = append(opts, twiliotest.WithSpecs(specs))
	}
	if trial {
		opts = append(opts, twiliotest.WithTrial())
	}
	f := twiliotest.Start(opts...)
	s.fake = f
	ts.Defer(f.Close)
	s.checkAtEnd(ts, twilioCmd.name, twilioDocs.what, f.Problems)
	ts.Setenv("VNUM_TWILIO_BASE_URL", f.URL)
	ts.Setenv("TWILIO_ACCOUNT_SID", f.AccountSID)
	ts.Setenv("TWILIO_AUTH_TOKEN", f.AuthToken)
	if !noProvider {
		ts.Setenv("VNUM_PROVIDER", "twilio")
	}
}

// phone resolves a NUMBER argument to one the fake knows: E.164 as is, else an owned number's
// SID or FriendlyName, or @FILE for the first line of a file (such as the saved output of
// `vnum buy -q`).
func (s *fakeSession) phone(ts *testscript.TestScript, ref string) string {
	if file, ok := strings.CutPrefix(ref, "@"); ok {
		first, _, _ := strings.Cut(ts.ReadFile(file), "\n")
		ref = strings.TrimSpace(first)
	}
	if strings.HasPrefix(ref, "+") {
		return ref
	}
	for _, n := range s.fake.Numbers() {
		if n.SID == ref || n.FriendlyName == ref {
			return n.Phone
		}
	}
	ts.Fatalf("faketwilio: no number %q on the fake account", ref)
	return ""
}

// release deletes an owned number the way another Twilio client would: through the API, so
// the exchange is checked against the documents like vnum's own.
func (s *fakeSession) release(ts *testscript.TestScript, phone string) {
	f := s.fake
	for _, n := range f.Numbers() {
		if n.Phone != phone {
			continue
		}
		req, err := http.NewRequest(http.MethodDelete, f.URL+"/2010-04-01/Accounts/"+f.AccountSID+"/IncomingPhoneNumbers/"+n.SID+".json", nil)
		ts.Check(err)
		req.SetBasicAuth(f.AccountSID, f.AuthToken)
		resp, err := http.DefaultClient.Do(req)
		ts.Check(err)
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent {
			ts.Fatalf("faketwilio release %s: HTTP %s", phone, resp.Status)
		}
		return
	}
	ts.Fatalf("faketwilio release: the fake account has no number %s", phone)
}

func (s *fakeSession) route(ts *testscript.TestScript, name string) twiliotest.Route {
	r, ok := routeNames[name]
	if !ok {
		ts.Fatalf("faketwilio: unknown route %q; usage:\n%s", name, fakeUsage)
	}
	return r
}

// flowOf is the Studio flow SID a webhook URL points at, "-" for none.
func flowOf(webhook string) string {
	if i := strings.Index(webhook, "/Flows/"); i >= 0 {
		return strings.SplitN(webhook[i+len("/Flows/"):], "/", 2)[0]
	}
	if webhook == "" {
		return "-"
	}
	return webhook
}
