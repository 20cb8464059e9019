// Package build carries the version stamped in at link time (-ldflags -X), with a fallback to the
// module version Go records when vnum is installed with `go install`.
package build

import "runtime/debug"

// Set with -ldflags "-X github.com/vnum-cli/vnum/internal/build.Version=v1.2.3 …" by goreleaser.
var (
	Version = ""
	Commit  = ""
	Date    = ""
)

// Info is what `vnum version` prints.
type Info struct {
	Version string `json:"version"`
	Commit  string `json:"commit"`
	Date    string `json:"date"`
}

// Current returns the stamped values, falling back to the build info Go embeds. It is computed on
// demand rather than in init() so start-up does no work for it.
func Current() Info {
	i := Info{Version: Version, Commit: Commit, Date: Date}
	if i.Version != "" {
		return i
	}
	i.Version = "dev"
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v := bi.Main.Version; v != "" && v != "(devel)" {
			i.Version = v
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if i.Commit == "" {
					i.Commit = s.Value
				}
			case "vcs.time":
				if i.Date == "" {
					i.Date = s.Value
				}
			}
		}
	}
	return i
}
