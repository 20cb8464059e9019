package vonagetest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	vonagewh "github.com/vnum-cli/vnum/internal/webhook/vonage"
	"github.com/vnum-cli/vnum/providers/internal/fakeserver"
)

// An incoming call, as the Voice API runs it for a number linked to an application
// (developer.vonage.com "Voice API webhooks reference" and "NCCO reference"): Vonage POSTs the
// call to the application's answer_url ({from, to, uuid, conversation_uuid, region_url}), runs
// the NCCO it gets back action by action, and POSTs events: a connect's to its eventUrl
// (ringing, answered, completed with duration; or timeout, unanswered, busy… — with eventType
// "synchronous" the NCCO answered to those replaces the rest of the call), a record's to its
// eventUrl once the message ends ({start_time, end_time, recording_url, recording_uuid, size,
// conversation_uuid, timestamp}), and the inbound leg's completed to the application's
// event_url. With signed_callbacks, every request carries the JWT of the account's signature
// secret (internal/webhook/vonage.SignVoice).

// CallResult is what became of a call the fake ran.
type CallResult struct {
	UUID        string   // the inbound leg's uuid
	Heard       []string // what talk actions said
	Rang        string   // the number a connect dialled (msisdn), "" for none
	Answered    bool     // the connect was answered
	RecordingID string   // the recording a record action left, "" for none
	Ended       string   // why the NCCO ended: "empty ncco", "hangup", "completed"
}

// CallOptions say how the far end of a call behaves.
type CallOptions struct {
	// Answer picks up the forwarded leg; otherwise it rings until the connect's timeout.
	Answer bool
	// Talk is how long an answered call lasts (default 30 s).
	Talk time.Duration
	// Message is the audio a caller leaves when recorded (default: a tiny WAV).
	Message []byte
}

// VoiceMessage is the default audio of a recorded message: a minimal WAV header.
var VoiceMessage = []byte("RIFF$\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00@\x1f\x00\x00\x80>\x00\x00\x02\x00\x10\x00data\x00\x00\x00\x00")

// maxActions bounds one call's NCCO actions, so that a faulty answer loop cannot run forever.
const maxActions = 50

// Call makes a call from caller (E.164, "" for a withheld number, which Vonage sends without
// from) to an owned number, and runs it against the number's application. A number forwarded
// natively (voiceCallbackType tel) rings its target and nothing reaches the application.
func (f *Fake) Call(ctx context.Context, caller, to string, o CallOptions) (CallResult, error) {
	if o.Talk == 0 {
		o.Talk = 30 * time.Second
	}
	if o.Message == nil {
		o.Message = VoiceMessage
	}
	msisdn := strings.TrimPrefix(to, "+")
	f.mu.Lock()
	n, ok := f.numbers[msisdn]
	var a app
	var appOK bool
	if ok {
		if typ := n.cfg.Get("voiceCallbackType"); typ == "tel" {
			target := n.cfg.Get("voiceCallbackValue")
			f.mu.Unlock()
			return CallResult{Rang: target, Answered: o.Answer, Ended: "forwarded natively"}, nil
		}
		if ap, found := f.apps[n.cfg.Get("app_id")]; found {
			a, appOK = *ap, true
		}
	}
	f.mu.Unlock()
	if !ok {
		return CallResult{}, fmt.Errorf("vonagetest: the account has no number %s", to)
	}
	if !appOK || a.answer.Address == "" {
		return CallResult{}, fmt.Errorf("vonagetest: %s is linked to no application with an answer_url", to)
	}
	c := &callRun{f: f, app: a, ctx: ctx, o: o, res: CallResult{UUID: fakeserver.NewUUID()}}
	conv := "CON-" + fakeserver.NewUUID()
	answer := map[string]any{"to": msisdn, "uuid": c.res.UUID, "conversation_uuid": conv, "region_url": f.URL}
	if caller != "" {
		answer["from"] = strings.TrimPrefix(caller, "+")
	}
	actions, err := c.ncco(a.answer.Address, answer, true)
	if err != nil {
		return c.res, err
	}
	c.conv, c.to = conv, msisdn
	if err := c.run(actions); err != nil {
		return c.res, err
	}
	// The inbound leg ends: the application's event_url is told.
	if a.event.Address != "" {
		if _, err := c.post(a.event.Address, map[string]any{"uuid": c.res.UUID, "conversation_uuid": conv, "status": "completed",
			"direction": "inbound", "to": msisdn, "from": answer["from"], "timestamp": time.Now().UTC().Format(time.RFC3339Nano)}); err != nil {
			return c.res, err
		}
	}
	return c.res, nil
}

// callRun is one call under way.
type callRun struct {
	f        *Fake
	app      app
	ctx      context.Context
	o        CallOptions
	res      CallResult
	conv, to string
	steps    int
}

// run executes actions in order; a synchronous event's NCCO replaces what is left.
func (c *callRun) run(actions []map[string]any) error {
	if len(actions) == 0 {
		c.res.Ended = "empty ncco"
		return nil
	}
	for i := 0; i < len(actions); i++ {
		if c.steps++; c.steps > maxActions {
			return errors.New("vonagetest: the call ran more than 50 NCCO actions")
		}
		act := actions[i]
		switch act["action"] {
		case "talk":
			text, _ := act["text"].(string)
			if text == "" {
				return errors.New("vonagetest: a talk action without text")
			}
			c.res.Heard = append(c.res.Heard, text)
		case "connect":
			next, replaced, err := c.connect(act)
			if err != nil {
				return err
			}
			if replaced {
				return c.run(next)
			}
			if c.res.Answered {
				c.res.Ended = "completed"
				return nil
			}
		case "record":
			if err := c.record(act); err != nil {
				return err
			}
			c.res.Ended = "hangup"
			return nil // the caller hangs up after the message
		default:
			return fmt.Errorf("vonagetest: NCCO action %v is not one the fake runs", act["action"])
		}
	}
	c.res.Ended = "completed"
	return nil
}

// connect dials the action's phone endpoint. It reports the NCCO that replaced the rest, if a
// synchronous event was answered with one.
func (c *callRun) connect(act map[string]any) ([]map[string]any, bool, error) {
	eps, _ := act["endpoint"].([]any)
	if len(eps) != 1 {
		return nil, false, errors.New("vonagetest: connect needs exactly one endpoint")
	}
	ep, _ := eps[0].(map[string]any)
	number, _ := ep["number"].(string)
	if ep["type"] != "phone" || number == "" || strings.HasPrefix(number, "+") {
		return nil, false, fmt.Errorf("vonagetest: connect endpoint %v is not a phone number in E.164 without +", ep)
	}
	from, _ := act["from"].(string)
	c.f.mu.Lock()
	_, owned := c.f.numbers[from]
	c.f.mu.Unlock()
	if !owned {
		// A connect to a phone must show one of the account's numbers (or randomFromNumber).
		return nil, false, fmt.Errorf("vonagetest: connect from %q is not a number of the account", from)
	}
	if t, ok := act["timeout"]; ok {
		secs, _ := t.(float64)
		if secs < 3 || secs > 7200 {
			return nil, false, fmt.Errorf("vonagetest: connect timeout %v outside 3…7200 s", t)
		}
	}
	c.res.Rang = number
	sync := act["eventType"] == "synchronous"
	var eventURL string
	if urls, ok := act["eventUrl"].([]any); ok && len(urls) == 1 {
		eventURL, _ = urls[0].(string)
	}
	leg := fakeserver.NewUUID()
	event := func(status string, extra map[string]any) ([]map[string]any, bool, error) {
		if eventURL == "" {
			return nil, false, nil
		}
		body := map[string]any{"uuid": leg, "conversation_uuid": c.conv, "status": status, "direction": "outbound",
			"from": from, "to": number, "timestamp": time.Now().UTC().Format(time.RFC3339Nano)}
		for k, v := range extra {
			body[k] = v
		}
		next, err := c.ncco(eventURL, body, sync)
		if err != nil {
			return nil, false, err
		}
		return next, sync && next != nil, nil
	}
	if _, _, err := event("ringing", nil); err != nil {
		return nil, false, err
	}
	if !c.o.Answer {
		return event("timeout", nil)
	}
	c.res.Answered = true
	if next, replaced, err := event("answered", nil); err != nil || replaced {
		return next, replaced, err
	}
	_, _, err := event("completed", map[string]any{"duration": strconv.Itoa(int(c.o.Talk / time.Second))})
	return nil, false, err
}

// record leaves the caller's message as a recording of the application and tells the record's
// eventUrl.
func (c *callRun) record(act map[string]any) error {
	if f, ok := act["format"]; ok && f != "mp3" && f != "wav" && f != "ogg" {
		return fmt.Errorf("vonagetest: record format %v", f)
	}
	var eventURL string
	if urls, ok := act["eventUrl"].([]any); ok && len(urls) == 1 {
		eventURL, _ = urls[0].(string)
	}
	if eventURL == "" {
		return errors.New("vonagetest: a record action without an eventUrl loses the message")
	}
	url := c.f.AddRecording(c.app.id, c.o.Message)
	id := url[strings.LastIndexByte(url, '/')+1:]
	c.res.RecordingID = id
	start := time.Now().UTC()
	end := start.Add(5 * time.Second)
	_, err := c.post(eventURL, map[string]any{"start_time": start.Format(time.RFC3339Nano), "end_time": end.Format(time.RFC3339Nano),
		"recording_url": url, "recording_uuid": id, "size": len(c.o.Message), "conversation_uuid": c.conv,
		"timestamp": end.Format(time.RFC3339Nano)})
	return err
}

// ncco POSTs body to u and reads the NCCO answered: nil when the answer is empty (an event
// that changes nothing). want says an NCCO is expected (the answer_url must give one).
func (c *callRun) ncco(u string, body map[string]any, want bool) ([]map[string]any, error) {
	raw, err := c.post(u, body)
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		if want && u == c.app.answer.Address {
			return nil, fmt.Errorf("vonagetest: the answer_url gave no NCCO")
		}
		return nil, nil
	}
	var doc []map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("vonagetest: %s answered %q, not an NCCO: %v", u, raw, err)
	}
	if doc == nil {
		doc = []map[string]any{}
	}
	return doc, nil
}

// post sends one webhook, signed when the application has signed_callbacks.
func (c *callRun) post(u string, body map[string]any) ([]byte, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(c.ctx, http.MethodPost, u, bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if c.app.signed {
		auth, err := vonagewh.SignVoice(c.f.SignatureSecret, c.app.id, c.f.APIKey, fakeserver.NewUUID(), b, time.Now())
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", auth)
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return nil, fmt.Errorf("vonagetest: %s: %w", req.URL.Path, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNoContent {
		return nil, fmt.Errorf("vonagetest: %s answered %d", req.URL.Path, resp.StatusCode)
	}
	return out, nil
}
