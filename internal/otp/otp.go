// Package otp pulls the one-time verification code out of an SMS, for `vnum sms wait --code`.
//
// It reads a message the way a person does rather than with one big regular expression: the
// text is split into words (CJK text into runs of one script, so "验证码940816" is a keyword and
// a number), digit groups are joined the way people split codes ("123 456", "123-456"), numbers
// that are something else (phone numbers, dates, times, amounts, order and serial numbers,
// links) are set aside, and what remains is ranked by how close it sits to a word that
// announces a code ("code", "PIN", "验证码", "認証番号", "인증번호", "код", "رمز", …).
package otp

import "strconv"

const (
	minLen = 4 // shorter numbers are quantities ("3 attempts"), not codes
	maxLen = 8 // longer ones are phone or account numbers…

	// maxKeyed is the length allowed to a number written right after its keyword: some banks
	// send one-time passwords of 9 or 10 digits ("رمز:1122334455").
	maxKeyed = 10

	// nearWindow is how many words may separate a code from its keyword within one sentence:
	// enough for "code for Acme is 123456", not enough to reach into an unrelated clause.
	nearWindow = 3

	// farWindow is the reach of a keyword when no other number sits between it and the code
	// ("رمز تعريفك الخاص ب Signal هو 490941", "Use 5677 as Microsoft account security code").
	farWindow = 6
)

// candidate is a possible code and where it sits among the message's tokens.
type candidate struct {
	code        string // as the user would type it
	first, last int    // token span
	digitsOnly  bool
	lettersOnly bool // "QGFDAE": taken only right after "code:" at the end of a line
	bracketed   bool // "(0345)", "[123456]": fine next to a keyword, not on its own
	glued       bool // "377381on": digits run into a word, taken only next to a keyword
	pairs       bool // "12-34-56": could be a date, taken only next to a keyword
}

// Extract returns the one-time code in a message, or false when the message has none.
//
// It returns the code as the user would type it: digit groups joined ("123-456" → "123456",
// "738 291" → "738291"), prefixes dropped ("G-412157" → "412157"), leading zeros kept, letters
// in the case they were sent. A candidate next to a keyword in the same sentence wins, the
// nearest one if there are several (a keyword before the code counts slightly more than one
// after it, and a number that looks like a year slightly less). Alphanumeric codes ("7F3K9Q")
// are only taken next to a keyword, and all-letter ones ("QGFDAE") only right after "code:".
// When no candidate sits by a keyword, a message whose only number is a plain one of 4–6
// digits ("Acme: 384756") or of 7–8 written in halves ("1234-5678") gives that number, but one
// about money or about some other kind of code ("barcode") gives none. Phone numbers, dates, times, amounts, links, order, card, account
// and serial numbers are never codes, nor are purchase, promo or tracking codes.
func Extract(text string) (string, bool) {
	toks := tokenize(maskLinks(stripAppHash(text)))
	if len(toks) == 0 {
		return "", false
	}
	kw := findKeywords(toks)
	cands, money := findCandidates(toks)

	best, bestScore := -1, 0
	for i, c := range cands {
		if negated(toks, c, kw.negated) {
			continue
		}
		s, ok := score(toks, c, kw.spans)
		if ok && (best < 0 || s < bestScore) {
			best, bestScore = i, s
		}
	}
	if best >= 0 {
		return cands[best].code, true
	}
	// Nor is a lone number read as a code in a message that neither says "code" anywhere nor is
	// only that number and a name ("Acme: 384756"): "Flight BA 2490 departs at 14:05".
	if money || kw.otherCode || len(kw.spans) == 0 && len(toks) > 4 {
		return "", false
	}
	// No keyword by any candidate: a lone plain number is the code ("Acme: 384756"); two or more
	// are a guess. Without a keyword, 7 or 8 digits in one piece are as likely a phone number
	// ("<s>99999999</s> သို့ …": sent to 99999999); written in halves ("1234-5678") they are a code.
	var lone *candidate
	for i, c := range cands {
		if !c.digitsOnly || c.bracketed || c.glued || c.pairs || len(c.code) > maxLen || yearLike(c.code) || negated(toks, c, kw.negated) ||
			len(c.code) > 6 && c.first == c.last {
			continue
		}
		if lone != nil {
			return "", false
		}
		lone = &cands[i]
	}
	if lone != nil {
		return lone.code, true
	}
	return "", false
}

// score ranks c against the keywords: lower is better, false when no keyword vouches for it.
func score(toks []token, c candidate, kws []span) (int, bool) {
	best, found := 0, false
	for _, k := range kws {
		var between int
		before := k.last < c.first // the keyword comes first: "code: 123456"
		if before && k.dir < 0 || !before && k.dir > 0 {
			continue
		}
		switch {
		case before:
			between = c.first - k.last - 1
		case k.first > c.last:
			between = k.first - c.last - 1
		default:
			continue
		}
		lo, hi := min(k.first, c.first), max(k.last, c.last)
		if toks[lo].sentence != toks[hi].sentence {
			continue
		}
		if between > nearWindow && !(between <= farWindow && !numberBetween(toks, min(k.last, c.last), max(k.first, c.first))) {
			continue
		}
		if c.lettersOnly && !(before && between == 0 && colonAfter(toks[k.last]) && endsLine(toks, c.last)) {
			continue
		}
		if len(c.code) > maxLen && !(before && between <= 1 && !numberBetween(toks, k.last, c.first)) {
			continue
		}
		s := between * 4
		if !before {
			s++
		}
		if c.digitsOnly && yearLike(c.code) {
			s += 2
		}
		if !found || s < best {
			best, found = s, true
		}
	}
	return best, found
}

// numberBetween reports whether a token made of digits lies strictly between i and j.
func numberBetween(toks []token, i, j int) bool {
	for k := i + 1; k < j; k++ {
		if toks[k].hasDigit() {
			return true
		}
	}
	return false
}

// yearLike reports whether a 4-digit number reads as a year (1900–2099). Without a keyword
// nearby, "© 2024 Acme" is far more likely than a code that happens to look like a year.
func yearLike(code string) bool {
	if len(code) != 4 {
		return false
	}
	n, err := strconv.Atoi(code)
	return err == nil && n >= 1900 && n <= 2099
}
