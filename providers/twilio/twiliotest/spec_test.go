package twiliotest_test

import (
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/providers/twilio/twiliotest"
)

// The fake's checks are only worth something if they catch what breaks Twilio's documents:
// requests vnum must never send are reported, and correct ones are not.
func TestValidationCatchesBadRequests(t *testing.T) {
	wd, err := os.Getwd()
	require.NoError(t, err)
	dir, looked, err := twiliotest.FindSpecsDir(os.Getenv, wd)
	require.NoError(t, err)
	if dir == "" {
		t.Skipf("Twilio's documents not found (looked in %s)", strings.Join(looked, ", "))
	}
	specs, err := twiliotest.LoadSpecs(dir)
	require.NoError(t, err)

	var mu sync.Mutex
	var problems []string
	f := twiliotest.New(t, twiliotest.WithSpecs(specs), twiliotest.WithReporter(func(p string) {
		mu.Lock()
		defer mu.Unlock()
		problems = append(problems, p)
	}))
	owned := f.Seed("US", "Local", 1)[0]
	account := "/2010-04-01/Accounts/" + f.AccountSID
	send := func(method, path string, form url.Values, auth bool) {
		var body *strings.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		} else {
			body = strings.NewReader("")
		}
		req, err := http.NewRequest(method, f.URL+path, body)
		require.NoError(t, err)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		if auth {
			req.SetBasicAuth(f.AccountSID, f.AuthToken)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		_ = resp.Body.Close()
	}
	tests := []struct {
		name         string
		method, path string
		form         url.Values
		noAuth       bool
		want         string // "" means no problem
	}{
		{name: "a good search", method: "GET", path: account + "/AvailablePhoneNumbers/US/Local.json?SmsEnabled=true&PageSize=20"},
		{name: "a good webhook update", method: "POST", path: account + "/IncomingPhoneNumbers/" + owned + ".json",
			form: url.Values{"SmsUrl": {"https://webhooks.twilio.com/v1/Accounts/" + f.AccountSID + "/Flows/FW0123456789abcdef0123456789abcdef"}}},
		{name: "a country code in lower case", method: "GET", path: account + "/AvailablePhoneNumbers/us/Local.json", want: `parameter "CountryCode"`},
		{name: "a webhook that is not an http(s) URL", method: "POST", path: account + "/IncomingPhoneNumbers/" + owned + ".json",
			form: url.Values{"VoiceUrl": {"ftp://example.com/voice"}}, want: `"/VoiceUrl"`},
		{name: "a message to something that is not a phone number", method: "POST", path: account + "/Messages.json",
			form: url.Values{"To": {"12345"}, "From": {"+12025550143"}, "Body": {"x"}}, want: `"/To"`},
		{name: "no credentials", method: "GET", path: account + "/IncomingPhoneNumbers.json", noAuth: true, want: "no HTTP basic Authorization header"},
		{name: "a path Twilio does not have", method: "GET", path: account + "/NotAResource.json", want: "which the fake does not implement"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mu.Lock()
			problems = nil
			mu.Unlock()
			send(tt.method, tt.path, tt.form, !tt.noAuth)
			mu.Lock()
			defer mu.Unlock()
			if tt.want == "" {
				assert.Empty(t, problems)
				return
			}
			require.NotEmpty(t, problems, "the fake let it through")
			assert.Contains(t, strings.Join(problems, "\n"), tt.want)
		})
	}
}
