package telnyx

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"testing"
	"time"

	"github.com/vnum-cli/vnum/internal/webhook"
)

// A fixed key and the signature OpenSSL gives for "timestamp|body" with it (Ed25519 is
// deterministic): the PKCS#8 form of the seed, then `openssl pkeyutl -sign -rawin`.
var (
	seed      = []byte("vnum-telnyx-test-seed-32-bytes!!")
	knownBody = []byte(`{"data":{"event_type":"message.received","id":"ev1","payload":{"id":"msg-1","direction":"inbound","text":"Your code is 482913","received_at":"2026-12-03T08:59:58.5Z","from":{"phone_number":"+13125550001"},"to":[{"phone_number":"+13125550002"}]}},"meta":{"attempt":1}}`)
)

const (
	knownTS  = "1796288400" // 2026-12-03T09:00:00Z
	knownSig = "H6uRnmQz/fzpCfWlt0Ai8y8KcDF1+YMNZ4T+TAy5QcOTnLSj+vJgWg6CMKg5fuGpmaeIvbN1PGTKIc0NPdgsCw=="
)

func key(t *testing.T) (ed25519.PrivateKey, *Verifier) {
	t.Helper()
	priv := ed25519.NewKeyFromSeed(seed)
	pub, err := ParsePublicKey(base64.StdEncoding.EncodeToString(priv.Public().(ed25519.PublicKey)))
	if err != nil {
		t.Fatal(err)
	}
	return priv, New(pub)
}

func TestVerify(t *testing.T) {
	priv, v := key(t)
	now := time.Unix(1796288400, 0)
	other := ed25519.NewKeyFromSeed([]byte("another-seed-another-seed-32byte"))
	sig, ts := Sign(priv, knownBody, now)
	if sig != knownSig || ts != knownTS {
		t.Fatalf("Sign = %s %s, want the known vector %s %s", sig, ts, knownSig, knownTS)
	}
	otherSig, _ := Sign(other, knownBody, now)
	oldSig, oldTS := Sign(priv, knownBody, now.Add(-6*time.Minute))
	futSig, futTS := Sign(priv, knownBody, now.Add(6*time.Minute))
	tests := []struct {
		name     string
		body     []byte
		sig, ts  string
		wantErr  error
		wantText string
	}{
		{name: "known vector", body: knownBody, sig: knownSig, ts: knownTS, wantText: "Your code is 482913"},
		{name: "4 minutes old", body: knownBody, sig: func() string { s, _ := Sign(priv, knownBody, now.Add(-4*time.Minute)); return s }(),
			ts: "1796288160", wantText: "Your code is 482913"},
		{name: "unsigned", body: knownBody, sig: "", ts: knownTS, wantErr: webhook.ErrUnsigned},
		{name: "no timestamp", body: knownBody, sig: knownSig, ts: "", wantErr: webhook.ErrUnsigned},
		{name: "other key", body: knownBody, sig: otherSig, ts: knownTS, wantErr: webhook.ErrForged},
		{name: "body changed", body: append([]byte(nil), append(knownBody[:len(knownBody)-1:len(knownBody)-1], ' ', '}')...), sig: knownSig, ts: knownTS, wantErr: webhook.ErrForged},
		{name: "timestamp changed", body: knownBody, sig: knownSig, ts: "1796288401", wantErr: webhook.ErrForged},
		{name: "not base64", body: knownBody, sig: "!!", ts: knownTS, wantErr: webhook.ErrForged},
		{name: "stale", body: knownBody, sig: oldSig, ts: oldTS, wantErr: webhook.ErrStale},
		{name: "from the future", body: knownBody, sig: futSig, ts: futTS, wantErr: webhook.ErrStale},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := v.Verify(tt.body, tt.sig, tt.ts, now)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			m := res.Inbound.Message
			if m.Text != tt.wantText || m.ID != "msg-1" || m.From != "+13125550001" || m.To != "+13125550002" ||
				!m.ReceivedAt.Equal(time.Date(2026, 12, 3, 8, 59, 58, 5e8, time.UTC)) || res.ReplayKey != "telnyx:"+tt.sig {
				t.Fatalf("got %+v key %q", m, res.ReplayKey)
			}
		})
	}
}

func TestOtherEventsCarryNothing(t *testing.T) {
	priv, v := key(t)
	now := time.Now()
	body := []byte(`{"data":{"event_type":"message.finalized","payload":{"id":"m2"}}}`)
	sig, ts := Sign(priv, body, now)
	res, err := v.Verify(body, sig, ts, now)
	if err != nil || res.Inbound != nil {
		t.Fatalf("message.finalized: %+v, %v; want nothing to store", res.Inbound, err)
	}
}

func TestParsePublicKey(t *testing.T) {
	priv := ed25519.NewKeyFromSeed(seed)
	raw := priv.Public().(ed25519.PublicKey)
	spki := append(append([]byte(nil), spkiPrefix...), raw...)
	for _, s := range []string{base64.StdEncoding.EncodeToString(raw), base64.StdEncoding.EncodeToString(spki)} {
		k, err := ParsePublicKey(s)
		if err != nil || !k.Equal(raw) {
			t.Fatalf("ParsePublicKey: %v", err)
		}
	}
	for _, s := range []string{"", "not base64!", base64.StdEncoding.EncodeToString(raw[:31])} {
		if _, err := ParsePublicKey(s); err == nil {
			t.Fatalf("ParsePublicKey(%q) accepted a bad key", s)
		}
	}
}

func FuzzVerify(f *testing.F) {
	f.Add(knownBody, knownSig, knownTS)
	priv := ed25519.NewKeyFromSeed(seed)
	v := New(priv.Public().(ed25519.PublicKey))
	now := time.Unix(1796288400, 0)
	f.Fuzz(func(t *testing.T, body []byte, sig, ts string) {
		res, err := v.Verify(body, sig, ts, now)
		if err == nil && string(body) != string(knownBody) {
			t.Fatalf("accepted a body the key never signed: %+v", res)
		}
	})
}
