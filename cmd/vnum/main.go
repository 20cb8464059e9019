// Command vnum manages disposable phone numbers. Everything happens in internal/app; main only
// turns its result into the process's exit status.
package main

import (
	"os"

	"github.com/vnum-cli/vnum/internal/app"
)

func main() {
	os.Exit(int(app.Main()))
}
