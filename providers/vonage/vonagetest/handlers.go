package vonagetest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nyaruka/phonenumbers"

	"github.com/vnum-cli/vnum/providers/internal/fakeserver"
)

// Vonage's number types and what the fake charges a month for each, in micros.
const (
	TypeLandline = "landline"
	TypeMobile   = "mobile-lvn"
	TypeTollFree = "landline-toll-free"
)

func monthly(typ string) int64 {
	switch typ {
	case TypeMobile:
		return 1_250_000
	case TypeTollFree:
		return 2_500_000
	}
	return 900_000
}

// smsPrice is what one outbound SMS costs.
const smsPrice = 33_300

// stockSize is how many numbers a country and type has for sale on first look.
const stockSize = 30

type offer struct {
	msisdn, country, typ string
	features             []string
	cost                 int64
}

type number struct {
	offer
	cfg url.Values // the configuration /number/update sets
	seq int
}

type message struct {
	id, from, to, text, direction string
	clientRef                     string
	received                      time.Time
}

// updatable are the /number/update fields the fake keeps.
var updatable = []string{"app_id", "moHttpUrl", "moSmppSysType", "voiceCallbackType", "voiceCallbackValue",
	"voiceStatusCallback", "messagesCallbackType", "messagesCallbackValue"}

func (f *Fake) handle(r *http.Request, rt Route, form url.Values) reply {
	if rt == RouteRecords {
		return f.records(r, form)
	}
	h, known := map[Route]func(url.Values) reply{
		RouteSearch:  f.search,
		RouteBuy:     f.buy,
		RouteCancel:  f.cancel,
		RouteUpdate:  f.update,
		RouteOwned:   f.owned,
		RouteBalance: f.getBalance,
		RoutePricing: f.pricing,
		RouteSend:    f.send,
	}[rt]
	if !known {
		f.report(fmt.Sprintf("vnum sent %s %s, which the fake does not implement", r.Method, r.URL.Path))
		return reply{status: http.StatusNotFound, body: map[string]string{"error-code": "404", "error-code-label": "not found"}}
	}
	if form.Get("api_key") != f.APIKey || form.Get("api_secret") != f.APISecret {
		if rt == RouteSend {
			return ok(smsAnswer(map[string]string{"status": "4", "error-text": "Bad Credentials"}))
		}
		return legacyError(http.StatusUnauthorized, "authentication failed")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return h(form)
}

// ---- inventory ----

func phoneTypes(typ string) []phonenumbers.PhoneNumberType {
	switch typ {
	case TypeLandline:
		return []phonenumbers.PhoneNumberType{phonenumbers.FIXED_LINE, phonenumbers.FIXED_LINE_OR_MOBILE}
	case TypeMobile:
		return []phonenumbers.PhoneNumberType{phonenumbers.MOBILE}
	case TypeTollFree:
		return []phonenumbers.PhoneNumberType{phonenumbers.TOLL_FREE}
	}
	return nil
}

// generate makes up to n new valid numbers of a country and type (see fakeserver.NewNumbers),
// as offers.
func (f *Fake) generate(country, typ string, n int) []*offer {
	features := []string{"VOICE", "SMS"}
	if typ == TypeTollFree {
		features = []string{"VOICE"}
	}
	var out []*offer
	for _, e164 := range fakeserver.NewNumbers(country, phoneTypes(typ), n, f.used) {
		out = append(out, &offer{msisdn: strings.TrimPrefix(e164, "+"), country: country, typ: typ, features: features, cost: monthly(typ)})
	}
	return out
}

func (f *Fake) offers(country, typ string) []*offer {
	key := country + "/" + typ
	if _, ok := f.stock[key]; !ok {
		f.stock[key] = f.generate(country, typ, stockSize)
	}
	return f.stock[key]
}

func (f *Fake) own(o *offer) *number {
	f.seq++
	n := &number{offer: *o, cfg: url.Values{}, seq: f.seq}
	f.numbers[o.msisdn] = n
	for key, list := range f.stock {
		f.stock[key] = slices.DeleteFunc(list, func(x *offer) bool { return x.msisdn == o.msisdn })
	}
	return n
}

func (f *Fake) sortedNumbers() []*number {
	list := make([]*number, 0, len(f.numbers))
	for _, n := range f.numbers {
		list = append(list, n)
	}
	slices.SortFunc(list, func(a, b *number) int { return a.seq - b.seq })
	return list
}

func matchPattern(msisdn string, form url.Values) bool {
	p := form.Get("pattern")
	if p == "" {
		return true
	}
	switch form.Get("search_pattern") {
	case "1":
		return strings.Contains(msisdn, p)
	case "2":
		return strings.HasSuffix(msisdn, p)
	}
	return strings.HasPrefix(msisdn, p)
}

// window is the size/index page of a listing.
func window(form url.Values, total int) (from, to int) {
	size, index := intParam(form, "size", 10), intParam(form, "index", 1)
	size, index = min(max(size, 1), 100), max(index, 1)
	from = min((index-1)*size, total)
	return from, min(from+size, total)
}

func intParam(form url.Values, key string, def int) int {
	if v, err := strconv.Atoi(form.Get(key)); err == nil {
		return v
	}
	return def
}

// amount writes a non-negative amount of micros as Vonage writes money: "1.25", "10".
func amount(micros int64) string {
	s := fmt.Sprintf("%d.%06d", micros/1_000_000, micros%1_000_000)
	return strings.TrimRight(strings.TrimRight(s, "0"), ".")
}

// ---- handlers ----

func (f *Fake) search(form url.Values) reply {
	country := strings.ToUpper(form.Get("country"))
	types := []string{TypeLandline, TypeMobile, TypeTollFree}
	if t := form.Get("type"); t != "" {
		types = []string{t}
	}
	var want []string
	if v := form.Get("features"); v != "" {
		want = strings.Split(v, ",")
	}
	var found []*offer
	for _, t := range types {
		for _, o := range f.offers(country, t) {
			if matchPattern(o.msisdn, form) && hasAll(o.features, want) {
				found = append(found, o)
			}
		}
	}
	body := map[string]any{"count": len(found)}
	from, to := window(form, len(found))
	if to > from {
		// Like Vonage, no numbers key at all when there are none.
		list := make([]map[string]any, 0, to-from)
		for _, o := range found[from:to] {
			list = append(list, map[string]any{"country": o.country, "msisdn": o.msisdn, "type": o.typ,
				"cost": amount(o.cost), "features": o.features})
		}
		body["numbers"] = list
	}
	return ok(body)
}

func hasAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

func success() reply {
	return ok(map[string]string{"error-code": "200", "error-code-label": "success"})
}

// methodFailed is Vonage's answer to most refused writes, whatever the reason.
func methodFailed(label string) reply {
	if label == "" {
		label = "method failed"
	}
	return legacyError(420, label)
}

func (f *Fake) buy(form url.Values) reply {
	country, msisdn := strings.ToUpper(form.Get("country")), form.Get("msisdn")
	if _, mine := f.numbers[msisdn]; mine {
		return methodFailed("")
	}
	var o *offer
	for _, list := range f.stock {
		for _, x := range list {
			if x.msisdn == msisdn && x.country == country {
				o = x
			}
		}
	}
	switch {
	case o == nil:
		return methodFailed("")
	case f.paperwork[country]:
		return methodFailed("Numbers from this country can be requested from the Dashboard (https://dashboard.nexmo.com/buy-numbers) " +
			"as they require a valid local address to be provided before being purchased.")
	case f.balance < o.cost:
		return methodFailed("") // Vonage says no more than this when the credit is short
	}
	f.balance -= o.cost
	f.own(o)
	return success()
}

func (f *Fake) cancel(form url.Values) reply {
	n, ok := f.numbers[form.Get("msisdn")]
	if !ok || n.country != strings.ToUpper(form.Get("country")) {
		return methodFailed("")
	}
	delete(f.numbers, n.msisdn)
	return success()
}

// update replaces the number's configuration with what the request carries: a field left
// out is cleared. Vonage does not document what it does with one, so the fake takes the
// harsher reading; a client that sends the whole configuration back loses nothing either way.
func (f *Fake) update(form url.Values) reply {
	n, ok := f.numbers[form.Get("msisdn")]
	if !ok || n.country != strings.ToUpper(form.Get("country")) {
		return methodFailed("")
	}
	typ, val := form.Get("voiceCallbackType"), form.Get("voiceCallbackValue")
	if typ != "" && val == "" {
		return methodFailed("voiceCallbackType needs a voiceCallbackValue")
	}
	if typ == "tel" && (len(val) < 7 || len(val) > 15 || strings.Trim(val, "0123456789") != "") {
		return methodFailed("voiceCallbackValue must be a number in E.164 format without +")
	}
	cfg := url.Values{}
	for _, k := range updatable {
		if v := form.Get(k); v != "" {
			cfg.Set(k, v)
		}
	}
	if cfg.Get("voiceCallbackType") == "" {
		cfg.Del("voiceCallbackValue")
	}
	n.cfg = cfg
	return success()
}

func (f *Fake) owned(form url.Values) reply {
	var found []*number
	for _, n := range f.sortedNumbers() {
		if matchPattern(n.msisdn, form) && (form.Get("country") == "" || strings.EqualFold(form.Get("country"), n.country)) {
			found = append(found, n)
		}
	}
	from, to := window(form, len(found))
	list := make([]map[string]any, 0, to-from)
	for _, n := range found[from:to] {
		m := map[string]any{"country": n.country, "msisdn": n.msisdn, "type": n.typ, "features": n.features}
		for _, k := range []string{"moHttpUrl", "app_id", "voiceCallbackType", "voiceCallbackValue", "voiceStatusCallback",
			"messagesCallbackType", "messagesCallbackValue"} {
			if v := n.cfg.Get(k); v != "" {
				m[k] = v
			}
		}
		list = append(list, m)
	}
	body := map[string]any{"count": len(found)}
	if len(list) > 0 {
		body["numbers"] = list
	}
	return ok(body)
}

func (f *Fake) getBalance(url.Values) reply {
	return ok(map[string]any{"value": json.Number(amount(f.balance)), "autoReload": false})
}

func (f *Fake) pricing(form url.Values) reply {
	cc := strings.ToUpper(form.Get("country"))
	return ok(map[string]any{"countryCode": cc, "countryName": cc, "countryDisplayName": cc, "currency": f.currency,
		"defaultPrice": "0.03330000", "dialingPrefix": strconv.Itoa(phonenumbers.GetCountryCodeForRegion(cc)), "networks": []any{}})
}

func smsAnswer(parts ...map[string]string) map[string]any {
	return map[string]any{"message-count": strconv.Itoa(len(parts)), "messages": parts}
}

// send accepts an SMS from an owned number and charges for it; like Vonage, refusals are
// HTTP 200 with a status in the message.
func (f *Fake) send(form url.Values) reply {
	from, to := form.Get("from"), form.Get("to")
	if _, mine := f.numbers[from]; !mine {
		return ok(smsAnswer(map[string]string{"status": "15", "error-text": "Illegal Sender Address - rejected"}))
	}
	if f.balance < smsPrice {
		return ok(smsAnswer(map[string]string{"status": "9", "error-text": "Partner quota exceeded"}))
	}
	f.balance -= smsPrice
	m := &message{id: fakeserver.NewUUID(), from: from, to: to, text: form.Get("text"), direction: "outbound", received: time.Now().UTC(),
		clientRef: form.Get("client-ref")}
	f.messages = append(f.messages, m)
	return ok(smsAnswer(map[string]string{"to": to, "message-id": m.id, "status": "0",
		"remaining-balance": amount(f.balance), "message-price": amount(smsPrice), "network": "23410"}))
}

// records is the Reports API's synchronous read: HTTP Basic, a window of at most 24 hours on
// the time Vonage received each message, batches with a next link. A received SMS shows only
// once the reports delay has passed.
func (f *Fake) records(r *http.Request, form url.Values) reply {
	user, pass, okAuth := basic(r)
	if !okAuth || user != f.APIKey || pass != f.APISecret {
		return problem(http.StatusUnauthorized, "Unauthorized", "You did not provide correct credentials.")
	}
	if form.Get("account_id") != f.APIKey {
		return problem(http.StatusForbidden, "Forbidden", "User not authorized to query the requested data")
	}
	if form.Get("product") != "SMS" || (form.Get("direction") != "inbound" && form.Get("direction") != "outbound") {
		return problem(http.StatusUnprocessableEntity, "Unprocessable entity", "the fake serves product=SMS with a direction")
	}
	start, err1 := parseTime(form.Get("date_start"))
	end, err2 := parseTime(form.Get("date_end"))
	switch {
	case err1 != nil || err2 != nil:
		return problem(http.StatusBadRequest, "Bad Request", "date_start and date_end must be ISO 8601 times")
	case end.Sub(start) > 24*time.Hour:
		return problem(http.StatusBadRequest, "Bad Request", "date_end must be no more than 24 hours after date_start")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	now := time.Now().Add(f.ahead)
	var found []*message
	for _, m := range f.messages {
		if m.direction == form.Get("direction") && !m.received.Before(start) && m.received.Before(end) &&
			!m.received.Add(f.reportsDelay).After(now) {
			found = append(found, m)
		}
	}
	cursor := min(max(intParam(form, "cursor", 0), 0), len(found))
	last := min(cursor+f.batch, len(found))
	recs := make([]map[string]any, 0, last-cursor)
	for _, m := range found[cursor:last] {
		rec := map[string]any{"account_id": f.APIKey, "message_id": m.id, "direction": m.direction, "from": m.from, "to": m.to,
			"network": "23410", "network_name": "Fake Network", "country": "GB", "country_name": "United Kingdom",
			"date_received": m.received.Format("2006-01-02T15:04:05-0700"), "currency": f.currency, "total_price": 0.0045}
		if form.Get("include_message") == "true" {
			rec["message_body"] = m.text
		}
		if m.clientRef != "" {
			rec["client_ref"] = m.clientRef
		}
		recs = append(recs, rec)
	}
	self := *r.URL
	// Links name the host and scheme the client asked for: the fake's own http address, or
	// https://api.nexmo.com when a TLS-inspecting proxy (X-Forwarded-Proto) hands the request on.
	origin := "http://" + r.Host
	if r.Header.Get("X-Forwarded-Proto") == "https" {
		origin = "https://" + r.Host
	}
	links := map[string]any{"self": map[string]string{"href": origin + self.RequestURI()}}
	if last < len(found) {
		q := self.Query()
		q.Set("cursor", strconv.Itoa(last))
		self.RawQuery = q.Encode()
		links["next"] = map[string]string{"href": origin + self.RequestURI()}
	}
	return ok(map[string]any{
		"_links": links, "request_id": fakeserver.NewUUID(), "request_status": "SUCCESS",
		"received_at": now.UTC().Format("2006-01-02T15:04:05-0700"), "price": 0.0045 * float64(len(recs)), "currency": f.currency,
		"account_id": f.APIKey, "product": "SMS", "direction": form.Get("direction"),
		"include_message": form.Get("include_message") == "true", "show_concatenated": false,
		"items_count": len(recs), "records": recs,
	})
}

func basic(r *http.Request) (user, pass string, ok bool) {
	raw, found := strings.CutPrefix(r.Header.Get("Authorization"), "Basic ")
	if !found {
		return "", "", false
	}
	dec, err := base64.StdEncoding.DecodeString(raw)
	if err != nil {
		return "", "", false
	}
	return strings.Cut(string(dec), ":")
}

func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not an ISO 8601 time", s)
}
