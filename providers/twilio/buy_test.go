package twilio_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/providers"
	"github.com/vnum-cli/vnum/providers/twilio"
	faketwilio "github.com/vnum-cli/vnum/providers/twilio/twiliotest"
)

func offer(t *testing.T, p *twilio.Provider, country string, typ providers.NumberType) providers.Available {
	t.Helper()
	got, err := p.Search(t.Context(), providers.Query{Country: country, Type: typ, Limit: 1})
	require.NoError(t, err)
	require.NotEmpty(t, got)
	return got[0]
}

func TestBuy(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, f)
	a := offer(t, p, "US", providers.TypeLocal)
	long := strings.Repeat("é", 70)

	n, err := p.Buy(t.Context(), providers.BuyRequest{Number: a.Number, Country: "US", Type: providers.TypeLocal, Label: long})
	require.NoError(t, err)
	assert.Regexp(t, `^PN[0-9a-f]{32}$`, n.ID)
	assert.Equal(t, a.Number, n.Number)
	assert.Equal(t, "US", n.Country)
	assert.Equal(t, providers.TypeLocal, n.Type)
	assert.Equal(t, providers.StateActive, n.State)
	assert.Equal(t, "1.15 USD", n.Monthly.String(), "price known from the search")
	assert.False(t, n.CreatedAt.IsZero())
	assert.Equal(t, strings.Repeat("é", 64), n.Label, "FriendlyName is cut to Twilio's 64 characters")

	st, ok := f.Number(n.ID)
	require.True(t, ok)
	assert.Equal(t, strings.Repeat("é", 64), st.FriendlyName)
	assert.Empty(t, st.BundleSID, "no bundle for a US number")
	assert.Equal(t, 0, f.Hits(faketwilio.RouteBundles), "no bundle look-up for a US number")
}

// Without a label, Twilio's default FriendlyName (the formatted number) reads back as no label.
func TestBuyWithoutLabel(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, f)
	n := buyOne(t, p, "US", providers.TypeLocal, "")
	st, _ := f.Number(n.ID)
	assert.NotEmpty(t, st.FriendlyName, "Twilio fills in a default")
	assert.Empty(t, n.Label)
}

func TestBuyBundle(t *testing.T) {
	const bundleOpt = "BU00000000000000000000000000000001"
	tests := []struct {
		name       string
		bundles    []string // number types of approved FR bundles on the account
		regulatory map[string]string
		options    map[string]string
		wantBundle string // "auto" for the only approved one
		wantKind   error
		wantMsg    []string
	}{
		{name: "one approved bundle is picked", bundles: []string{"mobile"}, wantBundle: "auto"},
		{name: "a bundle of another type does not count", bundles: []string{"local"}, wantKind: providers.ErrPaperwork, wantMsg: []string{"--bundle", "code 21649"}},
		{name: "no bundle: Twilio says 21649", wantKind: providers.ErrPaperwork, wantMsg: []string{"approved regulatory bundle", "Phone Number Requires a Bundle", "code 21649"}},
		{name: "two bundles: the user chooses", bundles: []string{"mobile", "mobile"}, wantKind: providers.ErrPaperwork, wantMsg: []string{"2 approved bundles", "FR mobile", "--bundle"}},
		{name: "the request's bundle wins", bundles: []string{"mobile", "mobile"}, regulatory: map[string]string{"bundle": "first"}, wantBundle: "first"},
		{name: "per-country option", bundles: []string{"mobile", "mobile"}, options: map[string]string{"bundle.FR": "first"}, wantBundle: "first"},
		{name: "per-country option as config.yaml gives it (lower case)", bundles: []string{"mobile", "mobile"}, options: map[string]string{"bundle.fr": "second"}, wantBundle: "second"},
		{name: "general option", bundles: []string{"mobile", "mobile"}, options: map[string]string{"bundle": "second"}, wantBundle: "second"},
		{name: "malformed bundle in the request", regulatory: map[string]string{"bundle": "BU-nope"}, wantKind: providers.ErrPaperwork, wantMsg: []string{"not a bundle SID"}},
		{name: "unknown bundle: Twilio refuses", options: map[string]string{"bundle": bundleOpt}, wantKind: providers.ErrPaperwork, wantMsg: []string{"code 21649"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			var sids []string
			for i, typ := range tt.bundles {
				sids = append(sids, f.AddBundle("FR", typ, "twilio-approved", "bundle "+string(rune('A'+i))))
			}
			f.AddBundle("FR", "mobile", "pending-review", "not approved yet")
			resolve := func(v string) string {
				switch v {
				case "first":
					return sids[0]
				case "second":
					return sids[1]
				}
				return v
			}
			var opts []setupOption
			for k, v := range tt.options {
				opts = append(opts, withOption(k, resolve(v)))
			}
			reg := map[string]string{}
			for k, v := range tt.regulatory {
				reg[k] = resolve(v)
			}
			p := newProvider(t, f, opts...)
			a := offer(t, p, "FR", providers.TypeMobile)

			n, err := p.Buy(t.Context(), providers.BuyRequest{Number: a.Number, Country: "FR", Type: providers.TypeMobile, Regulatory: reg})
			if tt.wantKind != nil {
				require.ErrorIs(t, err, tt.wantKind)
				for _, m := range tt.wantMsg {
					assert.Contains(t, err.Error(), m)
				}
				return
			}
			require.NoError(t, err)
			st, ok := f.Number(n.ID)
			require.True(t, ok)
			want := resolve(tt.wantBundle)
			if tt.wantBundle == "auto" {
				want = sids[0]
			}
			assert.Equal(t, want, st.BundleSID)
			assert.Equal(t, providers.TypeMobile, n.Type)
			assert.Equal(t, "FR", n.Country)
		})
	}
}

func TestBuyAddress(t *testing.T) {
	f := newFake(t)
	bundle := f.AddBundle("GB", "local", "twilio-approved", "gb")
	p := newProvider(t, f)
	a := offer(t, p, "GB", providers.TypeLocal)

	_, err := p.Buy(t.Context(), providers.BuyRequest{Number: a.Number})
	require.ErrorIs(t, err, providers.ErrPaperwork)
	assert.Contains(t, err.Error(), "--address")
	assert.Contains(t, err.Error(), "Phone Number Requires an Address", "Twilio's own message stays visible")
	assert.Contains(t, err.Error(), "code 21631")

	address := faketwilio.NewSID("AD")
	p = newProvider(t, f, withOption("address.GB", address))
	n, err := p.Buy(t.Context(), providers.BuyRequest{Number: a.Number})
	require.NoError(t, err)
	st, _ := f.Number(n.ID)
	assert.Equal(t, address, st.AddressSID)
	assert.Equal(t, bundle, st.BundleSID, "the GB bundle was picked from the account")
}

func TestBuyErrors(t *testing.T) {
	tests := []struct {
		name     string
		fault    faketwilio.Fault
		trial    bool
		wantKind error
		wantMsg  []string
	}{
		{name: "taken meanwhile", fault: faketwilio.Fault{Status: 400, Code: 21422, Message: "PhoneNumber is not available"},
			wantKind: providers.ErrUnavailable, wantMsg: []string{"search again", "code 21422"}},
		{name: "balance", fault: faketwilio.Fault{Status: 401, Code: 10001, Message: "Account is not active"},
			wantKind: providers.ErrInsufficientFunds, wantMsg: []string{"add funds", "code 10001"}},
		{name: "rate limited for longer than vnum waits, not retried", fault: faketwilio.Fault{Status: 429, Code: 20429, Message: "Too Many Requests", RetryAfter: "70"},
			wantKind: providers.ErrRateLimited, wantMsg: []string{"Too Many Requests", "code 20429"}},
		{name: "server error, never retried, outcome unknown", fault: faketwilio.Fault{Status: 503, Code: 20503, Message: "Service Unavailable"},
			wantKind: providers.ErrUnknownOutcome, wantMsg: []string{"Service Unavailable", "may or may not have carried the request out"}},
		{name: "trial accounts own one number", trial: true,
			wantMsg: []string{"trial accounts", "upgrade", "code 10002"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			p := newProvider(t, f)
			if tt.trial {
				f.SetTrial(true)
				buyOne(t, p, "US", providers.TypeLocal, "")
			}
			a := offer(t, p, "US", providers.TypeLocal)
			if tt.fault.Status != 0 {
				f.Inject(faketwilio.RouteBuy, tt.fault)
			}
			before := f.Hits(faketwilio.RouteBuy)
			_, err := p.Buy(t.Context(), providers.BuyRequest{Number: a.Number})
			require.Error(t, err)
			if tt.wantKind != nil {
				require.ErrorIs(t, err, tt.wantKind)
			}
			var pe *providers.Error
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, "twilio", pe.Provider)
			assert.Equal(t, "buy", pe.Op)
			for _, m := range tt.wantMsg {
				assert.Contains(t, err.Error(), m)
			}
			assert.Equal(t, 1, f.Hits(faketwilio.RouteBuy)-before, "a buy is sent once, never retried")
			if errors.Is(err, providers.ErrRateLimited) {
				d, ok := providers.RetryAfter(err)
				assert.True(t, ok)
				assert.Equal(t, "1m10s", d.String())
			}
		})
	}
}

// A gateway that gives up (504) while Twilio completes the purchase: the number is found on the
// account and returned, not reported as a failure that a script would answer by buying again.
func TestBuyBehindAGatewayTimeout(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, f)
	a := offer(t, p, "US", providers.TypeLocal)
	f.Inject(faketwilio.RouteBuy, faketwilio.Fault{Status: 504, Drop: faketwilio.GatewayAfter})
	n, err := p.Buy(t.Context(), providers.BuyRequest{Number: a.Number, Label: "shop"})
	require.NoError(t, err)
	assert.Equal(t, a.Number, n.Number)
	assert.Equal(t, 1, f.Hits(faketwilio.RouteBuy), "bought once")
}

// A purchase whose answer is lost is looked up, never sent again: Twilio would charge twice.
func TestBuyLostResponse(t *testing.T) {
	t.Run("bought, answer lost: found on the account", func(t *testing.T) {
		f := newFake(t)
		p := newProvider(t, f)
		a := offer(t, p, "US", providers.TypeLocal)
		f.Inject(faketwilio.RouteBuy, faketwilio.Fault{Drop: faketwilio.DropAfter})

		n, err := p.Buy(t.Context(), providers.BuyRequest{Number: a.Number, Label: "lost"})
		require.NoError(t, err)
		assert.Equal(t, a.Number, n.Number)
		assert.Equal(t, "lost", n.Label)
		assert.Equal(t, 1, f.Hits(faketwilio.RouteBuy), "exactly one purchase request")
		assert.Equal(t, 1, f.Hits(faketwilio.RouteListNumbers), "one look-up")
	})
	t.Run("not bought, answer lost: unknown outcome, not retryable", func(t *testing.T) {
		f := newFake(t)
		p := newProvider(t, f)
		a := offer(t, p, "US", providers.TypeLocal)
		f.Inject(faketwilio.RouteBuy, faketwilio.Fault{Drop: faketwilio.DropBefore})

		_, err := p.Buy(t.Context(), providers.BuyRequest{Number: a.Number})
		require.Error(t, err)
		assert.NotErrorIs(t, err, providers.ErrTemporary, "a lost purchase must not look safe to repeat")
		assert.True(t, providers.IsPermanent(err))
		assert.Contains(t, err.Error(), "may or may not")
		assert.Equal(t, 1, f.Hits(faketwilio.RouteBuy), "exactly one purchase request")
	})
}

func TestBuyRejectsBadNumbers(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, f)
	for _, num := range []string{"", "0612345678", "+0612", "+1 415 555 0100"} {
		_, err := p.Buy(t.Context(), providers.BuyRequest{Number: num})
		assert.Error(t, err, num)
	}
	assert.Zero(t, f.Total())
}
