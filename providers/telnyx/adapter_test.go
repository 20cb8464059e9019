package telnyx_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/providers"
	"github.com/vnum-cli/vnum/providers/telnyx"
	"github.com/vnum-cli/vnum/providers/telnyx/telnyxtest"
)

func lastLog(f *telnyxtest.Fake, prefix string) string {
	logs := f.Logs()
	for i := len(logs) - 1; i >= 0; i-- {
		if strings.HasPrefix(logs[i], prefix) {
			return logs[i]
		}
	}
	return ""
}

// The search asks Telnyx with its own filter names and reads prices and paperwork back.
func TestSearch(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, f)
	got, err := p.Search(t.Context(), providers.Query{Country: "us", Type: providers.TypeTollFree, SMS: true, Voice: true, Limit: 2})
	require.NoError(t, err)
	require.Len(t, got, 2)
	q := lastLog(f, "GET /v2/available_phone_numbers")
	for _, want := range []string{"filter[country_code]=US", "filter[phone_number_type]=toll_free", "filter[features][]=sms",
		"filter[features][]=voice", "filter[limit]=2"} {
		assert.Contains(t, q, want)
	}
	assert.Equal(t, providers.TypeTollFree, got[0].Type)
	assert.Equal(t, "2.00", got[0].Monthly.Amount())
	assert.Equal(t, "1.00", got[0].Upfront.Amount())
	assert.Equal(t, "USD", got[0].Monthly.Currency)
	assert.Equal(t, providers.PaperworkNone, got[0].Paperwork)

	f.SetPaperwork("FR", "mobile", "document")
	fr, err := p.Search(t.Context(), providers.Query{Country: "FR", Type: providers.TypeMobile, Limit: 1})
	require.NoError(t, err)
	require.Len(t, fr, 1)
	assert.Equal(t, providers.PaperworkDocuments, fr[0].Paperwork)
	none, err := p.Search(t.Context(), providers.Query{Country: "FR", Type: providers.TypeMobile, NoPaperwork: true})
	require.NoError(t, err)
	assert.Empty(t, none, "--no-paperwork leaves out numbers that need documents")
	// Requirements are read once per country and type.
	_, err = p.Search(t.Context(), providers.Query{Country: "FR", Type: providers.TypeMobile, Limit: 1})
	require.NoError(t, err)
	assert.Equal(t, 2, f.Hits(telnyxtest.RouteRequirements))
}

func offer(t *testing.T, p *telnyx.Provider) providers.Available {
	t.Helper()
	got, err := p.Search(t.Context(), providers.Query{Country: "US", Type: providers.TypeLocal, Limit: 1})
	require.NoError(t, err)
	require.NotEmpty(t, got)
	return got[0]
}

func buyReq(a providers.Available, ref string) providers.BuyRequest {
	return providers.BuyRequest{Number: a.Number, Country: a.Country, Type: a.Type, Label: "shop", Reference: ref}
}

// An answer lost after Telnyx took the order (a gateway giving up, a connection dropped): the
// order is found by its reference, and bought once. A dropped connection is not resent by
// net/http either, although the request carries an Idempotency-Key.
func TestBuyLostAnswerFoundByReference(t *testing.T) {
	for name, fault := range map[string]telnyxtest.Fault{
		"gateway 504":        {Drop: telnyxtest.GatewayAfter, Status: 504},
		"connection dropped": {Drop: telnyxtest.DropAfter},
	} {
		t.Run(name, func(t *testing.T) {
			f := newFake(t)
			p := newProvider(t, f)
			a := offer(t, p)
			// A connection used before, so that net/http would consider resending on it.
			_, err := p.List(t.Context())
			require.NoError(t, err)
			f.Inject(telnyxtest.RouteOrder, fault)
			n, err := p.Buy(t.Context(), buyReq(a, "vnum-op-7"))
			require.NoError(t, err)
			assert.Equal(t, a.Number, n.Number)
			assert.Equal(t, "shop", n.Label)
			assert.Equal(t, 1, f.Hits(telnyxtest.RouteOrder), "never ordered again")
			assert.Equal(t, 1, f.Hits(telnyxtest.RouteListOrders), "looked up by customer_reference")
			assert.Contains(t, lastLog(f, "GET /v2/number_orders?"), "filter[customer_reference]=vnum-op-7")
			require.Len(t, f.Orders(), 1)
			assert.Equal(t, "vnum-op-7", f.Orders()[0].CustomerReference)
		})
	}
}

// A 5xx that did nothing: the lookup finds no order, and the outcome stays unknown for the
// caller to check (never "refused", never ordered again).
func TestBuyServerErrorIsUnknownOutcome(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, f)
	a := offer(t, p)
	f.Inject(telnyxtest.RouteOrder, telnyxtest.Fault{Status: 503, Code: "10007"})
	_, err := p.Buy(t.Context(), buyReq(a, "vnum-op-8"))
	require.ErrorIs(t, err, providers.ErrUnknownOutcome)
	assert.False(t, providers.IsRefusal(err))
	assert.Contains(t, err.Error(), "may or may not")
	assert.Equal(t, 1, f.Hits(telnyxtest.RouteOrder))
	assert.Empty(t, f.Orders())
}

// An order still pending after the adapter stopped following it comes back pending; Get then
// follows it to active.
func TestBuyPendingOrder(t *testing.T) {
	f := newFake(t, telnyxtest.WithOrderDelay(1500*time.Millisecond))
	p := newProvider(t, f)
	telnyx.SetPacing(p, 20*time.Millisecond, 100*time.Millisecond)
	a := offer(t, p)
	n, err := p.Buy(t.Context(), buyReq(a, "vnum-op-9"))
	require.NoError(t, err)
	assert.Equal(t, providers.StatePending, n.State)
	require.Eventually(t, func() bool {
		got, err := p.Get(t.Context(), n.ID)
		return err == nil && got.State == providers.StateActive
	}, 10*time.Second, 200*time.Millisecond)
}

// A number no search offers is refused before any order (Telnyx would answer 85000).
func TestBuyNotForSale(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, f)
	_, err := p.Buy(t.Context(), providers.BuyRequest{Number: "+12025550199", Country: "US", Type: providers.TypeLocal})
	require.ErrorIs(t, err, providers.ErrUnavailable)
	assert.Contains(t, err.Error(), "no longer for sale")
	assert.Zero(t, f.Hits(telnyxtest.RouteOrder))
}

// A failed order is a refusal of its own kind, and leaves nothing listed.
func TestBuyFailedOrder(t *testing.T) {
	f := newFake(t, telnyxtest.WithOrderDelay(50*time.Millisecond))
	p := newProvider(t, f)
	f.FailOrders(true)
	_, err := p.Buy(t.Context(), buyReq(offer(t, p), "vnum-op-10"))
	require.ErrorIs(t, err, providers.ErrOutOfStock)
	ns, err := p.List(t.Context())
	require.NoError(t, err)
	assert.Empty(t, ns)
}

// Telnyx's errors map to vnum's kinds, one sentence each, with the wait it asks for.
func TestErrorKinds(t *testing.T) {
	tests := []struct {
		name  string
		fault telnyxtest.Fault
		kind  error
		want  string
		retry time.Duration
	}{
		{"refused key", telnyxtest.Fault{Status: 401, Code: "10009", Title: "Authentication failed"}, providers.ErrUnauthorized, "Authentication failed (code 10009)", 0},
		{"not allowed", telnyxtest.Fault{Status: 403, Code: "10010", Title: "Authorization failed"}, providers.ErrUnauthorized, "Authorization failed", 0},
		{"rate limited", telnyxtest.Fault{Status: 429, Code: "10011", Title: "Too many requests", RateLimitReset: "90", Times: 5},
			providers.ErrRateLimited, "Too many requests", 90 * time.Second},
		{"server error after retries", telnyxtest.Fault{Status: 500, Code: "10007", Title: "Unexpected error", Times: 5},
			providers.ErrTemporary, "Unexpected error", 0},
		{"no funds", telnyxtest.Fault{Status: 402, Code: "10038", Title: "Payment required", Detail: "Insufficient balance"},
			providers.ErrInsufficientFunds, "Payment required: Insufficient balance", 0},
		{"search first", telnyxtest.Fault{Status: 422, Code: "85000", Title: "Must search phone number via search API first"},
			providers.ErrUnavailable, "no longer for sale", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			p := newProvider(t, f)
			f.Inject(telnyxtest.RouteSearch, tt.fault)
			_, err := p.Search(t.Context(), providers.Query{Country: "US"})
			require.ErrorIs(t, err, tt.kind)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), f.APIKey)
			d, _ := providers.RetryAfter(err)
			assert.Equal(t, tt.retry, d)
		})
	}
}

// A read refused for a moment is tried again.
func TestReadsRetried(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, f)
	f.Inject(telnyxtest.RouteListNumbers, telnyxtest.Fault{Status: 503, Code: "10007", Times: 2})
	_, err := p.List(t.Context())
	require.NoError(t, err)
	assert.Equal(t, 3, f.Hits(telnyxtest.RouteListNumbers))
}

// List reads every page at the largest page size, each once.
func TestListPages(t *testing.T) {
	f := newFake(t)
	phones := f.Seed("US", "local", 600)
	require.Len(t, phones, 600)
	p := newProvider(t, f)
	f.ResetCounts()
	ns, err := p.List(t.Context())
	require.NoError(t, err)
	require.Len(t, ns, 600)
	seen := map[string]bool{}
	for _, n := range ns {
		assert.False(t, seen[n.ID], "%s listed twice", n.ID)
		seen[n.ID] = true
	}
	assert.Equal(t, 3, f.Hits(telnyxtest.RouteListNumbers), "600 numbers in pages of 250")
	assert.Equal(t, 3, f.Hits(telnyxtest.RouteListVoice))
	assert.Contains(t, lastLog(f, "GET /v2/phone_numbers?"), "page[size]=250")
}

// vnum's operation id that Telnyx copies from the order onto the number is not a label.
func TestOrderReferenceIsNoLabel(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, f)
	a := offer(t, p)
	n, err := p.Buy(t.Context(), providers.BuyRequest{Number: a.Number, Country: "US", Type: providers.TypeLocal, Reference: "vnum-op-42"})
	require.NoError(t, err)
	got, err := p.Get(t.Context(), n.ID)
	require.NoError(t, err)
	assert.Empty(t, got.Label)
	assert.Equal(t, "vnum-op-42", f.Numbers()[0].CustomerReference)
}

// Forwarding: SMS is refused before anything is sent; an account that may not forward gets one
// sentence with what to do.
func TestForwarding(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, f)
	n, err := p.Buy(t.Context(), buyReq(offer(t, p), "vnum-op-1"))
	require.NoError(t, err)

	_, err = p.SetForwarding(t.Context(), n.ID, providers.Forwarding{Calls: "+14155550100", SMS: "+14155550100"})
	require.ErrorIs(t, err, providers.ErrUnsupported)
	assert.Contains(t, err.Error(), "no SMS forwarding")
	assert.Zero(t, f.Hits(telnyxtest.RouteUpdateVoice))

	f.SetForwardingAllowed(false)
	_, err = p.SetForwarding(t.Context(), n.ID, providers.Forwarding{Calls: "+14155550100"})
	require.ErrorIs(t, err, providers.ErrUnsupported)
	assert.NotErrorIs(t, err, providers.ErrUnauthorized, "not a credentials problem")
	assert.Contains(t, err.Error(), "Level 2")

	f.SetForwardingAllowed(true)
	got, err := p.SetForwarding(t.Context(), n.ID, providers.Forwarding{Calls: "+14155550100"})
	require.NoError(t, err)
	assert.Equal(t, "+14155550100", got.Forward.Calls)
	assert.Contains(t, lastLog(f, "PATCH /v2/phone_numbers/"), `"forwarding_type":"always"`)
}

// Messages: records that have not appeared are not listed; texts are read once per provider;
// a redacted text or one Telnyx no longer serves is withheld.
func TestMessages(t *testing.T) {
	f := newFake(t, telnyxtest.WithRecordDelay(300*time.Millisecond))
	p := newProvider(t, f)
	n, err := p.Buy(t.Context(), buyReq(offer(t, p), "vnum-op-2"))
	require.NoError(t, err)
	_, err = f.Deliver("+12025550143", n.Number, "code 123456")
	require.NoError(t, err)
	_, err = f.Deliver("+12025550144", n.Number, "secret", telnyxtest.Withheld())
	require.NoError(t, err)
	_, err = f.Deliver("+12025550145", n.Number, "old", telnyxtest.At(time.Now().Add(-11*24*time.Hour)))
	require.NoError(t, err)

	msgs, err := p.Messages(t.Context(), n.ID, time.Time{})
	require.NoError(t, err)
	assert.Empty(t, msgs, "records not there yet")

	f.Advance(400 * time.Millisecond) // the record delay has passed
	msgs, err = p.Messages(t.Context(), n.ID, time.Time{})
	require.NoError(t, err)
	require.Len(t, msgs, 2, "the ten-day-old message is outside Telnyx's window")
	assert.Equal(t, "code 123456", msgs[0].Text)
	assert.False(t, msgs[0].Withheld)
	assert.True(t, msgs[1].Withheld)
	assert.Empty(t, msgs[1].Text)
	reads := f.Hits(telnyxtest.RouteGetMessage)
	_, err = p.Messages(t.Context(), n.ID, time.Time{})
	require.NoError(t, err)
	assert.Equal(t, reads, f.Hits(telnyxtest.RouteGetMessage), "texts are read once")
	assert.Contains(t, lastLog(f, "GET /v2/detail_records"), "filter[direction]=inbound")
}

// Ids that are not Telnyx's shape never reach a URL path.
func TestMalformedID(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, f)
	for _, id := range []string{"../balance", "", "1 2", "a/b"} {
		_, err := p.Get(t.Context(), id)
		require.ErrorIs(t, err, providers.ErrNotFound, "%q", id)
		require.ErrorIs(t, p.Release(t.Context(), id), providers.ErrNotFound)
	}
	assert.Zero(t, f.Total())
}

// FindOrder settles a buy by its order's customer_reference: found, unknown, or failed.
func TestFindOrder(t *testing.T) {
	f := newFake(t, telnyxtest.WithOrderDelay(50*time.Millisecond))
	p := newProvider(t, f)
	a := offer(t, p)
	n, err := p.Buy(t.Context(), buyReq(a, "vnum-op-3"))
	require.NoError(t, err)

	got, found, err := p.FindOrder(t.Context(), "vnum-op-3", a.Number)
	require.NoError(t, err)
	require.True(t, found)
	assert.Equal(t, n.ID, got.ID)
	assert.Equal(t, a.Number, got.Number)

	_, found, err = p.FindOrder(t.Context(), "vnum-op-4", a.Number)
	require.NoError(t, err)
	assert.False(t, found, "no order with that reference")

	f.FailOrders(true)
	b := offer(t, p)
	_, err = p.Buy(t.Context(), buyReq(b, "vnum-op-5"))
	require.ErrorIs(t, err, providers.ErrOutOfStock)
	_, found, err = p.FindOrder(t.Context(), "vnum-op-5", b.Number)
	require.NoError(t, err)
	assert.False(t, found, "a failed order bought nothing")
}

// A send whose answer was lost is looked up among the outbound records: found, it was sent
// (and is not sent again); a send that did not go out stays an unknown outcome.
func TestSendLostAnswer(t *testing.T) {
	f := newFake(t, telnyxtest.WithRecordDelay(300*time.Millisecond))
	p := newProvider(t, f)
	n, err := p.Buy(t.Context(), buyReq(offer(t, p), "vnum-op-6"))
	require.NoError(t, err)

	f.Inject(telnyxtest.RouteSendMessage, telnyxtest.Fault{Drop: telnyxtest.GatewayAfter, Status: 502})
	m, err := p.SendSMS(t.Context(), n.ID, "+14155550100", "hello")
	require.NoError(t, err, "the message went out: found in the records")
	assert.Equal(t, "hello", m.Text)
	assert.Equal(t, n.Number, m.From)
	assert.Equal(t, 1, f.Hits(telnyxtest.RouteSendMessage), "never sent twice")

	f.Inject(telnyxtest.RouteSendMessage, telnyxtest.Fault{Status: 503, Code: "10007"})
	_, err = p.SendSMS(t.Context(), n.ID, "+14155550100", "again")
	require.ErrorIs(t, err, providers.ErrUnknownOutcome)
	assert.Equal(t, 2, f.Hits(telnyxtest.RouteSendMessage))

	// No answer at all: not "cannot reach Telnyx" alone, which would read as nothing sent.
	f.Inject(telnyxtest.RouteSendMessage, telnyxtest.Fault{Drop: telnyxtest.DropBefore})
	_, err = p.SendSMS(t.Context(), n.ID, "+14155550100", "once more")
	require.ErrorIs(t, err, providers.ErrUnknownOutcome)
	assert.Contains(t, err.Error(), "may or may not")
}

// A read whose attempt hangs past the injected client's timeout is sent again: the timeout
// bounds each attempt, not the attempts and their waits together.
func TestHungReadRetried(t *testing.T) {
	f := newFake(t)
	env := map[string]string{telnyx.EnvBaseURL: f.URL}
	p, err := telnyx.New(providers.Settings{
		Env:         func(name string) string { return env[name] },
		Credentials: map[string]string{telnyx.CredAPIKey: f.APIKey},
		HTTP:        func() *http.Client { return &http.Client{Timeout: 300 * time.Millisecond} },
	})
	require.NoError(t, err)
	telnyx.SetRetryBackoff(p, time.Millisecond)
	f.Inject(telnyxtest.RouteListNumbers, telnyxtest.Fault{Drop: telnyxtest.Hang})
	_, err = p.List(t.Context())
	require.NoError(t, err)
	assert.Equal(t, 2, f.Hits(telnyxtest.RouteListNumbers))
}

// CheckSent finds a message the number sent in the outbound records; not finding one never
// proves it was not sent (the records come after a delay).
func TestCheckSent(t *testing.T) {
	f := newFake(t, telnyxtest.WithRecordDelay(0))
	p := newProvider(t, f)
	telnyx.SetPacing(p, 20*time.Millisecond, time.Second)
	n, err := p.Buy(t.Context(), buyReq(offer(t, p), "vnum-op-7"))
	require.NoError(t, err)
	since := time.Now().Add(-time.Minute)
	_, err = p.SendSMS(t.Context(), n.ID, "+14155550100", "From +33612345678: code 1")
	require.NoError(t, err)

	m, found, _, err := p.CheckSent(t.Context(), n.ID, "+14155550100", "From +33612345678: code 1", since)
	require.NoError(t, err)
	assert.True(t, found)
	assert.Equal(t, n.Number, m.From)
	assert.False(t, m.Inbound)

	_, found, sure, err := p.CheckSent(t.Context(), n.ID, "+14155550100", "never sent", since)
	require.NoError(t, err)
	assert.False(t, found)
	assert.False(t, sure, "absent from Telnyx's records proves nothing")
	assert.Equal(t, 1, f.Hits(telnyxtest.RouteSendMessage), "looking sends nothing")
}
