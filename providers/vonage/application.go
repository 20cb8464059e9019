package vonage

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/vnum-cli/vnum/providers"
)

// Vonage's Voice API reaches a program through an application: its voice capability names the
// answer_url Vonage asks what to do with a call (an NCCO) and the event_url it tells what
// happened; a number linked to it (number/update app_id) sends its calls there. vnum keeps one
// application per account, named AppName, with both URLs on vnum serve and signed_callbacks on
// (the Voice API then signs every webhook: internal/webhook/vonage.VerifyVoice).
//
// The application's key pair is made here: Vonage keeps the public key, and the private key,
// which signs the JWTs that download recordings, never leaves the machine: it is handed to
// Settings.KeepCredentials and kept with the account's other credentials (the keyring), never
// in the store or the configuration. (Applications API v2, Nexmo/api-specification
// definitions/application.v2.yml; developer.vonage.com "Authentication: JSON Web Tokens".)

// CredApplication is the optional credential holding the application vnum made (or the
// user's own): {"id": "…", "private_key": "-----BEGIN PRIVATE KEY-----…"}, one value so that
// the id and its key are kept, given and replaced together.
const CredApplication = "application"

// EnvApplication gives CredApplication from the environment (or EnvApplication_FILE, a file).
const EnvApplication = "VNUM_VONAGE_APPLICATION"

// appCredential is CredApplication's value.
type appCredential struct {
	ID         string `json:"id"`
	PrivateKey string `json:"private_key"`
}

// AppName is the name of the application vnum creates.
const AppName = "vnum"

const pathApplications = "/v2/applications"

// rsaBits is the application key's size: what Vonage's dashboard generates.
const rsaBits = 2048

// appHooks is what an application's voice capability must say for vnum serve.
type appHooks struct{ answer, event string }

// hooksFor turns serve's Vonage call route into the answer and event URLs: the route may be
// given as the answer URL itself (…/vonage/answer) or as the prefix both sit under.
func hooksFor(route string) appHooks {
	base := strings.TrimSuffix(strings.TrimSuffix(route, "/"), "/answer")
	return appHooks{answer: base + "/answer", event: base + "/event"}
}

// webhookRef is one of an application's webhooks.
type webhookRef struct {
	Address    string `json:"address"`
	HTTPMethod string `json:"http_method"`
}

// application is the part of an Applications API v2 object vnum reads and writes.
type application struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name"`
	Keys *struct {
		PublicKey string `json:"public_key,omitempty"`
	} `json:"keys,omitempty"`
	Capabilities struct {
		Voice *struct {
			Webhooks struct {
				AnswerURL *webhookRef `json:"answer_url,omitempty"`
				EventURL  *webhookRef `json:"event_url,omitempty"`
			} `json:"webhooks"`
			SignedCallbacks bool `json:"signed_callbacks"`
		} `json:"voice,omitempty"`
	} `json:"capabilities"`
}

// points reports whether the application sends calls to h, signed.
func (a application) points(h appHooks) bool {
	v := a.Capabilities.Voice
	return v != nil && v.SignedCallbacks && v.Webhooks.AnswerURL != nil && v.Webhooks.EventURL != nil &&
		v.Webhooks.AnswerURL.Address == h.answer && v.Webhooks.EventURL.Address == h.event &&
		v.Webhooks.AnswerURL.HTTPMethod == http.MethodPost && v.Webhooks.EventURL.HTTPMethod == http.MethodPost
}

// appBody is the create/update request: the voice capability on serve, POST for both
// webhooks (so the whole call event is in the signed body), signed callbacks on.
func appBody(name, publicKeyPEM string, h appHooks) map[string]any {
	body := map[string]any{
		"name": name,
		"capabilities": map[string]any{"voice": map[string]any{
			"webhooks": map[string]any{
				"answer_url": map[string]any{"address": h.answer, "http_method": http.MethodPost},
				"event_url":  map[string]any{"address": h.event, "http_method": http.MethodPost},
			},
			"signed_callbacks": true,
		}},
	}
	if publicKeyPEM != "" {
		body["keys"] = map[string]any{"public_key": publicKeyPEM}
	}
	return body
}

// appKey is the application in use: its id and private key.
type appKey struct {
	id  string
	key *rsa.PrivateKey
}

// loadAppKey reads the optional credential: none is fine (ensureApp makes one); one that
// cannot be used is a mistake to name, without quoting it.
func loadAppKey(creds map[string]string) (appKey, error) {
	raw := strings.TrimSpace(creds[CredApplication])
	if raw == "" {
		return appKey{}, nil
	}
	var c appCredential
	if err := json.Unmarshal([]byte(raw), &c); err != nil || c.ID == "" || c.PrivateKey == "" {
		return appKey{}, errors.New("the Vonage application credential (" + EnvApplication + `, or saved) is not {"id": "…", "private_key": "…"}`)
	}
	key, err := parsePrivateKey(c.PrivateKey)
	if err != nil {
		return appKey{}, err
	}
	return appKey{id: c.ID, key: key}, nil
}

// parsePrivateKey reads an RSA private key in PEM, PKCS#8 (what Vonage's dashboard hands out) or
// PKCS#1. Its errors never quote the key.
func parsePrivateKey(s string) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode([]byte(strings.ReplaceAll(s, `\n`, "\n")))
	if block == nil {
		return nil, errors.New("the application's private key is not a PEM block (-----BEGIN PRIVATE KEY-----)")
	}
	if k, err := x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
		if rk, ok := k.(*rsa.PrivateKey); ok {
			return rk, nil
		}
		return nil, errors.New("the application's private key is not an RSA key")
	}
	if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	return nil, errors.New("the application's private key cannot be read (PKCS#8 or PKCS#1 RSA expected)")
}

// newKeyPair makes the application's key pair: the private key in PKCS#8 PEM (as Vonage's
// dashboard gives it) and the public key in PKIX PEM, which the Applications API takes.
func newKeyPair() (*rsa.PrivateKey, string, string, error) {
	k, err := rsa.GenerateKey(rand.Reader, rsaBits)
	if err != nil {
		return nil, "", "", err
	}
	priv, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, "", "", err
	}
	pub, err := publicPEM(k)
	if err != nil {
		return nil, "", "", err
	}
	return k, string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: priv})), pub, nil
}

func publicPEM(k *rsa.PrivateKey) (string, error) {
	pub, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		return "", err
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub})), nil
}

// ensureApp returns the application whose voice webhooks are h: the one in the credentials,
// corrected if it points elsewhere, or a new one made with a new key pair that is kept at once.
func (c *call) ensureApp(h appHooks) (appKey, error) {
	ak, err := c.p.currentApp()
	if err != nil {
		return appKey{}, &providers.Error{Provider: Name, Op: c.op, Message: err.Error()}
	}
	if ak.id != "" {
		var a application
		err := c.apiJSON(http.MethodGet, pathApplications+"/"+ak.id, nil, &a)
		var pe *providers.Error
		switch {
		case err == nil:
			if a.points(h) {
				return ak, nil
			}
			pub, err := publicPEM(ak.key)
			if err != nil {
				return appKey{}, err
			}
			name := a.Name
			if name == "" {
				name = AppName
			}
			if err := c.apiJSON(http.MethodPut, pathApplications+"/"+ak.id, appBody(name, pub, h), nil); err != nil {
				return appKey{}, err
			}
			return ak, nil
		case errors.As(err, &pe) && pe.Status == http.StatusNotFound:
			// Deleted in the dashboard: make another one below.
		default:
			return appKey{}, err
		}
	}
	// No key here (another machine's, a login that replaced the saved entry): an application of
	// vnum's already answering on serve is taken over with a new key pair rather than doubled.
	found, err := c.findApp(h)
	if err != nil {
		return appKey{}, err
	}
	return c.createApp(h, found)
}

// appPage is one page of GET /v2/applications (ApplicationResponseCollection).
type appPage struct {
	Page       int `json:"page"`
	TotalPages int `json:"total_pages"`
	Embedded   struct {
		Applications []application `json:"applications"`
	} `json:"_embedded"`
}

// maxAppPages bounds the application listing, whatever Vonage says of its pages.
const maxAppPages = 20

// findApp returns the id of vnum's application whose answer URL is h's, "" when there is none.
func (c *call) findApp(h appHooks) (string, error) {
	for page := 1; page <= maxAppPages; page++ {
		var pg appPage
		if err := c.apiJSON(http.MethodGet, fmt.Sprintf("%s?page_size=100&page=%d", pathApplications, page), nil, &pg); err != nil {
			var pe *providers.Error
			if errors.As(err, &pe) && pe.Status == http.StatusNotFound {
				return "", &providers.Error{Provider: Name, Op: c.op, Kind: providers.ErrUnsupported, Status: pe.Status,
					Message: "Vonage answered 404 to " + pathApplications + " (the Applications API): without an application " +
						"vnum serve cannot answer this account's calls, so block lists and voicemail cannot be set; nothing was changed"}
			}
			return "", err
		}
		for _, a := range pg.Embedded.Applications {
			v := a.Capabilities.Voice
			if a.Name == AppName && v != nil && v.Webhooks.AnswerURL != nil && v.Webhooks.AnswerURL.Address == h.answer {
				return a.ID, nil
			}
		}
		if page >= pg.TotalPages {
			break
		}
	}
	return "", nil
}

// currentApp is the application credential in use. One not known when the adapter was built
// is read afresh: vnum serve runs for days, and the application is made by the first `vnum
// block` or `forward --voicemail` of another vnum process.
func (p *Provider) currentApp() (appKey, error) {
	p.mu.Lock()
	ak, err := p.app, p.appErr
	p.mu.Unlock()
	if err != nil || ak.id != "" || p.fresh == nil {
		return ak, err
	}
	raw, err := p.fresh(CredApplication)
	if err != nil || strings.TrimSpace(raw) == "" {
		return appKey{}, nil // as if none: making one will say what is wrong
	}
	ak, err = loadAppKey(map[string]string{CredApplication: raw})
	if err != nil {
		return appKey{}, err
	}
	p.mu.Lock()
	p.app = ak
	p.mu.Unlock()
	return ak, nil
}

// createApp makes vnum's application, or gives the one found (id) a new key pair, and keeps its
// id and private key.
func (c *call) createApp(h appHooks, id string) (appKey, error) {
	if c.p.keep == nil {
		return appKey{}, &providers.Error{Provider: Name, Op: c.op, Message: "vnum would make a Vonage application for vnum serve, " +
			"but has nowhere to keep its private key: the Vonage credentials come from the environment. Save them with " +
			"vnum auth login vonage, or give an application of yours in " + EnvApplication + `_FILE ({"id": "…", "private_key": "…"})`}
	}
	key, privPEM, pubPEM, err := newKeyPair()
	if err != nil {
		return appKey{}, &providers.Error{Provider: Name, Op: c.op, Message: "cannot make the application's key pair: " + err.Error()}
	}
	var a application
	if id != "" {
		// The old private key is lost: the new public key replaces it (recordings made before
		// are then downloaded with the new one, which is the application's).
		if err := c.apiJSON(http.MethodPut, pathApplications+"/"+id, appBody(AppName, pubPEM, h), &a); err != nil {
			return appKey{}, err
		}
		a.ID = id
	} else if err := c.apiJSON(http.MethodPost, pathApplications, appBody(AppName, pubPEM, h), &a); err != nil {
		return appKey{}, err
	}
	if a.ID == "" {
		return appKey{}, &providers.Error{Provider: Name, Op: c.op, Message: "Vonage made an application but did not say its id"}
	}
	kept, _ := json.Marshal(appCredential{ID: a.ID, PrivateKey: privPEM})
	if err := c.p.keep(map[string]string{CredApplication: string(kept)}); err != nil {
		if id != "" {
			return appKey{}, &providers.Error{Provider: Name, Op: c.op, Message: fmt.Sprintf("cannot keep the application's new private key: %v", err)}
		}
		// An application whose key is lost is of no use: take it back.
		if derr := c.apiJSON(http.MethodDelete, pathApplications+"/"+a.ID, nil, nil); derr != nil {
			return appKey{}, &providers.Error{Provider: Name, Op: c.op, Message: fmt.Sprintf(
				"cannot keep the new application's private key (%v); delete application %s in the Vonage dashboard", err, a.ID)}
		}
		return appKey{}, &providers.Error{Provider: Name, Op: c.op, Message: fmt.Sprintf("cannot keep the new application's private key: %v", err)}
	}
	ak := appKey{id: a.ID, key: key}
	c.p.mu.Lock()
	c.p.app = ak
	c.p.mu.Unlock()
	return ak, nil
}

// apiJSON sends a JSON request to api.nexmo.com with HTTP Basic credentials and decodes the
// answer into out. Only GET is retried.
func (c *call) apiJSON(method, path string, body, out any) error {
	var rd *bytes.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, err := http.NewRequestWithContext(c.ctx, method, c.p.apiBase+path, rd)
	if err != nil {
		return c.unbuildable(path)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.SetBasicAuth(c.p.key, c.p.secret)
	k := write
	if method == http.MethodGet {
		k = read
	}
	return c.do(k, req, out)
}

// appToken is the JWT the Voice API takes from an application (RS256 with its private key;
// application_id, iat, jti and a short exp). (developer.vonage.com "JSON Web Tokens".)
func appToken(ak appKey, now time.Time) (string, error) {
	jti := make([]byte, 16)
	if _, err := rand.Read(jti); err != nil {
		return "", err
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{
		"application_id": ak.id,
		"iat":            now.Unix(),
		"exp":            now.Add(5 * time.Minute).Unix(),
		"jti":            fmt.Sprintf("%x", jti),
	})
	return tok.SignedString(ak.key)
}
