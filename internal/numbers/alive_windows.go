//go:build windows

package numbers

import "os"

// processAlive reports whether pid names a running process; on Windows FindProcess opens a handle
// and fails for a process that has exited.
func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	_ = p.Release()
	return true
}
