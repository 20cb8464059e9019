package redact

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestString(t *testing.T) {
	const secret = "s3cr/t+token=="
	for in, want := range map[string]string{
		"token " + secret + " end":                 "token [redacted] end",
		"GET /x?api_secret=s3cr%2Ft%2Btoken%3D%3D": "GET /x?api_secret=[redacted]",
		"/path/s3cr%2Ft+token==":                   "/path/[redacted]",
		"nothing here":                             "nothing here",
	} {
		assert.Equal(t, want, String(in, secret), in)
	}
	assert.Equal(t, "as is", String("as is", ""))
}

// The forms a hostile or careless server echoes a secret in: inside a JSON-escaped query
// (`\u0026api_secret=…`), with lowercase hex, with JSON's escaped slash, or in a Bearer header.
func TestStringEchoedForms(t *testing.T) {
	const secret = "s3cr/t+<tok>&en"
	for _, in := range []string{
		`{"url": "/x?api_key=k\u0026api_secret=s3cr%2Ft%2B%3Ctok%3E%26en"}`,
		`{"url": "/x?api_secret=s3cr%2ft%2b%3ctok%3e%26en"}`,
		`{"echo": "s3cr\/t+\u003ctok\u003e\u0026en"}`,
		`{"echo": "s3cr/t+\u003ctok\u003e\u0026en"}`,
		"Authorization: Bearer s3cr/t+<tok>&en",
		"/path/s3cr%2Ft+%3Ctok%3E&en",
	} {
		out := String(in, secret)
		assert.Contains(t, out, Placeholder, in)
		for _, leak := range []string{"s3cr", "tok"} {
			assert.NotContains(t, out, leak, in)
		}
	}
}
