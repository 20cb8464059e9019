package auth

import (
	"errors"
	"fmt"

	"github.com/vnum-cli/vnum/providers"
)

// Optional finds one optional credential value (providers.Credential.Optional: the Telnyx
// public key) for provider and profile: its environment variables (and their _FILE forms)
// first, then the credential saved for the profile (keyring, then insecure file). The value
// is looked up on its own, so a key saved at login is found even while the API key comes from
// the environment, and a variable set for it wins over what was saved.
//
// It returns "" and no error when the value is set nowhere. The error says why a store could
// not be read (a secret file, an unreachable keyring, a corrupt entry); it never quotes a value.
func (m *Manager) Optional(provider, profile, key string) (string, Source, error) {
	if profile == "" {
		profile = DefaultProfile
	}
	c, ok := lookupCarrier(m.reg, provider)
	if !ok {
		return "", "", unknownProvider(m.reg, provider)
	}
	if err := ValidateProfile(profile); err != nil {
		return "", "", err
	}
	f, ok := optionalField(c, key)
	if !ok {
		return "", "", fmt.Errorf("%s credentials have no optional %s", provider, key)
	}
	v, err := m.lookupEnv(f)
	if err != nil {
		return "", "", err
	}
	if v.value != "" {
		if v.fromFile {
			return v.value, SourceFile, nil
		}
		return v.value, SourceEnv, nil
	}
	cred, found, keyringErr := m.fromKeyring(c, profile)
	if found {
		return cred.Values[key], optionalSource(cred, key), nil
	}
	var corrupt *corruptEntryError
	if errors.As(keyringErr, &corrupt) {
		return "", "", keyringErr
	}
	cred, found, err = m.fromInsecure(c, profile)
	switch {
	case err != nil:
		return "", "", err
	case found:
		return cred.Values[key], optionalSource(cred, key), nil
	case keyringErr != nil:
		return "", "", &keyringReadError{keyringErr}
	}
	return "", "", nil
}

// keyringReadError is a keyring that could not be asked; it matches ErrKeyringUnavailable and
// reads as Lookup's MissingError says it, so a command that shows both shows it once.
type keyringReadError struct{ err error }

func (e *keyringReadError) Error() string   { return "the keyring could not be read: " + e.err.Error() }
func (e *keyringReadError) Unwrap() []error { return []error{ErrKeyringUnavailable, e.err} }

func optionalSource(c Credential, key string) Source {
	if c.Values[key] == "" {
		return ""
	}
	return c.Source
}

// optionalField is the carrier's optional value key.
func optionalField(c carrier, key string) (providers.Credential, bool) {
	for _, s := range c.Auth {
		for _, f := range s.Fields {
			if f.Key == key && f.Optional {
				return f, true
			}
		}
	}
	return providers.Credential{}, false
}

// OptionalFields lists the optional values of provider's credentials (each once, in the order
// of its credential sets): what `vnum auth status` reports as set or not.
func (m *Manager) OptionalFields(provider string) []providers.Credential {
	c, ok := lookupCarrier(m.reg, provider)
	if !ok {
		return nil
	}
	var out []providers.Credential
	seen := map[string]bool{}
	for _, s := range c.Auth {
		for _, f := range s.Fields {
			if f.Optional && !seen[f.Key] {
				seen[f.Key] = true
				out = append(out, f)
			}
		}
	}
	return out
}
