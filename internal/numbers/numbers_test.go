package numbers

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/internal/pgtest"
	"github.com/vnum-cli/vnum/internal/phone"
	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/providers"
	"github.com/vnum-cli/vnum/providers/providertest"
)

const fr = "FR"

// stock is what the fake carrier sells in these tests: three French mobiles at rising prices.
func stock() []providers.Available {
	eur := func(a string) providers.Price { p, _ := providers.ParsePrice(a, "EUR"); return p }
	mk := func(n, price string) providers.Available {
		return providers.Available{Number: n, Country: fr, Type: providers.TypeMobile,
			Features: providers.Features{Voice: true, SMS: true}, Monthly: eur(price)}
	}
	return []providers.Available{
		mk("+33612345673", "3.00"),
		mk("+33612345671", "1.15"),
		mk("+33612345672", "2.00"),
	}
}

type env struct {
	m    *Manager
	fake *providertest.Fake
	st   *store.Store
	path string
	now  time.Time
}

// onPostgres is set for the second pass of the suite (TestMain): every env's store is then a new
// database on the test PostgreSQL server, shared by the env's "processes" as by a fleet's machines.
var onPostgres bool

func TestMain(m *testing.M) { os.Exit(pgtest.Both(m, &onPostgres)) }

func newEnv(t *testing.T) *env {
	t.Helper()
	path := filepath.Join(t.TempDir(), "vnum.db")
	if onPostgres {
		path = pgtest.URL(t)
	}
	st, err := store.Open(path)
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	fake := providertest.NewFake()
	fake.Stock = stock()
	e := &env{fake: fake, st: st, path: path, now: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
	fake.Now = func() time.Time { return e.now }
	e.m = e.manager(st, 1000)
	return e
}

// manager returns a Manager as process pid would build it; processes other than 1000 are dead.
func (e *env) manager(st *store.Store, pid int) *Manager {
	return New(Config{
		Store:        st,
		Provider:     func(string) (providers.Provider, error) { return e.fake, nil },
		Now:          func() time.Time { return e.now },
		PID:          pid,
		Alive:        func(p int) bool { return p == pid },
		PollInterval: time.Millisecond,
		PollMax:      5 * time.Millisecond,
	})
}

func buyReq() BuyRequest {
	return BuyRequest{Provider: providertest.FakeName, Query: providers.Query{Country: fr, Type: providers.TypeMobile}}
}

func (e *env) numbers(t *testing.T) []store.Number {
	t.Helper()
	ns, err := e.st.ListNumbers(t.Context())
	require.NoError(t, err)
	return ns
}

func (e *env) ops(t *testing.T) []store.Op {
	t.Helper()
	ops, err := e.st.ListOps(t.Context())
	require.NoError(t, err)
	return ops
}

func (e *env) owned(t *testing.T) []providers.Number {
	t.Helper()
	ns, err := e.fake.List(context.Background())
	require.NoError(t, err)
	return ns
}

func TestBuyPicksCheapestAndConfiguresIt(t *testing.T) {
	e := newEnv(t)
	req := buyReq()
	req.Label, req.ForwardTo, req.TTL = "shop", "+33612345678", 7*24*time.Hour
	res, err := e.m.Buy(t.Context(), req)
	require.NoError(t, err)

	assert.Equal(t, "+33612345671", res.Number.E164, "cheapest first")
	assert.Equal(t, "shop", res.Number.Label)
	assert.Equal(t, "+33612345678", res.Number.Forward.Calls)
	assert.Equal(t, e.now.Add(7*24*time.Hour), res.Number.ExpiresAt.UTC())
	assert.Equal(t, "1.15 EUR", res.Number.Monthly.String())
	assert.True(t, res.Number.Managed)
	assert.Empty(t, e.ops(t), "journal is empty once the buy is complete")

	owned := e.owned(t)
	require.Len(t, owned, 1)
	assert.Equal(t, "shop", owned[0].Label, "label written carrier-side")
	assert.Equal(t, "+33612345678", owned[0].Forward.Calls)
}

func TestBuyRefusesTakenLabelBeforeSpending(t *testing.T) {
	e := newEnv(t)
	req := buyReq()
	req.Label = "shop"
	_, err := e.m.Buy(t.Context(), req)
	require.NoError(t, err)
	_, err = e.m.Buy(t.Context(), req)
	require.ErrorIs(t, err, store.ErrLabelTaken)
	assert.Equal(t, 1, e.fake.CallCount(providertest.OpBuy), "nothing bought for the second request")
}

func TestBuyMaxPrice(t *testing.T) {
	e := newEnv(t)
	req := buyReq()
	max, _ := providers.ParsePrice("1.00", "")
	req.MaxPrice = &max
	_, err := e.m.Buy(t.Context(), req)
	require.ErrorIs(t, err, ErrOverPrice)
	assert.Contains(t, err.Error(), "1.15 EUR")
	assert.Zero(t, e.fake.CallCount(providertest.OpBuy))

	max, _ = providers.ParsePrice("2", "")
	res, err := e.m.Buy(t.Context(), req)
	require.NoError(t, err)
	assert.Equal(t, "+33612345671", res.Number.E164)
}

// A number whose price the carrier did not tell is never "the cheapest", and never passes a cap.
func TestBuyUnknownPrice(t *testing.T) {
	e := newEnv(t)
	e.fake.Stock = append(e.fake.Stock, providers.Available{Number: "+33612345670", Country: fr, Type: providers.TypeMobile,
		Features: providers.Features{Voice: true, SMS: true}})
	cands, err := e.m.Candidates(t.Context(), buyReq())
	require.NoError(t, err)
	assert.Equal(t, "+33612345671", cands[0].Number, "the cheapest priced number comes first")
	assert.Equal(t, "+33612345670", cands[len(cands)-1].Number, "the unpriced one last")

	e.fake.Stock = e.fake.Stock[len(e.fake.Stock)-1:]
	req := buyReq()
	max, _ := providers.ParsePrice("5", "")
	req.MaxPrice = &max
	_, err = e.m.Buy(t.Context(), req)
	require.ErrorIs(t, err, ErrOverPrice)
	assert.Contains(t, err.Error(), "did not tell the monthly price")
	assert.Zero(t, e.fake.CallCount(providertest.OpBuy))
}

// A number once held (burned, rotated away, released) is not handed out again by a buy that
// picks for itself; asked for by name, it is.
func TestBuyNeverPicksANumberHeldBefore(t *testing.T) {
	e := newEnv(t)
	first := e.buy(t, "shop")
	_, err := e.m.Release(t.Context(), first, store.EndBurned)
	require.NoError(t, err)
	res, err := e.m.Buy(t.Context(), buyReq())
	require.NoError(t, err)
	assert.NotEqual(t, first.E164, res.Number.E164)

	req := buyReq()
	req.Number = first.E164
	res, err = e.m.Buy(t.Context(), req)
	require.NoError(t, err)
	assert.Equal(t, first.E164, res.Number.E164)
}

func TestBuyConfirmDeclined(t *testing.T) {
	e := newEnv(t)
	req := buyReq()
	var asked providers.Available
	req.Confirm = func(a providers.Available) (bool, error) { asked = a; return false, nil }
	_, err := e.m.Buy(t.Context(), req)
	require.ErrorIs(t, err, ErrCancelled)
	assert.Equal(t, "+33612345671", asked.Number, "the user is shown the number and price first")
	assert.Zero(t, e.fake.CallCount(providertest.OpBuy))
	assert.Empty(t, e.numbers(t))
}

func TestBuyCarrierRefusalLeavesNothing(t *testing.T) {
	e := newEnv(t)
	e.fake.Before = func(_ context.Context, c providertest.Call) error {
		if c.Op == providertest.OpBuy {
			return &providers.Error{Provider: "fake", Kind: providers.ErrPaperwork, Message: "needs a bundle"}
		}
		return nil
	}
	_, err := e.m.Buy(t.Context(), buyReq())
	require.ErrorIs(t, err, providers.ErrPaperwork)
	assert.Empty(t, e.numbers(t))
	assert.Empty(t, e.ops(t))
}

// An asynchronous order (Telnyx) that the carrier accepted and then failed: nothing is billed,
// so the buy fails (a refusal, exit 8), the number goes to history, and the next offer is not
// tried (it would most likely fail alike).
func TestBuyFailedOrderEndsInHistory(t *testing.T) {
	e := newEnv(t)
	e.fake.BuyState = providers.StatePending
	e.fake.Before = func(_ context.Context, c providertest.Call) error {
		if c.Op == providertest.OpGet {
			return e.fake.SetState(c.ID, providers.StateFailed)
		}
		return nil
	}
	_, err := e.m.Buy(t.Context(), buyReq())
	require.ErrorIs(t, err, providers.ErrOutOfStock)
	assert.Contains(t, err.Error(), "could not fill the order")
	assert.Empty(t, e.numbers(t), "a failed order is not a number of yours")
	assert.Empty(t, e.ops(t), "nothing left to finish")
	assert.Equal(t, 1, e.fake.CallCount(providertest.OpBuy), "the next offer is not tried")
	h, err := e.st.ListHistory(t.Context())
	require.NoError(t, err)
	require.Len(t, h, 1)
}

// sold makes buying number fail as a carrier says a number was just sold to someone else.
func sold(number string) providertest.Hook {
	return func(_ context.Context, c providertest.Call) error {
		if c.Op == providertest.OpBuy && c.Request.Number == number {
			return &providers.Error{Provider: "fake", Kind: providers.ErrUnavailable}
		}
		return nil
	}
}

func TestBuyTakenMeanwhileTriesNext(t *testing.T) {
	e := newEnv(t)
	e.fake.Before = sold("+33612345671")
	res, err := e.m.Buy(t.Context(), buyReq())
	require.NoError(t, err)
	assert.Equal(t, "+33612345672", res.Number.E164, "the next cheapest")
	assert.Empty(t, e.ops(t))
}

// Once the user has said yes to a price, a number taken meanwhile is replaced only by one that
// costs no more: never a dearer one nobody agreed to.
func TestBuyTakenMeanwhileAfterConfirmStaysAtThePrice(t *testing.T) {
	e := newEnv(t)
	e.fake.Before = sold("+33612345671")
	req := buyReq()
	var asked []string
	req.Confirm = func(a providers.Available) (bool, error) { asked = append(asked, a.Number); return true, nil }
	_, err := e.m.Buy(t.Context(), req)
	require.ErrorIs(t, err, providers.ErrUnavailable)
	assert.Equal(t, []string{"+33612345671"}, asked)
	assert.Equal(t, 1, e.fake.CallCount(providertest.OpBuy), "the dearer +33612345672 is not bought")
	assert.Empty(t, e.numbers(t))

	p, _ := providers.ParsePrice("1.15", "EUR")
	e.fake.Stock[2].Monthly = p // +33612345672 now costs the same as the one confirmed
	res, err := e.m.Buy(t.Context(), req)
	require.NoError(t, err)
	assert.Equal(t, "+33612345672", res.Number.E164)
}

func TestBuyLostAnswerIsLookedUpNotRepeated(t *testing.T) {
	e := newEnv(t)
	e.fake.After = providertest.FailOn(&providers.Error{Provider: "fake", Kind: providers.ErrTemporary, Message: "connection reset"}, providertest.OpBuy)
	res, err := e.m.Buy(t.Context(), buyReq())
	require.NoError(t, err, "the number was bought: vnum finds it on the carrier")
	assert.Equal(t, "+33612345671", res.Number.E164)
	assert.Equal(t, 1, e.fake.CallCount(providertest.OpBuy), "never bought twice")
	assert.Len(t, e.numbers(t), 1)
	assert.Empty(t, e.ops(t))
}

// orderFinder is a carrier that keeps vnum's reference on its orders (Telnyx).
type orderFinder struct {
	*providertest.Fake
	refs []string
}

func (o *orderFinder) FindOrder(ctx context.Context, ref, number string) (providers.Number, bool, error) {
	o.refs = append(o.refs, ref)
	ns, err := o.List(ctx)
	for _, n := range ns {
		if n.Number == number {
			return n, true, err
		}
	}
	return providers.Number{}, false, err
}

// A carrier that keeps vnum's reference on its orders settles a lost answer by that reference,
// the buy's own, rather than by the number alone.
func TestBuyLostAnswerIsLookedUpByReference(t *testing.T) {
	e := newEnv(t)
	finder := &orderFinder{Fake: e.fake}
	m := New(Config{Store: e.st, Provider: func(string) (providers.Provider, error) { return finder, nil },
		Now: func() time.Time { return e.now }, PID: 1000, Alive: func(p int) bool { return p == 1000 },
		PollInterval: time.Millisecond, PollMax: 5 * time.Millisecond})
	e.fake.After = providertest.FailOn(&providers.Error{Provider: "fake", Kind: providers.ErrUnknownOutcome, Message: "502"}, providertest.OpBuy)
	res, err := m.Buy(t.Context(), buyReq())
	require.NoError(t, err)
	assert.Equal(t, "+33612345671", res.Number.E164)
	assert.Equal(t, 1, e.fake.CallCount(providertest.OpBuy), "never bought twice")
	require.Len(t, finder.refs, 1)
	assert.Regexp(t, `^vnum-op-\d+$`, finder.refs[0])
	for _, c := range e.fake.Calls() {
		if c.Op == providertest.OpBuy {
			assert.Equal(t, finder.refs[0], c.Request.Reference, "the reference the order carried")
		}
	}
}

func TestBuyLostAnswerAndCarrierUnreachableIsFinishedNextRun(t *testing.T) {
	e := newEnv(t)
	temp := &providers.Error{Provider: "fake", Kind: providers.ErrTemporary, Message: "network down"}
	e.fake.After = providertest.FailOn(temp, providertest.OpBuy)
	e.fake.Before = providertest.FailOn(temp, providertest.OpList)
	_, err := e.m.Buy(t.Context(), buyReq())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "next run")
	assert.Empty(t, e.numbers(t), "not known yet")
	require.Len(t, e.ops(t), 1, "but journaled")

	// The process dies; the network comes back; the next vnum process recovers.
	e.fake.After, e.fake.Before = nil, nil
	next := e.manager(e.st, 2000)
	notes, err := next.Recover(t.Context())
	require.NoError(t, err)
	require.Len(t, notes, 1)
	ns := e.numbers(t)
	require.Len(t, ns, 1, "the number the carrier bills is now listed")
	assert.Equal(t, "+33612345671", ns[0].E164)
	assert.Empty(t, e.ops(t))
	assert.Equal(t, 1, e.fake.CallCount(providertest.OpBuy))
}

// crashBuy journals a buy as a process that then died would have left it.
func (e *env) crashBuy(t *testing.T, plan buyPlan, step string) *store.Op {
	t.Helper()
	op := &store.Op{Kind: opBuy, Step: step, Provider: plan.Provider, OwnerPID: 4242}
	require.NoError(t, setPayload(op, plan))
	require.NoError(t, e.st.BeginOp(t.Context(), op))
	return op
}

// An order sent a moment ago by a process that then died may still be completing: a lookup that
// does not find the number yet keeps the journal entry, until the carrier has had its time.
func TestRecoverBuyKeepsAnOrderStillInFlight(t *testing.T) {
	e := newEnv(t)
	plan := buyPlan{Provider: providertest.FakeName, Number: "+33612345672", Country: fr, Type: providers.TypeMobile,
		Label: "shop", SentAt: e.now}
	e.crashBuy(t, plan, stepOrdering)
	_, err := e.m.Recover(t.Context())
	require.ErrorContains(t, err, "may still be completing")
	require.Len(t, e.ops(t), 1, "kept")

	e.now = e.now.Add(inFlight + time.Second)
	_, err = e.m.Recover(t.Context())
	require.NoError(t, err)
	assert.Empty(t, e.ops(t), "given up once the carrier has had its time")
	assert.Empty(t, e.numbers(t))
}

func TestRecoverBuyCrashedBeforeCarrierAnswered(t *testing.T) {
	for _, carrierSold := range []bool{true, false} {
		t.Run(fmt.Sprintf("carrier sold=%v", carrierSold), func(t *testing.T) {
			e := newEnv(t)
			plan := buyPlan{Provider: providertest.FakeName, Number: "+33612345672", Country: fr, Type: providers.TypeMobile,
				Label: "shop", Forward: providers.Forwarding{Calls: "+33612345678"}}
			if carrierSold {
				_, err := e.fake.Add(providers.Number{Number: plan.Number, Country: fr, Type: providers.TypeMobile})
				require.NoError(t, err)
			}
			e.crashBuy(t, plan, stepOrdering)

			_, err := e.m.Recover(t.Context())
			require.NoError(t, err)
			assert.Empty(t, e.ops(t), "the journal entry is finished either way")
			ns := e.numbers(t)
			if !carrierSold {
				assert.Empty(t, ns, "undone: nothing was bought, nothing is shown")
				assert.Zero(t, e.fake.CallCount(providertest.OpBuy), "and nothing is bought now")
				return
			}
			require.Len(t, ns, 1)
			assert.Equal(t, "shop", ns[0].Label)
			assert.Equal(t, "+33612345678", ns[0].Forward.Calls, "configuration finished too")
		})
	}
}

func TestRecoverLeavesLiveProcessesAlone(t *testing.T) {
	e := newEnv(t)
	plan := buyPlan{Provider: providertest.FakeName, Number: "+33612345672", Country: fr, Type: providers.TypeMobile}
	op := e.crashBuy(t, plan, stepOrdering)
	other := e.manager(e.st, 3000)
	other.Alive = func(pid int) bool { return pid == op.OwnerPID }
	notes, err := other.Recover(t.Context())
	require.NoError(t, err)
	assert.Empty(t, notes)
	assert.Len(t, e.ops(t), 1, "a buy another running process is doing is not touched")
	assert.Zero(t, e.fake.CallCount(providertest.OpList))
}

func TestPendingOrderIsConfiguredOnceActive(t *testing.T) {
	e := newEnv(t)
	e.fake.BuyState = providers.StatePendingDocuments
	req := buyReq()
	req.ForwardTo = "+33612345678"
	res, err := e.m.Buy(t.Context(), req)
	require.NoError(t, err)
	assert.Equal(t, providers.StatePendingDocuments, res.Number.State)
	require.Len(t, res.Warnings, 1)
	assert.Empty(t, res.Number.Forward.Calls)
	require.Len(t, e.ops(t), 1, "kept until the carrier approves")

	_, err = e.m.Recover(t.Context())
	require.NoError(t, err)
	assert.Len(t, e.ops(t), 1, "still pending: nothing to do yet")

	require.NoError(t, e.fake.SetState(res.Number.CarrierID, providers.StateActive))
	_, err = e.manager(e.st, 5000).Recover(t.Context())
	require.NoError(t, err)
	n, err := e.st.GetNumber(t.Context(), res.Number.ID)
	require.NoError(t, err)
	assert.Equal(t, providers.StateActive, n.State)
	assert.Equal(t, "+33612345678", n.Forward.Calls)
	assert.Empty(t, e.ops(t))
}

func (e *env) buy(t *testing.T, label string) store.Number {
	t.Helper()
	req := buyReq()
	req.Label = label
	req.ForwardTo = "+33612345678"
	req.TTL = 24 * time.Hour
	res, err := e.m.Buy(t.Context(), req)
	require.NoError(t, err)
	return res.Number
}

func TestRelease(t *testing.T) {
	e := newEnv(t)
	n := e.buy(t, "shop")
	h, err := e.m.Release(t.Context(), n, store.EndReleased)
	require.NoError(t, err)
	assert.Equal(t, n.E164, h.E164)
	assert.Equal(t, store.EndReleased, h.How)
	assert.Empty(t, e.numbers(t))
	assert.Empty(t, e.owned(t))
	assert.Empty(t, e.ops(t))
}

func TestReleaseOfNumberCarrierNoLongerHas(t *testing.T) {
	e := newEnv(t)
	n := e.buy(t, "shop")
	require.NoError(t, e.fake.Release(context.Background(), n.CarrierID))
	_, err := e.m.Release(t.Context(), n, store.EndBurned)
	require.NoError(t, err)
	hs, err := e.st.ListHistory(t.Context())
	require.NoError(t, err)
	require.Len(t, hs, 1)
	assert.Equal(t, store.EndBurned, hs[0].How)
}

func TestReleaseRefusedKeepsNumber(t *testing.T) {
	e := newEnv(t)
	n := e.buy(t, "shop")
	e.fake.Before = providertest.FailOn(&providers.Error{Provider: "fake", Kind: providers.ErrUnauthorized}, providertest.OpRelease)
	_, err := e.m.Release(t.Context(), n, store.EndReleased)
	require.ErrorIs(t, err, providers.ErrUnauthorized)
	assert.Len(t, e.numbers(t), 1)
	assert.Empty(t, e.ops(t))
}

func TestReleaseUnknownOutcomeFinishedNextRun(t *testing.T) {
	e := newEnv(t)
	n := e.buy(t, "shop")
	temp := &providers.Error{Provider: "fake", Kind: providers.ErrTemporary}
	e.fake.Before = providertest.FailOn(temp, providertest.OpRelease, providertest.OpGet)
	_, err := e.m.Release(t.Context(), n, store.EndReleased)
	require.Error(t, err)
	assert.Len(t, e.numbers(t), 1, "still shown: the carrier may still bill it")
	assert.Len(t, e.ops(t), 1)

	e.fake.Before = nil
	_, err = e.manager(e.st, 6000).Recover(t.Context())
	require.NoError(t, err)
	assert.Empty(t, e.numbers(t))
	assert.Empty(t, e.owned(t))
	assert.Empty(t, e.ops(t))
}

func TestRotateMovesIdentityThenReleasesOld(t *testing.T) {
	e := newEnv(t)
	old := e.buy(t, "shop")
	res, err := e.m.Rotate(t.Context(), old, nil)
	require.NoError(t, err)
	assert.NotEqual(t, old.E164, res.New.E164)
	assert.Equal(t, "shop", res.New.Label)
	assert.Equal(t, old.Forward, res.New.Forward)
	assert.Equal(t, old.ExpiresAt, res.New.ExpiresAt)
	assert.Equal(t, store.EndRotated, res.Old.How)
	assert.Equal(t, res.New.E164, res.Old.ReplacedBy)
	hs, err := e.st.ListHistory(t.Context())
	require.NoError(t, err)
	require.Len(t, hs, 1)
	assert.Equal(t, "shop", hs[0].Label, "history says what the old number was called")

	ns := e.numbers(t)
	require.Len(t, ns, 1)
	assert.Equal(t, res.New.E164, ns[0].E164)
	owned := e.owned(t)
	require.Len(t, owned, 1)
	assert.Equal(t, "shop", owned[0].Label)
	assert.Empty(t, e.ops(t))
}

func TestRotateKeepsOldWhenNewCannotBeConfigured(t *testing.T) {
	e := newEnv(t)
	old := e.buy(t, "shop")
	e.fake.Before = providertest.FailOn(&providers.Error{Provider: "fake", Kind: providers.ErrTemporary}, providertest.OpForward)
	_, err := e.m.Rotate(t.Context(), old, nil)
	require.Error(t, err)
	ns := e.numbers(t)
	require.Len(t, ns, 2, "old kept, new recorded")
	got, err := e.st.GetNumber(t.Context(), old.ID)
	require.NoError(t, err)
	assert.Equal(t, "shop", got.Label, "label still on the old number")
	assert.Len(t, e.owned(t), 2)

	// Next run: the carrier works again and the rotate is completed.
	e.fake.Before = nil
	_, err = e.manager(e.st, 7000).Recover(t.Context())
	require.NoError(t, err)
	ns = e.numbers(t)
	require.Len(t, ns, 1)
	assert.NotEqual(t, old.E164, ns[0].E164)
	assert.Equal(t, "shop", ns[0].Label)
	assert.Empty(t, e.ops(t))
}

func TestRotateCrashAtEveryStepIsFinished(t *testing.T) {
	for _, crashAfter := range []string{providertest.OpBuy, providertest.OpForward, providertest.OpLabel, providertest.OpRelease} {
		t.Run("after "+crashAfter, func(t *testing.T) {
			e := newEnv(t)
			old := e.buy(t, "shop")
			// The process dies right after the carrier carried out crashAfter.
			crashed := errors.New("killed")
			e.fake.After = func(_ context.Context, c providertest.Call) error {
				if c.Op == crashAfter {
					return crashed
				}
				return nil
			}
			_, _ = e.m.Rotate(context.Background(), old, nil)
			e.fake.After = nil
			// Whatever the state, the journal holds the rotate and the old number is still known.
			_, err := e.manager(e.st, 8000).Recover(t.Context())
			require.NoError(t, err)
			ns := e.numbers(t)
			require.Len(t, ns, 1, "exactly one number left")
			assert.NotEqual(t, old.E164, ns[0].E164)
			assert.Equal(t, "shop", ns[0].Label)
			assert.Len(t, e.owned(t), 1, "the carrier bills exactly that one")
			assert.Empty(t, e.ops(t))
		})
	}
}

func TestExpire(t *testing.T) {
	e := newEnv(t)
	short := e.buy(t, "a")
	req := buyReq()
	req.Label = "b"
	_, err := e.m.Buy(t.Context(), req) // no TTL: never expires
	require.NoError(t, err)

	e.now = e.now.Add(25 * time.Hour)
	dry, err := e.m.Expire(t.Context(), true)
	require.NoError(t, err)
	require.Len(t, dry, 1)
	assert.Len(t, e.numbers(t), 2, "dry run releases nothing")

	res, err := e.m.Expire(t.Context(), false)
	require.NoError(t, err)
	require.Len(t, res, 1)
	assert.Equal(t, short.E164, res[0].Number.E164)
	require.NoError(t, res[0].Err)
	ns := e.numbers(t)
	require.Len(t, ns, 1)
	assert.Equal(t, "b", ns[0].Label)
	hs, err := e.st.ListHistory(t.Context())
	require.NoError(t, err)
	require.Len(t, hs, 1)
	assert.Equal(t, store.EndExpired, hs[0].How)
}

func TestResolve(t *testing.T) {
	e := newEnv(t)
	n := e.buy(t, "shop")
	for _, ref := range []string{"shop", n.CarrierID, "+33612345671", "+33 6 12 34 56 71", "0033612345671"} {
		got, err := e.m.Resolve(t.Context(), ref, "")
		require.NoError(t, err, ref)
		assert.Equal(t, n.ID, got.ID, ref)
	}
	got, err := e.m.Resolve(t.Context(), "06 12 34 56 71", "FR")
	require.NoError(t, err, "national notation with a default country")
	assert.Equal(t, n.ID, got.ID)

	_, err = e.m.Resolve(t.Context(), "nope", "")
	require.ErrorIs(t, err, ErrNoMatch)
	_, err = e.m.Resolve(t.Context(), "+33612345672", "")
	require.ErrorIs(t, err, ErrNoMatch)
}

func TestResolveAmbiguous(t *testing.T) {
	e := newEnv(t)
	a := e.buy(t, "")
	b := e.buy(t, "")
	// A label that equals another number's carrier id makes the REF ambiguous.
	a.Label = b.CarrierID
	require.NoError(t, e.st.UpdateNumber(t.Context(), &a))
	_, err := e.m.Resolve(t.Context(), b.CarrierID, "")
	require.ErrorIs(t, err, ErrAmbiguous)
}

func TestWaitReturnsEachMessageOnce(t *testing.T) {
	e := newEnv(t)
	n := e.buy(t, "shop")
	_, err := e.fake.Deliver(n.CarrierID, "Google", "G-482913 is your Google verification code.")
	require.NoError(t, err)
	_, err = e.fake.Deliver(n.CarrierID, "+15550100", "hello")
	require.NoError(t, err)

	res, err := e.m.Wait(t.Context(), n, WaitOptions{Timeout: time.Second, Code: true})
	require.NoError(t, err)
	assert.Equal(t, "482913", res.Code)

	res, err = e.m.Wait(t.Context(), n, WaitOptions{Timeout: time.Second})
	require.NoError(t, err)
	assert.Equal(t, "hello", res.Message.Text, "the next wait returns the next message")

	// Long enough for one read of the carrier to be stored, even on a loaded PostgreSQL.
	_, err = e.m.Wait(t.Context(), n, WaitOptions{Timeout: 500 * time.Millisecond})
	require.ErrorIs(t, err, ErrWaitTimeout)
}

func TestWaitForMessageThatArrivesLater(t *testing.T) {
	e := newEnv(t)
	n := e.buy(t, "shop")
	go func() {
		time.Sleep(30 * time.Millisecond)
		_, _ = e.fake.Deliver(n.CarrierID, "Bank", "no code here")
		_, _ = e.fake.Deliver(n.CarrierID, "Bank", "Your code: 7731")
	}()
	res, err := e.m.Wait(t.Context(), n, WaitOptions{Timeout: 5 * time.Second, Code: true, From: "Bank"})
	require.NoError(t, err)
	assert.Equal(t, "7731", res.Code)
	assert.Equal(t, 1, res.Skipped)
}

// A carrier whose reads are billed (Vonage's Reports API) sets how often sms wait may ask it:
// with 1 ms polls the wait below would read hundreds of times.
func TestWaitKeepsToTheCarriersPace(t *testing.T) {
	e := newEnv(t)
	n := e.buy(t, "shop")
	e.fake.Caps.MinPoll = 100 * time.Millisecond
	before := e.fake.CallCount("messages")
	_, err := e.m.Wait(t.Context(), n, WaitOptions{Timeout: 250 * time.Millisecond})
	require.ErrorIs(t, err, ErrWaitTimeout)
	assert.LessOrEqual(t, e.fake.CallCount("messages")-before, 3, "reads in 250 ms at one per 100 ms")
}

func TestWaitWithheldMessage(t *testing.T) {
	e := newEnv(t)
	n := e.buy(t, "shop")
	_, err := e.st.AddMessages(t.Context(), n.ID, []providers.Message{{ID: "SM1", From: "Google", To: n.E164,
		Inbound: true, Withheld: true, ReceivedAt: e.now}})
	require.NoError(t, err)
	_, err = e.m.Wait(t.Context(), n, WaitOptions{Timeout: time.Second, NotBefore: e.now.Add(-time.Minute)})
	require.ErrorIs(t, err, ErrWithheld)
	assert.Contains(t, err.Error(), "a message from Google reached")
	assert.Contains(t, err.Error(), "kept its text back")
	// Twilio's error 30038 is named only for Twilio (twilio_sms.txtar), Telnyx's redaction only
	// for Telnyx (telnyx_sms.txtar): another carrier's user is not sent after Twilio's codes.
	assert.NotContains(t, err.Error(), "30038")
}

func TestRefreshFindsUnmanagedAndVanished(t *testing.T) {
	e := newEnv(t)
	kept := e.buy(t, "kept")
	gone := e.buy(t, "gone")
	require.NoError(t, e.fake.Release(context.Background(), gone.CarrierID))
	_, err := e.fake.Add(providers.Number{Number: "+33612345673", Country: fr, Type: providers.TypeMobile, Label: "console"})
	require.NoError(t, err)

	e.now = e.now.Add(time.Minute)
	returned, notes, err := e.m.Refresh(t.Context(), providertest.FakeName)
	require.NoError(t, err)
	assert.Len(t, notes, 2)
	stored := e.numbers(t)
	assert.Equal(t, stored, returned, "Refresh returns the store as it left it, for list to show without reading it again")
	byNumber := map[string]store.Number{}
	for _, n := range stored {
		byNumber[n.E164] = n
	}
	require.Len(t, byNumber, 2)
	assert.True(t, byNumber[kept.E164].Managed)
	found := byNumber["+33612345673"]
	assert.False(t, found.Managed, "bought outside vnum")
	assert.Equal(t, "console", found.Label, "label recovered from the carrier")
	hs, err := e.st.ListHistory(t.Context())
	require.NoError(t, err)
	require.Len(t, hs, 1)
	assert.Equal(t, store.EndVanished, hs[0].How)

	// Nothing changed on the carrier: nothing is written (the rows keep their stamps).
	e.now = e.now.Add(time.Minute)
	again, notes, err := e.m.Refresh(t.Context(), providertest.FakeName)
	require.NoError(t, err)
	assert.Empty(t, notes)
	assert.Equal(t, stored, again)
	assert.Equal(t, stored, e.numbers(t))
}

// A number vnum released that the carrier lists again (Prism's stateless list, or a release
// that did not take) was "found … bought outside vnum": it is shown as unmanaged all the same,
// saying what vnum did to it.
func TestRefreshSaysANumberVnumEndedIsStillListed(t *testing.T) {
	e := newEnv(t)
	n := e.buy(t, "shop")
	_, err := e.m.Release(t.Context(), n, store.EndReleased)
	require.NoError(t, err)
	_, err = e.fake.Add(providers.Number{ID: n.CarrierID, Number: n.E164, Country: fr, Type: providers.TypeMobile})
	require.NoError(t, err)
	// Bought again in the console: a new carrier id, truly bought outside vnum.
	other := e.buy(t, "other")
	_, err = e.m.Release(t.Context(), other, store.EndBurned)
	require.NoError(t, err)
	_, err = e.fake.Add(providers.Number{Number: other.E164, Country: fr, Type: providers.TypeMobile})
	require.NoError(t, err)

	e.now = e.now.Add(time.Minute)
	_, notes, err := e.m.Refresh(t.Context(), providertest.FakeName)
	require.NoError(t, err)
	require.Len(t, notes, 2)
	all := strings.Join(notes, "\n")
	assert.Contains(t, all, "found "+phone.Format(n.E164)+" on fake, which vnum released on "+e.now.UTC().Format(time.DateOnly)+
		" (`vnum history`): still on the account, shown as unmanaged (`vnum adopt "+n.E164+"` to manage it)")
	assert.Contains(t, all, "found "+phone.Format(other.E164)+" on fake, bought outside vnum")
	for _, s := range e.numbers(t) {
		assert.False(t, s.Managed, "%s is not vnum's to manage until adopted", s.E164)
	}
}

// A carrier record without a valid number is left out with a note; the others still come in.
func TestRefreshLeavesOutAGarbledRecord(t *testing.T) {
	e := newEnv(t)
	_, err := e.fake.Add(providers.Number{Number: "lorem ipsum", Country: fr, Type: providers.TypeMobile})
	require.NoError(t, err)
	_, err = e.fake.Add(providers.Number{Number: "+33612345673", Country: fr, Type: providers.TypeMobile})
	require.NoError(t, err)
	_, notes, err := e.m.Refresh(t.Context(), providertest.FakeName)
	require.NoError(t, err)
	assert.Contains(t, strings.Join(notes, "\n"), "without a valid phone number")
	ns := e.numbers(t)
	require.Len(t, ns, 1)
	assert.Equal(t, "+33612345673", ns[0].E164)
}

// A list full of garbled records (Prism's generated data: 438 of them) is not a line each.
func TestRefreshCountsManyGarbledRecords(t *testing.T) {
	e := newEnv(t)
	for i := range 10 {
		_, err := e.fake.Add(providers.Number{Number: fmt.Sprintf("lorem ipsum %d", i), Country: fr, Type: providers.TypeMobile})
		require.NoError(t, err)
	}
	_, notes, err := e.m.Refresh(t.Context(), providertest.FakeName)
	require.NoError(t, err)
	require.Len(t, notes, 4)
	assert.Contains(t, notes[0], `without a valid phone number ("lorem ipsum 0")`)
	assert.Equal(t, "fake lists 7 more records without a valid phone number: left out", notes[3])
}

func TestParallelBuysFromSeveralProcessesAllSucceed(t *testing.T) {
	e := newEnv(t)
	var st []providers.Available
	for i := range 10 {
		p, _ := providers.ParsePrice("1.00", "EUR")
		st = append(st, providers.Available{Number: fmt.Sprintf("+3361234560%d", i), Country: fr,
			Type: providers.TypeMobile, Monthly: p})
	}
	e.fake.Stock = st
	const workers = 5
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for w := range workers {
		wg.Go(func() {
			s, err := store.Open(e.path)
			if err != nil {
				errs[w] = err
				return
			}
			defer s.Close()
			// Each worker is its own process with its own store handle, all racing for the
			// same cheapest number.
			_, errs[w] = e.manager(s, 10000+w).Buy(context.Background(), buyReq())
		})
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	ns := e.numbers(t)
	assert.Len(t, ns, workers)
	assert.Len(t, e.owned(t), workers, "one number bought per buy")
	seen := map[string]bool{}
	for _, n := range ns {
		assert.False(t, seen[n.E164])
		seen[n.E164] = true
	}
}

// resellingCarrier answers every purchase with one number the account already has, as a mock
// serving one canned answer does.
type resellingCarrier struct {
	*providertest.Fake
	same providers.Number
}

func (c resellingCarrier) Buy(context.Context, providers.BuyRequest) (providers.Number, error) {
	return c.same, nil
}

// A purchase answered with a number vnum already manages records nothing new: the number keeps
// its label, the journal is closed, and a rotate never releases the number it "replaced" it with.
func TestBuyAnsweredWithAnOwnedNumber(t *testing.T) {
	e := newEnv(t)
	first := e.buy(t, "first")
	owned := e.owned(t)
	require.Len(t, owned, 1)
	carrier := resellingCarrier{Fake: e.fake, same: owned[0]}
	m := New(Config{Store: e.st, Provider: func(string) (providers.Provider, error) { return carrier, nil },
		Now: func() time.Time { return e.now }, PID: 1000, Alive: func(int) bool { return true },
		PollInterval: time.Millisecond, PollMax: 5 * time.Millisecond})

	req := buyReq()
	req.Label = "second"
	_, err := m.Buy(t.Context(), req)
	require.ErrorIs(t, err, ErrNotNew)
	assert.Contains(t, err.Error(), "first")

	_, err = m.Rotate(t.Context(), first, nil)
	require.ErrorIs(t, err, ErrNotNew)

	ns := e.numbers(t)
	require.Len(t, ns, 1)
	assert.Equal(t, "first", ns[0].Label)
	assert.Len(t, e.owned(t), 1, "the number is still on the carrier")
	assert.Empty(t, e.ops(t), "nothing left half done")
}

// What the carrier returns is checked against the query: a number of another country, or one
// without the feature asked for, is never shown or bought.
func TestSearchKeepsOnlyMatchingOffers(t *testing.T) {
	e := newEnv(t)
	e.fake.Stock = append(e.fake.Stock,
		providers.Available{Number: "+4759440374", Country: "NO", Type: providers.TypeMobile, Features: providers.Features{SMS: true}},
		providers.Available{Number: "+33612345679", Country: fr, Type: providers.TypeMobile, Features: providers.Features{SMS: true}},
		providers.Available{Number: "", Country: fr, Type: providers.TypeMobile, Features: providers.Features{SMS: true, Voice: true}},
		providers.Available{Number: "amet et labore", Country: fr, Type: providers.TypeMobile, Features: providers.Features{SMS: true, Voice: true}})
	res, err := e.m.Search(t.Context(), providertest.FakeName, providers.Query{Country: fr, Voice: true})
	require.NoError(t, err)
	var got []string
	for _, a := range res {
		got = append(got, a.Number)
	}
	assert.Equal(t, []string{"+33612345671", "+33612345672", "+33612345673"}, got)
}

// Ctrl-C with the order on its way: the carrier may complete it after vnum stopped listening, so
// the journal entry stays, and the next run finds the number and gives it its label.
func TestBuyInterruptedIsCheckedOnTheNextRun(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithCancel(t.Context())
	e.fake.After = func(_ context.Context, c providertest.Call) error {
		if c.Op == providertest.OpBuy {
			cancel()
			return context.Canceled
		}
		return nil
	}
	req := buyReq()
	req.Label = "shop"
	_, err := e.m.Buy(ctx, req)
	require.ErrorIs(t, err, context.Canceled)
	ops := e.ops(t)
	require.Len(t, ops, 1, "kept for the next run")
	assert.Zero(t, ops[0].OwnerPID)
	assert.Empty(t, e.numbers(t))

	e.fake.After = nil
	notes, err := e.manager(e.st, 2000).Recover(t.Context())
	require.NoError(t, err)
	require.Len(t, notes, 1)
	ns := e.numbers(t)
	require.Len(t, ns, 1)
	assert.Equal(t, "shop", ns[0].Label)
	assert.Equal(t, 1, e.fake.CallCount(providertest.OpBuy), "looked up, not bought again")
	assert.Empty(t, e.ops(t))
}

// A carrier that refuses the forwarding outright (a 4xx) is not asked again on every later run:
// the number is recorded and the journal closed; `vnum forward` is the way to retry.
func TestBuyForwardingRefusedIsNotRetriedForever(t *testing.T) {
	e := newEnv(t)
	e.fake.Before = func(_ context.Context, c providertest.Call) error {
		if c.Op == providertest.OpForward {
			return &providers.Error{Provider: "fake", Op: "forward", Status: 422, Message: "invalid request"}
		}
		return nil
	}
	req := buyReq()
	req.ForwardTo = "+33612345678"
	res, err := e.m.Buy(t.Context(), req)
	require.Error(t, err)
	assert.NotZero(t, res.Number.ID, "bought and recorded")
	assert.Len(t, e.numbers(t), 1)
	assert.Empty(t, e.ops(t))
}

// A number vnum holds is found as written, even one libphonenumber does not call valid (a range
// it does not know): the carrier sold it, so it exists.
func TestResolveAHeldNumberLibphonenumberDoesNotKnow(t *testing.T) {
	e := newEnv(t)
	n := store.Number{Provider: providertest.FakeName, CarrierID: "FK1", E164: "+18001000052", Managed: true, State: providers.StateActive}
	require.NoError(t, e.st.InsertNumber(t.Context(), &n))
	for _, ref := range []string{"+18001000052", "+1 800-100-0052", "+1 (800) 100.0052"} {
		got, err := e.m.Resolve(t.Context(), ref, "")
		require.NoError(t, err, ref)
		assert.Equal(t, n.ID, got.ID, ref)
	}
}

// What the carrier answers a purchase with is believed only where it makes sense: a garbled
// number keeps the one asked for, and a new carrier id gets a row of its own even when a managed
// row shows the same number (what the carrier bills under that id must be listed).
func TestBuyRecordsWhatTheCarrierBills(t *testing.T) {
	e := newEnv(t)
	first := e.buy(t, "first")
	carrier := resellingCarrier{Fake: e.fake, same: providers.Number{ID: "FK999", Number: "ut labore", State: providers.StateActive}}
	m := New(Config{Store: e.st, Provider: func(string) (providers.Provider, error) { return carrier, nil },
		Now: func() time.Time { return e.now }, PID: 1000, Alive: func(int) bool { return true },
		PollInterval: time.Millisecond, PollMax: 5 * time.Millisecond})
	req := buyReq()
	req.Label = "second"
	res, err := m.Buy(t.Context(), req)
	require.NoError(t, err)
	assert.Equal(t, "+33612345672", res.Number.E164, "the number asked for, not the garbled answer")
	assert.Equal(t, "FK999", res.Number.CarrierID)

	carrier.same = providers.Number{ID: "FK1000", Number: first.E164, State: providers.StateActive}
	m.Provider = func(string) (providers.Provider, error) { return carrier, nil }
	req.Label = "third"
	res, err = m.Buy(t.Context(), req)
	require.NoError(t, err)
	assert.Equal(t, "FK1000", res.Number.CarrierID)
	byLabel := map[string]string{}
	for _, n := range e.numbers(t) {
		byLabel[n.Label] = n.CarrierID
	}
	assert.Equal(t, map[string]string{"first": first.CarrierID, "second": "FK999", "third": "FK1000"}, byLabel)
}

// search --limit N gives the N cheapest, not the carrier's first N sorted.
func TestSearchLimitIsTheCheapest(t *testing.T) {
	e := newEnv(t)
	res, err := e.m.Search(t.Context(), providertest.FakeName, providers.Query{Country: fr, Limit: 1})
	require.NoError(t, err)
	require.Len(t, res, 1)
	assert.Equal(t, "+33612345671", res[0].Number, "1.15 EUR, though the carrier lists the 3.00 one first")
}

// A wait during which the carrier could never be read does not claim that no message came: it
// is a carrier failure (try again), not a timeout.
func TestWaitWhileTheCarrierCannotBeRead(t *testing.T) {
	e := newEnv(t)
	n := e.buy(t, "shop")
	e.fake.Before = providertest.FailOn(&providers.Error{Provider: "fake", Kind: providers.ErrTemporary, Message: "503"}, providertest.OpMessages)
	_, err := e.m.Wait(t.Context(), n, WaitOptions{Timeout: 30 * time.Millisecond})
	require.NotErrorIs(t, err, ErrWaitTimeout)
	assert.Contains(t, err.Error(), "could not read the carrier's messages")

	// A read the carrier keeps waiting (its retries behind a Retry-After) until time is up.
	e.fake.Before = func(ctx context.Context, c providertest.Call) error {
		if c.Op == providertest.OpMessages {
			<-ctx.Done()
			return ctx.Err()
		}
		return nil
	}
	_, err = e.m.Wait(t.Context(), n, WaitOptions{Timeout: 30 * time.Millisecond})
	require.NotErrorIs(t, err, ErrWaitTimeout)
	assert.Contains(t, err.Error(), "could not read the carrier's messages")

	e.fake.Before = nil
	_, err = e.m.Wait(t.Context(), n, WaitOptions{Timeout: 300 * time.Millisecond})
	require.ErrorIs(t, err, ErrWaitTimeout)
}

// A wait for a code passes over messages without one but leaves them for a plain wait.
func TestWaitForACodeLeavesOtherMessages(t *testing.T) {
	e := newEnv(t)
	n := e.buy(t, "shop")
	_, err := e.fake.Deliver(n.CarrierID, "Shop", "welcome aboard")
	require.NoError(t, err)
	e.now = e.now.Add(time.Second)
	_, err = e.fake.Deliver(n.CarrierID, "Shop", "your code is 4417")
	require.NoError(t, err)

	res, err := e.m.Wait(t.Context(), n, WaitOptions{Timeout: time.Second, Code: true})
	require.NoError(t, err)
	assert.Equal(t, "4417", res.Code)
	assert.Equal(t, 1, res.Skipped)

	res, err = e.m.Wait(t.Context(), n, WaitOptions{Timeout: time.Second})
	require.NoError(t, err)
	assert.Equal(t, "welcome aboard", res.Message.Text, "not swallowed by the wait for a code")
}

// A wait for a code tells of each message without one as it comes, keeps waiting, and at the
// end says that messages came, none with a code, rather than that nothing came.
func TestWaitForACodeTellsOfMessagesWithout(t *testing.T) {
	e := newEnv(t)
	n := e.buy(t, "shop")
	_, err := e.fake.Deliver(n.CarrierID, "Shop", "Your Purchase Code is 39M4W")
	require.NoError(t, err)
	e.now = e.now.Add(time.Second)
	_, err = e.fake.Deliver(n.CarrierID, "Shop", "Thanks! Order 771332 ships on 12/05")
	require.NoError(t, err)

	var told []string
	_, err = e.m.Wait(t.Context(), n, WaitOptions{Timeout: 300 * time.Millisecond, Code: true,
		NoCode: func(msg store.Message) { told = append(told, msg.Text) }})
	require.ErrorIs(t, err, ErrWaitTimeout, "still a timeout, for the exit code")
	var nc *NoCodeError
	require.ErrorAs(t, err, &nc)
	assert.Equal(t, 2, nc.Count)
	assert.Contains(t, err.Error(), "2 messages arrived without a recognisable code")
	assert.Contains(t, err.Error(), `"Thanks! Order 771332 ships on 12/05"`)
	assert.NotContains(t, err.Error(), "no message arrived")
	assert.Equal(t, []string{"Your Purchase Code is 39M4W", "Thanks! Order 771332 ships on 12/05"}, told,
		"each message told once, however many times the wait polled")

	_, err = e.m.Wait(t.Context(), n, WaitOptions{Timeout: 500 * time.Millisecond, Code: true, NotBefore: e.now.Add(time.Hour)})
	require.ErrorIs(t, err, ErrWaitTimeout)
	assert.NotErrorAs(t, err, &nc, "nothing came at all")
}

// The numbers the user held are asked for on top of the usual width, so that dropping them still
// leaves the cheapest new ones to choose from.
func TestCandidatesAskForMoreThanTheNumbersHeld(t *testing.T) {
	e := newEnv(t)
	first := e.buy(t, "one")
	_, err := e.m.Release(t.Context(), first, store.EndBurned)
	require.NoError(t, err)
	e.buy(t, "two")
	_, err = e.m.Candidates(t.Context(), buyReq())
	require.NoError(t, err)
	calls := e.fake.Calls()
	var last providertest.Call
	for _, c := range calls {
		if c.Op == providertest.OpSearch {
			last = c
		}
	}
	assert.Equal(t, searchWidth+2, last.Query.Limit, "50, plus the one held and the one burned")
}

// A buy whose forwarding waits for the next run, then released meanwhile: the journal entry is
// closed on the next run, not retried (and warned about) forever.
func TestPendingBuySetUpOfAReleasedNumberIsDropped(t *testing.T) {
	e := newEnv(t)
	e.fake.Before = providertest.FailOn(&providers.Error{Provider: "fake", Kind: providers.ErrTemporary, Message: "503"}, providertest.OpForward)
	req := buyReq()
	req.ForwardTo = "+33612345678"
	res, err := e.m.Buy(t.Context(), req)
	require.Error(t, err)
	require.Len(t, e.ops(t), 1, "the forwarding waits for the next run")
	e.fake.Before = nil
	_, err = e.m.Release(t.Context(), res.Number, store.EndBurned)
	require.NoError(t, err)

	_, err = e.manager(e.st, 2000).Recover(t.Context())
	require.NoError(t, err)
	assert.Empty(t, e.ops(t))
}

// A number whose country is not known (bought outside vnum, on a shared code) cannot be rotated
// to one "of the same kind": said so, with what to do instead.
func TestRotateUnknownCountry(t *testing.T) {
	e := newEnv(t)
	n := store.Number{Provider: providertest.FakeName, CarrierID: "FK1", E164: "+80012345678", Managed: true, State: providers.StateActive}
	require.NoError(t, e.st.InsertNumber(t.Context(), &n))
	_, err := e.m.Rotate(t.Context(), n, nil)
	require.ErrorContains(t, err, "is not known, so vnum cannot look for a replacement")
	assert.Zero(t, e.fake.CallCount(providertest.OpSearch))
}

// partialList is a carrier whose list answer left numbers out (one malformed or cut-short page),
// though it still has them.
type partialList struct {
	*providertest.Fake
	drop map[string]bool
}

func (p partialList) List(ctx context.Context) ([]providers.Number, error) {
	all, err := p.Fake.List(ctx)
	var out []providers.Number
	for _, n := range all {
		if !p.drop[n.ID] {
			out = append(out, n)
		}
	}
	return out, err
}

// A list that leaves out a number the carrier still has is not evidence that it is gone: the
// number stays, managed, with its expiry (so expire still releases it). One the carrier answers
// not found for does go to history.
func TestRefreshKeepsANumberTheListLeftOut(t *testing.T) {
	e := newEnv(t)
	req := buyReq()
	req.Label, req.TTL = "kept", 24*time.Hour
	res, err := e.m.Buy(t.Context(), req)
	require.NoError(t, err)
	kept := res.Number
	gone := e.buy(t, "gone")
	require.NoError(t, e.fake.Release(t.Context(), gone.CarrierID))

	m := New(Config{
		Store: e.st,
		Provider: func(string) (providers.Provider, error) {
			return partialList{Fake: e.fake, drop: map[string]bool{kept.CarrierID: true}}, nil
		},
		Now: func() time.Time { return e.now }, PID: 1000, Alive: func(int) bool { return true },
	})
	e.now = e.now.Add(time.Minute)
	_, notes, err := m.Refresh(t.Context(), providertest.FakeName)
	require.NoError(t, err)
	assert.Len(t, notes, 1, "only the released number is reported: %v", notes)

	ns := e.numbers(t)
	require.Len(t, ns, 1)
	assert.Equal(t, kept.E164, ns[0].E164)
	assert.True(t, ns[0].Managed)
	assert.Equal(t, kept.ExpiresAt, ns[0].ExpiresAt, "the number keeps its expiry")
	hs, err := e.st.ListHistory(t.Context())
	require.NoError(t, err)
	require.Len(t, hs, 1)
	assert.Equal(t, gone.E164, hs[0].E164)
	assert.Equal(t, store.EndVanished, hs[0].How)
}

// With vnum serve configured, a wait looks in the store between reads of the carrier: a pushed
// message is returned long before the next read (here a minute away), and the carrier is not
// read more often for it.
func TestWaitSeesPushedMessageBetweenReads(t *testing.T) {
	e := newEnv(t)
	n := e.buy(t, "shop")
	e.m.PollInterval, e.m.PollMax, e.m.StorePoll = time.Minute, time.Minute, 10*time.Millisecond
	before := e.fake.CallCount("messages")
	go func() {
		time.Sleep(50 * time.Millisecond)
		_, _ = e.st.AddPushed(context.Background(), []store.Pushed{{Provider: n.Provider,
			Message: providers.Message{ID: "P1", From: "Bank", To: n.E164, Text: "Your code: 7731", ReceivedAt: e.now, Inbound: true}}})
	}()
	res, err := e.m.Wait(t.Context(), n, WaitOptions{Timeout: 10 * time.Second, Code: true, NotBefore: e.now.Add(-time.Minute)})
	require.NoError(t, err)
	assert.Equal(t, "7731", res.Code)
	assert.Equal(t, 1, e.fake.CallCount("messages")-before, "one read of the carrier, at the start")
}

// echoingCarrier answers a send with a made-up echo, as Prism's generated data does.
type echoingCarrier struct{ *providertest.Fake }

func (c *echoingCarrier) SendSMS(context.Context, string, string, string) (providers.Message, error) {
	return providers.Message{ID: "SM83e6", From: "dolore nulla cupidatat", To: "", Text: "",
		ReceivedAt: time.Date(1921, 12, 8, 22, 13, 33, 0, time.UTC), Inbound: true}, nil
}

// sms send --json printed the carrier's echo of the message: against Prism, "from" was lorem
// ipsum and "to" and "text" empty (or the example's numbers, not the ones sent to).
func TestSendReportsWhatWasSent(t *testing.T) {
	e := newEnv(t)
	carrier := &echoingCarrier{Fake: e.fake}
	e.m.Config.Provider = func(string) (providers.Provider, error) { return carrier, nil }
	n := e.buy(t, "shop")
	msg, err := e.m.Send(t.Context(), n, "+33611111111", "hello")
	require.NoError(t, err)
	assert.Equal(t, "SM83e6", msg.ID, "the carrier's id")
	assert.Equal(t, n.E164, msg.From)
	assert.Equal(t, "+33611111111", msg.To)
	assert.Equal(t, "hello", msg.Text)
	assert.False(t, msg.Inbound)
	stored, err := e.st.ListMessages(t.Context(), n.ID, time.Time{})
	require.NoError(t, err)
	require.Len(t, stored, 1)
	assert.Equal(t, "+33611111111", stored[0].To, "sms list shows it as sent")
	assert.False(t, stored[0].Inbound)
}
