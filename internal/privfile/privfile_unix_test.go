//go:build unix

package privfile

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func dir(path string) Dir {
	return Dir{Path: path, What: "data directory", Elsewhere: "set VNUM_DATA_DIR"}
}

// Another user's directory, the shared temporary directory, is refused. Only root can
// give a directory to another user, so this runs as root (as CI does) and is skipped otherwise.
func TestCheckRefusesAnotherUsersDirectory(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to chown a directory to another user; the mode checks below run as anyone")
	}
	shared := filepath.Join(t.TempDir(), "shared")
	if err := os.Mkdir(shared, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(shared, 4242, 4242); err != nil {
		t.Fatal(err)
	}
	err := Check(dir(shared))
	if err == nil || !strings.Contains(err.Error(), "belongs to uid 4242") || !strings.Contains(err.Error(), "VNUM_DATA_DIR") {
		t.Fatalf("Check(dir of uid 4242) = %v, want a refusal naming the owner and what to do", err)
	}
	// Below it, a directory of the user's own is no better: its parent's owner can swap it.
	mine := filepath.Join(shared, "vnum")
	if err := os.Mkdir(mine, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := Check(dir(mine)); err == nil || !strings.Contains(err.Error(), shared+" above it belongs to uid 4242") {
		t.Fatalf("Check(own dir under uid 4242's) = %v, want a refusal naming the parent", err)
	}
	// A parent writable by a group that is not the user's own lets that group swap it.
	grp := filepath.Join(t.TempDir(), "team")
	if err := os.Mkdir(grp, 0o770); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(grp, -1, 4242); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(grp, 0o770); err != nil { // past the umask
		t.Fatal(err)
	}
	if err := Ensure(dir(filepath.Join(grp, "vnum"))); err == nil || !strings.Contains(err.Error(), grp+" above it (mode 0770)") {
		t.Fatalf("Ensure(below a dir writable by gid 4242) = %v, want a refusal naming the parent", err)
	}
	// A file another user left in a directory of ours is refused too.
	own := t.TempDir()
	planted := filepath.Join(own, "vnum.db")
	if err := os.WriteFile(planted, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(planted, 4242, 4242); err != nil {
		t.Fatal(err)
	}
	if err := Create(planted); err == nil || !strings.Contains(err.Error(), "belongs to uid 4242") {
		t.Fatalf("Create(file of uid 4242) = %v, want a refusal", err)
	}
}

func TestCheckModes(t *testing.T) {
	base := t.TempDir() // before the umask goes: t.TempDir makes its directory 0777 &^ umask
	old := syscall.Umask(0)
	t.Cleanup(func() { syscall.Umask(old) })
	tests := []struct {
		name    string
		mode    os.FileMode
		wantErr string
	}{
		{"private", 0o700, ""},
		{"readable by others", 0o755, ""},
		{"group writable", 0o770, "chmod 700"},
		{"world writable", 0o777, "mode 0777"},
		{"world writable, sticky", 0o777 | os.ModeSticky, "chmod 700"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := filepath.Join(base, strings.ReplaceAll(tt.name, " ", "-"))
			if err := os.Mkdir(d, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(d, tt.mode); err != nil {
				t.Fatal(err)
			}
			err := Check(dir(d))
			if tt.wantErr == "" && err != nil {
				t.Fatalf("Check = %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("Check = %v, want an error with %q", err, tt.wantErr)
			}
		})
	}
	// A directory of ours below a world-writable one without the sticky bit can be swapped.
	open := filepath.Join(base, "open")
	if err := os.Mkdir(open, 0o777); err != nil {
		t.Fatal(err)
	}
	below := filepath.Join(open, "vnum")
	if err := Ensure(dir(below)); err == nil || !strings.Contains(err.Error(), open+" above it (mode 0777)") {
		t.Fatalf("Ensure(below a 0777 dir) = %v, want a refusal naming the parent", err)
	}
	// A parent writable by the user's own group (Debian's user private groups, umask 002) is fine.
	grp := filepath.Join(base, "group")
	if err := os.Mkdir(grp, 0o775); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(grp, -1, os.Getegid()); err != nil {
		t.Fatal(err)
	}
	if err := Ensure(dir(filepath.Join(grp, "vnum"))); err != nil {
		t.Fatalf("Ensure(below a dir writable by the user's own group) = %v", err)
	}
	// A missing directory is created 0700 even with umask 0.
	fresh := filepath.Join(base, "fresh", "vnum")
	if err := Ensure(dir(fresh)); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(fresh); fi.Mode().Perm() != 0o700 {
		t.Errorf("created with mode %04o, want 0700", fi.Mode().Perm())
	}
}

// A planted symbolic link is never opened through, and a new file is 0600 from its first byte.
func TestCreate(t *testing.T) {
	d := t.TempDir()
	old := syscall.Umask(0)
	t.Cleanup(func() { syscall.Umask(old) })
	target := filepath.Join(d, "attackers-file")
	if err := os.WriteFile(target, nil, 0o666); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(d, "vnum.db")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	err := Create(link)
	if err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("Create(symlink) = %v, want a refusal", err)
	}
	if err := RefuseSymlink(link); err == nil {
		t.Fatal("RefuseSymlink(symlink) = nil")
	}
	if fi, _ := os.Stat(target); fi.Mode().Perm() != 0o666 {
		t.Errorf("the link's target was changed to %04o", fi.Mode().Perm())
	}

	fresh := filepath.Join(d, "sandbox.db")
	if err := Create(fresh); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(fresh); fi.Mode().Perm() != 0o600 {
		t.Errorf("created with mode %04o, want 0600", fi.Mode().Perm())
	}
	loose := filepath.Join(d, "loose")
	if err := os.WriteFile(loose, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Create(loose); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(loose); fi.Mode().Perm() != 0o600 {
		t.Errorf("existing file left with mode %04o, want 0600", fi.Mode().Perm())
	}
	// A read-only episode left it without the owner's write bit, or without any bit at all.
	for _, mode := range []os.FileMode{0o400, 0o000} {
		locked := filepath.Join(d, fmt.Sprintf("locked-%04o", mode))
		if err := os.WriteFile(locked, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(locked, mode); err != nil {
			t.Fatal(err)
		}
		if err := Create(locked); err != nil {
			t.Fatalf("Create(mode %04o) = %v", mode, err)
		}
		if fi, _ := os.Stat(locked); fi.Mode().Perm() != 0o600 {
			t.Errorf("file of mode %04o left with mode %04o, want 0600", mode, fi.Mode().Perm())
		}
	}
	if err := RefuseSymlink(fresh); err != nil {
		t.Errorf("RefuseSymlink(regular file) = %v", err)
	}
}
