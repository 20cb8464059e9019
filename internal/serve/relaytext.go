package serve

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// What one relayed SMS may hold. Telnyx refuses a message of more than 10 parts (error 40302,
// "Message too large"); Vonage splits long messages itself without a documented limit, and most
// handsets show no more than 10 parts joined. A part holds 153 GSM-7 characters (the escaped ones
// ^{}\[~]|€ count twice) or 67 UTF-16 units.
const (
	maxParts       = 10
	gsmPerMessage  = maxParts * 153
	ucs2PerMessage = maxParts * 67
	// maxRelaySends bounds the SMS one inbound message becomes; a longer text is cut, marked
	// with an ellipsis.
	maxRelaySends = 3
)

// gsmBasic and gsmExtended are the GSM 03.38 default alphabet and its escaped extension.
const (
	gsmBasic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
		"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	gsmExtended = "^{}\\[~]|€\f"
)

// smsSize is how much of one message's room s takes, and that room: GSM-7 septets out of
// gsmPerMessage when every character is in the GSM alphabet, else UTF-16 units out of
// ucs2PerMessage.
func smsSize(s string) (used, room int) {
	gsm, units := 0, 0
	isGSM := true
	for _, r := range s {
		switch {
		case strings.ContainsRune(gsmBasic, r):
			gsm++
		case strings.ContainsRune(gsmExtended, r):
			gsm += 2
		default:
			isGSM = false
		}
		units += utf16Len(r)
	}
	if isGSM {
		return gsm, gsmPerMessage
	}
	return units, ucs2PerMessage
}

func utf16Len(r rune) int {
	if r >= 0x10000 {
		return 2
	}
	return 1
}

func fits(s string) bool {
	used, room := smsSize(s)
	return used <= room
}

// RelayParts is what relaying text from sender sends, in order: "From +33…: text" when that fits
// one SMS the carriers take; else the text split on word boundaries where possible, each part
// saying which it is ("From +33… (1/2): …"), at most maxRelaySends, the last cut with "…" when
// even those cannot hold it all.
func RelayParts(sender, text string) []string {
	whole := "From " + sender + ": " + text
	if fits(whole) {
		return []string{whole}
	}
	var parts []string
	rest := text
	for i := 1; i <= maxRelaySends && rest != ""; i++ {
		head := fmt.Sprintf("From %s (%d/%d): ", sender, i, maxRelaySends) // the widest header
		var chunk string
		chunk, rest = cut(head, rest, i == maxRelaySends)
		parts = append(parts, chunk)
	}
	for i := range parts { // number the parts by how many there really are
		parts[i] = fmt.Sprintf("From %s (%d/%d): %s", sender, i+1, len(parts), parts[i])
	}
	return parts
}

// cut takes from text the longest prefix that fits an SMS after head, preferring to end it at a
// space; when last, whatever does not fit is dropped and the prefix ends with "…".
func cut(head, text string, last bool) (chunk, rest string) {
	if fits(head + text) {
		return text, ""
	}
	mark := ""
	if last {
		mark = "…"
	}
	// The longest prefix text[:end] that fits, by bisection over character boundaries (fitting
	// only gets harder as the prefix grows).
	bounds := make([]int, 0, len(text))
	for i := range text {
		bounds = append(bounds, i)
	}
	lo, hi := 0, len(bounds)-1 // bounds[lo] fits (the empty prefix always does); find the last that does
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if fits(head + text[:bounds[mid]] + mark) {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	end := bounds[lo]
	if sp := strings.LastIndexByte(text[:end], ' '); sp > end/2 && !last {
		end = sp + 1
	}
	if end == 0 { // a single character wider than the room cannot happen; never loop forever
		_, size := utf8.DecodeRuneInString(text)
		end = size
	}
	if last {
		return strings.TrimRight(text[:end], " ") + mark, ""
	}
	return strings.TrimRight(text[:end], " "), text[end:]
}
