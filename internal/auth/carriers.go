package auth

import (
	"fmt"
	"slices"
	"strings"
)

// field is one credential value: the key adapters read from providers.Settings.Credentials and the
// environment variables that may hold it (first the canonical name, then aliases).
type field struct {
	key    string
	label  string // what a person calls it: "auth token"
	env    []string
	secret bool
}

// shape is one complete way to authenticate with a carrier. Twilio has two: the account's auth
// token, or an API key and its secret.
type shape struct {
	name    string // "auth token", "API key"
	fields  []field
	account string // key of the non-secret account id shown to the user, "" for none
}

// secretField is the shape's secret: the value login asks for with a hidden prompt.
func (s shape) secretField() field {
	for _, f := range s.fields {
		if f.secret {
			return f
		}
	}
	return field{}
}

// envNames lists the canonical variable of every field, for "set X and Y" hints.
func (s shape) envNames() []string {
	out := make([]string, 0, len(s.fields))
	for _, f := range s.fields {
		out = append(out, f.env[0])
	}
	return out
}

// carrier is what vnum knows about one carrier's credentials.
type carrier struct {
	name   string
	title  string  // "Twilio"
	shapes []shape // in order of preference when several are complete
}

// carriers returns the credential table. It is built on each call rather than kept in a package
// variable so nothing can modify it.
func carriers() []carrier {
	twilioSID := field{key: "account_sid", label: "account SID", env: []string{"TWILIO_ACCOUNT_SID"}}
	return []carrier{
		{name: "telnyx", title: "Telnyx", shapes: []shape{{
			name:   "API key",
			fields: []field{{key: "api_key", label: "API key", env: []string{"TELNYX_API_KEY"}, secret: true}},
		}}},
		{name: "twilio", title: "Twilio", shapes: []shape{
			// The API key comes first: Twilio recommends keys, and twilio-cli prefers them when both
			// are in the environment. TWILIO_API_KEY_SECRET is the name Twilio's pricing docs use.
			{name: "API key", account: "account_sid", fields: []field{
				twilioSID,
				{key: "api_key", label: "API key SID", env: []string{"TWILIO_API_KEY"}},
				{key: "api_secret", label: "API key secret", env: []string{"TWILIO_API_SECRET", "TWILIO_API_KEY_SECRET"}, secret: true},
			}},
			{name: "auth token", account: "account_sid", fields: []field{
				twilioSID,
				{key: "auth_token", label: "auth token", env: []string{"TWILIO_AUTH_TOKEN"}, secret: true},
			}},
		}},
		{name: "vonage", title: "Vonage", shapes: []shape{{
			name: "API key", account: "api_key", fields: []field{
				{key: "api_key", label: "API key", env: []string{"VONAGE_API_KEY"}},
				{key: "api_secret", label: "API secret", env: []string{"VONAGE_API_SECRET"}, secret: true},
			},
		}}},
	}
}

// Providers lists the carriers whose credentials vnum manages, in alphabetical order.
func Providers() []string {
	cs := carriers()
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		out = append(out, c.name)
	}
	return out
}

func lookupCarrier(name string) (carrier, bool) {
	for _, c := range carriers() {
		if c.name == name {
			return c, true
		}
	}
	return carrier{}, false
}

// Title is the carrier's name as written in prose ("Twilio"); the name itself when unknown.
func Title(provider string) string {
	if c, ok := lookupCarrier(provider); ok {
		return c.title
	}
	return provider
}

// match returns the shape whose keys are exactly those of values, all non-empty.
func (c carrier) match(values map[string]string) (shape, bool) {
	for _, s := range c.shapes {
		if len(s.fields) != len(values) {
			continue
		}
		ok := true
		for _, f := range s.fields {
			if values[f.key] == "" {
				ok = false
				break
			}
		}
		if ok {
			return s, true
		}
	}
	return shape{}, false
}

// envHint says which variables to set, simplest shape first:
// "TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (or TWILIO_ACCOUNT_SID, TWILIO_API_KEY and TWILIO_API_SECRET)".
func (c carrier) envHint() string {
	alts := make([]string, 0, len(c.shapes))
	for _, s := range slices.Backward(c.shapes) {
		alts = append(alts, joinAnd(s.envNames()))
	}
	if len(alts) == 1 {
		return alts[0]
	}
	return alts[0] + " (or " + strings.Join(alts[1:], ", or ") + ")"
}

func joinAnd(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	default:
		return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
	}
}

// SecretFor returns the key and the human name of the secret that completes ids (the non-secret
// values given on the command line, such as account_sid and api_key) into one of provider's
// shapes: what `vnum auth login` must ask for.
func SecretFor(provider string, ids map[string]string) (key, label string, err error) {
	c, ok := lookupCarrier(provider)
	if !ok {
		return "", "", unknownProvider(provider)
	}
	for _, s := range c.shapes {
		sf := s.secretField()
		if len(s.fields) != len(ids)+1 {
			continue
		}
		complete := true
		for _, f := range s.fields {
			if f.key != sf.key && ids[f.key] == "" {
				complete = false
				break
			}
		}
		if complete {
			return sf.key, sf.label, nil
		}
	}
	return "", "", fmt.Errorf("%s credentials need %s", provider, c.idHint())
}

// idHint names the non-secret values each shape needs: "account_sid, or account_sid and api_key".
func (c carrier) idHint() string {
	alts := make([]string, 0, len(c.shapes))
	for _, s := range slices.Backward(c.shapes) {
		var keys []string
		for _, f := range s.fields {
			if !f.secret {
				keys = append(keys, f.key)
			}
		}
		if len(keys) == 0 {
			keys = []string{"nothing but the " + s.secretField().label}
		}
		alts = append(alts, joinAnd(keys))
	}
	return strings.Join(alts, ", or ")
}

func unknownProvider(name string) error {
	return fmt.Errorf("vnum keeps no credentials for %q: use one of %s", name, joinOr(Providers()))
}

func joinOr(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}
