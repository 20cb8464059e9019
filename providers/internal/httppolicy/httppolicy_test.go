package httppolicy

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
)

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestCheck(t *testing.T) {
	own := Policy{Carrier: "telnyx", Title: "Telnyx", Hosts: []string{"api.telnyx.com", ".twilio.com"}}
	local := own
	local.Base = mustURL(t, "http://127.0.0.1:8080/prefix")
	tests := []struct {
		p    Policy
		url  string
		want bool
	}{
		{own, "https://api.telnyx.com/v2/balance", true},
		{own, "https://API.Telnyx.com./v2/balance", true},
		{own, "https://api.telnyx.com:443/v2", true},
		{own, "https://api.telnyx.com:8443/v2", false},
		{own, "http://api.telnyx.com/v2", false},
		{own, "https://evil.telnyx.com.example/v2", false},
		{own, "https://xapi.telnyx.com/v2", false},
		{own, "https://studio.twilio.com/v2", true},
		{own, "https://twilio.com/", true},
		{own, "https://eviltwilio.com/", false},
		{own, "http://127.0.0.1:8080/prefix/v2", false},
		{local, "http://127.0.0.1:8080/prefix/v2", true},
		{local, "http://127.0.0.1:8081/prefix/v2", false},
		{local, "https://127.0.0.1:8080/prefix/v2", false},
		{local, "https://api.telnyx.com/v2", false},
	}
	for _, tt := range tests {
		err := tt.p.Check(mustURL(t, tt.url))
		if (err == nil) != tt.want {
			t.Errorf("base %v: Check(%s) = %v, want allowed=%v", tt.p.Base, tt.url, err, tt.want)
		}
		if err != nil && (!IsRefused(err) || strings.Contains(err.Error(), "/v2")) {
			t.Errorf("Check(%s) = %q: want a RefusedError naming only scheme and host", tt.url, err)
		}
	}
}

func TestParseBaseURL(t *testing.T) {
	tests := []struct {
		raw, want, errHas string
	}{
		{"", "", ""},
		{"https://gateway.example/twilio/", "https://gateway.example/twilio", ""},
		{"https://user:pw@gateway.example/x?q=1#f", "https://gateway.example/x", ""},
		{"http://127.0.0.1:9000", "http://127.0.0.1:9000", ""},
		{"http://[::1]:9000", "http://[::1]:9000", ""},
		{"http://localhost:9000", "http://localhost:9000", ""},
		{"http://gateway.example", "", "in clear"},
		{"http://user:hunter2@gateway.example", "", "in clear"},
		{"ftp://user:hunter2@gateway.example", "", "not an http(s) URL"},
		{"gateway.example", "", "not an http(s) URL"},
	}
	for _, tt := range tests {
		u, err := ParseBaseURL("VNUM_X_BASE_URL", tt.raw)
		switch {
		case tt.errHas != "":
			if err == nil || !strings.Contains(err.Error(), tt.errHas) {
				t.Errorf("ParseBaseURL(%q) = %v, %v; want error with %q", tt.raw, u, err, tt.errHas)
			} else if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("ParseBaseURL(%q): error %q shows the password", tt.raw, err)
			}
		case err != nil:
			t.Errorf("ParseBaseURL(%q): %v", tt.raw, err)
		case tt.want == "" && u != nil:
			t.Errorf("ParseBaseURL(%q) = %v, want nil", tt.raw, u)
		case tt.want != "" && (u == nil || u.String() != tt.want):
			t.Errorf("ParseBaseURL(%q) = %v, want %s", tt.raw, u, tt.want)
		}
	}
}

// A hostile server redirects: to another port of the same host, and (within the same server) to
// a path on itself. Only the second is followed, and never with a Referer.
func TestClientRedirects(t *testing.T) {
	var stolen atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		stolen.Add(1)
	}))
	defer other.Close()
	var referer atomic.Value
	referer.Store("")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/away":
			http.Redirect(w, r, other.URL+"/steal", http.StatusFound)
		case "/here":
			http.Redirect(w, r, "/landed", http.StatusFound)
		case "/landed":
			referer.Store(r.Header.Get("Referer"))
			_, _ = w.Write([]byte("ok"))
		}
	}))
	defer srv.Close()

	base, err := ParseBaseURL("VNUM_X_BASE_URL", srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	p := Policy{Carrier: "x", Title: "X", Base: base}
	hc := p.Client(nil)

	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/away?api_secret=s3cret", nil)
	req.Header.Set("Authorization", "Bearer KEY")
	resp, err := hc.Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatal("redirect to another port was followed")
	}
	if !IsRefused(err) || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error = %q, want a refusal that does not quote the query", err)
	}
	if stolen.Load() != 0 {
		t.Error("the other server was reached")
	}

	resp, err = hc.Get(srv.URL + "/here?api_secret=s3cret")
	if err != nil {
		t.Fatalf("same-host redirect: %v", err)
	}
	resp.Body.Close()
	if r := referer.Load().(string); r != "" {
		t.Errorf("same-host redirect carried Referer %q", r)
	}
}

// https→http on the same host name is refused even with the carrier's own hosts.
func TestCheckRedirectSchemeDowngrade(t *testing.T) {
	p := Policy{Carrier: "x", Title: "X", Hosts: []string{"api.x.example"}}
	from, _ := http.NewRequest(http.MethodGet, "https://api.x.example/a", nil)
	to, _ := http.NewRequest(http.MethodGet, "http://api.x.example/b", nil)
	to.Header.Set("Referer", "https://api.x.example/a?api_secret=s")
	if err := p.CheckRedirect(to, []*http.Request{from}); !IsRefused(err) {
		t.Errorf("https→http redirect: %v, want refused", err)
	}
	if to.Header.Get("Referer") != "" {
		t.Error("Referer left on the redirected request")
	}
	ok, _ := http.NewRequest(http.MethodGet, "https://api.x.example/b", nil)
	if err := p.CheckRedirect(ok, []*http.Request{from}); err != nil {
		t.Errorf("same-host https redirect: %v", err)
	}
}
