package all

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A carrier is checked either through its adapter or through Verifiers, never both, and the
// carriers known only to Verifiers stay out of the registry (`vnum providers`, --provider).
func TestVerifiersAreCarriersWithoutAdapter(t *testing.T) {
	r, err := Registry()
	require.NoError(t, err)
	vs := Verifiers()
	for name, v := range vs {
		assert.NotNil(t, v, name)
		_, registered := r.Lookup(name)
		assert.False(t, registered, "%s has an adapter: verify through it and drop it from Verifiers", name)
	}
	assert.Contains(t, vs, "telnyx")
	assert.Contains(t, vs, "vonage")
}
