package cmdutil

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A lifetime the store could not keep as a date is refused before anything is bought.
func TestParseTTLBounds(t *testing.T) {
	d, err := ParseTTL("--ttl", "3650d")
	require.NoError(t, err)
	assert.Equal(t, MaxTTL, d)

	for _, s := range []string{"3651d", "99999d", "600w"} {
		_, err := ParseTTL("--ttl", s)
		require.Error(t, err, s)
		assert.Equal(t, ExitUsage, ExitCodeFor(err), s)
		assert.Contains(t, err.Error(), "at most 3650d")
	}
	_, err = ParseTTL("ttl (config.yaml or VNUM_TTL)", "abc")
	assert.ErrorContains(t, err, "ttl (config.yaml or VNUM_TTL): ")
	assert.Less(t, time.Now().Add(MaxTTL).Year(), 2262, "within what the store's clock can hold")
}
