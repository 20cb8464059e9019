package telnyx

import (
	"context"
	"fmt"
	"net/http"

	"github.com/vnum-cli/vnum/providers"
)

var (
	_ providers.SMSWebhookSetter = (*Provider)(nil)
	_ providers.SharedSMSWebhook = (*Provider)(nil)
)

// messagingProfile is the part of a MessagingProfile that vnum reads.
type messagingProfile struct {
	ID         string  `json:"id"`
	Name       string  `json:"name"`
	WebhookURL *string `json:"webhook_url"`
}

// SMSWebhook implements providers.SMSWebhookSetter. Telnyx sends a number's inbound SMS to the
// webhook URL of its messaging profile: vnum's own (ProfileName), which a number on none is
// attached to first. A number on a messaging profile of the user's is not vnum's to change
// (its webhook serves the user's other numbers too): ErrUnsupported.
func (p *Provider) SMSWebhook(ctx context.Context, id string) (string, error) {
	const op = "sms webhook"
	if err := checkID(ctx, op, id); err != nil {
		return "", err
	}
	ctx, cancel := bound(ctx)
	defer cancel()
	prof, err := p.vnumProfileOf(ctx, op, id)
	if err != nil {
		return "", err
	}
	return deref(prof.WebhookURL), nil
}

// SetSMSWebhook implements providers.SMSWebhookSetter: PATCH of the webhook_url of the number's
// messaging profile, vnum's own (see SMSWebhook); "" clears it. Every number on the profile
// gets it, which SMSWebhookShared says.
func (p *Provider) SetSMSWebhook(ctx context.Context, id, url string) error {
	const op = "sms webhook"
	if err := checkID(ctx, op, id); err != nil {
		return err
	}
	ctx, cancel := bound(ctx)
	defer cancel()
	prof, err := p.vnumProfileOf(ctx, op, id)
	if err != nil {
		return err
	}
	var value *string // null clears it
	if url != "" {
		value = &url
	}
	return p.do(ctx, op, http.MethodPatch, "/v2/messaging_profiles/"+prof.ID,
		&request{body: map[string]any{"webhook_url": value}, notFound: "vnum's messaging profile " + prof.ID + " is gone"}, nil)
}

// SMSWebhookShared implements providers.SharedSMSWebhook: the URL is the messaging profile's,
// shared by the numbers on it.
func (p *Provider) SMSWebhookShared() bool { return true }

// vnumProfileOf returns the messaging profile number id is on, after attaching a number on none
// to vnum's; a profile of the user's is refused with ErrUnsupported.
func (p *Provider) vnumProfileOf(ctx context.Context, op, id string) (messagingProfile, error) {
	n, err := p.number(ctx, op, id)
	if err != nil {
		return messagingProfile{}, err
	}
	pid := deref(n.MessagingProfileID)
	if pid == "" {
		if err := p.attach(ctx, op, n); err != nil {
			return messagingProfile{}, err
		}
		p.mu.Lock()
		pid = p.profileID
		p.mu.Unlock()
		if pid == "" {
			return messagingProfile{}, &providers.Error{Provider: Name, Op: op, Message: "the number is on no messaging profile"}
		}
	}
	var out struct {
		Data messagingProfile `json:"data"`
	}
	if err := p.do(ctx, op, http.MethodGet, "/v2/messaging_profiles/"+pid,
		&request{notFound: "no messaging profile " + pid + " on this Telnyx account"}, &out); err != nil {
		return messagingProfile{}, err
	}
	if out.Data.Name != ProfileName {
		return messagingProfile{}, &providers.Error{Provider: Name, Op: op, Kind: providers.ErrUnsupported,
			Message: fmt.Sprintf("the number is on your messaging profile %q, whose webhook URL vnum leaves to you", out.Data.Name)}
	}
	out.Data.ID = pid
	return out.Data, nil
}
