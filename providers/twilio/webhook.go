package twilio

import (
	"context"

	v2010 "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/vnum-cli/vnum/providers"
)

var _ providers.SMSWebhookSetter = (*Provider)(nil)

// SMSWebhook implements providers.SMSWebhookSetter: the number's SmsUrl. A number whose SMS
// vnum forwards through its own Studio flow is the flow's (ErrUnsupported): serve must not take
// them from it.
func (p *Provider) SMSWebhook(ctx context.Context, id string) (string, error) {
	if err := checkID(ctx, "sms webhook", id); err != nil {
		return "", err
	}
	c, done, err := p.begin(ctx, "sms webhook")
	if err != nil {
		return "", err
	}
	defer done()
	pn, err := c.smsNumber(id)
	if err != nil {
		return "", err
	}
	return deref(pn.SmsUrl), nil
}

// SetSMSWebhook implements providers.SMSWebhookSetter: the number's SmsUrl (with SmsMethod POST,
// what vnum serve reads), "" for none; the rest of the number is left as it is. A number whose
// SMS vnum's flow forwards is refused, as SMSWebhook says.
func (p *Provider) SetSMSWebhook(ctx context.Context, id, url string) error {
	if err := checkID(ctx, "sms webhook", id); err != nil {
		return err
	}
	c, done, err := p.begin(ctx, "sms webhook")
	if err != nil {
		return err
	}
	defer done()
	if _, err := c.smsNumber(id); err != nil {
		return err
	}
	params := &v2010.UpdateIncomingPhoneNumberParams{}
	params.SetSmsUrl(url)
	if url != "" {
		params.SetSmsMethod("POST")
	}
	if _, err := c.api.UpdateIncomingPhoneNumber(id, params); err != nil {
		return c.fail(err)
	}
	return nil
}

// smsNumber fetches the number, refusing one whose SmsUrl is vnum's own forwarding flow.
func (c *call) smsNumber(id string) (*v2010.ApiV2010IncomingPhoneNumber, error) {
	pn, err := c.api.FetchIncomingPhoneNumber(id, nil)
	if err != nil {
		return nil, c.fail(err)
	}
	if sid := flowSIDOf(deref(pn.SmsUrl)); sid != "" {
		_, ours, err := c.ownFlow(sid)
		if err != nil {
			return nil, err
		}
		if ours {
			return nil, &providers.Error{Provider: Name, Op: "sms webhook", Kind: providers.ErrUnsupported,
				Message: "the number's SMS are forwarded by vnum's Studio flow"}
		}
	}
	return pn, nil
}
