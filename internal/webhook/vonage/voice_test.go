package vonage

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vnum-cli/vnum/internal/webhook"
)

// hs256 builds a token by hand, independently of SignVoice, so the verifier is checked against
// the JWT format itself (RFC 7519: base64url header.claims, HMAC-SHA256 over both).
func hs256(t testing.TB, secret, alg string, claims map[string]any) string {
	t.Helper()
	enc := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	signing := enc(map[string]string{"alg": alg, "typ": "JWT"}) + "." + enc(claims)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(signing))
	return "Bearer " + signing + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func hexSum(b []byte) string {
	s := sha256.Sum256(b)
	return strings.ToUpper(hex.EncodeToString(s[:])) // Vonage's hash compared case-insensitively
}

func TestVerifyVoice(t *testing.T) {
	now := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	body := []byte(`{"from":"447700900001","to":"447700900002","uuid":"aaaa","conversation_uuid":"CON-1","status":"ringing"}`)
	claims := func(iat time.Time, hash string) map[string]any {
		return map[string]any{"iat": iat.Unix(), "jti": "j1", "iss": "Vonage", "payload_hash": hash,
			"application_id": "app-1", "api_key": "abcd1234"}
	}
	good := hs256(t, "s3cret", "HS256", claims(now.Add(-time.Minute), hexSum(body)))
	noIat := claims(now, hexSum(body))
	delete(noIat, "iat")
	signedByLib, err := SignVoice("s3cret", "app-1", "abcd1234", "j2", body, now)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		auth    string
		body    []byte
		wantErr error
	}{
		{name: "signed", auth: good, body: body},
		{name: "SignVoice", auth: signedByLib, body: body},
		{name: "scheme in lower case", auth: "bearer " + strings.TrimPrefix(good, "Bearer "), body: body},
		{name: "no header", auth: "", body: body, wantErr: webhook.ErrUnsigned},
		{name: "basic auth", auth: "Basic YTpi", body: body, wantErr: webhook.ErrUnsigned},
		{name: "other secret", auth: hs256(t, "other", "HS256", claims(now, hexSum(body))), body: body, wantErr: webhook.ErrForged},
		{name: "body changed", auth: good, body: []byte(strings.Replace(string(body), "447700900001", "447700900009", 1)), wantErr: webhook.ErrForged},
		{name: "no payload hash", auth: hs256(t, "s3cret", "HS256", claims(now, "")), body: body, wantErr: webhook.ErrForged},
		{name: "alg none", auth: "Bearer " + strings.Join(strings.Split(strings.TrimPrefix(hs256(t, "s3cret", "none", claims(now, hexSum(body))), "Bearer "), ".")[:2], ".") + ".", body: body, wantErr: webhook.ErrForged},
		{name: "HS512", auth: hs256(t, "s3cret", "HS512", claims(now, hexSum(body))), body: body, wantErr: webhook.ErrForged},
		{name: "garbage", auth: "Bearer not.a.token", body: body, wantErr: webhook.ErrForged},
		{name: "no iat", auth: hs256(t, "s3cret", "HS256", noIat), body: body, wantErr: webhook.ErrUnsigned},
		{name: "stale", auth: hs256(t, "s3cret", "HS256", claims(now.Add(-6*time.Minute), hexSum(body))), body: body, wantErr: webhook.ErrStale},
		{name: "from the future", auth: hs256(t, "s3cret", "HS256", claims(now.Add(6*time.Minute), hexSum(body))), body: body, wantErr: webhook.ErrStale},
	}
	v := New("s3cret")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, key, err := v.VerifyVoice(tt.auth, tt.body, now)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				if key != "" {
					t.Fatalf("refused with a replay key %q", key)
				}
				return
			}
			if c.ApplicationID != "app-1" || c.APIKey != "abcd1234" || key == "" || strings.Contains(key, "s3cret") {
				t.Fatalf("claims %+v key %q", c, key)
			}
		})
	}
	// Two requests, two keys: the key is per token, not per account.
	_, k1, _ := v.VerifyVoice(good, body, now)
	_, k2, _ := v.VerifyVoice(signedByLib, body, now)
	if k1 == k2 {
		t.Fatalf("two tokens share the replay key %q", k1)
	}
}

func TestVerifyVoiceUnsignedAccount(t *testing.T) {
	c, key, err := New("").VerifyVoice("", []byte("{}"), time.Now())
	if err != nil || key != "" || c != (VoiceClaims{}) {
		t.Fatalf("no secret: %+v %q %v", c, key, err)
	}
	if _, err := SignVoice("", "a", "k", "j", nil, time.Now()); err == nil {
		t.Fatal("SignVoice without a secret signed")
	}
}

// FuzzVerifyVoice: whatever header and body arrive, only a token the secret signed over that
// very body is accepted, and nothing panics.
func FuzzVerifyVoice(f *testing.F) {
	now := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	body := `{"uuid":"u","status":"answered"}`
	good, _ := SignVoice("s3cret", "app", "key", "j", []byte(body), now)
	f.Add(good, body)
	f.Add(good, body+" ")
	f.Add("Bearer a.b.c", "")
	f.Add("Bearer "+strings.Repeat("A", 100)+"."+strings.Repeat("B", 100)+".", "{}")
	v := New("s3cret")
	f.Fuzz(func(t *testing.T, auth, body string) {
		_, key, err := v.VerifyVoice(auth, []byte(body), now)
		if err != nil {
			return
		}
		// Accepted: the token's claims must carry this body's hash, under the secret's HMAC.
		raw, _ := bearer(auth)
		parts := strings.Split(raw, ".")
		if len(parts) != 3 || key == "" {
			t.Fatalf("accepted %q with key %q", auth, key)
		}
		m := hmac.New(sha256.New, []byte("s3cret"))
		m.Write([]byte(parts[0] + "." + parts[1]))
		sig, err := base64.RawURLEncoding.DecodeString(parts[2])
		if err != nil || !hmac.Equal(sig, m.Sum(nil)) {
			t.Fatalf("accepted a token the secret did not sign: %q", auth)
		}
		payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
		var c struct {
			Hash string `json:"payload_hash"`
		}
		_ = json.Unmarshal(payload, &c)
		if !strings.EqualFold(c.Hash, hexSum([]byte(body))) {
			t.Fatalf("accepted a token over another body: %q for %q", c.Hash, body)
		}
	})
}
