package twilio_test

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/providers"
	"github.com/vnum-cli/vnum/providers/providertest"
	"github.com/vnum-cli/vnum/providers/twilio"
	faketwilio "github.com/vnum-cli/vnum/providers/twilio/twiliotest"
)

// conformance runs vnum's provider suite against the adapter on a fake account per test;
// prepare sets the account up (bundles for regulated countries…).
func conformance(t *testing.T, country string, typ providers.NumberType, prepare func(f *faketwilio.Fake)) {
	var mu sync.Mutex
	fakes := map[providers.Provider]*faketwilio.Fake{}
	providertest.Suite{
		Country: country,
		Type:    typ,
		New: func(t *testing.T) providers.Provider {
			f := newFake(t)
			if prepare != nil {
				prepare(f)
			}
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
			f.Deliver(from, n.Number, text)
		},
		NewUnauthorized: func(t *testing.T) providers.Provider {
			f := newFake(t)
			return newProvider(t, f, withCreds(map[string]string{
				twilio.CredAccountSID: f.AccountSID,
				twilio.CredAuthToken:  "0123456789abcdef0123456789abcdef",
			}))
		},
	}.Run(t)
}

func TestConformanceUSLocal(t *testing.T) {
	conformance(t, "US", providers.TypeLocal, nil)
}

// France needs an approved bundle for every number: the adapter finds the account's only one.
func TestConformanceFRMobile(t *testing.T) {
	conformance(t, "FR", providers.TypeMobile, func(f *faketwilio.Fake) {
		f.AddBundle("FR", "mobile", "twilio-approved", "vnum test bundle")
	})
}
