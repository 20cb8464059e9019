//go:build unix

package auth

import (
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// A _FILE that is a FIFO nobody writes to used to hang vnum (open(2) blocks, out of reach of
// Ctrl-C); now it fails at once. A pipe that delivers its content still works, as with the
// shell's TWILIO_AUTH_TOKEN_FILE=<(pass show twilio).
func TestReadSecretFileFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "token")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no FIFO here: %v", err)
	}
	done := make(chan error, 1)
	go func() { _, err := readSecretFile(fifo); done <- err }()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("a FIFO with no writer gave a secret")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("reading a FIFO with no writer hangs")
	}

	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	go func() { _, _ = w.WriteString("s3cret\n"); _ = w.Close() }()
	v, err := readSecretFile("/dev/fd/" + strconv.Itoa(int(r.Fd())))
	if err != nil || v != "s3cret" {
		t.Fatalf("readSecretFile(pipe) = %q, %v", v, err)
	}
}
