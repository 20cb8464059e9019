package sandbox_test

import (
	"testing"

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
