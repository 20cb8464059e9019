package serve

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// SecretsFile is the name, in vnum's configuration directory, of the file holding serve's
// secrets. It is created once, mode 0600, and never rewritten: the URLs carriers were given stay
// valid across restarts.
const SecretsFile = "serve.json"

// Secrets are what makes serve's routes unguessable and the sandbox's webhooks authentic.
type Secrets struct {
	// PathToken is the path segment every carrier route sits behind: /hooks/<token>/<carrier>.
	PathToken string `json:"path_token"`
	// SandboxSecret (hex) signs the webhooks `vnum sandbox receive` sends to serve.
	SandboxSecret string `json:"sandbox_secret"`
}

// SandboxKey is the sandbox secret's bytes.
func (s Secrets) SandboxKey() []byte {
	b, _ := hex.DecodeString(s.SandboxSecret) // checked by LoadSecrets
	return b
}

// LoadSecrets reads the secrets file in dir; an error wrapping fs.ErrNotExist means serve was
// never started there.
func LoadSecrets(dir string) (Secrets, error) {
	path := filepath.Join(dir, SecretsFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return Secrets{}, err
	}
	var s Secrets
	if err := json.Unmarshal(b, &s); err != nil {
		return Secrets{}, fmt.Errorf("%s: %w (remove it to make new secrets; carriers must then be given the new URLs)", path, err)
	}
	if len(s.PathToken) < 32 || len(s.SandboxKey()) < 32 {
		return Secrets{}, fmt.Errorf("%s: secrets too short (remove it to make new ones; carriers must then be given the new URLs)", path)
	}
	return s, nil
}

// EnsureSecrets returns the secrets in dir, making them (from crypto/rand) when there are none.
// Two processes starting at once agree on one set: the file appears complete or not at all (a
// hard link of a finished temporary file), and the loser reads the winner's.
func EnsureSecrets(dir string) (Secrets, error) {
	s, err := LoadSecrets(dir)
	if !errors.Is(err, fs.ErrNotExist) {
		return s, err
	}
	token, err := randomHex(24)
	if err != nil {
		return Secrets{}, err
	}
	key, err := randomHex(32)
	if err != nil {
		return Secrets{}, err
	}
	b, err := json.MarshalIndent(Secrets{PathToken: token, SandboxSecret: key}, "", "  ")
	if err != nil {
		return Secrets{}, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return Secrets{}, err
	}
	tmp, err := os.CreateTemp(dir, ".serve-*.json")
	if err != nil {
		return Secrets{}, err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		_ = tmp.Close()
		return Secrets{}, err
	}
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		_ = tmp.Close()
		return Secrets{}, err
	}
	if err := errors.Join(tmp.Sync(), tmp.Close()); err != nil {
		return Secrets{}, err
	}
	if err := os.Link(tmp.Name(), filepath.Join(dir, SecretsFile)); err != nil && !errors.Is(err, fs.ErrExist) {
		return Secrets{}, err
	}
	return LoadSecrets(dir)
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("serve: random secret: %w", err)
	}
	return hex.EncodeToString(b), nil
}
