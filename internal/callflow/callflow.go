// Package callflow decides what vnum serve does with one incoming call, carrier-neutral and
// without I/O: serve renders the Plan as the carrier's call-control document (TeXML on Telnyx,
// an NCCO on Vonage) and logs the call's outcome.
package callflow

import (
	"slices"
	"strings"
	"time"

	"github.com/vnum-cli/vnum/internal/phone"
	"github.com/vnum-cli/vnum/providers"
)

// Plan is what vnum serve does with one incoming call; serve renders it as TeXML or an NCCO.
type Plan struct {
	Block        bool          // turn the caller away
	BlockMessage string        // said before hanging up; "" = reject at once, without a word
	DialTo       string        // E.164 the call is forwarded to; "" = none
	DialTimeout  time.Duration // ring this long, then voicemail (0 = carrier's default)
	Voicemail    bool          // record a message: after an unanswered dial when DialTo != "", else at once
	Greeting     string        // said before recording
}

// Decide is the plan for a call from caller ("" = withheld) to a number forwarded to forwardTo
// ("" = not forwarded) under rules r. A blocked caller is turned away whatever else is set; a
// number with voicemail "always" rings nowhere; otherwise the call is forwarded, followed by
// voicemail when the mode is "after". A number neither forwarded nor taking messages has
// nothing to offer the caller: the plan is empty and the call ends (logged as missed).
func Decide(caller, forwardTo string, r providers.CallRules) Plan {
	if r.Blocks(caller) {
		return Plan{Block: true, BlockMessage: r.BlockMessage}
	}
	switch {
	case r.Voicemail == providers.VoicemailAlways:
		return Plan{Voicemail: true, Greeting: r.Greeting}
	case forwardTo != "" && r.Voicemail == providers.VoicemailAfter:
		return Plan{DialTo: forwardTo, DialTimeout: r.VoicemailAfter, Voicemail: true, Greeting: r.Greeting}
	case forwardTo != "":
		return Plan{DialTo: forwardTo}
	case r.Voicemail == providers.VoicemailAfter:
		// Voicemail after a dial that has no one to dial: straight to voicemail.
		return Plan{Voicemail: true, Greeting: r.Greeting}
	}
	return Plan{}
}

// AfterDial is what became of a call once the dial of p ended: answered when someone picked up;
// otherwise voicemail when the plan asks the caller to record (the message may still be left
// empty: serve logs it as missed when no recording comes), else missed. A plan that blocks is
// blocked whatever answered says.
func AfterDial(p Plan, answered bool) providers.CallOutcome {
	switch {
	case p.Block:
		return providers.CallBlocked
	case answered:
		return providers.CallAnswered
	case p.Voicemail:
		return providers.CallVoicemail
	}
	return providers.CallMissed
}

// withheld are the caller ids carriers give a call whose caller withheld the number: Twilio's
// (providers/twilio's anonymousCallers, kept there for its Studio flow's split), Telnyx's
// ("anonymous", "Anonymous"), Vonage's ("Unknown", "" or no from at all) and the common
// "private"/"restricted"/"unavailable" spellings.
var withheld = []string{
	"anonymous", "restricted", "unknown", "unavailable", "private", "withheld", "blocked",
	"+266696687", "+86282452253", "+7378742833", "+2562533",
}

// Caller is the caller id a carrier gave, as vnum keeps it: E.164, or "" when the caller
// withheld the number (any of the carriers' spellings for that, or anything that is not an
// E.164 number).
func Caller(from string) string {
	from = strings.TrimSpace(from)
	if from == "" || slices.Contains(withheld, strings.ToLower(from)) {
		return ""
	}
	if !strings.HasPrefix(from, "+") && len(from) >= 8 && allDigits(from) {
		from = "+" + from // Vonage gives E.164 without the plus
	}
	if slices.Contains(withheld, from) || !phone.IsE164(from) {
		return ""
	}
	return from
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
