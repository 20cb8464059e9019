package vonage

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vnum-cli/vnum/internal/webhook"
)

// Vonage's Python SDK test vector (test_check_signature): these parameters with the secret
// "secret" sign, md5hash, to 6af838ef94998832dbfc29020b564830.
func TestSignMatchesVonageVector(t *testing.T) {
	p := map[string]string{"a": "1", "b": "2", "timestamp": "1461605396"}
	if got := Sign("secret", MD5Hash, p); got != "6af838ef94998832dbfc29020b564830" {
		t.Fatalf("Sign = %s, want Vonage's vector", got)
	}
	p["sig"] = "6AF838EF94998832DBFC29020B564830" // compared case-insensitively
	if !New("secret").match(p, p["sig"]) {
		t.Fatal("Vonage's vector (upper case) does not verify")
	}
}

func sms(now time.Time) map[string]string {
	return map[string]string{
		"msisdn": "447700900001", "to": "447700900002", "messageId": "0A0000001234567B", "text": "Your code: 482913 & more=yes",
		"type": "text", "keyword": "YOUR", "message-timestamp": "2026-12-03 08:59:59",
		"timestamp": strconv.FormatInt(now.Unix(), 10), "nonce": "abc",
	}
}

func signed(p map[string]string, secret string, m Method) map[string]string {
	out := map[string]string{}
	for k, v := range p {
		out[k] = v
	}
	out["sig"] = Sign(secret, m, out)
	return out
}

func TestVerify(t *testing.T) {
	now := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	v := New("s3cret")
	stale := sms(now.Add(-6 * time.Minute))
	changed := signed(sms(now), "s3cret", SHA256)
	changed["text"] = "Your code: 000000"
	tests := []struct {
		name    string
		params  map[string]string
		wantErr error
	}{
		{name: "md5hash", params: signed(sms(now), "s3cret", MD5Hash)},
		{name: "md5 HMAC", params: signed(sms(now), "s3cret", MD5)},
		{name: "sha1 HMAC", params: signed(sms(now), "s3cret", SHA1)},
		{name: "sha256 HMAC", params: signed(sms(now), "s3cret", SHA256)},
		{name: "sha512 HMAC", params: signed(sms(now), "s3cret", SHA512)},
		{name: "unsigned", params: sms(now), wantErr: webhook.ErrUnsigned},
		{name: "other secret", params: signed(sms(now), "other", SHA256), wantErr: webhook.ErrForged},
		{name: "text changed", params: changed, wantErr: webhook.ErrForged},
		{name: "stale", params: signed(stale, "s3cret", SHA256), wantErr: webhook.ErrStale},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := v.Verify(tt.params, now)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			m := res.Inbound.Message
			if m.ID != "0A0000001234567B" || m.From != "+447700900001" || m.To != "+447700900002" ||
				m.Text != "Your code: 482913 & more=yes" || !m.ReceivedAt.Equal(now.Add(-time.Second)) || res.ReplayKey == "" {
				t.Fatalf("got %+v key %q", m, res.ReplayKey)
			}
		})
	}
}

func TestUnsignedAccount(t *testing.T) {
	now := time.Now()
	v := New("")
	if v.Signed() {
		t.Fatal("Signed() with no secret")
	}
	res, err := v.Verify(sms(now), now)
	if err != nil || res.Inbound == nil || res.ReplayKey != "" {
		t.Fatalf("unsigned account: %+v, %v", res, err)
	}
	// The probe Vonage sends when moHttpUrl is set: no parameters, answered, nothing stored.
	for _, verifier := range []*Verifier{New(""), New("s3cret")} {
		res, err := verifier.Verify(map[string]string{}, now)
		if err != nil || res.Inbound != nil {
			t.Fatalf("probe: %+v, %v", res, err)
		}
	}
}

func TestMultipart(t *testing.T) {
	now := time.Now()
	p := sms(now)
	p["concat"], p["concat-ref"], p["concat-part"], p["concat-total"] = "true", "42", "2", "3"
	res, err := New("").Verify(p, now)
	if err != nil || res.Inbound.Part == nil || *res.Inbound.Part != (webhook.Part{Ref: "42", Index: 2, Total: 3}) {
		t.Fatalf("part: %+v, %v", res.Inbound, err)
	}
	p["concat-part"] = "4"
	if _, err := New("").Verify(p, now); !errors.Is(err, webhook.ErrMalformed) {
		t.Fatalf("part 4 of 3: %v, want ErrMalformed", err)
	}
}

func TestParams(t *testing.T) {
	q := url.Values{"msisdn": {"1"}}
	p, err := Params(q, "application/json; charset=utf-8", []byte(`{"to":"2","concat-part":2,"concat":true}`))
	if err != nil || p["msisdn"] != "1" || p["to"] != "2" || p["concat-part"] != "2" || p["concat"] != "true" {
		t.Fatalf("JSON: %v, %v", p, err)
	}
	p, err = Params(nil, "application/x-www-form-urlencoded", []byte("text=a%26b&to=3"))
	if err != nil || p["text"] != "a&b" || p["to"] != "3" {
		t.Fatalf("form: %v, %v", p, err)
	}
	if _, err := Params(nil, "application/json", []byte("{")); !errors.Is(err, webhook.ErrMalformed) {
		t.Fatalf("bad JSON: %v", err)
	}
}

// FuzzVerify: whatever a request carries, a signed account accepts only what the secret signed,
// and nothing panics.
func FuzzVerify(f *testing.F) {
	now := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	good := url.Values{}
	for k, v := range signed(sms(now), "s3cret", SHA256) {
		good.Set(k, v)
	}
	f.Add(good.Encode(), "application/x-www-form-urlencoded")
	forged := url.Values{}
	for k, v := range good {
		forged[k] = v
	}
	forged.Set("sig", strings.Repeat("0", len(good.Get("sig")))) // the right length, the wrong value
	f.Add(forged.Encode(), "application/x-www-form-urlencoded")
	f.Add(`{"msisdn":"1","to":"2","messageId":"x","concat":true,"concat-part":2}`, "application/json")
	v := New("s3cret")
	f.Fuzz(func(t *testing.T, body, contentType string) {
		p, err := Params(nil, contentType, []byte(body))
		if err != nil {
			return
		}
		res, err := v.Verify(p, now)
		if err != nil || len(p) == 0 {
			return
		}
		// Accepted: sig must be what one of Vonage's methods gives for these parameters. The
		// oracle is Sign, not match, so that a fault in match's decoding or comparison shows.
		for _, m := range []Method{MD5Hash, MD5, SHA1, SHA256, SHA512} {
			if Sign("s3cret", m, p) == strings.ToLower(p["sig"]) {
				return
			}
		}
		t.Fatalf("accepted a request no method signs: %+v", res)
	})
}
