package callhook_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/internal/callhook"
	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/providers"
)

// carrier is a CallHook whose numbers each have a connection; vnum's is "app".
type carrier struct {
	providers.Provider
	conn      map[string]string
	failPoint error
	// seenRecord is whether the store had the number's record when the carrier was changed.
	st         *store.Store
	seenRecord bool
}

func (c *carrier) Name() string { return "telnyx" }

func (c *carrier) PointCalls(ctx context.Context, id, url string) (string, error) {
	_, c.seenRecord, _ = c.st.CallHookOf(ctx, "telnyx", id)
	if c.failPoint != nil {
		return "", c.failPoint
	}
	prev, ok := c.conn[id]
	if !ok {
		return "", providers.ErrNotFound
	}
	c.conn[id] = "app"
	return prev, nil
}

func (c *carrier) UnpointCalls(_ context.Context, id, previous string) error {
	if _, ok := c.conn[id]; !ok {
		return providers.ErrNotFound
	}
	c.conn[id] = previous
	return nil
}

func setup(t *testing.T) (*store.Store, *carrier, store.Number) {
	st, err := store.Open(filepath.Join(t.TempDir(), "vnum.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	n := store.Number{Provider: "telnyx", CarrierID: "n1", E164: "+13125550002"}
	require.NoError(t, st.InsertNumber(t.Context(), &n))
	return st, &carrier{conn: map[string]string{"n1": "users-conn"}, st: st}, n
}

func TestPointRecordsBeforeTheCarrierThenPutsBack(t *testing.T) {
	st, c, n := setup(t)
	ctx := t.Context()
	require.NoError(t, callhook.Point(ctx, st, c, n, "https://serve/hooks/t/telnyx/calls"))
	assert.True(t, c.seenRecord, "the record exists before the carrier is changed")
	assert.Equal(t, "app", c.conn["n1"])
	// Pointed again (a block list change): what it had first is kept.
	require.NoError(t, callhook.Point(ctx, st, c, n, "https://serve/hooks/t/telnyx/calls"))
	h, _, err := st.CallHookOf(ctx, "telnyx", "n1")
	require.NoError(t, err)
	assert.Equal(t, "users-conn", h.Previous)

	put, err := callhook.PutBack(ctx, st, c, "telnyx", "n1")
	require.NoError(t, err)
	assert.True(t, put)
	assert.Equal(t, "users-conn", c.conn["n1"])
	pointed, err := callhook.Pointed(ctx, st, "telnyx", "n1")
	require.NoError(t, err)
	assert.False(t, pointed)
	put, err = callhook.PutBack(ctx, st, c, "telnyx", "n1")
	require.NoError(t, err)
	assert.False(t, put, "nothing left to put back")
}

func TestPointRefusedLeavesNoRecord(t *testing.T) {
	st, c, n := setup(t)
	c.failPoint = errors.New("422 connection_id invalid")
	require.Error(t, callhook.Point(t.Context(), st, c, n, "https://serve/calls"))
	pointed, err := callhook.Pointed(t.Context(), st, "telnyx", "n1")
	require.NoError(t, err)
	assert.False(t, pointed)
	assert.Equal(t, "users-conn", c.conn["n1"], "unchanged")
}

func TestCrashAfterRecordIsPutBackNextRun(t *testing.T) {
	st, c, _ := setup(t)
	ctx := t.Context()
	// A run recorded the number and changed the carrier, then died before saying what was there.
	require.NoError(t, st.SaveCallHook(ctx, store.CallHook{Provider: "telnyx", CarrierID: "n1", URL: "https://serve/calls"}))
	c.conn["n1"] = "app"
	put, err := callhook.PutBack(ctx, st, c, "telnyx", "n1")
	require.NoError(t, err)
	assert.True(t, put)
	assert.Equal(t, "", c.conn["n1"], "the number leaves vnum's application")
}

func TestPutBackOfANumberGoneAtTheCarrier(t *testing.T) {
	st, c, n := setup(t)
	ctx := t.Context()
	require.NoError(t, callhook.Point(ctx, st, c, n, "https://serve/calls"))
	delete(c.conn, "n1")
	put, err := callhook.PutBack(ctx, st, c, "telnyx", "n1")
	require.NoError(t, err)
	assert.True(t, put)
	pointed, _ := callhook.Pointed(ctx, st, "telnyx", "n1")
	assert.False(t, pointed)
}

func TestPointOnACarrierWithoutHooks(t *testing.T) {
	st, _, n := setup(t)
	err := callhook.Point(t.Context(), st, plain{}, n, "https://serve/calls")
	require.ErrorIs(t, err, providers.ErrUnsupported)
}

type plain struct{ providers.Provider }

func (plain) Name() string { return "sandbox" }

func TestPointAfterARunKilledBeforeTheChangeKeepsWhatItHad(t *testing.T) {
	st, c, n := setup(t)
	ctx := t.Context()
	// A run recorded the number, then died before the carrier was changed.
	require.NoError(t, st.SaveCallHook(ctx, store.CallHook{Provider: "telnyx", CarrierID: "n1", URL: "https://serve/calls"}))
	require.NoError(t, callhook.Point(ctx, st, c, n, "https://serve/calls"))
	_, err := callhook.PutBack(ctx, st, c, "telnyx", "n1")
	require.NoError(t, err)
	assert.Equal(t, "users-conn", c.conn["n1"])
}

// peeker is a carrier that says what the number's calls go to before it is changed.
type peeker struct{ *carrier }

func (c peeker) CallsNow(_ context.Context, id, _ string) (string, error) {
	if c.conn[id] == "app" {
		return "", nil
	}
	return c.conn[id], nil
}

func TestPointRecordsWhatTheNumberHadBeforeTheChange(t *testing.T) {
	st, c, n := setup(t)
	ctx := t.Context()
	c.failPoint = &providers.Error{Provider: "telnyx", Kind: providers.ErrTemporary, Message: "killed mid-request"}
	require.Error(t, callhook.Point(ctx, st, peeker{c}, n, "https://serve/calls"))
	h, known, err := st.CallHookOf(ctx, "telnyx", "n1")
	require.NoError(t, err)
	require.True(t, known, "a change that may have been made keeps its record")
	assert.Equal(t, "users-conn", h.Previous, "recorded before the carrier was asked")
}
