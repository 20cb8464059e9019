package vonage

import (
	"strings"

	"github.com/vnum-cli/vnum/internal/phone"
	"github.com/vnum-cli/vnum/providers"
)

// classify derives a number's country and type from the number itself, as vnum does for what a
// carrier leaves out (internal/phone), for what Vonage does not say.
func classify(e164 string) (country string, t providers.NumberType) {
	return phone.Country(e164), phone.TypeOf(e164)
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
