package main

import (
	"context"
	"flag"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/vnum-cli/vnum/providers/telnyx/telnyxtest"
)

// Telnyx's document is loaded once per test binary, on the first `faketelnyx start`, and shared
// read-only by every fake.
var telnyxDocs = newCarrierDocs("faketelnyx", "Telnyx's OpenAPI document", "telnyx/"+telnyxtest.SpecFile,
	telnyxtest.EnvSpecsDir, telnyxtest.FindSpecsDir, telnyxtest.LoadSpecs)

type telnyxKey struct{}

// telnyxSession is one script's fake Telnyx account.
type telnyxSession struct {
	fake *telnyxtest.Fake
	docCheck
}

// telnyxRoutes are the scripts' short names for the fake's routes (hits, fault).
var telnyxRoutes = map[string]telnyxtest.Route{
	"balance":          telnyxtest.RouteBalance,
	"search":           telnyxtest.RouteSearch,
	"requirements":     telnyxtest.RouteRequirements,
	"order":            telnyxtest.RouteOrder,
	"list-orders":      telnyxtest.RouteListOrders,
	"get-order":        telnyxtest.RouteGetOrder,
	"list-numbers":     telnyxtest.RouteListNumbers,
	"list-voice":       telnyxtest.RouteListVoice,
	"get-number":       telnyxtest.RouteGetNumber,
	"update-number":    telnyxtest.RouteUpdateNumber,
	"delete-number":    telnyxtest.RouteDeleteNumber,
	"get-voice":        telnyxtest.RouteGetVoice,
	"update-voice":     telnyxtest.RouteUpdateVoice,
	"update-messaging": telnyxtest.RouteUpdateMessaging,
	"list-profiles":    telnyxtest.RouteListProfiles,
	"create-profile":   telnyxtest.RouteCreateProfile,
	"get-profile":      telnyxtest.RouteGetProfile,
	"update-profile":   telnyxtest.RouteUpdateProfile,
	"detail-records":   telnyxtest.RouteDetailRecords,
	"get-message":      telnyxtest.RouteGetMessage,
	"send-message":     telnyxtest.RouteSendMessage,
	"list-apps":        telnyxtest.RouteListTexmlApps,
	"create-app":       telnyxtest.RouteCreateTexmlApp,
	"update-app":       telnyxtest.RouteUpdateTexmlApp,
	"delete-recording": telnyxtest.RouteDeleteRecording,
	"recording":        telnyxtest.RouteRecordingMedia,
}

const telnyxUsage = `faketelnyx start [-no-provider] [-order-delay D] [-record-delay D] [-no-forwarding]
    start a fake Telnyx account for this script, stopped at its end; points vnum at it with
    VNUM_TELNYX_BASE_URL and TELNYX_API_KEY, and VNUM_PROVIDER=telnyx
faketelnyx own CC TYPE [N]          numbers bought outside vnum (TYPE local|mobile|national|toll_free); prints them
faketelnyx numbers                  what the account holds: E164 ID STATUS CUSTOMER_REFERENCE PROFILE FORWARDS_TO
faketelnyx orders                   number orders: STATUS CUSTOMER_REFERENCE NUMBERS
faketelnyx profiles                 messaging profile names
faketelnyx profile-webhook NAME     the webhook URL of the messaging profile NAME ("" for none)
faketelnyx messages [NUMBER]        messages, oldest first: DIRECTION FROM TO TEXT
faketelnyx deliver [-withheld] [-after D] NUMBER FROM TEXT   an SMS arrives (in the background after D)
faketelnyx fault [-times N] [-retry-after S] [-reset S] [-detail D] ROUTE (STATUS CODE | drop-before | drop-after | hang | hang-after | gateway-after STATUS)
faketelnyx clear-faults              drop the faults not yet used
faketelnyx hits [-reset] [ROUTE]    requests received (all routes: ROUTE COUNT lines); -reset zeroes them
faketelnyx release NUMBER           the number is released outside vnum
faketelnyx paperwork CC TYPE KIND   Telnyx requires KIND (none|address|document) for CC TYPE numbers
faketelnyx fail-orders on|off       orders fail
faketelnyx forwarding on|off        whether the account may forward calls (Telnyx: verification Level 2)
faketelnyx public-key VAR           set VAR to the account's public key (what vnum serve checks the fake's calls with)
faketelnyx apps                     TeXML applications: ID NAME METHOD VOICE_URL
faketelnyx connection NUMBER        the number's connection_id (- for none)
faketelnyx set-connection NUMBER ID the number is put on a connection of the user's
faketelnyx recordings               recordings: ID FROM TO deleted|kept
faketelnyx call [-answer] [-talk D] [-silent] NUMBER CALLER   a call (CALLER anonymous for withheld); prints
                                    rang=NUMBER answered=BOOL rejected=BOOL recording=ID heard=SAY|SAY
faketelnyx check                    fail if the fake has seen an exchange that breaks Telnyx's document`

// cmdFakeTelnyx is the faketelnyx command: the other side of a Telnyx account.
func cmdFakeTelnyx(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("faketelnyx cannot be negated")
	}
	if len(args) == 0 {
		ts.Fatalf("usage:\n%s", telnyxUsage)
	}
	s, _ := ts.Value(telnyxKey{}).(*telnyxSession)
	if s == nil {
		ts.Fatalf("faketelnyx: no session (setupScript did not run)")
	}
	if args[0] == "start" {
		s.start(ts, args[1:])
		return
	}
	if s.fake == nil {
		ts.Fatalf("faketelnyx %s: run faketelnyx start first", args[0])
	}
	s.check(ts, telnyxCmd.name, telnyxDocs.what, s.fake.Problems())
	f := s.fake
	out := ts.Stdout()
	sub, args := args[0], args[1:]
	switch sub {
	case "own":
		a := telnyxCmd.parseFlags(ts, sub, args, 2, 3, nil)
		n := 1
		if len(a) == 3 {
			n = atoi(ts, a[2])
		}
		phones := f.Seed(strings.ToUpper(a[0]), a[1], n)
		if len(phones) < n {
			ts.Fatalf("faketelnyx own: the fake has no %d %s %s numbers", n, a[0], a[1])
		}
		for _, p := range phones {
			fmt.Fprintln(out, p)
		}
	case "numbers":
		telnyxCmd.parseFlags(ts, sub, args, 0, 0, nil)
		for _, n := range f.Numbers() {
			fmt.Fprintf(out, "%s\t%s\t%s\t%s\t%s\t%s\n", n.Phone, n.ID, n.Status, dash(n.CustomerReference), dash(n.MessagingProfile), dash(n.ForwardsTo))
		}
	case "orders":
		telnyxCmd.parseFlags(ts, sub, args, 0, 0, nil)
		for _, o := range f.Orders() {
			fmt.Fprintf(out, "%s\t%s\t%s\n", o.Status, dash(o.CustomerReference), strings.Join(o.Numbers, ","))
		}
	case "profiles":
		telnyxCmd.parseFlags(ts, sub, args, 0, 0, nil)
		for _, p := range f.Profiles() {
			fmt.Fprintln(out, p)
		}
	case "profile-webhook":
		a := telnyxCmd.parseFlags(ts, sub, args, 1, 1, nil)
		fmt.Fprintln(out, f.ProfileWebhook(a[0]))
	case "messages":
		a := telnyxCmd.parseFlags(ts, sub, args, 0, 1, nil)
		phone := ""
		if len(a) == 1 {
			phone = s.phone(ts, a[0])
		}
		for _, m := range f.Messages() {
			if phone == "" || m.From == phone || m.To == phone {
				fmt.Fprintf(out, "%s\t%s\t%s\t%s\n", m.Direction, m.From, m.To, m.Text)
			}
		}
	case "deliver":
		var withheld bool
		var after, recordAfter time.Duration
		a := telnyxCmd.parseFlags(ts, sub, args, 3, 3, func(fs *flag.FlagSet) {
			fs.BoolVar(&withheld, "withheld", false, "Telnyx keeps the text back (redaction)")
			fs.DurationVar(&after, "after", 0, "deliver in the background after this long")
			fs.DurationVar(&recordAfter, "record-after", 0, "this message's detail record appears after this long (default: the fake's record delay)")
		})
		var opts []telnyxtest.DeliverOption
		if withheld {
			opts = append(opts, telnyxtest.Withheld())
		}
		if recordAfter > 0 {
			opts = append(opts, telnyxtest.RecordAfter(recordAfter))
		}
		to := s.phone(ts, a[0])
		if after > 0 {
			go func() {
				time.Sleep(after)
				_, _ = f.Deliver(a[1], to, a[2], opts...)
			}()
			break
		}
		if _, err := f.Deliver(a[1], to, a[2], opts...); err != nil {
			ts.Fatalf("faketelnyx deliver: %v", err)
		}
	case "fault":
		var fault telnyxtest.Fault
		a := telnyxCmd.parseFlags(ts, sub, args, 2, 3, func(fs *flag.FlagSet) {
			fs.IntVar(&fault.Times, "times", 1, "how many requests the fault answers")
			fs.StringVar(&fault.RetryAfter, "retry-after", "", "Retry-After header")
			fs.StringVar(&fault.RateLimitReset, "reset", "", "x-ratelimit-reset header")
			fs.StringVar(&fault.Detail, "detail", "", "Telnyx's detail")
		})
		route, ok := telnyxRoutes[a[0]]
		if !ok {
			ts.Fatalf("faketelnyx: unknown route %q; usage:\n%s", a[0], telnyxUsage)
		}
		switch {
		case len(a) == 2 && a[1] == "drop-before":
			fault.Drop = telnyxtest.DropBefore
		case len(a) == 2 && a[1] == "drop-after":
			fault.Drop = telnyxtest.DropAfter
		case len(a) == 2 && a[1] == "hang":
			fault.Drop = telnyxtest.Hang
		case len(a) == 2 && a[1] == "hang-after":
			fault.Drop = telnyxtest.HangAfter
		case len(a) == 3 && a[1] == "gateway-after":
			fault.Drop, fault.Status = telnyxtest.GatewayAfter, atoi(ts, a[2])
		case len(a) == 3:
			fault.Status, fault.Code = atoi(ts, a[1]), a[2]
		default:
			ts.Fatalf("usage: faketelnyx fault [flags] ROUTE (STATUS CODE | drop-before | drop-after | hang | gateway-after STATUS)")
		}
		f.Inject(route, fault)
	case "clear-faults":
		telnyxCmd.parseFlags(ts, sub, args, 0, 0, nil)
		f.ClearFaults()
	case "hits":
		var reset bool
		a := telnyxCmd.parseFlags(ts, sub, args, 0, 1, func(fs *flag.FlagSet) {
			fs.BoolVar(&reset, "reset", false, "zero the counts after printing them")
		})
		if len(a) == 1 {
			route, ok := telnyxRoutes[a[0]]
			if !ok {
				ts.Fatalf("faketelnyx: unknown route %q", a[0])
			}
			fmt.Fprintln(out, f.Hits(route))
		} else {
			names := make([]string, 0, len(telnyxRoutes))
			for name := range telnyxRoutes {
				names = append(names, name)
			}
			slices.Sort(names)
			for _, name := range names {
				fmt.Fprintf(out, "%s\t%d\n", name, f.Hits(telnyxRoutes[name]))
			}
		}
		if reset {
			f.ResetCounts()
		}
	case "release":
		a := telnyxCmd.parseFlags(ts, sub, args, 1, 1, nil)
		if !f.Release(s.phone(ts, a[0])) {
			ts.Fatalf("faketelnyx release: the fake account has no number %s", a[0])
		}
	case "paperwork":
		a := telnyxCmd.parseFlags(ts, sub, args, 3, 3, nil)
		kind := a[2]
		if kind == "none" {
			kind = ""
		}
		f.SetPaperwork(strings.ToUpper(a[0]), a[1], kind)
	case "forwarding":
		a := telnyxCmd.parseFlags(ts, sub, args, 1, 1, nil)
		f.SetForwardingAllowed(a[0] == "on")
	case "fail-orders":
		a := telnyxCmd.parseFlags(ts, sub, args, 1, 1, nil)
		f.FailOrders(a[0] == "on")
	case "public-key":
		a := telnyxCmd.parseFlags(ts, sub, args, 1, 1, nil)
		ts.Setenv(a[0], f.PublicKey())
	case "apps":
		telnyxCmd.parseFlags(ts, sub, args, 0, 0, nil)
		for _, a := range f.TexmlApps() {
			fmt.Fprintf(out, "%s\t%s\t%s\t%s\n", a.ID, a.Name, strings.ToUpper(a.VoiceMethod), a.VoiceURL)
		}
	case "connection":
		a := telnyxCmd.parseFlags(ts, sub, args, 1, 1, nil)
		fmt.Fprintln(out, dash(f.Connection(s.phone(ts, a[0]))))
	case "set-connection":
		a := telnyxCmd.parseFlags(ts, sub, args, 2, 2, nil)
		ts.Check(f.SetConnection(s.phone(ts, a[0]), a[1]))
	case "recordings":
		telnyxCmd.parseFlags(ts, sub, args, 0, 0, nil)
		for _, r := range f.Recordings() {
			state := "kept"
			if r.Deleted {
				state = "deleted"
			}
			fmt.Fprintf(out, "%s\t%s\t%s\t%s\n", r.ID, dash(r.From), r.To, state)
		}
	case "call":
		var o telnyxtest.CallOptions
		a := telnyxCmd.parseFlags(ts, sub, args, 2, 2, func(fs *flag.FlagSet) {
			fs.BoolVar(&o.Answer, "answer", false, "the forwarded leg picks up")
			fs.DurationVar(&o.Talk, "talk", 30*time.Second, "how long an answered call lasts")
			fs.BoolVar(&o.Silent, "silent", false, "the caller hangs up at the beep")
		})
		caller := a[1]
		if caller == "anonymous" {
			caller = ""
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		res, err := f.Call(ctx, caller, s.phone(ts, a[0]), o)
		ts.Check(err)
		fmt.Fprintf(out, "rang=%s\tanswered=%t\trejected=%t\trecording=%s\theard=%s\n", dash(res.Rang), res.Answered, res.Rejected,
			dash(res.RecordingID), strings.Join(res.Heard, " | "))
	case "check":
		telnyxCmd.parseFlags(ts, sub, args, 0, 0, nil)
	default:
		ts.Fatalf("faketelnyx: unknown command %q; usage:\n%s", sub, telnyxUsage)
	}
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func (s *telnyxSession) start(ts *testscript.TestScript, args []string) {
	var noProvider, noForwarding bool
	orderDelay, recordDelay := 300*time.Millisecond, 200*time.Millisecond
	telnyxCmd.parseFlags(ts, "start", args, 0, 0, func(fs *flag.FlagSet) {
		fs.BoolVar(&noProvider, "no-provider", false, "do not set VNUM_PROVIDER=telnyx")
		fs.BoolVar(&noForwarding, "no-forwarding", false, "the account may not forward calls")
		fs.DurationVar(&orderDelay, "order-delay", orderDelay, "how long orders stay pending")
		fs.DurationVar(&recordDelay, "record-delay", recordDelay, "how long after a message its detail record appears")
	})
	if s.fake != nil {
		ts.Fatalf("faketelnyx start: this script already started a fake")
	}
	opts := []telnyxtest.Option{telnyxtest.WithOrderDelay(orderDelay), telnyxtest.WithRecordDelay(recordDelay)}
	if specs := telnyxDocs.forScript(ts); specs != nil {
		opts = append(opts, telnyxtest.WithSpecs(specs))
	}
	f := telnyxtest.Start(opts...)
	f.SetForwardingAllowed(!noForwarding)
	s.fake = f
	ts.Defer(f.Close)
	s.checkAtEnd(ts, telnyxCmd.name, telnyxDocs.what, f.Problems)
	ts.Setenv("VNUM_TELNYX_BASE_URL", f.URL)
	ts.Setenv("TELNYX_API_KEY", f.APIKey)
	if !noProvider {
		ts.Setenv("VNUM_PROVIDER", "telnyx")
	}
}

// phone resolves a NUMBER argument: E.164 as is, else an owned number's id or
// customer_reference (the label), or @FILE for the first line of a file.
func (s *telnyxSession) phone(ts *testscript.TestScript, ref string) string {
	if file, ok := strings.CutPrefix(ref, "@"); ok {
		first, _, _ := strings.Cut(ts.ReadFile(file), "\n")
		ref = strings.TrimSpace(first)
	}
	if strings.HasPrefix(ref, "+") {
		return ref
	}
	for _, n := range s.fake.Numbers() {
		if n.ID == ref || n.CustomerReference == ref {
			return n.Phone
		}
	}
	ts.Fatalf("faketelnyx: no number %q on the fake account", ref)
	return ""
}
