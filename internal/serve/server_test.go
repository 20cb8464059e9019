package serve

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/internal/store"
	sandboxwh "github.com/vnum-cli/vnum/internal/webhook/sandbox"
	telnyxwh "github.com/vnum-cli/vnum/internal/webhook/telnyx"
	twiliowh "github.com/vnum-cli/vnum/internal/webhook/twilio"
	vonagewh "github.com/vnum-cli/vnum/internal/webhook/vonage"
	"github.com/vnum-cli/vnum/providers"
)

const (
	token      = "0123456789abcdef0123456789abcdef"
	authToken  = "twilio-auth-token"
	vonageSig  = "vonage-signature-secret"
	ourNumber  = "+13125550002"
	someSender = "+13125550001"
)

var (
	telnyxKey   = ed25519.NewKeyFromSeed([]byte("vnum-telnyx-test-seed-32-bytes!!"))
	sandboxKey  = []byte("0123456789abcdef0123456789abcdef")
	fixedNow    = time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	fixedClock  = func() time.Time { return fixedNow }
	secretTexts = []string{"482913", token, authToken, vonageSig}
)

type fixture struct {
	t     *testing.T
	store *store.Store
	srv   *Server
	logs  *syncBuffer
	ids   map[string]int64 // provider → number id
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newFixture(t *testing.T, mod func(*Config)) *fixture {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "vnum.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	f := &fixture{t: t, store: st, logs: &syncBuffer{}, ids: map[string]int64{}}
	for _, p := range []string{RouteTwilio, RouteTelnyx, RouteVonage, RouteSandbox} {
		e164 := ourNumber
		if p == RouteVonage {
			e164 = "+447700900002"
		}
		n := store.Number{Provider: p, CarrierID: p + "-1", E164: e164, Managed: true, State: providers.StateActive}
		require.NoError(t, st.InsertNumber(t.Context(), &n))
		f.ids[p] = n.ID
	}
	tw, err := twiliowh.New(authToken)
	require.NoError(t, err)
	cfg := Config{
		Store: st, Token: token, PublicURL: "https://vnum.example.org",
		Twilio: tw, Telnyx: telnyxwh.New(telnyxKey.Public().(ed25519.PublicKey)),
		Vonage: vonagewh.New(vonageSig), Sandbox: sandboxwh.New(sandboxKey),
		Logger: slogTo(f.logs), Now: fixedClock,
	}
	if mod != nil {
		mod(&cfg)
	}
	f.srv, err = New(cfg)
	require.NoError(t, err)
	t.Cleanup(f.srv.Close)
	t.Cleanup(func() {
		for _, s := range secretTexts {
			if strings.Contains(f.logs.String(), s) {
				t.Errorf("the log holds %q:\n%s", s, f.logs.String())
			}
		}
	})
	return f
}

func (f *fixture) do(req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	f.srv.Handler().ServeHTTP(rec, req)
	return rec
}

func (f *fixture) messages(provider string) []store.Message {
	f.t.Helper()
	ms, err := f.store.ListMessages(f.t.Context(), f.ids[provider], time.Time{})
	require.NoError(f.t, err)
	return ms
}

func twilioRequest(path string, form url.Values, sig string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if sig != "" {
		r.Header.Set(twiliowh.SignatureHeader, sig)
	}
	return r
}

func TestTwilio(t *testing.T) {
	f := newFixture(t, nil)
	path := "/hooks/" + token + "/twilio"
	form := url.Values{"MessageSid": {"SM1"}, "From": {someSender}, "To": {ourNumber}, "Body": {"Your code is 482913"}}
	sig := twiliowh.Sign(authToken, "https://vnum.example.org"+path, form)

	rec := f.do(twilioRequest(path, form, sig))
	require.Equal(t, http.StatusOK, rec.Code)
	require.Equal(t, emptyTwiML, rec.Body.String())
	require.Contains(t, rec.Header().Get("Content-Type"), "text/xml")
	ms := f.messages(RouteTwilio)
	require.Len(t, ms, 1)
	require.Equal(t, "Your code is 482913", ms[0].Text)

	for _, tt := range []struct {
		name string
		req  *http.Request
		want int
	}{
		{"replayed", twilioRequest(path, form, sig), http.StatusForbidden},
		{"unsigned", twilioRequest(path, form, ""), http.StatusUnauthorized},
		{"forged", twilioRequest(path, form, twiliowh.Sign("other", "https://vnum.example.org"+path, form)), http.StatusForbidden},
		{"signed for another URL", twilioRequest(path, form, twiliowh.Sign(authToken, "http://vnum.example.org"+path, form)), http.StatusForbidden},
		{"wrong path token", twilioRequest("/hooks/"+strings.Repeat("x", 32)+"/twilio", form, sig), http.StatusNotFound},
		{"too big", twilioRequest(path, url.Values{"Body": {strings.Repeat("x", MaxBody)}}, sig), http.StatusRequestEntityTooLarge},
		{"GET", httptest.NewRequest(http.MethodGet, path, nil), http.StatusMethodNotAllowed},
	} {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, f.do(tt.req).Code)
		})
	}
	require.Len(t, f.messages(RouteTwilio), 1, "refused requests store nothing")
	require.Contains(t, f.logs.String(), `"reason":"replayed"`)
}

func TestTwilioBehindProxy(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.PublicURL, c.TrustForwarded = "", true })
	path := "/hooks/" + token + "/twilio"
	form := url.Values{"MessageSid": {"SM2"}, "From": {someSender}, "To": {ourNumber}, "Body": {"hi"}}
	req := twilioRequest(path, form, twiliowh.Sign(authToken, "https://proxy.example"+path, form))
	req.Header.Set("X-Forwarded-Proto", "https")
	req.Header.Set("X-Forwarded-Host", "proxy.example")
	require.Equal(t, http.StatusOK, f.do(req).Code)

	// Not trusted: the same request is checked against the URL it was sent to, and fails.
	g := newFixture(t, func(c *Config) { c.PublicURL = "" })
	require.Equal(t, http.StatusForbidden, g.do(req).Code)
}

func telnyxRequest(body []byte, at time.Time) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/hooks/"+token+"/telnyx", bytes.NewReader(body))
	sig, ts := telnyxwh.Sign(telnyxKey, body, at)
	r.Header.Set(telnyxwh.SignatureHeader, sig)
	r.Header.Set(telnyxwh.TimestampHeader, ts)
	return r
}

func telnyxBody(id, text string) []byte {
	return []byte(`{"data":{"event_type":"message.received","payload":{"id":"` + id + `","text":"` + text +
		`","from":{"phone_number":"` + someSender + `"},"to":[{"phone_number":"` + ourNumber + `"}]}}}`)
}

func TestTelnyx(t *testing.T) {
	f := newFixture(t, nil)
	body := telnyxBody("m-1", "Your code is 482913")
	require.Equal(t, http.StatusOK, f.do(telnyxRequest(body, fixedNow)).Code)
	// Telnyx retries with a new timestamp: accepted, stored once.
	require.Equal(t, http.StatusOK, f.do(telnyxRequest(body, fixedNow.Add(time.Second))).Code)
	// The same signed request again is a replay.
	require.Equal(t, http.StatusForbidden, f.do(telnyxRequest(body, fixedNow)).Code)
	require.Equal(t, http.StatusForbidden, f.do(telnyxRequest(body, fixedNow.Add(-6*time.Minute))).Code, "stale")
	unsigned := httptest.NewRequest(http.MethodPost, "/hooks/"+token+"/telnyx", bytes.NewReader(body))
	require.Equal(t, http.StatusUnauthorized, f.do(unsigned).Code)
	other := []byte(`{"data":{"event_type":"message.finalized","payload":{"id":"m-2"}}}`)
	require.Equal(t, http.StatusOK, f.do(telnyxRequest(other, fixedNow)).Code)

	ms := f.messages(RouteTelnyx)
	require.Len(t, ms, 1)
	require.Equal(t, "m-1", ms[0].Message.ID)
	require.True(t, ms[0].ReceivedAt.Equal(fixedNow), "no received_at: the time serve got it")
}

func TestTelnyxOffWithoutKey(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.Telnyx = nil })
	require.Equal(t, http.StatusNotFound, f.do(telnyxRequest(telnyxBody("m-1", "x"), fixedNow)).Code)
	require.NotContains(t, f.srv.Routes("http://x"), RouteTelnyx)
}

func vonageParams(id string, extra map[string]string) map[string]string {
	p := map[string]string{"msisdn": "447700900001", "to": "447700900002", "messageId": id, "text": "Your code is 482913",
		"type": "text", "message-timestamp": "2026-12-03 08:59:59", "timestamp": strconv.FormatInt(fixedNow.Unix(), 10), "nonce": id}
	for k, v := range extra {
		p[k] = v
	}
	p["sig"] = vonagewh.Sign(vonageSig, vonagewh.SHA256, p)
	return p
}

func TestVonage(t *testing.T) {
	f := newFixture(t, nil)
	path := "/hooks/" + token + "/vonage"
	// The probe Vonage sends when moHttpUrl is set.
	require.Equal(t, http.StatusOK, f.do(httptest.NewRequest(http.MethodGet, path, nil)).Code)

	q := url.Values{}
	for k, v := range vonageParams("V1", nil) {
		q.Set(k, v)
	}
	require.Equal(t, http.StatusOK, f.do(httptest.NewRequest(http.MethodGet, path+"?"+q.Encode(), nil)).Code)
	require.Equal(t, http.StatusForbidden, f.do(httptest.NewRequest(http.MethodGet, path+"?"+q.Encode(), nil)).Code, "replayed")
	q.Set("text", "Your code is 000000")
	require.Equal(t, http.StatusForbidden, f.do(httptest.NewRequest(http.MethodGet, path+"?"+q.Encode(), nil)).Code, "forged")

	// A three-part message, as JSON posts, out of order.
	for _, part := range []string{"3", "1", "2"} {
		p := vonageParams("P"+part, map[string]string{"concat": "true", "concat-ref": "9", "concat-part": part,
			"concat-total": "3", "text": "<" + part + ">"})
		b, err := json.Marshal(p)
		require.NoError(t, err)
		r := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(b))
		r.Header.Set("Content-Type", "application/json")
		require.Equal(t, http.StatusOK, f.do(r).Code)
	}
	ms := f.messages(RouteVonage)
	require.Len(t, ms, 2)
	require.Equal(t, "Your code is 482913", ms[0].Text)
	require.Equal(t, "<1><2><3>", ms[1].Text)
	require.Equal(t, "+447700900001", ms[1].From)
}

func TestVonageUnsignedAccount(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.Vonage = vonagewh.New("") })
	path := "/hooks/" + token + "/vonage"
	form := url.Values{"msisdn": {"447700900001"}, "to": {"447700900002"}, "messageId": {"V9"}, "text": {"hello"}}
	for range 2 { // a retry: stored once
		r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		require.Equal(t, http.StatusOK, f.do(r).Code)
	}
	require.Len(t, f.messages(RouteVonage), 1)
	// Without the path token, nothing.
	r := httptest.NewRequest(http.MethodPost, "/hooks/guess/vonage", strings.NewReader(form.Encode()))
	require.Equal(t, http.StatusNotFound, f.do(r).Code)
}

func TestSandboxAndHealthz(t *testing.T) {
	f := newFixture(t, nil)
	m := providers.Message{ID: "SM9", From: "Google", To: ourNumber, Text: "G-482913", ReceivedAt: fixedNow}
	body := sandboxwh.Body(m)
	r := httptest.NewRequest(http.MethodPost, "/hooks/"+token+"/sandbox", bytes.NewReader(body))
	r.Header.Set(sandboxwh.SignatureHeader, sandboxwh.Sign(sandboxKey, body, fixedNow))
	require.Equal(t, http.StatusOK, f.do(r).Code)
	require.Len(t, f.messages(RouteSandbox), 1)
	rec := f.do(httptest.NewRequest(http.MethodGet, "/healthz", nil))
	require.Equal(t, http.StatusOK, rec.Code)
}

// blockingStore holds every batch until released, so a test can stop the server with a request
// in the middle of its commit.
type blockingStore struct {
	entered chan struct{}
	release chan struct{}
	inner   Pusher
}

func (b *blockingStore) AddPushed(ctx context.Context, batch []store.Pushed) ([]store.PushOutcome, error) {
	b.entered <- struct{}{}
	<-b.release
	return b.inner.AddPushed(ctx, batch)
}

func TestGracefulShutdownFinishesRequests(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "vnum.db"))
	require.NoError(t, err)
	defer st.Close()
	n := store.Number{Provider: RouteTelnyx, CarrierID: "x", E164: ourNumber, Managed: true}
	require.NoError(t, st.InsertNumber(t.Context(), &n))
	bs := &blockingStore{entered: make(chan struct{}), release: make(chan struct{}), inner: st}
	srv, err := New(Config{Store: bs, Token: token, Telnyx: telnyxwh.New(telnyxKey.Public().(ed25519.PublicKey)), Now: fixedClock})
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, stop := context.WithCancel(t.Context())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()

	body := telnyxBody("m-7", "hi")
	req := telnyxRequest(body, fixedNow)
	req, err = http.NewRequest(http.MethodPost, "http://"+ln.Addr().String()+req.URL.Path, bytes.NewReader(body))
	require.NoError(t, err)
	sig, ts := telnyxwh.Sign(telnyxKey, body, fixedNow)
	req.Header.Set(telnyxwh.SignatureHeader, sig)
	req.Header.Set(telnyxwh.TimestampHeader, ts)
	answered := make(chan int, 1)
	go func() {
		resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
		if err != nil {
			answered <- 0
			return
		}
		resp.Body.Close()
		answered <- resp.StatusCode
	}()
	<-bs.entered // the request is committing
	stop()       // SIGTERM
	select {
	case err := <-served:
		t.Fatalf("Serve returned (%v) with a request under way", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(bs.release)
	require.Equal(t, http.StatusOK, <-answered)
	require.NoError(t, <-served)
	ms, err := st.ListMessages(t.Context(), n.ID, time.Time{})
	require.NoError(t, err)
	require.Len(t, ms, 1)
	// Stopped: nothing listens any more.
	_, err = net.DialTimeout("tcp", ln.Addr().String(), time.Second)
	require.Error(t, err)
}

func TestSecrets(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "config")
	var wg sync.WaitGroup
	got := make([]Secrets, 8)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := EnsureSecrets(dir)
			if err != nil {
				t.Error(err)
			}
			got[i] = s
		}()
	}
	wg.Wait()
	for _, s := range got[1:] {
		require.Equal(t, got[0], s, "processes starting at once agree on one set of secrets")
	}
	require.Len(t, got[0].PathToken, 48)
	fi, err := os.Stat(filepath.Join(dir, SecretsFile))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	again, err := EnsureSecrets(dir)
	require.NoError(t, err)
	require.Equal(t, got[0], again, "made once, kept")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1, "no temporary file left")
}

func TestReplaysForget(t *testing.T) {
	r := newReplays(time.Minute, 3)
	for i := range 5 {
		r.Add(strconv.Itoa(i), fixedNow)
	}
	require.False(t, r.Seen("0", fixedNow), "beyond max")
	require.True(t, r.Seen("4", fixedNow))
	require.False(t, r.Seen("4", fixedNow.Add(time.Minute)), "beyond ttl")
}

func slogTo(w io.Writer) *slog.Logger { return slog.New(slog.NewJSONHandler(w, nil)) }

func TestReplaysKeepTheNewest(t *testing.T) {
	r := newReplays(time.Hour, 100)
	for i := range 1000 {
		r.Add(strconv.Itoa(i), fixedNow.Add(time.Duration(i)*time.Millisecond))
	}
	require.Len(t, r.seen, 100)
	require.True(t, r.Seen("999", fixedNow.Add(time.Second)))
	require.True(t, r.Seen("900", fixedNow.Add(time.Second)))
	require.False(t, r.Seen("899", fixedNow.Add(time.Second)))
	require.LessOrEqual(t, len(r.order), 200, "the order slice is compacted")
}
