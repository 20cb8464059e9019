package vonage

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/vnum-cli/vnum/internal/webhook"
)

// Voice API webhooks (an application's answer_url and event_url) are signed differently from
// the SMS API's: when the application has signed_callbacks on, each request carries
// "Authorization: Bearer <JWT>", a JWT signed HS256 with the account's signature secret whose
// payload_hash claim is the hex SHA-256 of the raw body and whose iat is when Vonage sent it
// (developer.vonage.com, Voice API guide "Signed webhooks"; the Messages API signs the same way).
// The token's signature covers payload_hash, so the hash ties the body to the token.

// VoiceClaims is what a verified voice webhook's token says about itself.
type VoiceClaims struct {
	// ApplicationID is the application the call belongs to ("" when the token names none).
	ApplicationID string
	// APIKey is the account's API key ("" when the token names none).
	APIKey string
	// IssuedAt is the token's iat.
	IssuedAt time.Time
}

// voiceToken is the claims vnum reads; the rest of Vonage's (iss, jti, nbf, exp) are ignored:
// iat within webhook.Tolerance is the freshness rule, as for every carrier.
type voiceToken struct {
	PayloadHash   string           `json:"payload_hash"`
	ApplicationID string           `json:"application_id,omitempty"`
	APIKey        string           `json:"api_key,omitempty"`
	IssuedAt      *jwt.NumericDate `json:"iat,omitempty"`
	ID            string           `json:"jti,omitempty"`
	Issuer        string           `json:"iss,omitempty"`
}

// GetExpirationTime and the others make voiceToken a jwt.Claims; the library's own time
// checks are off (see VerifyVoice), so only their types matter.
func (c voiceToken) GetExpirationTime() (*jwt.NumericDate, error) { return nil, nil }
func (c voiceToken) GetIssuedAt() (*jwt.NumericDate, error)       { return c.IssuedAt, nil }
func (c voiceToken) GetNotBefore() (*jwt.NumericDate, error)      { return nil, nil }
func (c voiceToken) GetIssuer() (string, error)                   { return c.Issuer, nil }
func (c voiceToken) GetSubject() (string, error)                  { return "", nil }
func (c voiceToken) GetAudience() (jwt.ClaimStrings, error)       { return nil, nil }

// maxToken bounds the Authorization header read: Vonage's tokens are a few hundred bytes.
const maxToken = 8 << 10

// VerifyVoice checks a Voice API webhook: authorization is its Authorization header, body its
// raw body, now the server's clock. It returns the token's claims and the request's replay key
// (the token's signature, unique per request). Without a signature secret nothing can be
// checked: it returns no claims, no key and no error, as Verify does for SMS.
//
// No or a non-Bearer header is webhook.ErrUnsigned; a token that does not parse, is not HS256,
// does not verify with the secret or whose payload_hash is not the body's is webhook.ErrForged;
// one without iat is ErrUnsigned and one whose iat is outside webhook.Tolerance ErrStale.
func (v *Verifier) VerifyVoice(authorization string, body []byte, now time.Time) (VoiceClaims, string, error) {
	if v.secret == "" {
		return VoiceClaims{}, "", nil
	}
	raw, ok := bearer(authorization)
	if !ok {
		return VoiceClaims{}, "", webhook.ErrUnsigned
	}
	if len(raw) > maxToken {
		return VoiceClaims{}, "", webhook.ErrForged
	}
	var claims voiceToken
	parser := jwt.NewParser(jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}), jwt.WithoutClaimsValidation())
	tok, err := parser.ParseWithClaims(raw, &claims, func(*jwt.Token) (any, error) { return []byte(v.secret), nil })
	if err != nil || !tok.Valid {
		return VoiceClaims{}, "", webhook.ErrForged
	}
	sum := sha256.Sum256(body)
	got, err := hex.DecodeString(strings.ToLower(claims.PayloadHash))
	if err != nil || subtle.ConstantTimeCompare(got, sum[:]) != 1 {
		return VoiceClaims{}, "", webhook.ErrForged
	}
	if claims.IssuedAt == nil {
		return VoiceClaims{}, "", webhook.ErrUnsigned
	}
	if err := webhook.CheckTime(claims.IssuedAt.Time, now); err != nil {
		return VoiceClaims{}, "", err
	}
	// The signature is the last of the token's three parts: what a replay repeats exactly.
	sig := raw[strings.LastIndexByte(raw, '.')+1:]
	return VoiceClaims{ApplicationID: claims.ApplicationID, APIKey: claims.APIKey, IssuedAt: claims.IssuedAt.Time.UTC()},
		"vonage-voice:" + sig, nil
}

// bearer takes the token out of an Authorization header ("Bearer <token>", scheme in any case).
func bearer(h string) (string, bool) {
	scheme, tok, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != ""
}

// SignVoice returns the Authorization header value Vonage would send with body at t for
// application appID, signed with secret: for tests and the fake carrier. jti makes each token
// unique, as Vonage's are.
func SignVoice(secret, appID, apiKey, jti string, body []byte, t time.Time) (string, error) {
	if secret == "" {
		return "", errors.New("vonage: no signature secret to sign with")
	}
	sum := sha256.Sum256(body)
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, voiceToken{
		PayloadHash: hex.EncodeToString(sum[:]), ApplicationID: appID, APIKey: apiKey,
		IssuedAt: jwt.NewNumericDate(t), ID: jti, Issuer: "Vonage",
	})
	s, err := tok.SignedString([]byte(secret))
	if err != nil {
		return "", err
	}
	return "Bearer " + s, nil
}
