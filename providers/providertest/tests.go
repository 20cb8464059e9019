package providertest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/providers"
)

// TestSearch checks that search offers valid numbers of the requested country and type, each
// with a price in a currency, and honours the limit.
func (s *Suite) TestSearch(t *testing.T) {
	p := s.New(t)
	offers, err := p.Search(t.Context(), s.query(5))
	require.NoError(t, err)
	require.NotEmpty(t, offers, "no %s %s numbers for sale", s.Country, s.Type)
	require.LessOrEqual(t, len(offers), 5, "more offers than the limit")

	seen := make(map[string]bool, len(offers))
	for _, a := range offers {
		require.Regexp(t, e164, a.Number, "offers must be E.164")
		assert.True(t, validFor(a.Number, s.Country), "%s is not a valid %s number", a.Number, s.Country)
		assert.Equal(t, s.Country, a.Country, "country of %s", a.Number)
		assert.Equal(t, s.Type, a.Type, "type of %s", a.Number)
		assert.Regexp(t, `^[A-Z]{3}$`, a.Monthly.Currency, "monthly price of %s needs an ISO 4217 currency", a.Number)
		assert.GreaterOrEqual(t, a.Monthly.Micros, int64(0), "monthly price of %s", a.Number)
		assert.False(t, seen[a.Number], "%s offered twice", a.Number)
		seen[a.Number] = true
	}

	one, err := p.Search(t.Context(), s.query(1))
	require.NoError(t, err)
	assert.Len(t, one, 1, "search with limit 1")
}

// TestBuyListRelease follows one number through its life: bought, visible through Get and
// List, released, then gone from both.
func (s *Suite) TestBuyListRelease(t *testing.T) {
	p := s.New(t)
	n := s.buy(t, p, false, "")
	require.NotEmpty(t, n.ID, "a bought number needs the carrier's id")
	require.Regexp(t, e164, n.Number)
	assert.Equal(t, s.Country, n.Country)
	assert.Contains(t, []providers.State{providers.StateActive, providers.StatePending, providers.StatePendingDocuments},
		n.State, "state of a number just bought")

	got, err := p.Get(t.Context(), n.ID)
	require.NoError(t, err, "get a number just bought")
	assert.Equal(t, n.ID, got.ID)
	assert.Equal(t, n.Number, got.Number)

	all, err := p.List(t.Context())
	require.NoError(t, err)
	inList, ok := listed(all, n.ID)
	require.True(t, ok, "list must contain the number just bought")
	assert.Equal(t, n.Number, inList.Number)

	require.NoError(t, p.Release(t.Context(), n.ID))

	all, err = p.List(t.Context())
	require.NoError(t, err)
	_, ok = listed(all, n.ID)
	assert.False(t, ok, "list still contains a released number")

	_, err = p.Get(t.Context(), n.ID)
	requireKind(t, p, err, providers.ErrNotFound)
}

// TestReleaseUnknown checks that giving back a number the account no longer owns is
// ErrNotFound, which is how vnum knows a release already went through.
func (s *Suite) TestReleaseUnknown(t *testing.T) {
	p := s.New(t)
	n := s.buy(t, p, false, "")
	require.NoError(t, p.Release(t.Context(), n.ID))
	requireKind(t, p, p.Release(t.Context(), n.ID), providers.ErrNotFound)
}

// TestBuyTwice checks that a number cannot be bought twice, and that an owned number is no
// longer offered.
func (s *Suite) TestBuyTwice(t *testing.T) {
	p := s.New(t)
	n := s.buy(t, p, false, "")

	again, err := p.Buy(t.Context(), providers.BuyRequest{Number: n.Number, Country: n.Country, Type: n.Type})
	if err == nil {
		_ = p.Release(t.Context(), again.ID) // do not leave a double purchase behind on a live account
	}
	requireKind(t, p, err, providers.ErrUnavailable)

	all, err := p.List(t.Context())
	require.NoError(t, err)
	owned := 0
	for _, m := range all {
		if m.Number == n.Number {
			owned++
		}
	}
	assert.Equal(t, 1, owned, "%s listed %d times", n.Number, owned)

	offers, err := p.Search(t.Context(), s.query(20))
	require.NoError(t, err)
	for _, a := range offers {
		assert.NotEqual(t, n.Number, a.Number, "search offers a number the account owns")
	}
}

// TestLabel checks that labels kept carrier-side survive a round trip.
func (s *Suite) TestLabel(t *testing.T) {
	p := s.New(t)
	if !p.Capabilities().Labels {
		t.Skip("carrier keeps no labels")
	}
	lab, ok := providers.As[providers.Labeler](p)
	require.True(t, ok, "Capabilities().Labels but no Labeler")

	n := s.buy(t, p, false, "providertest-a")
	got, err := p.Get(t.Context(), n.ID)
	require.NoError(t, err)
	assert.Equal(t, "providertest-a", got.Label, "label given at purchase")

	require.NoError(t, lab.SetLabel(t.Context(), n.ID, "providertest-b"))
	got, err = p.Get(t.Context(), n.ID)
	require.NoError(t, err)
	assert.Equal(t, "providertest-b", got.Label, "label after SetLabel")

	all, err := p.List(t.Context())
	require.NoError(t, err)
	inList, ok := listed(all, n.ID)
	require.True(t, ok)
	assert.Equal(t, "providertest-b", inList.Label, "label in List")
}

// TestForwarding checks that forwarding can be set and cleared, for calls and, where the
// carrier forwards them, SMS.
func (s *Suite) TestForwarding(t *testing.T) {
	p := s.New(t)
	caps := p.Capabilities()
	if !caps.ForwardCalls && !caps.ForwardSMS {
		t.Skip("carrier forwards nothing")
	}
	fw, ok := providers.As[providers.Forwarder](p)
	require.True(t, ok, "Capabilities() claim forwarding but no Forwarder")

	n := s.buy(t, p, caps.ForwardSMS, "")
	var want providers.Forwarding
	if caps.ForwardCalls {
		want.Calls = forwardTarget
	}
	if caps.ForwardSMS && n.Features.SMS {
		want.SMS = forwardTarget
	}

	set, err := fw.SetForwarding(t.Context(), n.ID, want)
	require.NoError(t, err)
	assert.Equal(t, want, set.Forward, "number returned by SetForwarding")
	got, err := p.Get(t.Context(), n.ID)
	require.NoError(t, err)
	assert.Equal(t, want, got.Forward, "forwarding read back")

	set, err = fw.SetForwarding(t.Context(), n.ID, providers.Forwarding{})
	require.NoError(t, err)
	assert.True(t, set.Forward.IsZero(), "forwarding returned after clearing: %+v", set.Forward)
	got, err = p.Get(t.Context(), n.ID)
	require.NoError(t, err)
	assert.True(t, got.Forward.IsZero(), "forwarding read back after clearing: %+v", got.Forward)
}

// TestOptionalInterfaces checks that the optional interfaces match Capabilities: a capability
// claimed is implemented, and an implemented method the carrier cannot honour says
// ErrUnsupported.
func (s *Suite) TestOptionalInterfaces(t *testing.T) {
	p := s.New(t)
	require.NotEmpty(t, p.Name())
	caps := p.Capabilities()
	fw, hasFw := providers.As[providers.Forwarder](p)
	lab, hasLab := providers.As[providers.Labeler](p)
	rd, hasRd := providers.As[providers.MessageReader](p)
	snd, hasSnd := providers.As[providers.MessageSender](p)

	// Bought only if a call must be tried, so carriers that claim everything cost nothing here.
	var n providers.Number
	number := func() string {
		if n.ID == "" {
			n = s.buy(t, p, false, "")
		}
		return n.ID
	}
	cases := []struct {
		name        string
		capable     bool
		implemented bool
		call        func() error
	}{
		{"Forwarder (calls)", caps.ForwardCalls, hasFw, func() error {
			_, err := fw.SetForwarding(t.Context(), number(), providers.Forwarding{Calls: forwardTarget})
			return err
		}},
		{"Forwarder (SMS)", caps.ForwardSMS, hasFw, func() error {
			_, err := fw.SetForwarding(t.Context(), number(), providers.Forwarding{SMS: forwardTarget})
			return err
		}},
		{"Labeler", caps.Labels, hasLab, func() error {
			return lab.SetLabel(t.Context(), number(), "providertest")
		}},
		{"MessageReader", caps.ReadSMS, hasRd, func() error {
			_, err := rd.Messages(t.Context(), number(), time.Time{})
			return err
		}},
		{"MessageSender", caps.SendSMS, hasSnd, func() error {
			_, err := snd.SendSMS(t.Context(), number(), smsPeer, "providertest")
			return err
		}},
	}
	for _, c := range cases {
		switch {
		case c.capable:
			assert.True(t, c.implemented, "Capabilities() claim %s but the provider does not implement it", c.name)
		case c.implemented:
			err := c.call()
			assert.ErrorIs(t, err, providers.ErrUnsupported, "%s without the capability", c.name)
		}
	}
}

// TestMessages checks that delivered SMS are listed oldest first and filtered by since.
func (s *Suite) TestMessages(t *testing.T) {
	if s.Deliver == nil {
		t.Skip("Suite.Deliver not set")
	}
	p := s.New(t)
	if !p.Capabilities().ReadSMS {
		t.Skip("carrier cannot read SMS")
	}
	rd, ok := providers.As[providers.MessageReader](p)
	require.True(t, ok, "Capabilities().ReadSMS but no MessageReader")

	n := s.buy(t, p, true, "")
	s.Deliver(t, p, n, smsSender, "providertest 1")
	// Carriers keeping sub-second times then see the first message strictly older than the rest.
	time.Sleep(10 * time.Millisecond)
	s.Deliver(t, p, n, smsSender, "providertest 2")
	s.Deliver(t, p, n, smsSender, "providertest 3")

	in := inbound(s.waitMessages(t, rd, n.ID, 3))
	require.Len(t, in, 3)
	ids := make(map[string]bool)
	for i, m := range in {
		assert.Equal(t, []string{"providertest 1", "providertest 2", "providertest 3"}[i], m.Text, "message %d, oldest first", i)
		assert.Equal(t, smsSender, m.From)
		assert.Equal(t, n.Number, m.To)
		assert.False(t, m.ReceivedAt.IsZero(), "ReceivedAt")
		assert.NotEmpty(t, m.ID)
		assert.False(t, ids[m.ID], "message id %s repeated", m.ID)
		ids[m.ID] = true
	}
	assert.True(t, slices.IsSortedFunc(in, func(a, b providers.Message) int { return a.ReceivedAt.Compare(b.ReceivedAt) }),
		"messages must be oldest first")

	since := in[1].ReceivedAt
	later, err := rd.Messages(t.Context(), n.ID, since)
	require.NoError(t, err)
	laterIDs := make(map[string]bool)
	for _, m := range later {
		assert.False(t, m.ReceivedAt.Before(since), "message %s received %v, before since %v", m.ID, m.ReceivedAt, since)
		laterIDs[m.ID] = true
	}
	assert.True(t, laterIDs[in[1].ID] && laterIDs[in[2].ID], "messages received at or after since are listed")
	if in[0].ReceivedAt.Before(since) {
		assert.False(t, laterIDs[in[0].ID], "a message older than since is listed")
	}

	none, err := rd.Messages(t.Context(), n.ID, time.Now().Add(time.Hour))
	require.NoError(t, err)
	assert.Empty(t, none, "messages since a future time")
}

// waitMessages polls until at least want inbound messages are listed: real carriers deliver
// asynchronously.
func (s *Suite) waitMessages(t *testing.T, rd providers.MessageReader, id string, want int) []providers.Message {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		msgs, err := rd.Messages(t.Context(), id, time.Time{})
		require.NoError(t, err)
		if len(inbound(msgs)) >= want || time.Now().After(deadline) {
			return msgs
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func inbound(msgs []providers.Message) []providers.Message {
	var in []providers.Message
	for _, m := range msgs {
		if m.Inbound {
			in = append(in, m)
		}
	}
	return in
}

// TestSendSMS checks that a message sent from an owned number is reported as sent from it.
func (s *Suite) TestSendSMS(t *testing.T) {
	p := s.New(t)
	if !p.Capabilities().SendSMS {
		t.Skip("carrier cannot send SMS")
	}
	snd, ok := providers.As[providers.MessageSender](p)
	require.True(t, ok, "Capabilities().SendSMS but no MessageSender")

	n := s.buy(t, p, true, "")
	m, err := snd.SendSMS(t.Context(), n.ID, smsPeer, "providertest hello")
	require.NoError(t, err)
	assert.NotEmpty(t, m.ID)
	assert.False(t, m.Inbound, "a sent message is not inbound")
	assert.Equal(t, n.Number, m.From)
	assert.Equal(t, smsPeer, m.To)
	assert.Equal(t, "providertest hello", m.Text)

	_, err = snd.SendSMS(t.Context(), n.ID, "not a number", "providertest")
	assert.Error(t, err, "sending to something that is not a phone number")
}

// TestVerify checks that working credentials verify and name an account.
func (s *Suite) TestVerify(t *testing.T) {
	p := s.New(t)
	v, ok := providers.As[providers.Verifier](p)
	if !ok {
		t.Skip("no Verifier")
	}
	account, err := v.Verify(t.Context())
	require.NoError(t, err)
	if s.NoAccountID {
		assert.Empty(t, account, "the carrier names no account")
	} else {
		assert.NotEmpty(t, account)
	}
}

// TestCancelledContext checks that every call returns promptly with the context's error once
// it is cancelled, and that a cancelled buy bought nothing.
func (s *Suite) TestCancelledContext(t *testing.T) {
	p := s.New(t)
	offers, err := p.Search(t.Context(), s.query(1))
	require.NoError(t, err)
	require.NotEmpty(t, offers)
	a := offers[0]

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	calls := map[string]func() error{
		"Search":  func() error { _, err := p.Search(ctx, s.query(1)); return err },
		"List":    func() error { _, err := p.List(ctx); return err },
		"Get":     func() error { _, err := p.Get(ctx, "unknown"); return err },
		"Release": func() error { return p.Release(ctx, "unknown") },
		"Buy": func() error {
			_, err := p.Buy(ctx, providers.BuyRequest{Number: a.Number, Country: a.Country, Type: a.Type})
			return err
		},
	}
	if fw, ok := providers.As[providers.Forwarder](p); ok {
		calls["SetForwarding"] = func() error { _, err := fw.SetForwarding(ctx, "unknown", providers.Forwarding{}); return err }
	}
	if lab, ok := providers.As[providers.Labeler](p); ok {
		calls["SetLabel"] = func() error { return lab.SetLabel(ctx, "unknown", "x") }
	}
	if rd, ok := providers.As[providers.MessageReader](p); ok {
		calls["Messages"] = func() error { _, err := rd.Messages(ctx, "unknown", time.Time{}); return err }
	}
	if snd, ok := providers.As[providers.MessageSender](p); ok {
		calls["SendSMS"] = func() error { _, err := snd.SendSMS(ctx, "unknown", smsPeer, "x"); return err }
	}
	if v, ok := providers.As[providers.Verifier](p); ok {
		calls["Verify"] = func() error { _, err := v.Verify(ctx); return err }
	}
	for name, call := range calls {
		start := time.Now()
		err := call()
		requirePrompt(t, name, start, err)
	}

	all, err := p.List(t.Context())
	require.NoError(t, err)
	for _, n := range all {
		if n.Number == a.Number {
			_ = p.Release(t.Context(), n.ID)
			t.Fatalf("Buy with a cancelled context bought %s", a.Number)
		}
	}
}

// TestUnauthorized checks that rejected credentials surface as ErrUnauthorized.
func (s *Suite) TestUnauthorized(t *testing.T) {
	if s.NewUnauthorized == nil {
		t.Skip("Suite.NewUnauthorized not set")
	}
	p := s.NewUnauthorized(t)
	_, err := p.List(t.Context())
	requireKind(t, p, err, providers.ErrUnauthorized)
	_, err = p.Search(t.Context(), s.query(1))
	requireKind(t, p, err, providers.ErrUnauthorized)
	if v, ok := providers.As[providers.Verifier](p); ok {
		_, err := v.Verify(t.Context())
		requireKind(t, p, err, providers.ErrUnauthorized)
	}
}
