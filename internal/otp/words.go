package otp

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// span is a keyword's position among the tokens. A keyword that reads as "is your" only
// vouches for a code before it ("123456 is your code"), one that reads as "is" after the
// addressee ("… của Quý khách là 123-456") only for a code after it.
type span struct {
	first, last int
	dir         int  // 0: either side; -1: codes before it only; +1: codes after it only
	weak        bool // "is your": no keyword on its own, dropped in a message about some other code
}

// keywords are the words of a message that announce a code, and the ones that announce a code
// that is not for signing in ("Your Purchase Code is 39M4W", "promo code").
type keywords struct {
	spans   []span
	negated []span
	// otherCode is set by a word that holds a keyword but means something else ("vscode",
	// "barcode", "footpath", "בנקודת"): such a message is not about a code, so a lone number
	// in it is not one.
	otherCode bool
}

// findKeywords returns every word or phrase that announces a code, in text order.
func findKeywords(toks []token) keywords {
	var kw keywords
	for i := 0; i < len(toks); i++ {
		n, dir := phraseLen(toks, i)
		if n == 0 && isKeyword(toks[i]) {
			n = 1
		}
		if n == 0 {
			kw.otherCode = kw.otherCode || nearMiss(toks[i])
			continue
		}
		sp := span{i, i + n - 1, dir, dir != 0}
		if i > 0 && toks[i-1].sentence == toks[i].sentence && notForSignIn(toks[i-1].folded) {
			kw.negated = append(kw.negated, sp)
		} else {
			kw.spans = append(kw.spans, sp)
		}
		i += n - 1
	}
	if kw.otherCode { // "123456 is your foOTPath"
		strong := kw.spans[:0]
		for _, sp := range kw.spans {
			if !sp.weak {
				strong = append(strong, sp)
			}
		}
		kw.spans = strong
	}
	return kw
}

// isKeyword matches single words. Rules on prefixes and suffixes cover compounds
// (Bestätigungscode, verificatiecode, vahvistuskoodia) and inflections (kodu, kodunuz, кодом,
// пароля); scripts written without spaces are searched for the keyword inside the run.
func isKeyword(t token) bool {
	w := t.folded
	if w == "" {
		return false // a word of marks only, which folding removes
	}
	if t.unspaced {
		for _, k := range unspacedKeywords {
			if strings.Contains(w, k) {
				return true
			}
		}
		return false
	}
	switch w {
	case "code", "codes", "codigo", "codigos", "codice", "codi", "codul", "codului", "pin", "otp", "totp", "passcode",
		"password", "passwort", "kennwort", "contrasena", "clave", "senha", "token", "tan", "mtan", "2fa", "mfa",
		"login", "signin", "kod", "kode", "kodi", "kods", "koodi", "kood", "sifre", "sifreniz", "haslo",
		"parol", "parola", "parolasi", "wachtwoord", "losen", "losenord", "adgangskode", "koden", "kodas", "sifra",
		"chod", "cod", "msimbo",
		"код", "кода", "коду", "кодом", "пароль", "пароля", "κωδικος", "κωδικο", "کد", "رمز", "الرمز", "رمزك", "كود",
		"الكود", "קוד", "הקוד", "סיסמה", "הסיסמה", "סיסמתך", "कोड", "ओटीपी", "पासवर्ड", "सत्यापन", "पुष्टि", "কোড", "ওটিপি", "کوڈ":
		return true
	}
	if w[0] < utf8.RuneSelf && strings.IndexByte(w, 'o') < 0 && !strings.HasPrefix(w, "veri") &&
		!strings.HasPrefix(w, "aut") && !strings.HasPrefix(w, "sif") && !strings.Contains(w, "uthibitish") {
		return false // the common word: none of the rules below can match it
	}
	if strings.HasSuffix(w, "code") {
		for _, x := range notCodeSuffixes {
			if strings.HasSuffix(w, x) {
				return false
			}
		}
		return true
	}
	return strings.HasPrefix(w, "verif") || strings.HasPrefix(w, "authenti") || strings.HasPrefix(w, "autentica") ||
		strings.HasPrefix(w, "authori") || strings.HasPrefix(w, "autoriza") || strings.HasPrefix(w, "autoris") ||
		strings.HasSuffix(w, "password") || strings.HasSuffix(w, "passwort") || strings.HasSuffix(w, "kennwort") ||
		strings.Contains(w, "koodi") || w != "szkoda" && hasAnySuffix(w, "kod", "koda", "kode", "kodea", "kodja", "kodu", "kodunuz", "kood", "kodas") ||
		len(w) <= 11 && (strings.HasPrefix(w, "kodu") || strings.HasPrefix(w, "kodem") || strings.HasPrefix(w, "sifre")) ||
		strings.HasPrefix(w, "парол") || strings.HasPrefix(w, "κωδικ") || strings.HasPrefix(w, "رمز") || // رمزدوم, رمزك
		strings.HasPrefix(w, "كود") || strings.HasPrefix(w, "კოდ") || strings.Contains(w, "koð") ||
		strings.HasPrefix(w, "kuthibitish") || strings.HasPrefix(w, "uthibitish")
}

func hasAnySuffix(w string, suffixes ...string) bool {
	for _, x := range suffixes {
		if strings.HasSuffix(w, x) {
			return true
		}
	}
	return false
}

// notCodeSuffixes are words ending in "code" that are not a code to type: "unicode", "barcode".
var notCodeSuffixes = []string{"unicode", "barcode", "encode", "decode", "vscode", "fancode", "qrcode", "postcode",
	"zipcode", "opcode", "keycode", "promocode", "shortcode", "errorcode", "statuscode", "hscode"}

// unspacedKeywords are searched inside runs of Han, kana, Hangul or Thai, already folded. A
// word that holds one of them needs no entry of its own: 验证 covers 验证码 and 验证代码,
// 密碼 動態密碼, コード 認証コード, 確認コード and パスコード, 인증 인증번호.
var unspacedKeywords = []string{
	"校验码", "校驗碼", "动态码", "動態碼", "确认码", "確認碼", "认证码", "認證碼",
	"激活码", "授权码", "安全码", "口令", "密码", "密碼", "识别码", "验证", "驗證", "认证代码", "認證代碼",
	"登录", "登入", "登陆",
	"認証番号", "確認番号", "暗証番号", "パスワード", "ワンタイム", "コード",
	"인증", "코드", "비밀번호", "확인번호", "승인번호",
	"รหัส",
}

// nearMiss reports a word that holds a keyword's letters without being one.
func nearMiss(t token) bool {
	if t.unspaced || len(t.folded) < 3 || t.folded[0] < utf8.RuneSelf && strings.IndexByte(t.folded, 'o') < 0 {
		return false
	}
	for _, k := range []string{"code", "otp", "kod", "код", "קוד"} {
		if strings.Contains(t.folded, k) {
			return true
		}
	}
	return false
}

// phraseLen returns how many tokens a keyword phrase starting at i spans and which side of it
// a code may be (see span), or 0. The words of a phrase must be in the same sentence.
func phraseLen(toks []token, i int) (int, int) {
	word := func(k int) string {
		if i+k < len(toks) && toks[i+k].sentence == toks[i].sentence {
			return toks[i+k].folded
		}
		return ""
	}
	switch w0 := word(0); w0 {
	case "is", "est", "es", "ist", "la", "e":
		switch w1 := word(1); {
		case w0 == "is" && w1 == "your", w0 == "est" && w1 == "votre", w0 == "es" && (w1 == "tu" || w1 == "su"),
			w0 == "ist" && (w1 == "ihr" || w1 == "dein"), w0 == "la" && w1 == "ma", w0 == "e" && w1 == "o":
			return 2, -1
		}
	case "khach", "ban":
		if word(1) == "la" {
			return 2, +1
		}
	case "sign", "log":
		if word(1) == "in" {
			return 2, 0
		}
	case "mot":
		if word(1) == "de" && word(2) == "passe" {
			return 3, 0
		}
	case "ma":
		switch word(1) {
		case "xac", "kich", "dang", "bao", "otp", "so":
			return 2, 0
		}
	}
	return 0, 0
}

// notForSignIn matches the word before "code" in a code that is not typed to sign in.
func notForSignIn(w string) bool {
	switch w {
	case "purchase", "promo", "promotional", "coupon", "discount", "voucher", "gift", "referral", "invite", "invitation",
		"tracking", "postal", "zip", "area", "country", "order", "booking", "product", "error", "status", "qr", "bar":
		return true
	}
	return false
}

// negated reports whether c follows closely a code that is not for signing in.
func negated(toks []token, c candidate, negs []span) bool {
	for _, k := range negs {
		if k.last < c.first && c.first-k.last-1 <= nearWindow && toks[k.last].sentence == toks[c.first].sentence {
			return true
		}
	}
	return false
}

// findCandidates returns every possible code in text order: digit runs as the user would type
// them and words of 4 to 8 ASCII letters and digits. money reports an amount in the message.
func findCandidates(toks []token) (out []candidate, money bool) {
	for i := 0; i < len(toks); {
		if !toks[i].isDigits() {
			if c, ok := wordCandidate(toks, i); ok {
				out = append(out, c)
			}
			i++
			continue
		}
		j := i
		for j+1 < len(toks) && toks[j+1].isDigits() && joinsNumber(toks[j+1].before) {
			j++
		}
		cs, m := runCandidates(toks, i, j)
		out = append(out, cs...)
		money = money || m
		i = j + 1
	}
	return out, money
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

// runCandidates turns the digit groups toks[i..j] into the codes they may hold; money reports
// that they are an amount.
func runCandidates(toks []token, i, j int) (out []candidate, money bool) {
	total := 0
	for k := i; k <= j; k++ {
		total += len(toks[k].text)
	}
	if isAmount(toks, i, j) {
		return nil, true
	}
	if total > maxKeyed || notACode(toks, i, j) {
		return nil, false
	}
	dashed := false
	for k := i + 1; k <= j; k++ {
		gap := toks[k].before
		// Decimal points and thousands separators (prices), slashes (dates), colons (times) and
		// parentheses (area codes) mean the number is something other than a code.
		if strings.ContainsAny(gap, ".,/:()") {
			return nil, false
		}
		dashed = dashed || strings.TrimSpace(gap) != ""
	}
	// A trailing or leading dash belongs to a longer number cut short: "388-941-".
	if strings.HasPrefix(strings.TrimLeft(toks[j].after, " "), "-") && j > i || strings.HasSuffix(toks[i].before, "-") && i > 0 && toks[i-1].isDigits() {
		return nil, false
	}
	br := bracketed(toks, i, j)
	if i == j {
		if total < minLen {
			return nil, false
		}
		return []candidate{{code: toks[i].text, first: i, last: i, digitsOnly: true, bracketed: br}}, false
	}
	// Codes are split in two halves of 3 or 4 digits for readability: "123 456", "123-456".
	if j == i+1 && isHalf(toks[i].text) && isHalf(toks[j].text) {
		return []candidate{{code: toks[i].text + toks[j].text, first: i, last: j, digitsOnly: true, bracketed: br}}, false
	}
	// Some senders write a 6-digit code in pairs: "12-34-56", "12 34 56". Dates are written so
	// too ("12-05-24"), so such a code is taken only next to a keyword.
	if j == i+2 && len(toks[i].text) == 2 && len(toks[i+1].text) == 2 && len(toks[j].text) == 2 &&
		toks[i+1].before == toks[j].before {
		return []candidate{{code: toks[i].text + toks[i+1].text + toks[j].text, first: i, last: j, digitsOnly: true,
			bracketed: br, pairs: true}}, false
	}
	// Other dashed groups are dates ("2024-05-12") or ranges ("2020-2024").
	if dashed {
		return nil, false
	}
	// Space-separated groups that are not halves are separate numbers ("code 4821 2 tries").
	for k := i; k <= j; k++ {
		if len(toks[k].text) >= minLen && len(toks[k].text) <= maxLen {
			out = append(out, candidate{code: toks[k].text, first: k, last: k, digitsOnly: true})
		}
	}
	return out, false
}

func isHalf(group string) bool { return len(group) == 3 || len(group) == 4 }

// bracketed reports whether toks[i..j] sits alone in brackets or quotes: "(7744)", "【123456】".
func bracketed(toks []token, i, j int) bool {
	b := strings.TrimRight(toks[i].before, " ")
	a := strings.TrimLeft(toks[j].after, " ")
	last, _ := utf8.DecodeLastRuneInString(b)
	next, _ := utf8.DecodeRuneInString(a)
	return strings.ContainsRune("([{（【「『〔<", last) && strings.ContainsRune(")]}）】」』〕>", next)
}

// wordCandidate accepts a word such as "7F3K9Q" (4 to 8 ASCII letters and digits with at least
// one of each) or "QGFDAE" (4 to 8 ASCII letters of one case). Extract only takes them next to
// a keyword.
func wordCandidate(toks []token, i int) (candidate, bool) {
	w := toks[i].text
	if c, ok := gluedCandidate(toks, i); ok {
		return c, true
	}
	if len(w) < minLen || len(w) > maxLen {
		return candidate{}, false
	}
	digits, upper, lower := 0, 0, 0
	for k := 0; k < len(w); k++ {
		switch c := w[k]; {
		case '0' <= c && c <= '9':
			digits++
		case 'A' <= c && c <= 'Z':
			upper++
		case 'a' <= c && c <= 'z':
			lower++
		default:
			return candidate{}, false
		}
	}
	letters := upper + lower
	switch {
	case letters == 0:
		return candidate{}, false
	case digits == 0:
		if upper > 0 && lower > 0 {
			return candidate{}, false // a Name, not a code
		}
	case isMeasure(w) || isMasked(w):
		return candidate{}, false
	}
	if notACode(toks, i, i) {
		return candidate{}, false
	}
	return candidate{code: w, first: i, last: i, lettersOnly: digits == 0}, true
}

// gluedCandidate reads the digits of "377381on sinu … kood", a code that a translation ran
// into the next word, as a code; Extract takes it only next to a keyword.
func gluedCandidate(toks []token, i int) (candidate, bool) {
	w := toks[i].text
	k := 0
	for k < len(w) && '0' <= w[k] && w[k] <= '9' {
		k++
	}
	if k < 5 || k > maxLen || len(w)-k < 2 || strings.IndexFunc(w[k:], func(r rune) bool { return !unicode.IsLower(r) }) >= 0 {
		return candidate{}, false
	}
	if isCurrencyCode(w[k:]) || notACode(toks, i, i) {
		return candidate{}, false
	}
	return candidate{code: w[:k], first: i, last: i, digitsOnly: true, glued: true}, true
}

// isMeasure reports words that are a number with a unit rather than a code: "10min", "22nd",
// "5pm", "100gb", "20JPY", and the French way of writing times, "14h30".
func isMeasure(w string) bool {
	k := 0
	for k < len(w) && '0' <= w[k] && w[k] <= '9' {
		k++
	}
	if k == 0 {
		return false
	}
	rest := w[k:]
	if strings.IndexFunc(rest, func(r rune) bool { return !unicode.IsLower(r) }) < 0 || isCurrencyCode(strings.ToLower(rest)) {
		return true
	}
	return k <= 2 && len(rest) == 3 && (rest[0] == 'h' || rest[0] == 'H') &&
		strings.IndexFunc(rest[1:], func(r rune) bool { return r < '0' || r > '9' }) < 0
}

// isMasked reports a number with hidden digits: "XX1234", "xxxx5678", "5738xx".
func isMasked(w string) bool {
	l := strings.ToLower(w)
	return strings.HasPrefix(l, "xx") || strings.HasSuffix(l, "xx") || strings.HasPrefix(l, "x") && strings.Trim(l[1:], "0123456789") == ""
}

// isAmount reports whether toks[i..j] is a sum of money: a currency sign or code beside it.
func isAmount(toks []token, i, j int) bool {
	before := strings.TrimRightFunc(toks[i].before, unicode.IsSpace)
	after := strings.TrimLeftFunc(toks[j].after, unicode.IsSpace)
	last, _ := utf8.DecodeLastRuneInString(before)
	next, _ := utf8.DecodeRuneInString(after)
	if isCurrencySymbol(last) || isCurrencySymbol(next) {
		return true
	}
	if i > 0 && toks[i-1].sentence == toks[i].sentence && isCurrencyCode(toks[i-1].folded) {
		return true
	}
	if j+1 < len(toks) && toks[j+1].sentence == toks[j].sentence && (isCurrencyCode(toks[j+1].folded) || isCurrencyWord(toks[j+1])) {
		return true
	}
	return false
}

// notACode looks at what surrounds toks[i..j] for signs that it is some other kind of number.
func notACode(toks []token, i, j int) bool {
	before := strings.TrimRightFunc(toks[i].before, func(r rune) bool { return unicode.IsSpace(r) || r == '(' })
	after := strings.TrimLeftFunc(toks[j].after, unicode.IsSpace)
	last, _ := utf8.DecodeLastRuneInString(before)
	next, _ := utf8.DecodeRuneInString(after)
	switch {
	case strings.ContainsRune("+#*•№", last) || next == '*': // phone number, order or reference number, masked card
		return true
	case partOfIdentifier(toks, i, j): // "PP260603.0854.K00983"
		return true
	case next == '%' || next == '％':
		return true
	case strings.HasSuffix(strings.TrimRightFunc(toks[i].before, unicode.IsSpace), "(") && next == ')' &&
		j+1 < len(toks) && toks[j+1].isDigits():
		return true // "(0800) 123 456": an area code
	}
	if i > 0 && toks[i-1].sentence == toks[i].sentence {
		prev := toks[i-1]
		if isContext(prev) && !isKeyword(prev) { // "認証番号" is a keyword, "番号" alone is not
			return true
		}
		// "Reply STOP to 12345", "card ending in 4821".
		switch prev.folded {
		case "to", "at", "in", "on", "no", "with", "number", "nr":
			if i > 1 && toks[i-2].sentence == toks[i].sentence && isContext(toks[i-2]) {
				return true
			}
		}
		// "A/c 12345678"
		if prev.folded == "c" && i > 1 && toks[i-2].folded == "a" && strings.TrimSpace(prev.before) == "/" {
			return true
		}
	}
	return false
}

// partOfIdentifier reports a number glued by a dot, dash, slash or underscore to a neighbour
// that holds digits too: a piece of a transaction id or a file name, not a code on its own.
func partOfIdentifier(toks []token, i, j int) bool {
	glue := func(gap string) bool { return len(gap) == 1 && strings.Contains("._/-:", gap) }
	return i > 0 && glue(toks[i].before) && toks[i-1].hasDigit() && !toks[i-1].isDigits() ||
		j+1 < len(toks) && glue(toks[j].after) && toks[j+1].hasDigit() && !toks[j+1].isDigits()
}

func isCurrencySymbol(r rune) bool {
	return unicode.Is(unicode.Sc, r)
}

func isCurrencyCode(w string) bool {
	switch w {
	case "eur", "usd", "gbp", "chf", "jpy", "cad", "aud", "nzd", "inr", "brl", "mxn", "sek", "nok", "dkk", "pln",
		"czk", "huf", "ron", "try", "zar", "cny", "rmb", "hkd", "sgd", "twd", "krw", "thb", "vnd", "idr", "myr", "php",
		"pkr", "bdt", "lkr", "npr", "ngn", "kes", "ghs", "ugx", "tzs", "etb", "egp", "mad", "sar", "aed", "qar", "kwd",
		"bhd", "omr", "jod", "ils", "irr", "irt", "uah", "rub", "byn", "kzt", "uzs", "cop", "ars", "clp", "pen", "mzn",
		"rs", "mt", "usdt", "btc", "eth":
		return true
	}
	return false
}

// isCurrencyWord matches a currency written as a word after the amount: "80元", "450,000 ريال".
func isCurrencyWord(t token) bool {
	switch t.folded {
	// Folded spellings: folding drops the breve, so "рублей" and "рупий" arrive as "рублеи" and "рупии".
	case "yuan", "euros", "euro", "dollars", "rupees", "reais", "pesos", "ريال", "ريالا", "تومان", "دينار", "درهم",
		"руб", "рублеи", "грн", "рупии", "zl", "lei", "kc", "forint", "won", "dong":
		return true
	}
	if t.unspaced {
		r, _ := utf8.DecodeRuneInString(t.text)
		return strings.ContainsRune("元円圓원块塊", r)
	}
	return false
}

// isContext matches words that introduce a number that is not a code: something to call or
// text, an order, invoice or account reference, a card's last digits, a serial number.
func isContext(t token) bool {
	if t.unspaced {
		for _, k := range []string{"尾号", "尾號", "编号", "編號", "单号", "單號", "订单", "訂單", "账号", "帳號", "账户", "帳戶",
			"卡号", "卡號", "电话", "電話", "客服", "金额", "金額", "流水", "番号", "口座", "電話", "末尾", "계좌", "번호로"} {
			if strings.HasSuffix(t.folded, k) {
				return true
			}
		}
		return false
	}
	switch t.folded {
	case "call", "dial", "text", "txt", "sms", "stop", "help", "tel", "phone", "fax", "hotline", "mobile",
		"order", "ref", "reference", "invoice", "account", "acct", "ac", "card", "ending", "endziffer", "tracking",
		"ticket", "booking", "flight", "room", "commande", "facture", "pedido", "factura", "bestellung", "rechnung",
		"konto", "id", "txn", "upi", "folio", "umrn", "serial", "policy", "member", "customer", "cust", "imps", "neft",
		"rrn", "utr", "trx", "gd", "bal", "balance", "loan", "emi", "pnr", "awb", "parcel", "package",
		"shipment", "cheque", "check", "unit", "apt", "suite", "ext":
		return true
	}
	return false
}
