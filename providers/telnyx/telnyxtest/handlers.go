package telnyxtest

import (
	"encoding/json"
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

// number is an owned number.
type number struct {
	id, phone, country, typ string
	status                  string
	ref                     *string
	tags                    []string
	profileID               *string
	forwardEnabled          bool
	forwardTo, forwardType  string
	connectionID            string // "" for none; a TeXML application's id hands its calls to it
	created, updated        time.Time
	seq                     int64
}

// order is a number order.
type order struct {
	id, ref, status, profileID string
	created, updated, due      time.Time
	fail                       bool
	phones                     []*orderPhone
	idemKey                    string
	idemBody                   string
}

type orderPhone struct {
	id, phone, country, typ, status string
	reqMet                          bool
}

type profile struct {
	id, name         string
	whitelist        []string
	webhookURL       string
	created, updated time.Time
}

type message struct {
	id, direction, from, to, text string
	withheld                      bool
	at, recordAt                  time.Time
	recordDelay                   *time.Duration // RecordAfter; nil: the fake's record delay
	profileID, profileName        string
}

type call struct {
	r     *http.Request
	param string
	body  []byte
}

func (c call) q(key string) string { return c.r.URL.Query().Get(key) }

// handlers maps each route to its handler; each runs with f.mu held.
func handlers() map[Route]func(*Fake, call) reply {
	return map[Route]func(*Fake, call) reply{
		RouteBalance:         (*Fake).balance,
		RouteSearch:          (*Fake).search,
		RouteRequirements:    (*Fake).requirements,
		RouteOrder:           (*Fake).createOrder,
		RouteListOrders:      (*Fake).listOrders,
		RouteGetOrder:        (*Fake).getOrder,
		RouteListNumbers:     (*Fake).listNumbers,
		RouteListVoice:       (*Fake).listVoice,
		RouteGetNumber:       (*Fake).getNumber,
		RouteUpdateNumber:    (*Fake).updateNumber,
		RouteDeleteNumber:    (*Fake).deleteNumber,
		RouteGetVoice:        (*Fake).getVoice,
		RouteUpdateVoice:     (*Fake).updateVoice,
		RouteUpdateMessaging: (*Fake).updateMessaging,
		RouteListProfiles:    (*Fake).listProfiles,
		RouteCreateProfile:   (*Fake).createProfile,
		RouteGetProfile:      (*Fake).getProfile,
		RouteUpdateProfile:   (*Fake).updateProfile,
		RouteDetailRecords:   (*Fake).detailRecords,
		RouteGetMessage:      (*Fake).getMessage,
		RouteSendMessage:     (*Fake).sendMessage,
		RouteListTexmlApps:   (*Fake).listTexmlApps,
		RouteCreateTexmlApp:  (*Fake).createTexmlApp,
		RouteGetTexmlApp:     (*Fake).getTexmlApp,
		RouteUpdateTexmlApp:  (*Fake).updateTexmlApp,
		RouteDeleteRecording: (*Fake).deleteRecording,
		RouteRecordingMedia:  (*Fake).recordingMedia,
	}
}

// advance completes the orders that are due.
func (f *Fake) advance(now time.Time) {
	for _, o := range f.orders {
		if o.status != "pending" || now.Before(o.due) {
			continue
		}
		o.status, o.updated = "success", now
		if o.fail {
			o.status = "failure"
		}
		for _, op := range o.phones {
			op.status = o.status
			n := f.byPhone(op.phone)
			if n == nil {
				continue
			}
			switch {
			case o.fail:
				n.status = "purchase-failed"
			case !op.reqMet:
				n.status = "requirement-info-pending"
			default:
				n.status = "active"
			}
			n.updated = now
		}
	}
}

func (f *Fake) byPhone(phone string) *number {
	for _, n := range f.numbers {
		if n.phone == phone {
			return n
		}
	}
	return nil
}

func (f *Fake) balance(call) reply {
	return ok(map[string]any{"data": map[string]any{"available_credit": "100.00", "balance": "100.00", "credit_limit": "0.00",
		"currency": "USD", "pending": "0.00", "record_type": "balance"}})
}

// ---- search and requirements ----

var telnyxTypes = []string{"local", "mobile", "national", "toll_free"}

func libTypes(t string) []phonenumbers.PhoneNumberType {
	switch t {
	case "local":
		return []phonenumbers.PhoneNumberType{phonenumbers.FIXED_LINE, phonenumbers.FIXED_LINE_OR_MOBILE}
	case "mobile":
		return []phonenumbers.PhoneNumberType{phonenumbers.MOBILE, phonenumbers.FIXED_LINE_OR_MOBILE}
	case "national":
		return []phonenumbers.PhoneNumberType{phonenumbers.UAN, phonenumbers.SHARED_COST, phonenumbers.VOIP, phonenumbers.PERSONAL_NUMBER}
	case "toll_free":
		return []phonenumbers.PhoneNumberType{phonenumbers.TOLL_FREE}
	}
	return nil
}

// generate makes n valid numbers of a country and type never handed out before.
func (f *Fake) generate(country, t string, n int) []string {
	return fakeserver.NewNumbers(country, libTypes(t), n, f.used)
}

// stock returns a country and type's numbers for sale, stocking 20 on first use.
func (f *Fake) stock(country, t string) []string {
	key := country + "/" + t
	if _, ok := f.avail[key]; !ok {
		f.avail[key] = f.generate(country, t, 20)
	}
	return f.avail[key]
}

func features(t string) []string {
	if t == "national" {
		return []string{"voice"}
	}
	return []string{"voice", "sms", "mms"}
}

func monthly(t string) string {
	switch t {
	case "local":
		return "1.00000"
	case "national":
		return "1.50000"
	}
	return "2.00000"
}

// filterValues reads a deepObject array filter in the forms clients write it: name[]=a,
// name[0]=a or name=a.
func filterValues(q url.Values, name string) []string {
	var out []string
	for k, vs := range q {
		if k == name || k == name+"[]" || (strings.HasPrefix(k, name+"[") && strings.HasSuffix(k, "]")) {
			out = append(out, vs...)
		}
	}
	return out
}

func (f *Fake) search(c call) reply {
	q := c.r.URL.Query()
	country := q.Get("filter[country_code]")
	if country == "" {
		return telnyxError(http.StatusBadRequest, "10015", "Bad Request", "filter[country_code] is required")
	}
	types := telnyxTypes
	if t := q.Get("filter[phone_number_type]"); t != "" {
		types = []string{t}
	}
	want := filterValues(q, "filter[features]")
	contains := q.Get("filter[phone_number][contains]")
	limit := 20
	if l, err := strconv.Atoi(q.Get("filter[limit]")); err == nil && l > 0 {
		limit = l
	}
	var data []any
	for _, t := range types {
		for _, phone := range f.stock(country, t) {
			if len(data) >= limit {
				break
			}
			feats := features(t)
			if !containsAll(feats, want) || (contains != "" && !strings.Contains(phone, contains)) {
				continue
			}
			f.searched[phone] = time.Now()
			fl := make([]any, 0, len(feats))
			for _, x := range feats {
				fl = append(fl, map[string]any{"name": x})
			}
			region := []any{map[string]any{"region_name": country, "region_type": "country_code"}}
			if t == "local" {
				region = append(region, map[string]any{"region_name": "Testville", "region_type": "location"})
			}
			data = append(data, map[string]any{
				"record_type": "available_phone_number", "phone_number": phone, "best_effort": false, "quickship": false,
				"reservable": true, "vanity_format": "", "features": fl, "region_information": region,
				"cost_information": map[string]any{"currency": "USD", "monthly_cost": monthly(t), "upfront_cost": "1.00000"},
			})
		}
	}
	if data == nil {
		data = []any{}
	}
	return ok(map[string]any{"data": data, "metadata": map[string]any{"total_results": len(data), "best_effort_results": 0}})
}

func containsAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

func (f *Fake) requirements(c call) reply {
	q := c.r.URL.Query()
	country, t := q.Get("filter[country_code]"), q.Get("filter[phone_number_type]")
	reqs := []any{}
	if kind := f.paperwork[country+"/"+t]; kind != "" {
		reqs = append(reqs, map[string]any{"id": fakeserver.NewUUID(), "name": "Local address", "field_type": "address",
			"description": "An address in the country", "record_type": "requirement_type", "acceptance_criteria": map[string]any{}})
		if kind == "document" {
			reqs = append(reqs, map[string]any{"id": fakeserver.NewUUID(), "name": "Proof of identity", "field_type": "document",
				"description": "An identity document", "record_type": "requirement_type", "acceptance_criteria": map[string]any{}})
		}
	}
	return ok(map[string]any{"data": []any{map[string]any{"country_code": country, "phone_number_type": t,
		"action": "ordering", "regulatory_requirements": reqs}}})
}

// ---- orders ----

func (f *Fake) createOrder(c call) reply {
	var in struct {
		PhoneNumbers []struct {
			PhoneNumber string `json:"phone_number"`
		} `json:"phone_numbers"`
		CustomerReference  string `json:"customer_reference"`
		MessagingProfileID string `json:"messaging_profile_id"`
	}
	if err := json.Unmarshal(c.body, &in); err != nil || len(in.PhoneNumbers) == 0 {
		return telnyxError(http.StatusBadRequest, "10015", "Bad Request", "phone_numbers is required")
	}
	key := c.r.Header.Get("Idempotency-Key")
	if key != "" {
		for _, o := range f.orders {
			if o.idemKey != key {
				continue
			}
			if o.idemBody != compact(c.body) {
				return telnyxError(http.StatusUnprocessableEntity, "10015", "Idempotency key reused",
					"The Idempotency-Key was used with a different request")
			}
			return ok(map[string]any{"data": f.orderJSON(o, true)})
		}
	}
	if in.MessagingProfileID != "" && f.profile(in.MessagingProfileID) == nil {
		return telnyxError(http.StatusUnprocessableEntity, "10015", "Invalid messaging profile", "messaging_profile_id is not a profile of this account")
	}
	now := time.Now().UTC()
	o := &order{id: fakeserver.NewUUID(), ref: in.CustomerReference, status: "pending", profileID: in.MessagingProfileID,
		created: now, updated: now, due: now.Add(f.orderDelay), fail: f.failOrders, idemKey: key, idemBody: compact(c.body)}
	for _, pn := range in.PhoneNumbers {
		country, t, ok := f.forSale(pn.PhoneNumber)
		if !ok {
			return telnyxError(http.StatusUnprocessableEntity, "85000", "Must search phone number via search API first",
				"The phone number "+pn.PhoneNumber+" was not returned by a recent search or is no longer available")
		}
		o.phones = append(o.phones, &orderPhone{id: fakeserver.NewUUID(), phone: pn.PhoneNumber, country: country, typ: t,
			status: "pending", reqMet: f.paperwork[country+"/"+t] == ""})
	}
	for _, op := range o.phones {
		f.sell(op.phone, op.country, op.typ)
		status := "purchase-pending"
		if !op.reqMet {
			status = "requirement-info-pending" // held for documents from the start
		}
		n := f.own(op.phone, op.country, op.typ, status)
		if o.ref != "" {
			ref := o.ref
			n.ref = &ref
		}
		if o.profileID != "" {
			pid := o.profileID
			n.profileID = &pid
		}
	}
	f.orders = append(f.orders, o)
	if f.orderDelay <= 0 {
		f.advance(now)
	}
	return ok(map[string]any{"data": f.orderJSON(o, true)})
}

// forSale reports whether a number was offered by a search in the last hour and is still free.
func (f *Fake) forSale(phone string) (country, t string, ok bool) {
	at, searched := f.searched[phone]
	if !searched || time.Since(at) > time.Hour {
		return "", "", false
	}
	for key, list := range f.avail {
		if slices.Contains(list, phone) {
			country, t, _ = strings.Cut(key, "/")
			return country, t, true
		}
	}
	return "", "", false
}

func (f *Fake) sell(phone, country, t string) {
	key := country + "/" + t
	f.avail[key] = slices.DeleteFunc(f.avail[key], func(s string) bool { return s == phone })
	delete(f.searched, phone)
}

func (f *Fake) own(phone, country, t, status string) *number {
	f.seq++
	now := time.Now().UTC()
	n := &number{id: strconv.FormatInt(1293384261075731000+f.seq, 10), phone: phone, country: country, typ: t, status: status,
		tags: []string{}, created: now, updated: now, forwardEnabled: true, seq: f.seq}
	f.numbers[n.id] = n
	return n
}

func (f *Fake) orderJSON(o *order, withPhones bool) map[string]any {
	met := true
	for _, p := range o.phones {
		met = met && p.reqMet
	}
	out := map[string]any{
		"id": o.id, "record_type": "number_order", "status": o.status, "customer_reference": o.ref,
		"phone_numbers_count": len(o.phones), "requirements_met": met, "sub_number_orders_ids": []string{},
		"created_at": o.created.Format(time.RFC3339), "updated_at": o.updated.Format(time.RFC3339),
		"connection_id": "", "messaging_profile_id": o.profileID, "billing_group_id": "",
	}
	phones := []any{}
	for _, p := range o.phones {
		if withPhones {
			reqStatus := "approved"
			if !p.reqMet {
				reqStatus = "requirement-info-pending"
			}
			phones = append(phones, map[string]any{"id": p.id, "record_type": "number_order_phone_number", "phone_number": p.phone,
				"status": p.status, "requirements_met": p.reqMet, "requirements_status": reqStatus,
				"country_code": p.country, "phone_number_type": p.typ, "regulatory_requirements": []any{}})
		} else {
			phones = append(phones, map[string]any{"id": p.id, "phone_number": p.phone})
		}
	}
	out["phone_numbers"] = phones
	return out
}

func (f *Fake) listOrders(c call) reply {
	q := c.r.URL.Query()
	var list []*order
	for _, o := range f.orders {
		if ref := q.Get("filter[customer_reference]"); ref != "" && o.ref != ref {
			continue
		}
		if st := q.Get("filter[status]"); st != "" && o.status != st {
			continue
		}
		list = append(list, o)
	}
	items, meta := paginate(c, list, 250)
	data := make([]any, 0, len(items))
	for _, o := range items {
		data = append(data, f.orderJSON(o, false))
	}
	return ok(map[string]any{"data": data, "meta": meta})
}

func (f *Fake) getOrder(c call) reply {
	for _, o := range f.orders {
		if o.id == c.param {
			return ok(map[string]any{"data": f.orderJSON(o, true)})
		}
	}
	return notFound()
}

// paginate applies page[number] and page[size] (default 20, at most max).
func paginate[T any](c call, all []T, maxSize int) ([]T, map[string]any) {
	size, num := 20, 1
	if s, err := strconv.Atoi(c.q("page[size]")); err == nil && s > 0 {
		size = min(s, maxSize)
	}
	if n, err := strconv.Atoi(c.q("page[number]")); err == nil && n > 0 {
		num = n
	}
	pages := (len(all) + size - 1) / size
	lo := min((num-1)*size, len(all))
	hi := min(lo+size, len(all))
	return all[lo:hi], map[string]any{"page_number": num, "page_size": size, "total_pages": pages, "total_results": len(all)}
}

// ---- numbers ----

func (f *Fake) sortedNumbers() []*number {
	list := make([]*number, 0, len(f.numbers))
	for _, n := range f.numbers {
		list = append(list, n)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].seq < list[j].seq })
	return list
}

func (f *Fake) numberJSON(n *number) map[string]any {
	out := map[string]any{
		"id": n.id, "record_type": "phone_number", "phone_number": n.phone, "country_iso_alpha2": n.country,
		"status": n.status, "tags": n.tags, "external_pin": nil, "created_at": n.created.Format(time.RFC3339),
		"updated_at": n.updated.Format(time.RFC3339), "purchased_at": n.created.Format(time.RFC3339),
		"phone_number_type": n.typ, "deletion_lock_enabled": false, "connection_id": nilIfEmpty(n.connectionID), "connection_name": nil,
		"customer_reference": n.ref, "messaging_profile_id": n.profileID, "messaging_profile_name": nil,
		"billing_group_id": nil, "emergency_enabled": false, "emergency_address_id": nil, "emergency_status": "disabled",
		"call_forwarding_enabled": n.forwardEnabled, "cnam_listing_enabled": false, "caller_id_name_enabled": false,
		"call_recording_enabled": false, "t38_fax_gateway_enabled": false, "hd_voice_enabled": false,
		"inbound_call_screening": "disabled", "source_type": "number_order", "activated_at": nil,
	}
	if n.profileID != nil {
		if p := f.profile(*n.profileID); p != nil {
			out["messaging_profile_name"] = p.name
		}
	}
	return out
}

func (f *Fake) voiceJSON(n *number) map[string]any {
	cf := map[string]any{"call_forwarding_enabled": n.forwardEnabled, "forwards_to": n.forwardTo}
	if n.forwardType != "" {
		cf["forwarding_type"] = n.forwardType
	}
	ref := ""
	if n.ref != nil {
		ref = *n.ref
	}
	return map[string]any{
		"id": n.id, "record_type": "voice_settings", "phone_number": n.phone, "connection_id": "",
		"customer_reference": ref, "tech_prefix_enabled": false, "translated_number": "", "usage_payment_method": "pay-per-minute",
		"inbound_call_screening": "disabled", "call_forwarding": cf,
	}
}

func (f *Fake) listNumbers(c call) reply {
	q := c.r.URL.Query()
	var list []*number
	for _, n := range f.sortedNumbers() {
		if v := q.Get("filter[phone_number]"); v != "" && !strings.Contains(n.phone, strings.TrimPrefix(v, "+")) {
			continue
		}
		if v := q.Get("filter[status]"); v != "" && n.status != v {
			continue
		}
		if v := q.Get("filter[customer_reference]"); v != "" && (n.ref == nil || *n.ref != v) {
			continue
		}
		list = append(list, n)
	}
	items, meta := paginate(c, list, 250)
	data := make([]any, 0, len(items))
	for _, n := range items {
		data = append(data, f.numberJSON(n))
	}
	return ok(map[string]any{"data": data, "meta": meta})
}

func (f *Fake) listVoice(c call) reply {
	items, meta := paginate(c, f.sortedNumbers(), 250)
	data := make([]any, 0, len(items))
	for _, n := range items {
		data = append(data, f.voiceJSON(n))
	}
	return ok(map[string]any{"data": data, "meta": meta})
}

func (f *Fake) getNumber(c call) reply {
	n := f.numbers[c.param]
	if n == nil {
		return notFound()
	}
	return ok(map[string]any{"data": f.numberJSON(n)})
}

func (f *Fake) updateNumber(c call) reply {
	n := f.numbers[c.param]
	if n == nil {
		return notFound()
	}
	var in struct {
		CustomerReference *string  `json:"customer_reference"`
		Tags              []string `json:"tags"`
		ConnectionID      *string  `json:"connection_id"`
	}
	if err := json.Unmarshal(c.body, &in); err != nil {
		return telnyxError(http.StatusBadRequest, "10015", "Bad Request", "invalid JSON")
	}
	if in.CustomerReference != nil {
		ref := *in.CustomerReference
		n.ref = &ref
	}
	if in.Tags != nil {
		n.tags = in.Tags
	}
	if in.ConnectionID != nil {
		if *in.ConnectionID != "" && f.app(*in.ConnectionID) == nil && !f.conns[*in.ConnectionID] {
			return telnyxError(http.StatusUnprocessableEntity, "10015", "Bad Request", "connection_id: no such connection")
		}
		n.connectionID = *in.ConnectionID
	}
	n.updated = time.Now().UTC()
	return ok(map[string]any{"data": f.numberJSON(n)})
}

func (f *Fake) deleteNumber(c call) reply {
	n := f.numbers[c.param]
	if n == nil {
		return notFound()
	}
	delete(f.numbers, n.id)
	f.releasedConn[n.phone] = n.connectionID
	out := f.numberJSON(n)
	out["status"] = "deleted"
	for _, k := range []string{"external_pin", "connection_id", "connection_name", "messaging_profile_id", "messaging_profile_name",
		"billing_group_id", "emergency_address_id", "emergency_status", "inbound_call_screening", "source_type", "activated_at",
		"customer_reference"} {
		delete(out, k)
	}
	if n.ref != nil {
		out["customer_reference"] = *n.ref
	}
	return ok(map[string]any{"data": out})
}

func (f *Fake) getVoice(c call) reply {
	n := f.numbers[c.param]
	if n == nil {
		return notFound()
	}
	return ok(map[string]any{"data": f.voiceJSON(n)})
}

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

func (f *Fake) updateVoice(c call) reply {
	n := f.numbers[c.param]
	if n == nil {
		return notFound()
	}
	var in struct {
		CallForwarding *struct {
			Enabled    *bool   `json:"call_forwarding_enabled"`
			ForwardsTo *string `json:"forwards_to"`
			Type       *string `json:"forwarding_type"`
		} `json:"call_forwarding"`
	}
	if err := json.Unmarshal(c.body, &in); err != nil {
		return telnyxError(http.StatusBadRequest, "10015", "Bad Request", "invalid JSON")
	}
	if cf := in.CallForwarding; cf != nil {
		enabled := cf.Enabled == nil || *cf.Enabled
		to := n.forwardTo
		if cf.ForwardsTo != nil {
			to = *cf.ForwardsTo
		}
		if enabled && to != "" {
			if f.noForwarding {
				return telnyxError(http.StatusForbidden, "10010", "Authorization failed",
					"Call forwarding is not available on this account: it requires verification Level 2")
			}
			if !e164.MatchString(to) {
				return telnyxError(http.StatusUnprocessableEntity, "10016", "Phone number must be in +E.164 format", "forwards_to must be +E.164")
			}
			if n.status == "purchase-pending" || n.status == "purchase-failed" {
				return telnyxError(http.StatusUnprocessableEntity, "10015", "Bad Request", "the number is not active yet")
			}
		}
		n.forwardEnabled, n.forwardTo = enabled, to
		if cf.Type != nil {
			n.forwardType = *cf.Type
		}
	}
	n.updated = time.Now().UTC()
	return ok(map[string]any{"data": f.voiceJSON(n)})
}

func (f *Fake) updateMessaging(c call) reply {
	n := f.numbers[c.param]
	if n == nil {
		return telnyxError(http.StatusNotFound, "10005", "Resource not found", "phone number not found")
	}
	var in struct {
		MessagingProfileID *string `json:"messaging_profile_id"`
	}
	if err := json.Unmarshal(c.body, &in); err != nil {
		return telnyxError(http.StatusBadRequest, "10015", "Bad Request", "invalid JSON")
	}
	if in.MessagingProfileID != nil {
		switch id := *in.MessagingProfileID; {
		case id == "":
			n.profileID = nil
		case f.profile(id) == nil:
			return telnyxError(http.StatusUnprocessableEntity, "10015", "Invalid messaging profile", "no such messaging profile")
		default:
			n.profileID = &id
		}
	}
	now := time.Now().UTC()
	return ok(map[string]any{"data": map[string]any{
		"id": n.id, "record_type": "messaging_settings", "phone_number": n.phone, "messaging_profile_id": n.profileID,
		"country_code": n.country, "type": "long-code", "created_at": n.created.Format(time.RFC3339), "updated_at": now.Format(time.RFC3339),
		"eligible_messaging_products": []string{"A2P"}, "messaging_product": "A2P", "tags": []string{}, "traffic_type": "A2P",
	}})
}

// ---- messaging profiles ----

func (f *Fake) profile(id string) *profile {
	for _, p := range f.profiles {
		if p.id == id {
			return p
		}
	}
	return nil
}

func (f *Fake) profileJSON(p *profile) map[string]any {
	return map[string]any{
		"id": p.id, "record_type": "messaging_profile", "name": p.name, "enabled": true, "webhook_url": p.webhookURL,
		"webhook_failover_url": "", "webhook_api_version": "2", "whitelisted_destinations": p.whitelist,
		"created_at": p.created.Format(time.RFC3339), "updated_at": p.updated.Format(time.RFC3339),
		"redaction_enabled": false, "redaction_level": 2, "organization_id": "org-vnum-test",
	}
}

func (f *Fake) listProfiles(c call) reply {
	var list []*profile
	for _, p := range f.profiles {
		if name := c.q("filter[name]"); name != "" && p.name != name {
			continue
		}
		list = append(list, p)
	}
	items, meta := paginate(c, list, 250)
	data := make([]any, 0, len(items))
	for _, p := range items {
		data = append(data, f.profileJSON(p))
	}
	return ok(map[string]any{"data": data, "meta": meta})
}

func (f *Fake) createProfile(c call) reply {
	var in struct {
		Name      string   `json:"name"`
		Whitelist []string `json:"whitelisted_destinations"`
	}
	if err := json.Unmarshal(c.body, &in); err != nil || in.Name == "" || in.Whitelist == nil {
		return telnyxError(http.StatusUnprocessableEntity, "10015", "Bad Request", "name and whitelisted_destinations are required")
	}
	now := time.Now().UTC()
	p := &profile{id: fakeserver.NewUUID(), name: in.Name, whitelist: in.Whitelist, created: now, updated: now}
	f.profiles = append(f.profiles, p)
	return ok(map[string]any{"data": f.profileJSON(p)})
}

func (f *Fake) getProfile(c call) reply {
	p := f.profile(c.param)
	if p == nil {
		return telnyxError(http.StatusNotFound, "10005", "Resource not found", "messaging profile not found")
	}
	return ok(map[string]any{"data": f.profileJSON(p)})
}

// updateProfile changes what UpdateMessagingProfileRequest names; the fake keeps the webhook
// URL (null clears it) and the allowed destinations.
func (f *Fake) updateProfile(c call) reply {
	p := f.profile(c.param)
	if p == nil {
		return telnyxError(http.StatusNotFound, "10005", "Resource not found", "messaging profile not found")
	}
	var in map[string]json.RawMessage
	if err := json.Unmarshal(c.body, &in); err != nil {
		return telnyxError(http.StatusUnprocessableEntity, "10015", "Bad Request", "the body is not a JSON object")
	}
	if raw, ok := in["webhook_url"]; ok {
		var u *string
		if err := json.Unmarshal(raw, &u); err != nil {
			return telnyxError(http.StatusUnprocessableEntity, "10015", "Bad Request", "webhook_url must be a string or null")
		}
		p.webhookURL = ""
		if u != nil {
			p.webhookURL = *u
		}
	}
	if raw, ok := in["whitelisted_destinations"]; ok {
		if err := json.Unmarshal(raw, &p.whitelist); err != nil {
			return telnyxError(http.StatusUnprocessableEntity, "10015", "Bad Request", "whitelisted_destinations must be a list")
		}
	}
	p.updated = time.Now().UTC()
	return ok(map[string]any{"data": f.profileJSON(p)})
}

// ---- messages and detail records ----

func (f *Fake) detailRecords(c call) reply {
	q := c.r.URL.Query()
	if q.Get("filter[record_type]") != "messaging" {
		return ok(map[string]any{"data": []any{}, "meta": map[string]any{"page_number": 1, "page_size": 20, "total_pages": 0, "total_results": 0}})
	}
	var from time.Time
	if v := q.Get("filter[created_at][gte]"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return telnyxError(http.StatusBadRequest, "10015", "Bad Request", "filter[created_at][gte] is not a date-time")
		}
		from = t
	}
	now := time.Now().Add(f.ahead)
	var list []*message
	for _, m := range f.messages {
		switch {
		case now.Before(m.recordAt):
			continue // not yet in the records
		case q.Get("filter[direction]") != "" && m.direction != q.Get("filter[direction]"):
			continue
		case q.Get("filter[cld]") != "" && m.to != q.Get("filter[cld]"):
			continue
		case !from.IsZero() && m.at.Truncate(time.Second).Before(from):
			continue
		}
		list = append(list, m)
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].at.Before(list[j].at) })
	if q.Get("sort") == "-created_at" {
		slices.Reverse(list)
	}
	items, meta := paginate(c, list, 50)
	data := make([]any, 0, len(items))
	for _, m := range items {
		status := "received"
		if m.direction == "outbound" {
			status = "delivered"
		}
		data = append(data, map[string]any{
			"record_type": "message_detail_record", "uuid": m.id, "cli": m.from, "cld": m.to, "direction": m.direction,
			"status": status, "message_type": "SMS", "created_at": m.at.Format(time.RFC3339Nano),
			"updated_at": m.recordAt.UTC().Format(time.RFC3339Nano), "parts": 1, "profile_id": m.profileID,
			"profile_name": m.profileName, "currency": "USD", "cost": "0.004", "rate": "0.004", "carrier": "Test Mobile",
			"country_code": "US", "on_net": false,
		})
	}
	return ok(map[string]any{"data": data, "meta": meta})
}

func (f *Fake) getMessage(c call) reply {
	for _, m := range f.messages {
		if m.id != c.param {
			continue
		}
		if time.Since(m.at) > 10*24*time.Hour {
			return telnyxError(http.StatusNotFound, "10005", "Resource not found", "messages older than 10 days cannot be retrieved")
		}
		return ok(map[string]any{"data": messageJSON(m)})
	}
	return telnyxError(http.StatusNotFound, "10005", "Resource not found", "message not found")
}

func messageJSON(m *message) map[string]any {
	text := m.text
	if m.withheld {
		text = ""
	}
	out := map[string]any{
		"id": m.id, "record_type": "message", "direction": m.direction, "type": "SMS", "text": text,
		"from":        map[string]any{"phone_number": m.from, "carrier": "Test Mobile", "line_type": "Wireless"},
		"received_at": m.at.Format(time.RFC3339Nano), "parts": 1, "encoding": "GSM-7", "media": []any{}, "errors": []any{},
		"messaging_profile_id": m.profileID, "tags": []string{}, "cc": []any{},
	}
	if m.direction == "inbound" {
		out["to"] = []any{map[string]any{"phone_number": m.to, "status": "webhook_delivered", "carrier": "Telnyx", "line_type": "VoIP"}}
		out["from"].(map[string]any)["status"] = "received"
	} else {
		out["to"] = []any{map[string]any{"phone_number": m.to, "status": "queued", "carrier": "Test Mobile", "line_type": "Wireless"}}
		out["sent_at"] = nil
		out["completed_at"] = nil
		out["valid_until"] = nil
	}
	return out
}

func (f *Fake) sendMessage(c call) reply {
	var in struct {
		From string `json:"from"`
		To   string `json:"to"`
		Text string `json:"text"`
	}
	if err := json.Unmarshal(c.body, &in); err != nil {
		return telnyxError(http.StatusBadRequest, "10015", "Bad Request", "invalid JSON")
	}
	n := f.byPhone(in.From)
	if n == nil || n.profileID == nil {
		return telnyxError(http.StatusBadRequest, "40305", "Invalid 'from' address",
			"The 'from' address should be a number on a messaging profile of your account")
	}
	if !e164.MatchString(in.To) {
		return telnyxError(http.StatusBadRequest, "40310", "Invalid 'to' address", "The 'to' address must be +E.164")
	}
	if strings.TrimSpace(in.Text) == "" {
		return telnyxError(http.StatusBadRequest, "40005", "Invalid message body", "text is required")
	}
	now := time.Now().UTC()
	m := &message{id: fakeserver.NewUUID(), direction: "outbound", from: in.From, to: in.To, text: in.Text, at: now,
		recordAt: now.Add(f.recordDelay), profileID: *n.profileID}
	f.messages = append(f.messages, m)
	return ok(map[string]any{"data": messageJSON(m)})
}
