// Package config reads vnum's settings: defaults, then $VNUM_CONFIG_DIR/config.yaml (or
// $XDG_CONFIG_HOME/vnum/config.yaml), then VNUM_* environment variables. Flags override all of
// these in the commands. It is the only package that imports viper, and it uses its own instance.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/viper"

	"github.com/vnum-cli/vnum/internal/phone"
	"github.com/vnum-cli/vnum/internal/privfile"
)

// Keys users may set in config.yaml (and as VNUM_<KEY> in the environment).
const (
	KeyProvider  = "provider"   // default carrier
	KeyProfile   = "profile"    // default credential profile
	KeyCountry   = "country"    // default country for search/buy and for national notation
	KeyForwardTo = "forward_to" // default forwarding target for buy
	KeyTTL       = "ttl"        // default lifetime for bought numbers
	KeyPrompt    = "prompt"     // "disabled" turns every prompt off
	// KeyProviders holds each carrier's options: providers.<name>.<option>.
	KeyProviders = "providers"
	// KeyServe holds `vnum serve`'s settings: serve.listen, serve.public_url.
	KeyServe = "serve"
	// KeyServeListen is the address serve listens on (default 127.0.0.1:8080), and where `vnum
	// sandbox receive` finds it; VNUM_SERVE_LISTEN in the environment.
	KeyServeListen = "serve.listen"
	// KeyServePublicURL is the https URL carriers reach serve at; VNUM_SERVE_PUBLIC_URL.
	KeyServePublicURL = "serve.public_url"
	// KeyStore is where the store lives when not in the data directory: a postgres:// URL, for a
	// team or a CI fleet sharing one record; VNUM_STORE.
	KeyStore = "store"
	// KeyBlockAction is what a blocked caller gets: "reject" (the call ends at once, the
	// default) or "message" (a short "not available" message first); VNUM_BLOCK_ACTION.
	KeyBlockAction = "block.action"
	// KeyVoicemailGreeting is the text the carrier says before recording a voicemail;
	// VNUM_VOICEMAIL_GREETING. The default names nobody.
	KeyVoicemailGreeting = "voicemail.greeting"
)

// Values of block.action.
const (
	BlockReject  = "reject"
	BlockMessage = "message"
)

// DefaultProvider is the carrier used when nothing else is set: the local simulation, which
// costs nothing.
const DefaultProvider = "sandbox"

// Env is how the environment is read (os.Getenv in production).
type Env func(string) string

// Config is the resolved configuration.
type Config struct {
	v         *viper.Viper
	dir       string
	dataDir   string
	fileFound bool
	fromEnv   map[string]string // key → the VNUM_* variable that set it
}

// Error is a bad setting. It names where the setting was made, the file or the environment
// variable, so the user knows what to fix; commands exit 2 on it without pointing at --help,
// since no flag was wrong.
type Error struct {
	Where string // the file's path, or the variable ("VNUM_COUNTRY"); "" when not known
	Key   string // "country"; "" when the whole file is at fault, or when Err names the setting
	Err   error
}

func (e *Error) Error() string {
	switch {
	case e.Where == "" && e.Key == "":
		return e.Err.Error() // it names the setting itself
	case e.Where == "":
		return fmt.Sprintf("%s: %v", e.Key, e.Err)
	case e.Key == "" || strings.HasPrefix(e.Where, "VNUM_"):
		return fmt.Sprintf("%s: %v", e.Where, e.Err)
	default:
		return fmt.Sprintf("%s: %s: %v", e.Where, e.Key, e.Err)
	}
}

func (e *Error) Unwrap() error { return e.Err }

// Invalid returns the error for a bad value of key, naming where it was set: the VNUM_*
// variable, else the file.
func (c *Config) Invalid(key string, err error) error {
	if v, ok := c.fromEnv[key]; ok {
		return &Error{Where: v, Key: key, Err: err}
	}
	where := ""
	if c.fileFound {
		where = c.File()
	}
	return &Error{Where: where, Key: key, Err: err}
}

// Dirs returns vnum's configuration and data directories from the environment.
func Dirs(env Env) (configDir, dataDir string, err error) {
	home := env("HOME")
	if home == "" {
		if h, herr := os.UserHomeDir(); herr == nil {
			home = h
		}
	}
	configDir = env("VNUM_CONFIG_DIR")
	if configDir == "" {
		base := env("XDG_CONFIG_HOME")
		if base == "" {
			if d, derr := os.UserConfigDir(); derr == nil && env("HOME") == "" {
				base = d
			} else if home != "" {
				base = filepath.Join(home, ".config")
			}
		}
		if base == "" {
			return "", "", errors.New("cannot find a configuration directory: set VNUM_CONFIG_DIR or HOME")
		}
		configDir = filepath.Join(base, "vnum")
	}
	dataDir = env("VNUM_DATA_DIR")
	if dataDir == "" {
		base := env("XDG_DATA_HOME")
		if base == "" {
			if home == "" {
				return "", "", errors.New("cannot find a data directory: set VNUM_DATA_DIR or HOME")
			}
			base = filepath.Join(home, ".local", "share")
		}
		dataDir = filepath.Join(base, "vnum")
	}
	return configDir, dataDir, nil
}

// ConfigDir describes dir as vnum's configuration directory for privfile's checks and messages.
func ConfigDir(dir string) privfile.Dir {
	return privfile.Dir{Path: dir, What: "configuration directory", Elsewhere: "set VNUM_CONFIG_DIR (or XDG_CONFIG_HOME)"}
}

// Load reads the configuration. A missing file is fine; a malformed one is an error naming it.
func Load(env Env) (*Config, error) {
	dir, dataDir, err := Dirs(env)
	if err != nil {
		return nil, err
	}
	v := viper.New()
	v.SetDefault(KeyProvider, DefaultProvider)
	v.SetDefault(KeyProfile, "default")
	v.SetConfigType("yaml")
	c := &Config{v: v, dir: dir, dataDir: dataDir, fromEnv: map[string]string{}}
	// config.yaml can point a carrier's requests (and credentials) at any server: read it only
	// from a directory nobody else can write to.
	if err := privfile.Check(ConfigDir(dir)); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	path := c.File()
	f, err := os.Open(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("config: %w", err)
	default:
		defer f.Close()
		if err := v.ReadConfig(f); err != nil {
			return nil, &Error{Where: path, Err: fmt.Errorf("%w (fix or remove the file)", err)}
		}
		c.fileFound = true
	}
	// Environment over file: only the documented keys, read through env so tests control it.
	for _, k := range []string{KeyProvider, KeyProfile, KeyCountry, KeyForwardTo, KeyTTL, KeyPrompt, KeyServeListen, KeyServePublicURL, KeyStore,
		KeyBlockAction, KeyVoicemailGreeting} {
		name := "VNUM_" + strings.ToUpper(strings.ReplaceAll(k, ".", "_"))
		if val := env(name); val != "" {
			v.Set(k, val)
			c.fromEnv[k] = name
		}
	}
	if err := c.check(); err != nil {
		return nil, err
	}
	return c, nil
}

// check refuses values no command could use, naming where each was set, rather than ignoring
// them or failing later with a message that points at a flag.
func (c *Config) check() error {
	var errs []error
	// viper reads a list or a mapping as "" through GetString, so `ttl: [7d]` or `prompt:
	// {x: disabled}` would be ignored without a word: the number bought without its expiry, the
	// prompt still asked. Likewise a section written as one value (`block: message`).
	for _, k := range []string{KeyProvider, KeyProfile, KeyCountry, KeyForwardTo, KeyTTL, KeyPrompt, KeyStore,
		KeyServeListen, KeyServePublicURL, KeyBlockAction, KeyVoicemailGreeting} {
		switch c.v.Get(k).(type) {
		case map[string]any, []any:
			errs = append(errs, c.Invalid(k, errors.New("must be a single value, not a list or a mapping")))
		}
	}
	for _, k := range []string{KeyServe, "block", "voicemail"} {
		switch c.v.Get(k).(type) {
		case nil, map[string]any:
		default:
			errs = append(errs, c.Invalid(k, fmt.Errorf("must be a mapping, such as %s.%s", k, map[string]string{KeyServe: "listen", "block": "action", "voicemail": "greeting"}[k])))
		}
	}
	if cc := c.Get(KeyCountry); cc != "" {
		if _, err := phone.NormalizeCountry(cc); err != nil {
			errs = append(errs, c.Invalid(KeyCountry, err))
		}
	}
	switch p := strings.ToLower(c.Get(KeyPrompt)); p {
	case "", PromptEnabled, PromptDisabled:
	default:
		errs = append(errs, c.Invalid(KeyPrompt, fmt.Errorf("%q is neither %s nor %s", c.Get(KeyPrompt), PromptEnabled, PromptDisabled)))
	}
	switch a := strings.ToLower(c.Get(KeyBlockAction)); a {
	case "", BlockReject, BlockMessage:
	default:
		errs = append(errs, c.Invalid(KeyBlockAction, fmt.Errorf("%q is neither %s nor %s", c.Get(KeyBlockAction), BlockReject, BlockMessage)))
	}
	if g := c.Get(KeyVoicemailGreeting); len(g) > 500 {
		errs = append(errs, c.Invalid(KeyVoicemailGreeting, fmt.Errorf("is %d characters long: keep a greeting under 500", len(g))))
	}
	if st := c.Get(KeyStore); st != "" && !isPostgresURL(st) {
		// Not echoed: it may hold a password.
		errs = append(errs, c.Invalid(KeyStore, errors.New("must be a postgres:// (or postgresql://) URL; leave it unset for the store file in the data directory")))
	}
	if raw := c.v.Get(KeyProviders); raw != nil {
		sections, ok := raw.(map[string]any)
		bad := !ok
		for _, sec := range sections {
			if _, ok := sec.(map[string]any); !ok && sec != nil {
				bad = true
			}
		}
		if bad {
			errs = append(errs, c.Invalid(KeyProviders, errors.New("must map carrier names to their options, such as providers.twilio.bundle")))
		}
	}
	return errors.Join(errs...)
}

// Unknown lists the top-level keys of config.yaml that vnum does not read, so that a typo
// ("contry") is pointed out instead of silently ignored.
func (c *Config) Unknown() []string {
	if !c.fileFound {
		return nil
	}
	known := map[string]bool{KeyProvider: true, KeyProfile: true, KeyCountry: true, KeyForwardTo: true,
		KeyTTL: true, KeyPrompt: true, KeyProviders: true, KeyServe: true, KeyStore: true, "block": true, "voicemail": true}
	seen := map[string]bool{}
	var out []string
	for _, k := range c.v.AllKeys() {
		top, _, _ := strings.Cut(k, ".")
		if !known[top] && !seen[top] {
			seen[top] = true
			out = append(out, top)
		}
	}
	sort.Strings(out)
	return out
}

// Dir is the configuration directory.
func (c *Config) Dir() string { return c.dir }

// DataDir is where the store and the sandbox keep their files.
func (c *Config) DataDir() string { return c.dataDir }

// StoreFile is the local store's path: the record of numbers, history and messages.
func (c *Config) StoreFile() string { return filepath.Join(c.dataDir, "vnum.db") }

// Store is where the store lives: the PostgreSQL URL set as store (VNUM_STORE), else StoreFile.
// The URL may hold a password: show it only through store.Redact.
func (c *Config) Store() string {
	if u := c.Get(KeyStore); u != "" {
		return u
	}
	return c.StoreFile()
}

// SharedStore reports whether the store is a database server's rather than the local file.
func (c *Config) SharedStore() bool { return c.Get(KeyStore) != "" }

func isPostgresURL(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "postgres://") || strings.HasPrefix(l, "postgresql://")
}

// File is the configuration file's path.
func (c *Config) File() string { return filepath.Join(c.dir, "config.yaml") }

// FileFound reports whether the configuration file exists and was read.
func (c *Config) FileFound() bool { return c.fileFound }

// Get returns a top-level string setting ("" when unset).
func (c *Config) Get(key string) string { return strings.TrimSpace(c.v.GetString(key)) }

func (c *Config) Provider() string  { return strings.ToLower(c.Get(KeyProvider)) }
func (c *Config) Profile() string   { return c.Get(KeyProfile) }
func (c *Config) Country() string   { return c.Get(KeyCountry) }
func (c *Config) ForwardTo() string { return c.Get(KeyForwardTo) }
func (c *Config) TTL() string       { return c.Get(KeyTTL) }

// Values of the prompt setting.
const (
	PromptEnabled  = "enabled"
	PromptDisabled = "disabled"
)

// ServeListen is serve.listen ("" when unset).
func (c *Config) ServeListen() string { return c.Get(KeyServeListen) }

// ServePublicURL is serve.public_url ("" when unset).
func (c *Config) ServePublicURL() string { return c.Get(KeyServePublicURL) }

// BlockAction is block.action, lower case: BlockReject (also when unset) or BlockMessage.
func (c *Config) BlockAction() string {
	if a := strings.ToLower(c.Get(KeyBlockAction)); a != "" {
		return a
	}
	return BlockReject
}

// VoicemailGreeting is voicemail.greeting ("" when unset).
func (c *Config) VoicemailGreeting() string { return c.Get(KeyVoicemailGreeting) }

// PromptDisabled reports whether config says never to prompt.
func (c *Config) PromptDisabled() bool { return strings.EqualFold(c.Get(KeyPrompt), PromptDisabled) }

// ProviderOptions returns the flattened `providers.<name>` section: nested keys are joined with a
// dot ("bundle.FR"). Values are strings; the adapters interpret them.
func (c *Config) ProviderOptions(name string) map[string]string {
	out := map[string]string{}
	sub := c.v.Sub("providers." + name)
	if sub == nil {
		return out
	}
	keys := sub.AllKeys()
	sort.Strings(keys)
	for _, k := range keys {
		out[k] = sub.GetString(k)
	}
	return out
}
