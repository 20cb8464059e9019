package serve

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"strings"

	"github.com/vnum-cli/vnum/internal/auth"
	"github.com/vnum-cli/vnum/internal/config"
	telnyxwh "github.com/vnum-cli/vnum/internal/webhook/telnyx"
	"github.com/vnum-cli/vnum/providers/telnyx"
	"github.com/vnum-cli/vnum/providers/twilio"
)

// KeyLookup finds the keys serve checks the carriers' webhooks with, where the user keeps them:
// the environment, then the saved credentials. `vnum serve` reads them to turn its routes on;
// buy, forward and rotate to point numbers only at routes that are on.
type KeyLookup struct {
	Env         func(string) string
	Credentials func() (*auth.Manager, error)
	Config      func() (*config.Config, error)
}

// TwilioAuthToken is the account's Auth Token, which Twilio signs with even when vnum's REST
// calls use an API key; or "" and why there is none.
func (f KeyLookup) TwilioAuthToken() (token, why string) {
	t, err := auth.EnvOrFile(f.Env, "TWILIO_AUTH_TOKEN")
	if err != nil {
		return "", err.Error()
	}
	if t = strings.TrimSpace(t); t != "" {
		return t, ""
	}
	m, err := f.Credentials()
	if err != nil {
		return "", err.Error()
	}
	cfg, err := f.Config()
	if err != nil {
		return "", err.Error()
	}
	cred, err := m.Lookup(twilio.Name, cfg.Profile())
	if err != nil {
		return "", "no Twilio credentials (vnum auth login twilio, or TWILIO_AUTH_TOKEN)"
	}
	if t := cred.Values[twilio.CredAuthToken]; t != "" {
		return t, ""
	}
	return "", "vnum uses an API key for Twilio; Twilio signs webhooks with the Auth Token: set TWILIO_AUTH_TOKEN"
}

// TelnyxPublicKey is the key Telnyx signs webhooks against: TELNYX_PUBLIC_KEY (or its _FILE),
// else the one saved by `vnum auth login telnyx --public-key` for the profile; from says which.
// Without one, why says how to give it. A key that is not one, or a secret file that cannot be
// read, is an error: serve must not start with the route silently off.
func (f KeyLookup) TelnyxPublicKey() (key ed25519.PublicKey, from, why string, err error) {
	cfg, err := f.Config()
	if err != nil {
		return nil, "", "", err
	}
	m, err := f.Credentials()
	if err != nil {
		return nil, "", "", err
	}
	raw, src, lerr := m.Optional(telnyx.Name, cfg.Profile(), telnyx.CredPublicKey)
	if raw = strings.TrimSpace(raw); raw == "" {
		why = "no public key (set " + telnyxwh.EnvPublicKey + ", or run vnum auth login telnyx --public-key, " +
			"with the key under Keys & Credentials → Public Key in Mission Control)"
		switch {
		case errors.Is(lerr, auth.ErrKeyringUnavailable):
			why += "; " + lerr.Error()
		case lerr != nil:
			return nil, "", "", lerr // names the variable or the entry
		}
		return nil, "", why, nil
	}
	switch src {
	case auth.SourceEnv:
		from = telnyxwh.EnvPublicKey
	case auth.SourceFile:
		from = telnyxwh.EnvPublicKey + "_FILE"
	default:
		from = "saved with vnum auth login, " + string(src)
	}
	key, err = telnyxwh.ParsePublicKey(raw)
	if err != nil {
		return nil, "", "", fmt.Errorf("%s: %w", from, err)
	}
	return key, from, "", nil
}

// PublicRoutes are the routes, at publicURL, that a serve started now would have on, by
// carrier (Twilio's with an Auth Token, Telnyx's with a public key, Vonage's always): where
// buy, forward and rotate point new numbers. nil when there is no public URL, or serve never
// ran in configDir (its path token is made at its first start).
func PublicRoutes(configDir, publicURL string, keys KeyLookup) map[string]string {
	if publicURL == "" {
		return nil
	}
	secrets, err := LoadSecrets(configDir)
	if err != nil {
		return nil
	}
	base := strings.TrimSuffix(publicURL, "/") + "/hooks/" + secrets.PathToken + "/"
	routes := map[string]string{RouteVonage: base + RouteVonage}
	if token, _ := keys.TwilioAuthToken(); token != "" {
		routes[RouteTwilio] = base + RouteTwilio
	}
	if key, _, _, err := keys.TelnyxPublicKey(); err == nil && key != nil {
		routes[RouteTelnyx] = base + RouteTelnyx
	}
	return routes
}

// PublicCallRoutes is PublicRoutes for the call routes of the carriers whose calls serve
// answers (Telnyx's, with a public key to check its requests; Vonage's answer URL): where block, forward and rotate
// point the numbers' calls. nil when there is no public URL, or serve never ran in configDir.
func PublicCallRoutes(configDir, publicURL string, keys KeyLookup) map[string]string {
	if publicURL == "" {
		return nil
	}
	secrets, err := LoadSecrets(configDir)
	if err != nil {
		return nil
	}
	// Vonage's is always on, as its SMS route: signed with the signature secret when the
	// account has one, else behind the secret path only.
	routes := map[string]string{RouteVonage: CallURL(publicURL, secrets.PathToken, CallRouteVonageAnswer)}
	if key, _, _, err := keys.TelnyxPublicKey(); err == nil && key != nil {
		routes[RouteTelnyx] = CallURL(publicURL, secrets.PathToken, CallRouteTelnyx)
	}
	return routes
}
