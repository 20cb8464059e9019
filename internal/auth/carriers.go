package auth

import (
	"fmt"
	"slices"
	"strings"

	"github.com/vnum-cli/vnum/providers"
)

// carrier is what vnum knows about one carrier's credentials: its providers.Descriptor, the
// only place they are described. The methods below read Descriptor.Auth.
type carrier struct{ providers.Descriptor }

// lookupCarrier returns the named carrier when it needs credentials.
func lookupCarrier(reg *providers.Registry, name string) (carrier, bool) {
	if reg == nil {
		return carrier{}, false
	}
	d, ok := reg.Lookup(name)
	if !ok || len(d.Auth) == 0 {
		return carrier{}, false
	}
	return carrier{d}, true
}

// secretField is the set's secret: the value login asks for with a hidden prompt.
func secretField(s providers.CredentialSet) providers.Credential {
	for _, f := range s.Fields {
		if f.Secret {
			return f
		}
	}
	return providers.Credential{}
}

// envNames lists the canonical variable of every needed field, for "set X and Y" hints.
func envNames(s providers.CredentialSet) []string {
	out := make([]string, 0, len(s.Fields))
	for _, f := range s.Fields {
		if !f.Optional {
			out = append(out, f.Env[0])
		}
	}
	return out
}

// Providers lists the carriers whose credentials vnum manages, in alphabetical order.
func Providers(reg *providers.Registry) []string {
	if reg == nil {
		return nil
	}
	return reg.WithAuth()
}

// match returns the set that values complete: each of its needed values non-empty, and no key
// of values outside it (its optional values may be absent).
func (c carrier) match(values map[string]string) (providers.CredentialSet, bool) {
	for _, s := range c.Auth {
		if fits(s, values) {
			return s, true
		}
	}
	return providers.CredentialSet{}, false
}

// fits reports whether values hold every value set needs and nothing else than its fields;
// skip is a key of set that values do not have to hold ("" for none).
func fits(set providers.CredentialSet, values map[string]string, skip ...string) bool {
	for k := range values {
		if !slices.ContainsFunc(set.Fields, func(f providers.Credential) bool { return f.Key == k }) {
			return false
		}
	}
	for _, f := range set.Fields {
		if !f.Optional && values[f.Key] == "" && !slices.Contains(skip, f.Key) {
			return false
		}
	}
	return true
}

// EnvHint says which variables to set, simplest set first:
// "TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (or TWILIO_ACCOUNT_SID, TWILIO_API_KEY and TWILIO_API_SECRET)".
func EnvHint(d providers.Descriptor) string {
	alts := make([]string, 0, len(d.Auth))
	for _, s := range slices.Backward(d.Auth) {
		alts = append(alts, joinAnd(envNames(s)))
	}
	switch len(alts) {
	case 0:
		return ""
	case 1:
		return alts[0]
	}
	return alts[0] + " (or " + strings.Join(alts[1:], ", or ") + ")"
}

func (c carrier) envHint() string { return EnvHint(c.Descriptor) }

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

// SecretFor returns the credential set that ids (the non-secret values given on the command
// line, such as account_sid and api_key, by key; optional ones such as Telnyx's public_key
// may be among them) complete with its secret, and that secret: what `vnum auth login` must
// ask for.
func SecretFor(reg *providers.Registry, provider string, ids map[string]string) (providers.CredentialSet, providers.Credential, error) {
	c, ok := lookupCarrier(reg, provider)
	if !ok {
		return providers.CredentialSet{}, providers.Credential{}, unknownProvider(reg, provider)
	}
	for _, s := range c.Auth {
		sf := secretField(s)
		if _, given := ids[sf.Key]; !given && fits(s, ids, sf.Key) {
			return s, sf, nil
		}
	}
	return providers.CredentialSet{}, providers.Credential{}, fmt.Errorf("%s credentials need %s", provider, c.idHint())
}

// idHint names the non-secret values each set needs: "account_sid, or account_sid and api_key".
func (c carrier) idHint() string {
	alts := make([]string, 0, len(c.Auth))
	for _, s := range slices.Backward(c.Auth) {
		var keys []string
		for _, f := range s.Fields {
			if !f.Secret && !f.Optional {
				keys = append(keys, f.Key)
			}
		}
		if len(keys) == 0 {
			keys = []string{"nothing but the " + secretField(s).Label}
		}
		alts = append(alts, joinAnd(keys))
	}
	return strings.Join(alts, ", or ")
}

func unknownProvider(reg *providers.Registry, name string) error {
	return fmt.Errorf("vnum keeps no credentials for %q: use one of %s", name, joinOr(Providers(reg)))
}

func joinOr(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// Title is the carrier's name as written in prose ("Twilio"), from its Descriptor; the name
// itself when unknown.
func Title(reg *providers.Registry, provider string) string {
	if reg != nil {
		if d, ok := reg.Lookup(provider); ok && d.Title != "" {
			return d.Title
		}
	}
	return provider
}

// Providers lists the carriers whose credentials m manages, in alphabetical order.
func (m *Manager) Providers() []string { return Providers(m.reg) }
