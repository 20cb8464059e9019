package twilio

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
)

// Every request carries the account's credentials, and twilio-go follows whatever next-page URL
// an answer names: only Twilio's own hosts over https (or the configured base URL) are reached.
func TestRequestsStayOnTwilio(t *testing.T) {
	base, _ := url.Parse("http://127.0.0.1:8080")
	tests := []struct {
		url  string
		base *url.URL
		ok   bool
	}{
		{"https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json", nil, true},
		{"https://studio.twilio.com/v2/Flows?Page=1&PageToken=PA1", nil, true},
		{"http://studio.twilio.com/v2/Flows?Page=1", nil, false},
		{"https://evil.example.com/v2/Flows?Page=1", nil, false},
		{"https://twilio.com.evil.example/v2/Flows", nil, false},
		{"http://127.0.0.1:5999/v2/Flows", nil, false},
		{"http://127.0.0.1:8080/v2/Flows", base, true},
		{"https://api.twilio.com/2010-04-01/Accounts/AC1.json", base, false},
	}
	for _, tt := range tests {
		u, _ := url.Parse(tt.url)
		bt := &boundTransport{op: "list", policy: (&Provider{baseURL: tt.base}).policy()}
		err := bt.checkHost(&http.Request{Method: http.MethodGet, URL: u})
		if tt.ok {
			assert.NoError(t, err, tt.url)
		} else {
			assert.ErrorContains(t, err, "not followed", tt.url)
		}
	}
}
