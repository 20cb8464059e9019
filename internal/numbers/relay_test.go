package numbers

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/providers"
)

// On a carrier that cannot forward SMS, forwarding them means vnum serve's relay: the carrier
// forwards calls only, the store keeps the SMS target; off, rotate and release keep it right.
func TestForwardSMSRelay(t *testing.T) {
	const phone, other = "+33612345678", "+33611111111"
	e := newEnv(t)
	e.fake.Caps.ForwardSMS = false
	n := e.buy(t, "shop")
	relayOf := func(id int64) string {
		t.Helper()
		target, err := e.st.SMSRelay(t.Context(), id)
		require.NoError(t, err)
		return target
	}

	// serve not set up: refused, nothing changed.
	_, err := e.m.Forward(t.Context(), n, providers.Forwarding{Calls: other, SMS: other})
	require.ErrorIs(t, err, providers.ErrUnsupported)
	assert.Empty(t, relayOf(n.ID))

	e.m.SMSRelay = true
	n, err = e.m.Forward(t.Context(), n, providers.Forwarding{Calls: other, SMS: other})
	require.NoError(t, err)
	assert.Equal(t, providers.Forwarding{Calls: other, SMS: other}, n.Forward, "shown as forwarded")
	assert.Equal(t, other, relayOf(n.ID))
	owned := e.owned(t)
	require.Len(t, owned, 1)
	assert.Equal(t, providers.Forwarding{Calls: other}, owned[0].Forward, "the carrier forwards calls only")

	// Rotate moves the relay to the new number; the old one's is gone with it.
	res, err := e.m.Rotate(t.Context(), n, nil)
	require.NoError(t, err)
	assert.Equal(t, other, res.New.Forward.SMS)
	assert.Equal(t, other, relayOf(res.New.ID))
	assert.Empty(t, relayOf(n.ID))

	// Calls only: the relay stops.
	n, err = e.m.Forward(t.Context(), res.New, providers.Forwarding{Calls: phone})
	require.NoError(t, err)
	assert.Empty(t, relayOf(n.ID))
	n, err = e.m.Forward(t.Context(), n, providers.Forwarding{Calls: phone, SMS: phone})
	require.NoError(t, err)
	assert.Equal(t, phone, relayOf(n.ID))
	// Off.
	n, err = e.m.Forward(t.Context(), n, providers.Forwarding{})
	require.NoError(t, err)
	assert.Empty(t, relayOf(n.ID))
	assert.True(t, n.Forward.IsZero())

	// Release drops it.
	n, err = e.m.Forward(t.Context(), n, providers.Forwarding{Calls: phone, SMS: phone})
	require.NoError(t, err)
	_, err = e.m.Release(t.Context(), n, store.EndReleased)
	require.NoError(t, err)
	assert.Empty(t, relayOf(n.ID))
}
