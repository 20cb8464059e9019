// Package redact keeps a known secret out of text meant for people: error messages and dumps
// that might quote a request, a URL or a carrier's answer.
package redact

import (
	"encoding/json"
	"net/url"
	"regexp"
	"sort"
	"strings"
)

// Placeholder is what stands where a secret was.
const Placeholder = "[redacted]"

// String replaces secret in s, as written, as encoded in a URL query or path (either case of
// hex digits), and as a JSON string would carry each of those ("\u0026", "\/", …): a server
// echoing a request, or a JSON body quoting one, must not hand it back.
func String(s, secret string) string {
	if secret == "" {
		return s
	}
	for _, form := range forms(secret) {
		if strings.Contains(form, "%") {
			s = regexp.MustCompile("(?i)"+regexp.QuoteMeta(form)).ReplaceAllLiteralString(s, Placeholder)
			continue
		}
		s = strings.ReplaceAll(s, form, Placeholder)
	}
	return s
}

// forms are the ways secret may be written, longest first so that a form never leaves part of a
// longer one behind.
func forms(secret string) []string {
	var out []string
	seen := map[string]bool{}
	add := func(f string) {
		if f != "" && !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	for _, f := range []string{secret, url.QueryEscape(secret), url.PathEscape(secret)} {
		add(f)
		add(jsonString(f))
		add(strings.ReplaceAll(jsonString(f), "/", `\/`)) // JSON encoders that escape the slash
	}
	sort.SliceStable(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// jsonString is f as it stands between the quotes of a JSON string written by Go (which also
// escapes <, > and &).
func jsonString(f string) string {
	b, err := json.Marshal(f)
	if err != nil || len(b) < 2 {
		return f
	}
	return string(b[1 : len(b)-1])
}
