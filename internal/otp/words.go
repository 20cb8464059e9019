package otp

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// span is a keyword's position among the tokens.
type span struct{ first, last int }

// findKeywords returns every word or phrase that announces a code, in text order.
func findKeywords(toks []token) []span {
	var out []span
	for i := range toks {
		if isKeyword(toks[i].folded) {
			out = append(out, span{i, i})
			continue
		}
		if n := phraseLen(toks, i); n > 0 {
			out = append(out, span{i, i + n - 1})
		}
	}
	return out
}

// isKeyword matches single words, already folded. Suffix and prefix rules cover German
// compounds (Bestätigungscode, Sicherheitscode) and the many forms of "verify" (verification,
// vérification, verificación, verifizieren).
func isKeyword(w string) bool {
	switch w {
	case "code", "codes", "codigo", "codigos", "codice", "pin", "otp", "totp", "passcode", "password",
		"passwort", "kennwort", "contrasena", "clave", "token", "tan", "mtan", "2fa", "mfa", "login", "signin":
		return true
	}
	return strings.HasSuffix(w, "code") || strings.HasPrefix(w, "verif") || strings.HasPrefix(w, "authenti") ||
		strings.HasSuffix(w, "password") || strings.HasSuffix(w, "passwort")
}

// phraseLen returns how many tokens a keyword phrase starting at i spans, or 0. The words of a
// phrase must be in the same sentence.
func phraseLen(toks []token, i int) int {
	word := func(k int) string {
		if i+k < len(toks) && toks[i+k].sentence == toks[i].sentence {
			return toks[i+k].folded
		}
		return ""
	}
	switch word(0) + " " + word(1) {
	case "is your", "est votre", "es tu", "es su", "ist ihr", "ist dein", "sign in", "log in":
		return 2
	case "mot de":
		if word(2) == "passe" {
			return 3
		}
	}
	return 0
}

// findCandidates returns every possible code in text order: digit runs as the user would type
// them, and alphanumeric words of 4 to 8 characters that contain a digit.
func findCandidates(toks []token) []candidate {
	var out []candidate
	for i := 0; i < len(toks); {
		if !toks[i].isDigits() {
			if c, ok := alnumCandidate(toks, i); ok {
				out = append(out, c)
			}
			i++
			continue
		}
		j := i
		for j+1 < len(toks) && toks[j+1].isDigits() && joinsNumber(toks[j+1].before) {
			j++
		}
		out = append(out, runCandidates(toks, i, j)...)
		i = j + 1
	}
	return out
}

// joinsNumber reports whether the characters between two digit groups keep them in one number:
// a single separator, possibly with the parentheses of an area code ("(202) 555-0143").
// Anything longer (". ", " - ", a word) ends the number.
func joinsNumber(gap string) bool {
	g := strings.TrimSuffix(strings.TrimPrefix(gap, ")"), "(")
	if g == "" {
		return gap != ""
	}
	r, size := utf8.DecodeRuneInString(g)
	return size == len(g) && strings.ContainsRune(" \u00a0\u2009\u202f-\u2010\u2011\u2013./:,", r)
}

// runCandidates turns the digit groups toks[i..j] into the codes they may hold.
func runCandidates(toks []token, i, j int) []candidate {
	total := 0
	for k := i; k <= j; k++ {
		total += len(toks[k].text)
	}
	if total > maxLen || notACode(toks, i, j) {
		return nil
	}
	dashed := false
	for k := i + 1; k <= j; k++ {
		gap := toks[k].before
		// Decimal points and thousands separators (prices), slashes (dates), colons (times) and
		// parentheses (area codes) mean the number is something other than a code.
		if strings.ContainsAny(gap, ".,/:()") {
			return nil
		}
		dashed = dashed || strings.TrimSpace(gap) != ""
	}
	if i == j {
		if total < minLen {
			return nil
		}
		return []candidate{{code: toks[i].text, first: i, last: i, digitsOnly: true}}
	}
	// Codes are split in two halves of 3 or 4 digits for readability: "123 456", "123-456".
	if j == i+1 && isHalf(toks[i].text) && isHalf(toks[j].text) {
		return []candidate{{code: toks[i].text + toks[j].text, first: i, last: j, digitsOnly: true}}
	}
	// Other dashed groups are dates ("2024-05-12") or ranges ("2020-2024").
	if dashed {
		return nil
	}
	// Space-separated groups that are not halves are separate numbers ("code 4821 2 tries").
	var out []candidate
	for k := i; k <= j; k++ {
		if len(toks[k].text) >= minLen {
			out = append(out, candidate{code: toks[k].text, first: k, last: k, digitsOnly: true})
		}
	}
	return out
}

func isHalf(group string) bool { return len(group) == 3 || len(group) == 4 }

// alnumCandidate accepts a word such as "7F3K9Q": 4 to 8 ASCII letters and digits with at least
// one of each. Extract only takes it when it sits next to a keyword.
func alnumCandidate(toks []token, i int) (candidate, bool) {
	w := toks[i].text
	if len(w) < minLen || len(w) > maxLen {
		return candidate{}, false
	}
	digits, letters := 0, 0
	for k := 0; k < len(w); k++ {
		switch {
		case '0' <= w[k] && w[k] <= '9':
			digits++
		case isASCIIAlnum(w[k]):
			letters++
		default:
			return candidate{}, false
		}
	}
	if digits == 0 || letters == 0 || isMeasure(w) || notACode(toks, i, i) {
		return candidate{}, false
	}
	return candidate{code: w, first: i, last: i}, true
}

// isMeasure reports words that are a number with a unit rather than a code: "10min", "22nd",
// "5pm", "100gb", and the French way of writing times, "14h30".
func isMeasure(w string) bool {
	k := 0
	for k < len(w) && '0' <= w[k] && w[k] <= '9' {
		k++
	}
	if k == 0 {
		return false
	}
	rest := w[k:]
	if strings.IndexFunc(rest, func(r rune) bool { return !unicode.IsLower(r) }) < 0 {
		return true
	}
	return k <= 2 && len(rest) == 3 && (rest[0] == 'h' || rest[0] == 'H') &&
		strings.IndexFunc(rest[1:], func(r rune) bool { return r < '0' || r > '9' }) < 0
}

// notACode looks at what surrounds toks[i..j] for signs that it is some other kind of number.
func notACode(toks []token, i, j int) bool {
	before := strings.TrimRightFunc(toks[i].before, func(r rune) bool { return unicode.IsSpace(r) || r == '(' })
	after := strings.TrimLeftFunc(toks[j].after, unicode.IsSpace)
	last, _ := utf8.DecodeLastRuneInString(before)
	next, _ := utf8.DecodeRuneInString(after)
	switch {
	case strings.ContainsRune("+#*•№", last): // phone number, order or reference number, masked card
		return true
	case isCurrencySymbol(last) || isCurrencySymbol(next) || next == '%':
		return true
	case strings.HasSuffix(strings.TrimRightFunc(toks[i].before, unicode.IsSpace), "(") && next == ')':
		return true // "(0800)": an area code
	}
	if i > 0 && toks[i-1].sentence == toks[i].sentence {
		prev := toks[i-1].folded
		if isCurrencyCode(prev) || isContext(prev) {
			return true
		}
		// "Reply STOP to 12345", "card ending in 4821".
		if (prev == "to" || prev == "at" || prev == "in" || prev == "on") && i > 1 &&
			toks[i-2].sentence == toks[i].sentence && isContext(toks[i-2].folded) {
			return true
		}
	}
	return j+1 < len(toks) && toks[j+1].sentence == toks[j].sentence && isCurrencyCode(toks[j+1].folded)
}

func isCurrencySymbol(r rune) bool {
	return unicode.Is(unicode.Sc, r)
}

func isCurrencyCode(w string) bool {
	switch w {
	case "eur", "usd", "gbp", "chf", "jpy", "cad", "aud", "nzd", "inr", "brl", "mxn", "sek", "nok",
		"dkk", "pln", "czk", "huf", "ron", "try", "zar", "cny", "hkd", "sgd":
		return true
	}
	return false
}

// isContext matches words that introduce a number that is not a code: something to call or
// text, an order, invoice or account reference, a card's last digits.
func isContext(w string) bool {
	switch w {
	case "call", "dial", "text", "txt", "sms", "stop", "help", "tel", "phone", "fax", "hotline",
		"order", "ref", "reference", "invoice", "account", "acct", "card", "ending", "tracking",
		"ticket", "booking", "flight", "room", "commande", "facture", "pedido", "factura",
		"bestellung", "rechnung", "konto":
		return true
	}
	return false
}
