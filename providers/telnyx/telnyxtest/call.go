package telnyxtest

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Calls: a TeXML application answers the calls to the numbers on it (connection_id = its id)
// with the XML its voice URL returns. Call plays Telnyx's part in one such call: it posts the
// call to the voice URL, signed as Telnyx signs (Ed25519 over "timestamp|raw body" with the
// account's key, PublicKey), runs the answer's verbs (Say, Dial, Record, Reject, Hangup), and
// posts to the <Dial> and <Record> actions what became of them, as Telnyx does.

// CallOptions say how the other side of a call behaves.
type CallOptions struct {
	Answer  bool          // the forwarded leg picks up
	Talk    time.Duration // how long an answered forwarded call lasts (default 30 s)
	Silent  bool          // the caller hangs up at the beep: no message is recorded
	Message time.Duration // how long the message left is (default 5 s)
}

// CallResult is what happened in the call.
type CallResult struct {
	Rang        string   // the number a <Dial> (or the native forwarding) rang, "" for none
	Answered    bool     // that leg picked up
	Rejected    bool     // the call was turned away with <Reject/>
	RecordingID string   // the message recorded, "" for none
	Heard       []string // what <Say> said, in order
}

// maxDocuments bounds the TeXML documents one call follows (actions answering actions).
const maxDocuments = 8

// PublicKey is the account's public key (base64 of the raw 32 bytes, as Mission Control shows
// it), which checks the signatures of the requests Call sends.
func (f *Fake) PublicKey() string {
	return base64.StdEncoding.EncodeToString(f.signer().Public().(ed25519.PublicKey))
}

func (f *Fake) signer() ed25519.PrivateKey {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.signKey == nil {
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			panic(err) // crypto/rand does not fail
		}
		f.signKey = priv
	}
	return f.signKey
}

// Call makes a call from caller ("" for a withheld number) to the account's number to (E.164).
// A number on a TeXML application is run through it; one on none rings its native forwarding.
func (f *Fake) Call(ctx context.Context, caller, to string, o CallOptions) (CallResult, error) {
	if o.Talk == 0 {
		o.Talk = 30 * time.Second
	}
	if o.Message == 0 {
		o.Message = 5 * time.Second
	}
	f.mu.Lock()
	n := f.byPhone(to)
	var app *texmlApp
	var forwardTo string
	if n != nil {
		app = f.app(n.connectionID)
		if n.forwardEnabled {
			forwardTo = n.forwardTo
		}
	}
	f.calls++
	callID := fmt.Sprintf("v3:fake-call-%04d", f.calls)
	f.mu.Unlock()
	var res CallResult
	switch {
	case n == nil:
		return res, fmt.Errorf("telnyxtest: no number %s on the account", to)
	case app == nil:
		// Telnyx's own forwarding, or nothing.
		res.Rang, res.Answered = forwardTo, forwardTo != "" && o.Answer
		return res, nil
	}
	from := caller
	if from == "" {
		from = "anonymous"
	}
	base := url.Values{"AccountSid": {"fake-account"}, "CallSid": {callID}, "CallSessionId": {callID}, "ConnectionId": {app.id},
		"From": {from}, "To": {to}, "Direction": {"inbound"}}
	post := func(target, method string, extra url.Values) (*texmlResponse, error) {
		form := url.Values{}
		for k, v := range base {
			form[k] = v
		}
		for k, v := range extra {
			form[k] = v
		}
		return f.postTexml(ctx, target, method, form)
	}
	doc, err := post(app.voiceURL, app.voiceMethod, url.Values{"CallStatus": {"ringing"}})
	if err != nil {
		return res, err
	}
	for range maxDocuments {
		next, err := f.run(doc, &res, o, callID, caller, to, post)
		if err != nil || next == nil {
			return res, err
		}
		doc = next
	}
	return res, fmt.Errorf("telnyxtest: call %s followed %d documents without ending", callID, maxDocuments)
}

type postFunc func(target, method string, extra url.Values) (*texmlResponse, error)

// run executes one document's verbs; it returns the document an action answered with, or nil
// when the call ended.
func (f *Fake) run(doc *texmlResponse, res *CallResult, o CallOptions, callID, caller, to string, post postFunc) (*texmlResponse, error) {
	for _, v := range doc.Verbs {
		switch v.XMLName.Local {
		case "Say":
			res.Heard = append(res.Heard, strings.TrimSpace(v.Text))
		case "Reject":
			res.Rejected = true
			return nil, nil
		case "Hangup":
			return nil, nil
		case "Dial":
			number := strings.TrimSpace(v.Text)
			for _, c := range v.Children {
				if c.XMLName.Local == "Number" {
					number = strings.TrimSpace(c.Text)
				}
			}
			if number == "" {
				return nil, errors.New("telnyxtest: <Dial> without a number")
			}
			if t := v.attr("timeout"); t != "" {
				if secs, err := strconv.Atoi(t); err != nil || secs < 5 || secs > 120 {
					return nil, fmt.Errorf("telnyxtest: <Dial timeout=%q>: Telnyx takes 5 to 120 seconds", t)
				}
			}
			res.Rang, res.Answered = number, o.Answer
			action := v.attr("action")
			if action == "" {
				continue
			}
			status, dur := "no-answer", "0"
			if o.Answer {
				status, dur = "completed", strconv.Itoa(int(o.Talk/time.Second))
			}
			return post(action, v.attrOr("method", "POST"), url.Values{"CallStatus": {"in-progress"}, "DialCallStatus": {status},
				"DialCallDuration": {dur}})
		case "Record":
			action := v.attr("action")
			extra := url.Values{"CallStatus": {"completed"}}
			if !o.Silent {
				id, media := f.AddRecording(callID, caller, to, fakeWAV(), o.Message)
				res.RecordingID = id
				extra.Set("RecordingSid", id)
				extra.Set("RecordingUrl", media)
				extra.Set("RecordingDuration", strconv.Itoa(int(o.Message/time.Second)))
			}
			if action == "" {
				return nil, nil
			}
			return post(action, v.attrOr("method", "POST"), extra)
		default:
			return nil, fmt.Errorf("telnyxtest: <%s> is not a TeXML verb vnum should send", v.XMLName.Local)
		}
	}
	return nil, nil // the document ran out: Telnyx hangs up
}

// texmlResponse is a TeXML document: <Response> and its verbs.
type texmlResponse struct {
	XMLName xml.Name    `xml:"Response"`
	Verbs   []texmlVerb `xml:",any"`
}

type texmlVerb struct {
	XMLName  xml.Name
	Attrs    []xml.Attr  `xml:",any,attr"`
	Text     string      `xml:",chardata"`
	Children []texmlVerb `xml:",any"`
}

func (v texmlVerb) attr(name string) string { return v.attrOr(name, "") }

func (v texmlVerb) attrOr(name, def string) string {
	for _, a := range v.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return def
}

// postTexml sends one signed request to the application's URL and reads the TeXML answer.
func (f *Fake) postTexml(ctx context.Context, target, method string, form url.Values) (*texmlResponse, error) {
	if !strings.EqualFold(method, http.MethodPost) {
		return nil, fmt.Errorf("telnyxtest: the fake posts TeXML requests only (method %q)", method)
	}
	body := []byte(form.Encode())
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	sig := ed25519.Sign(f.signer(), append([]byte(ts+"|"), body...))
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Telnyx-Signature-Ed25519", base64.StdEncoding.EncodeToString(sig))
	req.Header.Set("Telnyx-Timestamp", ts)
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return nil, fmt.Errorf("telnyxtest: TeXML request: %w", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("telnyxtest: the TeXML application's URL answered %d", resp.StatusCode)
	}
	var doc texmlResponse
	if err := xml.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("telnyxtest: not a TeXML document: %v", err)
	}
	return &doc, nil
}

// fakeWAV is a second of silence, 8 kHz mono 8-bit.
func fakeWAV() []byte {
	const rate = 8000
	var b bytes.Buffer
	le32 := func(v uint32) { b.Write([]byte{byte(v), byte(v >> 8), byte(v >> 16), byte(v >> 24)}) }
	le16 := func(v uint16) { b.Write([]byte{byte(v), byte(v >> 8)}) }
	b.WriteString("RIFF")
	le32(36 + rate)
	b.WriteString("WAVEfmt ")
	le32(16)
	le16(1)
	le16(1)
	le32(rate)
	le32(rate)
	le16(1)
	le16(8)
	b.WriteString("data")
	le32(rate)
	b.Write(bytes.Repeat([]byte{128}, rate))
	return b.Bytes()
}
