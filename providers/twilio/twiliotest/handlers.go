package twiliotest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/nyaruka/phonenumbers"

	"github.com/vnum-cli/vnum/providers/internal/fakeserver"
)

// route is one endpoint: a method and a path pattern whose groups are the path parameters.
type route struct {
	method  string
	re      *regexp.Regexp
	name    Route
	handler func(f *Fake, r request) reply
}

type request struct {
	r      *http.Request
	form   url.Values // query for reads, body for writes
	params []string
}

func (f *Fake) table() []route {
	acct := `^/2010-04-01/Accounts/([^/]+)`
	mk := func(method, pattern string, name Route, h func(*Fake, request) reply) route {
		return route{method: method, re: regexp.MustCompile(pattern), name: name, handler: h}
	}
	return []route{
		mk(http.MethodGet, `^/2010-04-01/Accounts/([^/]+)\.json$`, RouteAccount, (*Fake).getAccount),
		mk(http.MethodGet, acct+`/AvailablePhoneNumbers/([^/]+)/([^/.]+)\.json$`, RouteSearch, (*Fake).search),
		mk(http.MethodGet, acct+`/IncomingPhoneNumbers\.json$`, RouteListNumbers, (*Fake).listNumbers),
		mk(http.MethodPost, acct+`/IncomingPhoneNumbers\.json$`, RouteBuy, (*Fake).buy),
		mk(http.MethodGet, acct+`/IncomingPhoneNumbers/([^/]+)\.json$`, RouteGetNumber, (*Fake).getNumber),
		mk(http.MethodPost, acct+`/IncomingPhoneNumbers/([^/]+)\.json$`, RouteUpdateNumber, (*Fake).updateNumber),
		mk(http.MethodDelete, acct+`/IncomingPhoneNumbers/([^/]+)\.json$`, RouteReleaseNumber, (*Fake).releaseNumber),
		mk(http.MethodGet, acct+`/Messages\.json$`, RouteListMessages, (*Fake).listMessages),
		mk(http.MethodPost, acct+`/Messages\.json$`, RouteSendMessage, (*Fake).sendMessage),
		mk(http.MethodGet, acct+`/OutgoingCallerIds\.json$`, RouteCallerIDs, (*Fake).listCallerIDs),
		mk(http.MethodGet, acct+`/Calls\.json$`, RouteListCalls, (*Fake).listCalls),
		mk(http.MethodGet, acct+`/Recordings\.json$`, RouteListRecordings, (*Fake).listRecordings),
		mk(http.MethodDelete, acct+`/Recordings/(RE[^/.]+)\.json$`, RouteDeleteRecording, (*Fake).deleteRecording),
		mk(http.MethodGet, acct+`/Recordings/(RE[^/.]+)\.wav$`, RouteRecordingMedia, (*Fake).recordingMedia),
		mk(http.MethodGet, acct+`/Recordings/(RE[^/.]+)/Transcriptions\.json$`, RouteTranscriptions, (*Fake).listTranscriptions),
		mk(http.MethodGet, `^/v1/PhoneNumbers/Countries/([^/]+)$`, RoutePricing, (*Fake).pricing),
		mk(http.MethodGet, `^/v2/Flows$`, RouteListFlows, (*Fake).listFlows),
		mk(http.MethodPost, `^/v2/Flows$`, RouteCreateFlow, (*Fake).createFlow),
		mk(http.MethodPost, `^/v2/Flows/Validate$`, RouteValidateFlow, (*Fake).validateFlow),
		mk(http.MethodGet, `^/v2/Flows/(FW[^/]*)$`, RouteGetFlow, (*Fake).getFlow),
		mk(http.MethodPost, `^/v2/Flows/(FW[^/]*)$`, RouteUpdateFlow, (*Fake).updateFlow),
		mk(http.MethodDelete, `^/v2/Flows/(FW[^/]*)$`, RouteDeleteFlow, (*Fake).deleteFlow),
		mk(http.MethodGet, `^/v2/RegulatoryCompliance/Bundles$`, RouteBundles, (*Fake).listBundles),
	}
}

func (f *Fake) match(method, path string) (route, []string) {
	for _, rt := range f.routes {
		if rt.method != method {
			continue
		}
		if m := rt.re.FindStringSubmatch(path); m != nil {
			return rt, m[1:]
		}
	}
	return route{}, nil
}

// ---- state ----

type caps struct {
	Voice bool `json:"voice"`
	SMS   bool `json:"sms"`
	MMS   bool `json:"mms"`
	Fax   bool `json:"fax"`
}

type avail struct {
	phone, country, resource, locality, region, addressReq string
	caps                                                   caps
}

type number struct {
	sid, phone, friendly                     string
	voiceURL, smsURL, voiceMethod, smsMethod string
	voiceApp, smsApp, trunk                  string
	bundle, address                          string
	addressReq                               string
	caps                                     caps
	created, updated                         time.Time
	seq                                      int
}

type message struct {
	sid, from, to, body, direction, status string
	errorCode                              int
	sent, created                          time.Time
	seq                                    int
}

type flow struct {
	sid, name, status, commit string
	def                       json.RawMessage
	revision                  int
	created, updated          time.Time
	seq                       int
}

type bundle struct {
	sid, country, numberType, status, name string
	created                                time.Time
}

type priceList struct {
	unit   string
	prices map[string]float64 // pricing number_type → monthly price
}

func defaultPrices() map[string]priceList {
	std := func() priceList {
		return priceList{unit: "USD", prices: map[string]float64{"local": 1.15, "mobile": 1.15, "national": 1.15, "toll free": 2.15}}
	}
	nanp := priceList{unit: "USD", prices: map[string]float64{"local": 1.15, "toll free": 2.15}}
	return map[string]priceList{"US": nanp, "CA": nanp, "GB": std(), "FR": std(), "DE": std()}
}

// SetPrice sets a country's monthly price for a Pricing v1 number_type ("local", "toll free"…).
func (f *Fake) SetPrice(country, numberType string, monthly float64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	pl, ok := f.prices[country]
	if !ok {
		pl = priceList{unit: "USD", prices: map[string]float64{}}
	}
	pl.prices[numberType] = monthly
	f.prices[country] = pl
}

func rfc2822(t time.Time) string { return t.UTC().Format(time.RFC1123Z) }

func (f *Fake) next() int {
	f.seq++
	return f.seq
}

func (f *Fake) addMessage(m *message) {
	m.seq = f.next()
	f.messages = append(f.messages, m)
}

// ---- inventory ----

// resourceTypes maps Twilio's AvailablePhoneNumbers resources to libphonenumber types.
func resourceTypes(resource string) []phonenumbers.PhoneNumberType {
	switch resource {
	case "Local":
		return []phonenumbers.PhoneNumberType{phonenumbers.FIXED_LINE, phonenumbers.FIXED_LINE_OR_MOBILE}
	case "Mobile":
		return []phonenumbers.PhoneNumberType{phonenumbers.MOBILE}
	case "National":
		return []phonenumbers.PhoneNumberType{phonenumbers.UAN, phonenumbers.VOIP, phonenumbers.SHARED_COST}
	case "TollFree":
		return []phonenumbers.PhoneNumberType{phonenumbers.TOLL_FREE}
	}
	return nil
}

func isNANP(country string) bool { return phonenumbers.GetCountryCodeForRegion(country) == 1 }

// sells reports whether the fake offers a resource in a country. Like Twilio, North American
// numbers come as Local and TollFree only.
func sells(country, resource string) bool {
	if phonenumbers.GetCountryCodeForRegion(country) == 0 {
		return false
	}
	if isNANP(country) && resource != "Local" && resource != "TollFree" {
		return false
	}
	for _, t := range resourceTypes(resource) {
		if phonenumbers.GetExampleNumberForType(country, t) != nil {
			return true
		}
	}
	return false
}

// generate makes up to n new valid numbers of a country and resource (see
// fakeserver.NewNumbers), as offers.
func (f *Fake) generate(country, resource string, n int) []*avail {
	var out []*avail
	for _, e164 := range fakeserver.NewNumbers(country, resourceTypes(resource), n, f.used) {
		a := &avail{phone: e164, country: country, resource: resource, locality: "Testville", addressReq: "none",
			caps: caps{Voice: true, SMS: resource != "National", MMS: isNANP(country) && resource == "Local"}}
		if !isNANP(country) && resource == "Local" {
			a.addressReq = "any"
		}
		out = append(out, a)
	}
	return out
}

// offers returns a country and resource's numbers for sale, stocking 20 on first use.
func (f *Fake) offers(country, resource string) []*avail {
	key := country + "/" + resource
	if _, ok := f.avail[key]; !ok {
		f.avail[key] = f.generate(country, resource, 20)
	}
	return f.avail[key]
}

func (f *Fake) findOffer(e164 string) (*avail, int, string) {
	for key, list := range f.avail {
		for i, a := range list {
			if a.phone == e164 {
				return a, i, key
			}
		}
	}
	return nil, -1, ""
}

func (f *Fake) own(a *avail, friendly, bundleSID, addressSID string) *number {
	now := time.Now().UTC()
	if friendly == "" {
		friendly = formatNational(a.phone)
	}
	n := &number{
		sid: NewSID("PN"), phone: a.phone, friendly: friendly, bundle: bundleSID, address: addressSID,
		addressReq: a.addressReq, caps: a.caps, created: now, updated: now, voiceMethod: "POST", smsMethod: "POST",
	}
	n.seq = f.next()
	f.numbers[n.sid] = n
	return n
}

// formatNational is Twilio's default FriendlyName: the number in national format.
func formatNational(e164 string) string {
	num, err := phonenumbers.Parse(e164, "")
	if err != nil {
		return e164
	}
	return phonenumbers.Format(num, phonenumbers.NATIONAL)
}

// ---- 2010 API ----

func (f *Fake) accountPath() string { return "/2010-04-01/Accounts/" + f.AccountSID }

func (f *Fake) getAccount(r request) reply {
	typ := "Full"
	if f.trial {
		typ = "Trial"
	}
	now := rfc2822(time.Now())
	status := f.accountStatus
	if status == "" {
		status = "active"
	}
	return ok(http.StatusOK, map[string]any{
		"auth_token":        f.AuthToken,
		"date_created":      now,
		"date_updated":      now,
		"friendly_name":     "vnum test account",
		"owner_account_sid": f.AccountSID,
		"sid":               f.AccountSID,
		"status":            status,
		"subresource_uris":  map[string]any{},
		"type":              typ,
		"uri":               f.accountPath() + ".json",
	})
}

func (f *Fake) search(r request) reply {
	country, resource := r.params[1], r.params[2]
	if !sells(country, resource) {
		return notFound(r.r.URL.Path)
	}
	contains, err := containsPattern(r.form.Get("Contains"))
	if err != nil {
		return badRequest(21403, err.Error())
	}
	limit := intParam(r.form, "PageSize", 50)
	var items []map[string]any
	for _, a := range f.offers(country, resource) {
		if len(items) >= limit {
			break
		}
		if flag(r.form, "SmsEnabled") && !a.caps.SMS || flag(r.form, "VoiceEnabled") && !a.caps.Voice ||
			flag(r.form, "MmsEnabled") && !a.caps.MMS {
			continue
		}
		if flag(r.form, "ExcludeAllAddressRequired") && a.addressReq != "none" ||
			flag(r.form, "ExcludeLocalAddressRequired") && a.addressReq == "local" ||
			flag(r.form, "ExcludeForeignAddressRequired") && a.addressReq == "foreign" {
			continue
		}
		if contains != nil && !contains.MatchString(a.phone) {
			continue
		}
		if f.owned(a.phone) {
			continue
		}
		items = append(items, map[string]any{
			"friendly_name":        formatNational(a.phone),
			"phone_number":         a.phone,
			"lata":                 nil,
			"locality":             a.locality,
			"rate_center":          nil,
			"latitude":             nil,
			"longitude":            nil,
			"region":               a.region,
			"postal_code":          nil,
			"iso_country":          a.country,
			"address_requirements": a.addressReq,
			"beta":                 false,
			"capabilities":         a.caps,
		})
	}
	if items == nil {
		items = []map[string]any{}
	}
	uri := r.r.URL.RequestURI()
	return ok(http.StatusOK, map[string]any{
		"available_phone_numbers": items,
		"end":                     max(0, len(items)-1),
		"first_page_uri":          uri,
		"next_page_uri":           nil,
		"page":                    0,
		"page_size":               limit,
		"previous_page_uri":       nil,
		"start":                   0,
		"uri":                     uri,
	})
}

// containsPattern compiles Twilio's Contains filter: digits and letters, '*' for any digit.
func containsPattern(s string) (*regexp.Regexp, error) {
	if s == "" {
		return nil, nil // no filter
	}
	if len(s) < 2 {
		return nil, fmt.Errorf("contains must be at least two characters: %q", s)
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '*':
			b.WriteString(`\d`)
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			return nil, fmt.Errorf("contains may hold only digits and '*': %q", s)
		}
	}
	return regexp.Compile(b.String())
}

func (f *Fake) owned(e164 string) bool {
	for _, n := range f.numbers {
		if n.phone == e164 {
			return true
		}
	}
	return false
}

func (f *Fake) buy(r request) reply {
	phone := r.form.Get("PhoneNumber")
	if phone == "" {
		return badRequest(21450, "A 'PhoneNumber' or 'AreaCode' is required to purchase a phone number")
	}
	a, _, key := f.findOffer(phone)
	if a == nil || f.owned(phone) {
		return badRequest(21422, fmt.Sprintf("PhoneNumber %s is not available", phone))
	}
	if f.trial && len(f.numbers) >= 1 {
		return badRequest(10002, "Trial accounts do not support the feature you tried to use")
	}
	bundleSID := r.form.Get("BundleSid")
	if !isNANP(a.country) {
		if bundleSID == "" {
			return badRequest(21649, "Phone Number Requires a Bundle")
		}
		if !f.bundleFits(bundleSID, a.country, a.resource) {
			return badRequest(21649, fmt.Sprintf("Bundle %s is not approved for %s %s numbers", bundleSID, a.country, a.resource))
		}
	}
	if a.addressReq != "none" && r.form.Get("AddressSid") == "" {
		return badRequest(21631, "Phone Number Requires an Address")
	}
	name := r.form.Get("FriendlyName")
	if len([]rune(name)) > 64 {
		return badRequest(21602, "FriendlyName is longer than 64 characters")
	}
	_ = key
	n := f.own(a, name, bundleSID, r.form.Get("AddressSid"))
	return ok(http.StatusCreated, f.numberJSON(n))
}

func (f *Fake) bundleFits(sid, country, resource string) bool {
	want := map[string]string{"Local": "local", "Mobile": "mobile", "National": "national", "TollFree": "toll-free"}[resource]
	for _, b := range f.bundles {
		if b.sid == sid {
			return b.status == "twilio-approved" && b.country == country && (b.numberType == "" || b.numberType == want)
		}
	}
	return false
}

func (f *Fake) numberJSON(n *number) map[string]any {
	return map[string]any{
		"account_sid":              f.AccountSID,
		"address_sid":              nullable(n.address),
		"address_requirements":     n.addressReq,
		"api_version":              "2010-04-01",
		"beta":                     false,
		"capabilities":             n.caps,
		"date_created":             rfc2822(n.created),
		"date_updated":             rfc2822(n.updated),
		"emergency_status":         "Inactive",
		"emergency_address_sid":    nil,
		"emergency_address_status": "unregistered",
		"friendly_name":            n.friendly,
		"identity_sid":             nil,
		"origin":                   "twilio",
		"phone_number":             n.phone,
		"sid":                      n.sid,
		"sms_application_sid":      nullable(n.smsApp),
		"sms_fallback_method":      "POST",
		"sms_fallback_url":         "",
		"sms_method":               n.smsMethod,
		"sms_url":                  n.smsURL,
		"status_callback":          "",
		"status_callback_method":   "POST",
		"trunk_sid":                nullable(n.trunk),
		"uri":                      f.accountPath() + "/IncomingPhoneNumbers/" + n.sid + ".json",
		"voice_application_sid":    nullable(n.voiceApp),
		"voice_caller_id_lookup":   false,
		"voice_fallback_method":    "POST",
		"voice_fallback_url":       nil,
		"voice_method":             n.voiceMethod,
		"voice_url":                n.voiceURL,
		"voice_receive_mode":       "voice",
		"bundle_sid":               nullable(n.bundle),
		"status":                   "in-use",
	}
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (f *Fake) getNumber(r request) reply {
	n, found := f.numbers[r.params[1]]
	if !found {
		return notFound(r.r.URL.Path)
	}
	return ok(http.StatusOK, f.numberJSON(n))
}

func (f *Fake) updateNumber(r request) reply {
	n, found := f.numbers[r.params[1]]
	if !found {
		return notFound(r.r.URL.Path)
	}
	for field, target := range map[string]*string{
		"FriendlyName": &n.friendly, "VoiceUrl": &n.voiceURL, "SmsUrl": &n.smsURL,
		"VoiceMethod": &n.voiceMethod, "SmsMethod": &n.smsMethod,
		"VoiceApplicationSid": &n.voiceApp, "SmsApplicationSid": &n.smsApp, "TrunkSid": &n.trunk,
	} {
		if vs, set := r.form[field]; set {
			v := vs[0]
			if strings.HasSuffix(field, "Url") && v != "" && !strings.HasPrefix(v, "http") {
				return badRequest(21502, fmt.Sprintf("%s is not a valid URL: %s", field, v))
			}
			*target = v
		}
	}
	if len([]rune(n.friendly)) > 64 {
		return badRequest(21602, "FriendlyName is longer than 64 characters")
	}
	n.updated = time.Now().UTC()
	return ok(http.StatusOK, f.numberJSON(n))
}

func (f *Fake) releaseNumber(r request) reply {
	if _, found := f.numbers[r.params[1]]; !found {
		return notFound(r.r.URL.Path)
	}
	delete(f.numbers, r.params[1])
	return reply{status: http.StatusNoContent}
}

func (f *Fake) listNumbers(r request) reply {
	var list []*number
	for _, n := range f.numbers {
		if pn := r.form.Get("PhoneNumber"); pn != "" && !wildcardMatch(pn, n.phone) {
			continue
		}
		if fn := r.form.Get("FriendlyName"); fn != "" && fn != n.friendly {
			continue
		}
		list = append(list, n)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].seq < list[j].seq })
	items := make([]any, 0, len(list))
	for _, n := range list {
		items = append(items, f.numberJSON(n))
	}
	return ok(http.StatusOK, f.page2010(r, "incoming_phone_numbers", items))
}

// wildcardMatch is Twilio's PhoneNumber filter: partial numbers, '*' for any digit.
func wildcardMatch(pattern, e164 string) bool {
	re, err := regexp.Compile(strings.ReplaceAll(regexp.QuoteMeta(pattern), `\*`, `\d`))
	return err == nil && re.MatchString(e164)
}

// page2010 cuts one page of a 2010-API list, with Twilio's relative next_page_uri.
func (f *Fake) page2010(r request, key string, items []any) map[string]any {
	size := intParam(r.form, "PageSize", 50)
	page := intParam(r.form, "Page", 0)
	start := min(page*size, len(items))
	end := min(start+size, len(items))
	base := url.Values{}
	for k, v := range r.form {
		if k != "Page" && k != "PageToken" && k != "PageSize" {
			base[k] = v
		}
	}
	uriFor := func(p int) string {
		q := url.Values{}
		for k, v := range base {
			q[k] = v
		}
		q.Set("PageSize", strconv.Itoa(size))
		q.Set("Page", strconv.Itoa(p))
		if p > 0 {
			q.Set("PageToken", fmt.Sprintf("PA%d", p))
		}
		return r.r.URL.Path + "?" + q.Encode()
	}
	var next, prev any
	if end < len(items) {
		next = uriFor(page + 1)
	}
	if page > 0 {
		prev = uriFor(page - 1)
	}
	return map[string]any{
		key:                 items[start:end],
		"end":               max(start, end-1),
		"first_page_uri":    uriFor(0),
		"next_page_uri":     next,
		"page":              page,
		"page_size":         size,
		"previous_page_uri": prev,
		"start":             start,
		"uri":               uriFor(page),
	}
}

func (f *Fake) listMessages(r request) reply {
	day := func(s string) (time.Time, bool) {
		for _, layout := range []string{time.RFC3339, "2006-01-02"} {
			if t, err := time.Parse(layout, s); err == nil {
				return t.UTC().Truncate(24 * time.Hour), true
			}
		}
		return time.Time{}, false
	}
	var list []*message
	for _, m := range f.messages {
		if to := r.form.Get("To"); to != "" && m.to != to {
			continue
		}
		if from := r.form.Get("From"); from != "" && m.from != from {
			continue
		}
		sent := m.sent.UTC().Truncate(24 * time.Hour)
		if d, set := day(r.form.Get("DateSent>")); set && sent.Before(d) {
			continue
		}
		if d, set := day(r.form.Get("DateSent<")); set && sent.After(d) {
			continue
		}
		if d, set := day(r.form.Get("DateSent")); set && !sent.Equal(d) {
			continue
		}
		list = append(list, m)
	}
	// Newest first, as Twilio lists them.
	sort.SliceStable(list, func(i, j int) bool {
		if !list[i].sent.Equal(list[j].sent) {
			return list[i].sent.After(list[j].sent)
		}
		return list[i].seq > list[j].seq
	})
	items := make([]any, 0, len(list))
	for _, m := range list {
		items = append(items, f.messageJSON(m))
	}
	return ok(http.StatusOK, f.page2010(r, "messages", items))
}

func (f *Fake) messageJSON(m *message) map[string]any {
	var code any
	if m.errorCode != 0 {
		code = m.errorCode
	}
	return map[string]any{
		"account_sid":           f.AccountSID,
		"api_version":           "2010-04-01",
		"body":                  m.body,
		"date_created":          rfc2822(m.created),
		"date_sent":             rfc2822(m.sent),
		"date_updated":          rfc2822(m.created),
		"direction":             m.direction,
		"error_code":            code,
		"error_message":         nil,
		"from":                  m.from,
		"messaging_service_sid": nil,
		"num_media":             "0",
		"num_segments":          "1",
		"price":                 nil,
		"price_unit":            "USD",
		"sid":                   m.sid,
		"status":                m.status,
		"subresource_uris":      map[string]any{},
		"to":                    m.to,
		"uri":                   f.accountPath() + "/Messages/" + m.sid + ".json",
	}
}

var e164Shape = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

func (f *Fake) sendMessage(r request) reply {
	from, to, body := r.form.Get("From"), r.form.Get("To"), r.form.Get("Body")
	if !e164Shape.MatchString(to) {
		return badRequest(21211, fmt.Sprintf("Invalid 'To' Phone Number: %s", to))
	}
	var sender *number
	for _, n := range f.numbers {
		if n.phone == from {
			sender = n
		}
	}
	if sender == nil || !sender.caps.SMS {
		return badRequest(21606, "The 'From' phone number provided is not a valid message-capable Twilio phone number for this destination/account")
	}
	if body == "" {
		return badRequest(21602, "Message body is required")
	}
	if f.trial && !f.callerIDs[to] {
		return badRequest(21608, "The number "+to+" is unverified. Trial accounts may only send messages to verified numbers")
	}
	now := time.Now().UTC()
	m := &message{sid: NewSID("SM"), from: from, to: to, body: body, direction: "outbound-api", status: "queued", sent: now, created: now}
	f.addMessage(m)
	return ok(http.StatusCreated, f.messageJSON(m))
}

func (f *Fake) listCallerIDs(r request) reply {
	var items []any
	ids := make([]string, 0, len(f.callerIDs))
	for id := range f.callerIDs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if pn := r.form.Get("PhoneNumber"); pn != "" && pn != id {
			continue
		}
		now := rfc2822(time.Now())
		items = append(items, map[string]any{
			"account_sid": f.AccountSID, "date_created": now, "date_updated": now,
			"friendly_name": formatNational(id), "phone_number": id, "sid": NewSID("PN"),
			"uri": f.accountPath() + "/OutgoingCallerIds/" + id + ".json",
		})
	}
	if items == nil {
		items = []any{}
	}
	return ok(http.StatusOK, f.page2010(r, "outgoing_caller_ids", items))
}

// ---- Pricing v1 ----

func (f *Fake) pricing(r request) reply {
	country := r.params[0]
	pl, found := f.prices[country]
	if !found {
		if phonenumbers.GetCountryCodeForRegion(country) == 0 {
			return notFound(r.r.URL.Path)
		}
		pl = priceList{unit: "USD", prices: map[string]float64{"local": 1, "mobile": 1, "national": 1, "toll free": 2}}
	}
	keys := make([]string, 0, len(pl.prices))
	for k := range pl.prices {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	items := make([]map[string]any, 0, len(keys))
	for _, k := range keys {
		items = append(items, map[string]any{"number_type": k, "base_price": pl.prices[k], "current_price": pl.prices[k]})
	}
	return ok(http.StatusOK, map[string]any{
		"country":             country,
		"iso_country":         country,
		"phone_number_prices": items,
		"price_unit":          pl.unit,
		"url":                 "https://pricing.twilio.com/v1/PhoneNumbers/Countries/" + country,
	})
}

// ---- Studio v2 ----

func (f *Fake) flowJSON(fl *flow) map[string]any {
	var def any
	_ = json.Unmarshal(fl.def, &def)
	u := "https://studio.twilio.com/v2/Flows/" + fl.sid
	return map[string]any{
		"sid":            fl.sid,
		"account_sid":    f.AccountSID,
		"author_sid":     nil,
		"friendly_name":  fl.name,
		"definition":     def,
		"status":         fl.status,
		"revision":       fl.revision,
		"commit_message": nullable(fl.commit),
		"valid":          true,
		"errors":         []any{},
		"warnings":       []any{},
		"webhook_url":    "https://webhooks.twilio.com/v1/Accounts/" + f.AccountSID + "/Flows/" + fl.sid,
		"date_created":   fl.created.Format(time.RFC3339),
		"date_updated":   fl.updated.Format(time.RFC3339),
		"url":            u,
		"links":          map[string]any{"revisions": u + "/Revisions", "test_users": u + "/TestUsers", "executions": u + "/Executions"},
	}
}

func (f *Fake) sortedFlows() []*flow {
	list := make([]*flow, 0, len(f.flows))
	for _, fl := range f.flows {
		list = append(list, fl)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].seq < list[j].seq })
	return list
}

func (f *Fake) listFlows(r request) reply {
	items := []any{}
	for _, fl := range f.sortedFlows() {
		items = append(items, f.flowJSON(fl))
	}
	return ok(http.StatusOK, pageV2(r, "https://studio.twilio.com/v2/Flows", "flows", items))
}

// pageV2 cuts one page of a v1/v2 list, with absolute paging URLs in meta as Twilio sends them
// (on Twilio's hosts: clients rebase them onto the fake).
func pageV2(r request, base, key string, items []any) map[string]any {
	size := intParam(r.form, "PageSize", 50)
	page := intParam(r.form, "Page", 0)
	start := min(page*size, len(items))
	end := min(start+size, len(items))
	urlFor := func(p int) string {
		q := url.Values{}
		for k, v := range r.form {
			if k != "Page" && k != "PageToken" && k != "PageSize" {
				q[k] = v
			}
		}
		q.Set("PageSize", strconv.Itoa(size))
		q.Set("Page", strconv.Itoa(p))
		if p > 0 {
			q.Set("PageToken", fmt.Sprintf("PT%d", p))
		}
		return base + "?" + q.Encode()
	}
	var next, prev any
	if end < len(items) {
		next = urlFor(page + 1)
	}
	if page > 0 {
		prev = urlFor(page - 1)
	}
	return map[string]any{
		key: items[start:end],
		"meta": map[string]any{
			"first_page_url": urlFor(0), "key": key, "next_page_url": next, "page": page,
			"page_size": size, "previous_page_url": prev, "url": urlFor(page),
		},
	}
}

func (f *Fake) createFlow(r request) reply {
	name, status, raw := r.form.Get("FriendlyName"), r.form.Get("Status"), r.form.Get("Definition")
	if name == "" || (status != "draft" && status != "published") {
		return badRequest(20001, "FriendlyName and a Status of draft or published are required")
	}
	if problem := checkDefinition(raw); problem != "" {
		f.report("invalid Studio flow definition sent: " + problem)
		return badRequest(20001, "Invalid Flow definition: "+problem)
	}
	now := time.Now().UTC().Truncate(time.Second)
	fl := &flow{sid: NewSID("FW"), name: name, status: status, commit: r.form.Get("CommitMessage"),
		def: json.RawMessage(raw), revision: 1, created: now, updated: now}
	fl.seq = f.next()
	f.flows[fl.sid] = fl
	return ok(http.StatusCreated, f.flowJSON(fl))
}

// validateFlow is Studio's POST /v2/Flows/Validate: {"valid": true}, or a 400 naming what
// is wrong, and nothing stored.
func (f *Fake) validateFlow(r request) reply {
	name, status, raw := r.form.Get("FriendlyName"), r.form.Get("Status"), r.form.Get("Definition")
	if name == "" || (status != "draft" && status != "published") {
		return badRequest(20001, "FriendlyName and a Status of draft or published are required")
	}
	if problem := checkDefinition(raw); problem != "" {
		f.report("invalid Studio flow definition sent to Validate: " + problem)
		return badRequest(20001, "Invalid Flow definition: "+problem)
	}
	return ok(http.StatusOK, map[string]any{"valid": true})
}

func (f *Fake) getFlow(r request) reply {
	fl, found := f.flows[r.params[0]]
	if !found {
		return notFound(r.r.URL.Path)
	}
	return ok(http.StatusOK, f.flowJSON(fl))
}

func (f *Fake) updateFlow(r request) reply {
	fl, found := f.flows[r.params[0]]
	if !found {
		return notFound(r.r.URL.Path)
	}
	status := r.form.Get("Status")
	if status != "draft" && status != "published" {
		return badRequest(20001, "Status must be draft or published")
	}
	if raw, set := r.form["Definition"]; set {
		if problem := checkDefinition(raw[0]); problem != "" {
			f.report("invalid Studio flow definition sent: " + problem)
			return badRequest(20001, "Invalid Flow definition: "+problem)
		}
		fl.def = json.RawMessage(raw[0])
	}
	if name := r.form.Get("FriendlyName"); name != "" {
		fl.name = name
	}
	fl.status, fl.commit = status, r.form.Get("CommitMessage")
	fl.revision++
	fl.updated = time.Now().UTC().Truncate(time.Second)
	return ok(http.StatusOK, f.flowJSON(fl))
}

func (f *Fake) deleteFlow(r request) reply {
	if _, found := f.flows[r.params[0]]; !found {
		return notFound(r.r.URL.Path)
	}
	delete(f.flows, r.params[0])
	return reply{status: http.StatusNoContent}
}

// flowDef is the part of a Studio flow definition the fake checks and runs.
type flowDef struct {
	Description  string         `json:"description"`
	InitialState string         `json:"initial_state"`
	Flags        map[string]any `json:"flags"`
	States       []flowStateDef `json:"states"`
}

type flowStateDef struct {
	Name        string         `json:"name"`
	Type        string         `json:"type"`
	Properties  map[string]any `json:"properties"`
	Transitions []struct {
		Event      string `json:"event"`
		Next       string `json:"next"`
		Conditions []struct {
			FriendlyName string   `json:"friendly_name"`
			Arguments    []string `json:"arguments"`
			Type         string   `json:"type"`
			Value        string   `json:"value"`
		} `json:"conditions"`
	} `json:"transitions"`
}

// checkDefinition applies the rules of Twilio's flow-definition schema that matter for the
// widgets vnum writes; it returns "" when the definition holds.
func checkDefinition(raw string) string {
	var def flowDef
	if err := jsonStrict([]byte(raw), &def); err != nil {
		return "not JSON: " + err.Error()
	}
	if def.InitialState == "" || def.Flags == nil || len(def.States) == 0 {
		return "description, initial_state, flags and states are required"
	}
	names := map[string]string{}
	for _, st := range def.States {
		if st.Name == "" || names[st.Name] != "" {
			return fmt.Sprintf("state name %q is empty or repeated", st.Name)
		}
		names[st.Name] = st.Type
	}
	if names[def.InitialState] != "trigger" {
		return "initial_state must name the trigger state"
	}
	events := map[string][]string{
		"trigger":          {"incomingMessage", "incomingCall", "incomingConversationMessage", "incomingRequest", "incomingParent"},
		"connect-call-to":  {"callCompleted", "hangup"},
		"send-message":     {"sent", "failed"},
		"split-based-on":   {"noMatch", "match"},
		"say-play":         {"audioComplete"},
		"record-voicemail": {"recordingComplete", "noAudio", "hangup"},
	}
	for _, st := range def.States {
		allowed, known := events[st.Type]
		if !known {
			return fmt.Sprintf("state %q has a widget type vnum does not use: %q", st.Name, st.Type)
		}
		if _, has := st.Properties["offset"]; !has {
			return fmt.Sprintf("state %q lacks properties.offset", st.Name)
		}
		for _, tr := range st.Transitions {
			if !slices.Contains(allowed, tr.Event) {
				return fmt.Sprintf("state %q: %q is not an event of %s", st.Name, tr.Event, st.Type)
			}
			if tr.Next != "" && names[tr.Next] == "" {
				return fmt.Sprintf("state %q: transition to unknown state %q", st.Name, tr.Next)
			}
			if (tr.Event == "match") != (len(tr.Conditions) > 0) {
				return fmt.Sprintf("state %q: a match transition, and only one, carries conditions", st.Name)
			}
			for _, c := range tr.Conditions {
				if c.FriendlyName == "" || len(c.Arguments) == 0 || c.Value == "" ||
					!slices.Contains([]string{"equal_to", "matches_any_of", "contains", "starts_with"}, c.Type) {
					return fmt.Sprintf("state %q: condition %q needs friendly_name, arguments, a known type and a value", st.Name, c.FriendlyName)
				}
			}
		}
		switch st.Type {
		case "connect-call-to":
			if str(st.Properties["noun"]) != "number" || !e164Shape.MatchString(str(st.Properties["to"])) || str(st.Properties["caller_id"]) == "" {
				return fmt.Sprintf("state %q: connect-call-to needs noun=number, an E.164 to and a caller_id", st.Name)
			}
		case "split-based-on":
			if str(st.Properties["input"]) == "" {
				return fmt.Sprintf("state %q: split-based-on needs an input", st.Name)
			}
		case "say-play":
			if str(st.Properties["say"]) == "" && str(st.Properties["play"]) == "" {
				return fmt.Sprintf("state %q: say-play needs say or play", st.Name)
			}
		case "send-message":
			if !e164Shape.MatchString(str(st.Properties["to"])) || str(st.Properties["from"]) == "" || str(st.Properties["body"]) == "" {
				return fmt.Sprintf("state %q: send-message needs an E.164 to, a from and a body", st.Name)
			}
		}
	}
	return ""
}

// ---- Numbers v2 ----

func (f *Fake) listBundles(r request) reply {
	items := []any{}
	for _, b := range f.bundles {
		if s := r.form.Get("Status"); s != "" && s != b.status {
			continue
		}
		if c := r.form.Get("IsoCountry"); c != "" && c != b.country {
			continue
		}
		if t := r.form.Get("NumberType"); t != "" && b.numberType != "" && t != b.numberType {
			continue
		}
		u := "https://numbers.twilio.com/v2/RegulatoryCompliance/Bundles/" + b.sid
		items = append(items, map[string]any{
			"sid": b.sid, "account_sid": f.AccountSID, "regulation_sid": NewSID("RN"), "friendly_name": b.name,
			"status": b.status, "valid_until": nil, "email": "vnum@example.com", "status_callback": nil,
			"date_created": b.created.Format(time.RFC3339), "date_updated": b.created.Format(time.RFC3339),
			"url": u, "links": map[string]any{"item_assignments": u + "/ItemAssignments"},
		})
	}
	return ok(http.StatusOK, pageV2(r, "https://numbers.twilio.com/v2/RegulatoryCompliance/Bundles", "results", items))
}

// ---- helpers ----

func intParam(form url.Values, key string, def int) int {
	n, err := strconv.Atoi(form.Get(key))
	if err != nil || n < 0 || (n == 0 && key == "PageSize") {
		return def
	}
	return n
}

func flag(form url.Values, key string) bool {
	v, _ := strconv.ParseBool(form.Get(key))
	return v
}
