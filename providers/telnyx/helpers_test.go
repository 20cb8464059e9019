package telnyx_test

import (
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/providers"
	"github.com/vnum-cli/vnum/providers/telnyx"
	"github.com/vnum-cli/vnum/providers/telnyx/telnyxtest"
)

// Telnyx's document is loaded once per test binary and shared, read-only, by every fake.
var specCache struct {
	once   sync.Once
	specs  *telnyxtest.Specs
	looked []string
	err    error
}

func loadSpecs(t testing.TB) (*telnyxtest.Specs, []string) {
	t.Helper()
	specCache.once.Do(func() {
		wd, err := os.Getwd()
		if err != nil {
			specCache.err = err
			return
		}
		dir, looked, err := telnyxtest.FindSpecsDir(os.Getenv, wd)
		if dir == "" {
			specCache.err = err
			specCache.looked = looked
			return
		}
		specCache.specs, specCache.err = telnyxtest.LoadSpecs(dir)
	})
	require.NoError(t, specCache.err, "loading Telnyx's OpenAPI document")
	return specCache.specs, specCache.looked
}

// newFake starts a fake Telnyx account that checks every exchange against Telnyx's document
// when it is available.
func newFake(t testing.TB, opts ...telnyxtest.Option) *telnyxtest.Fake {
	t.Helper()
	if specs, _ := loadSpecs(t); specs != nil {
		opts = append([]telnyxtest.Option{telnyxtest.WithSpecs(specs)}, opts...)
	}
	return telnyxtest.New(t, opts...)
}

// newProvider builds the adapter against a fake, with the fake's key unless key is given.
func newProvider(t testing.TB, f *telnyxtest.Fake, key ...string) *telnyx.Provider {
	t.Helper()
	k := f.APIKey
	if len(key) > 0 {
		k = key[0]
	}
	env := map[string]string{telnyx.EnvBaseURL: f.URL}
	p, err := telnyx.New(providers.Settings{
		Env:         func(name string) string { return env[name] },
		Credentials: map[string]string{telnyx.CredAPIKey: k},
		HTTP:        func() *http.Client { return &http.Client{Timeout: 5 * time.Second} },
	})
	require.NoError(t, err)
	telnyx.SetPacing(p, 20*time.Millisecond, 2*time.Second)
	telnyx.SetRetryBackoff(p, time.Millisecond)
	return p
}
