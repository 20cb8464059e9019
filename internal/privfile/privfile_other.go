//go:build !unix

package privfile

import "io/fs"

const (
	// NoFollow is O_NOFOLLOW where the system has it (0 elsewhere), for os.OpenFile flags.
	NoFollow  = 0
	isWindows = true
)

func checkOwnership(Dir, string, fs.FileInfo) error { return nil }

func checkFileOwner(fs.FileInfo, string) error { return nil }
