package telnyx_test

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/providers"
	"github.com/vnum-cli/vnum/providers/providertest"
	"github.com/vnum-cli/vnum/providers/telnyx/telnyxtest"
)

// conformance runs vnum's provider suite against the adapter on a fake account per test.
func conformance(t *testing.T, country string, typ providers.NumberType) {
	var mu sync.Mutex
	fakes := map[providers.Provider]*telnyxtest.Fake{}
	providertest.Suite{
		Country:     country,
		Type:        typ,
		NoAccountID: true,
		New: func(t *testing.T) providers.Provider {
			f := newFake(t)
			p := newProvider(t, f)
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
			_, err := f.Deliver(from, n.Number, text)
			require.NoError(t, err)
		},
		NewUnauthorized: func(t *testing.T) providers.Provider {
			return newProvider(t, newFake(t), "KEYWRONG_0123456789")
		},
	}.Run(t)
}

func TestConformanceUSLocal(t *testing.T) { conformance(t, "US", providers.TypeLocal) }

// France asks for an address before it activates local numbers: orders stay pending for documents.
func TestConformanceFRLocal(t *testing.T) { conformance(t, "FR", providers.TypeLocal) }
