package numbers

import (
	"context"
	"errors"
	"fmt"

	"github.com/vnum-cli/vnum/internal/phone"
	"github.com/vnum-cli/vnum/internal/store"
)

// A number has at most one money-moving operation (rotate, release, burn, expire) under way, across
// every vnum process: each begins by claiming the number in the journal (store.BeginNumberOp),
// before anything is bought or released. A second one is refused with one of these errors.
var (
	// ErrBusy: another operation on the number is under way (or waits for a later run to end it).
	ErrBusy = store.ErrBusy
	// ErrEnded: the number left vnum's list meanwhile (another vnum released, burned or rotated it).
	ErrEnded = errors.New("no longer yours")
)

// BusyError is ErrBusy for one number, saying which operation holds it.
type BusyError struct {
	Ref string   // the number's label, or its formatted E.164
	Op  store.Op // the operation under way
}

func (e *BusyError) Error() string {
	what := fmt.Sprintf("a %s of %s", e.Op.Kind, e.Ref)
	if e.Op.OwnerPID == 0 {
		return what + " is not finished yet: every vnum command carries it on (its last warning says why it stopped); " +
			"nothing more was done, try again once it is done"
	}
	return fmt.Sprintf("%s is under way (vnum process %d, started %s): nothing was done; wait for it to end, then see `vnum show %s` or `vnum history`",
		what, e.Op.OwnerPID, e.Op.CreatedAt.Local().Format("15:04:05"), e.Ref)
}

// Is makes errors.Is(err, ErrBusy) true.
func (e *BusyError) Is(target error) bool { return target == ErrBusy }

// EndedError is ErrEnded for one number, saying what became of it.
type EndedError struct {
	Ref   string
	Ended store.HistoryEntry // zero when history does not tell
}

func (e *EndedError) Error() string {
	switch e.Ended.How {
	case "":
		return e.Ref + " is no longer among your numbers: another vnum ended it meanwhile"
	case store.EndVanished:
		return e.Ref + " is no longer yours: the carrier no longer has it"
	case store.EndRotated:
		return fmt.Sprintf("%s was already rotated by another vnum (replaced by %s)", e.Ref, phone.Format(e.Ended.ReplacedBy))
	}
	return fmt.Sprintf("%s was already %s by another vnum", e.Ref, e.Ended.How)
}

// Is makes errors.Is(err, ErrEnded) true.
func (e *EndedError) Is(target error) bool { return target == ErrEnded }

// refName is how messages name n: its label, else its number.
func refName(n store.Number) string {
	if n.Label != "" {
		return n.Label
	}
	return phone.Format(n.E164)
}

// beginOn journals op as the one operation under way on n (op.NumberID), or says why it cannot
// be: *BusyError, *EndedError. An operation whose process died after this one's recovery ran
// is finished first, then the claim is tried again.
func (m *Manager) beginOn(ctx context.Context, op *store.Op, n store.Number) error {
	op.OwnerPID, op.OwnerHost = m.PID, m.Host
	err := m.Store.BeginNumberOp(ctx, op)
	var be *store.BusyError
	if errors.As(err, &be) && be.Op.OwnerPID != 0 && m.ownerGone(ctx, be.Op) {
		if _, rerr := m.Recover(ctx); rerr == nil {
			err = m.Store.BeginNumberOp(ctx, op)
		}
	}
	return m.claimError(ctx, n, err)
}

// checkFree says, without claiming it, whether an operation on n could begin now: the same
// errors as beginOn, so a command can refuse before searching or asking.
func (m *Manager) checkFree(ctx context.Context, n store.Number) error {
	return m.claimError(ctx, n, m.Store.NumberFree(ctx, n.ID))
}

func (m *Manager) claimError(ctx context.Context, n store.Number, err error) error {
	var be *store.BusyError
	switch {
	case errors.As(err, &be):
		return &BusyError{Ref: refName(n), Op: be.Op}
	case errors.Is(err, store.ErrNotFound):
		ee := &EndedError{Ref: refName(n)}
		if hs, herr := m.Store.ListHistory(ctx); herr == nil {
			for _, h := range hs {
				if h.ID == n.ID {
					ee.Ended = h
				}
			}
		}
		return ee
	}
	return err
}
