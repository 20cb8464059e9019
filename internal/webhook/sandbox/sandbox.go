// Package sandbox verifies the webhooks vnum's sandbox carrier sends to `vnum serve` (`vnum
// sandbox receive` playing carrier): a form (id, from, to, text, received_at) signed with
// HMAC-SHA256 over "timestamp.body" with the secret kept beside serve's path secret, in the
// Vnum-Signature header as "t=<unix>,v1=<hex>".
package sandbox

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/vnum-cli/vnum/internal/webhook"
	"github.com/vnum-cli/vnum/providers"
)

// SignatureHeader carries the signature.
const SignatureHeader = "Vnum-Signature"

// Verifier checks requests with the local secret.
type Verifier struct {
	secret []byte
}

// New returns a verifier for secret.
func New(secret []byte) *Verifier { return &Verifier{secret: secret} }

// Verify checks body against the Vnum-Signature value header at time now.
func (v *Verifier) Verify(body []byte, header string, now time.Time) (webhook.Result, error) {
	ts, sig := "", ""
	for _, f := range strings.Split(header, ",") {
		k, val, _ := strings.Cut(strings.TrimSpace(f), "=")
		switch k {
		case "t":
			ts = val
		case "v1":
			sig = val
		}
	}
	if ts == "" || sig == "" {
		return webhook.Result{}, webhook.ErrUnsigned
	}
	got, err := hex.DecodeString(sig)
	if err != nil || !hmac.Equal(got, mac(v.secret, ts, body)) {
		return webhook.Result{}, webhook.ErrForged
	}
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return webhook.Result{}, webhook.ErrStale
	}
	if err := webhook.CheckTime(time.Unix(secs, 0), now); err != nil {
		return webhook.Result{}, err
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return webhook.Result{}, fmt.Errorf("%w: %v", webhook.ErrMalformed, err)
	}
	at, err := time.Parse(time.RFC3339Nano, form.Get("received_at"))
	if err != nil || form.Get("id") == "" || form.Get("to") == "" {
		return webhook.Result{}, fmt.Errorf("%w: an SMS needs id, to and received_at", webhook.ErrMalformed)
	}
	return webhook.Result{ReplayKey: "sandbox:" + sig, Inbound: &webhook.Inbound{Message: providers.Message{
		ID: form.Get("id"), From: form.Get("from"), To: form.Get("to"), Text: form.Get("text"),
		ReceivedAt: at.UTC(), Inbound: true,
	}}}, nil
}

// Body is the form the sandbox sends for m.
func Body(m providers.Message) []byte {
	return []byte(url.Values{
		"id": {m.ID}, "from": {m.From}, "to": {m.To}, "text": {m.Text},
		"received_at": {m.ReceivedAt.UTC().Format(time.RFC3339Nano)},
	}.Encode())
}

// Sign returns the Vnum-Signature value for body at time at.
func Sign(secret, body []byte, at time.Time) string {
	ts := strconv.FormatInt(at.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret []byte, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts))
	m.Write([]byte("."))
	m.Write(body)
	return m.Sum(nil)
}
