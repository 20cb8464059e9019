package numbers

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/vnum-cli/vnum/internal/otp"
	"github.com/vnum-cli/vnum/internal/phone"
	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/providers"
)

// ErrWaitTimeout means no message arrived in time.
var ErrWaitTimeout = errors.New("no message arrived")

// ErrWithheld means the carrier received a message but kept its text back.
var ErrWithheld = errors.New("the carrier withheld the message text")

// syncOverlap re-reads a little before the newest stored message, since carriers' clocks and
// filters are coarse (Twilio filters by date); duplicates are ignored by the store.
const syncOverlap = 5 * time.Minute

// SyncMessages copies the number's messages from the carrier into the store.
func (m *Manager) SyncMessages(ctx context.Context, n store.Number) error {
	p, err := m.provider(n.Provider)
	if err != nil {
		return err
	}
	r, ok := providers.As[providers.MessageReader](p)
	if !ok || !p.Capabilities().ReadSMS {
		return &providers.Error{Provider: n.Provider, Op: "messages", Kind: providers.ErrUnsupported,
			Message: n.Provider + " cannot list received SMS through its API"}
	}
	since := n.BoughtAt.Add(-syncOverlap)
	stored, err := m.Store.ListMessages(ctx, n.ID, time.Time{})
	if err != nil {
		return err
	}
	if len(stored) > 0 {
		since = stored[len(stored)-1].ReceivedAt.Add(-syncOverlap)
	}
	msgs, err := r.Messages(ctx, n.CarrierID, since)
	if err != nil {
		return err
	}
	_, err = m.Store.AddMessages(ctx, n.ID, msgs)
	return err
}

// Messages returns n's messages received at or after since (zero: all), oldest first, after
// fetching new ones from the carrier.
func (m *Manager) Messages(ctx context.Context, n store.Number, since time.Time) ([]store.Message, error) {
	floor, err := m.leaseFloor(ctx, n)
	if err != nil {
		return nil, err
	}
	if err := m.SyncMessages(ctx, n); err != nil {
		return nil, err
	}
	if since.Before(floor) {
		since = floor // a leased number shows its holder what came since the lease began
	}
	return m.Store.ListMessages(ctx, n.ID, since)
}

// WaitOptions shape `sms wait`.
type WaitOptions struct {
	// Timeout bounds the wait; 0 means wait until ctx is done.
	Timeout time.Duration
	// NotBefore ignores messages received earlier.
	NotBefore time.Time
	// From only accepts messages from this sender ("" for any).
	From string
	// Code only accepts messages with a verification code in them.
	Code bool
	// NoCode, with Code, is told of each message the wait passes over because it holds no
	// code, once, when the wait first sees it; the message stays for a later wait without Code.
	NoCode func(store.Message)
}

// WaitResult is the message a wait returned and, with Code, the code in it.
type WaitResult struct {
	Message store.Message
	Code    string
	// Skipped counts messages passed over because they had no code.
	Skipped int
}

// Wait returns the oldest message no earlier wait returned, waiting for one to arrive if needed.
// Each message is returned by exactly one wait, even across processes.
func (m *Manager) Wait(ctx context.Context, n store.Number, o WaitOptions) (WaitResult, error) {
	// A leased number's holder waits only for what came since the lease began: a code meant for
	// the job before it is never returned.
	floor, err := m.leaseFloor(ctx, n)
	if err != nil {
		return WaitResult{}, err
	}
	if o.NotBefore.Before(floor) {
		o.NotBefore = floor
	}
	if o.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.Timeout)
		defer cancel()
	}
	var res WaitResult
	polls := pollLog{number: phone.Format(n.E164)}
	told := map[int64]bool{} // messages without a code already in polls.noCode
	interval, most := m.PollInterval, m.PollMax
	if p, err := m.provider(n.Provider); err == nil {
		// A carrier that bills or limits its reads sets how often it may be asked.
		if least := p.Capabilities().MinPoll; least > 0 {
			interval, most = max(interval, least), max(most, least)
		}
	}
	// With --code, a message without one is passed over but left for a later wait.
	var match func(store.Message) bool
	if o.Code {
		match = func(msg store.Message) bool {
			_, found := otp.Extract(msg.Text)
			if !found && !msg.Withheld && !told[msg.ID] {
				told[msg.ID] = true
				polls.noCode = append(polls.noCode, msg)
				if o.NoCode != nil {
					o.NoCode(msg)
				}
			}
			return found || msg.Withheld
		}
	}
	for {
		err := m.SyncMessages(ctx, n)
		if err != nil && !errors.Is(err, providers.ErrRateLimited) && !errors.Is(err, providers.ErrTemporary) {
			if ctx.Err() != nil {
				polls.note(err) // time ran out inside the read (a carrier slow or rate limiting): it failed too
			}
			return res, polls.waitErr(ctx, o, err)
		}
		polls.note(err)
		// Look in the store now and, until the next read of the carrier, every StorePoll: vnum
		// serve may store a pushed message at any moment. Without it, only a read adds messages.
		next := time.Now().Add(interval) // real time, as sleep is: m.Now may be frozen
		for looked := false; ; looked = true {
			if !floor.IsZero() {
				// The lease may end while its holder waits (returned, or expired and leased to
				// the next job): from then on the messages are someone else's.
				if now, err := m.leaseFloor(context.WithoutCancel(ctx), n); err != nil {
					return res, err
				} else if !now.Equal(floor) {
					return res, fmt.Errorf("%w: the lease on %s ended while waiting for its SMS", ErrLeaseGone, phone.Format(n.E164))
				}
			}
			msg, skipped, ok, err := m.Store.ClaimFirst(context.WithoutCancel(ctx), n.ID, o.NotBefore, o.From, match)
			if err != nil {
				return res, err
			}
			res.Skipped = skipped
			if ok {
				return m.waitResult(n, o, res, msg)
			}
			if !looked {
				m.Report("Waiting for an SMS to " + phone.Format(n.E164))
			}
			wait := interval
			if m.StorePoll > 0 {
				wait = min(time.Until(next), m.StorePoll)
				if wait <= 0 {
					break
				}
			}
			if err := sleep(ctx, wait); err != nil {
				return res, polls.waitErr(ctx, o, err)
			}
			if m.StorePoll <= 0 {
				break
			}
		}
		interval = min(interval*3/2, most)
	}
}

// waitResult is what Wait returns for the message msg it claimed.
func (m *Manager) waitResult(n store.Number, o WaitOptions, res WaitResult, msg store.Message) (WaitResult, error) {
	if msg.Withheld {
		why := "" // the carrier's own words for it, when it has them
		if p, err := m.provider(n.Provider); err == nil {
			if e, ok := providers.As[providers.WithheldExplainer](p); ok {
				why = " (" + e.WithheldReason() + ")"
			}
		}
		return WaitResult{Message: msg}, fmt.Errorf("%w: a message from %s reached %s but the carrier kept its text back%s; use another carrier or number for this service",
			ErrWithheld, msg.From, phone.Format(n.E164), why)
	}
	res.Message = msg
	if o.Code {
		res.Code, _ = otp.Extract(msg.Text)
	}
	return res, nil
}

// pollLog remembers how a wait's reads of the carrier went, so that running out of time says
// whether the carrier was read at all.
type pollLog struct {
	ok      int             // reads that worked
	lastErr error           // the latest read's temporary failure, nil when it worked
	noCode  []store.Message // messages that came but held no code (with WaitOptions.Code)
	number  string          // the number waited on, for telling the user
}

func (p *pollLog) note(err error) {
	p.lastErr = err
	if err == nil {
		p.ok++
	}
}

func (p *pollLog) waitErr(ctx context.Context, o WaitOptions, err error) error {
	if !errors.Is(ctx.Err(), context.DeadlineExceeded) || o.Timeout <= 0 {
		return err
	}
	switch {
	case p.lastErr != nil && p.ok == 0:
		// Not one read worked: whether a message came is unknown, which is not a timeout.
		return fmt.Errorf("could not read the carrier's messages within %s: %w", o.Timeout, p.lastErr)
	case len(p.noCode) > 0:
		last := p.noCode[len(p.noCode)-1]
		return &NoCodeError{Number: p.number, Count: len(p.noCode), Last: last, Timeout: o.Timeout}
	case p.lastErr != nil:
		return fmt.Errorf("%w within %s (the carrier's last answer was: %v)", ErrWaitTimeout, o.Timeout, p.lastErr)
	}
	return fmt.Errorf("%w within %s", ErrWaitTimeout, o.Timeout)
}

// NoCodeError is the end of a wait for a code that saw messages come, none with a code in it.
// It is a timeout (errors.Is(err, ErrWaitTimeout)), told apart from one where nothing came.
type NoCodeError struct {
	Number  string        // the number waited on, formatted
	Count   int           // messages that came without a code
	Last    store.Message // the latest of them
	Timeout time.Duration
}

func (e *NoCodeError) Error() string {
	what := "a message arrived"
	if e.Count > 1 {
		what = fmt.Sprintf("%d messages arrived", e.Count)
	}
	return fmt.Sprintf("no code reached %s within %s: %s without a recognisable code (the last from %s: %s)",
		e.Number, e.Timeout, what, e.Last.From, Snippet(e.Last.Text))
}

// Is makes a NoCodeError a timeout for errors.Is, so that it exits with the timeout's code.
func (e *NoCodeError) Is(target error) bool { return target == ErrWaitTimeout }

// Snippet quotes the start of a message's text on one line, for telling the user about it.
func Snippet(text string) string {
	const max = 60
	t := strings.Join(strings.Fields(text), " ")
	if r := []rune(t); len(r) > max {
		t = string(r[:max-1]) + "…"
	}
	return strconv.Quote(t)
}

// Send sends an SMS from n.
func (m *Manager) Send(ctx context.Context, n store.Number, to, text string) (providers.Message, error) {
	p, err := m.provider(n.Provider)
	if err != nil {
		return providers.Message{}, err
	}
	s, ok := providers.As[providers.MessageSender](p)
	if !ok || !p.Capabilities().SendSMS {
		return providers.Message{}, &providers.Error{Provider: n.Provider, Op: "send", Kind: providers.ErrUnsupported,
			Message: n.Provider + " cannot send SMS through its API"}
	}
	msg, err := s.SendSMS(ctx, n.CarrierID, to, text)
	if err != nil {
		if ctx.Err() == nil && errors.Is(err, providers.ErrUnknownOutcome) {
			// Neither refused nor "later": the carrier may have sent it.
			return msg, fmt.Errorf("%w: the message may or may not have gone out; check %s's message log before sending it again", err, n.Provider)
		}
		return msg, err
	}
	// What was sent is what vnum asked for: the carrier's echo of it has been seen empty or
	// made up (Prism's examples and generated data), and a script reads from, to and text
	// back from --json. The carrier gives the id and the time.
	msg.From, msg.To, msg.Text, msg.Inbound, msg.Withheld = n.E164, to, text, false, false
	if msg.ID != "" {
		_, _ = m.Store.AddMessages(context.WithoutCancel(ctx), n.ID, []providers.Message{msg})
	}
	return msg, nil
}

// CheckSent settles a send from n whose outcome is unknown through the carrier's records of what
// n sent (providers.SentChecker): found, or proved not sent (sure), or neither. A message found
// is stored as Send stores it.
func (m *Manager) CheckSent(ctx context.Context, n store.Number, to, text string, since time.Time) (found, sure bool, err error) {
	p, err := m.provider(n.Provider)
	if err != nil {
		return false, false, err
	}
	c, ok := providers.As[providers.SentChecker](p)
	if !ok {
		return false, false, nil
	}
	msg, found, sure, err := c.CheckSent(ctx, n.CarrierID, to, text, since)
	if err != nil || !found {
		return false, sure && err == nil, err
	}
	if msg.ID != "" {
		_, _ = m.Store.AddMessages(context.WithoutCancel(ctx), n.ID, []providers.Message{msg})
	}
	return true, true, nil
}

// Forward sets n's forwarding (a zero Forwarding turns it off). The block list and voicemail
// stay, but forwarding off turns all call handling off but the block list, and voicemail after
// a delay needs a call to ring.
func (m *Manager) Forward(ctx context.Context, n store.Number, f providers.Forwarding) (store.Number, error) {
	return m.route(ctx, n, f, func(c *store.CallSettings) error {
		if f.IsZero() || f.Calls == "" && c.Voicemail == providers.VoicemailAfter {
			c.Voicemail, c.VoicemailAfter = providers.VoicemailOff, 0
		}
		return nil
	})
}

// ErrForwardLoop means a forwarding target is one of the user's own vnum numbers: a call would
// go round between them, billed at every turn.
var ErrForwardLoop = errors.New("forwarding loop")

// checkForwardTarget refuses a target that is a number vnum holds (managed or not).
func (m *Manager) checkForwardTarget(ctx context.Context, target string) error {
	if target == "" {
		return nil
	}
	all, err := m.Store.ListNumbers(ctx)
	if err != nil {
		return err
	}
	for _, o := range all {
		if o.E164 == target {
			what := phone.Format(o.E164)
			if o.Label != "" {
				what += " (" + o.Label + ")"
			}
			return fmt.Errorf("%w: %s is one of your vnum numbers, so calls would go round between them: forward to your own phone", ErrForwardLoop, what)
		}
	}
	return nil
}
