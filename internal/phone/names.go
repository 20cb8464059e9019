package phone

import (
	"strings"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// CountryName returns the English name of a region code ("FR" or "fr" → "France"), from the
// CLDR data of golang.org/x/text, or cc itself when it names no country.
func CountryName(cc string) string {
	r, err := language.ParseRegion(strings.TrimSpace(cc))
	if err != nil || !r.IsCountry() {
		return cc
	}
	if name := display.English.Regions().Name(r); name != "" {
		return name
	}
	return cc
}
