package twilio_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/providers"
	faketwilio "github.com/vnum-cli/vnum/providers/twilio/twiliotest"
)

// Every combination of forwarding and call rules gives a flow that Studio's Validate (the
// fake, checked against the Studio v2 document) accepts, and whose every widget transition is
// sound: nothing unreachable, no outcome left undefined, no loop, so every call ends.
func TestCallRuleFlowsAreValidAndEveryCallEnds(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, f)
	n := buyOne(t, p, "US", providers.TypeLocal, "shop")
	fwd := providers.Forwarding{Calls: "+33612345678"}
	greet := "The person you are calling is not available."
	cases := map[string]struct {
		f providers.Forwarding
		r providers.CallRules
	}{
		"block list, reject":     {fwd, providers.CallRules{Blocked: []string{"+33611111111", "+33622222222"}}},
		"anonymous, message":     {fwd, providers.CallRules{BlockAnonymous: true, BlockMessage: "This number is not available."}},
		"voicemail after":        {fwd, providers.CallRules{Voicemail: providers.VoicemailAfter, VoicemailAfter: 20 * time.Second, Greeting: greet}},
		"voicemail always":       {providers.Forwarding{}, providers.CallRules{Voicemail: providers.VoicemailAlways, Greeting: greet}},
		"everything, SMS too":    {providers.Forwarding{Calls: "+33612345678", SMS: "+33612345678"}, providers.CallRules{Blocked: []string{"+33611111111"}, BlockAnonymous: true, BlockMessage: "Not available.", Voicemail: providers.VoicemailAfter, VoicemailAfter: 15 * time.Second, Greeting: greet}},
		"block only, no forward": {providers.Forwarding{}, providers.CallRules{Blocked: []string{"+33611111111"}}},
		"plain forwarding":       {fwd, providers.CallRules{}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			validates := f.Hits(faketwilio.RouteValidateFlow)
			_, err := p.SetCallRouting(t.Context(), n.ID, tc.f, tc.r)
			require.NoError(t, err)
			assert.Equal(t, validates+1, f.Hits(faketwilio.RouteValidateFlow), "validated before it was written")
			require.Empty(t, f.Problems(), "the fake found the exchange against Twilio's documents")
			flows := f.Flows()
			require.Len(t, flows, 1, "one flow per number, updated in place")
			assert.Empty(t, faketwilio.CheckFlowPaths(flows[0].Definition))
			st, _ := f.Number(n.ID)
			assert.Contains(t, st.VoiceURL, flows[0].SID, "the number's calls go through the flow")
		})
	}
	// Off: nothing left behind.
	_, err := p.SetCallRouting(t.Context(), n.ID, providers.Forwarding{}, providers.CallRules{})
	require.NoError(t, err)
	assert.Empty(t, f.Flows())
	require.NoError(t, p.Release(t.Context(), n.ID))
}

// The flow's widgets do what the rules say: a blocked caller never reaches connect-call-to,
// the dial times out after the voicemail delay, and only an unanswered dial records.
func TestCallRuleFlowShape(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, f)
	n := buyOne(t, p, "US", providers.TypeLocal, "shop")
	_, err := p.SetCallRouting(t.Context(), n.ID, providers.Forwarding{Calls: "+33612345678"}, providers.CallRules{
		Blocked: []string{"+33611111111"}, Voicemail: providers.VoicemailAfter, VoicemailAfter: 20 * time.Second, Greeting: "Leave a message.",
	})
	require.NoError(t, err)
	var def struct {
		States []struct {
			Name, Type  string
			Properties  map[string]any
			Transitions []struct {
				Event, Next string
				Conditions  []struct{ Type, Value string }
			}
		}
	}
	require.NoError(t, json.Unmarshal(f.Flows()[0].Definition, &def))
	byName := map[string]int{}
	for i, st := range def.States {
		byName[st.Name] = i
	}
	screen := def.States[byName["screen_caller"]]
	assert.Equal(t, "split-based-on", screen.Type)
	assert.Equal(t, "noMatch", screen.Transitions[0].Event)
	assert.Equal(t, "forward_call", screen.Transitions[0].Next)
	assert.Equal(t, "+33611111111", screen.Transitions[1].Conditions[0].Value)
	assert.Empty(t, screen.Transitions[1].Next, "a blocked call ends at once: rejected")
	dial := def.States[byName["forward_call"]]
	assert.InDelta(t, 20, dial.Properties["timeout"], 0)
	outcome := def.States[byName["call_outcome"]]
	assert.Equal(t, "voicemail_greeting", outcome.Transitions[1].Next)
	assert.Equal(t, "no-answer,busy,failed", outcome.Transitions[1].Conditions[0].Value)
	assert.Equal(t, "Leave a message.", def.States[byName["voicemail_greeting"]].Properties["say"])
	assert.Equal(t, "record_voicemail", def.States[byName["voicemail_greeting"]].Transitions[0].Next)
}

// The checker itself finds each kind of unsound flow.
func TestCheckFlowPathsFindsDeadEndsAndLoops(t *testing.T) {
	cases := map[string]struct{ def, want string }{
		"missing event": {`{"initial_state":"T","states":[{"name":"T","type":"trigger","transitions":[{"event":"incomingCall","next":"S"}]},` +
			`{"name":"S","type":"say-play","transitions":[]}]}`, "S: no transition for audioComplete"},
		"unknown next": {`{"initial_state":"T","states":[{"name":"T","type":"trigger","transitions":[{"event":"incomingCall","next":"X"}]}]}`,
			`goes to "X", which does not exist`},
		"loop": {`{"initial_state":"T","states":[{"name":"T","type":"trigger","transitions":[{"event":"incomingCall","next":"S"}]},` +
			`{"name":"S","type":"say-play","transitions":[{"event":"audioComplete","next":"S"}]}]}`, "loop"},
		"orphan": {`{"initial_state":"T","states":[{"name":"T","type":"trigger","transitions":[]},` +
			`{"name":"S","type":"say-play","transitions":[{"event":"audioComplete"}]}]}`, "S: not reachable"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			assert.Contains(t, strings.Join(faketwilio.CheckFlowPaths([]byte(tc.def)), "\n"), tc.want)
		})
	}
}

// Calls run through the fake's Studio flow leave what vnum reads back through the 2010 API:
// the call log with each call's outcome, the voicemail with its transcription and audio, and
// a deleted voicemail is gone at Twilio.
func TestCallLogAndVoicemailsReadBack(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, f)
	n := buyOne(t, p, "US", providers.TypeLocal, "shop")
	_, err := p.SetCallRouting(t.Context(), n.ID, providers.Forwarding{Calls: "+14155550100"}, providers.CallRules{
		Blocked: []string{"+12025550111"}, BlockAnonymous: true,
		Voicemail: providers.VoicemailAfter, VoicemailAfter: 20 * time.Second, Greeting: "Leave a message.",
	})
	require.NoError(t, err)
	before := time.Now().Add(-time.Minute)

	res, ok := f.Call("+12025550111", n.Number, true)
	require.True(t, ok)
	assert.Empty(t, res.Rang, "a blocked caller rings nothing")
	res, _ = f.Call("anonymous", n.Number, true)
	assert.Empty(t, res.Rang)
	res, _ = f.Call("+12025550122", n.Number, true)
	assert.Equal(t, "+14155550100", res.Rang)
	assert.Empty(t, res.RecordingSID)
	res, _ = f.Call("+12025550133", n.Number, false)
	assert.Equal(t, []string{"Leave a message."}, res.Heard)
	require.NotEmpty(t, res.RecordingSID, "unanswered: a voicemail")

	calls, err := p.Calls(t.Context(), n.ID, before)
	require.NoError(t, err)
	var got []string
	for _, c := range calls {
		got = append(got, c.From+" "+string(c.Outcome))
	}
	assert.ElementsMatch(t, []string{"+12025550111 blocked", " blocked", "+12025550122 answered", "+12025550133 voicemail"}, got)

	vms, err := p.Voicemails(t.Context(), n.ID, before)
	require.NoError(t, err)
	require.Len(t, vms, 1)
	assert.Equal(t, res.RecordingSID, vms[0].ID)
	assert.Equal(t, "+12025550133", vms[0].From)
	assert.Equal(t, faketwilio.Transcription, vms[0].Transcription)
	audio, err := p.VoicemailAudio(t.Context(), vms[0].ID)
	require.NoError(t, err)
	assert.Equal(t, "RIFF", string(audio.Data[:4]))

	require.NoError(t, p.DeleteVoicemail(t.Context(), vms[0].ID))
	assert.Empty(t, f.Recordings())
	err = p.DeleteVoicemail(t.Context(), vms[0].ID)
	require.ErrorIs(t, err, providers.ErrNotFound)
	_, err = p.VoicemailAudio(t.Context(), vms[0].ID)
	require.ErrorIs(t, err, providers.ErrNotFound)
	require.Empty(t, f.Problems())
}
