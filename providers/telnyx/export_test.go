package telnyx

import "time"

// SetPacing shortens how Buy follows an order (the wait before each look, and how long it
// follows it), and how long SendSMS looks for a send whose answer was lost, so tests do not sit
// through seconds.
func SetPacing(p *Provider, poll, wait time.Duration) {
	p.poll, p.orderWait, p.sentLookup = poll, wait, wait
}

// SetRetryBackoff shortens the wait between retried reads. Call it before the first request.
func SetRetryBackoff(p *Provider, d time.Duration) { p.retry.Backoff = d }
