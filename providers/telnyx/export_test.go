package telnyx

import (
	"time"

	"github.com/vnum-cli/vnum/providers/internal/httpretry"
)

// SetPacing shortens how Buy follows an order (the wait before each look, and how long it
// follows it) so tests do not sit through seconds.
func SetPacing(p *Provider, poll, wait time.Duration) { p.poll, p.orderWait = poll, wait }

// SetRetryBackoff shortens the wait between retried reads.
func SetRetryBackoff(p *Provider, d time.Duration) {
	p.hc.Transport = &httpretry.Transport{Base: p.hc.Transport.(*httpretry.Transport).Base, Backoff: d}
}
