package serve

import (
	"bytes"
	"cmp"
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/vnum-cli/vnum/internal/callflow"
	"github.com/vnum-cli/vnum/internal/phone"
	"github.com/vnum-cli/vnum/internal/webhook"
	telnyxwh "github.com/vnum-cli/vnum/internal/webhook/telnyx"
	"github.com/vnum-cli/vnum/providers"
)

// Telnyx's calls: the TeXML application vnum keeps on the account sends each call to
// POST /hooks/<token>/telnyx/calls (form-encoded, like Twilio's TwiML requests), and the
// <Dial> and <Record> this route answers send what became of them back to the same path with
// ?step=dialed and ?step=recorded. Each request is checked like Telnyx's SMS webhooks: an
// Ed25519 signature over "timestamp|raw body" with the account's public key.
//
// UNCONFIRMED (INBOUND.md §2.7): that a TeXML form post is signed over exactly its raw form
// body, as the JSON webhooks are. Telnyx's migration guide says TeXML requests carry the
// Ed25519 headers; which bytes they cover is to be checked on a live account.

// TeXML steps, the ?step= of the callbacks.
const (
	stepDialed   = "dialed"
	stepRecorded = "recorded"
)

// Dial timeouts Telnyx's <Dial> takes (seconds).
const (
	minDialTimeout = 5
	maxDialTimeout = 120
	// maxVoicemail is the longest message a caller may leave.
	maxVoicemail = 180
)

func (s *Server) telnyxCallVerify(r *http.Request, body []byte, now time.Time) (string, error) {
	if s.cfg.Telnyx == nil {
		return "", errRouteOff
	}
	return s.cfg.Telnyx.Check(body, r.Header.Get(telnyxwh.SignatureHeader), r.Header.Get(telnyxwh.TimestampHeader), now)
}

// texmlCall is what one TeXML request says of the call.
type texmlCall struct {
	id, from, to string // from: E.164 or "" when withheld
	step         string
	form         url.Values
}

func parseTexml(r *http.Request, body []byte) (texmlCall, error) {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return texmlCall{}, fmt.Errorf("%w: form: %v", webhook.ErrMalformed, err)
	}
	c := texmlCall{id: form.Get("CallSid"), from: callflow.Caller(form.Get("From")), to: form.Get("To"),
		step: r.URL.Query().Get("step"), form: form}
	if c.id == "" || !phone.IsE164(c.to) {
		return texmlCall{}, fmt.Errorf("%w: no CallSid or To", webhook.ErrMalformed)
	}
	switch c.step {
	case "", stepDialed, stepRecorded:
	default:
		return texmlCall{}, fmt.Errorf("%w: unknown step", webhook.ErrMalformed)
	}
	return c, nil
}

// telnyxCall answers one TeXML request with the XML of the call's plan (callflow), logging the
// call as it goes: every request updates the call's entry by its CallSid.
func (s *Server) telnyxCall(ctx context.Context, r *http.Request, body []byte, now time.Time) (callAnswer, error) {
	c, err := parseTexml(r, body)
	if err != nil {
		return callAnswer{}, err
	}
	a := callAnswer{CallID: c.id, Step: cmp.Or(c.step, "incoming"), ContentType: "text/xml; charset=utf-8"}
	forwardTo, rules, found, err := s.cfg.Calls.CallRoute(ctx, RouteTelnyx, c.to)
	if err != nil {
		return callAnswer{}, err
	}
	if !found {
		// Not a number vnum holds (released, or another account's): turned away, not logged.
		a.Outcome, a.Body = "unknown number", texml(func(b *bytes.Buffer) { b.WriteString("<Reject/>") })
		return a, nil
	}
	plan := callflow.Decide(c.from, forwardTo, rules)
	call := providers.Call{ID: c.id, From: c.from, To: c.to, At: now.UTC()}
	self := s.stepURL(r)
	switch c.step {
	case "":
		switch {
		case plan.Block:
			call.Outcome = providers.CallBlocked
			a.Body = texml(func(b *bytes.Buffer) {
				if plan.BlockMessage == "" {
					b.WriteString("<Reject/>")
					return
				}
				say(b, plan.BlockMessage)
				b.WriteString("<Hangup/>")
			})
		case plan.DialTo != "":
			call.Outcome = providers.CallForwarded
			a.Body = texml(func(b *bytes.Buffer) { dial(b, plan, self+stepDialed) })
		case plan.Voicemail:
			call.Outcome = providers.CallMissed // until the message comes (stepRecorded)
			a.Body = texml(func(b *bytes.Buffer) { record(b, plan, self+stepRecorded) })
		default:
			call.Outcome = providers.CallMissed
			a.Body = texml(func(b *bytes.Buffer) { b.WriteString("<Hangup/>") })
		}
	case stepDialed:
		answered := dialAnswered(c.form.Get("DialCallStatus"))
		call.Outcome = callflow.AfterDial(plan, answered)
		call.Duration = seconds(c.form.Get("DialCallDuration"))
		if call.Outcome == providers.CallVoicemail {
			// Missed until the message comes (stepRecorded): a caller who hangs up during the
			// greeting leaves none, and Telnyx then calls no <Record action>.
			call.Outcome = providers.CallMissed
			a.Body = texml(func(b *bytes.Buffer) { record(b, plan, self+stepRecorded) })
		} else {
			a.Body = texml(func(b *bytes.Buffer) { b.WriteString("<Hangup/>") })
		}
	case stepRecorded:
		call.Outcome = providers.CallMissed // hung up before leaving a message
		recURL, recID := c.form.Get("RecordingUrl"), c.form.Get("RecordingSid")
		if recURL != "" && recID != "" {
			call.Outcome = providers.CallVoicemail
			call.Duration = seconds(c.form.Get("RecordingDuration"))
			v := providers.Voicemail{ID: recID, CallID: c.id, From: c.from, To: c.to, At: now.UTC(), Duration: call.Duration,
				RecordingURL: recURL}
			if err := s.cfg.Calls.SaveVoicemail(ctx, RouteTelnyx, v); err != nil {
				return callAnswer{}, err
			}
			// Telnyx's recording URLs last some ten minutes.
			a.After = s.fetchAfterAnswer(PendingAudio{Provider: RouteTelnyx, VoicemailID: recID, URL: recURL})
		}
		a.Body = texml(func(b *bytes.Buffer) { b.WriteString("<Hangup/>") })
	}
	if err := s.cfg.Calls.LogCall(ctx, RouteTelnyx, call); err != nil {
		return callAnswer{}, err
	}
	a.Outcome = string(call.Outcome)
	return a, nil
}

// stepURL is this route's public URL ending in "?step=", for <Dial action> and <Record action>.
func (s *Server) stepURL(r *http.Request) string {
	u := s.signedURL(r)
	if i := strings.IndexByte(u, '?'); i >= 0 {
		u = u[:i]
	}
	return u + "?step="
}

// dialAnswered reads a <Dial> action's DialCallStatus: Telnyx, like Twilio, says "completed"
// (or "answered") for a call the other side picked up; no-answer, busy, failed, canceled not.
func dialAnswered(status string) bool {
	switch strings.ToLower(status) {
	case "completed", "answered":
		return true
	}
	return false
}

func seconds(s string) time.Duration {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 0 {
		return 0
	}
	return time.Duration(n) * time.Second
}

// texml wraps what body writes in a TeXML document.
func texml(body func(*bytes.Buffer)) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><Response>`)
	body(&b)
	b.WriteString(`</Response>`)
	return b.Bytes()
}

func say(b *bytes.Buffer, text string) {
	b.WriteString("<Say>")
	_ = xml.EscapeText(b, []byte(text))
	b.WriteString("</Say>")
}

func attr(b *bytes.Buffer, name, value string) {
	b.WriteString(" " + name + `="`)
	_ = xml.EscapeText(b, []byte(value))
	b.WriteString(`"`)
}

// dial forwards the call to plan.DialTo, ringing plan.DialTimeout (within what Telnyx takes);
// Telnyx then asks action what next.
func dial(b *bytes.Buffer, plan callflow.Plan, action string) {
	b.WriteString("<Dial")
	if plan.DialTimeout > 0 {
		secs := min(max(int(plan.DialTimeout/time.Second), minDialTimeout), maxDialTimeout)
		attr(b, "timeout", strconv.Itoa(secs))
	}
	attr(b, "action", action)
	attr(b, "method", "POST")
	b.WriteString("><Number>")
	_ = xml.EscapeText(b, []byte(plan.DialTo))
	b.WriteString("</Number></Dial>")
}

// record says the greeting and records a message; Telnyx posts the recording to action.
func record(b *bytes.Buffer, plan callflow.Plan, action string) {
	if plan.Greeting != "" {
		say(b, plan.Greeting)
	}
	b.WriteString("<Record")
	attr(b, "action", action)
	attr(b, "method", "POST")
	attr(b, "maxLength", strconv.Itoa(maxVoicemail))
	attr(b, "playBeep", "true")
	attr(b, "finishOnKey", "#")
	b.WriteString("/>")
}
