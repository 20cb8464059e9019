// Package telnyx verifies Telnyx's API v2 webhooks: an Ed25519 signature
// (telnyx-signature-ed25519, base64) over "timestamp|raw body" (telnyx-timestamp, unix seconds),
// with the account's public key, within webhook.Tolerance of the server's clock, as Telnyx's
// own SDKs check it.
package telnyx

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/vnum-cli/vnum/internal/webhook"
	"github.com/vnum-cli/vnum/providers"
)

// Headers Telnyx signs its requests with.
const (
	SignatureHeader = "Telnyx-Signature-Ed25519"
	TimestampHeader = "Telnyx-Timestamp"
)

// EnvPublicKey is the variable Telnyx's SDKs read the account's public key from.
const EnvPublicKey = "TELNYX_PUBLIC_KEY"

// spkiPrefix is the DER header of an Ed25519 SubjectPublicKeyInfo: some users copy the key in
// that form, which Telnyx's Ruby SDK accepts too.
var spkiPrefix = []byte{0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00}

// ParsePublicKey reads the account's public key as Mission Control shows it: base64 of the raw
// 32 bytes (or of the SPKI DER form). Its error never quotes the value.
func ParsePublicKey(s string) (ed25519.PublicKey, error) {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil {
		return nil, fmt.Errorf("telnyx public key: not base64")
	}
	raw = bytes.TrimPrefix(raw, spkiPrefix)
	if len(raw) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("telnyx public key: %d bytes, want %d", len(raw), ed25519.PublicKeySize)
	}
	return ed25519.PublicKey(raw), nil
}

// Verifier checks requests with one account's public key. It is safe for concurrent use.
//
// Each signature is checked by crypto/ed25519 alone. Batch verification was tried: it saved
// about a tenth of a webhook's CPU on 2 cores, too little for a verification path of vnum's own
// beside the standard library's (whose rules on non-canonical and small-order values a batch
// equation does not share).
type Verifier struct {
	key ed25519.PublicKey
}

// New returns a verifier for key.
func New(key ed25519.PublicKey) *Verifier { return &Verifier{key: key} }

// Verify checks body against the signature and timestamp header values at time now and returns
// the SMS of a message.received event (none for other events).
func (v *Verifier) Verify(body []byte, sig, ts string, now time.Time) (webhook.Result, error) {
	key, err := v.Check(body, sig, ts, now)
	if err != nil {
		return webhook.Result{}, err
	}
	res := webhook.Result{ReplayKey: key}
	in, err := parse(body)
	if err != nil {
		return webhook.Result{}, err
	}
	res.Inbound = in
	return res, nil
}

// Check checks the signature and timestamp of any Telnyx request over its raw body (a JSON
// event, or a TeXML application's form post) and returns the key a replay of it is known by.
func (v *Verifier) Check(body []byte, sig, ts string, now time.Time) (replayKey string, err error) {
	if sig == "" || ts == "" {
		return "", webhook.ErrUnsigned
	}
	raw, err := base64.StdEncoding.DecodeString(sig)
	if err != nil || len(raw) != ed25519.SignatureSize {
		return "", webhook.ErrForged
	}
	signed := make([]byte, 0, len(ts)+1+len(body))
	signed = append(append(append(signed, ts...), '|'), body...)
	if !ed25519.Verify(v.key, signed, raw) {
		return "", webhook.ErrForged
	}
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return "", webhook.ErrStale
	}
	if err := webhook.CheckTime(time.Unix(secs, 0), now); err != nil {
		return "", err
	}
	return "telnyx:" + sig, nil
}

type event struct {
	Data struct {
		EventType string `json:"event_type"`
		Payload   struct {
			ID         string    `json:"id"`
			Direction  string    `json:"direction"`
			Text       string    `json:"text"`
			ReceivedAt time.Time `json:"received_at"`
			From       struct {
				PhoneNumber string `json:"phone_number"`
			} `json:"from"`
			To []struct {
				PhoneNumber string `json:"phone_number"`
			} `json:"to"`
		} `json:"payload"`
	} `json:"data"`
}

func parse(body []byte) (*webhook.Inbound, error) {
	var e event
	if err := json.Unmarshal(body, &e); err != nil {
		return nil, fmt.Errorf("%w: %v", webhook.ErrMalformed, err)
	}
	if e.Data.EventType != "message.received" {
		return nil, nil // message.sent, message.finalized, call events: nothing to store
	}
	p := e.Data.Payload
	if p.ID == "" || len(p.To) == 0 || p.To[0].PhoneNumber == "" {
		return nil, fmt.Errorf("%w: message.received without id or to", webhook.ErrMalformed)
	}
	return &webhook.Inbound{Message: providers.Message{
		ID: p.ID, From: p.From.PhoneNumber, To: p.To[0].PhoneNumber, Text: p.Text,
		ReceivedAt: p.ReceivedAt.UTC(), Inbound: true,
	}}, nil
}

// Sign returns the header values Telnyx would send with body at time at, signed with priv: for
// tests and for vnum playing carrier.
func Sign(priv ed25519.PrivateKey, body []byte, at time.Time) (sig, ts string) {
	ts = strconv.FormatInt(at.Unix(), 10)
	msg := append([]byte(ts+"|"), body...)
	return base64.StdEncoding.EncodeToString(ed25519.Sign(priv, msg)), ts
}
