package serve

import (
	"context"
	"encoding/json"
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

	vonagewh "github.com/vnum-cli/vnum/internal/webhook/vonage"
	"github.com/vnum-cli/vnum/providers"
)

// book is a CallBook over a map of numbers that keeps what serve logs.
type book struct {
	mu        sync.Mutex
	numbers   map[string]bookEntry // E.164 → how it treats calls
	calls     map[string]providers.Call
	voicemail []providers.Voicemail
	audio     map[string]providers.Audio
}

type bookEntry struct {
	forwardTo string
	rules     providers.CallRules
}

func newBook() *book {
	return &book{numbers: map[string]bookEntry{}, calls: map[string]providers.Call{}, audio: map[string]providers.Audio{}}
}

func (b *book) CallRoute(_ context.Context, provider, to string) (string, providers.CallRules, bool, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if provider != "vonage" {
		return "", providers.CallRules{}, false, errors.New("wrong provider " + provider)
	}
	e, ok := b.numbers[to]
	return e.forwardTo, e.rules, ok, nil
}

func (b *book) LogCall(_ context.Context, _ string, c providers.Call) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if old, ok := b.calls[c.ID]; ok {
		c.At = old.At // the store keeps the first time, as AddCalls does
	}
	b.calls[c.ID] = c
	return nil
}

func (b *book) SaveVoicemail(_ context.Context, _ string, v providers.Voicemail) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.voicemail = append(b.voicemail, v)
	return nil
}

func (b *book) SaveVoicemailAudio(_ context.Context, _ string, id string, a providers.Audio) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.audio[id] = a
	return nil
}

func (b *book) PendingAudio(context.Context) ([]PendingAudio, error) { return nil, nil }

func (b *book) snapshot() (map[string]providers.Call, []providers.Voicemail, map[string]providers.Audio) {
	b.mu.Lock()
	defer b.mu.Unlock()
	calls := map[string]providers.Call{}
	for k, v := range b.calls {
		calls[k] = v
	}
	audio := map[string]providers.Audio{}
	for k, v := range b.audio {
		audio[k] = v
	}
	return calls, append([]providers.Voicemail(nil), b.voicemail...), audio
}

// fetcher serves recordings from a map, as the carrier's adapter would download them.
type fetcher map[string][]byte

func (f fetcher) FetchRecording(_ context.Context, u string) (providers.Audio, error) {
	if b, ok := f[u]; ok {
		return providers.Audio{ContentType: "audio/wav", Data: b}, nil
	}
	return providers.Audio{}, providers.ErrNotFound
}

const (
	vonageSecret = "signature-secret-0123456789"
	mine         = "+447700900100" // the Vonage number
	myPhone      = "+447700900200" // where it forwards
	spammer      = "+447700900999"
	friend       = "+447700900555"
)

type vonageHarness struct {
	t    *testing.T
	srv  *Server
	book *book
	logs *syncBuffer
	now  time.Time
	jti  int
}

func newVonageHarness(t *testing.T, secret string) *vonageHarness {
	t.Helper()
	now := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	b, logs := newBook(), &syncBuffer{}
	s, err := New(Config{Store: nopPusher{}, Token: token, PublicURL: "https://vnum.example.org", Now: func() time.Time { return now },
		Vonage: vonagewh.New(secret), Calls: b, Logger: slogTo(logs),
		Recordings: func(string) (providers.RecordingFetcher, error) {
			return fetcher{"https://api.nexmo.com/v1/files/rec-1": []byte("RIFF-voicemail")}, nil
		}})
	require.NoError(t, err)
	t.Cleanup(s.Close)
	return &vonageHarness{t: t, srv: s, book: b, logs: logs, now: now}
}

// post sends body to path (under /hooks/<token>/), signed as Vonage signs at the harness's
// time unless auth says otherwise ("-" for none).
func (h *vonageHarness) post(path string, body any, auth string) *httptest.ResponseRecorder {
	h.t.Helper()
	b, err := json.Marshal(body)
	require.NoError(h.t, err)
	if auth == "" {
		h.jti++
		auth, err = vonagewh.SignVoice(vonageSecret, "app-1", "abcd1234", "jti-"+string(rune('a'+h.jti)), b, h.now)
		require.NoError(h.t, err)
	}
	req := httptest.NewRequest(http.MethodPost, "/hooks/"+token+"/"+path, strings.NewReader(string(b)))
	req.Header.Set("Content-Type", "application/json")
	if auth != "-" {
		req.Header.Set("Authorization", auth)
	}
	rec := httptest.NewRecorder()
	h.srv.Handler().ServeHTTP(rec, req)
	return rec
}

func answerBody(from, to, uuid string) map[string]any {
	return map[string]any{"from": strings.TrimPrefix(from, "+"), "to": strings.TrimPrefix(to, "+"), "uuid": uuid,
		"conversation_uuid": "CON-" + uuid, "region_url": "https://api-eu-1.vonage.com"}
}

func decodeNCCO(t *testing.T, rec *httptest.ResponseRecorder) []map[string]any {
	t.Helper()
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, "application/json", rec.Header().Get("Content-Type"))
	var doc []map[string]any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &doc), rec.Body.String())
	return doc
}

// eventPath is the path part (after /hooks/<token>/) of an NCCO's eventUrl on serve.
func eventPath(t *testing.T, raw any) string {
	t.Helper()
	list, ok := raw.([]any)
	require.True(t, ok, "eventUrl is a list: %v", raw)
	u, err := url.Parse(list[0].(string))
	require.NoError(t, err)
	require.Equal(t, "vnum.example.org", u.Host, "the event URL is serve's public one")
	return strings.TrimPrefix(u.Path, "/hooks/"+token+"/") + "?" + u.RawQuery
}

func TestVonageRefusesUnsignedForgedStaleReplayed(t *testing.T) {
	h := newVonageHarness(t, vonageSecret)
	h.book.numbers[mine] = bookEntry{forwardTo: myPhone}
	body := answerBody(friend, mine, "call-1")
	b, _ := json.Marshal(body)
	forged, _ := vonagewh.SignVoice("another-secret", "app-1", "k", "j", b, h.now)
	stale, _ := vonagewh.SignVoice(vonageSecret, "app-1", "k", "j", b, h.now.Add(-10*time.Minute))
	other, _ := json.Marshal(answerBody(spammer, mine, "call-1"))
	otherBody, _ := vonagewh.SignVoice(vonageSecret, "app-1", "k", "j", other, h.now) // signed over another body
	for _, tc := range []struct {
		name, auth string
		want       int
	}{
		{"unsigned", "-", http.StatusUnauthorized},
		{"forged", forged, http.StatusForbidden},
		{"stale", stale, http.StatusForbidden},
		{"token of another body", otherBody, http.StatusForbidden},
	} {
		for _, path := range []string{CallRouteVonageAnswer, CallRouteVonageEvent + "?step=dialed&call=call-1&to=%2B447700900100"} {
			rec := h.post(path, body, tc.auth)
			assert.Equal(t, tc.want, rec.Code, "%s on %s", tc.name, path)
		}
	}
	calls, vms, _ := h.book.snapshot()
	assert.Empty(t, calls, "nothing logged")
	assert.Empty(t, vms)

	good, _ := vonagewh.SignVoice(vonageSecret, "app-1", "k", "once", b, h.now)
	require.Equal(t, http.StatusOK, h.post(CallRouteVonageAnswer, body, good).Code)
	assert.Equal(t, http.StatusForbidden, h.post(CallRouteVonageAnswer, body, good).Code, "replayed")
	calls, _, _ = h.book.snapshot()
	assert.Len(t, calls, 1)
}

func TestVonageBlocked(t *testing.T) {
	h := newVonageHarness(t, vonageSecret)
	h.book.numbers[mine] = bookEntry{forwardTo: myPhone, rules: providers.CallRules{Blocked: []string{spammer}, BlockAnonymous: true}}
	doc := decodeNCCO(t, h.post(CallRouteVonageAnswer, answerBody(spammer, mine, "c-rej"), ""))
	assert.Empty(t, doc, "rejected at once: an empty NCCO ends the call")

	h.book.numbers[mine] = bookEntry{forwardTo: myPhone, rules: providers.CallRules{Blocked: []string{spammer},
		BlockMessage: "This number is not available."}}
	doc = decodeNCCO(t, h.post(CallRouteVonageAnswer, answerBody(spammer, mine, "c-msg"), ""))
	require.Len(t, doc, 1)
	assert.Equal(t, "talk", doc[0]["action"])
	assert.Equal(t, "This number is not available.", doc[0]["text"])
	assert.NotContains(t, strings.ToLower(strings.Join([]string{doc[0]["text"].(string)}, "")), "4477", "the user's number is never said")

	calls, _, _ := h.book.snapshot()
	assert.Equal(t, providers.CallBlocked, calls["c-rej"].Outcome)
	assert.Equal(t, spammer, calls["c-rej"].From)
	assert.Equal(t, mine, calls["c-rej"].To)
	assert.Equal(t, providers.CallBlocked, calls["c-msg"].Outcome)
}

func TestVonageAnonymous(t *testing.T) {
	h := newVonageHarness(t, vonageSecret)
	h.book.numbers[mine] = bookEntry{forwardTo: myPhone, rules: providers.CallRules{BlockAnonymous: true}}
	body := map[string]any{"to": strings.TrimPrefix(mine, "+"), "uuid": "c-anon", "conversation_uuid": "CON-x"} // no from: withheld
	assert.Empty(t, decodeNCCO(t, h.post(CallRouteVonageAnswer, body, "")))
	body["from"], body["uuid"] = "Unknown", "c-anon2"
	assert.Empty(t, decodeNCCO(t, h.post(CallRouteVonageAnswer, body, "")))
	// A caller who shows the number passes.
	doc := decodeNCCO(t, h.post(CallRouteVonageAnswer, answerBody(friend, mine, "c-friend"), ""))
	require.Len(t, doc, 1)
	assert.Equal(t, "connect", doc[0]["action"])
	calls, _, _ := h.book.snapshot()
	assert.Equal(t, providers.CallBlocked, calls["c-anon"].Outcome)
	assert.Equal(t, "", calls["c-anon"].From)
	assert.Equal(t, providers.CallBlocked, calls["c-anon2"].Outcome)
	assert.Equal(t, providers.CallForwarded, calls["c-friend"].Outcome)
}

func TestVonageForwardThenVoicemail(t *testing.T) {
	h := newVonageHarness(t, vonageSecret)
	h.book.numbers[mine] = bookEntry{forwardTo: myPhone, rules: providers.CallRules{Voicemail: providers.VoicemailAfter,
		VoicemailAfter: 20 * time.Second, Greeting: "Please leave a message."}}
	doc := decodeNCCO(t, h.post(CallRouteVonageAnswer, answerBody(friend, mine, "c-1"), ""))
	require.Len(t, doc, 1)
	c := doc[0]
	assert.Equal(t, "connect", c["action"])
	assert.Equal(t, strings.TrimPrefix(mine, "+"), c["from"], "the caller id shown is the Vonage number")
	assert.Equal(t, "synchronous", c["eventType"])
	assert.Equal(t, float64(20), c["timeout"])
	assert.Equal(t, []any{map[string]any{"type": "phone", "number": strings.TrimPrefix(myPhone, "+")}}, c["endpoint"])
	dialed := eventPath(t, c["eventUrl"])

	// Ringing: the call goes on, no NCCO.
	rec := h.post(dialed, map[string]any{"uuid": "leg-2", "status": "ringing", "conversation_uuid": "CON-c-1"}, "")
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Empty(t, rec.Body.String())
	// Nobody picks up: the voicemail NCCO takes over.
	doc = decodeNCCO(t, h.post(dialed, map[string]any{"uuid": "leg-2", "status": "timeout", "conversation_uuid": "CON-c-1"}, ""))
	require.Len(t, doc, 2)
	assert.Equal(t, "talk", doc[0]["action"])
	assert.Equal(t, "Please leave a message.", doc[0]["text"])
	r := doc[1]
	assert.Equal(t, "record", r["action"])
	assert.Equal(t, true, r["beepStart"])
	assert.NotNil(t, r["endOnSilence"])
	recorded := eventPath(t, r["eventUrl"])
	calls, _, _ := h.book.snapshot()
	assert.Equal(t, providers.CallMissed, calls["c-1"].Outcome, "no message yet: a caller who hangs up now has left none")

	// The record event: the message is stored, its audio downloaded right after the answer.
	rec = h.post(recorded, map[string]any{"start_time": "2026-12-03T09:00:25Z", "end_time": "2026-12-03T09:00:37Z",
		"recording_url": "https://api.nexmo.com/v1/files/rec-1", "recording_uuid": "rec-1", "conversation_uuid": "CON-c-1",
		"timestamp": "2026-12-03T09:00:37Z", "size": 12345}, "")
	require.Equal(t, http.StatusOK, rec.Code)
	h.srv.bg.Wait() // the download, after the answer
	calls, vms, audio := h.book.snapshot()
	require.Len(t, vms, 1)
	vm := vms[0]
	assert.Equal(t, "rec-1", vm.ID)
	assert.Equal(t, "c-1", vm.CallID)
	assert.Equal(t, friend, vm.From)
	assert.Equal(t, mine, vm.To)
	assert.Equal(t, 12*time.Second, vm.Duration)
	assert.Equal(t, "https://api.nexmo.com/v1/files/rec-1", vm.RecordingURL)
	assert.Equal(t, []byte("RIFF-voicemail"), audio["rec-1"].Data)
	assert.Equal(t, providers.CallVoicemail, calls["c-1"].Outcome)
	assert.Equal(t, h.now, calls["c-1"].At)
}

func TestVonageForwardAnswered(t *testing.T) {
	h := newVonageHarness(t, vonageSecret)
	h.book.numbers[mine] = bookEntry{forwardTo: myPhone, rules: providers.CallRules{Voicemail: providers.VoicemailAfter, VoicemailAfter: 15 * time.Second}}
	doc := decodeNCCO(t, h.post(CallRouteVonageAnswer, answerBody(friend, mine, "c-2"), ""))
	dialed := eventPath(t, doc[0]["eventUrl"])
	rec := h.post(dialed, map[string]any{"uuid": "leg-3", "status": "answered"}, "")
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Empty(t, rec.Body.String(), "answered: the connect goes on")
	require.Equal(t, http.StatusOK, h.post(dialed, map[string]any{"uuid": "leg-3", "status": "completed", "duration": "42"}, "").Code)
	calls, vms, _ := h.book.snapshot()
	assert.Equal(t, providers.CallAnswered, calls["c-2"].Outcome)
	assert.Equal(t, 42*time.Second, calls["c-2"].Duration)
	assert.Empty(t, vms)

	// A ring shorter than Vonage takes (3 s) is rounded up to it.
	h.book.numbers[mine] = bookEntry{forwardTo: myPhone, rules: providers.CallRules{Voicemail: providers.VoicemailAfter, VoicemailAfter: time.Second}}
	doc = decodeNCCO(t, h.post(CallRouteVonageAnswer, answerBody(friend, mine, "c-short"), ""))
	assert.Equal(t, float64(3), doc[0]["timeout"])

	// Without voicemail, an unanswered forward is missed and the call ends.
	h.book.numbers[mine] = bookEntry{forwardTo: myPhone}
	doc = decodeNCCO(t, h.post(CallRouteVonageAnswer, answerBody(friend, mine, "c-3"), ""))
	_, hasTimeout := doc[0]["timeout"]
	assert.False(t, hasTimeout, "the carrier's default ring time")
	rec = h.post(eventPath(t, doc[0]["eventUrl"]), map[string]any{"uuid": "leg-4", "status": "busy"}, "")
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Empty(t, rec.Body.String())
	calls, _, _ = h.book.snapshot()
	assert.Equal(t, providers.CallMissed, calls["c-3"].Outcome)
}

func TestVonageAlwaysVoicemail(t *testing.T) {
	h := newVonageHarness(t, vonageSecret)
	h.book.numbers[mine] = bookEntry{forwardTo: myPhone, rules: providers.CallRules{Voicemail: providers.VoicemailAlways, Greeting: "Hello."}}
	doc := decodeNCCO(t, h.post(CallRouteVonageAnswer, answerBody(friend, mine, "c-4"), ""))
	require.Len(t, doc, 2)
	assert.Equal(t, "talk", doc[0]["action"])
	assert.Equal(t, "record", doc[1]["action"], "nothing rings")
	for _, a := range doc {
		assert.NotEqual(t, "connect", a["action"])
	}
	calls, _, _ := h.book.snapshot()
	assert.Equal(t, providers.CallMissed, calls["c-4"].Outcome, "until the record's event brings a message")
}

// A download that fails right after the answer is said in serve's log, as on Telnyx, without
// the recording's URL.
func TestVonageRecordingDownloadFailureLogged(t *testing.T) {
	h := newVonageHarness(t, vonageSecret)
	h.book.numbers[mine] = bookEntry{rules: providers.CallRules{Voicemail: providers.VoicemailAlways}}
	doc := decodeNCCO(t, h.post(CallRouteVonageAnswer, answerBody(friend, mine, "c-5"), ""))
	require.Len(t, doc, 1)
	recorded := eventPath(t, doc[0]["eventUrl"])
	rec := h.post(recorded, map[string]any{"start_time": "2026-12-03T09:00:25Z", "end_time": "2026-12-03T09:00:37Z",
		"recording_url": "https://api.nexmo.com/v1/files/not-there", "recording_uuid": "rec-5"}, "")
	require.Equal(t, http.StatusOK, rec.Code)
	h.srv.bg.Wait()
	_, vms, audio := h.book.snapshot()
	require.Len(t, vms, 1)
	assert.Empty(t, audio)
	assert.Contains(t, h.logs.String(), "voicemail download failed")
	assert.Contains(t, h.logs.String(), `"voicemail_id":"rec-5"`)
	assert.NotContains(t, h.logs.String(), "not-there", "the URL may sign the download")
}

func TestVonageUnknownNumber(t *testing.T) {
	h := newVonageHarness(t, vonageSecret)
	assert.Empty(t, decodeNCCO(t, h.post(CallRouteVonageAnswer, answerBody(friend, "+447700900321", "c-5"), "")))
	calls, _, _ := h.book.snapshot()
	assert.Empty(t, calls, "a number vnum does not hold: nothing logged")
	// The inbound leg's own events are acknowledged and change nothing.
	rec := h.post(CallRouteVonageEvent, map[string]any{"uuid": "c-5", "status": "completed", "duration": "3"}, "")
	assert.Equal(t, http.StatusOK, rec.Code)
	calls, _, _ = h.book.snapshot()
	assert.Empty(t, calls)
}

// Without a signature secret the route has only its secret path, as the SMS route.
func TestVonageCallsUnsignedAccount(t *testing.T) {
	h := newVonageHarness(t, "")
	h.book.numbers[mine] = bookEntry{forwardTo: myPhone}
	doc := decodeNCCO(t, h.post(CallRouteVonageAnswer, answerBody(friend, mine, "c-6"), "-"))
	require.Len(t, doc, 1)
	assert.Equal(t, "connect", doc[0]["action"])
}

func TestVonageCallRoutesOff(t *testing.T) {
	s, err := New(Config{Store: nopPusher{}, Token: token, Now: fixedClock, Calls: newBook()})
	require.NoError(t, err)
	defer s.Close()
	req := httptest.NewRequest(http.MethodPost, "/hooks/"+token+"/"+CallRouteVonageAnswer, strings.NewReader("{}"))
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	assert.Equal(t, http.StatusNotFound, rec.Code, "no Vonage verifier: the route is off")
}
