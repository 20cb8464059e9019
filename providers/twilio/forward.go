package twilio

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	v2010 "github.com/twilio/twilio-go/rest/api/v2010"
	studiov2 "github.com/twilio/twilio-go/rest/studio/v2"

	"github.com/vnum-cli/vnum/providers"
)

// rollbackTimeout bounds the clean-up of a half-done forwarding change.
const rollbackTimeout = 15 * time.Second

// SetForwarding implements providers.Forwarder with a Studio flow per number: created on first
// use, updated in place (a new revision) when the targets change, deleted when forwarding is
// turned off. The number's VoiceUrl and SmsUrl point at the flow's webhook for the forwarded
// channels and are emptied for the others. No flow is left behind when a step fails.
func (p *Provider) SetForwarding(ctx context.Context, id string, f providers.Forwarding) (providers.Number, error) {
	return p.SetCallRouting(ctx, id, f, providers.CallRules{})
}

// SetCallRouting implements providers.CallRouter: SetForwarding's flow, which also carries the
// number's call rules (see buildFlow). The definition is checked with Studio's Validate before
// it is written.
func (p *Provider) SetCallRouting(ctx context.Context, id string, f providers.Forwarding, r providers.CallRules) (providers.Number, error) {
	if err := checkID(ctx, "forward", id); err != nil {
		return providers.Number{}, err
	}
	for _, target := range []string{f.Calls, f.SMS} {
		if target != "" && !isE164(target) {
			return providers.Number{}, fmt.Errorf("twilio forward: %q is not an E.164 number like +33612345678", target)
		}
	}
	for _, caller := range r.Blocked {
		if !isE164(caller) {
			return providers.Number{}, fmt.Errorf("twilio forward: blocked caller %q is not an E.164 number", caller)
		}
	}
	off := f.IsZero() && r.IsZero()
	calls := f.Calls != "" || !r.IsZero() // the flow takes the number's calls
	c, done, err := p.begin(ctx, "forward")
	if err != nil {
		return providers.Number{}, err
	}
	defer done()
	pn, err := c.api.FetchIncomingPhoneNumber(id, nil)
	if err != nil {
		return providers.Number{}, c.fail(err)
	}
	// The flows vnum owns on this number (normally one, reached by both URLs), and what the
	// number's webhooks were before vnum pointed them at a flow.
	var own []string
	var restore routes
	for _, sid := range flowSIDs(pn) {
		fl, ok, err := c.ownFlow(sid)
		if err != nil {
			return providers.Number{}, err
		}
		if ok {
			own = append(own, sid)
			restore = restore.or(fl.restore)
		}
	}
	if len(own) == 0 && !off {
		// A flow made for this number whose creation answer was lost (so the number was never
		// pointed at it) is taken up again rather than left behind beside a new one.
		orphans, err := c.flowsNamedFor(id)
		if err != nil {
			return providers.Number{}, err
		}
		own = append(own, orphans...)
	}
	ours := func(u string) bool { return slices.Contains(own, flowSIDOf(u)) }
	current := routes{Voice: route{deref(pn.VoiceUrl), deref(pn.VoiceMethod)}, SMS: route{deref(pn.SmsUrl), deref(pn.SmsMethod)}}
	// A webhook that is not vnum's is the user's own, to put back when vnum lets go.
	if !ours(current.Voice.URL) {
		restore.Voice = current.Voice
	}
	if !ours(current.SMS.URL) {
		restore.SMS = current.SMS
	}

	if off {
		updated, err := c.pointNumber(id, pn, ours, "", false, f, restore)
		if err != nil {
			return providers.Number{}, err
		}
		for _, sid := range own {
			if err := c.deleteFlow(sid); err != nil {
				return providers.Number{}, err
			}
		}
		return p.toNumber(updated), nil
	}

	webhook, created, err := c.writeFlow(id, own, f, r, restore)
	if err != nil {
		return providers.Number{}, err
	}
	updated, err := c.pointNumber(id, pn, ours, webhook, calls, f, restore)
	if err != nil && created != "" && !providers.IsRefusal(err) {
		// The update's outcome is unknown (no answer, a gateway's 5xx): Twilio may have pointed
		// the number at the new flow. Deleting it then would leave calls going nowhere.
		switch now, ferr := c.refetch(id); {
		case ferr != nil:
			// Unknown still: keep the flow. An unused one is cleaned up by the next forward or
			// release; a number pointing at a deleted one would lose its calls.
			return providers.Number{}, err
		case slices.Contains(flowSIDs(now), created):
			updated, err = now, nil // it took
		}
	}
	if err != nil {
		if created != "" {
			// Roll back: a flow no number points at would be an orphan.
			err = joinErr(err, c.rollBackFlow(created))
		}
		return providers.Number{}, err
	}
	// Any other vnum flow that was on the number is now unreferenced.
	for _, sid := range own {
		if sid != flowSIDOf(webhook) {
			if err := c.deleteFlow(sid); err != nil {
				return providers.Number{}, err
			}
		}
	}
	n := p.toNumber(updated)
	n.Forward = f
	p.checkRouting(updated)
	p.checkTrial(c, f)
	return n, nil
}

// writeFlow updates the number's vnum flow, or creates one. It returns the flow's webhook URL
// and, when it created the flow, its SID (for roll-back).
func (c *call) writeFlow(numberSID string, own []string, f providers.Forwarding, r providers.CallRules, restore routes) (webhook, created string, err error) {
	def := buildFlow(f, r, c.p.callerID, restore)
	name := flowName(numberSID, f)
	// Studio refuses a definition it cannot run only when the flow is published; Validate
	// says so first, with Twilio's reasons, before anything changes.
	vparams := &studiov2.UpdateFlowValidateParams{}
	vparams.SetFriendlyName(name)
	vparams.SetStatus("published")
	vparams.SetDefinition(def)
	if v, err := c.studio.UpdateFlowValidate(vparams); err != nil {
		return "", "", c.fail(err)
	} else if v.Valid != nil && !*v.Valid {
		return "", "", fmt.Errorf("twilio forward: Studio finds vnum's flow definition invalid")
	}
	if len(own) > 0 {
		params := &studiov2.UpdateFlowParams{}
		params.SetStatus("published")
		params.SetFriendlyName(name)
		params.SetDefinition(def)
		params.SetCommitMessage("vnum: forward " + describe(f))
		fl, err := c.studio.UpdateFlow(own[0], params)
		if err == nil {
			return deref(fl.WebhookUrl), "", nil
		}
		if err = c.fail(err); !errors.Is(err, providers.ErrNotFound) {
			return "", "", err
		}
		// Deleted behind our back since we looked: make a new one.
	}
	params := &studiov2.CreateFlowParams{}
	params.SetFriendlyName(name)
	params.SetStatus("published")
	params.SetDefinition(def)
	params.SetCommitMessage("vnum: forward " + describe(f))
	fl, err := c.studio.CreateFlow(params)
	if err != nil {
		// A create whose answer was lost may have made a flow we cannot name: say so plainly.
		return "", "", c.failOnce(err)
	}
	if deref(fl.WebhookUrl) == "" {
		return "", "", joinErr(fmt.Errorf("twilio forward: Twilio returned flow %s without a webhook URL", deref(fl.Sid)),
			c.rollBackFlow(deref(fl.Sid)))
	}
	return deref(fl.WebhookUrl), deref(fl.Sid), nil
}

// pointNumber sends the number's forwarded channels to the flow's webhook and gives the others
// back what they had before vnum took them. A channel vnum never took is not touched, so the
// request carries only what changes (and never an empty URL for a webhook the user set).
func (c *call) pointNumber(id string, pn *v2010.ApiV2010IncomingPhoneNumber, ours func(string) bool, webhook string,
	calls bool, f providers.Forwarding, restore routes,
) (*v2010.ApiV2010IncomingPhoneNumber, error) {
	// target is a channel's new webhook: the flow when forwarded, what it had before vnum when
	// vnum holds it now; change is false to leave the channel as it is.
	target := func(forwarded bool, current string, before route) (r route, change bool) {
		switch {
		case forwarded:
			return route{webhook, "POST"}, true
		case ours(current):
			return before, true
		}
		return route{}, false
	}
	params := &v2010.UpdateIncomingPhoneNumberParams{}
	voice, voiceChange := target(calls, deref(pn.VoiceUrl), restore.Voice)
	if voiceChange {
		params.SetVoiceUrl(voice.URL)
		if voice.Method != "" {
			params.SetVoiceMethod(voice.Method)
		}
	}
	sms, smsChange := target(f.SMS != "", deref(pn.SmsUrl), restore.SMS)
	if smsChange {
		params.SetSmsUrl(sms.URL)
		if sms.Method != "" {
			params.SetSmsMethod(sms.Method)
		}
	}
	if !voiceChange && !smsChange {
		return pn, nil
	}
	updated, err := c.api.UpdateIncomingPhoneNumber(id, params)
	if err != nil {
		return nil, c.fail(err)
	}
	return updated, nil
}

// ownedFlow is what vnum reads back from one of its flows.
type ownedFlow struct {
	number  string
	forward providers.Forwarding
	restore routes // the number's webhooks from before vnum, kept in the flow's description
}

// ownFlow fetches a flow and reports whether vnum wrote it. A flow that no longer exists is
// simply not ours.
func (c *call) ownFlow(sid string) (ownedFlow, bool, error) {
	fl, err := c.studio.FetchFlow(sid)
	if err != nil {
		if err = c.fail(err); errors.Is(err, providers.ErrNotFound) {
			return ownedFlow{}, false, nil
		}
		return ownedFlow{}, false, err
	}
	number, f, ok := parseFlowName(deref(fl.FriendlyName))
	return ownedFlow{number: number, forward: f, restore: restoreOf(fl.Definition)}, ok, nil
}

// listedFlow is one of vnum's flows as the account's flow list shows it.
type listedFlow struct {
	sid, number string
	forward     providers.Forwarding
}

// vnumFlows lists every flow of the account that vnum wrote.
func (c *call) vnumFlows() ([]listedFlow, error) {
	pageSize := c.p.pageSize
	records, errs := c.studio.StreamFlow(&studiov2.ListFlowParams{PageSize: &pageSize})
	flows, err := collect(records, errs, func(f *studiov2.StudioV2Flow) string { return deref(f.Sid) })
	if err != nil {
		return nil, c.failList(err)
	}
	var out []listedFlow
	for _, fl := range flows {
		if number, f, ok := parseFlowName(deref(fl.FriendlyName)); ok && deref(fl.Sid) != "" {
			out = append(out, listedFlow{sid: deref(fl.Sid), number: number, forward: f})
		}
	}
	return out, nil
}

// ownFlows maps every vnum flow of the account to its forwarding.
func (c *call) ownFlows() (map[string]providers.Forwarding, error) {
	flows, err := c.vnumFlows()
	if err != nil {
		return nil, err
	}
	out := make(map[string]providers.Forwarding, len(flows))
	for _, fl := range flows {
		out[fl.sid] = fl.forward
	}
	return out, nil
}

// flowsNamedFor lists the vnum flows written for one number, whether or not the number points
// at them.
func (c *call) flowsNamedFor(numberSID string) ([]string, error) {
	flows, err := c.vnumFlows()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, fl := range flows {
		if fl.number == numberSID {
			out = append(out, fl.sid)
		}
	}
	return out, nil
}

// deleteOwnFlow deletes a flow if vnum wrote it; a flow already gone is fine.
func (c *call) deleteOwnFlow(sid string) error {
	if _, ok, err := c.ownFlow(sid); err != nil || !ok {
		return err
	}
	return c.deleteFlow(sid)
}

// deleteFlow deletes a flow known to be vnum's; a flow already gone is fine.
func (c *call) deleteFlow(sid string) error {
	if err := c.studio.DeleteFlow(sid); err != nil {
		if err = c.fail(err); !errors.Is(err, providers.ErrNotFound) {
			return err
		}
	}
	return nil
}

// refetch reads a number again after a change whose outcome is unknown, with a short context
// of its own: the operation's may be what failed.
func (c *call) refetch(id string) (*v2010.ApiV2010IncomingPhoneNumber, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.ctx), rollbackTimeout)
	defer cancel()
	rc, done, err := c.p.begin(ctx, c.op)
	if err != nil {
		return nil, err
	}
	defer done()
	pn, err := rc.api.FetchIncomingPhoneNumber(id, nil)
	if err != nil {
		return nil, rc.fail(err)
	}
	return pn, nil
}

// rollBackFlow deletes a flow just created for a change that then failed.
func (c *call) rollBackFlow(sid string) error {
	if sid == "" {
		return nil
	}
	// The operation's own context may be what failed; the clean-up gets a short one of its own.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.ctx), rollbackTimeout)
	defer cancel()
	rc, done, err := c.p.begin(ctx, c.op)
	if err != nil {
		return err
	}
	defer done()
	if err := rc.deleteFlow(sid); err != nil {
		return fmt.Errorf("twilio forward: could not delete the unused flow %s, delete it in the Twilio console: %w", sid, err)
	}
	return nil
}

// flowSIDs lists the distinct flows a number's webhooks point at, voice first.
func flowSIDs(pn *v2010.ApiV2010IncomingPhoneNumber) []string {
	var out []string
	for _, u := range []string{deref(pn.VoiceUrl), deref(pn.SmsUrl)} {
		if sid := flowSIDOf(u); sid != "" && (len(out) == 0 || out[0] != sid) {
			out = append(out, sid)
		}
	}
	return out
}

// checkRouting warns when Twilio will ignore the VoiceUrl/SmsUrl just set.
func (p *Provider) checkRouting(pn *v2010.ApiV2010IncomingPhoneNumber) {
	if app := deref(pn.VoiceApplicationSid); app != "" {
		p.warn("twilio: calls to %s are handled by TwiML application %s, which Twilio uses instead of the forwarding flow: "+
			"remove it from the number in the Twilio console", deref(pn.PhoneNumber), app)
	}
	if trunk := deref(pn.TrunkSid); trunk != "" {
		p.warn("twilio: calls to %s are handled by SIP trunk %s, which Twilio uses instead of the forwarding flow",
			deref(pn.PhoneNumber), trunk)
	}
	if app := deref(pn.SmsApplicationSid); app != "" {
		p.warn("twilio: messages to %s are handled by application %s, which Twilio uses instead of the forwarding flow",
			deref(pn.PhoneNumber), app)
	}
}

// checkTrial warns when a trial account forwards to a number Twilio will not reach: trial
// accounts call and text verified caller IDs only. The forwarding itself is in place either
// way; a failed check is itself only a warning.
func (p *Provider) checkTrial(c *call, f providers.Forwarding) {
	trial, err := p.isTrial(c)
	if err != nil {
		if c.ctx.Err() == nil {
			p.warn("twilio: could not check whether the account is a trial one: %v", err)
		}
		return
	}
	if !trial {
		return
	}
	seen := map[string]bool{}
	for _, target := range []string{f.Calls, f.SMS} {
		if target == "" || seen[target] {
			continue
		}
		seen[target] = true
		one := 1
		params := &v2010.ListOutgoingCallerIdParams{PageSize: &one}
		params.SetPhoneNumber(target)
		page, err := c.api.PageOutgoingCallerId(params, "", "")
		switch {
		case err != nil:
			if c.ctx.Err() == nil {
				p.warn("twilio: could not check whether %s is a verified caller ID: %v", target, c.fail(err))
			}
		case len(page.OutgoingCallerIds) == 0:
			p.warn("twilio: this is a trial account, which forwards only to verified numbers, and %s is not verified: "+
				"verify it in the Twilio console (Phone Numbers > Verified Caller IDs) or upgrade the account", target)
		}
	}
}

func describe(f providers.Forwarding) string {
	switch {
	case f.Calls != "" && f.SMS != "":
		return "calls to " + f.Calls + ", SMS to " + f.SMS
	case f.Calls != "":
		return "calls to " + f.Calls
	case f.SMS != "":
		return "SMS to " + f.SMS
	default:
		return "call rules only"
	}
}
