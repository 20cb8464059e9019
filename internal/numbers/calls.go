package numbers

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/vnum-cli/vnum/internal/phone"
	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/providers"
)

// CallPrefs are the user's choices for every number's calls (config block.action and
// voicemail.greeting).
type CallPrefs struct {
	// BlockMessage is said to a blocked caller before the call ends; "" rejects at once.
	BlockMessage string
	// Greeting is said before a voicemail is recorded; "" means DefaultGreeting.
	Greeting string
}

// Defaults for CallPrefs. Neither names the user, nor the number: a caller learns nothing.
const (
	DefaultGreeting     = "The person you are calling is not available. Please leave a message after the tone."
	DefaultBlockMessage = "This number is not available."
)

// callsPlan is the journal form of a number's call settings, carried by a rotate to the
// replacement.
type callsPlan struct {
	Blocked          []string `json:"blocked,omitempty"`
	BlockAnonymous   bool     `json:"block_anonymous,omitempty"`
	Voicemail        string   `json:"voicemail,omitempty"`
	VoicemailAfterMS int64    `json:"voicemail_after_ms,omitempty"`
}

func planOf(c store.CallSettings) *callsPlan {
	if c.IsZero() {
		return nil
	}
	return &callsPlan{Blocked: c.Blocked, BlockAnonymous: c.BlockAnonymous, Voicemail: c.Voicemail,
		VoicemailAfterMS: c.VoicemailAfter.Milliseconds()}
}

func (p *callsPlan) settings(numberID int64) store.CallSettings {
	if p == nil {
		return store.CallSettings{NumberID: numberID}
	}
	return store.CallSettings{NumberID: numberID, Blocked: p.Blocked, BlockAnonymous: p.BlockAnonymous,
		Voicemail: p.Voicemail, VoicemailAfter: time.Duration(p.VoicemailAfterMS) * time.Millisecond}
}

// rules turns stored settings into what the carrier is asked to do.
func (m *Manager) rules(c store.CallSettings) providers.CallRules {
	if c.IsZero() {
		return providers.CallRules{}
	}
	greeting := m.CallPrefs.Greeting
	if greeting == "" {
		greeting = DefaultGreeting
	}
	return providers.CallRules{Blocked: slices.Clone(c.Blocked), BlockAnonymous: c.BlockAnonymous,
		BlockMessage: m.CallPrefs.BlockMessage, Voicemail: c.Voicemail, VoicemailAfter: c.VoicemailAfter, Greeting: greeting}
}

// unsupportedCalls is the error for call rules on a carrier that cannot apply them.
func unsupportedCalls(p providers.Provider, what string) error {
	how := p.Capabilities().CallsVia
	if how == "" {
		how = "not offered"
	}
	return &providers.Error{Provider: p.Name(), Op: "calls", Kind: providers.ErrUnsupported,
		Message: fmt.Sprintf("%s cannot %s: %s", p.Name(), what, how)}
}

// applyRouting sets n's forwarding and call settings at the carrier in one change, and records
// both. Without call settings it is applyForwarding's plain forwarding.
func (m *Manager) applyRouting(ctx context.Context, p providers.Provider, n store.Number, f providers.Forwarding, c store.CallSettings) (store.Number, error) {
	if servesCalls(p) {
		return m.routeThroughServe(ctx, p, n, f, c)
	}
	if c.IsZero() {
		// Plain forwarding, which also drops rules the carrier had (SetForwarding is the whole
		// routing of a number's calls).
		n, err := m.applyForwarding(ctx, p, n, f)
		if err != nil {
			return n, err
		}
		return n, m.Store.SaveCallSettings(context.WithoutCancel(ctx), store.CallSettings{NumberID: n.ID})
	}
	router, ok := providers.As[providers.CallRouter](p)
	if !ok || (len(c.Blocked) > 0 || c.BlockAnonymous) && !p.Capabilities().BlockCalls ||
		c.Voicemail != providers.VoicemailOff && !p.Capabilities().Voicemail {
		what := "block callers"
		if c.Voicemail != providers.VoicemailOff && (len(c.Blocked) == 0 && !c.BlockAnonymous || p.Capabilities().BlockCalls) {
			what = "take voicemail"
		}
		return n, unsupportedCalls(p, what)
	}
	// SMS the carrier cannot forward are relayed by vnum serve, as in applyForwarding.
	relay := f.SMS != "" && m.relays(p)
	onCarrier := f
	if relay {
		onCarrier.SMS = ""
	}
	if onCarrier.SMS != "" && !p.Capabilities().ForwardSMS {
		return n, &providers.Error{Provider: p.Name(), Op: "forward", Kind: providers.ErrUnsupported,
			Message: fmt.Sprintf("%s does not offer SMS forwarding through its API", p.Name())}
	}
	got, err := router.SetCallRouting(ctx, n.CarrierID, onCarrier, m.rules(c))
	if err != nil {
		return n, fmt.Errorf("calls to %s: %w", phone.Format(n.E164), err)
	}
	n.Forward = onCarrier
	if !got.Forward.IsZero() || onCarrier.IsZero() {
		n.Forward = got.Forward
	}
	relayTo := ""
	if relay {
		n.Forward.SMS, relayTo = f.SMS, f.SMS
	}
	return n, m.saveRouting(context.WithoutCancel(ctx), &n, relayTo, c)
}

// saveRouting records, in one transaction, what a routing change set at the carrier: the
// number's forwarding, the SMS relay target ("" for none) and its call settings.
func (m *Manager) saveRouting(ctx context.Context, n *store.Number, relayTo string, c store.CallSettings) error {
	c.NumberID = n.ID
	return m.Store.InTx(ctx, func(tx *store.Store) error {
		if err := tx.SetSMSRelay(ctx, n.ID, relayTo); err != nil {
			return err
		}
		if err := tx.UpdateNumber(ctx, n); err != nil {
			return err
		}
		return tx.SaveCallSettings(ctx, c)
	})
}

// CallSettings returns n's block list and voicemail setting.
func (m *Manager) CallSettings(ctx context.Context, n store.Number) (store.CallSettings, error) {
	return m.Store.CallSettings(ctx, n.ID)
}

// ChangeCalls applies change to n's call settings, at the carrier and then in the store. The
// carrier refusing leaves both as they were.
func (m *Manager) ChangeCalls(ctx context.Context, n store.Number, change func(*store.CallSettings)) (store.CallSettings, error) {
	if err := m.checkFree(ctx, n); err != nil {
		return store.CallSettings{}, err
	}
	c, err := m.Store.CallSettings(ctx, n.ID)
	if err != nil {
		return store.CallSettings{}, err
	}
	change(&c)
	slices.Sort(c.Blocked)
	c.Blocked = slices.Compact(c.Blocked)
	if c.Voicemail == providers.VoicemailAfter && n.Forward.Calls == "" {
		return c, errors.New("voicemail after a delay needs calls forwarded: vnum forward REF --to NUMBER --voicemail-after 20s")
	}
	p, err := m.provider(n.Provider)
	if err != nil {
		return c, err
	}
	if n.State != providers.StateActive && n.State != "" {
		return c, fmt.Errorf("%s is %s on the carrier: its calls can be set once it is active", phone.Format(n.E164), n.State)
	}
	if _, err := m.applyRouting(ctx, p, n, n.Forward, c); err != nil {
		return c, err
	}
	return c, nil
}

// ForwardCalls sets n's forwarding and voicemail together (`vnum forward --voicemail…`): mode
// is a providers.Voicemail* mode. The block list is kept.
func (m *Manager) ForwardCalls(ctx context.Context, n store.Number, f providers.Forwarding, mode string, after time.Duration) (store.Number, error) {
	return m.route(ctx, n, f, func(c *store.CallSettings) error {
		if mode == providers.VoicemailAfter && f.Calls == "" {
			return errors.New("voicemail after a delay needs calls forwarded: add --to NUMBER, or use --voicemail alone")
		}
		c.Voicemail, c.VoicemailAfter = mode, 0
		if mode == providers.VoicemailAfter {
			c.VoicemailAfter = after
		}
		return nil
	})
}

// route is what forwarding changes share (Forward, ForwardCalls): the number must be active and
// the target not one of the user's own vnum numbers; settings adjusts the stored call settings
// (block list, voicemail) that go to the carrier with f. Once set, the number's SMS are pointed
// at vnum serve when it has a public URL.
func (m *Manager) route(ctx context.Context, n store.Number, f providers.Forwarding, settings func(*store.CallSettings) error) (store.Number, error) {
	p, err := m.provider(n.Provider)
	if err != nil {
		return n, err
	}
	if n.State != providers.StateActive && n.State != "" {
		return n, fmt.Errorf("%s is %s on the carrier: forwarding can be set once it is active", phone.Format(n.E164), n.State)
	}
	if err := m.checkForwardTarget(ctx, f.Calls); err != nil {
		return n, err
	}
	c, err := m.Store.CallSettings(ctx, n.ID)
	if err != nil {
		return n, err
	}
	if err := settings(&c); err != nil {
		return n, err
	}
	n, err = m.applyRouting(ctx, p, n, f, c)
	if err == nil {
		m.warn(m.pointSMS(ctx, n))
	}
	return n, err
}

// CallsResult is a list read from the store after asking the carriers for what is new; Notes
// says which carriers could not be asked (the list then holds what vnum had).
type CallsResult struct {
	Calls []store.Call
	Notes []string
}

// syncSince is how far back a sync reads from the last call vnum has: a call listed while it
// rang gets its outcome on a later read.
const syncSince = 24 * time.Hour

// Calls returns the call log of ns (every number vnum holds or held when ns is nil) since
// since, oldest first, after reading the new calls of the held ones from their carriers.
func (m *Manager) Calls(ctx context.Context, ns []store.Number, since time.Time) (CallsResult, error) {
	ids, held, err := m.scope(ctx, ns)
	if err != nil {
		return CallsResult{}, err
	}
	notes, err := syncHeld(ctx, m, held, ns != nil, "list calls", "calls",
		func(c providers.Capabilities) bool { return c.CallLog },
		func(p providers.Provider, n store.Number) (func() ([]providers.Call, error), bool, error) {
			r, ok := providers.As[providers.CallLogReader](p)
			if !ok {
				return nil, false, nil
			}
			last, err := m.Store.LastCallAt(ctx, n.ID)
			if err != nil {
				return nil, true, err
			}
			from := time.Time{}
			if !last.IsZero() {
				from = last.Add(-syncSince)
			}
			return func() ([]providers.Call, error) { return r.Calls(ctx, n.CarrierID, from) }, true, nil
		},
		func(n store.Number, calls []providers.Call) error {
			return m.Store.AddCalls(context.WithoutCancel(ctx), n.ID, calls)
		})
	res := CallsResult{Notes: notes}
	if err != nil {
		return res, err
	}
	res.Calls, err = m.Store.ListCalls(ctx, ids, since)
	return res, err
}

// syncHeld reads what is new (calls, voicemails: noun) of each held number from its carrier and
// stores it: reader says whether the carrier can (ok) and returns the read, save stores what it
// returned. A carrier without the capability (has) fails the whole list when the user named the
// numbers (unsupportedCalls(what)) and is passed over otherwise; one whose calls vnum serve
// answers is passed over (serve wrote the store); one that fails is a note, and the list holds
// what vnum had.
func syncHeld[T any](ctx context.Context, m *Manager, held []store.Number, named bool, what, noun string,
	has func(providers.Capabilities) bool,
	reader func(providers.Provider, store.Number) (read func() ([]T, error), ok bool, err error),
	save func(store.Number, []T) error) ([]string, error) {
	var notes []string
	for _, n := range held {
		p, err := m.provider(n.Provider)
		if err != nil {
			notes = append(notes, err.Error())
			continue
		}
		if !has(p.Capabilities()) {
			if named {
				return notes, unsupportedCalls(p, what)
			}
			continue
		}
		if servesCalls(p) {
			continue // vnum serve wrote them to the store
		}
		read, ok, err := reader(p, n)
		if err != nil {
			return notes, err
		}
		if !ok {
			if named {
				return notes, unsupportedCalls(p, what)
			}
			continue
		}
		items, err := read()
		if err != nil {
			if ctx.Err() != nil {
				return notes, err
			}
			notes = append(notes, fmt.Sprintf("could not read the %s of %s from %s: %v", noun, phone.Format(n.E164), n.Provider, err))
			continue
		}
		if err := save(n, items); err != nil {
			return notes, err
		}
	}
	return notes, nil
}

// scope is the local ids a list covers (nil: all) and the numbers among them vnum still holds.
func (m *Manager) scope(ctx context.Context, ns []store.Number) (ids []int64, held []store.Number, err error) {
	if ns != nil {
		for _, n := range ns {
			ids = append(ids, n.ID)
		}
		return ids, ns, nil
	}
	all, err := m.Store.ListNumbers(ctx)
	return nil, all, err
}

// VoicemailsResult is Calls' counterpart for voicemails.
type VoicemailsResult struct {
	Voicemails []store.Voicemail
	Notes      []string
}

// Voicemails returns the voicemails of ns (every number when nil), oldest first, after reading
// the new ones from the carriers.
func (m *Manager) Voicemails(ctx context.Context, ns []store.Number) (VoicemailsResult, error) {
	ids, held, err := m.scope(ctx, ns)
	if err != nil {
		return VoicemailsResult{}, err
	}
	notes, err := syncHeld(ctx, m, held, ns != nil, "take voicemail", "voicemails",
		func(c providers.Capabilities) bool { return c.Voicemail },
		func(p providers.Provider, n store.Number) (func() ([]providers.Voicemail, error), bool, error) {
			box, ok := providers.As[providers.VoicemailBox](p)
			if !ok {
				return nil, false, nil
			}
			return func() ([]providers.Voicemail, error) { return box.Voicemails(ctx, n.CarrierID, time.Time{}) }, true, nil
		},
		func(n store.Number, vms []providers.Voicemail) error {
			return m.Store.AddVoicemails(context.WithoutCancel(ctx), n.ID, n.Provider, vms)
		})
	res := VoicemailsResult{Notes: notes}
	if err != nil {
		return res, err
	}
	res.Voicemails, err = m.Store.ListVoicemails(ctx, ids, time.Time{})
	return res, err
}

// ErrNoVoicemail means vnum knows no voicemail with that id.
var ErrNoVoicemail = errors.New("no voicemail")

// voicemail finds a stored voicemail and its carrier's box; a voicemail vnum serve took has
// no box (serve carriers keep none vnum reads): box is nil and p says the carrier.
func (m *Manager) voicemail(ctx context.Context, id string) (store.Voicemail, providers.VoicemailBox, error) {
	v, p, err := m.storedVoicemail(ctx, id)
	if err != nil || servesCalls(p) {
		return v, nil, err
	}
	box, ok := providers.As[providers.VoicemailBox](p)
	if !ok {
		return v, nil, unsupportedCalls(p, "take voicemail")
	}
	return v, box, nil
}

// storedVoicemail finds a stored voicemail and its carrier.
func (m *Manager) storedVoicemail(ctx context.Context, id string) (store.Voicemail, providers.Provider, error) {
	v, err := m.Store.GetVoicemail(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return v, nil, fmt.Errorf("%w %q: see `vnum voicemail list`", ErrNoVoicemail, id)
	}
	if err != nil {
		return v, nil, err
	}
	p, err := m.provider(v.Provider)
	return v, p, err
}

// ErrAudioNotYet means vnum serve has not downloaded a voicemail's recording yet: a temporary
// condition (providers.ErrTemporary, exit 7).
var ErrAudioNotYet error = audioNotYet{}

type audioNotYet struct{}

func (audioNotYet) Error() string        { return "the recording is not here yet" }
func (audioNotYet) Is(target error) bool { return target == providers.ErrTemporary }

// VoicemailAudio fetches the recording of voicemail id; on a carrier whose calls vnum serve
// answers, the copy serve downloaded.
func (m *Manager) VoicemailAudio(ctx context.Context, id string) (store.Voicemail, providers.Audio, error) {
	v, box, err := m.voicemail(ctx, id)
	if err != nil {
		return v, providers.Audio{}, err
	}
	if box == nil {
		a, found, err := m.Store.VoicemailAudio(ctx, v.Provider, v.ID)
		if err == nil && !found && v.RecordingURL == "" {
			return v, a, fmt.Errorf("the recording of voicemail %s could not be downloaded before %s let it go: %w", v.ID, v.Provider, providers.ErrNotFound)
		}
		if err == nil && !found {
			err = fmt.Errorf("voicemail %s: %w: vnum serve downloads it from %s once the message is recorded, and tries again on its next pass (every two minutes while it runs)",
				v.ID, ErrAudioNotYet, v.Provider)
		}
		return v, a, err
	}
	a, err := box.VoicemailAudio(ctx, v.ID)
	if errors.Is(err, providers.ErrNotFound) {
		return v, a, fmt.Errorf("the recording of voicemail %s is no longer at %s: %w", v.ID, v.Provider, err)
	}
	return v, a, err
}

// DeleteVoicemail deletes voicemail id at its carrier, then from the store.
func (m *Manager) DeleteVoicemail(ctx context.Context, id string) (store.Voicemail, error) {
	v, box, err := m.voicemail(ctx, id)
	if err != nil {
		return v, err
	}
	if box == nil {
		// Taken by vnum serve: deleted here, and at the carrier where it keeps the recording
		// and can delete it (best effort, said).
		if err := m.Store.DeleteVoicemail(context.WithoutCancel(ctx), v.Provider, v.ID); err != nil {
			return v, err
		}
		p, _ := m.provider(v.Provider)
		if d, ok := providers.As[voicemailDeleter](p); ok {
			if err := d.DeleteVoicemail(ctx, v.ID); err != nil && !errors.Is(err, providers.ErrNotFound) {
				m.warn(fmt.Sprintf("voicemail %s is deleted here, but its recording may remain at %s (%v): delete it in its console", v.ID, v.Provider, err))
			}
		}
		return v, nil
	}
	if err := box.DeleteVoicemail(ctx, v.ID); err != nil && !errors.Is(err, providers.ErrNotFound) {
		return v, err
	}
	return v, m.Store.DeleteVoicemail(context.WithoutCancel(ctx), v.Provider, v.ID)
}

// deleteVoicemailsAt deletes every voicemail of n at its carrier (a burn): the ones the carrier
// lists and the ones vnum stored. It returns how many could not be deleted, with the first error.
func (m *Manager) deleteVoicemailsAt(ctx context.Context, p providers.Provider, n store.Number) (failed int, unlisted bool, err error) {
	if servesCalls(p) {
		failed, err = m.deleteServedVoicemailsAt(ctx, p, n)
		return failed, false, err
	}
	box, ok := providers.As[providers.VoicemailBox](p)
	if !ok || !p.Capabilities().Voicemail {
		return 0, false, nil
	}
	ids := map[string]bool{}
	vms, lerr := box.Voicemails(ctx, n.CarrierID, time.Time{})
	for _, v := range vms {
		ids[v.ID] = true
	}
	stored, serr := m.Store.ListVoicemails(ctx, []int64{n.ID}, time.Time{})
	for _, v := range stored {
		ids[v.ID] = true
	}
	err = errors.Join(lerr, serr)
	unlisted = lerr != nil // the carrier's list is unknown: how many remain is too
	for _, id := range slices.Sorted(maps.Keys(ids)) {
		if derr := box.DeleteVoicemail(ctx, id); derr != nil && !errors.Is(derr, providers.ErrNotFound) {
			failed++
			err = errors.Join(err, fmt.Errorf("recording %s: %w", id, derr))
		}
	}
	return failed, unlisted, err
}

// deleteServedVoicemailsAt deletes at the carrier the recordings of n's voicemails vnum serve
// took, where the carrier can (a burn); the store's copies go with the number.
func (m *Manager) deleteServedVoicemailsAt(ctx context.Context, p providers.Provider, n store.Number) (failed int, err error) {
	d, ok := providers.As[voicemailDeleter](p)
	if !ok {
		return 0, nil
	}
	stored, err := m.Store.ListVoicemails(ctx, []int64{n.ID}, time.Time{})
	if err != nil {
		return 1, err
	}
	for _, v := range stored {
		if derr := d.DeleteVoicemail(ctx, v.ID); derr != nil && !errors.Is(derr, providers.ErrNotFound) {
			failed++
			// Named: the store's copy goes with the number, so this is the only trace of it.
			err = errors.Join(err, fmt.Errorf("recording %s: %w", v.ID, derr))
		}
	}
	return failed, err
}
