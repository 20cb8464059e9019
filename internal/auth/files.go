package auth

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"

	"github.com/vnum-cli/vnum/internal/privfile"
)

// InsecureFileName is the plaintext credentials file `--insecure-storage` writes in the config
// directory.
const InsecureFileName = "credentials.insecure.json"

// maxCredentialsFile bounds what is read of the insecure file: a few carriers' keys fit in a
// few kilobytes.
const maxCredentialsFile = 1 << 20

// indexFileName lists the profiles saved in the keyring, which cannot be enumerated portably,
// so `vnum auth status` can show them. It holds names only, never values.
const indexFileName = "keyring-profiles.json"

// insecureFile is the content of InsecureFileName: provider → profile → stored entry.
type insecureFile struct {
	Version     int                                     `json:"version"`
	Credentials map[string]map[string]map[string]string `json:"credentials"`
}

// indexFile is the content of indexFileName: provider → profiles kept in the keyring.
type indexFile struct {
	Version  int                 `json:"version"`
	Profiles map[string][]string `json:"profiles"`
}

// InsecureFile is the path of the plaintext credentials file.
func (m *Manager) InsecureFile() string { return filepath.Join(m.configDir, InsecureFileName) }

func (m *Manager) indexFile() string { return filepath.Join(m.configDir, indexFileName) }

// insecureWarning is shown every time the insecure file is read or written.
func (m *Manager) insecureWarning(provider string, saved bool) string {
	verb := "read from"
	if saved {
		verb = "saved in"
	}
	return fmt.Sprintf("%s credentials %s %s, a plaintext file: anyone who can read your files can use them; "+
		"prefer the OS keyring or environment variables", provider, verb, m.InsecureFile())
}

// readInsecure loads the insecure file; a missing file is empty. A file that others can read is
// refused, as ssh refuses such a private key: someone else may already have copied it.
func (m *Manager) readInsecure() (insecureFile, bool, error) {
	path := m.InsecureFile()
	empty := insecureFile{Version: 1, Credentials: map[string]map[string]map[string]string{}}
	// Opened without following a symbolic link: a planted one would hand vnum someone else's
	// credentials, or lead vnum to write the user's beside them.
	fh, err := os.OpenFile(path, os.O_RDONLY|privfile.NoFollow, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return empty, false, nil
	}
	if err != nil {
		if serr := privfile.RefuseSymlink(path); serr != nil {
			return empty, false, serr
		}
		return empty, false, fmt.Errorf("insecure credentials file: %w", err)
	}
	defer fh.Close()
	fi, err := fh.Stat()
	if err != nil {
		return empty, false, fmt.Errorf("insecure credentials file: %w", err)
	}
	if perm := fi.Mode().Perm(); runtime.GOOS != "windows" && perm&0o077 != 0 {
		return empty, false, fmt.Errorf("refusing to use %s: its mode %04o lets other users read it; "+
			"run `chmod 600 %s` (and consider the credentials exposed)", path, perm, path)
	}
	b, err := io.ReadAll(io.LimitReader(fh, maxCredentialsFile))
	if err != nil {
		return empty, false, fmt.Errorf("insecure credentials file: %w", err)
	}
	var f insecureFile
	if err := json.Unmarshal(b, &f); err != nil {
		// The parser's message may quote a character of a secret: do not pass it on.
		return empty, false, fmt.Errorf("%s is not valid JSON: remove it, then run `vnum auth login` again for each carrier", path)
	}
	if f.Credentials == nil {
		f.Credentials = empty.Credentials
	}
	return f, true, nil
}

func (m *Manager) writeInsecure(f insecureFile) error {
	for p, profiles := range f.Credentials {
		if len(profiles) == 0 {
			delete(f.Credentials, p)
		}
	}
	if len(f.Credentials) == 0 {
		return removeIfExists(m.InsecureFile())
	}
	f.Version = 1
	return m.writeJSON(m.InsecureFile(), f)
}

func (m *Manager) fromInsecure(c carrier, profile string) (Credential, bool, error) {
	f, _, err := m.readInsecure()
	if err != nil {
		return Credential{}, false, err
	}
	e, ok := f.Credentials[c.Name][profile]
	if !ok {
		return Credential{}, false, nil
	}
	cred, err := decodeEntry(c, profile, e, SourceInsecure, fmt.Sprintf("%s entry %s/%s", m.InsecureFile(), c.Name, profile))
	if err != nil {
		return Credential{}, false, err
	}
	cred.Warning = m.insecureWarning(c.Name, false)
	return cred, true, nil
}

func (m *Manager) readIndex() (indexFile, error) {
	idx := indexFile{Version: 1, Profiles: map[string][]string{}}
	b, err := os.ReadFile(m.indexFile())
	if errors.Is(err, fs.ErrNotExist) {
		return idx, nil
	}
	if err != nil {
		return idx, fmt.Errorf("keyring profile list: %w", err)
	}
	if err := json.Unmarshal(b, &idx); err != nil {
		return indexFile{Version: 1, Profiles: map[string][]string{}}, fmt.Errorf("%s is not valid JSON: %w", m.indexFile(), err)
	}
	if idx.Profiles == nil {
		idx.Profiles = map[string][]string{}
	}
	return idx, nil
}

// setIndexed records whether provider/profile is in the keyring. An unreadable index only lists
// names, so it never blocks a login or logout: login starts a fresh one, logout leaves it alone.
func (m *Manager) setIndexed(provider, profile string, in bool) error {
	idx, err := m.readIndex()
	if err != nil && !in {
		return nil
	}
	list := idx.Profiles[provider]
	has := slices.Contains(list, profile)
	switch {
	case in && !has:
		list = append(list, profile)
		slices.Sort(list)
	case !in && has:
		list = slices.DeleteFunc(list, func(p string) bool { return p == profile })
	default:
		return nil
	}
	if len(list) == 0 {
		delete(idx.Profiles, provider)
	} else {
		idx.Profiles[provider] = list
	}
	if len(idx.Profiles) == 0 {
		return removeIfExists(m.indexFile())
	}
	idx.Version = 1
	return m.writeJSON(m.indexFile(), idx)
}

// writeJSON replaces path atomically with v, mode 0600, creating the directory with mode 0700.
// The temporary file is created 0600 in the same directory, so the content is never readable by
// others, even for a moment.
func (m *Manager) writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", filepath.Base(path), err)
	}
	dir := filepath.Dir(path)
	if err := privfile.Ensure(privfile.Dir{Path: dir, What: "configuration directory",
		Elsewhere: "set VNUM_CONFIG_DIR (or XDG_CONFIG_HOME)"}); err != nil {
		return err
	}
	// The rename below would replace a symbolic link and leave what it points at holding the
	// previous content (plaintext credentials, for the insecure file): refuse one instead.
	if err := privfile.RefuseSymlink(path); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmpName := tmp.Name()
	ok := false
	defer func() {
		if !ok {
			_ = tmp.Close()
			_ = os.Remove(tmpName)
		}
	}()
	if err := tmp.Chmod(0o600); err != nil && runtime.GOOS != "windows" {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmpName, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	ok = true
	return nil
}

func removeIfExists(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove %s: %w", path, err)
	}
	return nil
}
