//go:build unix

package privfile

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

const (
	// NoFollow is O_NOFOLLOW where the system has it (0 elsewhere), for os.OpenFile flags.
	NoFollow  = syscall.O_NOFOLLOW
	isWindows = false
)

func owner(fi fs.FileInfo) (uid int, ok bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return int(st.Uid), true
}

func checkOwnership(d Dir, abs string, fi fs.FileInfo) error {
	me := os.Geteuid()
	if uid, ok := owner(fi); ok && uid != me {
		return fmt.Errorf("refusing the %s %s: it belongs to uid %d, not to you (uid %d), so its owner can read or swap "+
			"the files vnum keeps there; %s to a directory of your own", d.What, d.Path, uid, me, d.Elsewhere)
	}
	if perm := fi.Mode().Perm(); perm&0o022 != 0 {
		return fmt.Errorf("refusing the %s %s: its mode %04o lets other users create and replace files in it; "+
			"run `chmod 700 %s`, or %s to a directory of your own", d.What, d.Path, perm, d.Path, d.Elsewhere)
	}
	// Above it, nobody but the user and root may be able to rename it away and put another in
	// its place: each parent is the user's or root's, and writable by others (or by a group not
	// the user's own) only with the sticky bit (as /tmp is), which stops them renaming what is
	// not theirs. Both the path as written (a symbolic link on it is judged by the link's own
	// owner) and the real path count.
	if lfi, err := os.Lstat(abs); err == nil && lfi.Mode()&fs.ModeSymlink != 0 {
		if uid, ok := owner(lfi); ok && uid != me && uid != 0 {
			return fmt.Errorf("refusing the %s %s: it is a symbolic link that belongs to uid %d, who could point it elsewhere; %s to a directory of your own",
				d.What, d.Path, uid, d.Elsewhere)
		}
	}
	if err := checkParents(d, abs, os.Lstat); err != nil {
		return err
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil && real != abs {
		return checkParents(d, real, os.Stat)
	}
	return nil
}

func checkParents(d Dir, abs string, stat func(string) (fs.FileInfo, error)) error {
	me := os.Geteuid()
	for dir := filepath.Dir(abs); ; dir = filepath.Dir(dir) {
		pfi, err := stat(dir)
		if err != nil {
			return fmt.Errorf("%s %s: %w", d.What, d.Path, err)
		}
		uid, ok := owner(pfi)
		switch {
		case ok && uid != me && uid != 0:
			return fmt.Errorf("refusing the %s %s: %s above it belongs to uid %d, who could replace it; %s to a directory of your own",
				d.What, d.Path, dir, uid, d.Elsewhere)
		case pfi.IsDir() && pfi.Mode()&fs.ModeSticky == 0 && (pfi.Mode().Perm()&0o002 != 0 ||
			pfi.Mode().Perm()&0o020 != 0 && !ownGroup(pfi)):
			return fmt.Errorf("refusing the %s %s: %s above it (mode %04o) lets other users replace it; %s to a directory of your own",
				d.What, d.Path, dir, pfi.Mode().Perm(), d.Elsewhere)
		}
		if filepath.Dir(dir) == dir {
			return nil
		}
	}
}

// ownGroup reports a file whose group is the user's own primary group: with the user private
// groups of Debian and Ubuntu (umask 002), ~/.config is often group-writable by that group alone,
// which lets nobody else in.
func ownGroup(fi fs.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && int(st.Gid) == os.Getegid()
}

func checkFileOwner(fi fs.FileInfo, path string) error {
	if uid, ok := owner(fi); ok && uid != os.Geteuid() {
		return fmt.Errorf("refusing %s: it belongs to uid %d, not to you (uid %d); if you did not put it there, someone "+
			"may be trying to read your data: move it aside and run vnum again", path, uid, os.Geteuid())
	}
	return nil
}
