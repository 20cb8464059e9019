package numbers

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/vnum-cli/vnum/internal/phone"
	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/providers"
)

// Recover finishes or undoes operations that an earlier vnum process left in the journal (it was
// killed, lost the network, or the carrier was still processing). Entries owned by a process that
// is still running are left to it; of two processes recovering at once only one takes an entry.
// It returns one line per entry it handled, for the user, and the errors of entries it could not
// finish (they stay in the journal for the next run).
func (m *Manager) Recover(ctx context.Context) (notes []string, err error) {
	ops, err := m.Store.ListOps(ctx)
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, op := range ops {
		if ctx.Err() != nil {
			// Interrupted: the rest stays in the journal for the next run.
			errs = append(errs, ctx.Err())
			break
		}
		if op.OwnerPID != 0 && !m.ownerGone(ctx, op) {
			continue
		}
		ok, err := m.Store.ClaimOp(ctx, op.ID, op.OwnerPID, m.PID)
		if err != nil {
			return notes, err
		}
		if !ok {
			continue // another process took it
		}
		op.OwnerPID, op.OwnerHost = m.PID, m.Host
		note, err := m.resume(ctx, &op)
		if note != "" {
			notes = append(notes, note)
		}
		if err != nil {
			errs = append(errs, err)
			// Leave it for the next run, whoever that is.
			if _, cerr := m.Store.ClaimOp(context.WithoutCancel(ctx), op.ID, m.PID, 0); cerr != nil {
				errs = append(errs, cerr)
			}
		}
	}
	return notes, errors.Join(errs...)
}

// ownerGone reports whether the process that owns op has ended. A store shared by machines
// knows (store.OwnerRunning: the owner's lock dies with it, wherever it ran); otherwise one on
// another host cannot be checked from here, so it counts as running.
func (m *Manager) ownerGone(ctx context.Context, op store.Op) bool {
	if running, known, err := m.Store.OwnerRunning(ctx, op.ID); err == nil && known {
		return !running
	}
	if op.OwnerHost != "" && m.Host != "" && op.OwnerHost != m.Host {
		return false
	}
	return op.OwnerPID != m.PID && !m.Alive(op.OwnerPID)
}

func (m *Manager) resume(ctx context.Context, op *store.Op) (string, error) {
	switch op.Kind {
	case opBuy:
		plan, err := decode[buyPlan](*op)
		if err != nil {
			return "", err
		}
		bought := op.Step != stepOrdering // the purchase was already recorded: only its set-up was left
		n, _, err := m.resumeBuy(ctx, op, plan, false)
		if err != nil || n.ID == 0 {
			return "", err
		}
		return buyNote(n, plan, bought), nil
	case opRotate:
		plan, err := decode[buyPlan](*op)
		if err != nil {
			return "", err
		}
		if op.Step == stepReleasing || op.Step == stepMoved {
			newN, err := m.Store.GetNumber(ctx, plan.NumberID)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return "", err
			}
			op.Step = stepReleasing
			h, err := m.resumeRelease(ctx, op, releasePlan{How: store.EndRotated, ReplacedBy: newN.E164, Label: newN.Label}, false)
			if err != nil || h.ID == 0 {
				return "", err
			}
			return fmt.Sprintf("finished an interrupted rotate: %s replaced %s", phone.Format(newN.E164), phone.Format(h.E164)), nil
		}
		res, err := m.resumeRotate(ctx, op, plan, false)
		if err != nil || res.New.ID == 0 || res.Old.ID == 0 {
			return "", err
		}
		return fmt.Sprintf("finished an interrupted rotate: %s replaced %s", phone.Format(res.New.E164), phone.Format(res.Old.E164)), nil
	case opRelease, opBurn:
		plan, err := decode[releasePlan](*op)
		if err != nil {
			return "", err
		}
		h, err := m.resumeRelease(ctx, op, plan, false)
		if err != nil || h.ID == 0 {
			return "", err
		}
		verb := map[string]string{store.EndBurned: "burn", store.EndExpired: "expiry"}[plan.How]
		if verb == "" {
			verb = "release"
		}
		return fmt.Sprintf("finished an interrupted %s of %s", verb, phone.Format(h.E164)), nil
	default:
		// An entry from a newer vnum: leave it alone rather than guess.
		return "", fmt.Errorf("journal entry %d has unknown kind %q (written by a newer vnum?)", op.ID, op.Kind)
	}
}

// buyNote says what finishing an interrupted buy did: the purchase itself, or only the set-up of
// a number already bought, and whether the carrier still holds it back (documents, a pending
// order), in which case nothing is called finished.
func buyNote(n store.Number, plan buyPlan, bought bool) string {
	num := phone.Format(n.E164)
	if n.Label != "" {
		num += " (" + n.Label + ")"
	}
	waiting := n.State != providers.StateActive && n.State != ""
	state := strings.ReplaceAll(string(n.State), "_", " ")
	switch {
	case bought && waiting:
		return "" // nothing changed: the carrier still holds it back, as the buy said
	case bought:
		what := "set up"
		if !plan.Forward.IsZero() {
			what = "forwarded to " + phone.Format(plan.Forward.Calls)
		}
		return fmt.Sprintf("finished setting up %s: it is now %s", num, what)
	case waiting:
		return fmt.Sprintf("an interrupted buy went through: %s is yours, %s on the carrier (set up once it is active)", num, state)
	}
	return fmt.Sprintf("finished an interrupted buy: %s is yours", num)
}
