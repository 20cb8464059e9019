// Package transport builds the HTTP client every carrier adapter uses: the standard transport
// (so HTTPS_PROXY, NO_PROXY and SSL_CERT_FILE work as in any Go program), a User-Agent, and an
// opt-in dump of requests and responses (VNUM_DEBUG=api) with every credential redacted.
package transport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/http/httpproxy"

	"github.com/vnum-cli/vnum/internal/lazyre"
	"github.com/vnum-cli/vnum/internal/redact"
)

// Options configure NewClient.
type Options struct {
	UserAgent string
	Debug     bool
	DebugOut  io.Writer
	Timeout   time.Duration // whole-request timeout; 0 means 60s
	// Secrets returns the credential values in use, which the dump removes wherever they
	// appear (a carrier's answer quoting a request, say), as written and URL-encoded; nil
	// means none are known beyond the parameter and header names redacted anyway.
	Secrets func() []string
}

// DebugEnabled reads VNUM_DEBUG: "api" (or a list containing it, or "1"/"all") turns the dump on.
func DebugEnabled(v string) bool {
	for _, p := range strings.Split(v, ",") {
		switch strings.TrimSpace(strings.ToLower(p)) {
		case "api", "1", "all", "true":
			return true
		}
	}
	return false
}

// NewClient returns the client adapters use.
func NewClient(o Options) *http.Client {
	base := http.DefaultTransport.(*http.Transport).Clone()
	proxy := proxyFunc()
	base.Proxy = func(r *http.Request) (*url.URL, error) { return proxy(r.URL) }
	base.OnProxyConnectResponse = proxyRefusal
	var rt http.RoundTripper = base
	if o.Debug && o.DebugOut != nil {
		rt = &debugTransport{next: rt, out: o.DebugOut, secrets: o.Secrets}
	}
	if o.UserAgent != "" {
		rt = &uaTransport{next: rt, ua: o.UserAgent}
	}
	timeout := o.Timeout
	if timeout == 0 {
		timeout = 60 * time.Second
	}
	return &http.Client{Transport: rt, Timeout: timeout}
}

// proxyFunc reads HTTPS_PROXY and NO_PROXY now, rather than through http.ProxyFromEnvironment,
// which caches the first values it sees for the life of the process. An HTTPS_PROXY that is not
// a URL fails every request it would have carried: httpproxy drops it without a word (or reads
// a password holding '#' or a space as the proxy's host name), and vnum would go around the
// proxy the user set, straight to the carrier.
func proxyFunc() func(*url.URL) (*url.URL, error) {
	cfg := httpproxy.FromEnvironment()
	proxy := cfg.ProxyFunc()
	if validProxyURL(cfg.HTTPSProxy) {
		return proxy
	}
	// Whether NO_PROXY (or a loopback host) exempts a request, asked of a well-formed stand-in.
	standIn := *cfg
	standIn.HTTPSProxy = "http://proxy.invalid"
	exempt := standIn.ProxyFunc()
	return func(u *url.URL) (*url.URL, error) {
		if p, _ := exempt(u); u.Scheme != "https" || p == nil {
			return proxy(u)
		}
		return nil, &ProxyURLError{}
	}
}

// validProxyURL reports an HTTPS_PROXY that is empty or names a host, with or without its
// scheme ("proxy.corp:3128" is read as http://proxy.corp:3128, as httpproxy reads it).
func validProxyURL(raw string) bool {
	if raw == "" {
		return true
	}
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	return err == nil && u.Hostname() != ""
}

// ProxyURLError is an HTTPS_PROXY that is not a proxy's URL. Its value is never quoted: it may
// hold a password.
type ProxyURLError struct{}

func (*ProxyURLError) Error() string {
	return "HTTPS_PROXY is not a proxy URL (its value is not shown: it may hold a password): write it as " +
		"http://host:port or http://user:password@host:port, with any %, #, @, / or space in the user or password percent-encoded"
}

// ProxyProblem returns the proxy's refusal or HTTPS_PROXY's fault found in err, nil for
// neither: nothing reached the carrier, and trying again meets the same answer.
func ProxyProblem(err error) error {
	var refused *ProxyRefusedError
	if errors.As(err, &refused) {
		return refused
	}
	var bad *ProxyURLError
	if errors.As(err, &bad) {
		return bad
	}
	return nil
}

// ProxyRefusedError is the proxy of HTTPS_PROXY refusing to open the tunnel to a carrier's host
// (its answer to CONNECT was not 200: 407 for its own credentials, 403 for its policy). Nothing
// reached the carrier, and asking again gets the same answer. net/http reports it as the bare
// status text ("Proxy Authentication Required"), which says neither who refused nor that
// retrying is no use.
type ProxyRefusedError struct {
	Proxy  string // the proxy's host:port, never the user and password HTTPS_PROXY may carry
	Target string // the host:port the tunnel was asked for
	Status int
}

func (e *ProxyRefusedError) Error() string {
	msg := fmt.Sprintf("the proxy %s (HTTPS_PROXY) refused to connect to %s: %d %s", e.Proxy, e.Target, e.Status, http.StatusText(e.Status))
	if e.Status == http.StatusProxyAuthRequired {
		msg += ": check the user and password in HTTPS_PROXY"
	}
	return msg
}

// proxyRefusal is the Transport's OnProxyConnectResponse: a refused CONNECT becomes a
// *ProxyRefusedError. The proxy's own status text is not quoted: it is the proxy's to choose.
func proxyRefusal(_ context.Context, proxyURL *url.URL, connect *http.Request, resp *http.Response) error {
	if resp.StatusCode == http.StatusOK {
		return nil
	}
	return &ProxyRefusedError{Proxy: proxyURL.Host, Target: connect.Host, Status: resp.StatusCode}
}

type uaTransport struct {
	next http.RoundTripper
	ua   string
}

func (t *uaTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("User-Agent", t.ua)
	return t.next.RoundTrip(r)
}

// Headers and parameters whose values are credentials in some carrier's API.
var (
	secretHeaders = []string{"Authorization", "Proxy-Authorization", "X-Api-Key", "Cookie", "Set-Cookie", "X-Twilio-Signature"}
	secretParams  = []string{"api_secret", "api_key", "auth_token", "password", "secret", "token", "AuthToken", "ApiSecret", "sig"}
	// jsonSecret catches credentials in JSON bodies: "api_secret": "…", "auth_token":"…".
	jsonSecret = lazyre.New(`(?i)("(?:api_secret|auth_token|secret|password|token|api_key)"\s*:\s*")[^"]*(")`)
)

type debugTransport struct {
	next    http.RoundTripper
	out     io.Writer
	secrets func() []string
	mu      sync.Mutex
}

// scrub removes the known secret values from dumped text.
func (t *debugTransport) scrub(s string) string {
	if t.secrets == nil {
		return s
	}
	for _, v := range t.secrets() {
		s = redact.String(s, v)
	}
	return s
}

func (t *debugTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	start := time.Now()
	reqDump := dumpRequest(r)
	resp, err := t.next.RoundTrip(r)
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprintf(t.out, "> %s\n", strings.ReplaceAll(strings.TrimSpace(t.scrub(reqDump)), "\n", "\n> "))
	if err != nil {
		fmt.Fprintf(t.out, "< error after %s: %s\n\n", time.Since(start).Round(time.Millisecond), t.scrub(Redact(err.Error())))
		return resp, err
	}
	b, derr := httputil.DumpResponse(resp, true)
	if derr != nil {
		fmt.Fprintf(t.out, "< (response not dumped: %v)\n\n", derr)
		return resp, nil
	}
	fmt.Fprintf(t.out, "< %s\n< (%s)\n\n", strings.ReplaceAll(strings.TrimSpace(t.scrub(redactDump(string(b)))), "\n", "\n< "),
		time.Since(start).Round(time.Millisecond))
	return resp, nil
}

func dumpRequest(r *http.Request) string {
	c := r.Clone(r.Context())
	for _, h := range secretHeaders {
		if c.Header.Get(h) != "" {
			c.Header.Set(h, "[redacted]")
		}
	}
	c.URL = redactURL(r.URL)
	if r.Body != nil && r.GetBody != nil {
		if body, err := r.GetBody(); err == nil {
			c.Body = body
		}
	} else {
		c.Body = nil
	}
	b, err := httputil.DumpRequestOut(c, c.Body != nil)
	if err != nil {
		return fmt.Sprintf("%s %s (not dumped: %v)", r.Method, c.URL.Redacted(), err)
	}
	return redactDump(string(b))
}

func redactURL(u *url.URL) *url.URL {
	c := *u
	c.User = nil
	q := c.Query()
	changed := false
	for _, p := range secretParams {
		if q.Has(p) {
			q.Set(p, "[redacted]")
			changed = true
		}
	}
	if changed {
		c.RawQuery = q.Encode()
	}
	return &c
}

// redactDump removes credentials from a dumped message: header values, form and query
// parameters, JSON fields.
func redactDump(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		for _, h := range secretHeaders {
			if len(l) > len(h) && strings.EqualFold(l[:len(h)+1], h+":") {
				lines[i] = h + ": [redacted]"
			}
		}
	}
	return Redact(strings.Join(lines, "\n"))
}

// Redact removes credential parameters (form or query encoded, or JSON) from s.
func Redact(s string) string {
	for _, p := range secretParams {
		re := regexp.MustCompile(`(?i)(^|[?&\s])(` + regexp.QuoteMeta(p) + `=)[^&\s]*`)
		s = re.ReplaceAllString(s, "${1}${2}[redacted]")
	}
	return jsonSecret.ReplaceAllString(s, "${1}[redacted]${2}")
}
