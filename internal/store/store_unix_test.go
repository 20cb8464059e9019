//go:build unix

package store_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/internal/store"
)

func perm(t *testing.T, path string) fs.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	require.NoError(t, err)
	return fi.Mode().Perm()
}

// Not parallel: the umask is per process.
func TestOpenFileModes(t *testing.T) {
	sqliteOnly(t)
	tests := []struct {
		name  string
		umask int
		// a umask that strips the owner's own bits would make a created directory unusable,
		// so that case starts from an existing one.
		dirExists bool
	}{
		{name: "permissive umask", umask: 0o000},
		{name: "usual umask", umask: 0o022},
		{name: "umask that strips the owner", umask: 0o277, dirExists: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data", "vnum")
			if tt.dirExists {
				require.NoError(t, os.MkdirAll(dir, 0o700))
			}
			old := syscall.Umask(tt.umask)
			t.Cleanup(func() { syscall.Umask(old) })

			path := filepath.Join(dir, "vnum.db")
			s := openAt(t, path)
			insert(t, s, number("+33600000001", "")) // makes sure -wal and -shm exist

			assert.Equal(t, fs.FileMode(0o700), perm(t, dir))
			for _, p := range []string{path, path + "-wal", path + "-shm"} {
				assert.Equal(t, fs.FileMode(0o600), perm(t, p), p)
			}
		})
	}
}

func TestOpenTightensExistingFiles(t *testing.T) {
	sqliteOnly(t)
	old := syscall.Umask(0)
	t.Cleanup(func() { syscall.Umask(old) })

	dir := t.TempDir()
	require.NoError(t, os.Chmod(dir, 0o755))
	path := filepath.Join(dir, "vnum.db")
	s, err := store.Open(path)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	require.NoError(t, os.Chmod(path, 0o644))

	s = openAt(t, path)
	insert(t, s, number("+33600000001", ""))
	assert.Equal(t, fs.FileMode(0o600), perm(t, path))
	assert.Equal(t, fs.FileMode(0o600), perm(t, path+"-wal"))
	// An existing directory is the user's choice: only a directory vnum creates is 0700.
	assert.Equal(t, fs.FileMode(0o755), perm(t, dir))
}

// A neighbour who could write the data directory planted vnum.db (or its -wal) as a symbolic
// link to a file of theirs: the store refuses to open through it, and the target is untouched.
func TestOpenRefusesPlantedSymlink(t *testing.T) {
	sqliteOnly(t)
	for _, name := range []string{"vnum.db", "vnum.db-wal", "vnum.db-shm"} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			target := filepath.Join(t.TempDir(), "neighbours-file")
			require.NoError(t, os.WriteFile(target, nil, 0o666))
			require.NoError(t, os.Chmod(target, 0o666))
			require.NoError(t, os.Symlink(target, filepath.Join(dir, name)))

			s, err := store.Open(filepath.Join(dir, "vnum.db"))
			if err == nil {
				_ = s.Close()
				t.Fatal("Open followed a planted symbolic link")
			}
			assert.Contains(t, err.Error(), "symbolic link")
			fi, err := os.Stat(target)
			require.NoError(t, err)
			assert.Zero(t, fi.Size(), "the link's target was written")
			assert.Equal(t, fs.FileMode(0o666), fi.Mode().Perm(), "the link's target was changed")
		})
	}
}

// A data directory other users can write to is refused, with what to do.
func TestOpenRefusesSharedDirectory(t *testing.T) {
	sqliteOnly(t)
	dir := filepath.Join(t.TempDir(), "shared")
	require.NoError(t, os.Mkdir(dir, 0o700))
	require.NoError(t, os.Chmod(dir, 0o777))
	_, err := store.Open(filepath.Join(dir, "vnum.db"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "lets other users create and replace files")
	assert.Contains(t, err.Error(), "VNUM_DATA_DIR")
	_, statErr := os.Lstat(filepath.Join(dir, "vnum.db"))
	assert.ErrorIs(t, statErr, fs.ErrNotExist, "nothing may be created there")
}

// After a read-only episode the -shm (or -wal) file may have lost its write bit while the store
// is writable again: vnum gives it back, instead of failing every write with "readonly database".
func TestOpenRepairsCompanionModes(t *testing.T) {
	sqliteOnly(t)
	path := filepath.Join(t.TempDir(), "vnum.db")
	s := openAt(t, path)
	insert(t, s, number("+33600000001", ""))
	// Keep a connection open so -wal and -shm stay, as a crash would leave them.
	require.NoError(t, os.Chmod(path+"-shm", 0o400))
	require.NoError(t, os.Chmod(path+"-wal", 0o200)) // not even readable by its owner
	other, err := store.Open(path)
	require.NoError(t, err)
	t.Cleanup(func() { _ = other.Close() })
	insert(t, other, number("+33600000002", ""))
	assert.Equal(t, fs.FileMode(0o600), perm(t, path+"-shm"))
	assert.Equal(t, fs.FileMode(0o600), perm(t, path+"-wal"))
}
