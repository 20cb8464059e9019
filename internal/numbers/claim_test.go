package numbers

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/internal/phone"
	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/providers"
	"github.com/vnum-cli/vnum/providers/providertest"
)

// other is a second vnum process on the same store, alive for as long as the test runs.
func (e *env) other(t *testing.T, pid int) *Manager {
	t.Helper()
	st, err := store.Open(e.path)
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	m := e.manager(st, pid)
	m.Alive = func(int) bool { return true }
	e.m.Alive = func(int) bool { return true }
	return m
}

// holdOn makes the fake carrier stop inside the first call of op until the returned release is
// called, and says (on the first channel) when that call has begun.
func (e *env) holdOn(op string) (started <-chan struct{}, release func()) {
	begun, gate := make(chan struct{}), make(chan struct{})
	first := true
	e.fake.Before = func(_ context.Context, c providertest.Call) error {
		if c.Op == op && first {
			first = false
			close(begun)
			<-gate
		}
		return nil
	}
	return begun, func() { close(gate) }
}

func TestSecondRotateOfANumberIsRefusedBeforeBuying(t *testing.T) {
	e := newEnv(t)
	old := e.buy(t, "pr")
	other := e.other(t, 2000)
	begun, release := e.holdOn(providertest.OpForward) // the first rotate has bought, and configures
	done := make(chan error)
	go func() {
		_, err := e.m.Rotate(context.Background(), old, nil)
		done <- err
	}()
	<-begun
	buysBefore := e.fake.CallCount(providertest.OpBuy)

	_, err := other.Rotate(t.Context(), old, nil)
	require.ErrorIs(t, err, ErrBusy)
	assert.Contains(t, err.Error(), "a rotate of pr is under way")
	_, err = other.Release(t.Context(), old, store.EndReleased)
	require.ErrorIs(t, err, ErrBusy, "a release beside the rotate is refused too")
	assert.Equal(t, buysBefore, e.fake.CallCount(providertest.OpBuy), "the second rotate bought nothing")

	release()
	require.NoError(t, <-done)
	// Once the first is done, the old number is in history: a rotate with the stale record is
	// told so, and buys nothing.
	_, err = other.Rotate(t.Context(), old, nil)
	require.ErrorIs(t, err, ErrEnded)
	assert.Contains(t, err.Error(), "pr was already rotated by another vnum")
	assert.Equal(t, buysBefore, e.fake.CallCount(providertest.OpBuy))
	ns := e.numbers(t)
	require.Len(t, ns, 1)
	assert.Equal(t, "pr", ns[0].Label, "the replacement kept the label")
	assert.Len(t, e.owned(t), 1, "the carrier bills exactly one number")
}

func TestRotateWaitingForTheNextRunHoldsTheNumber(t *testing.T) {
	e := newEnv(t)
	old := e.buy(t, "pr")
	e.fake.BuyState = providers.StatePendingDocuments // the replacement waits for paperwork: a later run finishes the rotate
	_, err := e.m.Rotate(t.Context(), old, nil)
	require.NoError(t, err)
	require.Len(t, e.ops(t), 1)
	buys := e.fake.CallCount(providertest.OpBuy)

	_, err = e.m.Rotate(t.Context(), old, nil)
	require.ErrorIs(t, err, ErrBusy, "no second replacement while one is pending")
	assert.Contains(t, err.Error(), "is not finished yet")
	assert.Equal(t, buys, e.fake.CallCount(providertest.OpBuy))
}

func TestReleaseOfANumberAnotherVnumReleased(t *testing.T) {
	e := newEnv(t)
	n := e.buy(t, "shop")
	other := e.other(t, 2000)
	_, err := other.Release(t.Context(), n, store.EndBurned)
	require.NoError(t, err)

	_, err = e.m.Release(t.Context(), n, store.EndReleased)
	require.ErrorIs(t, err, ErrEnded)
	assert.Equal(t, "shop was already burned by another vnum", err.Error())
	assert.Empty(t, e.ops(t))
}

func TestOverlappingExpiresBothSucceed(t *testing.T) {
	e := newEnv(t)
	a, b := e.buy(t, "a"), e.buy(t, "b")
	e.now = e.now.Add(25 * time.Hour)
	other := e.other(t, 2000)
	// While this expire releases a, another one releases b.
	e.fake.Before = func(_ context.Context, c providertest.Call) error {
		if c.Op == providertest.OpRelease && c.ID == a.CarrierID {
			_, err := other.Release(context.Background(), b, store.EndExpired)
			require.NoError(t, err)
		}
		return nil
	}
	res, err := e.m.Expire(t.Context(), false)
	require.NoError(t, err)
	require.Len(t, res, 2)
	for _, r := range res {
		require.NoError(t, r.Err)
	}
	require.ErrorIs(t, res[1].ByOther, ErrEnded)
	assert.Contains(t, res[1].ByOther.Error(), "already expired by another vnum")
	assert.Empty(t, e.numbers(t))
	assert.Empty(t, e.owned(t))
}

func TestRotateRefusedSetUpReleasesTheReplacement(t *testing.T) {
	e := newEnv(t)
	old := e.buy(t, "rt")
	e.fake.Before = providertest.FailOn(&providers.Error{Provider: "fake", Kind: providers.ErrPaperwork}, providertest.OpForward)
	res, err := e.m.Rotate(t.Context(), old, nil)
	require.ErrorIs(t, err, ErrRotateNotDone)
	require.ErrorIs(t, err, providers.ErrPaperwork, "exits as the carrier's refusal does")
	assert.False(t, res.Moved)
	assert.Contains(t, err.Error(), "rt (+33 6 12 34 56 71) is kept")
	assert.Contains(t, err.Error(), "so vnum released it")
	ns := e.numbers(t)
	require.Len(t, ns, 1)
	assert.Equal(t, old.E164, ns[0].E164)
	assert.Equal(t, "rt", ns[0].Label)
	assert.Len(t, e.owned(t), 1, "the replacement is no longer billed")
	assert.Empty(t, e.ops(t), "nothing left to repeat on every run")
}

func TestRotateTemporarySetUpFailureNamesTheOldNumberKept(t *testing.T) {
	e := newEnv(t)
	old := e.buy(t, "rt")
	e.fake.Before = providertest.FailOn(&providers.Error{Provider: "fake", Kind: providers.ErrTemporary}, providertest.OpForward)
	res, err := e.m.Rotate(t.Context(), old, nil)
	require.ErrorIs(t, err, providers.ErrTemporary)
	assert.False(t, res.Moved)
	assert.Contains(t, err.Error(), "rt (+33 6 12 34 56 71) is kept")
	assert.Contains(t, err.Error(), "its replacement "+phone.Format(res.New.E164)+" is bought")
	buys := e.fake.CallCount(providertest.OpBuy)
	_, err = e.m.Rotate(t.Context(), old, nil)
	require.ErrorIs(t, err, ErrBusy)
	assert.Equal(t, buys, e.fake.CallCount(providertest.OpBuy), "no second replacement")
}

// The same number on two carriers: REF alone is ambiguous and says to add --provider; with the
// carrier named, it resolves.
func TestResolveOnOneCarrier(t *testing.T) {
	e := newEnv(t)
	for _, p := range []string{"twilio", "telnyx"} {
		n := store.Number{Provider: p, CarrierID: p + "-id", E164: "+33612345679", State: providers.StateActive}
		require.NoError(t, e.st.InsertNumber(t.Context(), &n))
	}
	_, err := e.m.Resolve(t.Context(), "+33 6 12 34 56 79", "")
	require.ErrorIs(t, err, ErrAmbiguous)
	assert.Contains(t, err.Error(), "--provider")
	n, err := e.m.ResolveOn(t.Context(), "+33 6 12 34 56 79", "", "telnyx")
	require.NoError(t, err)
	assert.Equal(t, "telnyx-id", n.CarrierID)
	_, err = e.m.ResolveOn(t.Context(), "+33 6 12 34 56 79", "", "vonage")
	require.ErrorIs(t, err, ErrNoMatch)
}

// Recovery notes say what was finished: the set-up of a number already bought is not "an
// interrupted buy", a burn is a burn, and numbers are formatted.
func TestRecoverNotesSayWhatWasFinished(t *testing.T) {
	e := newEnv(t)
	e.fake.Before = providertest.FailOn(&providers.Error{Provider: "fake", Kind: providers.ErrTemporary}, providertest.OpForward)
	req := buyReq()
	req.Label, req.ForwardTo = "b", "+33612345678"
	res, err := e.m.Buy(t.Context(), req)
	require.Error(t, err)
	require.NotZero(t, res.Number.ID, "bought, forwarding left for the next run")
	e.fake.Before = nil
	notes, err := e.manager(e.st, 6000).Recover(t.Context())
	require.NoError(t, err)
	require.Len(t, notes, 1)
	assert.Equal(t, "finished setting up +33 6 12 34 56 71 (b): it is now forwarded to +33 6 12 34 56 78", notes[0])

	// A burn interrupted before the carrier answered is finished as a burn.
	e.fake.Before = providertest.FailOn(&providers.Error{Provider: "fake", Kind: providers.ErrTemporary}, providertest.OpRelease, providertest.OpGet)
	_, err = e.m.Release(t.Context(), res.Number, store.EndBurned)
	require.Error(t, err)
	e.fake.Before = nil
	notes, err = e.manager(e.st, 6001).Recover(t.Context())
	require.NoError(t, err)
	assert.Equal(t, []string{"finished an interrupted burn of +33 6 12 34 56 71"}, notes)
}

func TestRecoverNotesNothingWhileDocumentsArePending(t *testing.T) {
	e := newEnv(t)
	e.fake.BuyState = providers.StatePendingDocuments
	req := buyReq()
	req.ForwardTo = "+33612345678"
	_, err := e.m.Buy(t.Context(), req)
	require.NoError(t, err)
	require.Len(t, e.ops(t), 1, "forwarding waits for the documents")
	notes, err := e.manager(e.st, 6000).Recover(t.Context())
	require.NoError(t, err)
	assert.Empty(t, notes, "nothing was finished")
}
