package cmdutil

import "testing"

// --provider is read as the registry spells carriers, whatever case or spaces it was given in:
// a number's Provider compares equal to it.
func TestProviderFlagName(t *testing.T) {
	for _, tt := range []struct {
		flag *string
		want string
	}{
		{nil, ""},
		{ptr(""), ""},
		{ptr("twilio"), "twilio"},
		{ptr(" Telnyx "), "telnyx"},
	} {
		f := &Factory{ProviderFlag: tt.flag}
		if got := f.ProviderFlagName(); got != tt.want {
			t.Errorf("ProviderFlagName(%v) = %q, want %q", tt.flag, got, tt.want)
		}
	}
}

func ptr(s string) *string { return &s }
