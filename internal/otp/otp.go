// Package otp pulls the one-time verification code out of an SMS, for `vnum sms wait --code`.
//
// It works on words rather than on one big regular expression: the text is split into tokens,
// digit groups are joined the way people split codes ("123 456", "123-456"), numbers that are
// something else (phone numbers, dates, times, prices, order numbers, links) are set aside, and
// what remains is ranked by how close it sits to a word such as "code", "PIN" or "is your".
package otp

import "strconv"

const (
	minLen = 4 // shorter numbers are quantities ("3 attempts"), not codes
	maxLen = 8 // longer ones are phone or account numbers

	// nearWindow is how many words may separate a code from its keyword within one sentence:
	// enough for "code for Acme is 123456", not enough to reach into an unrelated clause.
	nearWindow = 3
)

// candidate is a possible code and where it sits among the message's tokens.
type candidate struct {
	code        string // as the user would type it
	first, last int    // token span
	digitsOnly  bool
}

// Extract returns the one-time code in a message, or false when there is none.
//
// It returns the code as the user would type it: digit groups joined ("123-456" → "123456",
// "738 291" → "738291"), leading zeros kept, letters in the case they were sent. A candidate
// next to a keyword (code, PIN, OTP, password, verification, "is your", and French, Spanish and
// German equivalents) wins, the first one in the text if there are several, preferring one that
// does not look like a year; alphanumeric codes ("7F3K9Q") are only accepted there. Failing
// that, the first run of 4 to 8 digits that is not a year is taken. Phone numbers, dates,
// times, prices, links, order and card numbers and numbers of 1 to 3 digits are never codes.
// The Android SMS Retriever app hash that ends some messages ("<#> … FA+9qCX9VSu") is ignored.
func Extract(text string) (string, bool) {
	toks := tokenize(maskLinks(stripAppHash(text)))
	if len(toks) == 0 {
		return "", false
	}
	keywords := findKeywords(toks)
	cands := findCandidates(toks)

	// A year next to a keyword ("Acme 2024: your code is 482913") gives way to any other
	// candidate there, but is still taken when it is the only one ("Your PIN is 1987").
	var nearYear *candidate
	for i, c := range cands {
		if !nearAny(toks, c, keywords) {
			continue
		}
		if !c.digitsOnly || !yearLike(c.code) {
			return c.code, true
		}
		if nearYear == nil {
			nearYear = &cands[i]
		}
	}
	if nearYear != nil {
		return nearYear.code, true
	}
	for _, c := range cands {
		if c.digitsOnly && !yearLike(c.code) {
			return c.code, true
		}
	}
	return "", false
}

// nearAny reports whether some keyword is within nearWindow words of c in the same sentence.
func nearAny(toks []token, c candidate, keywords []span) bool {
	for _, k := range keywords {
		var between int
		switch {
		case k.last < c.first:
			between = c.first - k.last - 1
		case k.first > c.last:
			between = k.first - c.last - 1
		default:
			continue
		}
		lo, hi := min(k.first, c.first), max(k.last, c.last)
		if between <= nearWindow && toks[lo].sentence == toks[hi].sentence {
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
