package fakeserver

import (
	"fmt"
	"slices"

	"github.com/nyaruka/phonenumbers"
)

// NewNumbers makes up to n valid E.164 numbers of a country, each of one of types and none in
// used, which records them. They vary the last four digits of libphonenumber's example number
// for the first of types it has one for, so that every check of vnum's (classification,
// validation) agrees with them. A country whose example is itself of none of types has none
// (US mobiles are fixed-line-or-mobile, not mobile).
func NewNumbers(country string, types []phonenumbers.PhoneNumberType, n int, used map[string]bool) []string {
	var example *phonenumbers.PhoneNumber
	for _, t := range types {
		if example = phonenumbers.GetExampleNumberForType(country, t); example != nil {
			break
		}
	}
	if example == nil || !slices.Contains(types, phonenumbers.GetNumberType(example)) {
		return nil
	}
	nsn := phonenumbers.GetNationalSignificantNumber(example)
	prefix := fmt.Sprintf("+%d%s", phonenumbers.GetCountryCodeForRegion(country), nsn[:max(0, len(nsn)-4)])
	var out []string
	for i := 0; i < 10000 && len(out) < n; i++ {
		e164 := fmt.Sprintf("%s%04d", prefix, i)
		if used[e164] {
			continue
		}
		num, err := phonenumbers.Parse(e164, "")
		if err != nil || !phonenumbers.IsValidNumberForRegion(num, country) || !slices.Contains(types, phonenumbers.GetNumberType(num)) {
			continue
		}
		used[e164] = true
		out = append(out, e164)
	}
	return out
}
