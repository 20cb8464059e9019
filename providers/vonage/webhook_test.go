package vonage_test

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// vnum serve points a number's inbound SMS at itself and puts the old URL back later; nothing
// else on the number changes.
func TestSMSWebhook(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, f)
	msisdn := f.Seed("GB", "mobile-lvn", 1)[0]
	require.True(t, f.Configure(msisdn, map[string]string{"moHttpUrl": "https://old.example/in",
		"voiceCallbackType": "tel", "voiceCallbackValue": "447700900123"}))

	got, err := p.SMSWebhook(t.Context(), msisdn)
	require.NoError(t, err)
	require.Equal(t, "https://old.example/in", got)

	require.NoError(t, p.SetSMSWebhook(t.Context(), msisdn, "https://vnum.example/hooks/x/vonage"))
	n := f.Numbers()[0]
	require.Equal(t, "https://vnum.example/hooks/x/vonage", n.MoHTTPURL)
	require.Equal(t, "447700900123", n.VoiceCallbackValue, "the rest of the configuration is kept")

	require.NoError(t, p.SetSMSWebhook(t.Context(), msisdn, got))
	require.Equal(t, "https://old.example/in", f.Numbers()[0].MoHTTPURL)

	require.Error(t, p.SetSMSWebhook(t.Context(), "447700900999", "https://x.example"), "a number not owned")
}
