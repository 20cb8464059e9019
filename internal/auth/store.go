package auth

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/vnum-cli/vnum/internal/keyring"
)

// fromKeyring reads provider/profile from the keyring. found is false with a nil error when the
// keyring has no entry, and with the keyring's error when it could not be asked (the lookup then
// goes on to the insecure file). A corrupt entry is a *corruptEntryError.
func (m *Manager) fromKeyring(c carrier, profile string) (Credential, bool, error) {
	data, err := m.keyring.Get(serviceName(c.Name), profile)
	if errors.Is(err, keyring.ErrNotFound) {
		return Credential{}, false, nil
	}
	if err != nil {
		return Credential{}, false, err
	}
	where := fmt.Sprintf("keyring entry %s/%s", serviceName(c.Name), profile)
	e, err := unmarshalEntry(data, c, profile, where)
	if err != nil {
		return Credential{}, false, err
	}
	cred, err := decodeEntry(c, profile, e, SourceKeyring, where)
	if err != nil {
		return Credential{}, false, err
	}
	return cred, true, nil
}

// Save stores c in the keyring (to = SourceKeyring) or in the insecure file (to =
// SourceInsecure), replacing what the other store held for the same carrier and profile so that
// the credential just saved is the one used. It returns warnings for the user.
//
// Saving to the keyring never falls back to the file: when the keyring cannot be used the error
// wraps ErrKeyringUnavailable and nothing was written anywhere.
func (m *Manager) Save(c Credential, to Source) ([]string, error) {
	car, ok := lookupCarrier(m.reg, c.Provider)
	if !ok {
		return nil, unknownProvider(m.reg, c.Provider)
	}
	if c.Profile == "" {
		c.Profile = DefaultProfile
	}
	if err := ValidateProfile(c.Profile); err != nil {
		return nil, err
	}
	if _, ok := car.match(c.Values); !ok {
		return nil, fmt.Errorf("incomplete %s credentials: %s needs %s", c.Provider, c.Provider, car.idHint())
	}
	switch to {
	case SourceKeyring:
		return m.saveKeyring(c)
	case SourceInsecure:
		return m.saveInsecure(c)
	default:
		return nil, fmt.Errorf("credentials cannot be saved to the %s", to)
	}
}

func (m *Manager) saveKeyring(c Credential) ([]string, error) {
	data, err := json.Marshal(encodeEntry(c))
	if err != nil {
		return nil, fmt.Errorf("encode credentials: %w", err)
	}
	if err := m.keyring.Set(serviceName(c.Provider), c.Profile, string(data)); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKeyringUnavailable, err)
	}
	var warnings []string
	if err := m.setIndexed(c.Provider, c.Profile, true); err != nil {
		warnings = append(warnings, fmt.Sprintf("saved in the keyring, but `vnum auth status` may not list it: %v", err))
	}
	// Drop a plaintext copy of the same profile: it would only be a second, weaker copy.
	f, found, err := m.readInsecure()
	if err != nil {
		warnings = append(warnings, fmt.Sprintf("could not check the insecure credentials file: %v", err))
		return warnings, nil
	}
	if _, had := f.Credentials[c.Provider][c.Profile]; found && had {
		delete(f.Credentials[c.Provider], c.Profile)
		if err := m.writeInsecure(f); err != nil {
			warnings = append(warnings, fmt.Sprintf("could not remove the old plaintext copy from %s: %v", m.InsecureFile(), err))
		} else {
			warnings = append(warnings, fmt.Sprintf("removed the old plaintext copy from %s", m.InsecureFile()))
		}
	}
	return warnings, nil
}

func (m *Manager) saveInsecure(c Credential) ([]string, error) {
	f, _, err := m.readInsecure()
	if err != nil {
		return nil, err
	}
	if f.Credentials[c.Provider] == nil {
		f.Credentials[c.Provider] = map[string]map[string]string{}
	}
	f.Credentials[c.Provider][c.Profile] = encodeEntry(c)
	if err := m.writeInsecure(f); err != nil {
		return nil, err
	}
	warnings := []string{m.insecureWarning(c.Provider, true)}
	// A keyring entry for the same profile would be found first and shadow the new credential.
	// The keyring may well be unusable (that is why the file was chosen); then there is nothing to
	// remove, or nothing we can do about it but say so.
	switch err := m.keyring.Delete(serviceName(c.Provider), c.Profile); {
	case err == nil:
		warnings = append(warnings, "removed the previous credentials for this profile from the keyring")
	case errors.Is(err, keyring.ErrNotFound):
	default:
		if m.indexed(c.Provider, c.Profile) {
			warnings = append(warnings, fmt.Sprintf("the keyring may still hold older credentials for this profile, "+
				"which would be used first (%v); run `vnum auth logout %s` when it is reachable", err, c.Provider))
		}
	}
	_ = m.setIndexed(c.Provider, c.Profile, false)
	return warnings, nil
}

func (m *Manager) indexed(provider, profile string) bool {
	idx, err := m.readIndex()
	return err == nil && slices.Contains(idx.Profiles[provider], profile)
}

// DeleteResult says what Delete removed.
type DeleteResult struct {
	Removed  []Source // the stores that held the credential and no longer do
	Warnings []string
}

// Delete removes provider/profile from every store vnum writes: the keyring and the insecure file
// (the environment is the user's to change). A keyring that cannot be reached is an error only
// when vnum knows it saved this profile there; otherwise it is a warning.
func (m *Manager) Delete(provider, profile string) (DeleteResult, error) {
	var res DeleteResult
	if _, ok := lookupCarrier(m.reg, provider); !ok {
		return res, unknownProvider(m.reg, provider)
	}
	if profile == "" {
		profile = DefaultProfile
	}
	if err := ValidateProfile(profile); err != nil {
		return res, err
	}

	var errs []error
	f, found, err := m.readInsecure()
	switch {
	case err != nil:
		errs = append(errs, err)
	case found:
		if _, had := f.Credentials[provider][profile]; had {
			delete(f.Credentials[provider], profile)
			if err := m.writeInsecure(f); err != nil {
				errs = append(errs, err)
			} else {
				res.Removed = append(res.Removed, SourceInsecure)
			}
		}
	}

	wasIndexed := m.indexed(provider, profile)
	switch err := m.keyring.Delete(serviceName(provider), profile); {
	case err == nil:
		res.Removed = append(res.Removed, SourceKeyring)
		_ = m.setIndexed(provider, profile, false)
	case errors.Is(err, keyring.ErrNotFound):
		_ = m.setIndexed(provider, profile, false)
	case wasIndexed:
		errs = append(errs, fmt.Errorf("the credentials saved in the keyring could not be removed: %w", err))
	default:
		res.Warnings = append(res.Warnings, fmt.Sprintf("could not check the keyring: %v", err))
	}
	return res, errors.Join(errs...)
}

// Profiles lists provider's profiles saved by vnum (keyring and insecure file), sorted. Profiles
// the environment provides are not listed: the environment applies to every profile.
func (m *Manager) Profiles(provider string) ([]string, error) {
	var out []string
	var errs []error
	idx, err := m.readIndex()
	if err != nil {
		errs = append(errs, err)
	}
	out = append(out, idx.Profiles[provider]...)
	f, _, err := m.readInsecure()
	if err != nil {
		errs = append(errs, err)
	}
	for p := range f.Credentials[provider] {
		out = append(out, p)
	}
	slices.Sort(out)
	return slices.Compact(out), errors.Join(errs...)
}
