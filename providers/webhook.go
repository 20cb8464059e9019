package providers

import "context"

// SMSWebhookSetter is implemented by carriers that push a number's inbound SMS to a URL kept on
// the number (Vonage's moHttpUrl): `vnum serve` points the numbers at itself, and puts back what
// was there when asked to.
type SMSWebhookSetter interface {
	// SMSWebhook returns the URL the number id's inbound SMS go to ("" for none).
	SMSWebhook(ctx context.Context, id string) (string, error)
	// SetSMSWebhook points them at url ("" for none), keeping the rest of the number's
	// configuration. The carrier may check the URL first (Vonage sends it a GET).
	SetSMSWebhook(ctx context.Context, id, url string) error
}
