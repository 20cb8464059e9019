package phone

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
)

// MaxSenderName is the longest alphanumeric sender id a network presents (GSM 03.40: 11
// characters).
const MaxSenderName = 11

// Sender reads the sender of an SMS as a network may present it, in the form vnum stores and
// matches it: a number libphonenumber reads becomes E.164 (region for national notation); any
// other international number ("+447700900123", a range libphonenumber does not know) or short
// code ("36105") is kept as its digits, since it is what the network sent; anything else is an
// alphanumeric sender id ("Google", "Ünïcødé") of at most 11 visible characters.
func Sender(s, region string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", fmt.Errorf("the sender is empty: give a number, a short code or a name such as Google")
	}
	body := s
	if len(body) >= 4 && strings.EqualFold(body[:4], "tel:") {
		body = strings.TrimSpace(body[4:])
	}
	if wellFormed(body) {
		if e164, err := Parse(body, region); err == nil {
			return e164, nil
		}
		digits := Compact(body)
		if strings.HasPrefix(digits, "00") {
			digits = "+" + digits[2:]
		}
		n := len(strings.TrimPrefix(digits, "+"))
		switch {
		case n == 0:
		case strings.HasPrefix(digits, "+") && n >= 2 && n <= 15 && digits[1] != '0':
			return digits, nil
		case !strings.HasPrefix(digits, "+") && n <= 15:
			return digits, nil // a short code, or a national number of a country vnum cannot tell
		default:
			return "", fmt.Errorf("sender %q has %d digits: an international number has at most 15", s, n)
		}
	}
	if n := utf8.RuneCountInString(s); n > MaxSenderName {
		return "", fmt.Errorf("sender %q is %d characters long: a sender name has at most %d", s, n, MaxSenderName)
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return "", fmt.Errorf("sender %q holds an invisible or control character (%U): networks present only visible ones", s, r)
		}
	}
	return s, nil
}

// IsPremium reports whether e164 is a premium-rate or shared-cost number, which bills the caller
// (and a forwarding carrier) far above a normal call.
func IsPremium(e164 string) bool {
	num, err := phonenumbers.Parse(e164, "")
	if err != nil || !phonenumbers.IsValidNumber(num) {
		return false
	}
	switch phonenumbers.GetNumberType(num) {
	case phonenumbers.PREMIUM_RATE, phonenumbers.SHARED_COST:
		return true
	}
	return false
}
