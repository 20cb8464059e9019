package twiliotest

import (
	"encoding/json"
	"fmt"
	"slices"
)

// widgetEvents are the events each widget type vnum writes can fire, per Twilio's
// flow-definition schema. A transition list that leaves one out leaves that outcome undefined.
func widgetEvents() map[string][]string {
	return map[string][]string{
		"trigger":          {"incomingMessage", "incomingCall", "incomingConversationMessage", "incomingRequest", "incomingParent"},
		"connect-call-to":  {"callCompleted", "hangup"},
		"send-message":     {"sent", "failed"},
		"split-based-on":   {"noMatch", "match"},
		"say-play":         {"audioComplete"},
		"record-voicemail": {"recordingComplete", "noAudio", "hangup"},
	}
}

// CheckFlowPaths is the structural check of a Studio flow definition that Validate does not
// make: every widget is reachable from the trigger; every event a widget can fire has its
// transition (no outcome left undefined); every transition goes to a widget that exists or
// ends the flow (which ends the call); and no path loops, so every call ends. It returns the
// problems found, none for a sound flow.
func CheckFlowPaths(raw []byte) []string {
	var def flowDef
	if err := json.Unmarshal(raw, &def); err != nil {
		return []string{"not JSON: " + err.Error()}
	}
	states := map[string]flowStateDef{}
	for _, st := range def.States {
		states[st.Name] = st
	}
	var problems []string
	events := widgetEvents()
	for _, st := range def.States {
		want, known := events[st.Type]
		if !known {
			problems = append(problems, fmt.Sprintf("%s: widget type %q is not one vnum knows the events of", st.Name, st.Type))
			continue
		}
		var have []string
		for _, tr := range st.Transitions {
			have = append(have, tr.Event)
			if tr.Next != "" {
				if _, ok := states[tr.Next]; !ok {
					problems = append(problems, fmt.Sprintf("%s: %s goes to %q, which does not exist", st.Name, tr.Event, tr.Next))
				}
			}
		}
		for _, ev := range want {
			if ev == "match" && st.Type == "split-based-on" {
				continue // a split may have no match transition at all: then every input is noMatch
			}
			if !slices.Contains(have, ev) {
				problems = append(problems, fmt.Sprintf("%s: no transition for %s", st.Name, ev))
			}
		}
	}
	// Walk from the trigger: a widget met again on the path being walked is a loop.
	reached := map[string]bool{}
	var walk func(name string, path []string)
	walk = func(name string, path []string) {
		if slices.Contains(path, name) {
			problems = append(problems, fmt.Sprintf("loop: %v → %s", path, name))
			return
		}
		reached[name] = true
		st, ok := states[name]
		if !ok {
			return
		}
		for _, tr := range st.Transitions {
			if tr.Next != "" {
				walk(tr.Next, append(slices.Clone(path), name))
			}
		}
	}
	walk(def.InitialState, nil)
	for _, st := range def.States {
		if !reached[st.Name] {
			problems = append(problems, fmt.Sprintf("%s: not reachable from the trigger", st.Name))
		}
	}
	return problems
}
