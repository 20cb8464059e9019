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
