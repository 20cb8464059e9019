package callflow

import (
	"testing"
	"time"

	"github.com/vnum-cli/vnum/providers"
)

func TestDecide(t *testing.T) {
	const me, spammer = "+33611111111", "+33699999999"
	blocking := providers.CallRules{Blocked: []string{spammer}, BlockAnonymous: true, BlockMessage: "This number is not available."}
	for _, tc := range []struct {
		name, caller, forwardTo string
		rules                   providers.CallRules
		want                    Plan
	}{
		{"plain forward", "+15550001111", me, providers.CallRules{}, Plan{DialTo: me}},
		{"nothing set, not forwarded", "+15550001111", "", providers.CallRules{}, Plan{}},
		{"blocked caller with a message", spammer, me, blocking, Plan{Block: true, BlockMessage: "This number is not available."}},
		{"blocked caller, rejected", spammer, me, providers.CallRules{Blocked: []string{spammer}}, Plan{Block: true}},
		{"withheld caller blocked", "", me, blocking, Plan{Block: true, BlockMessage: "This number is not available."}},
		{"withheld caller allowed", "", me, providers.CallRules{Blocked: []string{spammer}}, Plan{DialTo: me}},
		{"other caller passes the block list", "+15550001111", me, blocking, Plan{DialTo: me}},
		{"voicemail after", "+15550001111", me, providers.CallRules{Voicemail: providers.VoicemailAfter, VoicemailAfter: 20 * time.Second, Greeting: "Leave a message."},
			Plan{DialTo: me, DialTimeout: 20 * time.Second, Voicemail: true, Greeting: "Leave a message."}},
		{"voicemail always rings nowhere", "+15550001111", me, providers.CallRules{Voicemail: providers.VoicemailAlways, Greeting: "Hi."},
			Plan{Voicemail: true, Greeting: "Hi."}},
		{"voicemail always, not forwarded", "+15550001111", "", providers.CallRules{Voicemail: providers.VoicemailAlways}, Plan{Voicemail: true}},
		{"voicemail after with nothing to dial", "+15550001111", "", providers.CallRules{Voicemail: providers.VoicemailAfter, VoicemailAfter: time.Second},
			Plan{Voicemail: true}},
		{"block wins over voicemail", spammer, me, providers.CallRules{Blocked: []string{spammer}, Voicemail: providers.VoicemailAlways}, Plan{Block: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Decide(tc.caller, tc.forwardTo, tc.rules); got != tc.want {
				t.Errorf("Decide(%q, %q) = %+v, want %+v", tc.caller, tc.forwardTo, got, tc.want)
			}
		})
	}
}

func TestAfterDial(t *testing.T) {
	for _, tc := range []struct {
		name     string
		plan     Plan
		answered bool
		want     providers.CallOutcome
	}{
		{"answered", Plan{DialTo: "+33611111111"}, true, providers.CallAnswered},
		{"answered before voicemail", Plan{DialTo: "+33611111111", Voicemail: true}, true, providers.CallAnswered},
		{"unanswered goes to voicemail", Plan{DialTo: "+33611111111", Voicemail: true}, false, providers.CallVoicemail},
		{"unanswered without voicemail", Plan{DialTo: "+33611111111"}, false, providers.CallMissed},
		{"voicemail always", Plan{Voicemail: true}, false, providers.CallVoicemail},
		{"empty plan", Plan{}, false, providers.CallMissed},
		{"blocked", Plan{Block: true}, true, providers.CallBlocked},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := AfterDial(tc.plan, tc.answered); got != tc.want {
				t.Errorf("AfterDial = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestCaller(t *testing.T) {
	for in, want := range map[string]string{
		"+33612345678":        "+33612345678",
		" +33612345678 ":      "+33612345678",
		"33612345678":         "+33612345678", // Vonage's E.164 without the plus
		"anonymous":           "",
		"Anonymous":           "",
		"ANONYMOUS":           "",
		"private":             "",
		"Restricted":          "",
		"unknown":             "",
		"":                    "",
		"+266696687":          "",
		"+2562533":            "",
		"sip:bob@example.com": "",
		"+0123456789":         "",
		"12":                  "",
	} {
		if got := Caller(in); got != want {
			t.Errorf("Caller(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzCaller(f *testing.F) {
	for _, s := range []string{"+33612345678", "anonymous", "33612345678", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Caller(s)
		if got != "" && (got[0] != '+' || Caller(got) != got) {
			t.Errorf("Caller(%q) = %q: not a stable E.164 number", s, got)
		}
	})
}
