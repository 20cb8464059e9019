package sandbox_test

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/providers"
	"github.com/vnum-cli/vnum/providers/providertest"
	"github.com/vnum-cli/vnum/providers/sandbox"
)

func TestConformance(t *testing.T) {
	for _, where := range []struct {
		country string
		typ     providers.NumberType
	}{{"US", providers.TypeLocal}, {"FR", providers.TypeMobile}, {"GB", providers.TypeLocal}} {
		t.Run(where.country+" "+string(where.typ), func(t *testing.T) {
			providertest.Suite{
				New:     func(t *testing.T) providers.Provider { return newSandbox(t, t.TempDir(), nil) },
				Country: where.country,
				Type:    where.typ,
				Deliver: func(t *testing.T, p providers.Provider, n providers.Number, from, text string) {
					_, err := p.(*sandbox.Provider).Deliver(t.Context(), n.ID, from, text)
					require.NoError(t, err)
				},
				NewUnauthorized: func(t *testing.T) providers.Provider {
					return newSandbox(t, t.TempDir(), map[string]string{sandbox.EnvFail: "*:unauthorized"})
				},
			}.Run(t)
		})
	}
}

// newSandbox returns a sandbox keeping its state in dir, seeing only env, closed with the test.
func newSandbox(t testing.TB, dir string, env map[string]string) *sandbox.Provider {
	t.Helper()
	p, err := sandbox.New(providers.Settings{DataDir: dir, Env: func(k string) string { return env[k] }})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, p.Close()) })
	return p
}

// Two data directories on one VNUM_SANDBOX_DIR are two machines on one carrier account: a number
// bought by one is the other's too, messages included, and concurrent buys never sell one number
// twice.
func TestSharedWorld(t *testing.T) {
	world := t.TempDir()
	env := map[string]string{sandbox.EnvDir: world}
	a := newSandbox(t, t.TempDir(), env)
	b := newSandbox(t, t.TempDir(), env)
	offers, err := a.Search(t.Context(), providers.Query{Country: "FR", Type: providers.TypeLocal, Limit: 20})
	require.NoError(t, err)
	n, err := a.Buy(t.Context(), providers.BuyRequest{Number: offers[0].Number, Country: "FR", Type: providers.TypeLocal})
	require.NoError(t, err)
	owned, err := b.List(t.Context())
	require.NoError(t, err)
	require.Len(t, owned, 1)
	require.Equal(t, n.Number, owned[0].Number)
	_, err = b.Deliver(t.Context(), n.ID, "App", "code 123456")
	require.NoError(t, err)
	msgs, err := a.Messages(t.Context(), n.ID, time.Time{})
	require.NoError(t, err)
	require.Len(t, msgs, 1)

	// Processes buying at once from one world each get a number of their own.
	var wg sync.WaitGroup
	got := make([]string, 8)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := newSandbox(t, t.TempDir(), env)
			for _, o := range offers { // all race for the same numbers, as scripts on many machines do
				bought, err := p.Buy(t.Context(), providers.BuyRequest{Number: o.Number, Country: "FR", Type: providers.TypeLocal})
				if err == nil {
					got[i] = bought.Number
					return
				}
			}
		}()
	}
	wg.Wait()
	seen := map[string]bool{n.Number: true}
	for _, num := range got {
		require.NotEmpty(t, num)
		require.False(t, seen[num], "%s sold twice", num)
		seen[num] = true
	}

	_, err = sandbox.New(providers.Settings{DataDir: t.TempDir(), Env: func(k string) string {
		return map[string]string{sandbox.EnvDir: "relative/dir"}[k]
	}})
	require.ErrorContains(t, err, "absolute path")
}
