package twilio_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/vnum-cli/vnum/providers/twilio"
)

// A FriendlyName that only writes the number (Twilio's default, or the user's own formatting)
// is no label; anything else is.
func TestLabelFrom(t *testing.T) {
	tests := []struct {
		friendly, e164, want string
	}{
		{"(202) 555-0100", "+12025550100", ""}, // Twilio's default for a US number
		{"+12025550100", "+12025550100", ""},
		{"1 (202) 555-0100", "+12025550100", ""},
		{"06 12 34 56 78", "+33612345678", ""}, // national, with the trunk prefix
		{"+33 6 12 34 56 78", "+33612345678", ""},
		{"612345678", "+33612345678", ""},
		{"020 7946 0123", "+442079460123", ""},
		{"06 1234 5678", "+390612345678", ""}, // Italy keeps its leading zero
		{"", "+12025550100", ""},
		{"shop", "+12025550100", "shop"},
		{"2025550199", "+12025550100", "2025550199"}, // another number is a label
		{"(202) 555-0100 x", "+12025550100", "(202) 555-0100 x"},
	}
	for _, tt := range tests {
		t.Run(tt.friendly, func(t *testing.T) {
			assert.Equal(t, tt.want, twilio.LabelFrom(tt.friendly, tt.e164))
		})
	}
}
