package sandbox_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/providers"
	"github.com/vnum-cli/vnum/providers/sandbox"
)

// requireRefusal checks that err is the sandbox refusing op with the given kind, and returns the
// refusal for further checks.
func requireRefusal(t *testing.T, err, kind error, op string) *providers.Error {
	t.Helper()
	require.ErrorIs(t, err, kind)
	var perr *providers.Error
	require.ErrorAs(t, err, &perr)
	assert.Equal(t, sandbox.Name, perr.Provider)
	assert.Equal(t, op, perr.Op)
	assert.NotEmpty(t, perr.Message)
	return perr
}

// buyOne buys the first number offered for the country and type.
func buyOne(t *testing.T, p *sandbox.Provider, country string, typ providers.NumberType) providers.Number {
	t.Helper()
	offers, err := p.Search(t.Context(), providers.Query{Country: country, Type: typ, Limit: 1})
	require.NoError(t, err)
	require.Len(t, offers, 1)
	n, err := p.Buy(t.Context(), providers.BuyRequest{Number: offers[0].Number, Country: country, Type: typ})
	require.NoError(t, err)
	return n
}

func TestBuy(t *testing.T) {
	p := newSandbox(t, t.TempDir(), nil)
	before := time.Now()
	n, err := p.Buy(t.Context(), providers.BuyRequest{Number: "+442079460123", Label: "work"})
	require.NoError(t, err)
	assert.Regexp(t, `^SB[0-9a-f]{32}$`, n.ID)
	assert.Equal(t, "+442079460123", n.Number)
	assert.Equal(t, "GB", n.Country, "country found from the number")
	assert.Equal(t, providers.TypeLocal, n.Type, "type found from the number")
	assert.Equal(t, "work", n.Label)
	assert.Equal(t, providers.StateActive, n.State)
	assert.True(t, n.Forward.IsZero())
	assert.WithinRange(t, n.CreatedAt, before.Add(-time.Millisecond), time.Now())

	got, err := p.Get(t.Context(), n.ID)
	require.NoError(t, err)
	assert.Equal(t, n, got, "Get returns what Buy did")

	other, err := p.Buy(t.Context(), providers.BuyRequest{Number: "+442079460124"})
	require.NoError(t, err)
	assert.NotEqual(t, n.ID, other.ID)

	_, err = p.Buy(t.Context(), providers.BuyRequest{Number: "+442079460123"})
	perr := requireRefusal(t, err, providers.ErrUnavailable, "buy")
	assert.Contains(t, perr.Message, "+442079460123")
}

func TestBuyRefusesWhatIsNotForSale(t *testing.T) {
	p := newSandbox(t, t.TempDir(), nil)
	tests := []struct {
		name string
		req  providers.BuyRequest
		kind error
	}{
		{"valid number outside the fiction ranges", providers.BuyRequest{Number: "+33145678901"}, providers.ErrUnavailable},
		{"not E.164", providers.BuyRequest{Number: "0199001234", Country: "FR"}, providers.ErrUnavailable},
		{"garbage", providers.BuyRequest{Number: "call me"}, providers.ErrUnavailable},
		{"another country's number", providers.BuyRequest{Number: "+12025550100", Country: "CA"}, providers.ErrUnavailable},
		{"another type", providers.BuyRequest{Number: "+442079460001", Type: providers.TypeMobile}, providers.ErrUnavailable},
		{"unknown type", providers.BuyRequest{Number: "+442079460001", Type: "landline"}, providers.ErrUnsupported},
		{"label too long", providers.BuyRequest{Number: "+442079460001", Label: strings.Repeat("x", 65)}, providers.ErrUnsupported},
		{"type with nothing for sale", providers.BuyRequest{Number: "+15002345678", Country: "US", Type: providers.TypeNational},
			providers.ErrOutOfStock},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := p.Buy(t.Context(), tt.req)
			requireRefusal(t, err, tt.kind, "buy")
		})
	}
	all, err := p.List(t.Context())
	require.NoError(t, err)
	assert.Empty(t, all, "nothing bought")
}

func TestPaperwork(t *testing.T) {
	p := newSandbox(t, t.TempDir(), map[string]string{sandbox.EnvPaperwork: "FR:documents, de:address"})
	offers, err := p.Search(t.Context(), providers.Query{Country: "FR", Limit: 3})
	require.NoError(t, err)
	require.NotEmpty(t, offers)
	for _, a := range offers {
		assert.Equal(t, providers.PaperworkDocuments, a.Paperwork)
	}
	none, err := p.Search(t.Context(), providers.Query{Country: "FR", NoPaperwork: true})
	require.NoError(t, err)
	assert.Empty(t, none, "NoPaperwork leaves out countries that need documents")
	gb, err := p.Search(t.Context(), providers.Query{Country: "GB", NoPaperwork: true, Limit: 1})
	require.NoError(t, err)
	assert.Len(t, gb, 1, "other countries need nothing")

	fr := offers[0].Number
	_, err = p.Buy(t.Context(), providers.BuyRequest{Number: fr})
	perr := requireRefusal(t, err, providers.ErrPaperwork, "buy")
	assert.Equal(t, "France requires an approved regulatory bundle for this number type", perr.Message)
	_, err = p.Buy(t.Context(), providers.BuyRequest{Number: fr, Regulatory: map[string]string{"bundle": "BU0001"}})
	require.NoError(t, err, "with a bundle")

	de, err := p.Search(t.Context(), providers.Query{Country: "DE", Type: providers.TypeLocal, Limit: 1})
	require.NoError(t, err)
	require.Len(t, de, 1)
	_, err = p.Buy(t.Context(), providers.BuyRequest{Number: de[0].Number})
	perr = requireRefusal(t, err, providers.ErrPaperwork, "buy")
	assert.Equal(t, "Germany requires an address on file for this number type", perr.Message)
	_, err = p.Buy(t.Context(), providers.BuyRequest{Number: de[0].Number, Regulatory: map[string]string{"address": "AD0001"}})
	require.NoError(t, err, "with an address")
}

func TestUnknownNumbers(t *testing.T) {
	p := newSandbox(t, t.TempDir(), nil)
	const id = "SB00000000000000000000000000000000"
	tests := []struct {
		op   string
		call func() error
	}{
		{"get", func() error { _, err := p.Get(t.Context(), id); return err }},
		{"release", func() error { return p.Release(t.Context(), id) }},
		{"forward", func() error { _, err := p.SetForwarding(t.Context(), id, providers.Forwarding{}); return err }},
		{"label", func() error { return p.SetLabel(t.Context(), id, "x") }},
		{"messages", func() error { _, err := p.Messages(t.Context(), id, time.Time{}); return err }},
		{"send", func() error { _, err := p.SendSMS(t.Context(), id, "+12025550100", "hi"); return err }},
		{"deliver", func() error { _, err := p.Deliver(t.Context(), id, "+12025550100", "hi"); return err }},
		{"deliver", func() error { _, err := p.Deliver(t.Context(), "+12025550100", "+12025550101", "hi"); return err }},
	}
	for _, tt := range tests {
		perr := requireRefusal(t, tt.call(), providers.ErrNotFound, tt.op)
		assert.Equal(t, 404, perr.Status)
	}
}

func TestLabels(t *testing.T) {
	p := newSandbox(t, t.TempDir(), nil)
	n := buyOne(t, p, "US", providers.TypeLocal)
	require.NoError(t, p.SetLabel(t.Context(), n.ID, "bank"))
	require.NoError(t, p.SetLabel(t.Context(), n.ID, "dating ❤"))
	got, err := p.Get(t.Context(), n.ID)
	require.NoError(t, err)
	assert.Equal(t, "dating ❤", got.Label)
	require.NoError(t, p.SetLabel(t.Context(), n.ID, ""))
	got, err = p.Get(t.Context(), n.ID)
	require.NoError(t, err)
	assert.Empty(t, got.Label, "label cleared")
	requireRefusal(t, p.SetLabel(t.Context(), n.ID, strings.Repeat("é", 65)), providers.ErrUnsupported, "label")
}

func TestForwarding(t *testing.T) {
	p := newSandbox(t, t.TempDir(), nil)
	local := buyOne(t, p, "US", providers.TypeLocal)
	tollFree := buyOne(t, p, "US", providers.TypeTollFree)

	for _, target := range []string{"0612345678", "+1234", "+447700900123", "+44 20 7946 0123"} {
		_, err := p.SetForwarding(t.Context(), local.ID, providers.Forwarding{Calls: target})
		requireRefusal(t, err, providers.ErrUnsupported, "forward")
	}
	_, err := p.SetForwarding(t.Context(), tollFree.ID, providers.Forwarding{SMS: "+442079460123"})
	requireRefusal(t, err, providers.ErrUnsupported, "forward")

	want := providers.Forwarding{Calls: "+442079460123", SMS: "+33199001234"}
	got, err := p.SetForwarding(t.Context(), local.ID, want)
	require.NoError(t, err)
	assert.Equal(t, want, got.Forward)
	calls := providers.Forwarding{Calls: "+442079460123"}
	got, err = p.SetForwarding(t.Context(), tollFree.ID, calls)
	require.NoError(t, err)
	assert.Equal(t, calls, got.Forward, "toll-free numbers forward calls")

	all, err := p.List(t.Context())
	require.NoError(t, err)
	require.Len(t, all, 2)
	assert.Equal(t, want, all[0].Forward)
	assert.Equal(t, calls, all[1].Forward)
}

func TestMessagesAndDelivery(t *testing.T) {
	p := newSandbox(t, t.TempDir(), nil)
	n := buyOne(t, p, "US", providers.TypeLocal)
	quiet := buyOne(t, p, "US", providers.TypeMobile)
	_, err := p.SetForwarding(t.Context(), n.ID, providers.Forwarding{SMS: "+442079460123"})
	require.NoError(t, err)

	in, err := p.Deliver(t.Context(), "+1 202-555-0100", "+33199001234", "your code is 123456")
	require.NoError(t, err, "delivered by number, as users type it")
	require.Equal(t, n.Number, "+12025550100", "the first US local number")
	assert.Regexp(t, `^SM[0-9a-f]{32}$`, in.ID)
	assert.Equal(t, providers.Message{ID: in.ID, From: "+33199001234", To: n.Number, Text: "your code is 123456",
		ReceivedAt: in.ReceivedAt, Inbound: true}, in)
	fromBank, err := p.Deliver(t.Context(), n.ID, "MyBank", "hello")
	require.NoError(t, err, "delivered by id, from an alphanumeric sender")
	sent, err := p.SendSMS(t.Context(), n.ID, "+33199001234", "thanks")
	require.NoError(t, err)
	assert.Equal(t, providers.Message{ID: sent.ID, From: n.Number, To: "+33199001234", Text: "thanks",
		ReceivedAt: sent.ReceivedAt}, sent)

	msgs, err := p.Messages(t.Context(), n.ID, time.Time{})
	require.NoError(t, err)
	type line struct {
		From, To, Text string
		Inbound        bool
	}
	var got []line
	for _, m := range msgs {
		got = append(got, line{m.From, m.To, m.Text, m.Inbound})
	}
	assert.Equal(t, []line{
		{"+33199001234", n.Number, "your code is 123456", true},
		{n.Number, "+442079460123", "your code is 123456", false}, // the forwarded copy
		{"MyBank", n.Number, "hello", true},
		{n.Number, "+442079460123", "hello", false},
		{n.Number, "+33199001234", "thanks", false},
	}, got, "received, forwarded and sent, oldest first")

	later, err := p.Messages(t.Context(), n.ID, fromBank.ReceivedAt)
	require.NoError(t, err)
	assert.Len(t, later, 3, "since is inclusive")

	none, err := p.Messages(t.Context(), quiet.ID, time.Time{})
	require.NoError(t, err)
	assert.Empty(t, none, "another number's messages are its own")

	// A number released takes its messages with it: whoever buys it next starts afresh.
	require.NoError(t, p.Release(t.Context(), n.ID))
	again, err := p.Buy(t.Context(), providers.BuyRequest{Number: n.Number})
	require.NoError(t, err)
	msgs, err = p.Messages(t.Context(), again.ID, time.Time{})
	require.NoError(t, err)
	assert.Empty(t, msgs)
}

func TestMessagesRefused(t *testing.T) {
	p := newSandbox(t, t.TempDir(), nil)
	n := buyOne(t, p, "US", providers.TypeLocal)
	tollFree := buyOne(t, p, "US", providers.TypeTollFree)
	tests := []struct {
		name string
		op   string
		call func() error
	}{
		{"deliver from nonsense", "deliver", func() error {
			_, err := p.Deliver(t.Context(), n.ID, "not a sender!", "hi")
			return err
		}},
		{"deliver nothing", "deliver", func() error { _, err := p.Deliver(t.Context(), n.ID, "+33199001234", ""); return err }},
		{"deliver too much", "deliver", func() error {
			_, err := p.Deliver(t.Context(), n.ID, "+33199001234", strings.Repeat("a", 1601))
			return err
		}},
		{"deliver to a toll-free number", "deliver", func() error {
			_, err := p.Deliver(t.Context(), tollFree.ID, "+33199001234", "hi")
			return err
		}},
		{"send to a non-number", "send", func() error { _, err := p.SendSMS(t.Context(), n.ID, "12345", "hi"); return err }},
		{"send nothing", "send", func() error { _, err := p.SendSMS(t.Context(), n.ID, "+33199001234", ""); return err }},
		{"send from a toll-free number", "send", func() error {
			_, err := p.SendSMS(t.Context(), tollFree.ID, "+33199001234", "hi")
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			requireRefusal(t, tt.call(), providers.ErrUnsupported, tt.op)
		})
	}
	msgs, err := p.Messages(t.Context(), n.ID, time.Time{})
	require.NoError(t, err)
	assert.Empty(t, msgs, "nothing recorded")
}

func TestVerify(t *testing.T) {
	dir := t.TempDir()
	p := newSandbox(t, dir, nil)
	account, err := p.Verify(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "sandbox", account)
}

func TestDescriptor(t *testing.T) {
	d := sandbox.Descriptor()
	assert.Equal(t, "sandbox", d.Name)
	assert.NotEmpty(t, d.Description)
	assert.Empty(t, d.Auth, "the sandbox needs no credentials")
	var env []string
	for _, v := range d.Env {
		env = append(env, v.Name)
	}
	assert.Equal(t, []string{sandbox.EnvLatency, sandbox.EnvFail, sandbox.EnvApproval, sandbox.EnvPaperwork, sandbox.EnvSMSForwarding, sandbox.EnvDir}, env)
	assert.Equal(t, providers.Capabilities{
		ForwardCalls: true, ForwardSMS: true, ReadSMS: true, SendSMS: true, Labels: true, AsyncOrders: true,
		BlockCalls: true, Voicemail: true, CallLog: true, CallsVia: "simulated: vnum sandbox call",
	}, d.Capabilities)

	p, err := d.New(providers.Settings{DataDir: t.TempDir(), Env: func(string) string { return "" }})
	require.NoError(t, err)
	assert.Equal(t, "sandbox", p.Name())
	assert.Equal(t, d.Capabilities, p.Capabilities())
	require.NoError(t, p.(*sandbox.Provider).Close())

	p, err = d.New(providers.Settings{DataDir: t.TempDir(), Env: func(k string) string {
		return map[string]string{sandbox.EnvFail: "buy:boom"}[k]
	}})
	require.Error(t, err)
	assert.Nil(t, p, "a failed construction returns a nil Provider, not a nil *Provider in an interface")
}
