package twilio

import (
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/vnum-cli/vnum/internal/webhook"
)

// Twilio's published example (twilio-go client/request_validator_test.go): token 12345, this URL
// and these parameters sign to vOEb5UThFn24KEfnOFLQY2AE5FY=.
const (
	knownURL = "https://mycompany.com/myapp.php?foo=1&bar=2"
	knownSig = "vOEb5UThFn24KEfnOFLQY2AE5FY="
)

func knownForm() url.Values {
	return url.Values{"Digits": {"1234"}, "CallSid": {"CA1234567890ABCDE"}, "To": {"+18005551212"},
		"Caller": {"+14158675309"}, "From": {"+14158675309"}, "ReasonConferenceEnded": {"test"}, "Reason": {"Participant"}}
}

func TestSignMatchesTwilioVector(t *testing.T) {
	if got := Sign("12345", knownURL, knownForm()); got != knownSig {
		t.Fatalf("Sign = %s, want Twilio's %s", got, knownSig)
	}
}

func TestVerify(t *testing.T) {
	now := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	v, err := New("12345")
	if err != nil {
		t.Fatal(err)
	}
	sms := url.Values{"MessageSid": {"SM123"}, "From": {"+14158675309"}, "To": {"+18005551212"}, "Body": {"code 482913"}}
	const hook = "https://vnum.example/hooks/abc/twilio"
	tests := []struct {
		name    string
		url     string
		form    url.Values
		sig     string
		wantErr error
		wantID  string
	}{
		{name: "Twilio's vector, not an SMS", url: knownURL, form: knownForm(), sig: knownSig},
		{name: "signed SMS", url: hook, form: sms, sig: Sign("12345", hook, sms), wantID: "SM123"},
		{name: "unsigned", url: hook, form: sms, sig: "", wantErr: webhook.ErrUnsigned},
		{name: "other token", url: hook, form: sms, sig: Sign("54321", hook, sms), wantErr: webhook.ErrForged},
		{name: "other URL", url: hook + "x", form: sms, sig: Sign("12345", hook, sms), wantErr: webhook.ErrForged},
		{name: "body changed", url: hook, form: url.Values{"MessageSid": {"SM123"}, "To": {"+18005551212"}, "Body": {"code 000000"}},
			sig: Sign("12345", hook, sms), wantErr: webhook.ErrForged},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := v.Verify(tt.url, []byte(tt.form.Encode()), tt.sig, now)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if tt.wantID == "" {
				if res.Inbound != nil {
					t.Fatalf("Inbound = %+v, want none", res.Inbound)
				}
				return
			}
			m := res.Inbound.Message
			if m.ID != tt.wantID || m.Text != "code 482913" || m.To != "+18005551212" || !m.ReceivedAt.Equal(now) || res.ReplayKey == "" {
				t.Fatalf("got %+v key %q", m, res.ReplayKey)
			}
		})
	}
}

func TestNewNeedsToken(t *testing.T) {
	if _, err := New(""); err == nil {
		t.Fatal("New(\"\") accepted an empty Auth Token")
	}
}
