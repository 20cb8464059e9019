package fakeserver

import (
	"slices"
	"testing"

	"github.com/nyaruka/phonenumbers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The numbers are ones vnum's own checks accept as the country and type asked for, and none is
// handed out twice.
func TestNewNumbersAreValidAndNew(t *testing.T) {
	types := []phonenumbers.PhoneNumberType{phonenumbers.MOBILE}
	used := map[string]bool{}
	first := NewNumbers("GB", types, 5, used)
	second := NewNumbers("GB", types, 5, used)
	require.Len(t, first, 5)
	require.Len(t, second, 5)
	for _, e164 := range append(slices.Clone(first), second...) {
		num, err := phonenumbers.Parse(e164, "")
		require.NoError(t, err, e164)
		assert.True(t, phonenumbers.IsValidNumberForRegion(num, "GB"), e164)
		assert.Equal(t, phonenumbers.MOBILE, phonenumbers.GetNumberType(num), e164)
		assert.True(t, used[e164], "%s recorded as used", e164)
		assert.Equal(t, "+", e164[:1])
	}
	for _, e164 := range second {
		assert.NotContains(t, first, e164)
	}
}

// US mobiles are fixed-line-or-mobile: asked for mobiles only, there are none.
func TestNewNumbersNoneOfAnotherType(t *testing.T) {
	assert.Empty(t, NewNumbers("US", []phonenumbers.PhoneNumberType{phonenumbers.MOBILE}, 3, map[string]bool{}))
	assert.Empty(t, NewNumbers("ZZ", []phonenumbers.PhoneNumberType{phonenumbers.MOBILE}, 3, map[string]bool{}))
}
