package twilio_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/providers"
)

// A Twilio number's inbound SMS URL is its SmsUrl; vnum serve does not take the SMS of a number
// vnum's own Studio flow forwards.
func TestSMSWebhook(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, f)
	n := buyOne(t, p, "US", providers.TypeLocal, "shop")
	const mine, route = "https://example.com/my-sms", "https://vnum.example.org/hooks/0123/twilio"
	setWebhooks(t, f, n.ID, "", mine)

	url, err := p.SMSWebhook(t.Context(), n.ID)
	require.NoError(t, err)
	assert.Equal(t, mine, url)
	require.NoError(t, p.SetSMSWebhook(t.Context(), n.ID, route))
	st, _ := f.Number(n.ID)
	assert.Equal(t, route, st.SmsURL)
	require.NoError(t, p.SetSMSWebhook(t.Context(), n.ID, mine))
	st, _ = f.Number(n.ID)
	assert.Equal(t, mine, st.SmsURL)

	// SMS forwarded by vnum's flow: not serve's to take, nor to change.
	_, err = p.SetForwarding(t.Context(), n.ID, providers.Forwarding{Calls: "+33612345678", SMS: "+33612345678"})
	require.NoError(t, err)
	_, err = p.SMSWebhook(t.Context(), n.ID)
	require.ErrorIs(t, err, providers.ErrUnsupported)
	require.ErrorIs(t, p.SetSMSWebhook(t.Context(), n.ID, route), providers.ErrUnsupported)
	st, _ = f.Number(n.ID)
	assert.Contains(t, st.SmsURL, "/Flows/FW", "the flow keeps the SMS")

	// Calls alone forwarded: the SMS URL is free.
	_, err = p.SetForwarding(t.Context(), n.ID, providers.Forwarding{Calls: "+33612345678"})
	require.NoError(t, err)
	require.NoError(t, p.SetSMSWebhook(t.Context(), n.ID, route))
	st, _ = f.Number(n.ID)
	assert.Equal(t, route, st.SmsURL)
	assert.Contains(t, st.VoiceURL, "/Flows/FW")

	_, err = p.SMSWebhook(t.Context(), "PN00000000000000000000000000000000")
	require.ErrorIs(t, err, providers.ErrNotFound)
}
