package vonage

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/providers"
)

// `vnum auth login vonage` against a server that redirects: the secret (in the query) never
// reaches another host, neither in the URL nor in a Referer, and a same-host redirect carries
// no Referer either.
func TestVerifyRedirects(t *testing.T) {
	var stolen atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { stolen.Add(1) }))
	t.Cleanup(other.Close)
	var referer atomic.Value
	referer.Store("")
	away := true
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/account/get-balance" && away:
			http.Redirect(w, r, other.URL+"/collect", http.StatusFound)
		case r.URL.Path == "/account/get-balance":
			http.Redirect(w, r, "/landed?"+r.URL.RawQuery, http.StatusFound)
		default:
			referer.Store(r.Header.Get("Referer"))
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"value": 10.5, "autoReload": false}`))
		}
	}))
	t.Cleanup(srv.Close)
	s := settings(srv.URL, map[string]string{CredAPIKey: testKey, CredAPISecret: testSecret})

	_, err := verify(t.Context(), s)
	require.Error(t, err)
	assert.Zero(t, stolen.Load(), "the secret went to another host")
	assert.NotErrorIs(t, err, providers.ErrTemporary)
	assertNoSecret(t, err.Error())

	away = false
	_, err = verify(t.Context(), s)
	require.NoError(t, err)
	assert.Empty(t, referer.Load(), "a redirect carried a Referer (with the secret in its query)")
}
