package theme

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestDarkBackground(t *testing.T) {
	for in, want := range map[string]bool{
		"": true, "15;0": true, "0;15": false, "12;8": true, "0;7": false, "default;default": true, "15;default;0": true, "garbage": true,
	} {
		assert.Equal(t, want, DarkBackground(in), in)
	}
}
