// Package redact keeps a known secret out of text meant for people: error messages and dumps
// that might quote a request, a URL or a carrier's answer.
package redact

import (
	"net/url"
	"strings"
)

// Placeholder is what stands where a secret was.
const Placeholder = "[redacted]"

// String replaces secret in s, as written and as encoded in a URL query or path.
func String(s, secret string) string {
	if secret == "" {
		return s
	}
	for _, form := range []string{secret, url.QueryEscape(secret), url.PathEscape(secret)} {
		s = strings.ReplaceAll(s, form, Placeholder)
	}
	return s
}
