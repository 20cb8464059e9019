package otp

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// token is one word of the message: a maximal run of letters and digits.
type token struct {
	text     string
	folded   string // lower case without accents, for keyword matching
	before   string // the characters between the previous token (or the start) and this one
	after    string // the characters between this token and the next (or the end)
	sentence int    // index of the sentence the token is in
}

func (t token) isDigits() bool {
	for i := 0; i < len(t.text); i++ {
		if t.text[i] < '0' || t.text[i] > '9' {
			return false
		}
	}
	return t.text != ""
}

// linkPattern matches what is read as an address, not as words: URLs, bare domains with a path
// ("g.co/abc123"), e-mail addresses and the "@example.com" line of WebOTP messages. Digits in
// them (tracking ids, reset tokens) must not be taken for the code. The pattern is compiled once
// and never changes.
var linkPattern = regexp.MustCompile(`(?i)\b(?:https?://|www\.)\S+|\b[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.[a-z]{2,}/\S*|\S*@\S+`)

// maskLinks replaces every link with a space, so the words on either side stay apart.
func maskLinks(s string) string {
	return linkPattern.ReplaceAllLiteralString(s, " ")
}

// appHashLen is the length of the hash the Android SMS Retriever API asks apps to append to
// their verification messages; it identifies the app and is not part of the code.
const appHashLen = 11

// stripAppHash removes an SMS Retriever app hash: an 11-character base64 word at the end of a
// message that starts with "<#>", or on a line of its own at the end (the newer format).
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
	if !strings.HasPrefix(strings.TrimSpace(s), "<#>") && r != '\n' {
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

// isWordRune keeps accented letters whole, including ones written with combining marks.
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// tokenize splits s into words and numbers each one's sentence.
func tokenize(s string) []token {
	var toks []token
	start := -1 // start of the current word, -1 between words
	gapStart := 0
	sentence := 0
	for i, r := range s {
		switch {
		case isWordRune(r) && start < 0:
			start = i
			before := s[gapStart:i]
			if len(toks) > 0 {
				toks[len(toks)-1].after = before
				if endsSentence(before) {
					sentence++
				}
			}
			toks = append(toks, token{before: before, sentence: sentence})
		case !isWordRune(r) && start >= 0:
			toks[len(toks)-1].text = s[start:i]
			start, gapStart = -1, i
		}
	}
	if start >= 0 {
		toks[len(toks)-1].text = s[start:]
	} else if len(toks) > 0 {
		toks[len(toks)-1].after = s[gapStart:]
	}
	for i := range toks {
		toks[i].folded = fold(toks[i].text)
	}
	return toks
}

// endsSentence reports whether the characters between two words close a sentence: a full stop,
// question or exclamation mark followed by a blank, or a line break. A line break after a colon
// does not count, because "Your code is:\n123456" is one statement.
func endsSentence(gap string) bool {
	if strings.ContainsAny(gap, "。！？") {
		return true
	}
	if strings.Contains(gap, "\n") && !strings.Contains(gap, ":") {
		return true
	}
	for i := 0; i+1 < len(gap); i++ {
		if strings.IndexByte(".!?", gap[i]) >= 0 && (gap[i+1] == ' ' || gap[i+1] == '\t' || gap[i+1] == '\r') {
			return true
		}
	}
	return false
}

// fold lower-cases s and strips the accents of Latin letters, so "Vérification", "código" and
// "Bestätigungscode" match the plain spellings in the keyword lists.
func fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range strings.ToLower(s) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		b.WriteRune(unaccent(r))
	}
	return b.String()
}

func unaccent(r rune) rune {
	switch r {
	case 'à', 'á', 'â', 'ã', 'ä', 'å':
		return 'a'
	case 'ç':
		return 'c'
	case 'è', 'é', 'ê', 'ë':
		return 'e'
	case 'ì', 'í', 'î', 'ï':
		return 'i'
	case 'ñ':
		return 'n'
	case 'ò', 'ó', 'ô', 'õ', 'ö':
		return 'o'
	case 'ù', 'ú', 'û', 'ü':
		return 'u'
	default:
		return r
	}
}
