// Package termsafe makes text that vnum did not write (an SMS body or sender, a carrier's name
// for a number, a locality, a carrier's error message) safe to show to a person: every character
// a terminal would act on or that hides or reorders text is written out visibly instead.
//
// Anyone who knows a number decides what its SMS say, and a carrier (or whoever answers in its
// place) decides the rest; printed raw, an escape sequence could write the clipboard (OSC 52),
// set the window title, erase the line it sits on, or a bidi override could show a code that is
// not the one received. The output layer (tableprinter, the error and warning printers, the
// commands' free-form lines) passes such text through Escape; `--json` output does not need it
// (encoding/json already escapes control characters) and `sms wait --code` prints digits only.
package termsafe

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Escape returns s with every control or invisible format character written as a Go-style
// escape: C0 controls and DEL as \r, \x1b, …; C1 controls, bidi overrides and isolates, zero
// width spaces, tag characters and other format characters, and the line and paragraph
// separators as \u202e, …; bytes that are not UTF-8 as \xff. Newline and tab are kept: they lay
// text out and act on nothing (the table printer flattens them on a pipe). The zero width
// joiner and non-joiner are kept too: emoji sequences and several scripts need them, and they
// hide nothing. Text with nothing to escape is returned as is, without allocating.
func Escape(s string) string {
	i := firstUnsafe(s)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(s[:i])
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			b.WriteString(`\x`)
			b.WriteString(hex2(s[i]))
		case unsafeRune(r):
			b.WriteString(quote(r))
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// Needed reports whether Escape would change s.
func Needed(s string) bool { return firstUnsafe(s) >= 0 }

func firstUnsafe(s string) int {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\n' && c != '\t' || c == 0x7f {
				return i
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size <= 1) || unsafeRune(r) {
			return i
		}
		i += size
	}
	return -1
}

// unsafeRune is a rune Escape writes out: controls other than newline and tab, format
// characters (Cf: bidi controls, zero width space, word joiner, BOM, tags, …) other than the
// joiners, and the line and paragraph separators, which some terminals take as a new line.
func unsafeRune(r rune) bool {
	switch r {
	case '\n', '\t', '\u200c', '\u200d':
		return false
	case '\u2028', '\u2029':
		return true
	}
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r)
}

func quote(r rune) string {
	switch r {
	case '\a':
		return `\a`
	case '\b':
		return `\b`
	case '\f':
		return `\f`
	case '\r':
		return `\r`
	case '\v':
		return `\v`
	}
	if r < utf8.RuneSelf {
		return `\x` + hex2(byte(r))
	}
	h := strconv.FormatInt(int64(r), 16)
	if r > 0xffff {
		return `\U` + strings.Repeat("0", 8-len(h)) + h
	}
	return `\u` + strings.Repeat("0", 4-len(h)) + h
}

func hex2(c byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[c>>4], digits[c&0xf]})
}
