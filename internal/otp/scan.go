package otp

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// token is one word of the message: a maximal run of letters and digits of one kind.
type token struct {
	text     string
	folded   string // lower case without accents, for keyword matching
	before   string // the characters between the previous token (or the start) and this one
	after    string // the characters between this token and the next (or the end)
	sentence int    // index of the sentence the token is in
	unspaced bool   // written in a script without spaces between words (Han, kana, Hangul, Thai)
}

func (t token) isDigits() bool {
	for i := 0; i < len(t.text); i++ {
		if t.text[i] < '0' || t.text[i] > '9' {
			return false
		}
	}
	return t.text != ""
}

func (t token) hasDigit() bool {
	return strings.IndexFunc(t.text, func(r rune) bool { return '0' <= r && r <= '9' }) >= 0
}

// maskLinks replaces every link with spaces, so that digits in it (tracking ids, reset
// tokens) are not taken for the code and the words on either side stay apart. A link is a URL
// of any scheme ("sgnl://verify/1234-5678", "http://t.cn/RhpFIU2"), a bare domain with a path
// ("v.whatsapp.com/105876"), an e-mail address or the "@example.com" line of WebOTP messages;
// it runs to the next blank.
func maskLinks(s string) string {
	if !strings.ContainsAny(s, "/@") {
		return s // the common case
	}
	var b []byte
	fieldStart := 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && !isBlank(s[i]) {
			continue
		}
		if from := linkStart(s[fieldStart:i]); from >= 0 {
			if b == nil {
				b = []byte(s)
			}
			for k := fieldStart + from; k < i; k++ {
				b[k] = ' '
			}
		}
		fieldStart = i + 1
	}
	if b == nil {
		return s
	}
	return string(b)
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// linkStart returns where a link begins in a field (a run of text without blanks), or -1.
func linkStart(f string) int {
	if strings.IndexByte(f, '@') >= 0 {
		return 0
	}
	slash := strings.IndexByte(f, '/')
	if slash < 0 {
		return -1
	}
	if i := strings.Index(f, "://"); i > 0 {
		k := i
		for k > 0 && isSchemeChar(f[k-1]) {
			k--
		}
		if k < i {
			return k
		}
	}
	// A domain with a path: letters, digits, dots and dashes ending in ".tld" before the slash.
	k := slash
	for k > 0 && (isASCIIAlnum(f[k-1]) || f[k-1] == '.' || f[k-1] == '-') {
		k--
	}
	host := f[k:slash]
	dot := strings.LastIndexByte(host, '.')
	if dot <= 0 || len(host)-dot-1 < 2 {
		return -1
	}
	for i := dot + 1; i < len(host); i++ {
		if c := host[i] | 0x20; c < 'a' || c > 'z' {
			return -1
		}
	}
	return k
}

func isSchemeChar(c byte) bool {
	return isASCIIAlnum(c) || c == '+' || c == '.' || c == '-'
}

// appHashLen is the length of the hash the Android SMS Retriever API asks apps to append to
// their verification messages; it identifies the app and is not part of the code.
const appHashLen = 11

// stripAppHash removes an SMS Retriever app hash: an 11-character base64 word at the end of a
// message that starts with "<#>" (or "[#]"), or on a line of its own at the end (the newer format).
func stripAppHash(s string) string {
	t := strings.TrimRightFunc(s, unicode.IsSpace)
	i := strings.LastIndexFunc(t, unicode.IsSpace)
	if i < 0 {
		return s
	}
	r, size := utf8.DecodeRuneInString(t[i:])
	last := t[i+size:]
	if len(last) != appHashLen || !isBase64(last) {
		return s
	}
	head := strings.TrimSpace(s)
	if !strings.HasPrefix(head, "<#>") && !strings.HasPrefix(head, "[#]") && r != '\n' {
		return s
	}
	return t[:i]
}

func isBase64(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isASCIIAlnum(c) && c != '+' && c != '/' {
			return false
		}
	}
	return true
}

func isASCIIAlnum(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// Kinds of word characters. A token never mixes kinds, except Latin letters with ASCII
// digits ("7F3K9Q", "G-412157" is two tokens anyway): "验证码940816" is a keyword and a number,
// "인증번호[123456]입니다" three words, while "Bestätigungscode" stays whole.
const (
	kindNone     = iota
	kindDigit    // ASCII digits
	kindLatin    // Latin letters (accents included)
	kindUnspaced // scripts written without spaces between words
	kindOther    // other letters and digits (Cyrillic, Greek, Arabic, Hebrew, Devanagari, …)
)

func runeKind(r rune) int {
	switch {
	case '0' <= r && r <= '9':
		return kindDigit
	case r < utf8.RuneSelf:
		if 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' {
			return kindLatin
		}
		return kindNone
	case 0x4e00 <= r && r <= 0x9fff || 0x3040 <= r && r <= 0x30ff || 0xac00 <= r && r <= 0xd7a3:
		return kindUnspaced // the common Han, kana and Hangul, without a table search
	case 0xc0 <= r && r <= 0x24f && r != 0xd7 && r != 0xf7:
		return kindLatin
	case 0x400 <= r && r <= 0x481 || 0x48a <= r && r <= 0x4ff || 0x620 <= r && r <= 0x64a || 0x5d0 <= r && r <= 0x5ea:
		return kindOther // Cyrillic, Arabic and Hebrew letters
	case unicode.In(r, unicode.Mn, unicode.Mc):
		return kindNone // handled by the caller: a mark belongs to the letter before it
	case unicode.Is(unicode.Latin, r):
		return kindLatin
	case unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul, unicode.Thai, unicode.Lao, unicode.Khmer, unicode.Myanmar):
		return kindUnspaced
	case r == 'ー' || r == '々':
		return kindUnspaced
	case unicode.IsLetter(r) || unicode.IsDigit(r):
		return kindOther
	}
	return kindNone
}

// joins reports whether a rune of kind b continues a token of kind a. Latin letters join the
// letters of other spaced scripts: "кôд" is written with a Latin ô in Serbian.
func joins(a, b int) bool {
	return a == b || a == kindLatin && (b == kindDigit || b == kindOther) || b == kindLatin && (a == kindDigit || a == kindOther)
}

// tokenize splits s into words and numbers each one's sentence.
func tokenize(s string) []token {
	toks := make([]token, 0, len(s)/5+4)
	start := -1 // start of the current word, -1 between words
	kind := kindNone
	gapStart := 0
	sentence := 0
	for i, r := range s {
		k := runeKind(r)
		if k == kindNone && start >= 0 && unicode.In(r, unicode.Mn, unicode.Mc) {
			continue // a combining accent or vowel sign stays with its letter
		}
		if start >= 0 && (k == kindNone || !joins(kind, k)) {
			toks[len(toks)-1].text = s[start:i]
			start, gapStart = -1, i
		}
		if k == kindNone || start >= 0 {
			if start >= 0 && kind != k && (kind == kindDigit || kind == kindLatin) {
				kind = kindLatin // "7F3K9Q": a Latin token with digits in it
			}
			continue
		}
		start, kind = i, k
		before := s[gapStart:i]
		if len(toks) > 0 {
			toks[len(toks)-1].after = before
			if endsSentence(before) {
				sentence++
			}
		}
		toks = append(toks, token{before: before, sentence: sentence, unspaced: k == kindUnspaced})
	}
	if start >= 0 {
		toks[len(toks)-1].text = s[start:]
	} else if len(toks) > 0 {
		toks[len(toks)-1].after = s[gapStart:]
	}
	// Fold every word into one buffer: one allocation for the message, not one per word.
	buf := make([]byte, 0, len(s)+len(s)/4)
	ends := make([]int, len(toks))
	for i := range toks {
		if toks[i].unspaced {
			buf = append(buf, toks[i].text...) // decomposing would split kana and Hangul apart
		} else {
			buf = appendFold(buf, toks[i].text)
		}
		ends[i] = len(buf)
	}
	folded := string(buf)
	from := 0
	for i := range toks {
		toks[i].folded = folded[from:ends[i]]
		from = ends[i]
	}
	return toks
}

// endsSentence reports whether the characters between two words close a sentence: a full stop,
// question or exclamation mark followed by a blank, or a line break. A line break after a colon
// does not count, because "Your code is:\n123456" is one statement.
func endsSentence(gap string) bool {
	newline, colon := false, false
	for i := 0; i < len(gap); i++ {
		switch c := gap[i]; c {
		case '\n':
			newline = true
		case ':':
			colon = true
		case '.', '!', '?':
			if i+1 < len(gap) && (gap[i+1] == ' ' || gap[i+1] == '\t' || gap[i+1] == '\r' || gap[i+1] == '\n') {
				return true
			}
		case 0xe3, 0xef: // the first byte of "。" (e3 80 82), "！" (ef bc 81), "？" (ef bc 9f), "：" (ef bc 9a)
			if i+2 < len(gap) {
				switch gap[i : i+3] {
				case "。", "！", "？":
					return true
				case "：":
					colon = true
				}
			}
		}
	}
	return newline && !colon
}

// colonAfter reports whether the characters after t hold a colon: "Code: QGFDAE".
func colonAfter(t token) bool {
	return strings.ContainsAny(t.after, ":：")
}

// endsLine reports whether toks[i] is the last word of its line (or of the message).
func endsLine(toks []token, i int) bool {
	a := strings.TrimLeft(toks[i].after, " \t\u00a0")
	return i == len(toks)-1 || a != "" && (a[0] == '\n' || a[0] == '\r' || strings.HasPrefix(a, "。"))
}

// appendFold appends s lower-cased and without the accents of Latin, Greek and Cyrillic
// letters, so "Vérification", "código", "mã", "κωδικός" and "Bestätigungscode" match the plain
// spellings in the keyword lists. Other scripts are left whole: decomposing them would change
// their letters.
func appendFold(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return appendFoldUnicode(b, s[i:])
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return b
}

func appendFoldUnicode(b []byte, s string) []byte {
	var dec [16]byte
	prev := rune(0) // the letter before, to tell a Latin letter inside a Cyrillic word
	for _, r := range s {
		r = unicode.ToLower(r)
		last := prev
		prev = r
		switch r {
		case 'ł':
			r = 'l'
		case 'đ':
			r = 'd'
		case 'ı':
			r = 'i'
		case 'ø':
			r = 'o'
		}
		if r < utf8.RuneSelf || !unicode.In(r, unicode.Latin, unicode.Greek, unicode.Cyrillic) {
			b = utf8.AppendRune(b, r)
			continue
		}
		n := utf8.EncodeRune(dec[:], r)
		for _, d := range string(norm.NFD.Append(dec[4:4], dec[:n]...)) {
			if unicode.Is(unicode.Mn, d) {
				continue
			}
			if d == 'o' && last >= 0x400 && last <= 0x4ff {
				d = 'о' // Serbian writes "кôд" with a Latin ô: read it as the Cyrillic о
			}
			b = utf8.AppendRune(b, d)
		}
	}
	return b
}
