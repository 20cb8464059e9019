package providertest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/providers"
	"github.com/vnum-cli/vnum/providers/providertest"
)

func deliverToFake(t *testing.T, p providers.Provider, n providers.Number, from, text string) {
	t.Helper()
	_, err := p.(*providertest.Fake).Deliver(n.ID, from, text)
	require.NoError(t, err)
}

func unauthorizedFake(*testing.T) providers.Provider {
	f := providertest.NewFake()
	f.Before = providertest.FailOn(&providers.Error{
		Provider: providertest.FakeName, Status: 401, Kind: providers.ErrUnauthorized, Message: "bad credentials",
	})
	return f
}

func TestFakeConformance(t *testing.T) {
	tests := []struct {
		name    string
		country string
		typ     providers.NumberType
		caps    func(*providers.Capabilities)
	}{
		{name: "default"},
		{name: "FR mobile", country: "FR", typ: providers.TypeMobile},
		{name: "GB toll-free", country: "GB", typ: providers.TypeTollFree},
		{name: "no optional capability", caps: func(c *providers.Capabilities) { *c = providers.Capabilities{} }},
		{name: "SMS forwarding only", caps: func(c *providers.Capabilities) { c.ForwardCalls = false }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			providertest.Suite{
				New: func(*testing.T) providers.Provider {
					f := providertest.NewFake()
					if tt.caps != nil {
						tt.caps(&f.Caps)
					}
					return f
				},
				Country:         tt.country,
				Type:            tt.typ,
				Deliver:         deliverToFake,
				NewUnauthorized: unauthorizedFake,
			}.Run(t)
		})
	}
}

func TestFakeHooks(t *testing.T) {
	refused := &providers.Error{Provider: providertest.FakeName, Kind: providers.ErrInsufficientFunds, Message: "top up"}
	tests := []struct {
		name       string
		before     providertest.Hook
		after      providertest.Hook
		wantErr    error
		wantBought bool
	}{
		{name: "no hook", wantBought: true},
		{name: "refused before", before: providertest.FailOn(refused, providertest.OpBuy), wantErr: providers.ErrInsufficientFunds},
		{name: "answer lost after", after: providertest.FailOn(providers.ErrTemporary, providertest.OpBuy),
			wantErr: providers.ErrTemporary, wantBought: true},
		{name: "other operation failing", before: providertest.FailOn(refused, providertest.OpRelease), wantBought: true},
		{name: "every operation failing", before: providertest.FailOn(refused, "*"), wantErr: providers.ErrInsufficientFunds},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := providertest.NewFake()
			offers, err := f.Search(t.Context(), providers.Query{Country: "US", Limit: 1})
			require.NoError(t, err)
			require.Len(t, offers, 1)

			f.Before, f.After = tt.before, tt.after
			_, err = f.Buy(t.Context(), providers.BuyRequest{Number: offers[0].Number, Country: "US"})
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
			} else {
				require.NoError(t, err)
			}

			f.Before, f.After = nil, nil
			owned, err := f.List(t.Context())
			require.NoError(t, err)
			assert.Equal(t, tt.wantBought, len(owned) == 1, "number bought")
			assert.Equal(t, 1, f.CallCount(providertest.OpBuy), "buys attempted")
		})
	}
}

func TestFakeCallsRecordArguments(t *testing.T) {
	f := providertest.NewFake()
	n, err := f.Buy(t.Context(), providers.BuyRequest{Number: "+12025550123", Country: "US", Label: "work"})
	require.NoError(t, err)
	_, err = f.SetForwarding(t.Context(), n.ID, providers.Forwarding{Calls: "+442079460123"})
	require.NoError(t, err)
	require.NoError(t, f.Release(t.Context(), n.ID))

	calls := f.Calls()
	require.Len(t, calls, 3)
	assert.Equal(t, providertest.Call{Op: providertest.OpBuy,
		Request: providers.BuyRequest{Number: "+12025550123", Country: "US", Label: "work"}}, calls[0])
	assert.Equal(t, providertest.Call{Op: providertest.OpForward, ID: n.ID,
		Forward: providers.Forwarding{Calls: "+442079460123"}}, calls[1])
	assert.Equal(t, providertest.Call{Op: providertest.OpRelease, ID: n.ID}, calls[2])
}

func TestFakeStock(t *testing.T) {
	f := providertest.NewFake()
	f.Stock = []providers.Available{
		{Number: "+33199000001", Country: "FR", Type: providers.TypeLocal, Features: providers.Features{Voice: true, SMS: true},
			Monthly: providers.Price{Micros: 1_000_000, Currency: "EUR"}},
		{Number: "+33199000002", Country: "FR", Type: providers.TypeLocal, Features: providers.Features{Voice: true},
			Monthly: providers.Price{Micros: 2_000_000, Currency: "EUR"}},
		{Number: "+33199000003", Country: "FR", Type: providers.TypeLocal, Features: providers.Features{Voice: true, SMS: true},
			Monthly: providers.Price{Micros: 1_000_000, Currency: "EUR"}, Paperwork: providers.PaperworkDocuments},
		{Number: "+12025550100", Country: "US", Type: providers.TypeLocal, Features: providers.Features{Voice: true, SMS: true},
			Monthly: providers.Price{Micros: 1_150_000, Currency: "USD"}},
	}
	numbers := func(offers []providers.Available) []string {
		var out []string
		for _, a := range offers {
			out = append(out, a.Number)
		}
		return out
	}
	tests := []struct {
		name  string
		query providers.Query
		want  []string
	}{
		{"country", providers.Query{Country: "FR"}, []string{"+33199000001", "+33199000002", "+33199000003"}},
		{"SMS", providers.Query{Country: "FR", SMS: true}, []string{"+33199000001", "+33199000003"}},
		{"no paperwork", providers.Query{Country: "FR", NoPaperwork: true}, []string{"+33199000001", "+33199000002"}},
		{"contains", providers.Query{Country: "FR", Contains: "0002"}, []string{"+33199000002"}},
		{"limit", providers.Query{Country: "FR", Limit: 1}, []string{"+33199000001"}},
		{"type", providers.Query{Country: "FR", Type: providers.TypeMobile}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			offers, err := f.Search(t.Context(), tt.query)
			require.NoError(t, err)
			assert.Equal(t, tt.want, numbers(offers))
		})
	}

	n, err := f.Buy(t.Context(), providers.BuyRequest{Number: "+33199000002"})
	require.NoError(t, err)
	assert.Equal(t, providers.Price{Micros: 2_000_000, Currency: "EUR"}, n.Monthly, "price taken from the stock")
	assert.Equal(t, "FR", n.Country)
	offers, err := f.Search(t.Context(), providers.Query{Country: "FR"})
	require.NoError(t, err)
	assert.Equal(t, []string{"+33199000001", "+33199000003"}, numbers(offers), "owned numbers are not offered")
}

func TestFakeStatesAndAdd(t *testing.T) {
	f := providertest.NewFake()
	f.BuyState = providers.StatePending
	n, err := f.Buy(t.Context(), providers.BuyRequest{Number: "+12025550123"})
	require.NoError(t, err)
	assert.Equal(t, providers.StatePending, n.State)

	require.NoError(t, f.SetState(n.ID, providers.StateActive))
	got, err := f.Get(t.Context(), n.ID)
	require.NoError(t, err)
	assert.Equal(t, providers.StateActive, got.State)
	require.ErrorIs(t, f.SetState("nope", providers.StateActive), providers.ErrNotFound)

	adopted, err := f.Add(providers.Number{Number: "+442079460001", Country: "GB"})
	require.NoError(t, err)
	assert.NotEmpty(t, adopted.ID)
	assert.Equal(t, providers.StateActive, adopted.State)
	_, err = f.Add(providers.Number{Number: "+442079460001"})
	require.Error(t, err, "a number already owned cannot be added twice")

	all, err := f.List(t.Context())
	require.NoError(t, err)
	require.Len(t, all, 2)
	assert.Equal(t, []string{n.ID, adopted.ID}, []string{all[0].ID, all[1].ID}, "purchase order")
}

func TestFakeClockAndMessages(t *testing.T) {
	clock := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	f := providertest.NewFake()
	f.Now = func() time.Time { return clock }
	n, err := f.Buy(t.Context(), providers.BuyRequest{Number: "+12025550123"})
	require.NoError(t, err)
	assert.Equal(t, clock, n.CreatedAt)

	first, err := f.Deliver(n.ID, "+12025550188", "one")
	require.NoError(t, err)
	clock = clock.Add(time.Minute)
	sent, err := f.SendSMS(t.Context(), n.ID, "+12025550188", "two")
	require.NoError(t, err)

	msgs, err := f.Messages(t.Context(), n.ID, time.Time{})
	require.NoError(t, err)
	assert.Equal(t, []providers.Message{first, sent}, msgs)
	assert.True(t, first.Inbound)
	assert.False(t, sent.Inbound)

	msgs, err = f.Messages(t.Context(), n.ID, clock)
	require.NoError(t, err)
	assert.Equal(t, []providers.Message{sent}, msgs, "since is inclusive and filters older messages")

	_, err = f.Deliver("nope", "+12025550188", "x")
	require.ErrorIs(t, err, providers.ErrNotFound)
}

func TestFakeCancelledContextDoesNothing(t *testing.T) {
	f := providertest.NewFake()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := f.Buy(ctx, providers.BuyRequest{Number: "+12025550123"})
	require.ErrorIs(t, err, context.Canceled)
	all, err := f.List(t.Context())
	require.NoError(t, err)
	assert.Empty(t, all)
}

func TestFailOn(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name string
		ops  []string
		op   string
		want error
	}{
		{"listed", []string{providertest.OpBuy, providertest.OpList}, providertest.OpList, boom},
		{"not listed", []string{providertest.OpBuy}, providertest.OpList, nil},
		{"star", []string{"*"}, providertest.OpVerify, boom},
		{"none means all", nil, providertest.OpSearch, boom},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := providertest.FailOn(boom, tt.ops...)(t.Context(), providertest.Call{Op: tt.op})
			assert.Equal(t, tt.want, err)
		})
	}
}
