package auth_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vnum-cli/vnum/internal/auth"
	"github.com/vnum-cli/vnum/internal/keyring"
)

// fixedBackend is a keyring holding one raw value for every service and user.
type fixedBackend struct{ data string }

func (b fixedBackend) Get(string, string) (string, error) { return b.data, nil }
func (b fixedBackend) Set(string, string, string) error   { return nil }
func (b fixedBackend) Delete(string, string) error        { return nil }

// checkParsed holds what any stored entry, however mangled, must give: a complete credential that
// survives being saved again, or an error that quotes none of the stored values.
func checkParsed(t *testing.T, m *auth.Manager, raw string, c auth.Credential, err error, entryValues []string) {
	t.Helper()
	if err != nil {
		msg := err.Error()
		// The fixed parts of the messages may coincide with short values; only longer values,
		// which no message template contains, are checked.
		for _, v := range append(entryValues, raw) {
			if len(v) >= 12 && strings.Contains(msg, v) && !strings.Contains(templates, v) {
				t.Fatalf("error %q quotes stored content %q", msg, v)
			}
		}
		return
	}
	if c.Source == "" || len(c.Values) == 0 {
		t.Fatalf("success without a credential: %v", c)
	}
	for k, v := range c.Values {
		if v == "" {
			t.Fatalf("empty value for %s", k)
		}
	}
	if _, err := m.Save(c, auth.SourceInsecure); err != nil {
		t.Fatalf("a credential read back cannot be saved: %v", err)
	}
}

// templates is the fixed text of the errors, in which fuzzed values may legitimately appear.
const templates = "keyring entry vnum:twilio/default is not a vnum credential (invalid JSON): run `vnum auth login twilio` again" +
	"does not hold complete twilio credentials has an invalid verified_at " +
	"credentials.insecure.json is not valid JSON: remove it, then run `vnum auth login` again for each carrier"

func stringValues(raw string) []string {
	var m map[string]any
	if json.Unmarshal([]byte(raw), &m) != nil {
		return nil
	}
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			out = append(out, x)
		case map[string]any:
			for k, y := range x {
				out = append(out, k)
				walk(y)
			}
		}
	}
	walk(m)
	return out
}

func FuzzKeyringEntry(f *testing.F) {
	f.Add(`{"account_sid":"AC0123456789abcdef0123456789abcdef","auth_token":"tok-TEST-SECRET-91c2e7d4"}`)
	f.Add(`{"account_sid":"AC1","api_key":"SK1","api_secret":"x","verified_at":"2026-03-01T12:00:00Z"}`)
	f.Add(`{"account_sid":"AC1","auth_token":"x","verified_at":"yesterday-SECRET"}`)
	f.Add(`{"auth_token":1}`)
	f.Add(`{tok-TEST-SECRET-91c2e7d4`)
	f.Add(``)
	f.Fuzz(func(t *testing.T, raw string) {
		dir := t.TempDir()
		m := auth.NewManager(testRegistry(t), dir, func(string) string { return "" },
			auth.WithKeyring(keyring.New(keyring.WithBackend(fixedBackend{raw}))))
		c, err := m.Lookup("twilio", "default")
		checkParsed(t, m, raw, c, err, stringValues(raw))
	})
}

func FuzzInsecureFile(f *testing.F) {
	f.Add(`{"version":1,"credentials":{"twilio":{"default":{"account_sid":"AC1","auth_token":"tok-TEST-SECRET-91c2e7d4"}}}}`)
	f.Add(`{"version":1,"credentials":{"twilio":{"default":{"account_sid":"AC1"}}}}`)
	f.Add(`{"credentials":{"twilio":null}}`)
	f.Add(`{"credentials": tok-TEST-SECRET-91c2e7d4`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, raw string) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, auth.InsecureFileName), []byte(raw), 0o600); err != nil {
			t.Fatal(err)
		}
		keyring.MockInit()
		m := auth.NewManager(testRegistry(t), dir, func(string) string { return "" }, auth.WithKeyring(keyring.New()))
		c, err := m.Lookup("twilio", "default")
		checkParsed(t, m, raw, c, err, stringValues(raw))
	})
}
