package providers

import "context"

// SMSWebhookSetter is implemented by carriers that push a number's inbound SMS to a URL kept on
// the number (Vonage's moHttpUrl): `vnum serve` points the numbers at itself, and puts back what
// was there when asked to.
type SMSWebhookSetter interface {
	// SMSWebhook returns the URL the number id's inbound SMS go to ("" for none). An error
	// wrapping ErrUnsupported means the number's SMS are routed elsewhere on purpose and are
	// not vnum serve's to take (vnum's own forwarding flow on Twilio, a messaging profile of the
	// user's own on Telnyx).
	SMSWebhook(ctx context.Context, id string) (string, error)
	// SetSMSWebhook points them at url ("" for none), keeping the rest of the number's
	// configuration. The carrier may check the URL first (Vonage sends it a GET).
	SetSMSWebhook(ctx context.Context, id, url string) error
}

// SharedSMSWebhook is implemented by SMSWebhookSetters whose inbound SMS URL is kept on a group
// of numbers rather than on each (Telnyx keeps it on a messaging profile): setting it for one
// number sets it for the others, so vnum puts the previous URL back only when the last number
// it pointed there goes.
type SharedSMSWebhook interface {
	SMSWebhookShared() bool
}
