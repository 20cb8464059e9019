package twilio

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	v2010 "github.com/twilio/twilio-go/rest/api/v2010"
)

// decodeOwnedPage reads a page of IncomingPhoneNumbers (the body of twilio-go's request) into
// ownedPage, the 10 fields List uses, skipping the 25 others of each number without building
// them. It exists for speed: encoding/json scans a 1.3 MB page of 1,000 numbers twice (once to
// find its end, once to decode) and spent more CPU on it than all the rest of `vnum list`.
//
// It gives what json.NewDecoder(r).Decode(&ownedPage{}) gives, error or value, for any input:
// FuzzDecodeOwnedPage holds it to that. So it keeps encoding/json's rules: keys match
// case-insensitively (bytes.EqualFold), the last of a repeated key wins (a repeated object or
// list is decoded into what the first one left), null leaves a field as it is (and sets a pointer
// or the list to nil), a value of the wrong type is an error, invalid UTF-8 becomes U+FFFD
// (strings with escapes or non-ASCII bytes are handed to encoding/json itself), nesting stops at
// 10,000 levels, and whatever follows the page is not read.
func decodeOwnedPage(data []byte) (*ownedPage, error) {
	d := &pageDecoder{data: data, src: string(data)}
	var p ownedPage
	if err := d.page(&p); err != nil {
		return nil, err
	}
	return &p, nil
}

// maxDepth is encoding/json's limit on nesting.
const maxDepth = 10000

var errDepth = errors.New("twilio: page nested too deep")

// pageDecoder walks data once; pos is the next byte to read.
type pageDecoder struct {
	data  []byte
	src   string // data, copied once: the fields read are substrings of it, not copies each
	pos   int
	depth int
	slab  []string // the strings the fields point to, allocated a block at a time
}

// plain says whether a string may hold c as it is: printable ASCII but the quote and the
// backslash.
func plain(c byte) bool { return c >= 0x20 && c < 0x80 && c != '"' && c != '\\' }

// newString returns a pointer to a copy of s, from a block of strings shared by the page.
func (d *pageDecoder) newString(s string) *string {
	if len(d.slab) == cap(d.slab) {
		d.slab = make([]string, 0, 256)
	}
	d.slab = append(d.slab, s)
	return &d.slab[len(d.slab)-1]
}

func (d *pageDecoder) syntaxError(what string) error {
	if d.pos >= len(d.data) {
		return fmt.Errorf("twilio: unreadable page: unexpected end of JSON input (%s)", what)
	}
	return fmt.Errorf("twilio: unreadable page: invalid character %q at offset %d (%s)", d.data[d.pos], d.pos, what)
}

func typeError(field, want string) error {
	return fmt.Errorf("twilio: unreadable page: %s is not %s", field, want)
}

func (d *pageDecoder) skipSpace() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

// peek returns the next byte after white space, or 0 at the end.
func (d *pageDecoder) peek() byte {
	d.skipSpace()
	if d.pos >= len(d.data) {
		return 0
	}
	return d.data[d.pos]
}

// literal consumes word (true, false, null) or fails.
func (d *pageDecoder) literal(word string) error {
	if !bytes.HasPrefix(d.data[d.pos:], []byte(word)) {
		for i := 0; i < len(word) && d.pos < len(d.data) && d.data[d.pos] == word[i]; i++ {
			d.pos++ // point at the first wrong byte, as encoding/json does
		}
		return d.syntaxError("in literal " + word)
	}
	d.pos += len(word)
	return nil
}

// null consumes a null if one comes next.
func (d *pageDecoder) null() (bool, error) {
	if d.peek() != 'n' {
		return false, nil
	}
	return true, d.literal("null")
}

// object reads an object, calling field for each key with the decoder at the key's value; field
// must consume the value.
func (d *pageDecoder) object(field func(key string) error) error {
	if d.peek() != '{' {
		return d.syntaxError("looking for an object")
	}
	if d.depth++; d.depth > maxDepth {
		return errDepth
	}
	d.pos++
	if d.peek() == '}' {
		d.pos++
		d.depth--
		return nil
	}
	for {
		if d.peek() != '"' {
			return d.syntaxError("looking for a key")
		}
		key, err := d.str()
		if err != nil {
			return err
		}
		if d.peek() != ':' {
			return d.syntaxError("after a key")
		}
		d.pos++
		if err := field(key); err != nil {
			return err
		}
		switch d.peek() {
		case ',':
			d.pos++
		case '}':
			d.pos++
			d.depth--
			return nil
		default:
			return d.syntaxError("after a value in an object")
		}
	}
}

// array reads an array, calling elem with the decoder at each element and its index; elem must
// consume the element. It returns the number of elements.
func (d *pageDecoder) array(elem func(i int) error) (int, error) {
	if d.peek() != '[' {
		return 0, d.syntaxError("looking for an array")
	}
	if d.depth++; d.depth > maxDepth {
		return 0, errDepth
	}
	d.pos++
	if d.peek() == ']' {
		d.pos++
		d.depth--
		return 0, nil
	}
	for i := 0; ; i++ {
		if err := elem(i); err != nil {
			return 0, err
		}
		switch d.peek() {
		case ',':
			d.pos++
		case ']':
			d.pos++
			d.depth--
			return i + 1, nil
		default:
			return 0, d.syntaxError("after an array element")
		}
	}
}

// skip consumes any one value, checking its syntax.
func (d *pageDecoder) skip() error {
	switch c := d.peek(); {
	case c == '{':
		return d.object(func(string) error { return d.skip() })
	case c == '[':
		_, err := d.array(func(int) error { return d.skip() })
		return err
	case c == '"':
		_, err := d.str()
		return err
	case c == 't':
		return d.literal("true")
	case c == 'f':
		return d.literal("false")
	case c == 'n':
		return d.literal("null")
	case c == '-' || c >= '0' && c <= '9':
		return d.number()
	default:
		return d.syntaxError("looking for a value")
	}
}

// mismatch consumes a value of another kind than field wants: a type error if the value is well
// formed, a syntax error otherwise, as in encoding/json.
func (d *pageDecoder) mismatch(field, want string) error {
	if err := d.skip(); err != nil {
		return err
	}
	return typeError(field, want)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// number consumes a number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (d *pageDecoder) number() error {
	b := d.data
	if d.pos < len(b) && b[d.pos] == '-' {
		d.pos++
	}
	switch {
	case d.pos < len(b) && b[d.pos] == '0':
		d.pos++
	case d.pos < len(b) && isDigit(b[d.pos]):
		for d.pos < len(b) && isDigit(b[d.pos]) {
			d.pos++
		}
	default:
		return d.syntaxError("in a number")
	}
	if d.pos < len(b) && b[d.pos] == '.' {
		d.pos++
		if d.pos >= len(b) || !isDigit(b[d.pos]) {
			return d.syntaxError("after a decimal point")
		}
		for d.pos < len(b) && isDigit(b[d.pos]) {
			d.pos++
		}
	}
	if d.pos < len(b) && (b[d.pos] == 'e' || b[d.pos] == 'E') {
		d.pos++
		if d.pos < len(b) && (b[d.pos] == '+' || b[d.pos] == '-') {
			d.pos++
		}
		if d.pos >= len(b) || !isDigit(b[d.pos]) {
			return d.syntaxError("in an exponent")
		}
		for d.pos < len(b) && isDigit(b[d.pos]) {
			d.pos++
		}
	}
	return nil
}

func isHex(c byte) bool { return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

// str consumes a string and returns its text. Plain ASCII without escapes (all of a Twilio page
// but a label or two) is a substring of the page as it stands; anything else is checked here and
// decoded by encoding/json, for its exact handling of escapes, surrogates and invalid UTF-8.
func (d *pageDecoder) str() (string, error) {
	b := d.data
	start := d.pos // the opening quote
	d.pos++
	asIs := true
	for {
		for d.pos < len(b) && plain(b[d.pos]) {
			d.pos++
		}
		if d.pos >= len(b) {
			return "", d.syntaxError("in a string")
		}
		c := b[d.pos]
		switch {
		case c == '"':
			d.pos++
			if asIs {
				return d.src[start+1 : d.pos-1], nil
			}
			var s string
			if err := json.Unmarshal(b[start:d.pos], &s); err != nil {
				return "", fmt.Errorf("twilio: unreadable page: %w", err)
			}
			return s, nil
		case c < 0x20:
			return "", d.syntaxError("in a string")
		case c == '\\':
			asIs = false
			d.pos++
			if d.pos >= len(b) {
				return "", d.syntaxError("in a string escape")
			}
			switch b[d.pos] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				d.pos++
			case 'u':
				d.pos++
				for range 4 {
					if d.pos >= len(b) || !isHex(b[d.pos]) {
						return "", d.syntaxError("in a \\u escape")
					}
					d.pos++
				}
			default:
				return "", d.syntaxError("in a string escape")
			}
		default: // a byte of a multi-byte character, or of invalid UTF-8
			asIs = false
			d.pos++
		}
	}
}

// text reads a string field into *dst: null sets it to nil.
func (d *pageDecoder) text(dst **string, field string) error {
	if d.peek() != '"' {
		if isNull, err := d.null(); isNull || err != nil {
			if isNull {
				*dst = nil
			}
			return err
		}
		return d.mismatch(field, "a string")
	}
	s, err := d.str()
	if err != nil {
		return err
	}
	if *dst == nil {
		*dst = d.newString(s)
	} else {
		**dst = s
	}
	return nil
}

// flag reads a boolean field into *dst: null leaves it.
func (d *pageDecoder) flag(dst *bool, field string) error {
	switch d.peek() {
	case 't':
		*dst = true
		return d.literal("true")
	case 'f':
		*dst = false
		return d.literal("false")
	case 'n':
		return d.literal("null")
	}
	return d.mismatch(field, "true or false")
}

// key matches a decoded key against a field's name as encoding/json does.
func key(k, name string) bool { return k == name || strings.EqualFold(k, name) }

func (d *pageDecoder) page(p *ownedPage) error {
	if isNull, err := d.null(); isNull || err != nil {
		return err
	}
	if d.peek() != '{' {
		return d.mismatch("the page", "an object")
	}
	return d.object(func(k string) error {
		switch {
		case key(k, "next_page_uri"):
			return d.text(&p.NextPageURI, "next_page_uri")
		case key(k, "incoming_phone_numbers"):
			return d.numbers(&p.Numbers)
		}
		return d.skip()
	})
}

func (d *pageDecoder) numbers(dst *[]ownedListing) error {
	if isNull, err := d.null(); isNull || err != nil {
		if isNull {
			*dst = nil
		}
		return err
	}
	if d.peek() != '[' {
		return d.mismatch("incoming_phone_numbers", "a list")
	}
	list := *dst
	n, err := d.array(func(i int) error {
		// As encoding/json grows a slice: a list repeated in the page is decoded into the
		// elements the first one left, up to the capacity it left.
		if i >= cap(list) {
			list = slices.Grow(list, 1)
		}
		if i >= len(list) {
			list = list[:i+1]
		}
		return d.listing(&list[i])
	})
	if err != nil {
		return err
	}
	if list == nil {
		list = []ownedListing{} // [] is an empty list, not a missing one
	}
	*dst = list[:n]
	return nil
}

func (d *pageDecoder) listing(l *ownedListing) error {
	if isNull, err := d.null(); isNull || err != nil {
		return err
	}
	if d.peek() != '{' {
		return d.mismatch("a number", "an object")
	}
	return d.object(func(k string) error {
		switch {
		case key(k, "sid"):
			return d.text(&l.Sid, "sid")
		case key(k, "phone_number"):
			return d.text(&l.PhoneNumber, "phone_number")
		case key(k, "friendly_name"):
			return d.text(&l.FriendlyName, "friendly_name")
		case key(k, "status"):
			return d.text(&l.Status, "status")
		case key(k, "type"):
			return d.text(&l.Type, "type")
		case key(k, "date_created"):
			return d.text(&l.DateCreated, "date_created")
		case key(k, "voice_url"):
			return d.text(&l.VoiceURL, "voice_url")
		case key(k, "sms_url"):
			return d.text(&l.SmsURL, "sms_url")
		case key(k, "capabilities"):
			return d.capabilities(&l.Capabilities)
		}
		return d.skip()
	})
}

func (d *pageDecoder) capabilities(dst **v2010.ApiV2010AccountIncomingPhoneNumberCapabilities) error {
	if isNull, err := d.null(); isNull || err != nil {
		if isNull {
			*dst = nil
		}
		return err
	}
	if d.peek() != '{' {
		return d.mismatch("capabilities", "an object")
	}
	if *dst == nil {
		*dst = &v2010.ApiV2010AccountIncomingPhoneNumberCapabilities{}
	}
	c := *dst
	return d.object(func(k string) error {
		switch {
		case key(k, "voice"):
			return d.flag(&c.Voice, "voice")
		case key(k, "sms"):
			return d.flag(&c.Sms, "sms")
		case key(k, "mms"):
			return d.flag(&c.Mms, "mms")
		case key(k, "fax"):
			return d.flag(&c.Fax, "fax")
		}
		return d.skip()
	})
}
