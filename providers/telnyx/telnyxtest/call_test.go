package telnyxtest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	telnyxwh "github.com/vnum-cli/vnum/internal/webhook/telnyx"
)

// Call posts signed requests to the application's voice URL and follows Dial and Record actions.
func TestCallFollowsTexml(t *testing.T) {
	f := Start()
	defer f.Close()
	key, err := telnyxwh.ParsePublicKey(f.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	v := telnyxwh.New(key)
	var mu sync.Mutex
	var steps []url.Values
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if _, err := v.Check(body, r.Header.Get(telnyxwh.SignatureHeader), r.Header.Get(telnyxwh.TimestampHeader), time.Now()); err != nil {
			t.Errorf("request not signed with the account's key: %v", err)
		}
		form, _ := url.ParseQuery(string(body))
		mu.Lock()
		steps = append(steps, form)
		mu.Unlock()
		switch r.URL.Query().Get("step") {
		case "":
			_, _ = io.WriteString(w, `<Response><Dial timeout="20" action="`+"http://"+r.Host+`/?step=dialed"><Number>+33611111111</Number></Dial></Response>`)
		case "dialed":
			_, _ = io.WriteString(w, `<Response><Say>Leave a message.</Say><Record action="`+"http://"+r.Host+`/?step=recorded"/></Response>`)
		default:
			_, _ = io.WriteString(w, `<Response><Hangup/></Response>`)
		}
	}))
	defer app.Close()

	phone := f.Seed("US", "local", 1)[0]
	f.mu.Lock()
	n := f.byPhone(phone)
	a := &texmlApp{id: "2900000000000000001", name: "vnum", voiceURL: app.URL, voiceMethod: "post"}
	f.apps = append(f.apps, a)
	n.connectionID = a.id
	f.mu.Unlock()

	res, err := f.Call(t.Context(), "", phone, CallOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Rang != "+33611111111" || res.Answered || res.RecordingID == "" || len(res.Heard) != 1 {
		t.Fatalf("result %+v", res)
	}
	if len(steps) != 3 || steps[0].Get("From") != "anonymous" || steps[1].Get("DialCallStatus") != "no-answer" ||
		steps[2].Get("RecordingSid") != res.RecordingID {
		t.Fatalf("steps %v", steps)
	}
}
