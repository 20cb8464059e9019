package sandbox

import (
	"slices"
	"strconv"
	"strings"

	"github.com/nyaruka/phonenumbers"
	"google.golang.org/protobuf/proto"

	"github.com/vnum-cli/vnum/internal/phone"
	"github.com/vnum-cli/vnum/providers"
)

// block is a run of numbers the sandbox sells: the E.164 digits in prefix (no "+") followed by
// free digits running from all zeros to all nines. A block with free == 0 is a single number.
type block struct {
	prefix   string
	free     int
	locality string
}

func (b block) size() int {
	n := 1
	for range b.free {
		n *= 10
	}
	return n
}

// number returns the i-th number of the block, as E.164 digits without "+".
func (b block) number(i int) string {
	if b.free == 0 {
		return b.prefix
	}
	s := strconv.Itoa(i)
	return b.prefix + strings.Repeat("0", b.free-len(s)) + s
}

func (b block) contains(digits string) bool {
	return len(digits) == len(b.prefix)+b.free && strings.HasPrefix(digits, b.prefix) && allDigits(digits)
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// run is a block of consecutive numbers from a fiction range: prefix, then free digits.
func run(prefix string, free int, locality string) block {
	return block{prefix: prefix, free: free, locality: locality}
}

// singles lists numbers reserved one by one (Australia reserves individual numbers).
func singles(locality string, numbers ...string) []block {
	out := make([]block, len(numbers))
	for i, n := range numbers {
		out[i] = block{prefix: n, locality: locality}
	}
	return out
}

// catalogue is what the sandbox sells in one country, by type.
type catalogue map[providers.NumberType][]block

// fiction returns the ranges a regulator reserved for fiction or documentation in the country,
// restricted to those libphonenumber accepts as valid for the type (TestFictionRanges checks each
// one). Types missing here are derived from libphonenumber's example number; see doc.go.
func fiction(region string) catalogue {
	switch region {
	case "GB": // Ofcom drama numbers. 07700 900xxx (mobile), 0115 496 0xxx and 01632 960xxx are
		// reserved too but libphonenumber rejects them.
		return catalogue{
			providers.TypeLocal: {
				run("442079460", 3, "London"), run("441134960", 3, "Leeds"), run("441144960", 3, "Sheffield"),
				run("441164960", 3, "Leicester"), run("441174960", 3, "Bristol"), run("441184960", 3, "Reading"),
				run("441214960", 3, "Birmingham"), run("441314960", 3, "Edinburgh"), run("441414960", 3, "Glasgow"),
				run("441514960", 3, "Liverpool"), run("441614960", 3, "Manchester"), run("441914980", 3, "Tyneside"),
				run("442896496", 3, "Belfast"), run("442920180", 3, "Cardiff"),
			},
			providers.TypeNational: {run("443069990", 3, "")},
			providers.TypeTollFree: {run("448081570", 3, "")},
		}
	case "FR": // ARCEP: numbers reserved for audiovisual works (plan national de numérotation,
		// 2.5.12). 06 39 98 xx xx is reserved too but libphonenumber rejects it.
		return catalogue{
			providers.TypeLocal: {
				run("3319900", 4, "Île-de-France"), run("3326191", 4, "Nord-Ouest"), run("3335301", 4, "Nord-Est"),
				run("3346571", 4, "Sud-Est"), run("3353649", 4, "Sud-Ouest"),
			},
		}
	case "US": // NANP: 555-0100 to 555-0199 are fictional in every area code.
		return catalogue{
			providers.TypeLocal: {
				run("120255501", 2, "Washington, DC"), run("121255501", 2, "New York, NY"),
				run("131255501", 2, "Chicago, IL"), run("141555501", 2, "San Francisco, CA"),
				run("161755501", 2, "Boston, MA"),
			},
			providers.TypeMobile: {
				run("131055501", 2, "Los Angeles, CA"), run("164655501", 2, "New York, NY"),
				run("177355501", 2, "Chicago, IL"),
			},
			providers.TypeTollFree: {run("180055501", 2, ""), run("188855501", 2, "")},
		}
	case "CA": // NANP as above; toll-free codes differ from the US ones so each number has one country.
		return catalogue{
			providers.TypeLocal: {
				run("141655501", 2, "Toronto, ON"), run("151455501", 2, "Montréal, QC"),
				run("160455501", 2, "Vancouver, BC"),
			},
			providers.TypeMobile: {
				run("164755501", 2, "Toronto, ON"), run("143855501", 2, "Montréal, QC"),
				run("177855501", 2, "Vancouver, BC"),
			},
			providers.TypeTollFree: {run("183355501", 2, ""), run("184455501", 2, "")},
		}
	case "AU": // ACMA: numbers for use in creative works.
		return catalogue{
			providers.TypeLocal: {
				run("6125550", 4, "Sydney"), run("6127010", 4, "Sydney"),
				run("6135550", 4, "Melbourne"), run("6137010", 4, "Melbourne"),
				run("6175550", 4, "Brisbane"), run("6177010", 4, "Brisbane"),
				run("6185550", 4, "Adelaide"), run("6187010", 4, "Adelaide"),
			},
			providers.TypeMobile: singles("",
				"61491570006", "61491570110", "61491570156", "61491570157", "61491570158", "61491570159",
				"61491570313", "61491570737", "61491571266", "61491571491", "61491571804", "61491572549",
				"61491572665", "61491572983", "61491573087", "61491573770", "61491574118", "61491574632",
				"61491575254", "61491575789", "61491576398", "61491576801", "61491577426", "61491577644",
				"61491578148", "61491578888", "61491578957", "61491579212", "61491579455", "61491579760"),
			providers.TypeTollFree: singles("",
				"611800160401", "611800975707", "611800975708", "611800975709", "611800975710", "611800975711"),
		}
	}
	return nil
}

// catalogueFor is everything the sandbox sells in region: the fiction ranges, and for the other
// types the last three digits of libphonenumber's example number varied. A derived block equal
// to one already sold as another type is dropped, so each number has exactly one type.
func catalogueFor(region string) catalogue {
	c := fiction(region)
	if c == nil {
		c = catalogue{}
	}
	seen := make(map[string]bool)
	for _, blocks := range c {
		for _, b := range blocks {
			seen[b.prefix] = true
		}
	}
	for _, t := range providers.NumberTypes() {
		if len(c[t]) > 0 {
			continue
		}
		if b, ok := derived(region, t); ok && !seen[b.prefix] {
			seen[b.prefix] = true
			c[t] = []block{b}
		}
	}
	return c
}

// derived is libphonenumber's example number for the region and type with its last three digits
// free, when libphonenumber has one.
func derived(region string, t providers.NumberType) (block, bool) {
	for _, kind := range exampleKinds(t) {
		ex := phonenumbers.GetExampleNumberForType(region, kind)
		if ex == nil {
			continue
		}
		digits := phonenumbers.Format(ex, phonenumbers.E164)[1:]
		if len(digits) < 8 { // too short to vary three digits and stay a plausible number
			continue
		}
		return block{prefix: digits[:len(digits)-3], free: 3}, true
	}
	return block{}, false
}

// exampleKinds are the libphonenumber types whose example number stands for t, best first.
// National means a non-geographic number at normal rates: VoIP ranges (FR 09) or UAN (GB 03).
func exampleKinds(t providers.NumberType) []phonenumbers.PhoneNumberType {
	switch t {
	case providers.TypeLocal:
		return []phonenumbers.PhoneNumberType{phonenumbers.FIXED_LINE}
	case providers.TypeMobile:
		return []phonenumbers.PhoneNumberType{phonenumbers.MOBILE}
	case providers.TypeNational:
		return []phonenumbers.PhoneNumberType{phonenumbers.VOIP, phonenumbers.UAN}
	case providers.TypeTollFree:
		return []phonenumbers.PhoneNumberType{phonenumbers.TOLL_FREE}
	}
	return nil
}

// acceptedKinds are the libphonenumber types a number of type t may have. NANP numbers are
// FIXED_LINE_OR_MOBILE: the numbering plan does not tell them apart.
func acceptedKinds(t providers.NumberType) []phonenumbers.PhoneNumberType {
	switch t {
	case providers.TypeLocal:
		return []phonenumbers.PhoneNumberType{phonenumbers.FIXED_LINE, phonenumbers.FIXED_LINE_OR_MOBILE}
	case providers.TypeMobile:
		return []phonenumbers.PhoneNumberType{phonenumbers.MOBILE, phonenumbers.FIXED_LINE_OR_MOBILE}
	}
	return exampleKinds(t)
}

// valid reports whether the E.164 digits are a valid number of the region and type for
// libphonenumber; the sandbox never sells anything else.
func valid(digits, region string, t providers.NumberType) bool {
	n, ok := phoneNumber(digits, region)
	return ok && phonenumbers.IsValidNumberForRegion(n, region) &&
		slices.Contains(acceptedKinds(t), phonenumbers.GetNumberType(n))
}

// phoneNumber builds libphonenumber's form of the E.164 digits of a number of region as
// phonenumbers.Parse would, for a fraction of its cost: a search validates up to thousands of
// candidates, and parsing was half the time.
func phoneNumber(digits, region string) (*phonenumbers.PhoneNumber, bool) {
	cc := phonenumbers.GetCountryCodeForRegion(region)
	national, ok := strings.CutPrefix(digits, strconv.Itoa(cc))
	if !ok || national == "" {
		return nil, false
	}
	v, err := strconv.ParseUint(national, 10, 64)
	if err != nil {
		return nil, false
	}
	n := &phonenumbers.PhoneNumber{CountryCode: proto.Int32(int32(cc)), NationalNumber: proto.Uint64(v)}
	// Leading zeros of the national number (Italy) are kept beside it, the last digit excepted.
	if zeros := len(national) - len(strings.TrimLeft(national[:len(national)-1], "0")) - 1; zeros > 0 {
		n.ItalianLeadingZero = proto.Bool(true)
		if zeros > 1 {
			n.NumberOfLeadingZeros = proto.Int32(int32(zeros))
		}
	}
	return n, true
}

// offer is one number the sandbox sells.
type offer struct {
	digits   string // E.164 without "+"
	region   string
	typ      providers.NumberType
	locality string
}

// find returns the offer for an E.164 number: the country and type that sell it. An empty
// country or type matches any.
func find(number, country string, t providers.NumberType) (offer, bool) {
	n, err := phonenumbers.Parse(number, "")
	if err != nil || !strings.HasPrefix(number, "+") {
		return offer{}, false
	}
	digits := number[1:]
	types := providers.NumberTypes()
	if t != "" {
		types = []providers.NumberType{t}
	}
	for _, region := range phonenumbers.GetRegionCodesForCountryCode(int(n.GetCountryCode())) {
		if country != "" && region != country {
			continue
		}
		c := catalogueFor(region)
		for _, typ := range types {
			for _, b := range c[typ] {
				if b.contains(digits) && valid(digits, region, typ) {
					return offer{digits: digits, region: region, typ: typ, locality: b.locality}, true
				}
			}
		}
	}
	return offer{}, false
}

// features are what numbers of the type can do: toll-free numbers take calls only, and MMS
// exists on North American local and mobile numbers only, as with real carriers.
func features(region string, t providers.NumberType) providers.Features {
	switch t {
	case providers.TypeTollFree:
		return providers.Features{Voice: true}
	case providers.TypeNational:
		return providers.Features{Voice: true, SMS: true}
	}
	return providers.Features{Voice: true, SMS: true, MMS: region == "US" || region == "CA"}
}

// euro lists the countries whose currency is the euro: the euro area and the states and
// territories that use it.
func euro(region string) bool {
	switch region {
	case "AT", "BE", "CY", "DE", "EE", "ES", "FI", "FR", "GR", "HR", "IE", "IT", "LT", "LU", "LV", "MT", "NL",
		"PT", "SI", "SK", // euro area
		"AD", "MC", "SM", "VA", "ME", "XK", // using the euro by agreement or de facto
		"GF", "GP", "MQ", "RE", "YT", "BL", "MF", "PM", "AX": // French overseas departments and Åland
		return true
	}
	return false
}

func currency(region string) string {
	switch {
	case euro(region):
		return "EUR"
	case region == "GB":
		return "GBP"
	}
	return "USD"
}

// monthlyPrice is what the number costs a month: a price per currency family and type, five
// times dearer for golden numbers.
func monthlyPrice(region string, t providers.NumberType, digits string) providers.Price {
	cur := currency(region)
	var micros int64
	switch {
	case t == providers.TypeTollFree:
		micros = 2_000_000
	case cur == "EUR":
		micros = map[providers.NumberType]int64{
			providers.TypeLocal: 1_000_000, providers.TypeMobile: 1_150_000, providers.TypeNational: 1_250_000,
		}[t]
	case cur == "GBP":
		micros = 1_000_000
	case region == "US" || region == "CA":
		micros = 1_150_000
	default: // numbers abroad cost more than at home on every carrier
		micros = map[providers.NumberType]int64{
			providers.TypeLocal: 3_000_000, providers.TypeMobile: 4_500_000, providers.TypeNational: 3_000_000,
		}[t]
	}
	if golden(digits) {
		micros *= 5
	}
	return providers.Price{Micros: micros, Currency: cur}
}

// golden reports whether a number is easy to remember: its last three digits are the same
// (…777) or its last four run up or down (…1234, …4321).
func golden(digits string) bool {
	if len(digits) < 4 {
		return false
	}
	end := digits[len(digits)-4:]
	if end[1] == end[2] && end[2] == end[3] {
		return true
	}
	up, down := true, true
	for i := 1; i < 4; i++ {
		up = up && end[i] == end[i-1]+1
		down = down && end[i] == end[i-1]-1
	}
	return up || down
}

// countryName is the English name of a country for messages ("France"), its code if unknown.
func countryName(region string) string { return phone.CountryName(region) }
