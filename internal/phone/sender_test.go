package phone

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSender(t *testing.T) {
	tests := []struct {
		in, region, want string
		wantErr          bool
	}{
		{in: "36105", want: "36105"},                    // a short code, as most signup codes come
		{in: "+447700900123", want: "+447700900123"},    // a drama range libphonenumber rejects
		{in: "+33 6 12 34 56 78", want: "+33612345678"}, // read and normalised
		{in: "06 12 34 56 78", region: "FR", want: "+33612345678"},
		{in: "0033612345678", want: "+33612345678"},
		{in: "Ünïcødé", want: "Ünïcødé"},
		{in: "Google", want: "Google"},
		{in: " G-Verify ", want: "G-Verify"},
		{in: "", wantErr: true},
		{in: "TwelveCharsX", wantErr: true},
		{in: "Goo\u200bgle", wantErr: true}, // zero-width space: two senders that look alike
		{in: "a\nb", wantErr: true},
		{in: "+1234567890123456", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Sender(tt.in, tt.region)
			if tt.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestIsPremium(t *testing.T) {
	assert.True(t, IsPremium("+449098765432"))
	assert.False(t, IsPremium("+447400123456"))
	assert.False(t, IsPremium("not a number"))
}
