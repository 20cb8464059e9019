// Package numbers is the number lifecycle: search, buy, forward, rotate, release, burn, expire,
// messages, and the journal that lets any of them be finished or undone after a crash. Commands
// stay thin (parse, call this, print); this package knows the providers and the store, never
// cobra or the terminal.
//
// Every money-moving operation follows one rule: write the intent to the journal, then call the
// carrier, then record the outcome, then remove the journal entry. The code that resumes an
// interrupted operation is the same code that runs it the first time (see resume*), so the
// recovery path is exercised by every ordinary run.
package numbers

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vnum-cli/vnum/internal/phone"
	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/providers"
)

// Errors for REF resolution.
var (
	// ErrNoMatch: the REF names no number vnum manages.
	ErrNoMatch = errors.New("no number matches")
	// ErrAmbiguous: the REF names more than one number.
	ErrAmbiguous = errors.New("matches several numbers")
)

// Config wires a Manager.
type Config struct {
	Store *store.Store
	// Provider returns the named carrier's adapter (built once by the factory).
	Provider func(name string) (providers.Provider, error)
	Now      func() time.Time
	// PID identifies this process in the journal, Host the machine it runs on ("" for unknown).
	PID  int
	Host string
	// Job is the CI job this process runs in (cijob.Name; "" outside CI): without VNUM_LEASE, a
	// leased number may be released or rotated only by a process of its holder's host and job.
	Job string
	// Alive reports whether the process that owns a journal entry is still running; nil means
	// the operating system check.
	Alive func(pid int) bool
	// Report receives progress ("Buying +33…"); nil discards it. It must not block.
	Report func(msg string)
	// PollInterval is the first wait between polls (sms wait, pending orders); it grows to
	// PollMax. Zero means 500ms and 5s.
	PollInterval, PollMax time.Duration
	// StorePoll, when not zero, is how often `sms wait` looks in the store between two reads of
	// the carrier: `vnum serve` may write a pushed message there at any moment.
	StorePoll time.Duration
	// Calls are the user's choices for blocked callers and voicemail greetings.
	CallPrefs CallPrefs
	// SMSRelay says `vnum serve` is set up: on a carrier that cannot forward SMS itself but can
	// send them, forwarding SMS means serve re-sends each inbound message (relay.go).
	SMSRelay bool
	// SMSRoute returns vnum serve's public route for a carrier (https://…/hooks/…/vonage), ""
	// when serve has no public URL or no route for it: buy, forward and rotate point the
	// numbers' inbound SMS there. nil: none. Called only when a number is to be pointed.
	SMSRoute func(provider string) string
	// ServeCallRoute returns vnum serve's public call route for a carrier whose calls serve
	// answers (providers.Capabilities.CallsThroughServe), "" when serve has no public URL or no
	// route for it: block lists and voicemail on those carriers need it. nil: none. (Not
	// "CallRoute": that is the serve.CallBook method.)
	ServeCallRoute func(provider string) string
	// Warn receives warnings for the user (stderr) from operations that have no other way to
	// return them; nil discards them.
	Warn func(msg string)
	// LeaseID is the reader's own lease (VNUM_LEASE), "" for none: sms list and sms wait on its
	// number see only what came since it began, and are refused once it has ended.
	LeaseID string
}

// Manager runs the lifecycle.
type Manager struct {
	Config
}

// New returns a Manager with defaults filled in.
func New(c Config) *Manager {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Alive == nil {
		c.Alive = processAlive
	}
	if c.Report == nil {
		c.Report = func(string) {}
	}
	if c.PollInterval <= 0 {
		c.PollInterval = 500 * time.Millisecond
	}
	if c.PollMax <= 0 {
		c.PollMax = 5 * time.Second
	}
	return &Manager{Config: c}
}

// Resolve finds the one stored number REF names: its label, its carrier id, or the number in any
// common notation. region is the default country for national notation ("" for none).
func (m *Manager) Resolve(ctx context.Context, ref, region string) (store.Number, error) {
	return m.ResolveOn(ctx, ref, region, "")
}

// ResolveOn is Resolve among the numbers of one carrier (provider ""; any): how a REF that names
// the same number on two carriers is told apart (--provider).
func (m *Manager) ResolveOn(ctx context.Context, ref, region, provider string) (store.Number, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return store.Number{}, fmt.Errorf("empty number reference: give a label, a number or a carrier id")
	}
	all, err := m.Store.ListNumbers(ctx)
	if err != nil {
		return store.Number{}, err
	}
	e164, names := refMatcher(ref, region)
	var matches []store.Number
	for _, n := range all {
		if names(n.Label, n.CarrierID, n.E164) && (provider == "" || n.Provider == provider) {
			matches = append(matches, n)
		}
	}
	switch len(matches) {
	case 0:
		if provider != "" {
			return store.Number{}, fmt.Errorf("%w %q on %s: see `vnum list --provider %s`", ErrNoMatch, ref, provider, provider)
		}
		// A national number libphonenumber could not read gets its reason (which country it
		// assumed); one already in international form does not need telling to be.
		if phone.LooksLikeNumber(ref) && e164 == "" && !strings.HasPrefix(phone.Compact(ref), "+") {
			if _, perr := phone.Parse(ref, region); perr != nil {
				return store.Number{}, fmt.Errorf("%w %q: %v", ErrNoMatch, ref, perr)
			}
		}
		return store.Number{}, fmt.Errorf("%w %q: see `vnum list` for your numbers and labels", ErrNoMatch, ref)
	case 1:
		return matches[0], nil
	default:
		list := make([]string, 0, len(matches))
		for _, n := range matches {
			list = append(list, n.E164+" ("+n.Provider+")")
		}
		return store.Number{}, fmt.Errorf("%q %w: %s; use the full number with --provider", ref, ErrAmbiguous, strings.Join(list, ", "))
	}
}

// refMatcher says whether a number (by label, carrier id and E.164) is what ref names; e164 is
// ref read as a number, "" when it is not one.
func refMatcher(ref, region string) (e164 string, names func(label, carrierID, number string) bool) {
	if phone.LooksLikeNumber(ref) {
		e164, _ = phone.Parse(ref, region)
	}
	// A number vnum holds is found as written even where libphonenumber would not call it
	// valid (a range it does not know yet): the carrier sold it, so it exists.
	compact := phone.Compact(ref)
	return e164, func(label, carrierID, number string) bool {
		return (label != "" && label == ref) || carrierID == ref || (e164 != "" && number == e164) ||
			(e164 == "" && strings.HasPrefix(compact, "+") && number == compact)
	}
}

// ResolveEnded finds the most recent number of the history that REF names (label, number in any
// notation, or carrier id), for reading what vnum kept of it.
func (m *Manager) ResolveEnded(ctx context.Context, ref, region string) (store.HistoryEntry, error) {
	ref = strings.TrimSpace(ref)
	hs, err := m.Store.ListHistory(ctx)
	if err != nil {
		return store.HistoryEntry{}, err
	}
	_, names := refMatcher(ref, region)
	for i := len(hs) - 1; i >= 0; i-- { // oldest first: the last match is the latest
		if h := hs[i]; names(h.Label, h.CarrierID, h.E164) {
			return h, nil
		}
	}
	return store.HistoryEntry{}, fmt.Errorf("%w %q", ErrNoMatch, ref)
}

// provider returns the named adapter.
func (m *Manager) provider(name string) (providers.Provider, error) {
	return m.Provider(name)
}

// Search lists numbers for sale, cheapest first (ties by number, so output is stable).
func (m *Manager) Search(ctx context.Context, providerName string, q providers.Query) ([]providers.Available, error) {
	p, err := m.provider(providerName)
	if err != nil {
		return nil, err
	}
	// "Cheapest first" must hold over more than the first few the carrier returns: ask for a
	// wider page, sort, then cut to the limit.
	wide := q
	if q.Limit > 0 {
		wide.Limit = max(q.Limit, searchWidth)
	}
	res, err := p.Search(ctx, wide)
	if err != nil {
		return nil, err
	}
	res = matching(q, res)
	sortCheapest(res)
	if q.Limit > 0 && len(res) > q.Limit {
		res = res[:q.Limit]
	}
	return res, nil
}

// searchWidth is how many offers a search asks the carrier for at least, to pick the cheapest;
// maxSearch bounds what a buy asks for once the numbers the user held are added on top.
const (
	searchWidth = 50
	maxSearch   = 500
)

// matching keeps the offers that fit q: what the carrier should have filtered, checked again,
// and only real numbers (a carrier's or a mock's answer may hold an empty or garbled one).
func matching(q providers.Query, res []providers.Available) []providers.Available {
	return slices.DeleteFunc(res, func(a providers.Available) bool { return !phone.IsE164(a.Number) || !q.Matches(a) })
}

func sortCheapest(res []providers.Available) {
	// An unknown price is not a low one: such numbers come after every priced one.
	unknown := func(a providers.Available) int {
		if a.Monthly.Known() {
			return 0
		}
		return 1
	}
	slices.SortStableFunc(res, func(a, b providers.Available) int {
		return cmp.Or(cmp.Compare(unknown(a), unknown(b)), cmp.Compare(a.Monthly.Micros, b.Monthly.Micros),
			cmp.Compare(a.Upfront.Micros, b.Upfront.Micros), strings.Compare(a.Number, b.Number))
	})
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
