package telnyx

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/providers"
)

// `vnum auth login telnyx` against a server that redirects: the key never reaches another port
// (nor anything else), a same-host redirect carries no Referer, and the refusal is not "try
// again later".
func TestVerifyRedirects(t *testing.T) {
	var stolen atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { stolen.Add(1) }))
	t.Cleanup(other.Close)
	var referer atomic.Value
	referer.Store("")
	away := true
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == balancePath && away:
			http.Redirect(w, r, other.URL+balancePath, http.StatusTemporaryRedirect)
		case r.URL.Path == balancePath:
			http.Redirect(w, r, "/landed", http.StatusFound)
		default:
			referer.Store(r.Header.Get("Referer"))
			_, _ = w.Write([]byte(balanceOK))
		}
	}))
	t.Cleanup(srv.Close)
	s := settings(srv.URL, map[string]string{CredAPIKey: testKey})

	_, err := Verify(t.Context(), s)
	require.Error(t, err)
	assert.Zero(t, stolen.Load(), "the key went to another port")
	assert.NotErrorIs(t, err, providers.ErrTemporary)
	assert.Contains(t, err.Error(), "credentials stay with Telnyx")
	assert.NotContains(t, err.Error(), testKey)

	away = false
	_, err = Verify(t.Context(), s)
	require.NoError(t, err)
	assert.Empty(t, referer.Load(), "a redirect carried a Referer")
}

// An http base URL to a host that is not this machine would send the key in clear: refused
// before anything is sent, with the URL's user info not echoed.
func TestVerifyRefusesClearTextBaseURL(t *testing.T) {
	_, err := Verify(t.Context(), settings("http://user:hunter2@gateway.example", map[string]string{CredAPIKey: testKey}))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "in clear")
	assert.False(t, strings.Contains(err.Error(), "hunter2"), err.Error())
}
