package telnyxtest

import (
	"bytes"
	"net/http"
	"os"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The fake's validation is what makes it honest: requests outside Telnyx's document are reported.
func TestValidationReportsBreaks(t *testing.T) {
	wd, err := os.Getwd()
	require.NoError(t, err)
	dir, looked, err := FindSpecsDir(os.Getenv, wd)
	require.NoError(t, err)
	if dir == "" {
		t.Skipf("Telnyx's document not found (looked in %v)", looked)
	}
	specs, err := LoadSpecs(dir)
	require.NoError(t, err)
	var mu sync.Mutex
	var problems []string
	f := New(t, WithSpecs(specs), WithReporter(func(p string) {
		mu.Lock()
		defer mu.Unlock()
		problems = append(problems, p)
	}))
	send := func(method, path, body string) {
		req, err := http.NewRequest(method, f.URL+path, bytes.NewBufferString(body))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+f.APIKey)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		_ = resp.Body.Close()
	}
	count := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(problems)
	}

	send("GET", "/v2/phone_numbers?page[number]=1&page[size]=250", "")
	send("GET", "/v2/available_phone_numbers?filter[country_code]=US&filter[features][]=sms", "")
	send("GET", "/v2/detail_records?filter[record_type]=messaging&filter[cld]=%2B12025550143", "")
	require.Zero(t, count(), "documented requests: %v", problems)

	for _, c := range []struct{ why, method, path, body string }{
		{"a page larger than the document allows", "GET", "/v2/phone_numbers?page[size]=1000", ""},
		{"a type the document does not list", "GET", "/v2/available_phone_numbers?filter[phone_number_type]=cheap", ""},
		{"a destination that is not a country code", "POST", "/v2/messaging_profiles", `{"name":"vnum","whitelisted_destinations":["*"]}`},
		{"a path outside the document", "GET", "/v2/not_a_path", ""},
	} {
		before := count()
		send(c.method, c.path, c.body)
		assert.Greater(t, count(), before, c.why)
	}
}
