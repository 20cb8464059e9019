package vonage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/vnum-cli/vnum/internal/phone"
	"github.com/vnum-cli/vnum/providers"
	"github.com/vnum-cli/vnum/providers/internal/pages"
)

// Paths on rest.nexmo.com.
const (
	pathSearch  = "/number/search"
	pathBuy     = "/number/buy"
	pathCancel  = "/number/cancel"
	pathUpdate  = "/number/update"
	pathOwned   = "/account/numbers"
	pathBalance = "/account/get-balance"
	pathPricing = "/account/get-pricing/outbound/sms"
	pathSMS     = "/sms/json"
)

// Vonage's number types (the `type` of search and of owned numbers).
const (
	vtLandline = "landline"
	vtMobile   = "mobile-lvn"
	vtTollFree = "landline-toll-free"
)

// callbackTel is the voiceCallbackType vnum sets: calls go to a phone number.
const callbackTel = "tel"

// offer is one number of GET /number/search.
type offer struct {
	Country  string   `json:"country"`
	MSISDN   string   `json:"msisdn"`
	Type     string   `json:"type"`
	Cost     string   `json:"cost"`
	Features []string `json:"features"`
}

// owned is one number of GET /account/numbers: its whole configuration, which an update must
// send back so that nothing vnum does not manage is cleared.
type owned struct {
	Country               string   `json:"country"`
	MSISDN                string   `json:"msisdn"`
	Type                  string   `json:"type"`
	Features              []string `json:"features"`
	MoHTTPURL             string   `json:"moHttpUrl"`
	AppID                 string   `json:"app_id"`
	VoiceCallbackType     string   `json:"voiceCallbackType"`
	VoiceCallbackValue    string   `json:"voiceCallbackValue"`
	VoiceStatusCallback   string   `json:"voiceStatusCallback"`
	MessagesCallbackType  string   `json:"messagesCallbackType"`
	MessagesCallbackValue string   `json:"messagesCallbackValue"`
}

// page is the shape of both number listings; numbers may be missing when there are none.
type page[T any] struct {
	Count   int `json:"count"`
	Numbers []T `json:"numbers"`
}

// Search implements providers.Provider with GET /number/search. Vonage's cost is the monthly
// rental, in the account's currency.
func (p *Provider) Search(ctx context.Context, q providers.Query) (out []providers.Available, err error) {
	defer func() { err = p.scrub(err) }()
	c, done, err := p.begin(ctx, "search")
	if err != nil {
		return nil, err
	}
	defer done()
	country := strings.ToUpper(strings.TrimSpace(q.Country))
	if len(country) != 2 {
		return nil, &providers.Error{Provider: Name, Op: c.op, Message: fmt.Sprintf("%q is not a two-letter country code", q.Country)}
	}
	vt, err := vonageType(q.Type)
	if err != nil {
		return nil, &providers.Error{Provider: Name, Op: c.op, Kind: providers.ErrUnsupported, Message: err.Error()}
	}
	want := q.Limit
	if want <= 0 {
		want = 10 // Vonage's own default page
	}
	params := url.Values{"country": {country}, "size": {strconv.Itoa(min(want, pageSize))}}
	if vt != "" {
		params.Set("type", vt)
	}
	if f := featuresParam(q.SMS, q.Voice); f != "" {
		params.Set("features", f)
	}
	if digits := onlyDigits(q.Contains); digits != "" {
		params.Set("pattern", digits)
		params.Set("search_pattern", "1")
	}
	seen := map[string]bool{}
	for index := 1; len(out) < want && index <= maxPages; index++ {
		params.Set("index", strconv.Itoa(index))
		var pg page[offer]
		if err := c.restGet(read, pathSearch, params, &pg); err != nil {
			return nil, err
		}
		if len(pg.Numbers) == 0 {
			break
		}
		currency, err := c.currency(country)
		if err != nil {
			return nil, err
		}
		fresh := false
		for _, o := range pg.Numbers {
			a := o.available(country, currency)
			if seen[a.Number] {
				continue
			}
			seen[a.Number] = true
			fresh = true
			if q.Matches(a) && len(out) < want {
				out = append(out, a)
			}
		}
		// A page of numbers all seen before is not moving through the list (a mock answering
		// every index with its one example, count 1234): the next would repeat it again.
		if !fresh || index*min(want, pageSize) >= pg.Count {
			break
		}
	}
	return out, nil
}

func (o offer) available(country, currency string) providers.Available {
	a := providers.Available{
		Number:   "+" + o.MSISDN,
		Country:  strings.ToUpper(o.Country),
		Type:     typeFromVonage(o.Type),
		Features: features(o.Features),
	}
	if a.Country == "" {
		a.Country = country
	}
	if a.Type == "" {
		_, a.Type = classify(a.Number)
	}
	if price, err := providers.ParsePrice(o.Cost, currency); err == nil {
		a.Monthly = price
	}
	return a
}

// vonageType maps vnum's number type to Vonage's; "" asks for every type.
func vonageType(t providers.NumberType) (string, error) {
	switch t {
	case "":
		return "", nil
	case providers.TypeLocal:
		return vtLandline, nil
	case providers.TypeMobile:
		return vtMobile, nil
	case providers.TypeTollFree:
		return vtTollFree, nil
	}
	return "", fmt.Errorf("no %s numbers at Vonage: it sells local (landline), mobile and toll-free numbers", t)
}

func typeFromVonage(s string) providers.NumberType {
	switch strings.ToLower(s) {
	case vtLandline:
		return providers.TypeLocal
	case vtMobile, "mobile":
		return providers.TypeMobile
	case vtTollFree:
		return providers.TypeTollFree
	}
	return ""
}

// featuresParam is the features filter in the one order Vonage accepts ("SMS,VOICE").
func featuresParam(sms, voice bool) string {
	switch {
	case sms && voice:
		return "SMS,VOICE"
	case sms:
		return "SMS"
	case voice:
		return "VOICE"
	}
	return ""
}

func features(list []string) providers.Features {
	var f providers.Features
	for _, s := range list {
		switch strings.ToUpper(strings.TrimSpace(s)) {
		case "VOICE":
			f.Voice = true
		case "SMS":
			f.SMS = true
		case "MMS":
			f.MMS = true
		}
	}
	return f
}

// currency is the account's currency, read once per Provider from the Pricing API (the only
// Vonage answer that names it). When that cannot be read for a reason other than the
// credentials or the context, Vonage's documented default, EUR, stands in.
func (c *call) currency(country string) (string, error) {
	c.p.mu.Lock()
	cur := c.p.currency
	c.p.mu.Unlock()
	if cur != "" {
		return cur, nil
	}
	var pr struct {
		Currency string `json:"currency"`
	}
	err := c.restGet(read, pathPricing, url.Values{"country": {country}}, &pr)
	switch {
	case err == nil && len(strings.TrimSpace(pr.Currency)) == 3:
		cur = strings.ToUpper(strings.TrimSpace(pr.Currency))
	case err != nil && (c.ctx.Err() != nil || errors.Is(err, providers.ErrUnauthorized)):
		return "", err
	default:
		cur = "EUR"
	}
	c.p.mu.Lock()
	c.p.currency = cur
	c.p.mu.Unlock()
	return cur, nil
}

// balance reads the account's balance (GET /account/get-balance), in the account's currency.
func (c *call) balance(once bool) (providers.Price, error) {
	var b struct {
		Value *json.Number `json:"value"`
	}
	k := read
	if once {
		k = readOnce
	}
	if err := c.restGet(k, pathBalance, nil, &b); err != nil {
		return providers.Price{}, err
	}
	if b.Value == nil {
		return providers.Price{}, &providers.Error{Provider: Name, Op: c.op, Status: 200,
			Message: "unreadable answer from Vonage to GET " + pathBalance + ": not a balance"}
	}
	s := b.Value.String()
	neg := strings.HasPrefix(s, "-")
	amount, err := providers.ParsePrice(strings.TrimPrefix(s, "-"), "")
	if err != nil {
		if f, ferr := strconv.ParseFloat(s, 64); ferr == nil {
			amount, err = providers.ParsePrice(strconv.FormatFloat(max(f, -f), 'f', 6, 64), "")
		}
		if err != nil {
			return providers.Price{}, &providers.Error{Provider: Name, Op: c.op, Status: 200,
				Message: fmt.Sprintf("unreadable balance from Vonage: %q", s)}
		}
	}
	if neg {
		amount.Micros = -amount.Micros
	}
	return amount, nil
}

// Buy implements providers.Provider: the offer is read again (for its price), the balance is
// checked against it, then POST /number/buy, whose answer carries no number: the number is read
// back from the account. A purchase whose answer is lost is looked up, never sent again.
func (p *Provider) Buy(ctx context.Context, req providers.BuyRequest) (n providers.Number, err error) {
	defer func() { err = p.scrub(err) }()
	c, done, err := p.begin(ctx, "buy")
	if err != nil {
		return providers.Number{}, err
	}
	defer done()
	if !phone.IsE164(req.Number) {
		return providers.Number{}, &providers.Error{Provider: Name, Op: c.op, Kind: providers.ErrUnavailable,
			Message: fmt.Sprintf("%q is not an E.164 number like +447700900123", req.Number)}
	}
	msisdn := strings.TrimPrefix(req.Number, "+")
	country := strings.ToUpper(strings.TrimSpace(req.Country))
	if country == "" {
		country, _ = classify(req.Number)
	}

	o, ok, err := c.findOffer(country, msisdn)
	if err != nil {
		return providers.Number{}, err
	}
	if !ok {
		why := "is no longer for sale on Vonage: search again and pick another one"
		if _, mine, lerr := c.lookup(msisdn); lerr == nil && mine {
			why = "is already yours on Vonage"
		}
		return providers.Number{}, &providers.Error{Provider: Name, Op: c.op, Kind: providers.ErrUnavailable,
			Message: req.Number + " " + why}
	}
	currency, err := c.currency(country)
	if err != nil {
		return providers.Number{}, err
	}
	a := o.available(country, currency)
	if err := c.checkFunds(a.Monthly); err != nil {
		return providers.Number{}, err
	}

	buyErr := c.numbersPost(pathBuy, url.Values{"country": {country}, "msisdn": {msisdn}}, nil)
	if buyErr != nil && !errors.Is(buyErr, providers.ErrUnknownOutcome) {
		if is420(buyErr) {
			return providers.Number{}, buyRefused(buyErr)
		}
		return providers.Number{}, buyErr
	}
	if buyErr != nil && c.ctx.Err() != nil {
		return providers.Number{}, buyErr // interrupted: the journal looks it up on the next run
	}
	// Bought, or perhaps bought: the account says which.
	got, mine, err := c.lookup(msisdn)
	switch {
	case err == nil && mine:
		got.Monthly = a.Monthly
		return got, nil
	case buyErr != nil:
		return providers.Number{}, buyErr
	case err != nil:
		// Bought for sure, but not read back: what the offer said stands in.
		return providers.Number{ID: msisdn, Number: req.Number, Country: country, Type: a.Type,
			Features: a.Features, Monthly: a.Monthly, State: providers.StateActive}, nil
	}
	// Vonage said yes, yet the number is not on the account (yet): report it as bought, since
	// it was paid for; List and Get find it once Vonage lists it.
	return providers.Number{ID: msisdn, Number: req.Number, Country: country, Type: a.Type,
		Features: a.Features, Monthly: a.Monthly, State: providers.StatePending}, nil
}

// buyRefused turns Vonage's opaque "method failed" into a sentence that says what to do.
func buyRefused(err error) error {
	var pe *providers.Error
	errors.As(err, &pe)
	label := strings.ToLower(pe.Message)
	switch {
	case strings.Contains(label, "address") || strings.Contains(label, "dashboard") || strings.Contains(label, "document"):
		pe.Kind = providers.ErrPaperwork
		pe.Message = "Vonage sells this number only with paperwork its API cannot send: buy it from the dashboard " +
			"(https://dashboard.nexmo.com/buy-numbers) (Vonage: " + pe.Message + ")"
	default:
		pe.Kind = providers.ErrUnavailable
		pe.Message = "Vonage refused the purchase without saying why (" + pe.Message + "): the number may have just been " +
			"taken, or the account may hold only free credit, which cannot buy numbers; search again, or top up"
	}
	return pe
}

// checkFunds refuses, in plain words, a purchase the balance cannot cover: Vonage itself would
// only answer "method failed".
func (c *call) checkFunds(price providers.Price) error {
	if !price.Known() || price.IsZero() {
		return nil
	}
	bal, err := c.balance(false)
	if err != nil {
		return err
	}
	if bal.Micros >= price.Micros {
		return nil
	}
	bal.Currency = price.Currency
	return &providers.Error{Provider: Name, Op: c.op, Kind: providers.ErrInsufficientFunds,
		Message: fmt.Sprintf("your Vonage balance (%s) does not cover this number's first month (%s): "+
			"top up at https://dashboard.nexmo.com/billing-and-payments, then try again", bal, price)}
}

// findOffer looks a number up among those for sale.
func (c *call) findOffer(country, msisdn string) (offer, bool, error) {
	var pg page[offer]
	q := url.Values{"country": {country}, "pattern": {msisdn}, "search_pattern": {"0"}, "size": {"10"}}
	if err := c.restGet(read, pathSearch, q, &pg); err != nil {
		return offer{}, false, err
	}
	for _, o := range pg.Numbers {
		if o.MSISDN == msisdn {
			return o, true, nil
		}
	}
	return offer{}, false, nil
}

// lookup finds one owned number: Vonage has no "get one", so the listing is filtered on a
// pattern that starts with the whole number.
func (c *call) lookup(msisdn string) (providers.Number, bool, error) {
	o, ok, err := c.lookupOwned(msisdn)
	if err != nil || !ok {
		return providers.Number{}, ok, err
	}
	return o.number(), true, nil
}

func (c *call) lookupOwned(msisdn string) (owned, bool, error) {
	var pg page[owned]
	q := url.Values{"pattern": {msisdn}, "search_pattern": {"0"}, "size": {"10"}}
	if err := c.restGet(read, pathOwned, q, &pg); err != nil {
		return owned{}, false, err
	}
	for _, o := range pg.Numbers {
		if o.MSISDN == msisdn {
			return o, true, nil
		}
	}
	return owned{}, false, nil
}

func (o owned) number() providers.Number {
	e164 := "+" + o.MSISDN
	n := providers.Number{
		ID:       o.MSISDN,
		Number:   e164,
		Country:  strings.ToUpper(o.Country),
		Type:     typeFromVonage(o.Type),
		Features: features(o.Features),
		State:    providers.StateActive,
	}
	country, t := classify(e164)
	if n.Country == "" {
		n.Country = country
	}
	if n.Type == "" {
		n.Type = t
	}
	if o.VoiceCallbackType == callbackTel && o.VoiceCallbackValue != "" {
		n.Forward.Calls = "+" + strings.TrimPrefix(o.VoiceCallbackValue, "+")
	}
	return n
}

// checkID refuses ids that cannot be a Vonage number (its msisdn: digits, no "+") before any
// request.
func checkID(op, id string) error {
	if phone.IsE164("+" + id) {
		return nil
	}
	return &providers.Error{Provider: Name, Op: op, Kind: providers.ErrNotFound,
		Message: fmt.Sprintf("no number %q on this Vonage account (Vonage ids are the number's digits, like 447700900123)", id)}
}

func notOwned(op, id string) error {
	return &providers.Error{Provider: Name, Op: op, Kind: providers.ErrNotFound,
		Message: fmt.Sprintf("the Vonage account has no number +%s", id)}
}

// owned returns the account's number id (its digits), or ErrNotFound when id is not a number or
// not the account's.
func (c *call) owned(id string) (owned, error) {
	if err := checkID(c.op, id); err != nil {
		return owned{}, err
	}
	o, ok, err := c.lookupOwned(id)
	if err != nil {
		return owned{}, err
	}
	if !ok {
		return owned{}, notOwned(c.op, id)
	}
	return o, nil
}

// Get implements providers.Provider.
func (p *Provider) Get(ctx context.Context, id string) (n providers.Number, err error) {
	defer func() { err = p.scrub(err) }()
	c, done, err := p.begin(ctx, "get")
	if err != nil {
		return providers.Number{}, err
	}
	defer done()
	if err := checkID(c.op, id); err != nil {
		return providers.Number{}, err
	}
	n, ok, err := c.lookup(id)
	if err != nil {
		return providers.Number{}, err
	}
	if !ok {
		return providers.Number{}, notOwned(c.op, id)
	}
	return n, nil
}

// List implements providers.Provider: the first page gives the count, the others are read a
// few at a time. Forwarding comes with each number, at no extra request.
func (p *Provider) List(ctx context.Context) (out []providers.Number, err error) {
	defer func() { err = p.scrub(err) }()
	c, done, err := p.begin(ctx, "list")
	if err != nil {
		return nil, err
	}
	defer done()
	size := p.pageSize
	get := func(index int) (page[owned], error) {
		var pg page[owned]
		err := c.restGet(read, pathOwned, url.Values{"size": {strconv.Itoa(size)}, "index": {strconv.Itoa(index)}}, &pg)
		return pg, err
	}
	first, err := get(1)
	if err != nil {
		return nil, err
	}
	last := min((first.Count+size-1)/size, maxPages)
	rest, err := pages.Rest(last, listConcurrency, func(index int) ([]owned, error) {
		pg, err := get(index)
		return pg.Numbers, err
	})
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, o := range append(first.Numbers, rest...) {
		if o.MSISDN == "" || seen[o.MSISDN] {
			continue // a number that moved between pages while they were read
		}
		seen[o.MSISDN] = true
		out = append(out, o.number())
	}
	return out, nil
}

// Release implements providers.Provider with POST /number/cancel, which needs the number's
// country: read from the account first, which also tells a number already gone (ErrNotFound).
// A cancel whose answer is lost is checked on the account.
func (p *Provider) Release(ctx context.Context, id string) (err error) {
	defer func() { err = p.scrub(err) }()
	c, done, err := p.begin(ctx, "release")
	if err != nil {
		return err
	}
	defer done()
	o, err := c.owned(id)
	if err != nil {
		return err
	}
	err = c.numbersPost(pathCancel, url.Values{"country": {o.Country}, "msisdn": {id}}, nil)
	if err == nil {
		return nil
	}
	if errors.Is(err, providers.ErrUnknownOutcome) && c.ctx.Err() == nil {
		if _, still, lerr := c.lookupOwned(id); lerr == nil && !still {
			return nil // it went through
		}
	}
	if is420(err) {
		var pe *providers.Error
		errors.As(err, &pe)
		pe.Message = "Vonage refused to cancel +" + id + " (" + pe.Message + "): some numbers have a minimum term; see the dashboard"
		pe.Kind = providers.ErrUnsupported
	}
	return err
}

// SetForwarding implements providers.Forwarder with POST /number/update. Vonage forwards calls
// itself (voiceCallbackType tel); it cannot forward SMS without a server of the user's, so a
// request for that is refused before anything changes. The number's whole configuration is
// sent back with the change, so that nothing else on it is cleared, and turning forwarding
// off clears only a forwarding to a phone, which is what vnum sets.
func (p *Provider) SetForwarding(ctx context.Context, id string, f providers.Forwarding) (n providers.Number, err error) {
	defer func() { err = p.scrub(err) }()
	c, done, err := p.begin(ctx, "forward")
	if err != nil {
		return providers.Number{}, err
	}
	defer done()
	if f.SMS != "" {
		return providers.Number{}, &providers.Error{Provider: Name, Op: c.op, Kind: providers.ErrUnsupported,
			Message: "Vonage cannot forward SMS by itself (only to a webhook): read them with `vnum sms list` or `vnum sms wait`"}
	}
	if f.Calls != "" && !phone.IsE164(f.Calls) {
		return providers.Number{}, &providers.Error{Provider: Name, Op: c.op,
			Message: fmt.Sprintf("%q is not an E.164 number like +447700900123", f.Calls)}
	}
	o, err := c.owned(id)
	if err != nil {
		return providers.Number{}, err
	}
	form := o.config()
	switch {
	case f.Calls != "":
		form.Set("voiceCallbackType", callbackTel)
		form.Set("voiceCallbackValue", strings.TrimPrefix(f.Calls, "+"))
		o.VoiceCallbackType, o.VoiceCallbackValue = callbackTel, strings.TrimPrefix(f.Calls, "+")
	case o.VoiceCallbackType == callbackTel:
		// Off: a forwarding to a phone is vnum's and goes; a SIP or application one is the
		// user's own and stays (sent back by config above).
		form.Del("voiceCallbackType")
		form.Set("voiceCallbackValue", "")
		o.VoiceCallbackType, o.VoiceCallbackValue = "", ""
	default:
		return o.number(), nil // nothing of vnum's to turn off
	}
	if err := c.numbersPost(pathUpdate, form, nil); err != nil {
		return providers.Number{}, err
	}
	return o.number(), nil
}

// config is the number's current configuration as /number/update takes it.
func (o owned) config() url.Values {
	v := url.Values{"country": {o.Country}, "msisdn": {o.MSISDN}}
	set := func(k, val string) {
		if val != "" {
			v.Set(k, val)
		}
	}
	set("moHttpUrl", o.MoHTTPURL)
	set("app_id", o.AppID)
	if o.VoiceCallbackType != "" && o.VoiceCallbackValue != "" {
		v.Set("voiceCallbackType", o.VoiceCallbackType)
		v.Set("voiceCallbackValue", o.VoiceCallbackValue)
	}
	set("voiceStatusCallback", o.VoiceStatusCallback)
	if o.MessagesCallbackType != "" && o.MessagesCallbackValue != "" {
		v.Set("messagesCallbackType", o.MessagesCallbackType)
		v.Set("messagesCallbackValue", o.MessagesCallbackValue)
	}
	return v
}
