package vonage

import (
	"strings"

	"github.com/nyaruka/phonenumbers"

	"github.com/vnum-cli/vnum/providers"
)

// classify derives a number's country and type from the number itself, for what Vonage does
// not say.
func classify(e164 string) (country string, t providers.NumberType) {
	num, err := phonenumbers.Parse(e164, "")
	if err != nil {
		return "", ""
	}
	if country = phonenumbers.GetRegionCodeForNumber(num); country == phonenumbers.UNKNOWN_REGION {
		country = ""
	}
	switch phonenumbers.GetNumberType(num) {
	case phonenumbers.MOBILE:
		t = providers.TypeMobile
	case phonenumbers.FIXED_LINE, phonenumbers.FIXED_LINE_OR_MOBILE:
		t = providers.TypeLocal
	case phonenumbers.TOLL_FREE:
		t = providers.TypeTollFree
	}
	return country, t
}

// isE164 is a shape check: '+', then 7 to 15 digits not starting with 0.
func isE164(s string) bool {
	if len(s) < 8 || len(s) > 16 || s[0] != '+' || s[1] == '0' {
		return false
	}
	return onlyDigits(s[1:]) == s[1:]
}

func onlyDigits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}
