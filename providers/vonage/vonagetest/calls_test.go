package vonagetest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	vonagewh "github.com/vnum-cli/vnum/internal/webhook/vonage"
)

// nccoServer answers as an application would: a connect with synchronous events, then a
// record when nobody answers; every request must carry a valid signature.
func nccoServer(t *testing.T, f *Fake, bodies *[]map[string]any, mu *sync.Mutex) *httptest.Server {
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if _, _, err := vonagewh.New(f.SignatureSecret).VerifyVoice(r.Header.Get("Authorization"), b, time.Now()); err != nil {
			t.Errorf("%s: %v", r.URL.Path, err)
			w.WriteHeader(http.StatusForbidden)
			return
		}
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		mu.Lock()
		*bodies = append(*bodies, m)
		mu.Unlock()
		switch {
		case r.URL.Path == "/answer":
			_, _ = io.WriteString(w, `[{"action":"talk","text":"hi"},{"action":"connect","from":"`+m["to"].(string)+
				`","timeout":20,"eventType":"synchronous","eventUrl":["`+srv.URL+`/dialed"],"endpoint":[{"type":"phone","number":"447400123456"}]},`+
				`{"action":"talk","text":"never said"}]`)
		case r.URL.Path == "/dialed" && m["status"] == "timeout":
			_, _ = io.WriteString(w, `[{"action":"record","beepStart":true,"eventUrl":["`+srv.URL+`/recorded"]}]`)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestCallRunsTheNCCO(t *testing.T) {
	f := New(t)
	msisdn := f.Seed("GB", "mobile-lvn", 1)[0]
	var bodies []map[string]any
	var mu sync.Mutex
	srv := nccoServer(t, f, &bodies, &mu)
	f.mu.Lock()
	f.apps["app-1"] = &app{id: "app-1", name: "t", answer: webhook{srv.URL + "/answer", "POST"}, event: webhook{srv.URL + "/event", "POST"}, signed: true}
	f.numbers[msisdn].cfg.Set("app_id", "app-1")
	f.mu.Unlock()

	res, err := f.Call(t.Context(), "+447400123999", "+"+msisdn, CallOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Rang != "447400123456" || res.Answered || res.RecordingID == "" || strings.Join(res.Heard, "|") != "hi" {
		t.Fatalf("result %+v: want a talk, an unanswered connect, then the record that replaced the rest", res)
	}
	f.mu.Lock()
	rec := f.files[res.RecordingID]
	f.mu.Unlock()
	if rec == nil || rec.appID != "app-1" {
		t.Fatalf("the recording is not the application's: %+v", rec)
	}
	mu.Lock()
	defer mu.Unlock()
	var statuses []string
	for _, b := range bodies {
		if s, ok := b["status"].(string); ok {
			statuses = append(statuses, s)
		}
		if b["recording_url"] != nil && !strings.HasSuffix(b["recording_url"].(string), "/v1/files/"+res.RecordingID) {
			t.Errorf("recording_url %v", b["recording_url"])
		}
	}
	if got := strings.Join(statuses, ","); got != "ringing,timeout,completed" {
		t.Fatalf("events %s, want ringing,timeout then the inbound leg's completed", got)
	}
	if bodies[0]["from"] != "447400123999" {
		t.Fatalf("answer webhook %v: from is the caller without +", bodies[0])
	}

	// A number forwarded natively never reaches the application.
	f.Configure(msisdn, map[string]string{"voiceCallbackType": "tel", "voiceCallbackValue": "447400123457"})
	res, err = f.Call(t.Context(), "", "+"+msisdn, CallOptions{Answer: true})
	if err != nil || res.Rang != "447400123457" {
		t.Fatalf("native forwarding: %+v %v", res, err)
	}
}
