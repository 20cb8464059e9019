package twilio

import (
	"net/url"
	"strings"
	"time"

	"github.com/vnum-cli/vnum/internal/lazyre"
	"github.com/vnum-cli/vnum/providers"
)

// flowNamePrefix marks the Studio flows vnum owns. vnum never edits or deletes a flow without
// it: a user's own flow on a number is left alone.
const flowNamePrefix = "vnum forward"

// flowURLPattern finds the flow SID in a Studio webhook URL
// (https://webhooks.twilio.com/v1/Accounts/AC…/Flows/FW…).
var flowURLPattern = lazyre.New(`/Flows/(FW[0-9a-fA-F]{32})(?:[/?#]|$)`)

// flowSIDOf returns the flow a webhook URL points at, "" for anything else.
func flowSIDOf(webhook string) string {
	m := flowURLPattern.FindStringSubmatch(webhook)
	if m == nil {
		return ""
	}
	return m[1]
}

// flowName is the FriendlyName of a number's forwarding flow: it names the number and the
// targets, so that reading the flow list is enough to know every number's forwarding.
func flowName(numberSID string, f providers.Forwarding) string {
	parts := []string{flowNamePrefix, numberSID}
	if f.Calls != "" {
		parts = append(parts, "calls="+f.Calls)
	}
	if f.SMS != "" {
		parts = append(parts, "sms="+f.SMS)
	}
	return strings.Join(parts, " ")
}

// parseFlowName reads a FriendlyName written by flowName. ok is false for flows vnum did not
// write. Unknown or malformed tokens are skipped, so a later vnum can add fields.
func parseFlowName(name string) (numberSID string, f providers.Forwarding, ok bool) {
	rest, found := strings.CutPrefix(strings.TrimSpace(name), flowNamePrefix)
	if !found || (rest != "" && rest[0] != ' ') {
		return "", providers.Forwarding{}, false
	}
	for _, tok := range strings.Fields(rest) {
		key, val, hasEq := strings.Cut(tok, "=")
		switch {
		case !hasEq && numberSIDPattern.MatchString(tok):
			numberSID = tok
		case key == "calls" && isE164(val):
			f.Calls = val
		case key == "sms" && isE164(val):
			f.SMS = val
		}
	}
	return numberSID, f, true
}

// Studio flow definition, the subset vnum writes. Shape per Twilio's flow-definition schema:
// https://www.twilio.com/docs/studio/rest-api/v2/flow#flow-definition
type flowDefinition struct {
	Description  string          `json:"description"`
	InitialState string          `json:"initial_state"`
	Flags        map[string]bool `json:"flags"`
	States       []flowState     `json:"states"`
}

type flowState struct {
	Name        string           `json:"name"`
	Type        string           `json:"type"`
	Properties  map[string]any   `json:"properties"`
	Transitions []flowTransition `json:"transitions"`
}

type flowTransition struct {
	Event      string          `json:"event"`
	Next       string          `json:"next,omitempty"`
	Conditions []flowCondition `json:"conditions,omitempty"`
}

// flowCondition is one test of a split-based-on widget's match transition.
type flowCondition struct {
	FriendlyName string   `json:"friendly_name"`
	Arguments    []string `json:"arguments"`
	Type         string   `json:"type"`
	Value        string   `json:"value"`
}

type offset struct {
	X int `json:"x"`
	Y int `json:"y"`
}

// route is one of a number's webhooks.
type route struct{ URL, Method string }

// routes are a number's voice and SMS webhooks.
type routes struct{ Voice, SMS route }

// or fills what r lacks from o.
func (r routes) or(o routes) routes {
	if r.Voice.URL == "" {
		r.Voice = o.Voice
	}
	if r.SMS.URL == "" {
		r.SMS = o.SMS
	}
	return r
}

const (
	flowDescription = "vnum forwarding (managed by vnum: edits are overwritten)"
	// restoreMarker starts the line of the description that keeps the number's webhooks from
	// before vnum, so that turning forwarding off gives them back.
	restoreMarker = "\nrestore: "
)

// describeFlow is the flow's description, with the webhooks to restore.
func describeFlow(restore routes) string {
	v := url.Values{}
	for k, val := range map[string]string{"voice_url": restore.Voice.URL, "voice_method": restore.Voice.Method,
		"sms_url": restore.SMS.URL, "sms_method": restore.SMS.Method} {
		if val != "" {
			v.Set(k, val)
		}
	}
	if len(v) == 0 {
		return flowDescription
	}
	return flowDescription + restoreMarker + v.Encode()
}

// restoreOf reads the webhooks to restore from a flow definition written by buildFlow; a
// definition without them (or not vnum's) gives none.
func restoreOf(def *any) routes {
	if def == nil {
		return routes{}
	}
	m, _ := (*def).(map[string]any)
	desc, _ := m["description"].(string)
	_, line, ok := strings.Cut(desc, restoreMarker)
	if !ok {
		return routes{}
	}
	v, err := url.ParseQuery(strings.TrimSpace(line))
	if err != nil {
		return routes{}
	}
	r := routes{Voice: route{v.Get("voice_url"), v.Get("voice_method")}, SMS: route{v.Get("sms_url"), v.Get("sms_method")}}
	// Only web addresses go back onto a number: the description is editable in the console.
	for _, u := range []*route{&r.Voice, &r.SMS} {
		if p, err := url.Parse(u.URL); u.URL != "" && (err != nil || (p.Scheme != "https" && p.Scheme != "http")) {
			*u = route{}
		}
	}
	return r
}

// anonymousCallers are the From values Twilio gives a call whose caller withheld the number.
const anonymousCallers = "anonymous,Anonymous,restricted,unknown,unavailable,+266696687,+86282452253,+7378742833,+2562533"

// Event names of the Studio widgets vnum writes, per Twilio's flow-definition schema.
const (
	evIncomingCall = "incomingCall"
	evNoMatch      = "noMatch"
	evMatch        = "match"
)

// buildFlow writes the definition: the trigger sends messages to a send-message widget that
// relays sender and text, and calls through the number's call rules: a split on the caller
// turns blocked and withheld callers away (the flow ends at once, which hangs up, or after a
// say-play message), then either every call goes to voicemail (a greeting, then
// record-voicemail) or it rings the forwarding target (connect-call-to) and, with voicemail
// after a delay, a call not answered within it goes to voicemail. Every path ends the call; an
// unforwarded channel ends at the trigger. callerID is CallerIDPassthrough or CallerIDNumber.
// The description keeps the number's webhooks from before vnum (restore).
func buildFlow(f providers.Forwarding, r providers.CallRules, callerID string, restore routes) flowDefinition {
	trigger := flowState{
		Name:       "Trigger",
		Type:       "trigger",
		Properties: map[string]any{"offset": offset{0, 0}},
		Transitions: []flowTransition{
			{Event: "incomingMessage"},
			{Event: evIncomingCall},
			{Event: "incomingConversationMessage"},
			{Event: "incomingRequest"},
			{Event: "incomingParent"},
		},
	}
	states := []flowState{trigger}
	add := func(st flowState) string {
		st.Properties["offset"] = offset{300 * (len(states) % 3), 200 * len(states)}
		states = append(states, st)
		return st.Name
	}
	// Built from the end of the call back to its start: each widget needs the next one's name.
	voicemail := ""
	if r.Voicemail != providers.VoicemailOff {
		record := add(flowState{
			Name: "record_voicemail",
			Type: "record-voicemail",
			Properties: map[string]any{
				"transcribe": true, "play_beep": "true", "max_length": 120, "timeout": 5,
				"finish_on_key": "#", "trim": "trim-silence",
			},
			Transitions: []flowTransition{{Event: "recordingComplete"}, {Event: "noAudio"}, {Event: "hangup"}},
		})
		voicemail = add(flowState{
			Name:        "voicemail_greeting",
			Type:        "say-play",
			Properties:  map[string]any{"say": r.Greeting, "loop": 1},
			Transitions: []flowTransition{{Event: "audioComplete", Next: record}},
		})
	}
	callStart := ""
	switch {
	case r.Voicemail == providers.VoicemailAlways:
		callStart = voicemail
	case f.Calls != "":
		from := "{{contact.channel.address}}"
		if callerID == CallerIDNumber {
			from = "{{flow.channel.address}}"
		}
		timeout := 30
		completed := ""
		if r.Voicemail == providers.VoicemailAfter {
			timeout = max(1, int(r.VoicemailAfter.Round(time.Second)/time.Second))
			// The dial's outcome decides: only a call nobody took goes to voicemail.
			completed = add(flowState{
				Name:       "call_outcome",
				Type:       "split-based-on",
				Properties: map[string]any{"input": "{{widgets.forward_call.DialCallStatus}}"},
				Transitions: []flowTransition{
					{Event: evNoMatch},
					{Event: evMatch, Next: voicemail, Conditions: []flowCondition{{
						FriendlyName: "not answered", Arguments: []string{"{{widgets.forward_call.DialCallStatus}}"},
						Type: "matches_any_of", Value: "no-answer,busy,failed",
					}}},
				},
			})
		}
		callStart = add(flowState{
			Name: "forward_call",
			Type: "connect-call-to",
			Properties: map[string]any{
				"noun":      "number",
				"to":        f.Calls,
				"caller_id": from,
				"timeout":   timeout,
			},
			Transitions: []flowTransition{{Event: "callCompleted", Next: completed}, {Event: "hangup"}},
		})
	}
	if len(r.Blocked) > 0 || r.BlockAnonymous {
		// A rejection is the flow ending before anything answers; a message is said first.
		turnAway := ""
		if r.BlockMessage != "" {
			turnAway = add(flowState{
				Name:        "blocked_message",
				Type:        "say-play",
				Properties:  map[string]any{"say": r.BlockMessage, "loop": 1},
				Transitions: []flowTransition{{Event: "audioComplete"}},
			})
		}
		screen := flowState{
			Name:        "screen_caller",
			Type:        "split-based-on",
			Properties:  map[string]any{"input": "{{trigger.call.From}}"},
			Transitions: []flowTransition{{Event: evNoMatch, Next: callStart}},
		}
		if len(r.Blocked) > 0 {
			screen.Transitions = append(screen.Transitions, flowTransition{Event: evMatch, Next: turnAway, Conditions: []flowCondition{{
				FriendlyName: "blocked caller", Arguments: []string{"{{trigger.call.From}}"},
				Type: "matches_any_of", Value: strings.Join(r.Blocked, ","),
			}}})
		}
		if r.BlockAnonymous {
			screen.Transitions = append(screen.Transitions, flowTransition{Event: evMatch, Next: turnAway, Conditions: []flowCondition{{
				FriendlyName: "withheld number", Arguments: []string{"{{trigger.call.From}}"},
				Type: "matches_any_of", Value: anonymousCallers,
			}}})
		}
		callStart = add(screen)
	}
	trigger.Transitions[1].Next = callStart
	if f.SMS != "" {
		trigger.Transitions[0].Next = add(flowState{
			Name: "forward_sms",
			Type: "send-message",
			Properties: map[string]any{
				"service": "{{trigger.message.InstanceSid}}",
				"channel": "{{trigger.message.ChannelSid}}",
				"from":    "{{flow.channel.address}}",
				"to":      f.SMS,
				"body":    "{{trigger.message.From}}: {{trigger.message.Body}}",
			},
			Transitions: []flowTransition{{Event: "sent"}, {Event: "failed"}},
		})
	}
	states[0] = trigger
	return flowDefinition{
		Description:  describeFlow(restore),
		InitialState: "Trigger",
		Flags:        map[string]bool{"allow_concurrent_calls": true},
		States:       states,
	}
}
