package vonage_test

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/providers"
	"github.com/vnum-cli/vnum/providers/providertest"
	"github.com/vnum-cli/vnum/providers/vonage"
	"github.com/vnum-cli/vnum/providers/vonage/vonagetest"
)

// conformance runs vnum's provider suite against the adapter, on a fresh fake account per test.
func conformance(t *testing.T, country string, typ providers.NumberType) {
	var mu sync.Mutex
	fakes := map[providers.Provider]*vonagetest.Fake{}
	providertest.Suite{
		Country: country,
		Type:    typ,
		New: func(t *testing.T) providers.Provider {
			f := newFake(t)
			p := newProvider(t, f, withDataDir(t.TempDir()))
			mu.Lock()
			fakes[p] = f
			mu.Unlock()
			return p
		},
		Deliver: func(t *testing.T, p providers.Provider, n providers.Number, from, text string) {
			mu.Lock()
			f := fakes[p]
			mu.Unlock()
			require.NotNil(t, f, "no fake behind this provider")
			f.Deliver(from, n.Number, text)
		},
		NewUnauthorized: func(t *testing.T) providers.Provider {
			f := newFake(t)
			return newProvider(t, f, withCreds(map[string]string{vonage.CredAPIKey: f.APIKey, vonage.CredAPISecret: "wrong-secret-1"}))
		},
	}.Run(t)
}

func TestConformanceGBMobile(t *testing.T) { conformance(t, "GB", providers.TypeMobile) }

func TestConformanceUSLocal(t *testing.T) { conformance(t, "US", providers.TypeLocal) }
