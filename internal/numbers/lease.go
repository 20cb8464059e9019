package numbers

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/vnum-cli/vnum/internal/phone"
	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/providers"
)

// Leases: a pool is a set of numbers shared by the jobs of a team or a CI fleet; a lease hands one
// job a number of the pool that no other job holds, until the job returns it or the lease
// expires. A number is bought for the pool only when none is free, and the decision to buy is
// taken by one process of the fleet at a time (the pool's claim), so that two jobs never buy two
// numbers for what one free number would have served.

// LeaseRequest is what `vnum lease` asks for.
type LeaseRequest struct {
	Pool     string
	Provider string
	// Query narrows which numbers of the pool fit (Country, Type) and is what a buy searches.
	Query providers.Query
	TTL   time.Duration // how long the lease lasts unless returned or renewed; > 0
	// Max bounds how many numbers the pool may hold (0: no bound): a pool that has Max numbers,
	// all leased, waits for one to be returned instead of buying.
	Max int
	// MaxPrice refuses buying a number dearer per month; nil: no limit.
	MaxPrice *providers.Price
	Holder   store.Holder
	// Wait is how long to wait for a number to be returned when the pool is full (Max reached);
	// 0 fails at once with ErrPoolFull.
	Wait time.Duration
}

// LeaseResult is a lease granted.
type LeaseResult struct {
	Lease  store.Lease
	Number store.Number
	// Bought is true when the number was bought for this lease.
	Bought   bool
	Warnings []string
}

// ErrPoolFull means every number of the pool is leased and the pool may not grow (--max).
var ErrPoolFull = errors.New("every number of the pool is leased")

// ErrLeaseGone means a lease is no longer held: returned, or expired and handed to someone else.
var ErrLeaseGone = errors.New("lease not held")

// ErrLeasedToAnother means a number is under a lease some other job holds: released or rotated
// now, it would be pulled from under that job. It ends when the lease is returned or expires.
var ErrLeasedToAnother = errors.New("leased to another job")

// poolClaimTTL bounds how long a buying process keeps the pool's claim when it cannot be seen to
// have died (it runs on another machine): longer than any buy takes.
const poolClaimTTL = 2*inFlight + time.Minute

// leaseRetry is how often a lease waiting for another process's buy, or for a return, looks again.
const leaseRetry = 100 * time.Millisecond

// Lease hands the caller a number of req.Pool that no other job holds, buying one only when no
// number of the pool is free.
func (m *Manager) Lease(ctx context.Context, req LeaseRequest) (LeaseResult, error) {
	if req.Pool == "" || req.TTL <= 0 {
		return LeaseResult{}, errors.New("lease: a pool and a positive ttl are required")
	}
	give := time.Now().Add(req.Wait) // real time, as sleep is
	id, err := newToken("lease-")
	if err != nil {
		return LeaseResult{}, err
	}
	q := store.LeaseQuery{Pool: req.Pool, Country: req.Query.Country, Type: string(req.Query.Type), TTL: req.TTL, Now: m.Now}
	for {
		if _, err := m.ReclaimLeases(ctx); err != nil {
			return LeaseResult{}, err
		}
		l := store.Lease{ID: id, Holder: req.Holder}
		l.StartedAt = m.Now().UTC()
		l.ExpiresAt = l.StartedAt.Add(req.TTL)
		n, ok, err := m.Store.ClaimFree(ctx, q, &l)
		if err != nil {
			return LeaseResult{}, err
		}
		if ok {
			return LeaseResult{Lease: l, Number: n}, nil
		}
		res, err := m.leaseBuying(ctx, req, q, l)
		switch {
		case errors.Is(err, errLookAgain):
		case errors.Is(err, ErrPoolFull) && time.Now().Before(give):
			m.Report(fmt.Sprintf("Every number of pool %s is leased: waiting for one to be returned", req.Pool))
		default:
			return res, err
		}
		if err := sleep(ctx, leaseRetry); err != nil {
			return LeaseResult{}, err
		}
	}
}

// errLookAgain: another process is buying for the pool, or a number may have been freed; the
// lease looks for a free number again.
var errLookAgain = errors.New("look again")

// leaseBuying takes the pool's claim and, holding it, buys a number for lease l, unless a number
// turned free meanwhile or another process's buy for the pool is still to finish (errLookAgain).
func (m *Manager) leaseBuying(ctx context.Context, req LeaseRequest, q store.LeaseQuery, l store.Lease) (LeaseResult, error) {
	token, err := newToken("claim-")
	if err != nil {
		return LeaseResult{}, err
	}
	claim := store.PoolClaim{Pool: req.Pool, Token: token, Host: m.Host, PID: m.PID, ExpiresAt: m.Now().Add(poolClaimTTL)}
	_, ok, err := m.Store.ClaimPool(ctx, claim, m.claimStale)
	if err != nil {
		return LeaseResult{}, err
	}
	if !ok {
		return LeaseResult{}, errLookAgain // another process decides; its number may serve us next
	}
	defer func() { _ = m.Store.ReleasePool(context.WithoutCancel(ctx), req.Pool, token) }()
	// Between the first look and the claim, a number may have been returned or recorded.
	if n, ok, err := m.Store.ClaimFree(ctx, q, &l); err != nil || ok {
		return LeaseResult{Lease: l, Number: n}, err
	}
	// A buy for the pool left in the journal by a process that was killed is finished first: its
	// number may be the one this lease needs. One whose process still runs (its claim ran out) is
	// waited for.
	switch running, orphaned, err := m.poolBuys(ctx, req.Pool); {
	case err != nil:
		return LeaseResult{}, err
	case running:
		return LeaseResult{}, errLookAgain
	case orphaned:
		_, _ = m.Recover(ctx) // what it cannot finish yet stays for the next run
		if n, ok, err := m.Store.ClaimFree(ctx, q, &l); err != nil || ok {
			return LeaseResult{Lease: l, Number: n}, err
		}
	}
	entries, err := m.Store.PoolEntries(ctx, req.Pool)
	if err != nil {
		return LeaseResult{}, err
	}
	if req.Max > 0 && len(entries) >= req.Max {
		return LeaseResult{}, fmt.Errorf("%w: pool %s has %d numbers (--max %d), all leased: try again later, or raise --max", ErrPoolFull, req.Pool, len(entries), req.Max)
	}
	m.Report(fmt.Sprintf("No free number in pool %s: buying one", req.Pool))
	lease := l
	res, err := m.Buy(ctx, BuyRequest{Provider: req.Provider, Query: req.Query, MaxPrice: req.MaxPrice, pool: req.Pool, lease: &lease})
	if err != nil {
		if res.Number.ID != 0 {
			// Bought and leased, then something failed: the number stays in the pool for the next
			// job, the lease is given back.
			_ = m.Store.EndLease(context.WithoutCancel(ctx), lease.ID)
		}
		return LeaseResult{}, err
	}
	// The lease was written with the number (recordLease), its times set then: read it back.
	if got, err := m.Store.GetLease(ctx, lease.ID); err == nil {
		lease = got
	} else {
		lease.NumberID, lease.Pool = res.Number.ID, req.Pool
	}
	return LeaseResult{Lease: lease, Number: res.Number, Bought: true, Warnings: res.Warnings}, nil
}

// claimStale says whether the process holding a pool's claim is gone: its time is up, or it ran on
// this machine and has ended.
func (m *Manager) claimStale(c store.PoolClaim) bool {
	if !m.Now().Before(c.ExpiresAt) {
		return true
	}
	if c.Host != "" && m.Host != "" && c.Host != m.Host {
		return false
	}
	return c.PID != m.PID && !m.Alive(c.PID)
}

// poolBuys reports whether the journal holds a buy for pool not yet recorded, by a process that
// still runs or by one that is gone.
func (m *Manager) poolBuys(ctx context.Context, pool string) (running, orphaned bool, err error) {
	ops, err := m.Store.ListOps(ctx)
	if err != nil {
		return false, false, err
	}
	for _, op := range ops {
		if op.Kind != opBuy {
			continue
		}
		plan, err := decode[buyPlan](op)
		if err != nil || plan.Pool != pool || plan.NumberID != 0 {
			continue
		}
		// An owner on another machine cannot be checked: one silent for longer than any buy takes
		// is taken for gone.
		if op.OwnerPID == 0 || m.ownerGone(ctx, op) || m.Now().Sub(op.UpdatedAt) > poolClaimTTL {
			orphaned = true
		} else {
			running = true
		}
	}
	return running, orphaned, nil
}

// ReclaimLeases ends the leases that have expired (a job that was killed, or forgot to return its
// number); every command that reads a pool calls it first.
func (m *Manager) ReclaimLeases(ctx context.Context) ([]store.Lease, error) {
	return m.Store.ReclaimLeases(ctx, m.Now())
}

// LeaseByRef finds a lease by its id, or by the number it is on (a REF: label, number, carrier id).
func (m *Manager) LeaseByRef(ctx context.Context, ref, region string) (store.Lease, store.Number, error) {
	if _, err := m.ReclaimLeases(ctx); err != nil {
		return store.Lease{}, store.Number{}, err
	}
	if l, err := m.Store.GetLease(ctx, ref); err == nil {
		n, err := m.Store.GetNumber(ctx, l.NumberID)
		return l, n, err
	} else if !errors.Is(err, store.ErrNotFound) {
		return store.Lease{}, store.Number{}, err
	}
	if isLeaseID(ref) {
		return store.Lease{}, store.Number{}, fmt.Errorf("%w: %s (returned, or expired and reclaimed)", ErrLeaseGone, ref)
	}
	n, err := m.Resolve(ctx, ref, region)
	if err != nil {
		return store.Lease{}, store.Number{}, err
	}
	l, ok, err := m.Store.LeaseOf(ctx, n.ID)
	if err != nil {
		return store.Lease{}, n, err
	}
	if !ok {
		return store.Lease{}, n, fmt.Errorf("%w: %s is not leased", ErrLeaseGone, refName(n))
	}
	return l, n, nil
}

// ReturnLease gives a lease back: its number is free for the next job.
func (m *Manager) ReturnLease(ctx context.Context, id string) error {
	err := m.Store.EndLease(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: %s (returned, or expired and reclaimed)", ErrLeaseGone, id)
	}
	return err
}

// RenewLease extends a lease to ttl from now; ErrLeaseGone when it has expired already.
func (m *Manager) RenewLease(ctx context.Context, id string, ttl time.Duration) (store.Lease, error) {
	now := m.Now().UTC()
	err := m.Store.RenewLease(ctx, id, now, now.Add(ttl))
	if errors.Is(err, store.ErrNotFound) {
		return store.Lease{}, fmt.Errorf("%w: %s (returned, or expired and reclaimed)", ErrLeaseGone, id)
	}
	if err != nil {
		return store.Lease{}, err
	}
	return m.Store.GetLease(ctx, id)
}

// Pool lists the numbers of pool ("" for every pool) with their leases, after reclaiming expired ones.
func (m *Manager) Pool(ctx context.Context, pool string) ([]store.PoolEntry, error) {
	if _, err := m.ReclaimLeases(ctx); err != nil {
		return nil, err
	}
	return m.Store.PoolEntries(ctx, pool)
}

// leaseFloor is the earliest message time a reader of n may see: while n is leased, the lease's
// start, so that a job never reads a code meant for the job before it. m.Lease, when set, is the
// reader's own lease (VNUM_LEASE): a reader whose lease on n has ended is told so instead of being
// shown the next holder's messages.
func (m *Manager) leaseFloor(ctx context.Context, n store.Number) (time.Time, error) {
	if _, err := m.ReclaimLeases(ctx); err != nil {
		return time.Time{}, err
	}
	cur, leased, err := m.Store.LeaseOf(ctx, n.ID)
	if err != nil {
		return time.Time{}, err
	}
	if m.LeaseID != "" {
		mine, err := m.Store.GetLease(ctx, m.LeaseID)
		switch {
		case err == nil && mine.NumberID == n.ID:
			return mine.StartedAt, nil
		case err == nil: // the reader's lease is on another number: n's own lease rules
		case !errors.Is(err, store.ErrNotFound):
			return time.Time{}, err
		default:
			if pool, perr := m.Store.PoolOf(ctx, n.ID); perr != nil {
				return time.Time{}, perr
			} else if pool != "" {
				return time.Time{}, fmt.Errorf("%w: VNUM_LEASE=%s was returned or has expired, so %s may be another job's now; lease a number again",
					ErrLeaseGone, m.LeaseID, phone.Format(n.E164))
			}
		}
	}
	if leased {
		return cur.StartedAt, nil
	}
	return time.Time{}, nil
}

func isLeaseID(s string) bool { return len(s) > len("lease-") && s[:len("lease-")] == "lease-" }

// newToken is prefix and 16 random hex digits: a lease's or a claim's id, unguessable and unique.
func newToken(prefix string) (string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("lease: %w", err)
	}
	return prefix + hex.EncodeToString(b[:]), nil
}

// checkLeaseHeld refuses to change a pool's number (release, burn, rotate) from under the job
// that leases it. A job that names its lease (VNUM_LEASE) must still hold it: once it has ended
// the number may be the next job's. Without VNUM_LEASE, a live lease must be held from this
// machine and CI job (a job that took its number with `vnum lease -q` and did not export the
// lease), so another job, or a person tidying the pool, cannot pull a number a job is using.
func (m *Manager) checkLeaseHeld(ctx context.Context, n store.Number) error {
	pool, err := m.Store.PoolOf(ctx, n.ID)
	if err != nil || pool == "" {
		return err
	}
	if _, err := m.ReclaimLeases(ctx); err != nil {
		return err
	}
	cur, ok, err := m.Store.LeaseOf(ctx, n.ID)
	if err != nil {
		return err
	}
	if m.LeaseID != "" {
		if !ok || cur.ID != m.LeaseID {
			return fmt.Errorf("%w: VNUM_LEASE=%s does not hold %s any more (returned or expired): it may be another job's now",
				ErrLeaseGone, m.LeaseID, phone.Format(n.E164))
		}
		return nil
	}
	if !ok || (cur.Holder.Host == m.Host && cur.Holder.Job == m.Job) {
		return nil
	}
	return fmt.Errorf("%w: %s is leased to %s until %s (%s); return the lease first (vnum lease return %s) or wait for it to end",
		ErrLeasedToAnother, phone.Format(n.E164), holderName(cur.Holder), cur.ExpiresAt.UTC().Format(time.RFC3339), cur.ID, cur.ID)
}

// holderName says who holds a lease: its CI job, its machine and the pid that took it.
func holderName(h store.Holder) string {
	var b strings.Builder
	if h.Job != "" {
		b.WriteString("job " + h.Job + " on ")
	}
	b.WriteString(cmp.Or(h.Host, "an unknown machine"))
	if h.PID > 0 {
		fmt.Fprintf(&b, ", pid %d", h.PID)
	}
	return b.String()
}
