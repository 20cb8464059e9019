package cmdutil

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/internal/duration"
)

// The allowed characters the message names are the ones enforced; length is in characters.
func TestValidateLabelCharacters(t *testing.T) {
	for _, bad := range []string{"shop\u200b", "sh\u00adop", "a/b", "☕", "x\u202ey", strings.Repeat("é", 65)} {
		assert.Error(t, ValidateLabel(bad), "%q", bad)
	}
	for _, ok := range []string{strings.Repeat("é", 64), "日本", "a-b_c.d@e:f"} {
		assert.NoError(t, ValidateLabel(ok), ok)
	}
	err := ValidateLabel("shop\u200b")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "invisible character (U+200B)")
	err = ValidateLabel(strings.Repeat("é", 65))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "65 characters long")
}

func TestSpanWords(t *testing.T) {
	for d, want := range map[string]string{"1m": "1 minute", "30d": "30 days", "36h": "1 day 12 hours", "90s": "1 minute 30 seconds", "2h": "2 hours"} {
		dur, err := duration.Parse(d)
		require.NoError(t, err)
		assert.Equal(t, want, SpanWords(dur), d)
	}
}
