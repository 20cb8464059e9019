// Package httppolicy is the one rule for where a carrier adapter's requests, and so the
// credentials they carry, may go. Every carrier adapter (Twilio, Telnyx, Vonage, and any that
// follows) sends through a client built here:
//
//	base, override, err := Descriptor().Endpoint.Resolve(s) // override: nil when not overridden
//	pol := httppolicy.Policy{Carrier: Name, Title: "Telnyx", Hosts: []string{"api.telnyx.com"}, Base: override}
//	hc := pol.Client(&http.Client{Transport: httpretry.Over(s.Client(), 30*time.Second)})
//
// The rule:
//   - a request goes over https to one of the carrier's own hosts, on the default port; or, with
//     a base-URL override, to that URL's scheme and host (port included) and nowhere else;
//   - http (credentials in clear) only through an explicit base URL naming a loopback host
//     (localhost, 127.0.0.0/8, ::1), which is what tests and local recording proxies use;
//     ParseBaseURL refuses any other http base URL;
//   - a redirect is followed only to the scheme and host of the request that got it, and only
//     when that target passes the rule too: never to another host or port, never https→http;
//   - no request carries a Referer (Go's client adds one on redirects, and a carrier that takes
//     credentials in the query, as Vonage's REST API does, would hand them to the target);
//   - no cookie jar: a carrier's Set-Cookie is not kept.
//
// A refused request fails with a *RefusedError before anything is sent; httperr.NoAnswer
// reports it as a plain (not temporary) carrier error. Retrying is not this package's job: see
// providers/internal/httpretry.
package httppolicy

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// maxRedirects is as many as net/http follows by default.
const maxRedirects = 10

// Policy says where one carrier's requests may go. The zero Hosts with a nil Base allows nothing.
type Policy struct {
	// Carrier is the carrier's registry name ("telnyx"); Title how people write it ("Telnyx").
	Carrier, Title string
	// Hosts are the carrier's own hosts, reached over https on the default port:
	// "api.telnyx.com" matches that host only, ".twilio.com" twilio.com and every host under it.
	Hosts []string
	// Base is the base-URL override in effect (see ParseBaseURL), nil for the carrier's own hosts.
	// With it, requests may go to its scheme and host only, whatever Hosts says.
	Base *url.URL
}

// RefusedError is a request the policy did not let out: it was never sent.
type RefusedError struct {
	Carrier, Title string
	Target         string // scheme://host of the refused request, never its path or query
	Redirect       bool   // the target came from a redirect
	Reason         string
}

func (e *RefusedError) Error() string {
	how := "a request to"
	if e.Redirect {
		how = fmt.Sprintf("%s's answer redirected vnum to", e.Title)
	}
	return fmt.Sprintf("%s %s not sent (%s): the credentials stay with %s", how, e.Target, e.Reason, e.Title)
}

// Check reports whether a request to u may be sent with the carrier's credentials.
func (p Policy) Check(u *url.URL) error {
	if reason := p.reject(u); reason != "" {
		return &RefusedError{Carrier: p.Carrier, Title: p.Title, Target: target(u), Reason: reason}
	}
	return nil
}

func (p Policy) reject(u *url.URL) string {
	if u == nil {
		return "no URL"
	}
	if p.Base != nil {
		if !strings.EqualFold(u.Scheme, p.Base.Scheme) || !strings.EqualFold(u.Host, p.Base.Host) {
			return fmt.Sprintf("not the base URL %s", target(p.Base))
		}
		return ""
	}
	if u.Scheme != "https" {
		return "not https"
	}
	if port := u.Port(); port != "" && port != "443" {
		return "not the https port"
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	for _, h := range p.Hosts {
		h = strings.ToLower(h)
		if host == strings.TrimPrefix(h, ".") || (strings.HasPrefix(h, ".") && strings.HasSuffix(host, h)) {
			return ""
		}
	}
	return fmt.Sprintf("not a %s host", p.Title)
}

// CheckRedirect is an http.Client CheckRedirect: it follows a redirect only to the scheme and
// host of the original request, and only where Check allows, and drops the Referer net/http set.
func (p Policy) CheckRedirect(req *http.Request, via []*http.Request) error {
	req.Header.Del("Referer")
	if len(via) >= maxRedirects {
		return fmt.Errorf("%s: stopped after %d redirects", p.Title, maxRedirects)
	}
	refused := func(reason string) error {
		return &RefusedError{Carrier: p.Carrier, Title: p.Title, Target: target(req.URL), Redirect: true, Reason: reason}
	}
	if len(via) > 0 {
		from := via[0].URL
		if !strings.EqualFold(req.URL.Scheme, from.Scheme) {
			return refused("another scheme than " + from.Scheme)
		}
		if !strings.EqualFold(req.URL.Host, from.Host) {
			return refused("another host than " + from.Host)
		}
	}
	if reason := p.reject(req.URL); reason != "" {
		return refused(reason)
	}
	return nil
}

// Transport wraps next (nil: http.DefaultTransport) so that every request, a next-page URL or
// a redirect's included, is checked before it is sent, and none carries a Referer.
func (p Policy) Transport(next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return &guard{p: p, next: next}
}

// Client returns a client that sends through base's transport under the policy, keeping base's
// timeout; base may be nil. base itself is not changed.
func (p Policy) Client(base *http.Client) *http.Client {
	c := &http.Client{}
	if base != nil {
		c.Transport, c.Timeout = base.Transport, base.Timeout
	}
	c.Transport = p.Transport(c.Transport)
	c.CheckRedirect = p.CheckRedirect
	return c
}

type guard struct {
	p    Policy
	next http.RoundTripper
}

func (g *guard) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := g.p.Check(req.URL); err != nil {
		if req.Body != nil {
			_ = req.Body.Close() // a RoundTripper must close the body, even on error
		}
		return nil, err
	}
	if req.Header.Get("Referer") != "" {
		req = req.Clone(req.Context())
		req.Header.Del("Referer")
	}
	return g.next.RoundTrip(req)
}

// ParseBaseURL checks a base-URL override read from name (an environment variable or config
// key, for the message): an absolute https URL, or http to a loopback host; an optional path
// prefix is kept, a trailing slash, user info, query and fragment are dropped. An empty raw gives
// nil: no override. Errors never quote user info (which may hold a password).
func ParseBaseURL(name, raw string) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Opaque != "" {
		return nil, fmt.Errorf("%s %q is not an http(s) URL", name, redactUserinfo(raw))
	}
	u.User, u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = nil, "", false, "", ""
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	if u.Scheme == "http" && !IsLoopback(u.Hostname()) {
		return nil, fmt.Errorf("%s %q is http to a host that is not this machine: credentials would travel in clear; use https (http is accepted only for localhost)", name, u.String())
	}
	return u, nil
}

// IsLoopback reports a host name that can only be this machine: localhost or a loopback address.
func IsLoopback(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// IsRefused reports an error from a request the policy refused.
func IsRefused(err error) bool {
	var r *RefusedError
	return errors.As(err, &r)
}

func target(u *url.URL) string {
	return u.Scheme + "://" + u.Host
}

// redactUserinfo hides what stands between "://" and the first "@" before the host's end.
func redactUserinfo(raw string) string {
	i := strings.Index(raw, "://")
	if i < 0 {
		return raw
	}
	rest := raw[i+3:]
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	if at := strings.LastIndex(rest[:end], "@"); at >= 0 {
		return raw[:i+3] + "[redacted]@" + rest[at+1:]
	}
	return raw
}
