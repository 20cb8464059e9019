package vonage_test

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/providers"
	"github.com/vnum-cli/vnum/providers/vonage"
	"github.com/vnum-cli/vnum/providers/vonage/vonagetest"
)

func hasLog(f *vonagetest.Fake, substr string) bool {
	for _, l := range f.Logs() {
		if strings.Contains(l, substr) {
			return true
		}
	}
	return false
}

func TestSearch(t *testing.T) {
	f := newFake(t, vonagetest.WithCurrency("USD"))
	p := newProvider(t, f)

	offers, err := p.Search(t.Context(), providers.Query{Country: "gb", Type: providers.TypeMobile, SMS: true, Voice: true, Limit: 3})
	require.NoError(t, err)
	require.Len(t, offers, 3)
	for _, a := range offers {
		assert.Regexp(t, `^\+447\d{9}$`, a.Number)
		assert.Equal(t, "GB", a.Country)
		assert.Equal(t, providers.TypeMobile, a.Type)
		assert.Equal(t, providers.Features{Voice: true, SMS: true}, a.Features)
		assert.Equal(t, "1.25 USD", a.Monthly.String(), "cost is the monthly price, in the account's currency")
	}
	assert.True(t, hasLog(f, "features=SMS%2CVOICE"), "features in the order Vonage requires: %v", f.Logs())
	assert.True(t, hasLog(f, "type=mobile-lvn"))

	// The account's currency is asked once per provider, not once per search.
	_, err = p.Search(t.Context(), providers.Query{Country: "GB", Type: providers.TypeLocal, Limit: 1})
	require.NoError(t, err)
	assert.Equal(t, 1, f.Hits(vonagetest.RoutePricing))

	// contains: pattern + search_pattern=1
	offers, err = p.Search(t.Context(), providers.Query{Country: "GB", Type: providers.TypeTollFree, Contains: "800 1", Limit: 2})
	require.NoError(t, err)
	require.NotEmpty(t, offers)
	assert.Contains(t, offers[0].Number, "8001")
	assert.True(t, hasLog(f, "pattern=8001&search_pattern=1"))

	// national: Vonage has no such type; said before any request.
	before := f.Total()
	_, err = p.Search(t.Context(), providers.Query{Country: "GB", Type: providers.TypeNational})
	require.ErrorIs(t, err, providers.ErrUnsupported)
	assert.Contains(t, err.Error(), "no national numbers at Vonage")
	assert.Equal(t, before, f.Total())

	// Nothing for sale: Vonage leaves the numbers key out; that is an empty result, not an error.
	offers, err = p.Search(t.Context(), providers.Query{Country: "US", Type: providers.TypeMobile})
	require.NoError(t, err)
	assert.Empty(t, offers)
}

func TestBuy(t *testing.T) {
	f := newFake(t, vonagetest.WithBalance(2_200_000))
	p := newProvider(t, f)
	n := buyOne(t, p, "GB", providers.TypeMobile)
	assert.Regexp(t, `^447\d{9}$`, n.ID, "the id is the msisdn")
	assert.Equal(t, "+"+n.ID, n.Number)
	assert.Equal(t, "GB", n.Country)
	assert.Equal(t, providers.TypeMobile, n.Type)
	assert.Equal(t, providers.StateActive, n.State)
	assert.Equal(t, "1.25 EUR", n.Monthly.String())
	assert.Equal(t, int64(950_000), f.Balance(), "the first month is paid")
	assert.Equal(t, 1, f.Hits(vonagetest.RouteBalance), "the balance is checked before buying")

	// 0.95 left cannot pay 1.25: refused in plain words, and the carrier is never asked to buy.
	offers, err := p.Search(t.Context(), providers.Query{Country: "GB", Type: providers.TypeMobile, Limit: 1})
	require.NoError(t, err)
	_, err = p.Buy(t.Context(), providers.BuyRequest{Number: offers[0].Number, Country: "GB"})
	require.ErrorIs(t, err, providers.ErrInsufficientFunds)
	assert.Contains(t, err.Error(), "your Vonage balance (0.95 EUR) does not cover this number's first month (1.25 EUR): top up")
	assert.Equal(t, 1, f.Hits(vonagetest.RouteBuy))
	assert.Len(t, f.Numbers(), 1)

	// A landline (0.90) still fits.
	n2 := buyOne(t, p, "GB", providers.TypeLocal)
	assert.Equal(t, providers.TypeLocal, n2.Type)

	// Buying a number already owned: refused without asking Vonage to buy.
	_, err = p.Buy(t.Context(), providers.BuyRequest{Number: n.Number, Country: "GB"})
	require.ErrorIs(t, err, providers.ErrUnavailable)
	assert.Contains(t, err.Error(), "is already yours on Vonage")
	assert.Equal(t, 2, f.Hits(vonagetest.RouteBuy))
}

func TestBuyLostAnswer(t *testing.T) {
	tests := []struct {
		name   string
		fault  vonagetest.Fault
		bought bool
	}{
		{"answer lost after the purchase", vonagetest.Fault{Drop: vonagetest.DropAfter}, true},
		{"a gateway's 504 after the purchase", vonagetest.Fault{Drop: vonagetest.GatewayAfter, Status: 504}, true},
		{"connection lost before the purchase", vonagetest.Fault{Drop: vonagetest.DropBefore}, false},
		{"Vonage's own 500", vonagetest.Fault{Status: 500, Label: "internal error"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			p := newProvider(t, f)
			offers, err := p.Search(t.Context(), providers.Query{Country: "GB", Type: providers.TypeMobile, Limit: 1})
			require.NoError(t, err)
			f.Inject(vonagetest.RouteBuy, tt.fault)

			n, err := p.Buy(t.Context(), providers.BuyRequest{Number: offers[0].Number, Country: "GB"})

			assert.Equal(t, 1, f.Hits(vonagetest.RouteBuy), "a purchase is never sent twice")
			if tt.bought {
				require.NoError(t, err, "the account shows the number: it was bought")
				assert.Equal(t, offers[0].Number, n.Number)
				assert.Len(t, f.Numbers(), 1)
				return
			}
			require.ErrorIs(t, err, providers.ErrUnknownOutcome, "not bought as far as the account shows, but not a refusal either")
			assert.False(t, providers.IsRefusal(err))
			assert.Empty(t, f.Numbers())
		})
	}
}

func TestBuyRefusals(t *testing.T) {
	t.Run("paperwork", func(t *testing.T) {
		f := newFake(t)
		f.RequirePaperwork("DE")
		p := newProvider(t, f)
		offers, err := p.Search(t.Context(), providers.Query{Country: "DE", Type: providers.TypeLocal, Limit: 1})
		require.NoError(t, err)
		_, err = p.Buy(t.Context(), providers.BuyRequest{Number: offers[0].Number, Country: "DE"})
		require.ErrorIs(t, err, providers.ErrPaperwork)
		assert.Contains(t, err.Error(), "buy it from the dashboard")
		assert.Contains(t, err.Error(), "(code 420)")
	})
	t.Run("method failed, said inside an HTTP 200", func(t *testing.T) {
		f := newFake(t)
		p := newProvider(t, f)
		offers, err := p.Search(t.Context(), providers.Query{Country: "GB", Type: providers.TypeMobile, Limit: 1})
		require.NoError(t, err)
		f.Inject(vonagetest.RouteBuy, vonagetest.Fault{Status: 420, In200: true, Label: "method failed"})
		_, err = p.Buy(t.Context(), providers.BuyRequest{Number: offers[0].Number, Country: "GB"})
		require.ErrorIs(t, err, providers.ErrUnavailable)
		assert.True(t, providers.IsRefusal(err))
		assert.Contains(t, err.Error(), "Vonage refused the purchase without saying why (method failed)")
		assert.Empty(t, f.Numbers())
	})
}

func TestGetListRelease(t *testing.T) {
	f := newFake(t)
	ids := f.Seed("GB", vonagetest.TypeLandline, 23)
	p := newProvider(t, f)
	vonage.SetPageSize(p, 5)

	f.ResetCounts()
	all, err := p.List(t.Context())
	require.NoError(t, err)
	require.Len(t, all, 23, "every page")
	assert.Equal(t, 5, f.Hits(vonagetest.RouteOwned), "one request per page of 5")
	for i, n := range all {
		assert.Equal(t, ids[i], n.ID, "in the account's order")
		assert.Equal(t, providers.TypeLocal, n.Type)
	}

	got, err := p.Get(t.Context(), ids[7])
	require.NoError(t, err)
	assert.Equal(t, "+"+ids[7], got.Number)

	_, err = p.Get(t.Context(), "+"+ids[7])
	require.ErrorIs(t, err, providers.ErrNotFound, "ids are msisdns, without +")

	require.NoError(t, p.Release(t.Context(), ids[7]))
	assert.True(t, hasLog(f, "POST /number/cancel api_key="+f.APIKey+"&api_secret=%5Bredacted%5D&country=GB&msisdn="+ids[7]))
	_, err = p.Get(t.Context(), ids[7])
	require.ErrorIs(t, err, providers.ErrNotFound)
	require.ErrorIs(t, p.Release(t.Context(), ids[7]), providers.ErrNotFound)

	// A cancel whose answer is lost is checked on the account.
	f.Inject(vonagetest.RouteCancel, vonagetest.Fault{Drop: vonagetest.DropAfter})
	require.NoError(t, p.Release(t.Context(), ids[8]))
	assert.Len(t, f.Numbers(), 21)
}

func TestListRetriesReads(t *testing.T) {
	f := newFake(t)
	f.Seed("GB", vonagetest.TypeMobile, 3)
	p := newProvider(t, f)
	f.Inject(vonagetest.RouteOwned, vonagetest.Fault{Status: 503, Times: 2})
	all, err := p.List(t.Context())
	require.NoError(t, err)
	assert.Len(t, all, 3)
	assert.Equal(t, 3, f.Hits(vonagetest.RouteOwned))

	f.Inject(vonagetest.RouteOwned, vonagetest.Fault{Status: 429, RetryAfter: "120", Label: "Too Many Requests"})
	_, err = p.List(t.Context())
	require.ErrorIs(t, err, providers.ErrRateLimited)
	d, ok := providers.RetryAfter(err)
	assert.True(t, ok)
	assert.Equal(t, 2*time.Minute, d)
}

func TestForwarding(t *testing.T) {
	f := newFake(t)
	id := f.Seed("GB", vonagetest.TypeMobile, 1)[0]
	// Set up in the dashboard: an SMS webhook and an application; vnum must keep both.
	require.True(t, f.Configure(id, map[string]string{"moHttpUrl": "https://example.com/inbound", "app_id": "aaaaaaaa-bbbb-cccc-dddd-0123456789ab"}))
	p := newProvider(t, f)

	n, err := p.SetForwarding(t.Context(), id, providers.Forwarding{Calls: "+442079460123"})
	require.NoError(t, err)
	assert.Equal(t, "+442079460123", n.Forward.Calls)
	st := f.Numbers()[0]
	assert.Equal(t, "tel", st.VoiceCallbackType)
	assert.Equal(t, "442079460123", st.VoiceCallbackValue, "msisdn without +")
	assert.Equal(t, "https://example.com/inbound", st.MoHTTPURL, "the rest of the configuration is sent back")
	assert.Equal(t, "aaaaaaaa-bbbb-cccc-dddd-0123456789ab", st.AppID)

	got, err := p.Get(t.Context(), id)
	require.NoError(t, err)
	assert.Equal(t, "+442079460123", got.Forward.Calls)

	n, err = p.SetForwarding(t.Context(), id, providers.Forwarding{})
	require.NoError(t, err)
	assert.True(t, n.Forward.IsZero())
	st = f.Numbers()[0]
	assert.Empty(t, st.VoiceCallbackType)
	assert.Equal(t, "https://example.com/inbound", st.MoHTTPURL, "off clears only what vnum set")
	assert.Equal(t, "aaaaaaaa-bbbb-cccc-dddd-0123456789ab", st.AppID)

	// A SIP forwarding is the user's own: off leaves it, and it is not reported as vnum's.
	require.True(t, f.Configure(id, map[string]string{"voiceCallbackType": "sip", "voiceCallbackValue": "sip:me@example.com"}))
	n, err = p.SetForwarding(t.Context(), id, providers.Forwarding{})
	require.NoError(t, err)
	assert.True(t, n.Forward.IsZero())
	assert.Equal(t, "sip", f.Numbers()[0].VoiceCallbackType)

	// SMS: refused before any request.
	before := f.Total()
	_, err = p.SetForwarding(t.Context(), id, providers.Forwarding{Calls: "+442079460123", SMS: "+442079460123"})
	require.ErrorIs(t, err, providers.ErrUnsupported)
	assert.Contains(t, err.Error(), "Vonage cannot forward SMS by itself")
	assert.Equal(t, before, f.Total())
}

func TestMessages(t *testing.T) {
	f := newFake(t, vonagetest.WithReportsDelay(300*time.Millisecond), vonagetest.WithBatchSize(2))
	ids := f.Seed("GB", vonagetest.TypeMobile, 2)
	data := t.TempDir()
	p := newProvider(t, f, withDataDir(data))

	start := time.Now().Add(-time.Second)
	for i := range 3 {
		f.Deliver("+447700900111", ids[0], "code "+string(rune('1'+i)))
	}
	f.Deliver("Google", ids[0], "G-482913 is your code")
	f.Deliver("+447700900111", ids[1], "another number's")

	msgs, err := p.Messages(t.Context(), ids[0], time.Time{})
	require.NoError(t, err)
	assert.Empty(t, msgs, "not in the Reports API yet")

	f.Advance(350 * time.Millisecond) // the reports delay has passed
	msgs, err = p.Messages(t.Context(), ids[0], start)
	require.NoError(t, err)
	require.Len(t, msgs, 4, "every batch, through the next links; only this number's")
	assert.Equal(t, "code 1", msgs[0].Text)
	assert.Equal(t, "+447700900111", msgs[0].From)
	assert.Equal(t, "+"+ids[0], msgs[0].To)
	assert.True(t, msgs[0].Inbound)
	assert.Equal(t, "Google", msgs[3].From, "a sender id stays as it is")
	assert.True(t, hasLog(f, "account_id="+f.APIKey))
	assert.True(t, hasLog(f, "cursor=2"), "the next link was followed")

	later, err := p.Messages(t.Context(), ids[0], time.Now().Add(time.Minute))
	require.NoError(t, err)
	assert.Empty(t, later)

	// Billed per record: said once per account, even across runs (a new Provider).
	w := p.Warnings()
	require.Len(t, w, 1)
	assert.Contains(t, w[0], "Vonage bills per record")
	assert.Empty(t, p.Warnings())
	p2 := newProvider(t, f, withDataDir(data))
	_, err = p2.Messages(t.Context(), ids[0], time.Time{})
	require.NoError(t, err)
	assert.Empty(t, p2.Warnings())
	_, err = os.Stat(filepath.Join(data, "vonage-reports-notice-"+f.APIKey))
	assert.NoError(t, err)
}

func TestMessagesNextLinkElsewhere(t *testing.T) {
	srv := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"records":[],"_links":{"next":{"href":"https://collector.example/v2/reports/records?x=1"}}}`))
	})
	p := newProviderAt(t, startServer(t, srv))
	_, err := p.Messages(t.Context(), "447700900123", time.Time{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "sent vnum on to another host: not followed")
}

// A redirect off the base URL is not followed (the secret would go with it): a plain error for
// a read, which trying again cannot fix, and an unknown outcome for a write, which reached Vonage.
func TestRedirectElsewhere(t *testing.T) {
	elsewhere := startServer(t, http.NotFoundHandler())
	var hits atomic.Int32
	p := newProviderAt(t, startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Redirect(w, r, elsewhere+r.URL.Path, http.StatusTemporaryRedirect)
	})))
	_, err := p.List(t.Context())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "redirected vnum to")
	assert.False(t, errors.Is(err, providers.ErrTemporary), "not worth retrying")
	assert.Equal(t, int32(1), hits.Load(), "a refused redirect is not retried")

	_, err = p.SendSMS(t.Context(), "447700900123", "+447700900111", "hi")
	require.ErrorIs(t, err, providers.ErrUnknownOutcome)
}

// A Reports query Vonage gave up on is not an empty inbox.
func TestMessagesFailedQuery(t *testing.T) {
	p := newProviderAt(t, startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"request_status":"FAILED","records":[]}`))
	})))
	_, err := p.Messages(t.Context(), "447700900123", time.Time{})
	require.ErrorIs(t, err, providers.ErrTemporary)
	assert.Contains(t, err.Error(), "did not finish the query (FAILED)")
}

func TestSendSMS(t *testing.T) {
	f := newFake(t, vonagetest.WithBalance(900_000+40_000))
	p := newProvider(t, f)
	n := buyOne(t, p, "GB", providers.TypeLocal)

	m, err := p.SendSMS(t.Context(), n.ID, "+447700900111", "héllo wörld")
	require.NoError(t, err)
	assert.NotEmpty(t, m.ID)
	assert.Equal(t, n.Number, m.From)
	assert.True(t, hasLog(f, "type=text"), "Latin-1 letters of GSM go as text")

	_, err = p.SendSMS(t.Context(), n.ID, "+447700900111", "second")
	require.ErrorIs(t, err, providers.ErrInsufficientFunds, "the balance ran out")
	assert.Contains(t, err.Error(), "top up")

	f.SetBalance(1_000_000)
	_, err = p.SendSMS(t.Context(), n.ID, "+447700900111", "Привет")
	require.NoError(t, err)
	assert.True(t, hasLog(f, "type=unicode"))

	_, err = p.SendSMS(t.Context(), "447700900999", "+447700900111", "not mine")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Illegal Sender Address")

	// A lost answer: the Reports API tells whether it went out (by its client-ref); never sent twice.
	f.Inject(vonagetest.RouteSend, vonagetest.Fault{Drop: vonagetest.DropAfter})
	m, err = p.SendSMS(t.Context(), n.ID, "+447700900111", "lost")
	require.NoError(t, err, "found in the Reports API: it was sent")
	assert.NotEmpty(t, m.ID)
	assert.Equal(t, 1, countLogs(f, "POST /sms/json", "lost"))
	assert.True(t, hasLog(f, "direction=outbound"))

	f.Inject(vonagetest.RouteSend, vonagetest.Fault{Drop: vonagetest.DropBefore})
	_, err = p.SendSMS(t.Context(), n.ID, "+447700900111", "never left")
	require.ErrorIs(t, err, providers.ErrUnknownOutcome, "not in the records, which proves nothing: unknown")
	assert.Contains(t, err.Error(), "not in Vonage's records yet either")
	assert.Equal(t, 1, countLogs(f, "POST /sms/json", "never+left"))
}

func countLogs(f *vonagetest.Fake, prefix, substr string) int {
	n := 0
	for _, l := range f.Logs() {
		if strings.HasPrefix(l, prefix) && strings.Contains(l, substr) {
			n++
		}
	}
	return n
}

// TestSecretNeverInErrors runs every operation against answers that quote the request back
// (its URL with the secret in the query, its form, its Authorization header), and against
// transports that fail quoting the URL: no error may show the secret, in any encoding.
func TestSecretNeverInErrors(t *testing.T) {
	const secret = "S3cr+t/TEST=91c2e7"
	echo := func(status int) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_ = r.ParseForm()
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			label := strings.NewReplacer(`"`, `'`, `\`, `/`).Replace(r.URL.String() + " " + r.Form.Encode() + " " + r.Header.Get("Authorization"))
			_, _ = w.Write([]byte(`{"error-code":"` + http.StatusText(status) + `","error-code-label":"` + label + `","title":"` + label + `"}`))
		})
	}
	ops := map[string]func(p *vonage.Provider) error{
		"search": func(p *vonage.Provider) error {
			_, err := p.Search(t.Context(), providers.Query{Country: "GB"})
			return err
		},
		"buy": func(p *vonage.Provider) error {
			_, err := p.Buy(t.Context(), providers.BuyRequest{Number: "+447700900123", Country: "GB"})
			return err
		},
		"get":     func(p *vonage.Provider) error { _, err := p.Get(t.Context(), "447700900123"); return err },
		"list":    func(p *vonage.Provider) error { _, err := p.List(t.Context()); return err },
		"release": func(p *vonage.Provider) error { return p.Release(t.Context(), "447700900123") },
		"forward": func(p *vonage.Provider) error {
			_, err := p.SetForwarding(t.Context(), "447700900123", providers.Forwarding{Calls: "+442079460123"})
			return err
		},
		"messages": func(p *vonage.Provider) error {
			_, err := p.Messages(t.Context(), "447700900123", time.Time{})
			return err
		},
		"send": func(p *vonage.Provider) error {
			_, err := p.SendSMS(t.Context(), "447700900123", "+447700900111", "hi")
			return err
		},
		"verify": func(p *vonage.Provider) error { _, err := p.Verify(t.Context()); return err },
	}
	closed := startServer(t, http.NotFoundHandler())
	bases := map[string]string{
		"401 quoting the request": startServer(t, echo(http.StatusUnauthorized)),
		"420 quoting the request": startServer(t, echo(420)),
		"500 quoting the request": startServer(t, echo(http.StatusInternalServerError)),
		"200 quoting the request": startServer(t, echo(http.StatusOK)),
		"redirect elsewhere": startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, closed+r.URL.RequestURI(), http.StatusFound)
		})),
	}
	for name, base := range bases {
		for op, call := range ops {
			t.Run(name+"/"+op, func(t *testing.T) {
				err := call(newProviderAt(t, base))
				require.Error(t, err)
				assertNoSecret(t, secret, err.Error())
			})
		}
	}
	t.Run("transport error quoting the URL", func(t *testing.T) {
		p, err := vonage.New(providers.Settings{
			Credentials: map[string]string{vonage.CredAPIKey: "abcd1234", vonage.CredAPISecret: secret},
			HTTP: func() *http.Client {
				return &http.Client{Transport: rtFunc(func(r *http.Request) (*http.Response, error) {
					return nil, &url.Error{Op: "Get", URL: r.URL.String(), Err: errors.New("proxy refused " + r.URL.String())}
				})}
			},
		})
		require.NoError(t, err)
		vonage.SetRetryBackoff(p, time.Millisecond)
		for op, call := range ops {
			err := call(p)
			require.Error(t, err, op)
			assertNoSecret(t, secret, err.Error())
		}
	})
}

func assertNoSecret(t *testing.T, secret, s string) {
	t.Helper()
	for _, form := range []string{secret, url.QueryEscape(secret), url.PathEscape(secret), "S3cr"} {
		assert.NotContains(t, s, form)
	}
}

type rtFunc func(*http.Request) (*http.Response, error)

func (f rtFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// A read whose attempt hangs past the injected client's timeout is sent again: the timeout
// bounds each attempt, not the attempts and their waits together.
func TestHungReadRetried(t *testing.T) {
	var attempts atomic.Int32
	p, err := vonage.New(providers.Settings{
		Credentials: map[string]string{vonage.CredAPIKey: "abcd1234", vonage.CredAPISecret: "S3cretS3cret"},
		HTTP: func() *http.Client {
			return &http.Client{Timeout: 300 * time.Millisecond, Transport: rtFunc(func(r *http.Request) (*http.Response, error) {
				if attempts.Add(1) == 1 {
					<-r.Context().Done() // the first attempt never gets an answer
					return nil, r.Context().Err()
				}
				return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
					Body: io.NopCloser(strings.NewReader(`{"count":0,"numbers":[]}`)), Request: r}, nil
			})}
		},
	})
	require.NoError(t, err)
	vonage.SetRetryBackoff(p, time.Millisecond)
	_, err = p.List(t.Context())
	require.NoError(t, err)
	assert.Equal(t, int32(2), attempts.Load())
}

// CheckSent finds a sent message in the Reports API's outbound records by its text; an absence
// never proves it was not sent (records come after a delay).
func TestCheckSent(t *testing.T) {
	f := newFake(t, vonagetest.WithReportsDelay(0))
	p := newProvider(t, f)
	n := buyOne(t, p, "GB", providers.TypeLocal)
	since := time.Now().Add(-time.Minute)
	_, err := p.SendSMS(t.Context(), n.ID, "+447700900111", "From +33612345678: code 1")
	require.NoError(t, err)

	m, found, _, err := p.CheckSent(t.Context(), n.ID, "+447700900111", "From +33612345678: code 1", since)
	require.NoError(t, err)
	assert.True(t, found)
	assert.Equal(t, n.Number, m.From)
	assert.False(t, m.Inbound)

	_, found, sure, err := p.CheckSent(t.Context(), n.ID, "+447700900111", "never sent", since)
	require.NoError(t, err)
	assert.False(t, found)
	assert.False(t, sure, "absent from Vonage's records proves nothing")
	_, found, _, err = p.CheckSent(t.Context(), n.ID, "+447700900999", "From +33612345678: code 1", since)
	require.NoError(t, err)
	assert.False(t, found, "another recipient")
}
