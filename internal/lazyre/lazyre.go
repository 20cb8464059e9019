// Package lazyre is a regular expression compiled on first use. A package-level
// regexp.MustCompile runs at start-up for every command, `vnum --version` included, although
// most commands never match the pattern; a lazyre.Regexp costs nothing until then.
package lazyre

import (
	"regexp"
	"sync"
)

// Regexp compiles its expression once, on first use; it is safe for concurrent use. An invalid
// expression panics at that first use, as regexp.MustCompile would at start-up: it is a
// programming error, which the package's tests catch.
type Regexp struct {
	expr string
	once sync.Once
	re   *regexp.Regexp
}

// New returns expr, to be compiled on first use.
func New(expr string) *Regexp { return &Regexp{expr: expr} }

// Regexp returns the compiled expression.
func (r *Regexp) Regexp() *regexp.Regexp {
	r.once.Do(func() { r.re = regexp.MustCompile(r.expr) })
	return r.re
}

// MatchString is regexp.Regexp.MatchString.
func (r *Regexp) MatchString(s string) bool { return r.Regexp().MatchString(s) }

// FindStringSubmatch is regexp.Regexp.FindStringSubmatch.
func (r *Regexp) FindStringSubmatch(s string) []string { return r.Regexp().FindStringSubmatch(s) }

// FindAllStringIndex is regexp.Regexp.FindAllStringIndex.
func (r *Regexp) FindAllStringIndex(s string, n int) [][]int {
	return r.Regexp().FindAllStringIndex(s, n)
}

// ReplaceAllString is regexp.Regexp.ReplaceAllString.
func (r *Regexp) ReplaceAllString(src, repl string) string {
	return r.Regexp().ReplaceAllString(src, repl)
}

// String is the expression.
func (r *Regexp) String() string { return r.expr }
