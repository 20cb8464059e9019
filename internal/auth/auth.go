// Package auth finds and keeps carrier credentials. Lookup order: the carriers' conventional
// environment variables (each also as <NAME>_FILE naming a file that holds the value, for container
// and systemd secrets), then the OS keyring, then the insecure file the user explicitly chose with
// `vnum auth login --insecure-storage`.
//
// vnum's credentials can spend its user's money and read their messages, so this package never
// falls back to plaintext on its own, never puts a secret in an error, and returns warnings for
// the commands to print instead of printing them.
package auth

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vnum-cli/vnum/internal/keyring"
	"github.com/vnum-cli/vnum/internal/lazyre"
	"github.com/vnum-cli/vnum/providers"
)

// Source says where a credential came from.
type Source string

const (
	SourceEnv      Source = "environment"
	SourceFile     Source = "secret file"
	SourceKeyring  Source = "keyring"
	SourceInsecure Source = "insecure file"
)

// DefaultProfile is the profile used when none is chosen.
const DefaultProfile = "default"

// ErrMissing means no credential was found anywhere.
var ErrMissing = errors.New("credentials missing")

// ErrKeyringUnavailable means the OS keyring could not be used (no D-Bus session, locked or stuck
// Secret Service, unsupported platform). Nothing was saved.
var ErrKeyringUnavailable = errors.New("the OS keyring is not available")

// Values are a credential's values by key (account_sid, auth_token, api_key, api_secret): what
// adapters read from providers.Settings.Credentials. Printing them with fmt shows only the keys.
type Values map[string]string

// String lists the keys, never the values, so a stray %v cannot leak a secret.
func (v Values) String() string {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return "[" + strings.Join(keys, " ") + ": redacted]"
}

// GoString is String, for %#v.
func (v Values) GoString() string { return v.String() }

// Credential is one carrier account's credentials.
type Credential struct {
	Provider string
	Profile  string
	Values   Values // account_sid, auth_token, api_key, api_secret, …
	Source   Source
	Account  string // the non-secret account identifier ("" when the carrier has none)
	// VerifiedAt is when `vnum auth login` last checked the credential with the carrier; zero when
	// it never did (saved with --no-verify, or read from the environment).
	VerifiedAt time.Time
	// Warning is for the user, to print on stderr: set when the credential was read from the
	// insecure file.
	Warning string
}

// Verified reports whether the carrier accepted the credential at login.
func (c Credential) Verified() bool { return !c.VerifiedAt.IsZero() }

// String describes the credential without its secret.
func (c Credential) String() string {
	s := fmt.Sprintf("%s/%s from %s", c.Provider, c.Profile, c.Source)
	if c.Account != "" {
		s += " (account " + c.Account + ")"
	}
	return s
}

// GoString is String, for %#v.
func (c Credential) GoString() string { return c.String() }

// Keyring is the OS keyring as the Manager uses it; *keyring.Keyring in production. Its not-found
// error must be keyring.ErrNotFound.
type Keyring interface {
	Get(service, user string) (string, error)
	Set(service, user, secret string) error
	Delete(service, user string) error
}

// Manager looks credentials up and stores them.
type Manager struct {
	reg       *providers.Registry // the carriers' credential sets
	configDir string
	env       func(string) string
	keyring   Keyring
	now       func() time.Time
}

// Option configures a Manager.
type Option func(*Manager)

// WithKeyring replaces the OS keyring (tests pass one over go-keyring's mock).
func WithKeyring(k Keyring) Option {
	return func(m *Manager) {
		if k != nil {
			m.keyring = k
		}
	}
}

// WithClock sets the clock used to stamp verifications.
func WithClock(now func() time.Time) Option {
	return func(m *Manager) {
		if now != nil {
			m.now = now
		}
	}
}

// NewManager returns a manager for the carriers of reg (what each needs is in its
// providers.Descriptor), reading env and keeping its files under configDir. It touches neither
// the keyring nor the disk until asked.
func NewManager(reg *providers.Registry, configDir string, env func(string) string, opts ...Option) *Manager {
	m := &Manager{reg: reg, configDir: configDir, env: env, keyring: keyring.New(), now: time.Now}
	for _, o := range opts {
		o(m)
	}
	return m
}

var profileRE = lazyre.New(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// ValidateProfile checks a profile name: letters, digits, '.', '_' and '-', at most 64, starting
// with a letter or digit (it becomes a keyring user name and a JSON key).
func ValidateProfile(profile string) error {
	if !profileRE.MatchString(profile) {
		return fmt.Errorf("invalid profile name %q: use letters, digits, '.', '_' and '-' (at most 64)", profile)
	}
	return nil
}

// ValidateTarget checks the carrier and profile a login or logout names ("" is the default
// profile), before anything is read or asked.
func ValidateTarget(reg *providers.Registry, provider, profile string) error {
	if !slices.Contains(Providers(reg), provider) {
		return fmt.Errorf("vnum keeps no credentials for %q: use one of %s", provider, strings.Join(Providers(reg), ", "))
	}
	if profile != "" {
		return ValidateProfile(profile)
	}
	return nil
}

func serviceName(provider string) string { return "vnum:" + provider }

// Lookup finds the credentials for provider and profile: environment, keyring, insecure file.
// Carriers that need no credentials (the sandbox) get an empty Credential and no error. When
// nothing is found the error wraps ErrMissing and says exactly what to run or set.
func (m *Manager) Lookup(provider, profile string) (Credential, error) {
	if profile == "" {
		profile = DefaultProfile
	}
	c, ok := lookupCarrier(m.reg, provider)
	if !ok {
		return Credential{Provider: provider, Profile: profile}, nil
	}
	if err := ValidateProfile(profile); err != nil {
		return Credential{}, err
	}
	env, err := m.fromEnv(c, profile)
	if err != nil {
		return Credential{}, fmt.Errorf("%s credentials from the environment: %w", provider, err)
	}
	if env.ok {
		return env.cred, nil
	}
	cred, found, keyringErr := m.fromKeyring(c, profile)
	if found {
		return cred, nil
	}
	var corrupt *corruptEntryError
	if errors.As(keyringErr, &corrupt) {
		return Credential{}, keyringErr
	}
	cred, found, err = m.fromInsecure(c, profile)
	if err != nil {
		return Credential{}, err
	}
	if found {
		return cred, nil
	}
	return Credential{}, missing(c, profile, env.set, keyringErr)
}

func missing(c carrier, profile string, set []string, keyringErr error) error {
	return &MissingError{Provider: c.Name, Profile: profile, hint: c.envHint(), set: set, KeyringErr: keyringErr}
}

// MissingError is the error Lookup returns when no store has the credentials. It matches
// ErrMissing with errors.Is, and its text says exactly what to run or set.
type MissingError struct {
	Provider string
	Profile  string
	// KeyringErr is why the keyring could not be read, when it could not; nil when it was read
	// and simply had nothing.
	KeyringErr error

	hint string   // the variables to set
	set  []string // the carrier's variables that are set, though not enough of them
}

func (e *MissingError) Error() string {
	login := "vnum auth login " + e.Provider
	if e.Profile != DefaultProfile {
		login += " --profile " + e.Profile
	}
	msg := fmt.Sprintf("%v: no %s credentials for profile %q: run `%s`, or set %s", ErrMissing, e.Provider, e.Profile, login, e.hint)
	if len(e.set) > 0 {
		msg += fmt.Sprintf("; only %s is set", joinAnd(e.set))
	}
	if e.KeyringErr != nil {
		msg += fmt.Sprintf("; the keyring could not be read: %v", e.KeyringErr)
	}
	return msg
}

// Is makes errors.Is(err, ErrMissing) true.
func (e *MissingError) Is(target error) bool { return target == ErrMissing }

// Unwrap exposes the keyring's error, if any.
func (e *MissingError) Unwrap() error { return e.KeyringErr }

// KeyringUsable checks that the keyring answers, with one read of provider's entry for profile.
// Login calls it before asking for a secret, so a user whose keyring is broken learns it at once,
// not after typing the secret. The error wraps ErrKeyringUnavailable.
func (m *Manager) KeyringUsable(provider, profile string) error {
	_, err := m.keyring.Get(serviceName(provider), profile)
	if err == nil || errors.Is(err, keyring.ErrNotFound) {
		return nil
	}
	return fmt.Errorf("%w: %w", ErrKeyringUnavailable, err)
}

// Alternatives says, as an indented list, what to do when the keyring cannot be used: the
// environment variables, their _FILE forms, or the explicit insecure file.
func Alternatives(reg *providers.Registry, provider string) string {
	c, ok := lookupCarrier(reg, provider)
	if !ok {
		return ""
	}
	return fmt.Sprintf("  - set %s in the environment; each may also be given as NAME_FILE, "+
		"the path of a file holding the value (container and systemd secrets)\n"+
		"  - or log in again with --insecure-storage to keep the credentials in a plaintext file only you can read", c.envHint())
}
