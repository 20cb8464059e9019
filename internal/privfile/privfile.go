// Package privfile keeps vnum's private files private from other local users: the directories
// that hold them must be the user's own and closed to others, and the files are opened without
// following a symbolic link and created with mode 0600 from their first byte.
//
// The threat is a neighbour on the same machine: one who created a shared directory before the
// victim used it (a data directory under /tmp, say) could plant vnum.db as a symbolic link to a
// file of theirs, or keep a descriptor open on the victim's database, and read its SMS codes.
// Refusing such a directory stops that at the root; O_NOFOLLOW and creating files 0600 are the
// second line, for a file planted before the check could run.
package privfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Dir names a directory for messages: what it is ("data directory") and how to choose another
// ("set VNUM_DATA_DIR").
type Dir struct {
	Path, What, Elsewhere string
}

// Ensure creates d (and missing parents) with mode 0700 when it does not exist, then checks it
// as Check does.
func Ensure(d Dir) error {
	if err := os.MkdirAll(d.Path, 0o700); err != nil {
		return fmt.Errorf("create the %s: %w", d.What, err)
	}
	return Check(d)
}

// Check refuses a directory that another user owns or can write to, or one below a directory
// where another user could replace it (writable by others without the sticky bit, as /tmp has,
// or owned by someone other than the user or root). A missing directory is not an error. The
// error says which directory, why, and what to do. On Windows it checks nothing: access there
// is by ACL, which the profile directories already restrict.
func Check(d Dir) error {
	abs, err := filepath.Abs(d.Path)
	if err != nil {
		return fmt.Errorf("%s %s: %w", d.What, d.Path, err)
	}
	fi, err := os.Stat(abs)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s %s: %w", d.What, d.Path, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("the %s %s is not a directory", d.What, d.Path)
	}
	return checkOwnership(d, abs, fi)
}

// Create makes sure path exists as a regular file of the user's, mode 0600, without following a
// symbolic link: a new file is created 0600 (whatever the umask), an existing one loses any group
// or other permission and gets back the owner's read and write (a read-only episode, a backup
// restored, may have taken them). A symbolic link, or anything but a regular file, is refused.
func Create(path string) error {
	// Read-only: changing the mode needs ownership, not write permission.
	f, err := Open(path, os.O_RDONLY|os.O_CREATE)
	if errors.Is(err, fs.ErrPermission) && !isSymlink(path) {
		// Not even the owner may read it (mode 0200, 0000): give the bits back by name (in a
		// directory Check accepted, nobody else can swap it meanwhile), then look again.
		if os.Chmod(path, 0o600) == nil {
			f, err = Open(path, os.O_RDONLY|os.O_CREATE)
		}
	}
	if err != nil {
		return err
	}
	return f.Close()
}

// Open opens path with flag (os.O_RDONLY, or os.O_RDWR|os.O_CREATE, …) plus O_NOFOLLOW, mode
// 0600 if created, and checks what it opened as Create says.
func Open(path string, flag int) (*os.File, error) {
	f, err := os.OpenFile(path, flag|NoFollow, 0o600)
	if err != nil {
		if isSymlink(path) {
			return nil, symlinkError(path)
		}
		return nil, err
	}
	if err := checkFile(f, path); err != nil {
		_ = f.Close()
		return nil, err
	}
	return f, nil
}

// RefuseSymlink fails when path is a symbolic link: for a file about to be replaced by a rename,
// which would replace the link and leave whatever it points at holding the old content.
func RefuseSymlink(path string) error {
	if isSymlink(path) {
		return symlinkError(path)
	}
	return nil
}

func isSymlink(path string) bool {
	fi, err := os.Lstat(path)
	return err == nil && fi.Mode()&fs.ModeSymlink != 0
}

func symlinkError(path string) error {
	target, _ := os.Readlink(path)
	return fmt.Errorf("refusing %s: it is a symbolic link (to %s), and vnum opens its private files only directly; "+
		"if you did not make it, someone may be trying to read your data: remove it and run vnum again", path, target)
}

func checkFile(f *os.File, path string) error {
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("refusing %s: it is not a regular file", path)
	}
	if err := checkFileOwner(fi, path); err != nil {
		return err
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 || perm&0o600 != 0o600 {
		if err := f.Chmod(0o600); err != nil && !isWindows {
			return fmt.Errorf("make %s private: %w", path, err)
		}
	}
	return nil
}
