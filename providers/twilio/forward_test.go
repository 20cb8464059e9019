package twilio_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/providers"
	faketwilio "github.com/vnum-cli/vnum/providers/twilio/twiliotest"
)

// setWebhooks plays the user setting a number's webhooks in the Twilio console.
func setWebhooks(t *testing.T, f *faketwilio.Fake, sid, voice, sms string) {
	t.Helper()
	form := url.Values{"VoiceUrl": {voice}, "SmsUrl": {sms}}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost,
		f.URL+"/2010-04-01/Accounts/"+f.AccountSID+"/IncomingPhoneNumbers/"+sid+".json", strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.SetBasicAuth(f.AccountSID, f.AuthToken)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusOK, resp.StatusCode)
}

// Forwarding takes only the channels it forwards, and turning it off gives the number back the
// webhooks the user had before, with no flow left behind.
func TestForwardRestoresTheUsersWebhooks(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, f)
	n := buyOne(t, p, "US", providers.TypeLocal, "shop")
	const voice, sms = "https://example.com/my-voice", "https://example.com/my-sms"
	setWebhooks(t, f, n.ID, voice, sms)

	_, err := p.SetForwarding(t.Context(), n.ID, providers.Forwarding{Calls: "+33612345678"})
	require.NoError(t, err)
	st, _ := f.Number(n.ID)
	assert.Contains(t, st.VoiceURL, "/Flows/FW", "calls go to the flow")
	assert.Equal(t, sms, st.SmsURL, "SMS are not forwarded: the user's webhook stays")

	_, err = p.SetForwarding(t.Context(), n.ID, providers.Forwarding{Calls: "+33612345678", SMS: "+33612345678"})
	require.NoError(t, err)
	st, _ = f.Number(n.ID)
	assert.Equal(t, st.VoiceURL, st.SmsURL, "both channels on the one flow")
	require.Len(t, f.Flows(), 1)

	_, err = p.SetForwarding(t.Context(), n.ID, providers.Forwarding{Calls: "+33612345678"})
	require.NoError(t, err)
	st, _ = f.Number(n.ID)
	assert.Equal(t, sms, st.SmsURL, "SMS forwarding off: the user's SMS webhook is back")

	_, err = p.SetForwarding(t.Context(), n.ID, providers.Forwarding{})
	require.NoError(t, err)
	st, _ = f.Number(n.ID)
	assert.Equal(t, voice, st.VoiceURL)
	assert.Equal(t, sms, st.SmsURL)
	assert.Empty(t, f.Flows(), "the flow is deleted")
}

// Turning off forwarding that vnum never set changes nothing on the number: no request that
// would blank the user's webhooks.
func TestForwardOffLeavesOtherWebhooksAlone(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, f)
	n := buyOne(t, p, "US", providers.TypeLocal, "")
	const voice = "https://example.com/my-voice"
	setWebhooks(t, f, n.ID, voice, "https://example.com/my-sms")
	f.ResetCounts()

	_, err := p.SetForwarding(t.Context(), n.ID, providers.Forwarding{})
	require.NoError(t, err)
	assert.Zero(t, f.Hits(faketwilio.RouteUpdateNumber))
	st, _ := f.Number(n.ID)
	assert.Equal(t, voice, st.VoiceURL)
}

// A flow whose creation answer was lost is taken up by the next forward, and a release removes
// it even though the number never pointed at it: no flow is left behind on the account.
func TestLostFlowCreationLeavesNoFlowBehind(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, f)
	n := buyOne(t, p, "US", providers.TypeLocal, "")
	f.Inject(faketwilio.RouteCreateFlow, faketwilio.Fault{Drop: faketwilio.DropAfter})
	_, err := p.SetForwarding(t.Context(), n.ID, providers.Forwarding{Calls: "+33612345678"})
	require.Error(t, err)
	require.Len(t, f.Flows(), 1, "Twilio made the flow; vnum never heard back")

	_, err = p.SetForwarding(t.Context(), n.ID, providers.Forwarding{Calls: "+33612345678"})
	require.NoError(t, err)
	assert.Len(t, f.Flows(), 1, "the lost flow is reused, not doubled")
	st, _ := f.Number(n.ID)
	assert.Contains(t, st.VoiceURL, f.Flows()[0].SID)

	n2 := buyOne(t, p, "US", providers.TypeLocal, "")
	f.Inject(faketwilio.RouteCreateFlow, faketwilio.Fault{Drop: faketwilio.DropAfter})
	_, err = p.SetForwarding(t.Context(), n2.ID, providers.Forwarding{Calls: "+33612345678"})
	require.Error(t, err)
	require.Len(t, f.Flows(), 2)
	require.NoError(t, p.Release(t.Context(), n2.ID))
	assert.Len(t, f.Flows(), 1, "released with its orphan flow")
}

// The number's update is done but its answer is lost: the new flow is kept, since the number
// points at it, and the forwarding is in place; with the update refused, the flow is rolled back.
func TestForwardUpdateWithLostAnswer(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, f)
	n := buyOne(t, p, "US", providers.TypeLocal, "")
	f.Inject(faketwilio.RouteUpdateNumber, faketwilio.Fault{Drop: faketwilio.DropAfter})
	got, err := p.SetForwarding(t.Context(), n.ID, providers.Forwarding{Calls: "+33612345678"})
	require.NoError(t, err)
	assert.Equal(t, "+33612345678", got.Forward.Calls)
	require.Len(t, f.Flows(), 1)
	st, _ := f.Number(n.ID)
	assert.Contains(t, st.VoiceURL, f.Flows()[0].SID, "the number's calls reach a flow that exists")

	n2 := buyOne(t, p, "US", providers.TypeLocal, "")
	f.Inject(faketwilio.RouteUpdateNumber, faketwilio.Fault{Status: 400, Code: 21201, Message: "invalid"})
	_, err = p.SetForwarding(t.Context(), n2.ID, providers.Forwarding{Calls: "+33612345678"})
	require.Error(t, err)
	assert.Len(t, f.Flows(), 1, "the refused change's flow is rolled back")
}
