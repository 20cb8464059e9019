// Package phone reads, checks and formats phone numbers on top of github.com/nyaruka/phonenumbers
// (a port of Google's libphonenumber), so the rest of vnum only ever handles E.164 strings.
//
// Errors are written for the person who typed the number: each says what is wrong and shows how
// to write the number instead.
package phone

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"

	"github.com/vnum-cli/vnum/providers"
)

// genericExample is shown when we cannot tell which country the user meant. It is libphonenumber's
// example French mobile number, written the way Format prints it.
const (
	genericExample     = "+33 6 12 34 56 78"
	genericExampleE164 = "+33612345678"
)

// maxQuoted bounds how much of a rejected input is echoed back, so that pasting a paragraph into
// a flag does not produce a paragraph-long error.
const maxQuoted = 40

// Parse reads a number in any common notation: "+33 6 12 34 56 78", "0033612345678",
// "+33612345678", "+1 (202) 555-0143", "tel:+33612345678". With region "" the number must be
// international (+ or 00 prefix); with a region such as "FR" national notation ("06 12 34 56 78")
// is accepted too. A number written with its country code is accepted whatever the region.
// It returns the number in E.164 form ("+33612345678").
//
// A number libphonenumber can parse but does not consider valid (IsValidNumber) is an error:
// vnum hands numbers to carriers that charge for them, so a typo must stop here.
func Parse(s, region string) (string, error) {
	if region != "" {
		r, err := NormalizeCountry(region)
		if err != nil {
			return "", err
		}
		region = r
	}
	body, err := clean(s)
	if err != nil {
		return "", err
	}
	international := strings.HasPrefix(body, "+")
	if !international && region == "" {
		return "", fmt.Errorf("%s has no country code: write it in international form, e.g. %s",
			quote(s), genericExampleE164)
	}

	num, err := phonenumbers.Parse(body, region)
	switch {
	case errors.Is(err, phonenumbers.ErrInvalidCountryCode):
		return "", fmt.Errorf("%s does not start with a known country code: check the digits after +, e.g. +33 for France as in %s",
			quote(s), genericExample)
	case err != nil:
		// The remaining failures (too short, too long, no digits) all mean the same to a user.
		return "", fmt.Errorf("%s is not a valid phone number%s: write it in international form, e.g. %s",
			quote(s), forWhere(num, region), example(num, region))
	}
	if !phonenumbers.IsValidNumber(num) {
		return "", fmt.Errorf("%s is not a valid phone number%s: write it in international form, e.g. %s",
			quote(s), forWhere(num, region), example(num, region))
	}
	return phonenumbers.Format(num, phonenumbers.E164), nil
}

// clean checks that s only holds what people write in phone numbers and returns it with the
// "tel:" scheme removed and a leading "00" turned into "+". libphonenumber is more lenient: it
// pulls a number out of surrounding text and reads letters as keypad digits ("1-800-FLOWERS"),
// which would let "call +33612345678 now" or a mistyped label through as some other number.
func clean(s string) (string, error) {
	body := strings.TrimSpace(s)
	if len(body) >= 4 && strings.EqualFold(body[:4], "tel:") {
		body = strings.TrimSpace(body[4:])
	}
	if body == "" {
		return "", fmt.Errorf("no phone number given: write it in international form, e.g. %s", genericExample)
	}
	if !wellFormed(body) {
		return "", fmt.Errorf("%s is not a phone number: write it in international form, e.g. %s",
			quote(s), genericExample)
	}
	// "00" is the international call prefix in most of the world. libphonenumber only knows that
	// when given a region whose prefix it is, and without a region it rejects the number; a
	// national number never starts with "00", so reading it as "+" is always right.
	if rest, ok := strings.CutPrefix(body, "00"); ok {
		body = "+" + rest
	}
	return body, nil
}

// wellFormed reports whether s is an optional leading "+" followed only by digits and the
// separators people put between digit groups.
func wellFormed(s string) bool {
	s = strings.TrimPrefix(s, "+")
	for _, r := range s {
		if !unicode.IsDigit(r) && !isSeparator(r) {
			return false
		}
	}
	return true
}

func isSeparator(r rune) bool {
	return r == '.' || r == '(' || r == ')' || unicode.IsSpace(r) || unicode.Is(unicode.Pd, r)
}

// IsE164 reports whether s has the form of an E.164 number: "+", a digit other than 0, then 6 to
// 14 more digits, nothing else. It does not ask libphonenumber whether the number is assigned:
// it is the check for what a carrier hands back, which is right by definition once well formed.
func IsE164(s string) bool {
	if len(s) < 8 || len(s) > 16 || s[0] != '+' || s[1] < '1' || s[1] > '9' {
		return false
	}
	for _, r := range s[2:] {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// Compact is s without the separators people write between digit groups ("+1 800-100-0052" is
// "+18001000052"); anything else is left as it is.
func Compact(s string) string {
	return strings.Map(func(r rune) rune {
		if isSeparator(r) {
			return -1
		}
		return r
	}, strings.TrimSpace(s))
}

// LooksLikeNumber reports whether s is written like a phone number (optional "tel:", an optional
// leading + or 00, then digits, spaces, dots, dashes and parentheses, with at least 5 digits) as
// opposed to a label like "shop" or a carrier id like "PN123…". It says nothing about validity:
// commands use it to decide whether an argument should go through Parse or be looked up by name.
func LooksLikeNumber(s string) bool {
	body := strings.TrimSpace(s)
	if len(body) >= 4 && strings.EqualFold(body[:4], "tel:") {
		body = strings.TrimSpace(body[4:])
	}
	if !wellFormed(body) {
		return false
	}
	digits := 0
	for _, r := range body {
		if unicode.IsDigit(r) {
			digits++
		}
	}
	return digits >= 5
}

// Country returns the ISO 3166-1 alpha-2 region of an E.164 number ("FR"), or "" when it is not
// known: unparseable input, a shared country code (+1) whose region the number does not pin down,
// or a non-geographic code such as +800.
func Country(e164 string) string {
	num, err := phonenumbers.Parse(e164, "")
	if err != nil {
		return ""
	}
	region := phonenumbers.GetRegionCodeForNumber(num)
	if !phonenumbers.GetSupportedRegions()[region] {
		return ""
	}
	return region
}

// Format returns the international human form of an E.164 number: "+33 6 12 34 56 78".
// Input it cannot parse is returned unchanged, so callers can format whatever a carrier sent.
func Format(e164 string) string {
	num, err := phonenumbers.Parse(e164, "")
	if err != nil {
		return e164
	}
	return phonenumbers.Format(num, phonenumbers.INTERNATIONAL)
}

// NormalizeCountry upper-cases cc and checks it against the regions libphonenumber knows:
// "fr" → "FR". It also accepts "UK", which people write for the United Kingdom although its ISO
// code is GB.
func NormalizeCountry(cc string) (string, error) {
	code := strings.ToUpper(strings.TrimSpace(cc))
	if code == "UK" {
		code = "GB"
	}
	if !phonenumbers.GetSupportedRegions()[code] {
		return "", fmt.Errorf("unknown country %s: use a two-letter ISO 3166 code such as FR, GB or US", quote(cc))
	}
	return code, nil
}

// TypeOf classifies an E.164 number the way carriers sell them: mobile, local (fixed line, and
// the "fixed line or mobile" ranges of countries such as the US that do not tell them apart),
// tollfree, or national for every other valid kind (UAN, VoIP, personal, shared cost, premium…).
// It returns "" when the number is not valid.
func TypeOf(e164 string) providers.NumberType {
	num, err := phonenumbers.Parse(e164, "")
	if err != nil || !phonenumbers.IsValidNumber(num) {
		return ""
	}
	switch phonenumbers.GetNumberType(num) {
	case phonenumbers.MOBILE:
		return providers.TypeMobile
	case phonenumbers.FIXED_LINE, phonenumbers.FIXED_LINE_OR_MOBILE:
		return providers.TypeLocal
	case phonenumbers.TOLL_FREE:
		return providers.TypeTollFree
	default:
		return providers.TypeNational
	}
}

// forWhere names the country a rejected number was read for (" for France"), or "" when there is
// none. A shared country code such as +1 is named by its code rather than by one of its countries.
func forWhere(num *phonenumbers.PhoneNumber, region string) string {
	if num == nil || num.GetCountryCode() == 0 {
		if region == "" {
			return ""
		}
		return " for " + CountryName(region)
	}
	cc := int(num.GetCountryCode())
	regions := phonenumbers.GetRegionCodesForCountryCode(cc)
	if len(regions) == 1 && phonenumbers.GetSupportedRegions()[regions[0]] {
		return " for " + CountryName(regions[0])
	}
	if region != "" && phonenumbers.GetCountryCodeForRegion(region) == cc {
		return " for " + CountryName(region)
	}
	return " with country code +" + strconv.Itoa(cc)
}

// example returns a valid number in international form from the country the user seems to mean,
// so the hint shows the right country code and grouping.
func example(num *phonenumbers.PhoneNumber, region string) string {
	if num != nil && num.GetCountryCode() != 0 {
		if r := phonenumbers.GetRegionCodeForCountryCode(int(num.GetCountryCode())); phonenumbers.GetSupportedRegions()[r] {
			region = r
		}
	}
	if region == "" {
		return genericExample
	}
	if ex := exampleNumber(region); ex != nil {
		return phonenumbers.Format(ex, phonenumbers.INTERNATIONAL)
	}
	return genericExample
}

// exampleNumber prefers a mobile example, since burner numbers mostly are.
func exampleNumber(region string) *phonenumbers.PhoneNumber {
	if ex := phonenumbers.GetExampleNumberForType(region, phonenumbers.MOBILE); ex != nil {
		return ex
	}
	return phonenumbers.GetExampleNumber(region)
}

// quote returns s in double quotes, shortened when it is too long to be worth echoing in full.
func quote(s string) string {
	if utf8.RuneCountInString(s) > maxQuoted {
		s = string([]rune(s)[:maxQuoted]) + "…"
	}
	return strconv.Quote(s)
}

// Countries lists the ISO 3166-1 alpha-2 codes vnum knows numbers for, sorted.
func Countries() []string {
	regions := phonenumbers.GetSupportedRegions()
	out := make([]string, 0, len(regions))
	for cc := range regions {
		if len(cc) == 2 {
			out = append(out, cc)
		}
	}
	slices.Sort(out)
	return out
}
