package vonage_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/providers"
	"github.com/vnum-cli/vnum/providers/vonage"
	"github.com/vnum-cli/vnum/providers/vonage/vonagetest"
)

// Vonage's documents are loaded once per test binary and shared, read-only, by every fake.
var loadOnce = sync.OnceValues(func() (*vonagetest.Specs, error) {
	wd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	dir, looked, err := vonagetest.FindSpecsDir(os.Getenv, wd)
	if err != nil {
		return nil, err
	}
	if dir == "" {
		return nil, &missingSpecs{looked: looked}
	}
	return vonagetest.LoadSpecs(dir)
})

type missingSpecs struct{ looked []string }

func (m *missingSpecs) Error() string {
	return "Vonage OpenAPI documents not found (looked in " + strings.Join(m.looked, ", ") + "); set " +
		vonagetest.EnvSpecsDir + " to the directory holding vonage/*.yml"
}

// specs returns the documents; without them, the tests that need them skip and the others run
// against an unvalidated fake.
func specs(t testing.TB) *vonagetest.Specs {
	t.Helper()
	s, err := loadOnce()
	if _, missing := err.(*missingSpecs); missing {
		return nil
	}
	require.NoError(t, err, "loading Vonage's OpenAPI documents")
	return s
}

// newFake starts a fake Vonage account that checks every exchange against the documents.
func newFake(t testing.TB, opts ...vonagetest.Option) *vonagetest.Fake {
	t.Helper()
	if s := specs(t); s != nil {
		opts = append([]vonagetest.Option{vonagetest.WithSpecs(s)}, opts...)
	} else {
		t.Logf("Vonage's OpenAPI documents not found: this fake runs UNVALIDATED (set %s)", vonagetest.EnvSpecsDir)
	}
	return vonagetest.New(t, opts...)
}

type setup struct {
	fresh   func(string) (string, error)
	keep    func(map[string]string) error
	creds   map[string]string
	dataDir string
	client  *http.Client
}

type setupOption func(*setup)

func withCreds(c map[string]string) setupOption { return func(s *setup) { s.creds = c } }
func withDataDir(d string) setupOption          { return func(s *setup) { s.dataDir = d } }
func withFresh(f func(string) (string, error)) setupOption {
	return func(s *setup) { s.fresh = f }
}
func withKeep(k func(map[string]string) error) setupOption {
	return func(s *setup) { s.keep = k }
}

// newProvider builds the adapter against a fake through VNUM_VONAGE_BASE_URL, with quick retries.
func newProvider(t testing.TB, f *vonagetest.Fake, opts ...setupOption) *vonage.Provider {
	t.Helper()
	s := &setup{creds: map[string]string{vonage.CredAPIKey: f.APIKey, vonage.CredAPISecret: f.APISecret},
		client: &http.Client{Timeout: 10 * time.Second}}
	for _, o := range opts {
		o(s)
	}
	env := map[string]string{vonage.EnvBaseURL: f.URL}
	p, err := vonage.New(providers.Settings{
		DataDir:            s.dataDir,
		Env:                func(k string) string { return env[k] },
		Credentials:        s.creds,
		HTTP:               func() *http.Client { return s.client },
		KeepCredentials:    s.keep,
		OptionalCredential: s.fresh,
	})
	require.NoError(t, err)
	vonage.SetRetryBackoff(p, time.Millisecond)
	return p
}

// buyOne searches and buys one number of a country and type on the fake.
func buyOne(t testing.TB, p *vonage.Provider, country string, typ providers.NumberType) providers.Number {
	t.Helper()
	offers, err := p.Search(t.Context(), providers.Query{Country: country, Type: typ, Limit: 1})
	require.NoError(t, err)
	require.NotEmpty(t, offers)
	n, err := p.Buy(t.Context(), providers.BuyRequest{Number: offers[0].Number, Country: country, Type: typ})
	require.NoError(t, err)
	return n
}

// startServer serves h for the test.
func startServer(t testing.TB, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// newProviderAt builds the adapter against any base URL, with made-up credentials.
func newProviderAt(t testing.TB, base string) *vonage.Provider {
	t.Helper()
	p, err := vonage.New(providers.Settings{
		Env:         func(k string) string { return map[string]string{vonage.EnvBaseURL: base}[k] },
		Credentials: map[string]string{vonage.CredAPIKey: "abcd1234", vonage.CredAPISecret: "S3cr+t/TEST=91c2e7"},
		HTTP:        func() *http.Client { return &http.Client{Timeout: 5 * time.Second} },
	})
	require.NoError(t, err)
	vonage.SetRetryBackoff(p, time.Millisecond)
	return p
}
