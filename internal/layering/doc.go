// Package layering holds no code: its test enforces vnum's layers (see layering_test.go), so CI
// fails when a carrier adapter reaches into the CLI, an adapter imports another, a command
// spends money without the number lifecycle and its journal, a command stops the progress
// spinner by hand (the streams own it), or a package linked into vnum compiles a regexp at
// start-up.
package layering
