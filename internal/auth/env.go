package auth

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/vnum-cli/vnum/providers"
)

// maxSecretFile bounds what a <NAME>_FILE may hold: credentials are short, and a variable that
// points at /dev/zero or a log file must not make vnum read forever.
const maxSecretFile = 64 << 10

// envValue is one field's value as found in the environment.
type envValue struct {
	value    string
	fromFile bool
	set      string // the variable that supplied it ("TWILIO_AUTH_TOKEN_FILE"), "" when none
}

// lookupEnv reads one field: each of its names as a variable, then as <NAME>_FILE. The plain
// variable wins over the file, as in lego's GetOrFile.
func (m *Manager) lookupEnv(f providers.Credential) (envValue, error) {
	for _, name := range f.Env {
		if v, err := readEnv(m.env, name); v.set != "" || err != nil {
			return v, err
		}
	}
	return envValue{}, nil
}

// EnvOrFile reads one secret as carrier credentials are read: the variable name, else the file
// that name_FILE names, with the same bounds (a pipe gets secretFileWait, a file at most
// maxSecretFile). It returns "" when neither is set, and an error naming name_FILE when that
// file cannot be read (`vnum serve` reads the webhook keys that are no credentials so).
func EnvOrFile(env func(string) string, name string) (string, error) {
	v, err := readEnv(env, name)
	return v.value, err
}

// readEnv reads name, then name_FILE; set is "" when neither is set.
func readEnv(env func(string) string, name string) (envValue, error) {
	if v := env(name); v != "" {
		return envValue{value: v, set: name}, nil
	}
	fileVar := name + "_FILE"
	path := env(fileVar)
	if path == "" {
		return envValue{}, nil
	}
	v, err := readSecretFile(path)
	if err != nil {
		// The path is not secret; the content never appears in an error.
		return envValue{}, fmt.Errorf("%s: %w", fileVar, err)
	}
	return envValue{value: v, fromFile: true, set: fileVar}, nil
}

// secretFileWait bounds how long a secret file that is not a regular file (a FIFO, a /dev/fd/N
// from the shell's process substitution) may take to deliver its content.
const secretFileWait = 10 * time.Second

func readSecretFile(path string) (string, error) {
	// Non-blocking, so that opening a FIFO nobody writes to does not hang vnum (beyond the reach
	// of Ctrl-C); a pipe's content then gets secretFileWait to arrive.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return "", fmt.Errorf("cannot read the secret file: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", fmt.Errorf("cannot read the secret file %s: %w", path, err)
	}
	switch {
	case fi.IsDir():
		return "", fmt.Errorf("%s is a directory, not a secret file", path)
	case !fi.Mode().IsRegular():
		if err := f.SetReadDeadline(time.Now().Add(secretFileWait)); err != nil {
			// Not a pollable file (a device): nothing can bound a read from it.
			return "", fmt.Errorf("%s is not a regular file or a pipe: not a secret file", path)
		}
	}
	b, err := io.ReadAll(io.LimitReader(f, maxSecretFile+1))
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return "", fmt.Errorf("nothing came from the secret file %s in %s", path, secretFileWait)
	}
	if err != nil {
		return "", fmt.Errorf("cannot read the secret file %s: %w", path, err)
	}
	if len(b) > maxSecretFile {
		return "", fmt.Errorf("%s is larger than %d KiB: not a secret file", path, maxSecretFile>>10)
	}
	// Secret files usually end with a newline (echo, editors, Docker/systemd secrets); nothing
	// else is trimmed, so a secret is used exactly as written.
	v := strings.TrimRight(string(b), "\r\n")
	if v == "" {
		return "", fmt.Errorf("%s is empty", path)
	}
	return v, nil
}

// envResult is what the environment says about one carrier.
type envResult struct {
	cred Credential // set when ok
	ok   bool
	set  []string // variables that are set for this carrier, for hints
}

// fromEnv returns the carrier's credentials from the environment when one of its shapes is
// complete there (the first complete shape in preference order).
func (m *Manager) fromEnv(c carrier, profile string) (envResult, error) {
	var res envResult
	seen := map[string]bool{}
	vals := map[string]envValue{}
	var errs []error
	for _, s := range c.Auth {
		for _, f := range s.Fields {
			if _, done := vals[f.Key]; done {
				continue
			}
			v, err := m.lookupEnv(f)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			vals[f.Key] = v
			if v.set != "" && !seen[v.set] {
				seen[v.set] = true
				res.set = append(res.set, v.set)
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return res, err
	}
	for _, s := range c.Auth {
		values := Values{}
		source := SourceEnv
		for _, f := range s.Fields {
			v := vals[f.Key]
			if v.value == "" {
				if f.Optional {
					continue
				}
				values = nil
				break
			}
			values[f.Key] = v.value
			if v.fromFile && !f.Optional {
				source = SourceFile
			}
		}
		if values == nil {
			continue
		}
		res.ok = true
		res.cred = Credential{
			Provider: c.Name,
			Profile:  profile,
			Values:   values,
			Source:   source,
			Account:  values[s.Account],
		}
		return res, nil
	}
	return res, nil
}

// EnvVars lists the environment variables currently set that carry provider's credentials
// (including <NAME>_FILE ones), so commands can say the environment overrides what is saved.
func (m *Manager) EnvVars(provider string) []string {
	c, ok := lookupCarrier(m.reg, provider)
	if !ok {
		return nil
	}
	var out []string
	seen := map[string]bool{}
	for _, s := range c.Auth {
		for _, f := range s.Fields {
			for _, name := range f.Env {
				for _, n := range []string{name, name + "_FILE"} {
					if m.env(n) != "" && !seen[n] {
						seen[n] = true
						out = append(out, n)
					}
				}
			}
		}
	}
	return out
}
