package telnyx

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/providers"
)

// FuzzStatusError feeds Telnyx's error parser any answer: it never panics, always says
// something, keeps the carrier's name, and a 401 is always a credentials problem.
func FuzzStatusError(f *testing.F) {
	f.Add(401, `{"errors":[{"code":"10009","title":"Authentication failed","detail":"bad key"}]}`)
	f.Add(429, `{"errors":[{"code":"10011","title":"Too many requests"}]}`)
	f.Add(422, `{"errors":[{"code":"85000","title":"Must search phone number via search API first"},{"code":"10015","title":"Bad Request"}]}`)
	f.Add(402, `{"errors":[{"code":10038,"title":"Payment required","detail":"Insufficient balance"}]}`)
	f.Add(503, `<html>down</html>`)
	f.Add(500, `{"errors":[]}`)
	f.Fuzz(func(t *testing.T, status int, body string) {
		if status < 100 || status > 999 {
			t.Skip()
		}
		resp := &http.Response{StatusCode: status, Header: http.Header{"X-Ratelimit-Reset": {"3"}}}
		e := statusError("search", resp, []byte(body))
		require.NotNil(t, e)
		assert.NotEmpty(t, e.Message)
		assert.True(t, strings.HasPrefix(e.Error(), "telnyx search: "), e.Error())
		if status == http.StatusUnauthorized {
			assert.ErrorIs(t, e, providers.ErrUnauthorized)
		}
		if e.Kind == providers.ErrRateLimited {
			assert.Positive(t, e.Retry)
		}
	})
}
