package telnyx

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/vnum-cli/vnum/internal/phone"
	"github.com/vnum-cli/vnum/providers"
)

// SetForwarding implements providers.Forwarder with the number's native call forwarding
// (PATCH /v2/phone_numbers/{id}/voice). Telnyx has no SMS forwarding of its own: asking for it
// is refused before anything is changed.
func (p *Provider) SetForwarding(ctx context.Context, id string, f providers.Forwarding) (providers.Number, error) {
	const op = "forward"
	if err := checkID(ctx, op, id); err != nil {
		return providers.Number{}, err
	}
	if f.SMS != "" {
		return providers.Number{}, &providers.Error{Provider: Name, Op: op, Kind: providers.ErrUnsupported,
			Message: "Telnyx has no SMS forwarding of its own; read the SMS with `vnum sms list` or `vnum sms wait` instead"}
	}
	if f.Calls != "" && !phone.IsE164(f.Calls) {
		return providers.Number{}, fmt.Errorf("%s %s: %q is not an E.164 number like +33612345678", Name, op, f.Calls)
	}
	ctx, cancel := bound(ctx)
	defer cancel()
	cf := map[string]any{"call_forwarding_enabled": false, "forwards_to": ""}
	if f.Calls != "" {
		cf = map[string]any{"call_forwarding_enabled": true, "forwards_to": f.Calls, "forwarding_type": "always"}
	}
	var out struct {
		Data voiceSettings `json:"data"`
	}
	err := p.do(ctx, op, http.MethodPatch, "/v2/phone_numbers/"+id+"/voice",
		&request{body: map[string]any{"call_forwarding": cf}, notFound: notOwnedMsg(id)}, &out)
	if err != nil {
		return providers.Number{}, forwardRefused(err)
	}
	n, err := p.number(ctx, op, id)
	if err != nil {
		return providers.Number{}, err
	}
	return toNumber(n, &out.Data), nil
}

// forwardRefused explains a refusal of forwarding in one sentence with what to do: Telnyx
// allows forwarding only on verified (Level 2) accounts, and may want a voice connection.
func forwardRefused(err error) error {
	var pe *providers.Error
	if !errors.As(err, &pe) || pe.Status < 400 || pe.Status >= 500 || errors.Is(err, providers.ErrNotFound) ||
		errors.Is(err, providers.ErrRateLimited) {
		return err
	}
	if errors.Is(err, providers.ErrUnauthorized) && pe.Status == http.StatusUnauthorized {
		return err
	}
	pe.Kind = providers.ErrUnsupported
	pe.Message = fmt.Sprintf("Telnyx refused call forwarding on this number (%s): forwarding needs an account at verification "+
		"Level 2 and may need a voice connection; check both in the Mission Control portal, then run vnum forward again", pe.Message)
	return err
}
