package twilio_test

import (
	"context"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/providers"
	"github.com/vnum-cli/vnum/providers/internal/httpretry"
	"github.com/vnum-cli/vnum/providers/twilio"
	faketwilio "github.com/vnum-cli/vnum/providers/twilio/twiliotest"
)

// The Twilio documents are 2.4 MB of JSON: they are loaded once per test binary and shared,
// read-only, by every fake.
var specCache struct {
	once   sync.Once
	specs  *faketwilio.Specs
	looked []string
	err    error
}

// loadSpecs returns the Twilio OpenAPI documents, or nil and where it looked when they are not
// there.
func loadSpecs(t testing.TB) (*faketwilio.Specs, []string) {
	t.Helper()
	specCache.once.Do(func() {
		wd, err := os.Getwd()
		if err != nil {
			specCache.err = err
			return
		}
		dir, looked, err := faketwilio.FindSpecsDir(os.Getenv, wd)
		if dir == "" {
			specCache.err = err
			specCache.looked = looked
			return
		}
		specCache.specs, specCache.err = faketwilio.LoadSpecs(dir)
	})
	require.NoError(t, specCache.err, "loading Twilio's OpenAPI documents")
	return specCache.specs, specCache.looked
}

// newFake starts a fake Twilio account that checks every exchange against Twilio's documents
// when they are available.
func newFake(t testing.TB, opts ...faketwilio.Option) *faketwilio.Fake {
	t.Helper()
	if specs, _ := loadSpecs(t); specs != nil {
		opts = append([]faketwilio.Option{faketwilio.WithSpecs(specs)}, opts...)
	}
	return faketwilio.New(t, opts...)
}

// clearTwilioEnv makes sure twilio-go cannot pick up a developer's real credentials.
func clearTwilioEnv(t testing.TB) {
	t.Helper()
	for _, k := range []string{"TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_API_KEY", "TWILIO_API_SECRET", "TWILIO_EDGE", "TWILIO_REGION"} {
		t.Setenv(k, "")
	}
}

type setup struct {
	options map[string]string
	creds   map[string]string
	apiKey  bool
}

type setupOption func(*setup)

func withOption(k, v string) setupOption { return func(s *setup) { s.options[k] = v } }

func withAPIKey() setupOption { return func(s *setup) { s.apiKey = true } }

func withCreds(c map[string]string) setupOption { return func(s *setup) { s.creds = c } }

// newProvider builds the adapter against a fake through VNUM_TWILIO_BASE_URL, with our own
// HTTP client and fast retries.
func newProvider(t testing.TB, f *faketwilio.Fake, opts ...setupOption) *twilio.Provider {
	t.Helper()
	clearTwilioEnv(t)
	s := &setup{options: map[string]string{}}
	for _, o := range opts {
		o(s)
	}
	creds := s.creds
	if creds == nil {
		creds = map[string]string{twilio.CredAccountSID: f.AccountSID, twilio.CredAuthToken: f.AuthToken}
		if s.apiKey {
			creds = map[string]string{twilio.CredAccountSID: f.AccountSID, twilio.CredAPIKey: f.APIKey, twilio.CredAPISecret: f.APISecret}
		}
	}
	p, err := twilio.New(providers.Settings{
		Env:         envOf(map[string]string{twilio.EnvBaseURL: f.URL}),
		Options:     s.options,
		Credentials: creds,
		HTTP:        func() *http.Client { return &http.Client{Timeout: 10 * time.Second} },
	})
	require.NoError(t, err)
	// Retries wait for nothing: tests see every retry without sitting through its pause.
	twilio.SetRetry(p, func(r *httpretry.Transport) {
		r.Sleep = func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	})
	return p
}

func envOf(m map[string]string) providers.Env {
	return func(k string) string { return m[k] }
}

// buyOne searches and buys one number of a country and type on the fake.
func buyOne(t testing.TB, p *twilio.Provider, country string, typ providers.NumberType, label string) providers.Number {
	t.Helper()
	offers, err := p.Search(t.Context(), providers.Query{Country: country, Type: typ, Limit: 1})
	require.NoError(t, err)
	require.NotEmpty(t, offers)
	n, err := p.Buy(t.Context(), providers.BuyRequest{Number: offers[0].Number, Country: country, Type: typ, Label: label})
	require.NoError(t, err)
	return n
}
