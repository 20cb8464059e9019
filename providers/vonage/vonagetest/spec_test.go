package vonagetest_test

import (
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/providers/vonage/vonagetest"
)

// The fake's checks are only worth something if they catch what breaks Vonage's documents:
// requests vnum must never send are reported, and correct ones are not.
func TestValidationCatchesBadRequests(t *testing.T) {
	wd, err := os.Getwd()
	require.NoError(t, err)
	dir, looked, err := vonagetest.FindSpecsDir(os.Getenv, wd)
	require.NoError(t, err)
	if dir == "" {
		t.Skipf("Vonage's documents not found (looked in %s)", strings.Join(looked, ", "))
	}
	specs, err := vonagetest.LoadSpecs(dir)
	require.NoError(t, err)

	var mu sync.Mutex
	var problems []string
	f := vonagetest.New(t, vonagetest.WithSpecs(specs), vonagetest.WithReporter(func(p string) {
		mu.Lock()
		defer mu.Unlock()
		problems = append(problems, p)
	}))
	creds := url.Values{"api_key": {f.APIKey}, "api_secret": {f.APISecret}}
	get := func(path string, q url.Values) {
		for k, v := range creds {
			if _, set := q[k]; !set {
				q[k] = v
			}
		}
		resp, err := http.Get(f.URL + path + "?" + q.Encode())
		require.NoError(t, err)
		_ = resp.Body.Close()
	}
	post := func(path string, form url.Values) {
		for k, v := range creds {
			form[k] = v
		}
		resp, err := http.PostForm(f.URL+path, form)
		require.NoError(t, err)
		_ = resp.Body.Close()
	}
	tests := []struct {
		name string
		send func()
		want string // "" means no problem
	}{
		{"a good search", func() { get("/number/search", url.Values{"country": {"GB"}, "features": {"SMS,VOICE"}}) }, ""},
		{"features in the wrong order", func() { get("/number/search", url.Values{"country": {"GB"}, "features": {"VOICE,SMS"}}) },
			`parameter "features"`},
		{"no country", func() { get("/number/search", url.Values{"type": {"mobile-lvn"}}) }, `parameter "country"`},
		{"a page too large", func() { get("/account/numbers", url.Values{"size": {"1000"}}) }, `parameter "size"`},
		{"no api_secret", func() { get("/account/get-balance", url.Values{"api_secret": {}}) }, "api_secret"},
		{"a buy without msisdn", func() { post("/number/buy", url.Values{"country": {"GB"}}) }, "msisdn"},
		{"an unknown voiceCallbackType", func() {
			post("/number/update", url.Values{"country": {"GB"}, "msisdn": {"447700900000"}, "voiceCallbackType": {"phone"}})
		}, "voiceCallbackType"},
		{"an SMS to something too short to be a number", func() {
			post("/sms/json", url.Values{"from": {"447700900000"}, "to": {"12345"}, "text": {"x"}})
		}, `"/to"`},
		{"Reports without Basic credentials", func() {
			resp, err := http.Get(f.URL + "/v2/reports/records?account_id=" + f.APIKey + "&product=SMS&direction=inbound")
			require.NoError(t, err)
			_ = resp.Body.Close()
		}, "Basic"},
		{"a path Vonage does not have", func() { get("/number/list", url.Values{}) }, "which the fake does not implement"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mu.Lock()
			problems = nil
			mu.Unlock()
			tt.send()
			mu.Lock()
			defer mu.Unlock()
			if tt.want == "" {
				assert.Empty(t, problems)
				return
			}
			require.NotEmpty(t, problems, "the fake let it through")
			assert.Contains(t, strings.Join(problems, "\n"), tt.want)
			assert.NotContains(t, strings.Join(problems, "\n"), f.APISecret, "the fake's reports keep the secret out too")
		})
	}
}
