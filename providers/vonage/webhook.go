package vonage

import (
	"context"

	"github.com/vnum-cli/vnum/providers"
)

var _ providers.SMSWebhookSetter = (*Provider)(nil)

// SMSWebhook implements providers.SMSWebhookSetter: the number's moHttpUrl.
func (p *Provider) SMSWebhook(ctx context.Context, id string) (url string, err error) {
	defer func() { err = p.scrub(err) }()
	c, done, err := p.begin(ctx, "sms webhook")
	if err != nil {
		return "", err
	}
	defer done()
	o, err := c.owned(id)
	if err != nil {
		return "", err
	}
	return o.MoHTTPURL, nil
}

// SetSMSWebhook implements providers.SMSWebhookSetter with POST /number/update, sending the
// number's whole configuration back with moHttpUrl changed. Vonage checks a new URL with a GET
// that must answer 200 before it takes it.
func (p *Provider) SetSMSWebhook(ctx context.Context, id, url string) (err error) {
	defer func() { err = p.scrub(err) }()
	c, done, err := p.begin(ctx, "sms webhook")
	if err != nil {
		return err
	}
	defer done()
	o, err := c.owned(id)
	if err != nil {
		return err
	}
	form := o.config()
	form.Set("moHttpUrl", url) // "" removes it, as Vonage documents
	return c.numbersPost(pathUpdate, form, nil)
}
