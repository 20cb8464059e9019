package telnyx

import "time"

// SetPacing shortens how Buy follows an order (the wait before each look, and how long it
// follows it) so tests do not sit through seconds.
func SetPacing(p *Provider, poll, wait time.Duration) { p.poll, p.orderWait = poll, wait }

// SetRetryBackoff shortens the wait between retried reads. Call it before the first request.
func SetRetryBackoff(p *Provider, d time.Duration) { p.retry.Backoff = d }
