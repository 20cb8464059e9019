package termsafe

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Your code is 482913", "Your code is 482913"},
		{"Café ☕ 👨‍👩‍👧 مرحبا", "Café ☕ 👨‍👩‍👧 مرحبا"},
		{"two\nlines\tand a tab", "two\nlines\tand a tab"},
		// The sender: a clipboard write (OSC 52) and a window title.
		{"code 1 \x1b]52;c;cm0g\x07\x1b]0;PWNED\x07", `code 1 \x1b]52;c;cm0g\a\x1b]0;PWNED\a`},
		{"real 111111\rfake 222222", `real 111111\rfake 222222`},
		{"erase\x1b[2K\x1b[1A", `erase\x1b[2K\x1b[1A`},
		{"hidden \x1b[8msecret\x1b[0m", `hidden \x1b[8msecret\x1b[0m`},
		{"nul\x00del\x7f", `nul\x00del\x7f`},
		{"c1 \u009b31m csi", `c1 \u009b31m csi`},
		{"code \u202e321\u202c", `code \u202e321\u202c`},
		{"iso \u2066x\u2069 zw\u200bsp bom\ufeff", `iso \u2066x\u2069 zw\u200bsp bom\ufeff`},
		{"tag \U000E0041\U000E0042", `tag \U000e0041\U000e0042`},
		{"ls\u2028ps\u2029", `ls\u2028ps\u2029`},
		{"bad \xff\xc3 utf8", `bad \xff\xc3 utf8`},
	}
	for _, tt := range tests {
		if got := Escape(tt.in); got != tt.want {
			t.Errorf("Escape(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if Needed(tt.in) != (tt.in != tt.want) {
			t.Errorf("Needed(%q) = %v", tt.in, Needed(tt.in))
		}
	}
}

func TestEscapeCleanTextDoesNotAllocate(t *testing.T) {
	s := "Your Tinder code is 482913. Don't share it."
	if n := testing.AllocsPerRun(100, func() { _ = Escape(s) }); n != 0 {
		t.Errorf("Escape allocated %v times for text with nothing to escape", n)
	}
}

// FuzzEscape checks what makes the output safe on a terminal: valid UTF-8, no byte or rune a
// terminal acts on but newline and tab, nothing invisible but the joiners, and text that had
// nothing to escape left alone.
func FuzzEscape(f *testing.F) {
	for _, s := range []string{"", "code 123456", "\x1b]52;c;cm0g\x07", "\u202e", "\xff", "a\r\nb", "👨‍👩‍👧", "\U000E0041"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Escape(s)
		if !utf8.ValidString(out) {
			t.Fatalf("Escape(%q) = %q: not UTF-8", s, out)
		}
		for _, r := range out {
			if r == '\n' || r == '\t' || r == '\u200c' || r == '\u200d' {
				continue
			}
			if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029' {
				t.Fatalf("Escape(%q) = %q: keeps %U", s, out, r)
			}
		}
		if !Needed(s) && out != s {
			t.Fatalf("Escape(%q) = %q: changed text that needed nothing", s, out)
		}
		if Needed(s) && !strings.Contains(out, `\`) {
			t.Fatalf("Escape(%q) = %q: nothing shown escaped", s, out)
		}
		if Escape(out) != out {
			t.Fatalf("Escape is not idempotent on %q", s)
		}
	})
}
