package serve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/providers"
)

// RelayStore is the store as the SMS relay uses it (store.Store).
type RelayStore interface {
	ClaimRelays(ctx context.Context, owner string, limit int) ([]store.Relay, error)
	RelayPartSent(ctx context.Context, r store.Relay, sentID string, parts int) error
	RelayRetry(ctx context.Context, r store.Relay, at time.Time, reason string) error
	RelayRecheck(ctx context.Context, r store.Relay, at time.Time, reason string) error
	RelaySettle(ctx context.Context, r store.Relay, state, reason string) error
	RelaysSending(ctx context.Context) ([]store.Relay, error)
	TakeOverRelay(ctx context.Context, r store.Relay, owner string) (store.Relay, error)
	RequeueRelay(ctx context.Context, r store.Relay) error
}

// RelaySender sends through the carrier of the number numberID (numbers.Manager's Send and
// CheckSent, the path of `vnum sms send`).
type RelaySender interface {
	Send(ctx context.Context, numberID int64, to, text string) (providers.Message, error)
	// CheckSent looks in the carrier's records for a message with this text sent from the
	// number to to since then: found, or proved not sent (sure), or neither.
	CheckSent(ctx context.Context, numberID int64, to, text string, since time.Time) (found, sure bool, err error)
}

// RelayConfig wires a Relayer.
type RelayConfig struct {
	Store  RelayStore
	Sender RelaySender
	// Owner names this worker in the claims it makes: unique among the serve processes sharing
	// the store (host, pid and a random part).
	Owner string
	// Gone reports whether the worker that made a claim has ended (it crashed, or was killed):
	// its 'sending' relays are then settled by this one. A claim older than Lease counts as
	// abandoned whatever Gone says (a worker on another host).
	Gone  func(owner string) bool
	Lease time.Duration
	// GiveUp bounds how long a message is tried before it is given up (default 6 h).
	GiveUp time.Duration
	// Backoff is the first wait after a failure; it doubles up to MaxBackoff (defaults 2 s, 5 min).
	Backoff, MaxBackoff time.Duration
	// SendTimeout bounds one call to the carrier (default 1 min, and under Lease).
	SendTimeout time.Duration
	// Recheck is how long after a message was queued a send of unknown outcome is looked for
	// again in the carrier's records, which come late (default 15 min); after that it is
	// marked unknown. Negative: never looked for again.
	Recheck time.Duration
	// Poll is how often the queue is read when nothing wakes the worker (default 1 s).
	Poll time.Duration
	// Logger gets one line per relay settled or retried, never a message's text.
	Logger *slog.Logger
	Now    func() time.Time
}

// Relayer drains the relay queue: it re-sends each inbound message to its number's target.
type Relayer struct {
	cfg  RelayConfig
	wake chan struct{}
}

// NewRelayer returns a Relayer with the defaults filled in.
func NewRelayer(cfg RelayConfig) *Relayer {
	if cfg.GiveUp <= 0 {
		cfg.GiveUp = 6 * time.Hour
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = 2 * time.Second
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 5 * time.Minute
	}
	if cfg.SendTimeout <= 0 {
		cfg.SendTimeout = time.Minute
	}
	if cfg.Lease <= cfg.SendTimeout {
		cfg.Lease = 5 * cfg.SendTimeout
	}
	if cfg.Recheck == 0 {
		cfg.Recheck = 15 * time.Minute
	}
	if cfg.Poll <= 0 {
		cfg.Poll = time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Gone == nil {
		cfg.Gone = func(string) bool { return false }
	}
	return &Relayer{cfg: cfg, wake: make(chan struct{}, 1)}
}

// Wake makes the worker read the queue now (a relay was just queued). It never blocks.
func (r *Relayer) Wake() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// recoverEvery is how often the worker looks for relays a gone worker left 'sending'.
const recoverEvery = time.Minute

// Run drains the queue until ctx is done. A relay under way when ctx ends is finished first
// (its call to the carrier is bounded by SendTimeout).
func (r *Relayer) Run(ctx context.Context) {
	lastRecover := time.Time{}
	for ctx.Err() == nil {
		if r.cfg.Now().Sub(lastRecover) >= recoverEvery {
			r.Recover(ctx)
			lastRecover = r.cfg.Now()
		}
		if n := r.Drain(ctx); n > 0 {
			continue // more may be due
		}
		select {
		case <-ctx.Done():
		case <-r.wake:
		case <-time.After(r.cfg.Poll):
		}
	}
}

// Drain sends what is due now, once, and returns how many relays it worked on.
func (r *Relayer) Drain(ctx context.Context) int {
	rs, err := r.cfg.Store.ClaimRelays(ctx, r.cfg.Owner, 8)
	if err != nil {
		if ctx.Err() == nil {
			r.cfg.Logger.Warn("relay: reading the queue", "error", err.Error())
		}
		return 0
	}
	for i, rel := range rs {
		if ctx.Err() != nil {
			// Stopping: the relays claimed but not started go back to the queue, untouched.
			for _, rest := range rs[i:] {
				_ = r.cfg.Store.RequeueRelay(context.WithoutCancel(ctx), rest)
			}
			return i
		}
		r.one(context.WithoutCancel(ctx), rel)
	}
	return len(rs)
}

func (r *Relayer) log(rel store.Relay) *slog.Logger {
	return r.cfg.Logger.With("carrier", rel.Provider, "number_id", rel.NumberID, "carrier_msg_id", rel.CarrierMsgID,
		"part", rel.PartsDone+1)
}

// one sends the next part of rel, which this worker has claimed, and records the outcome.
func (r *Relayer) one(ctx context.Context, rel store.Relay) {
	log := r.log(rel)
	parts := RelayParts(rel.Sender, rel.Text)
	if rel.PartsDone >= len(parts) {
		r.settle(ctx, log, rel, store.RelaySent, "")
		return
	}
	if r.cfg.Now().Sub(rel.QueuedAt) > r.cfg.GiveUp {
		r.settle(ctx, log, rel, store.RelayFailed, fmt.Sprintf("not accepted by the carrier within %s: %s", r.cfg.GiveUp, rel.Error))
		return
	}
	text := parts[rel.PartsDone]
	if rel.Checking { // sent before with no answer: look for it, never send it again from here
		r.unknown(ctx, log, rel, text, errors.New(rel.Error))
		return
	}
	sctx, cancel := context.WithTimeout(ctx, r.cfg.SendTimeout)
	m, err := r.cfg.Sender.Send(sctx, rel.NumberID, rel.Target, text)
	cancel()
	switch {
	case err == nil:
		r.sent(ctx, log, rel, m.ID, len(parts))
	case errors.Is(err, providers.ErrRateLimited):
		r.retry(ctx, log, rel, err) // a 429 was not taken: try again later
	case providers.IsRefusal(err):
		r.settle(ctx, log, rel, store.RelayFailed, err.Error())
	default:
		// A 5xx, no answer, a connection lost, a timeout: the message may have gone out. Sent
		// again only once the carrier's records prove it did not.
		r.unknown(ctx, log, rel, text, err)
	}
}

func (r *Relayer) sent(ctx context.Context, log *slog.Logger, rel store.Relay, id string, parts int) {
	if err := r.cfg.Store.RelayPartSent(ctx, rel, id, parts); err != nil {
		log.Error("relay: sent, but could not record it", "error", err.Error())
		return
	}
	log.Info("relay: sent", "parts", parts, "sent_id", id)
}

// unknown settles a send that may or may not have gone out, by the carrier's records where they
// can tell. Where they cannot yet, it is looked for again later (records come late), and in the
// end marked unknown: never sent again, and said so.
func (r *Relayer) unknown(ctx context.Context, log *slog.Logger, rel store.Relay, text string, cause error) {
	parts := len(RelayParts(rel.Sender, rel.Text))
	found, sure, err := r.cfg.Sender.CheckSent(ctx, rel.NumberID, rel.Target, text, rel.QueuedAt.Add(-time.Minute))
	switch {
	case err == nil && found:
		r.sent(ctx, log, rel, "", parts)
	case err == nil && sure:
		r.retry(ctx, log, rel, cause)
	default:
		if err != nil {
			cause = fmt.Errorf("%v; looking in the carrier's records: %w", cause, err)
		}
		r.recheck(ctx, log, rel, cause)
	}
}

// recheck leaves rel to be looked for again in the carrier's records, with the usual backoff,
// until Recheck after it was queued; then it is marked unknown.
func (r *Relayer) recheck(ctx context.Context, log *slog.Logger, rel store.Relay, cause error) {
	wait := min(r.cfg.Backoff<<min(rel.Attempts, 20), r.cfg.MaxBackoff)
	next := r.cfg.Now().Add(wait)
	if r.cfg.Recheck < 0 || next.Sub(rel.QueuedAt) > r.cfg.Recheck {
		reason := "the carrier may or may not have sent it, and its records do not say: not sent again"
		if cause != nil && cause.Error() != "" {
			reason = cause.Error() + "; " + reason
		}
		r.settle(ctx, log, rel, store.RelayUnknown, reason)
		return
	}
	if err := r.cfg.Store.RelayRecheck(ctx, rel, next, cause.Error()); err != nil {
		log.Error("relay: could not leave it to be looked for again", "error", err.Error())
		return
	}
	log.Warn("relay: outcome unknown, not in the carrier's records yet: looking again, never resending",
		"in", wait.Round(time.Millisecond).String(), "error", cause.Error())
}

func (r *Relayer) retry(ctx context.Context, log *slog.Logger, rel store.Relay, cause error) {
	wait := r.cfg.Backoff << min(rel.Attempts, 20)
	wait = min(wait, r.cfg.MaxBackoff)
	wait += time.Duration(rand.Int64N(int64(wait)/4 + 1)) // spread retries of several serves
	if after, ok := providers.RetryAfter(cause); ok && after > wait {
		wait = after
	}
	next := r.cfg.Now().Add(wait)
	if next.Sub(rel.QueuedAt) > r.cfg.GiveUp {
		r.settle(ctx, log, rel, store.RelayFailed, fmt.Sprintf("not accepted by the carrier within %s: %v", r.cfg.GiveUp, cause))
		return
	}
	if err := r.cfg.Store.RelayRetry(ctx, rel, next, cause.Error()); err != nil {
		log.Error("relay: could not queue a retry", "error", err.Error())
		return
	}
	log.Warn("relay: will retry", "attempt", rel.Attempts+1, "in", wait.Round(time.Millisecond).String(), "error", cause.Error())
}

func (r *Relayer) settle(ctx context.Context, log *slog.Logger, rel store.Relay, state, reason string) {
	if err := r.cfg.Store.RelaySettle(ctx, rel, state, reason); err != nil {
		log.Error("relay: could not record its end", "state", state, "error", err.Error())
		return
	}
	switch state {
	case store.RelaySent:
		log.Info("relay: sent")
	default:
		log.Warn("relay: given up", "state", state, "reason", reason)
	}
}

// Recover settles the relays a gone worker left 'sending': the carrier may or may not have taken
// the part it was sending. Where the carrier's records prove it was not sent, it is queued
// again; found, it counts as sent; otherwise it is marked unknown, never sent blindly again.
func (r *Relayer) Recover(ctx context.Context) {
	rs, err := r.cfg.Store.RelaysSending(ctx)
	if err != nil {
		if ctx.Err() == nil {
			r.cfg.Logger.Warn("relay: reading the queue", "error", err.Error())
		}
		return
	}
	for _, rel := range rs {
		if rel.ClaimedBy == r.cfg.Owner {
			continue
		}
		if !r.cfg.Gone(rel.ClaimedBy) && r.cfg.Now().Sub(rel.ClaimedAt) < r.cfg.Lease {
			continue
		}
		taken, err := r.cfg.Store.TakeOverRelay(ctx, rel, r.cfg.Owner)
		if err != nil {
			continue // another worker took it, or it was settled meanwhile
		}
		log := r.log(taken)
		parts := RelayParts(taken.Sender, taken.Text)
		if taken.PartsDone >= len(parts) {
			r.settle(ctx, log, taken, store.RelaySent, "")
			continue
		}
		found, sure, err := r.cfg.Sender.CheckSent(ctx, taken.NumberID, taken.Target, parts[taken.PartsDone], taken.QueuedAt.Add(-time.Minute))
		switch {
		case err == nil && found:
			log.Info("relay: found sent after its worker stopped")
			r.sent(ctx, log, taken, "", len(parts))
		case err == nil && sure:
			if err := r.cfg.Store.RequeueRelay(ctx, taken); err != nil {
				log.Error("relay: could not queue it again", "error", err.Error())
				continue
			}
			log.Info("relay: not sent before its worker stopped: queued again")
		default:
			why := "its worker stopped while sending it"
			if err != nil {
				why += "; looking in the carrier's records: " + err.Error()
			}
			r.recheck(ctx, log, taken, errors.New(why))
		}
	}
}
