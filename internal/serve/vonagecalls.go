package serve

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/vnum-cli/vnum/internal/callflow"
	"github.com/vnum-cli/vnum/providers"
	"github.com/vnum-cli/vnum/providers/vonage"
)

// vonageProvider is the carrier's name in the store.
const vonageProvider = vonage.Name

// Vonage's Voice API asks an application's answer_url what to do with a call and expects an
// NCCO, a JSON array of actions (developer.vonage.com "NCCO reference"); it tells the event_url
// what happened. vnum's application (providers/vonage) has both on serve, POSTed and signed:
//
//   - answer: the call's plan (internal/callflow) as an NCCO: a blocked caller hears the block
//     message (talk) or nothing (an empty NCCO ends the call at once); a forwarded call is a
//     connect to the user's phone with a timeout and eventType "synchronous", so that when
//     nobody picks up, the event route's answer (the voicemail NCCO) replaces the rest; a
//     voicemail is a talk (the greeting) and a record whose eventUrl is the event route.
//   - event, ?step=dialed (the connect's eventUrl): unanswered, timeout, busy, failed, rejected
//     or cancelled are answered with the voicemail NCCO when the plan has one; answered and
//     completed are logged with the forwarded leg's duration.
//   - event, ?step=recorded (the record's eventUrl): the message is stored with its
//     recording_url, and downloaded right after the answer (Vonage keeps recordings a while).
//   - event without a step (the application's event_url: the inbound leg's started, ringing,
//     completed…): acknowledged, nothing to do.
//
// The record and connect events do not say which number was called, so the NCCO's eventUrls
// carry it in their query (to, from, call = the inbound leg's uuid). The token's signature covers
// the body only; the query is as secret as the path token the URL sits behind.

// ncco is an NCCO: a list of actions.
type ncco []map[string]any

// vonageCallEvent is the part of the Voice API's answer and event webhooks vnum reads.
type vonageCallEvent struct {
	From             string `json:"from"`
	To               string `json:"to"`
	UUID             string `json:"uuid"`
	ConversationUUID string `json:"conversation_uuid"`
	Status           string `json:"status"`
	Duration         string `json:"duration"`
	// record action events
	RecordingURL  string `json:"recording_url"`
	RecordingUUID string `json:"recording_uuid"`
	StartTime     string `json:"start_time"`
	EndTime       string `json:"end_time"`
	Timestamp     string `json:"timestamp"`
}

// minConnectTimeout is the shortest ring a connect takes (NCCO reference: timeout 3…7200 s).
const minConnectTimeout = 3

// unansweredStatuses are the connect's outcomes after which the caller may leave a message.
var unansweredStatuses = map[string]bool{
	"unanswered": true, "timeout": true, "busy": true, "failed": true, "rejected": true, "cancelled": true,
}

// vonageVerifyCall checks the Voice API's signed JWT (internal/webhook/vonage.VerifyVoice).
// Without a signature secret the route relies on its secret path, as the SMS route does.
func (s *Server) vonageVerifyCall(r *http.Request, body []byte, now time.Time) (string, error) {
	if s.cfg.Vonage == nil {
		return "", errRouteOff
	}
	_, key, err := s.cfg.Vonage.VerifyVoice(r.Header.Get("Authorization"), body, now)
	return key, err
}

func decodeCallEvent(body []byte) (vonageCallEvent, error) {
	var ev vonageCallEvent
	if len(strings.TrimSpace(string(body))) == 0 {
		return ev, nil
	}
	if err := json.Unmarshal(body, &ev); err != nil {
		return ev, err
	}
	return ev, nil
}

// vonageAnswer answers the answer_url with the call's NCCO, and logs the call.
func (s *Server) vonageAnswer(ctx context.Context, r *http.Request, body []byte, now time.Time) (callAnswer, error) {
	ev, err := decodeCallEvent(body)
	if err != nil {
		// Signed by Vonage, yet unreadable: end the call rather than have it asked again.
		return callAnswer{Step: "answer", Outcome: "malformed", ContentType: "application/json", Body: encodeNCCO(nil)}, nil
	}
	to := callflow.Caller(ev.To)
	caller := callflow.Caller(ev.From)
	a := callAnswer{CallID: ev.UUID, Step: "answer", ContentType: "application/json"}
	if to == "" || ev.UUID == "" {
		a.Outcome, a.Body = "unknown number", encodeNCCO(nil)
		return a, nil
	}
	forwardTo, rules, found, err := s.cfg.Calls.CallRoute(ctx, vonageProvider, to)
	if err != nil {
		return callAnswer{}, err
	}
	if !found {
		// Not one of vnum's numbers: ended at once, and nothing logged.
		a.Outcome, a.Body = "unknown number", encodeNCCO(nil)
		return a, nil
	}
	plan := callflow.Decide(caller, forwardTo, rules)
	q := url.Values{"call": {ev.UUID}, "to": {to}, "from": {caller}, "at": {now.UTC().Format(time.RFC3339)}}
	var doc ncco
	var outcome providers.CallOutcome
	switch {
	case plan.Block:
		outcome = providers.CallBlocked
		if plan.BlockMessage != "" {
			doc = ncco{{"action": "talk", "text": plan.BlockMessage}}
		}
	case plan.DialTo != "":
		outcome = providers.CallForwarded
		doc = ncco{s.vonageConnect(r, plan, to, q)}
	case plan.Voicemail:
		outcome = providers.CallMissed // until the record's event brings the message
		doc = s.vonageVoicemail(r, plan, q)
	default:
		outcome = providers.CallMissed
	}
	if err := s.cfg.Calls.LogCall(ctx, vonageProvider, providers.Call{ID: ev.UUID, From: caller, To: to, At: now.UTC(), Outcome: outcome}); err != nil {
		return callAnswer{}, err
	}
	a.Outcome, a.Body = string(outcome), encodeNCCO(doc)
	return a, nil
}

// vonageConnect is the connect action forwarding the call to plan.DialTo, showing the Vonage
// number as the caller (a Vonage number is the only from a connect to a phone may show).
func (s *Server) vonageConnect(r *http.Request, plan callflow.Plan, to string, q url.Values) map[string]any {
	act := map[string]any{
		"action":    "connect",
		"from":      strings.TrimPrefix(to, "+"),
		"endpoint":  []map[string]any{{"type": "phone", "number": strings.TrimPrefix(plan.DialTo, "+")}},
		"eventType": "synchronous",
		"eventUrl":  []string{s.vonageEventURL(r, "dialed", q)},
	}
	if plan.DialTimeout > 0 {
		// Vonage rings 3 to 7200 s (forward --voicemail-after takes 1 s to 5 min).
		act["timeout"] = max(int(plan.DialTimeout.Round(time.Second)/time.Second), minConnectTimeout)
	}
	return act
}

// vonageVoicemail is the greeting and the record action; endOnSilence ends the message after 3
// s of silence, and the record's event (its recording_url) comes to the event route.
func (s *Server) vonageVoicemail(r *http.Request, plan callflow.Plan, q url.Values) ncco {
	var doc ncco
	if plan.Greeting != "" {
		doc = append(doc, map[string]any{"action": "talk", "text": plan.Greeting})
	}
	return append(doc, map[string]any{
		"action":       "record",
		"format":       "wav",
		"beepStart":    true,
		"endOnSilence": 3,
		"timeOut":      120,
		"eventUrl":     []string{s.vonageEventURL(r, "recorded", q)},
		"eventMethod":  http.MethodPost,
	})
}

// vonageEventURL is serve's public Vonage event route, with the step and the call's query.
func (s *Server) vonageEventURL(r *http.Request, step string, q url.Values) string {
	u := s.signedURL(r)
	u, _, _ = strings.Cut(u, "?")
	u = strings.TrimSuffix(strings.TrimSuffix(u, "/answer"), "/event") + "/event"
	v := url.Values{}
	for k, vs := range q {
		v[k] = vs
	}
	v.Set("step", step)
	return u + "?" + v.Encode()
}

// vonageEvent handles the event route: the connect's and the record's events.
func (s *Server) vonageEvent(ctx context.Context, r *http.Request, body []byte, now time.Time) (callAnswer, error) {
	ev, err := decodeCallEvent(body)
	if err != nil {
		return callAnswer{Step: "event", Outcome: "malformed"}, nil
	}
	q := r.URL.Query()
	step, callID, to, caller := q.Get("step"), q.Get("call"), q.Get("to"), q.Get("from")
	a := callAnswer{CallID: callID, Step: step}
	if step == "" || callID == "" || to == "" {
		// The inbound leg's own progress (the application's event_url): nothing to do.
		a.CallID, a.Step = ev.UUID, "event:"+ev.Status
		return a, nil
	}
	at := now.UTC()
	if t, err := time.Parse(time.RFC3339, q.Get("at")); err == nil {
		at = t
	}
	call := providers.Call{ID: callID, From: caller, To: to, At: at}
	switch step {
	case "dialed":
		a.Step = "dialed:" + ev.Status
		switch {
		case ev.Status == "answered":
			call.Outcome = providers.CallAnswered
		case ev.Status == "completed":
			call.Outcome = providers.CallAnswered
			if secs, err := strconv.Atoi(ev.Duration); err == nil {
				call.Duration = time.Duration(secs) * time.Second
			}
		case unansweredStatuses[ev.Status]:
			forwardTo, rules, found, err := s.cfg.Calls.CallRoute(ctx, vonageProvider, to)
			if err != nil {
				return callAnswer{}, err
			}
			plan := callflow.Decide(caller, forwardTo, rules)
			// Missed either way until the record's event brings a message: a caller who hangs up
			// during the greeting leaves none.
			call.Outcome = providers.CallMissed
			if found && callflow.AfterDial(plan, false) == providers.CallVoicemail {
				a.ContentType, a.Body = "application/json", encodeNCCO(s.vonageVoicemail(r, plan, q))
			}
		default:
			return a, nil // started, ringing: the call goes on
		}
	case "recorded":
		a.Step = "recorded"
		if ev.RecordingURL == "" {
			return a, nil
		}
		start, end := parseVonageTime(ev.StartTime), parseVonageTime(ev.EndTime)
		vm := providers.Voicemail{ID: ev.RecordingUUID, CallID: callID, From: caller, To: to, At: at, RecordingURL: ev.RecordingURL}
		if vm.ID == "" {
			vm.ID = callID
		}
		if !start.IsZero() {
			vm.At = start
		}
		if !start.IsZero() && end.After(start) {
			vm.Duration = end.Sub(start).Round(time.Second)
		}
		if err := s.cfg.Calls.SaveVoicemail(ctx, vonageProvider, vm); err != nil {
			return callAnswer{}, err
		}
		call.Outcome, call.Duration = providers.CallVoicemail, vm.Duration
		a.After = s.fetchAfterAnswer(PendingAudio{Provider: vonageProvider, VoicemailID: vm.ID, URL: ev.RecordingURL})
	default:
		return a, nil
	}
	if err := s.cfg.Calls.LogCall(ctx, vonageProvider, call); err != nil {
		return callAnswer{}, err
	}
	a.Outcome = string(call.Outcome)
	return a, nil
}

// parseVonageTime reads the Voice API's times ("2020-01-01T12:00:00.000Z"); zero when absent.
func parseVonageTime(s string) time.Time {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.000Z0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// encodeNCCO is doc as JSON; no actions is "[]", which ends the call.
func encodeNCCO(doc ncco) []byte {
	if doc == nil {
		doc = ncco{}
	}
	b, _ := json.Marshal(doc)
	return b
}
