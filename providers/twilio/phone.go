package twilio

import (
	"strconv"
	"strings"

	"github.com/nyaruka/phonenumbers"

	"github.com/vnum-cli/vnum/providers"
)

// parse parses an E.164 number once for everything derived from it (country, type, label); nil
// when libphonenumber cannot. Parsing is most of what reading a list costs per number.
func parse(e164 string) *phonenumbers.PhoneNumber {
	num, err := phonenumbers.Parse(e164, "")
	if err != nil {
		return nil
	}
	return num
}

// classify derives what Twilio does not always say about a number: its country and type.
func classify(e164 string) (country string, t providers.NumberType) {
	return classifyParsed(parse(e164))
}

// classifyParsed is classify for a number already parsed (nil: unknown).
func classifyParsed(num *phonenumbers.PhoneNumber) (country string, t providers.NumberType) {
	if num == nil {
		return "", ""
	}
	country = phonenumbers.GetRegionCodeForNumber(num)
	if country == phonenumbers.UNKNOWN_REGION {
		country = ""
	}
	switch phonenumbers.GetNumberType(num) {
	case phonenumbers.MOBILE:
		t = providers.TypeMobile
	case phonenumbers.FIXED_LINE, phonenumbers.FIXED_LINE_OR_MOBILE:
		t = providers.TypeLocal
	case phonenumbers.TOLL_FREE:
		t = providers.TypeTollFree
	case phonenumbers.SHARED_COST, phonenumbers.VOIP, phonenumbers.PERSONAL_NUMBER, phonenumbers.UAN,
		phonenumbers.PREMIUM_RATE, phonenumbers.PAGER, phonenumbers.VOICEMAIL:
		t = providers.TypeNational
	}
	return country, t
}

// typeFromTwilio reads the `type` field newer Twilio responses carry ("local", "mobile",
// "national", "toll-free"…), "" when absent or unknown.
func typeFromTwilio(s string) providers.NumberType {
	if s == "" {
		return ""
	}
	switch strings.ToLower(strings.Map(func(r rune) rune {
		if r == '-' || r == '_' || r == ' ' {
			return -1
		}
		return r
	}, s)) {
	case "local":
		return providers.TypeLocal
	case "mobile":
		return providers.TypeMobile
	case "national":
		return providers.TypeNational
	case "tollfree":
		return providers.TypeTollFree
	}
	return ""
}

// nationalNumber is the national significant number of an E.164 number ("612345678" for
// +33612345678), or its digits when it cannot be parsed.
func nationalNumber(e164 string) string {
	num, err := phonenumbers.Parse(e164, "")
	if err != nil {
		return onlyDigits(e164)
	}
	return phonenumbers.GetNationalSignificantNumber(num)
}

// labelFrom recovers the user's label from a FriendlyName. Twilio fills FriendlyName with the
// formatted number ("(808) 925-5327") when none is given, so a FriendlyName that is just the
// number, in any format, is no label at all.
func labelFrom(friendlyName, e164 string) string {
	fn := strings.TrimSpace(friendlyName)
	if fn == "" || isNumberText(fn, e164) {
		return ""
	}
	return fn
}

// isNumberText reports whether s is only a way of writing the phone number e164. The common
// cases (Twilio's own default, the number in national or international digits) are decided
// without libphonenumber, whose parse is most of what a long list would cost.
func isNumberText(s, e164 string) bool {
	digits := onlyDigits(s)
	if digits == "" {
		return false
	}
	for _, r := range s {
		if !strings.ContainsRune("+0123456789 ()-./\u00a0", r) {
			return false
		}
	}
	full := onlyDigits(e164)
	if digits == full {
		return true
	}
	// The national significant number is what follows the country calling code, which is 1 to
	// 3 digits and prefix-free: at most one split names a country code.
	for cc := 1; cc <= 3 && cc < len(full); cc++ {
		code, _ := strconv.Atoi(full[:cc])
		if phonenumbers.GetRegionCodeForCountryCode(code) == phonenumbers.UNKNOWN_REGION {
			continue
		}
		if nsn := full[cc:]; digits == nsn || strings.TrimLeft(digits, "0") == nsn {
			return true
		}
		break
	}
	// National formats with a trunk prefix ("06 12 34 56 78", "1 (808) 925-5327").
	if num := parse(e164); num != nil {
		nsn := phonenumbers.GetNationalSignificantNumber(num)
		if digits == nsn || strings.TrimLeft(digits, "0") == nsn {
			return true
		}
		if onlyDigits(phonenumbers.Format(num, phonenumbers.NATIONAL)) == digits {
			return true
		}
		if strings.HasSuffix(digits, nsn) && len(digits)-len(nsn) <= 2 {
			return true
		}
	}
	return false
}

// isE164 is a shape check for forwarding targets and SMS recipients: '+', then 7 to 15 digits
// not starting with 0.
func isE164(s string) bool {
	if len(s) < 8 || len(s) > 16 || s[0] != '+' || s[1] == '0' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
