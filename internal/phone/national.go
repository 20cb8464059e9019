package phone

import "github.com/nyaruka/phonenumbers"

// NationalNumber returns the national significant number of an E.164 number ("639980012" for
// +33639980012): the digits carriers' "contains" filters match. Unparseable input gives "".
func NationalNumber(e164 string) string {
	num, err := phonenumbers.Parse(e164, "")
	if err != nil {
		return ""
	}
	return phonenumbers.GetNationalSignificantNumber(num)
}
