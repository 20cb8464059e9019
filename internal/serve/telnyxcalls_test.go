package serve

import (
	"context"
	"crypto/ed25519"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/internal/webhook"
	telnyxwh "github.com/vnum-cli/vnum/internal/webhook/telnyx"
	"github.com/vnum-cli/vnum/providers"
)

const (
	held      = "+13125550002" // the Telnyx number
	txPhone   = "+33611111111" // where it forwards
	caller    = "+13125550001"
	txSpammer = "+13125559999"
)

// memBook is a CallBook over maps: one number (held), its forwarding and rules.
type memBook struct {
	mu        sync.Mutex
	forwardTo string
	rules     providers.CallRules
	calls     map[string]providers.Call
	order     []string
	vms       map[string]providers.Voicemail
	audio     map[string]providers.Audio
}

func newMemBook(forwardTo string, r providers.CallRules) *memBook {
	return &memBook{forwardTo: forwardTo, rules: r, calls: map[string]providers.Call{}, vms: map[string]providers.Voicemail{},
		audio: map[string]providers.Audio{}}
}

func (b *memBook) CallRoute(_ context.Context, provider, to string) (string, providers.CallRules, bool, error) {
	if provider != RouteTelnyx || to != held {
		return "", providers.CallRules{}, false, nil
	}
	return b.forwardTo, b.rules, true, nil
}

func (b *memBook) LogCall(_ context.Context, _ string, c providers.Call) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if old, ok := b.calls[c.ID]; ok {
		c.At = old.At // as the store: the call keeps when it rang
	} else {
		b.order = append(b.order, c.ID)
	}
	b.calls[c.ID] = c
	return nil
}

func (b *memBook) SaveVoicemail(_ context.Context, _ string, v providers.Voicemail) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.vms[v.ID] = v
	return nil
}

func (b *memBook) SaveVoicemailAudio(_ context.Context, _, id string, a providers.Audio) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.audio[id] = a
	return nil
}

func (b *memBook) PendingAudio(context.Context) ([]PendingAudio, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []PendingAudio
	for id, v := range b.vms {
		if _, ok := b.audio[id]; !ok && v.RecordingURL != "" {
			out = append(out, PendingAudio{Provider: RouteTelnyx, VoicemailID: id, URL: v.RecordingURL})
		}
	}
	return out, nil
}

func (b *memBook) DropPendingAudio(_ context.Context, _, id string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	v := b.vms[id]
	v.RecordingURL = ""
	b.vms[id] = v
	return nil
}

func (b *memBook) call(id string) (providers.Call, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	c, ok := b.calls[id]
	return c, ok
}

func (b *memBook) count() (calls, vms, audio int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.calls), len(b.vms), len(b.audio)
}

// fetcher serves recordings from a map; fail makes the next downloads fail.
type recFetcher struct {
	mu   sync.Mutex
	fail bool
	gone bool // the carrier no longer has it
	urls []string
}

func (f *recFetcher) FetchRecording(_ context.Context, u string) (providers.Audio, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.urls = append(f.urls, u)
	if f.fail {
		return providers.Audio{}, errors.New("503 from storage")
	}
	if f.gone {
		return providers.Audio{}, providers.ErrNotFound
	}
	return providers.Audio{ContentType: "audio/wav", Data: []byte("RIFF:" + u)}, nil
}

type callFixture struct {
	t     *testing.T
	srv   *Server
	book  *memBook
	fetch *recFetcher
	logs  *syncBuffer
}

func newCallFixture(t *testing.T, forwardTo string, r providers.CallRules) *callFixture {
	t.Helper()
	f := &callFixture{t: t, book: newMemBook(forwardTo, r), fetch: &recFetcher{}, logs: &syncBuffer{}}
	srv, err := New(Config{Store: nopPusher{}, Token: token, PublicURL: "https://vnum.example.org", Now: fixedClock,
		Telnyx: telnyxwh.New(telnyxKey.Public().(ed25519.PublicKey)), Calls: f.book,
		Recordings: func(p string) (providers.RecordingFetcher, error) {
			if p != RouteTelnyx {
				return nil, errors.New("no such carrier")
			}
			return f.fetch, nil
		},
		Logger: slogTo(f.logs)})
	require.NoError(t, err)
	f.srv = srv
	t.Cleanup(srv.Close)
	return f
}

type signing int

const (
	signed signing = iota
	unsigned
	forged
	stale
)

// post sends one TeXML request as Telnyx would; it returns the status and the XML.
func (f *callFixture) post(step string, form url.Values, how signing) (int, string) {
	f.t.Helper()
	body := []byte(form.Encode())
	path := "/hooks/" + token + "/telnyx/calls"
	if step != "" {
		path += "?step=" + step
	}
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	at := fixedNow
	if how == stale {
		at = fixedNow.Add(-10 * time.Minute)
	}
	sig, ts := telnyxwh.Sign(telnyxKey, body, at)
	if how == forged {
		other := ed25519.NewKeyFromSeed([]byte("another-account-seed-32-bytes!!!"))
		sig, _ = telnyxwh.Sign(other, body, at)
	}
	if how != unsigned {
		req.Header.Set(telnyxwh.SignatureHeader, sig)
		req.Header.Set(telnyxwh.TimestampHeader, ts)
	}
	rec := httptest.NewRecorder()
	f.srv.Handler().ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

func incoming(id, from string) url.Values {
	return url.Values{"CallSid": {id}, "From": {from}, "To": {held}, "CallStatus": {"ringing"}, "AccountSid": {"acct"}, "Direction": {"inbound"}}
}

func with(v url.Values, kv ...string) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out.Set(kv[i], kv[i+1])
	}
	return out
}

const xmlHead = `<?xml version="1.0" encoding="UTF-8"?><Response>`

func TestTelnyxCallRefusedRequestsStoreNothing(t *testing.T) {
	f := newCallFixture(t, txPhone, providers.CallRules{})
	for _, tc := range []struct {
		how  signing
		want int
	}{{unsigned, http.StatusUnauthorized}, {forged, http.StatusForbidden}, {stale, http.StatusForbidden}} {
		code, _ := f.post("", incoming("v3:c1", caller), tc.how)
		assert.Equal(t, tc.want, code)
	}
	calls, _, _ := f.book.count()
	assert.Zero(t, calls, "nothing logged")

	code, _ := f.post("", incoming("v3:c1", caller), signed)
	require.Equal(t, http.StatusOK, code)
	code, _ = f.post("", incoming("v3:c1", caller), signed)
	assert.Equal(t, http.StatusForbidden, code, "the same signed request again is a replay")

	code, _ = f.post("", url.Values{"From": {caller}}, signed)
	assert.Equal(t, http.StatusBadRequest, code, "no CallSid, no To")
	code, _ = f.post("bogus", incoming("v3:c2", caller), signed)
	assert.Equal(t, http.StatusBadRequest, code)
	assert.NotContains(t, f.logs.String(), token, "the path token is never logged")
	assert.NotContains(t, f.logs.String(), caller, "nor a caller's number")
}

func TestTelnyxCallRouteOff(t *testing.T) {
	srv, err := New(Config{Store: nopPusher{}, Token: token, Now: fixedClock, Calls: newMemBook(txPhone, providers.CallRules{})})
	require.NoError(t, err)
	defer srv.Close()
	body := incoming("v3:c1", caller).Encode()
	req := httptest.NewRequest(http.MethodPost, "/hooks/"+token+"/telnyx/calls", strings.NewReader(body))
	sig, ts := telnyxwh.Sign(telnyxKey, []byte(body), fixedNow)
	req.Header.Set(telnyxwh.SignatureHeader, sig)
	req.Header.Set(telnyxwh.TimestampHeader, ts)
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, req)
	assert.Equal(t, http.StatusNotFound, rec.Code, "no Telnyx public key: the route is off")
}

func TestTelnyxCallBlocked(t *testing.T) {
	rules := providers.CallRules{Blocked: []string{txSpammer}, BlockAnonymous: true}
	f := newCallFixture(t, txPhone, rules)
	code, xml := f.post("", incoming("v3:c1", txSpammer), signed)
	require.Equal(t, http.StatusOK, code)
	assert.Equal(t, xmlHead+`<Reject/></Response>`, xml)
	c, ok := f.book.call("v3:c1")
	require.True(t, ok)
	assert.Equal(t, providers.Call{ID: "v3:c1", From: txSpammer, To: held, At: fixedNow, Outcome: providers.CallBlocked}, c)

	// Anonymous, with block.action: message.
	f.book.rules.BlockMessage = "This number is not available & <gone>."
	code, xml = f.post("", incoming("v3:c2", "anonymous"), signed)
	require.Equal(t, http.StatusOK, code)
	assert.Equal(t, xmlHead+`<Say>This number is not available &amp; &lt;gone&gt;.</Say><Hangup/></Response>`, xml)
	c, _ = f.book.call("v3:c2")
	assert.Equal(t, providers.CallBlocked, c.Outcome)
	assert.Empty(t, c.From, "a withheld caller is kept as withheld")

	// Another caller goes through.
	code, xml = f.post("", incoming("v3:c3", caller), signed)
	require.Equal(t, http.StatusOK, code)
	assert.Contains(t, xml, "<Number>"+txPhone+"</Number>")
}

func TestTelnyxCallForwardThenVoicemail(t *testing.T) {
	f := newCallFixture(t, txPhone, providers.CallRules{Voicemail: providers.VoicemailAfter, VoicemailAfter: 20 * time.Second,
		Greeting: "Please leave a message."})
	self := "https://vnum.example.org/hooks/" + token + "/telnyx/calls?step="
	code, xml := f.post("", incoming("v3:c1", caller), signed)
	require.Equal(t, http.StatusOK, code)
	assert.Equal(t, xmlHead+`<Dial timeout="20" action="`+self+`dialed" method="POST"><Number>`+txPhone+`</Number></Dial></Response>`, xml)
	c, _ := f.book.call("v3:c1")
	assert.Equal(t, providers.CallForwarded, c.Outcome)

	code, xml = f.post(stepDialed, with(incoming("v3:c1", caller), "DialCallStatus", "no-answer", "DialCallDuration", "0"), signed)
	require.Equal(t, http.StatusOK, code)
	assert.Equal(t, xmlHead+`<Say>Please leave a message.</Say><Record action="`+self+`recorded" method="POST" maxLength="180" playBeep="true" finishOnKey="#"/></Response>`, xml)
	c, _ = f.book.call("v3:c1")
	assert.Equal(t, providers.CallMissed, c.Outcome, "no message yet: a caller who hangs up now has left none")

	rec := "https://storage.example/rec-1.wav?sig=abc"
	code, xml = f.post(stepRecorded, with(incoming("v3:c1", caller), "RecordingUrl", rec, "RecordingSid", "rec-1", "RecordingDuration", "7"), signed)
	require.Equal(t, http.StatusOK, code)
	assert.Equal(t, xmlHead+`<Hangup/></Response>`, xml)
	c, _ = f.book.call("v3:c1")
	assert.Equal(t, providers.Call{ID: "v3:c1", From: caller, To: held, At: fixedNow, Duration: 7 * time.Second, Outcome: providers.CallVoicemail}, c)
	f.srv.bg.Wait() // the download started after the answer
	f.book.mu.Lock()
	defer f.book.mu.Unlock()
	assert.Equal(t, providers.Voicemail{ID: "rec-1", CallID: "v3:c1", From: caller, To: held, At: fixedNow, Duration: 7 * time.Second, RecordingURL: rec},
		f.book.vms["rec-1"])
	assert.Equal(t, "RIFF:"+rec, string(f.book.audio["rec-1"].Data), "downloaded once Telnyx had its answer")
}

func TestTelnyxCallAnsweredAndMissed(t *testing.T) {
	f := newCallFixture(t, txPhone, providers.CallRules{})
	_, xml := f.post("", incoming("v3:c1", caller), signed)
	assert.NotContains(t, xml, "timeout=", "no voicemail: Telnyx's own ring time")
	code, xml := f.post(stepDialed, with(incoming("v3:c1", caller), "DialCallStatus", "completed", "DialCallDuration", "42"), signed)
	require.Equal(t, http.StatusOK, code)
	assert.Equal(t, xmlHead+`<Hangup/></Response>`, xml)
	c, _ := f.book.call("v3:c1")
	assert.Equal(t, providers.CallAnswered, c.Outcome)
	assert.Equal(t, 42*time.Second, c.Duration)

	f.post("", incoming("v3:c2", caller), signed)
	_, xml = f.post(stepDialed, with(incoming("v3:c2", caller), "DialCallStatus", "busy"), signed)
	assert.Equal(t, xmlHead+`<Hangup/></Response>`, xml, "no voicemail set: nothing recorded")
	c, _ = f.book.call("v3:c2")
	assert.Equal(t, providers.CallMissed, c.Outcome)
}

func TestTelnyxCallVoicemailAlways(t *testing.T) {
	f := newCallFixture(t, txPhone, providers.CallRules{Voicemail: providers.VoicemailAlways, Greeting: "Hi."})
	_, xml := f.post("", incoming("v3:c1", caller), signed)
	assert.NotContains(t, xml, "<Dial", "nothing rings")
	assert.Contains(t, xml, `<Say>Hi.</Say><Record action="https://vnum.example.org/hooks/`+token+`/telnyx/calls?step=recorded"`)
	c, _ := f.book.call("v3:c1")
	assert.Equal(t, providers.CallMissed, c.Outcome, "the caller may hang up during the greeting: Telnyx then calls no action")
	// The caller hangs up without a word: no recording, the call is missed.
	_, xml = f.post(stepRecorded, with(incoming("v3:c1", caller), "CallStatus", "completed"), signed)
	assert.Equal(t, xmlHead+`<Hangup/></Response>`, xml)
	c, _ = f.book.call("v3:c1")
	assert.Equal(t, providers.CallMissed, c.Outcome)
	_, vms, _ := f.book.count()
	assert.Zero(t, vms)
}

func TestTelnyxCallUnknownNumber(t *testing.T) {
	f := newCallFixture(t, txPhone, providers.CallRules{})
	form := incoming("v3:c1", caller)
	form.Set("To", "+19995550000")
	code, xml := f.post("", form, signed)
	require.Equal(t, http.StatusOK, code)
	assert.Equal(t, xmlHead+`<Reject/></Response>`, xml)
	calls, _, _ := f.book.count()
	assert.Zero(t, calls)
}

// A download that fails is left for serve's next pass, which stores it.
func TestTelnyxRecordingRetriedOnNextPass(t *testing.T) {
	f := newCallFixture(t, "", providers.CallRules{Voicemail: providers.VoicemailAlways})
	f.fetch.fail = true
	f.post("", incoming("v3:c1", caller), signed)
	code, _ := f.post(stepRecorded, with(incoming("v3:c1", caller), "RecordingUrl", "https://storage.example/r.wav", "RecordingSid", "rec-9",
		"RecordingDuration", "3"), signed)
	require.Equal(t, http.StatusOK, code, "Telnyx is answered whatever the download does")
	f.srv.bg.Wait()
	_, vms, audio := f.book.count()
	assert.Equal(t, 1, vms)
	assert.Zero(t, audio)
	assert.Contains(t, f.logs.String(), "voicemail download failed")

	f.fetch.mu.Lock()
	f.fetch.fail = false
	f.fetch.mu.Unlock()
	n, err := f.srv.FetchPendingAudio(t.Context())
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	_, _, audio = f.book.count()
	assert.Equal(t, 1, audio)
}

// FuzzParseTexml: whatever the body and step, the parser returns a call with an id and an
// E.164 To, or ErrMalformed; it never panics.
func FuzzParseTexml(f *testing.F) {
	f.Add("CallSid=v3%3Ac1&From=anonymous&To=%2B13125550002", "")
	f.Add("CallSid=x&To=%2B1", "dialed")
	f.Add("%zz", "recorded")
	f.Fuzz(func(t *testing.T, body, step string) {
		req := httptest.NewRequest(http.MethodPost, "/hooks/t/telnyx/calls?step="+url.QueryEscape(step), nil)
		c, err := parseTexml(req, []byte(body))
		if err != nil {
			if !errors.Is(err, webhook.ErrMalformed) {
				t.Fatalf("error %v is not ErrMalformed", err)
			}
			return
		}
		if c.id == "" || c.to == "" || c.to[0] != '+' {
			t.Fatalf("accepted %+v", c)
		}
	})
}

// A recording whose URL expired is not asked for again.
func TestTelnyxRecordingGoneIsDropped(t *testing.T) {
	f := newCallFixture(t, "", providers.CallRules{Voicemail: providers.VoicemailAlways})
	f.fetch.gone = true
	f.post("", incoming("v3:c1", caller), signed)
	f.post(stepRecorded, with(incoming("v3:c1", caller), "RecordingUrl", "https://storage.example/r.wav", "RecordingSid", "rec-9"), signed)
	f.srv.bg.Wait()
	pending, err := f.book.PendingAudio(t.Context())
	require.NoError(t, err)
	assert.Empty(t, pending, "no longer pending")
	n, err := f.srv.FetchPendingAudio(t.Context())
	require.NoError(t, err)
	assert.Zero(t, n)
	f.fetch.mu.Lock()
	defer f.fetch.mu.Unlock()
	assert.Len(t, f.fetch.urls, 1, "asked once")
}
