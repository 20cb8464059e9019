// Package twilio verifies Twilio's SMS webhooks: X-Twilio-Signature, an HMAC-SHA1 with the
// account's primary Auth Token over the URL Twilio was given and the form parameters sorted by
// name. The check itself is twilio-go's client.RequestValidator; this package adds the parsing
// and, for tests and the sandbox, the signing.
package twilio

import (
	"crypto/hmac"
	"crypto/sha1" // Twilio signs with HMAC-SHA1; as an HMAC, SHA-1 is still sound
	"encoding/base64"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/twilio/twilio-go/client"

	"github.com/vnum-cli/vnum/internal/webhook"
	"github.com/vnum-cli/vnum/providers"
)

// SignatureHeader is the header Twilio signs its requests in.
const SignatureHeader = "X-Twilio-Signature"

// Verifier checks requests with one account's Auth Token.
type Verifier struct {
	rv client.RequestValidator
}

// New returns a verifier for the account whose primary Auth Token is authToken. The token is
// needed even when vnum's REST calls use an API key: Twilio always signs with the token.
func New(authToken string) (*Verifier, error) {
	if authToken == "" {
		return nil, fmt.Errorf("twilio webhook: no Auth Token")
	}
	return &Verifier{rv: client.NewRequestValidator(authToken)}, nil
}

// Verify checks a form POST to fullURL (the URL exactly as Twilio was given it: scheme, host,
// path and query) with body and the X-Twilio-Signature value sig, and returns the SMS it
// carries. now stamps the message: Twilio's webhook has no time of its own.
func (v *Verifier) Verify(fullURL string, body []byte, sig string, now time.Time) (webhook.Result, error) {
	if sig == "" {
		return webhook.Result{}, webhook.ErrUnsigned
	}
	if !v.rv.ValidateBody(fullURL, body, sig) {
		return webhook.Result{}, webhook.ErrForged
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return webhook.Result{}, fmt.Errorf("%w: %v", webhook.ErrMalformed, err)
	}
	res := webhook.Result{ReplayKey: "twilio:" + sig}
	id := form.Get("MessageSid")
	if id == "" {
		id = form.Get("SmsSid")
	}
	if id == "" {
		return res, nil // a call or status callback: nothing to store
	}
	to := form.Get("To")
	if to == "" {
		return webhook.Result{}, fmt.Errorf("%w: an SMS without To", webhook.ErrMalformed)
	}
	res.Inbound = &webhook.Inbound{Message: providers.Message{
		ID: id, From: form.Get("From"), To: to, Text: form.Get("Body"), ReceivedAt: now.UTC(), Inbound: true,
	}}
	return res, nil
}

// Sign computes the X-Twilio-Signature of a form POST of form to fullURL with authToken, as
// Twilio does: for tests and for vnum playing carrier.
func Sign(authToken, fullURL string, form url.Values) string {
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(fullURL)
	for _, k := range keys {
		b.WriteString(k)
		b.WriteString(form.Get(k))
	}
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}
