package all

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every carrier's descriptor is complete enough for the commands that read it: a title for
// prose, a check for the credentials of carriers without an adapter, exactly one secret per
// credential set, and variables that follow vnum's naming.
func TestDescriptorsAreComplete(t *testing.T) {
	r, err := Registry()
	require.NoError(t, err)
	assert.Equal(t, []string{"sandbox", "telnyx", "twilio", "vonage"}, r.Names(), "carriers --provider accepts")
	assert.Equal(t, []string{"telnyx", "twilio", "vonage"}, r.WithAuth(), "carriers vnum auth manages")
	for _, d := range r.All() {
		t.Run(d.Name, func(t *testing.T) {
			assert.NotEmpty(t, d.Title)
			assert.NotEmpty(t, d.Description)
			if !d.Usable() {
				assert.NotNil(t, d.Verify, "a carrier without an adapter checks its credentials with Verify")
			} else {
				assert.Nil(t, d.Verify, "a carrier with an adapter checks its credentials through its Verifier")
			}
			for _, set := range d.Auth {
				secrets := 0
				for _, c := range set.Fields {
					assert.NotEmpty(t, c.Env, "%s has no environment variable", c.Key)
					if c.Secret {
						secrets++
						assert.Empty(t, c.Flag, "a secret is never a flag")
					}
				}
				assert.Equal(t, 1, secrets, "set %q needs exactly one secret", set.Name)
			}
			if d.Endpoint.Env != "" {
				assert.Equal(t, "VNUM_"+strings.ToUpper(d.Name)+"_BASE_URL", d.Endpoint.Env)
			}
			for _, v := range d.Env {
				assert.Regexp(t, "^VNUM_"+strings.ToUpper(d.Name)+"_", v.Name)
				assert.NotEmpty(t, v.Help)
			}
		})
	}
}
