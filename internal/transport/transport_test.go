package transport

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const secret = "s3cr3t-T0KEN-value"

func TestDebugDumpRedactsCredentials(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "vnum/test", r.UserAgent())
		w.Header().Set("Set-Cookie", "session="+secret)
		_, _ = io.WriteString(w, `{"auth_token":"`+secret+`","ok":true}`)
	}))
	defer srv.Close()
	var dump bytes.Buffer
	c := NewClient(Options{UserAgent: "vnum/test", Debug: true, DebugOut: &dump})

	form := url.Values{"api_key": {"key1"}, "api_secret": {secret}, "to": {"+33612345678"}}
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/sms/json?api_secret="+secret+"&x=1", strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("AC123", secret)
	req.Header.Set("Authorization", "Bearer "+secret)
	resp, err := c.Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Contains(t, string(body), secret, "the caller still gets the real response")

	out := dump.String()
	assert.NotContains(t, out, secret)
	assert.Contains(t, out, "POST /sms/json", "the dump is still useful")
	assert.Contains(t, out, "to=%2B33612345678")
	assert.Contains(t, out, "[redacted]")
}

func TestNoDumpUnlessAsked(t *testing.T) {
	assert.True(t, DebugEnabled("api"))
	assert.True(t, DebugEnabled("sql,api"))
	assert.False(t, DebugEnabled(""))
	assert.False(t, DebugEnabled("0"))
}

func TestProxyFromEnvironment(t *testing.T) {
	proxied := make(chan string, 1)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proxied <- r.URL.String()
		_, _ = io.WriteString(w, "via proxy")
	}))
	defer proxy.Close()
	t.Setenv("HTTP_PROXY", proxy.URL)
	t.Setenv("NO_PROXY", "")
	c := NewClient(Options{})
	resp, err := c.Get("http://carrier.invalid/v1/numbers")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, "http://carrier.invalid/v1/numbers", <-proxied)
}

// An answer that quotes the request back (its query, with Vonage's api_secret) under a name the
// dump does not know is still scrubbed of the secrets in use, in every encoding.
func TestDebugDumpRemovesKnownSecretValues(t *testing.T) {
	const value = "S3cr+t/Echo=1"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"error-code-label":"refused `+r.URL.RawQuery+` `+r.URL.Query().Get("api_secret")+`"}`)
	}))
	defer srv.Close()
	var dump bytes.Buffer
	c := NewClient(Options{Debug: true, DebugOut: &dump, Secrets: func() []string { return []string{value} }})
	resp, err := c.Get(srv.URL + "/x?" + url.Values{"api_secret": {value}}.Encode())
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Contains(t, dump.String(), "refused")
	for _, form := range []string{value, url.QueryEscape(value), url.PathEscape(value)} {
		assert.NotContains(t, dump.String(), form)
	}
}

// A proxy that will not open the tunnel (here 407, wanting credentials of its own) is named as
// the one refusing, with HTTPS_PROXY, and never with the password HTTPS_PROXY carries; net/http
// alone says only "Proxy Authentication Required", which reads like a carrier's word.
func TestProxyRefusalNamesTheProxy(t *testing.T) {
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, http.MethodConnect, r.Method)
		w.Header().Set("Proxy-Authenticate", `Basic realm="corp"`)
		w.WriteHeader(http.StatusProxyAuthRequired)
	}))
	defer proxy.Close()
	u, err := url.Parse(proxy.URL)
	require.NoError(t, err)
	u.User = url.UserPassword("alice", secret)
	t.Setenv("HTTPS_PROXY", u.String())
	t.Setenv("NO_PROXY", "")

	// The carrier's host is never dialled: the proxy refuses before any name is looked up.
	_, err = NewClient(Options{}).Get("https://api.carrier.example/v1/numbers")
	var refused *ProxyRefusedError
	require.ErrorAs(t, err, &refused)
	assert.Equal(t, http.StatusProxyAuthRequired, refused.Status)
	assert.Equal(t, "api.carrier.example:443", refused.Target)
	assert.Contains(t, err.Error(), "the proxy "+u.Host+" (HTTPS_PROXY) refused to connect to api.carrier.example:443: 407")
	assert.NotContains(t, err.Error(), secret)
}

// An HTTPS_PROXY that is not a URL (here a password with a '#' not percent-encoded) fails the
// request, saying so without its value. httpproxy alone reads it as a proxy named "http" (or,
// for other faults, as no proxy at all, and vnum went straight to the carrier around the proxy).
func TestMalformedProxyURLFailsWithoutQuotingIt(t *testing.T) {
	t.Setenv("HTTPS_PROXY", "http://alice:"+secret+"#1@127.0.0.1:3128")
	t.Setenv("NO_PROXY", "")
	_, err := NewClient(Options{}).Get("https://api.carrier.example/v1/numbers")
	var bad *ProxyURLError
	require.ErrorAs(t, err, &bad)
	assert.Equal(t, bad, ProxyProblem(err))
	assert.Contains(t, err.Error(), "HTTPS_PROXY is not a proxy URL")
	assert.NotContains(t, err.Error(), secret)

	// What the proxy would not have carried anyway (a loopback host) still goes straight there.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	resp, err := NewClient(Options{}).Get(srv.URL)
	require.NoError(t, err)
	resp.Body.Close()
}

func TestValidProxyURL(t *testing.T) {
	for raw, want := range map[string]bool{
		"":                                 true,
		"http://proxy.corp:3128":           true,
		"proxy.corp:3128":                  true, // no scheme: http, as httpproxy reads it
		"http://alice:p%23ss@proxy.corp:8": true,
		"http://alice:p#ss@proxy.corp:8":   false,
		"http://alice:p ss@proxy.corp:8":   false,
		"http://alice:p%zz@proxy.corp:8":   false,
		"http://":                          false,
	} {
		assert.Equal(t, want, validProxyURL(raw), raw)
	}
}
