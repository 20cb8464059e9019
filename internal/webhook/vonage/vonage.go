// Package vonage verifies Vonage's SMS API inbound webhooks. Vonage sends the message as query
// parameters (GET), a form (POST) or JSON (POST-JSON), as the account's settings say; when the
// account has signed webhooks (a signature secret, turned on by Vonage support) it adds
// timestamp, nonce and sig, where sig is, over "&key=value" for every other parameter sorted by
// key (with & and = inside values replaced by _), either hex(md5(string + secret)) ("MD5 hash",
// the default) or hex(HMAC(secret, string)) with MD5, SHA-1, SHA-256 or SHA-512. The variant is
// told by the signature's length; the two 32-digit ones are both tried.
//
// Without a signature secret a request cannot be authenticated at all: the unguessable path it
// arrives on is then the only check, which the server says at start-up.
package vonage

import (
	"crypto/hmac"
	// md5 and SHA-1 because Vonage signs with them: md5 over the secret is its default scheme,
	// HMAC-MD5 and HMAC-SHA1 are two of its others.
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/vnum-cli/vnum/internal/webhook"
	"github.com/vnum-cli/vnum/providers"
)

// EnvSignatureSecret is the variable Vonage's SDKs read the signature secret from.
const EnvSignatureSecret = "VONAGE_SIGNATURE_SECRET"

// Verifier checks requests; with no secret it checks nothing but the payload's form.
type Verifier struct {
	secret string
}

// New returns a verifier; secret "" means the account does not sign its webhooks.
func New(secret string) *Verifier { return &Verifier{secret: secret} }

// Signed reports whether requests must carry a valid sig.
func (v *Verifier) Signed() bool { return v.secret != "" }

// Params merges a request's query, form body and JSON body into one set of parameters, as
// Vonage may send any of them. contentType is the request's Content-Type.
func Params(query url.Values, contentType string, body []byte) (map[string]string, error) {
	out := map[string]string{}
	for k, vs := range query {
		out[k] = vs[0]
	}
	if len(body) == 0 {
		return out, nil
	}
	switch {
	case strings.HasPrefix(contentType, "application/json"):
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			return nil, fmt.Errorf("%w: %v", webhook.ErrMalformed, err)
		}
		for k, v := range m {
			switch t := v.(type) {
			case string:
				out[k] = t
			case float64:
				out[k] = strconv.FormatFloat(t, 'f', -1, 64)
			case bool:
				out[k] = strconv.FormatBool(t)
			case nil:
				out[k] = ""
			default:
				b, _ := json.Marshal(t)
				out[k] = string(b)
			}
		}
	default:
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, fmt.Errorf("%w: %v", webhook.ErrMalformed, err)
		}
		for k, vs := range form {
			out[k] = vs[0]
		}
	}
	return out, nil
}

// Verify checks params (see Params) at time now and returns the SMS they carry. A request with
// no parameters at all is Vonage's probe of a new moHttpUrl: authentic, carrying nothing.
func (v *Verifier) Verify(params map[string]string, now time.Time) (webhook.Result, error) {
	if len(params) == 0 {
		return webhook.Result{}, nil
	}
	var res webhook.Result
	if v.secret != "" {
		sig := params["sig"]
		if sig == "" || params["timestamp"] == "" {
			return webhook.Result{}, webhook.ErrUnsigned
		}
		if !v.match(params, sig) {
			return webhook.Result{}, webhook.ErrForged
		}
		secs, err := strconv.ParseInt(params["timestamp"], 10, 64)
		if err != nil {
			return webhook.Result{}, webhook.ErrStale
		}
		if err := webhook.CheckTime(time.Unix(secs, 0), now); err != nil {
			return webhook.Result{}, err
		}
		res.ReplayKey = "vonage:" + strings.ToLower(sig)
	}
	in, err := parse(params, now)
	if err != nil {
		return webhook.Result{}, err
	}
	res.Inbound = in
	return res, nil
}

func parse(p map[string]string, now time.Time) (*webhook.Inbound, error) {
	id, to := p["messageId"], p["to"]
	if id == "" && to == "" && p["msisdn"] == "" {
		return nil, nil // not an inbound SMS (a delivery receipt's shape differs): nothing to store
	}
	if id == "" || to == "" {
		return nil, fmt.Errorf("%w: an SMS without messageId or to", webhook.ErrMalformed)
	}
	at := now.UTC()
	// message-timestamp is when Vonage started pushing, "2020-01-01 12:00:00" in UTC.
	if t, err := time.Parse("2006-01-02 15:04:05", p["message-timestamp"]); err == nil {
		at = t.UTC()
	}
	in := &webhook.Inbound{Message: providers.Message{
		ID: id, From: e164(p["msisdn"]), To: e164(to), Text: p["text"], ReceivedAt: at, Inbound: true,
	}}
	if ref := p["concat-ref"]; ref != "" || p["concat"] == "true" {
		part, err1 := strconv.Atoi(p["concat-part"])
		total, err2 := strconv.Atoi(p["concat-total"])
		if ref == "" || err1 != nil || err2 != nil || total < 1 || total > 255 || part < 1 || part > total {
			return nil, fmt.Errorf("%w: a message part without a valid concat-ref, concat-part and concat-total", webhook.ErrMalformed)
		}
		if total > 1 {
			in.Part = &webhook.Part{Ref: ref, Index: part, Total: total}
		}
	}
	return in, nil
}

// e164 gives Vonage's digits-only numbers their "+"; an alphanumeric sender stays as it is.
func e164(s string) string {
	if s == "" || strings.HasPrefix(s, "+") {
		return s
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return s
		}
	}
	return "+" + s
}

func (v *Verifier) match(params map[string]string, sig string) bool {
	base := signingString(params)
	got, err := hex.DecodeString(strings.ToLower(sig))
	if err != nil {
		return false
	}
	for _, want := range candidates(v.secret, base, len(got)) {
		if subtle.ConstantTimeCompare(got, want) == 1 {
			return true
		}
	}
	return false
}

// candidates are the signatures of base under the variants whose output has n bytes.
func candidates(secret, base string, n int) [][]byte {
	mac := func(h func() hash.Hash) []byte {
		m := hmac.New(h, []byte(secret))
		m.Write([]byte(base))
		return m.Sum(nil)
	}
	switch n {
	case md5.Size:
		sum := md5.Sum([]byte(base + secret)) // Vonage's md5hash scheme
		return [][]byte{sum[:], mac(md5.New)}
	case sha1.Size:
		return [][]byte{mac(sha1.New)}
	case sha256.Size:
		return [][]byte{mac(sha256.New)}
	case sha512.Size:
		return [][]byte{mac(sha512.New)}
	}
	return nil
}

// signingClean replaces the & and = inside values, as Vonage does before signing; built once,
// not per request (a Replacer is safe for concurrent use).
var signingClean = strings.NewReplacer("&", "_", "=", "_")

// signingString is "&k=v" for every parameter but sig, sorted by key.
func signingString(params map[string]string) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		if k != "sig" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString("&")
		b.WriteString(k)
		b.WriteString("=")
		b.WriteString(signingClean.Replace(params[k]))
	}
	return b.String()
}

// Method is one of Vonage's signature methods, for Sign.
type Method string

// Vonage's signature methods, as its dashboard and SDKs name them.
const (
	MD5Hash Method = "md5hash"
	MD5     Method = "md5"
	SHA1    Method = "sha1"
	SHA256  Method = "sha256"
	SHA512  Method = "sha512"
)

// Sign returns the sig Vonage would add to params with secret and method: for tests and for vnum
// playing carrier.
func Sign(secret string, method Method, params map[string]string) string {
	base := signingString(params)
	var sum []byte
	switch method {
	case MD5:
		sum = candidates(secret, base, md5.Size)[1]
	case SHA1:
		sum = candidates(secret, base, sha1.Size)[0]
	case SHA256:
		sum = candidates(secret, base, sha256.Size)[0]
	case SHA512:
		sum = candidates(secret, base, sha512.Size)[0]
	default:
		sum = candidates(secret, base, md5.Size)[0]
	}
	return hex.EncodeToString(sum)
}
