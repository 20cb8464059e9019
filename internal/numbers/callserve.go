package numbers

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/vnum-cli/vnum/internal/callhook"
	"github.com/vnum-cli/vnum/internal/phone"
	"github.com/vnum-cli/vnum/internal/serve"
	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/providers"
)

// Calls through vnum serve (providers.Capabilities.CallsThroughServe: Telnyx, Vonage): the
// carrier only hands each call to serve's call route (providers.CallHook), and serve decides
// from what is stored here: the block list and voicemail setting (call_settings), and the
// number's forwarding target (numbers.forward_calls, which the carrier's own forwarding then
// no longer carries). Serve writes the call log and the voicemails; the commands read them
// from the store.

// servesCalls reports whether p's block lists, voicemail and call log are vnum serve's.
func servesCalls(p providers.Provider) bool { return p.Capabilities().CallsThroughServe }

// errNeedsServe is the refusal of call rules on a serve carrier when serve has no public URL.
func errNeedsServe(p providers.Provider, what string) error {
	also := ""
	if p.Name() == "telnyx" {
		also = ", with the account's public key set (TELNYX_PUBLIC_KEY or vnum auth login telnyx --public-key)"
	}
	return &providers.Error{Provider: p.Name(), Op: "calls", Kind: providers.ErrUnsupported,
		Message: fmt.Sprintf("%s cannot %s without vnum serve answering its calls: run `vnum serve --public-url URL` (or set serve.public_url)%s, then try again",
			p.Name(), what, also)}
}

// routeThroughServe is applyRouting on a serve carrier. With no rules the number gets the
// carrier's own forwarding back and its calls are put back from serve; with rules its calls are
// pointed at serve (which dials the forwarding target itself), the carrier's own call
// forwarding is turned off, and the target and the rules are stored for serve to read.
func (m *Manager) routeThroughServe(ctx context.Context, p providers.Provider, n store.Number, f providers.Forwarding, c store.CallSettings) (store.Number, error) {
	wctx := context.WithoutCancel(ctx)
	if c.IsZero() {
		// The carrier's own forwarding first, then the number taken off serve: a failure in
		// between leaves its calls forwarded one way or the other, with the rules still stored
		// (and true) until the next run finishes.
		n, err := m.applyForwarding(ctx, p, n, f)
		if err != nil {
			return n, err
		}
		if _, err := callhook.PutBack(ctx, m.Store, p, n.Provider, n.CarrierID); err != nil {
			return n, fmt.Errorf("calls to %s still come to vnum serve (putting back what they had before failed: %w); run the command again",
				phone.Format(n.E164), err)
		}
		return n, m.Store.SaveCallSettings(wctx, store.CallSettings{NumberID: n.ID})
	}
	caps := p.Capabilities()
	blocking := len(c.Blocked) > 0 || c.BlockAnonymous
	voicemail := c.Voicemail != providers.VoicemailOff
	what := rulesWhat(c)
	if blocking && !caps.BlockCalls || voicemail && !caps.Voicemail {
		return n, unsupportedCalls(p, what)
	}
	url, err := m.serveCallURL(p, n.Provider, c)
	if err != nil {
		return n, err
	}
	fw, ok := providers.As[providers.Forwarder](p)
	if !ok {
		return n, unsupportedCalls(p, what)
	}
	relay := f.SMS != "" && m.relays(p)
	onCarrier := providers.Forwarding{SMS: f.SMS} // serve dials the calls' target itself
	if relay {
		onCarrier.SMS = ""
	}
	if onCarrier.SMS != "" && !caps.ForwardSMS {
		return n, &providers.Error{Provider: p.Name(), Op: "forward", Kind: providers.ErrUnsupported,
			Message: fmt.Sprintf("%s does not offer SMS forwarding through its API", p.Name())}
	}
	// Pointed first, then the carrier's own forwarding off: a call in between is forwarded
	// one way or the other, never lost.
	m.Report("Pointing the calls of " + phone.Format(n.E164) + " at vnum serve")
	if err := callhook.Point(ctx, m.Store, p, n, url); err != nil {
		return n, fmt.Errorf("calls to %s: %w", phone.Format(n.E164), err)
	}
	// A number vnum never had forwarding anywhere has no native forwarding to turn off: the
	// carrier is not asked (Telnyx refuses forwarding changes on Level 1 accounts).
	if !onCarrier.IsZero() || !n.Forward.IsZero() {
		if _, err := fw.SetForwarding(ctx, n.CarrierID, onCarrier); err != nil {
			// The number is pointed at serve, but its native forwarding may still take its calls
			// first, and the rules are not stored: they are in force only once this is run again.
			return n, fmt.Errorf("calls to %s are pointed at vnum serve, but the carrier's own forwarding could not be turned off, "+
				"so the new rules are not in force yet: run the command again: %w", phone.Format(n.E164), err)
		}
	}
	n.Forward = f
	relayTo := ""
	if relay {
		relayTo = f.SMS
	}
	return n, m.saveRouting(wctx, &n, relayTo, c)
}

// serveCallURL is vnum serve's public call route for the numbers of provider (p) under the call
// settings c;
// errNeedsServe when serve has no public URL here. For a carrier whose calls serve does not
// answer, or with no rules, it is "" and no error: nothing needs serve.
func (m *Manager) serveCallURL(p providers.Provider, provider string, c store.CallSettings) (string, error) {
	if !servesCalls(p) || c.IsZero() {
		return "", nil
	}
	url := ""
	if m.ServeCallRoute != nil {
		url = m.ServeCallRoute(provider)
	}
	if url == "" {
		return "", errNeedsServe(p, rulesWhat(c))
	}
	return url, nil
}

// rulesWhat says what call settings c ask of the carrier, for a refusal.
func rulesWhat(c store.CallSettings) string {
	if len(c.Blocked) > 0 || c.BlockAnonymous {
		return "block callers"
	}
	return "take voicemail"
}

// unpointCalls puts back what n's calls had before vnum serve answered them, before n is
// released. Best effort, as putBackSMS: a failure keeps the record (serve --unconfigure tries
// again) and never keeps a number alive.
func (m *Manager) unpointCalls(ctx context.Context, p providers.Provider, n store.Number) {
	if _, err := callhook.PutBack(ctx, m.Store, p, n.Provider, n.CarrierID); err != nil {
		m.warn(fmt.Sprintf("the calls of %s could not be put back from vnum serve (%v): `vnum serve --unconfigure` tries again", phone.Format(n.E164), err))
	}
}

// UnpointAllCalls puts back every number whose calls vnum serve answers (`vnum serve
// --unconfigure`): each gets what it had before, and the carrier's own forwarding to its stored
// target. Its block list and voicemail setting stay stored, unapplied, until the next `vnum
// block` or `vnum forward` with serve set up. It returns one line per number.
func (m *Manager) UnpointAllCalls(ctx context.Context) ([]string, error) {
	hooks, err := m.Store.ListCallHooks(ctx)
	if err != nil {
		return nil, err
	}
	nums, err := m.Store.ListNumbers(ctx)
	if err != nil {
		return nil, err
	}
	var notes []string
	failed := 0
	for _, h := range hooks {
		p, err := m.provider(h.Provider)
		if err == nil {
			_, err = callhook.PutBack(ctx, m.Store, p, h.Provider, h.CarrierID)
		}
		if err != nil {
			failed++
			notes = append(notes, fmt.Sprintf("%s %s: calls not put back: %v", h.Provider, h.CarrierID, err))
			continue
		}
		i := slices.IndexFunc(nums, func(n store.Number) bool { return n.Provider == h.Provider && n.CarrierID == h.CarrierID })
		if i < 0 {
			notes = append(notes, fmt.Sprintf("%s %s: calls put back", h.Provider, h.CarrierID))
			continue
		}
		n := nums[i]
		note := fmt.Sprintf("%s %s: calls put back from vnum serve", h.Provider, phone.Format(n.E164))
		if n.Forward.Calls != "" {
			if fw, ok := providers.As[providers.Forwarder](p); ok {
				onCarrier := providers.Forwarding{Calls: n.Forward.Calls}
				if !m.relays(p) {
					onCarrier.SMS = n.Forward.SMS
				}
				if _, err := fw.SetForwarding(ctx, n.CarrierID, onCarrier); err != nil {
					failed++
					notes = append(notes, note+fmt.Sprintf("; forwarding to %s not set back: %v", phone.Format(n.Forward.Calls), err))
					continue
				}
				note += "; forwarded by " + n.Provider + " to " + phone.Format(n.Forward.Calls)
			}
		}
		notes = append(notes, note+" (its block list and voicemail wait for vnum serve)")
	}
	if failed > 0 {
		return notes, fmt.Errorf("%d number(s)' calls could not be put back; run vnum serve --unconfigure again", failed)
	}
	return notes, nil
}

// voicemailDeleter is a carrier that can delete a recording vnum serve stored (Telnyx).
type voicemailDeleter interface {
	DeleteVoicemail(ctx context.Context, voicemailID string) error
}

// ---- serve.CallBook ----

var (
	_ serve.CallBook  = (*Manager)(nil)
	_ serve.AudioGone = (*Manager)(nil)
)

// DropPendingAudio implements serve.AudioGone: the carrier no longer has the recording.
func (m *Manager) DropPendingAudio(ctx context.Context, provider, voicemailID string) error {
	return m.Store.DropRecordingURL(ctx, provider, voicemailID)
}

// CallRoute implements serve.CallBook: the forwarding target and call rules of the number to
// held on provider.
func (m *Manager) CallRoute(ctx context.Context, provider, to string) (string, providers.CallRules, bool, error) {
	n, err := m.Store.NumberByE164(ctx, provider, to)
	if errors.Is(err, store.ErrNotFound) {
		return "", providers.CallRules{}, false, nil
	}
	if err != nil {
		return "", providers.CallRules{}, false, err
	}
	c, err := m.Store.CallSettings(ctx, n.ID)
	if err != nil {
		return "", providers.CallRules{}, false, err
	}
	return n.Forward.Calls, m.rules(c), true, nil
}

// LogCall implements serve.CallBook: a call to a number vnum no longer holds is not logged.
func (m *Manager) LogCall(ctx context.Context, provider string, c providers.Call) error {
	n, err := m.Store.NumberByE164(ctx, provider, c.To)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return m.Store.AddCalls(ctx, n.ID, []providers.Call{c})
}

// SaveVoicemail implements serve.CallBook.
func (m *Manager) SaveVoicemail(ctx context.Context, provider string, v providers.Voicemail) error {
	n, err := m.Store.NumberByE164(ctx, provider, v.To)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return m.Store.AddVoicemails(ctx, n.ID, provider, []providers.Voicemail{v})
}

// SaveVoicemailAudio implements serve.CallBook.
func (m *Manager) SaveVoicemailAudio(ctx context.Context, provider, voicemailID string, a providers.Audio) error {
	return m.Store.SaveVoicemailAudio(ctx, provider, voicemailID, a)
}

// PendingAudio implements serve.CallBook.
func (m *Manager) PendingAudio(ctx context.Context) ([]serve.PendingAudio, error) {
	vms, err := m.Store.PendingAudio(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]serve.PendingAudio, 0, len(vms))
	for _, v := range vms {
		out = append(out, serve.PendingAudio{Provider: v.Provider, VoicemailID: v.ID, URL: v.RecordingURL})
	}
	return out, nil
}
