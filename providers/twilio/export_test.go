package twilio

import (
	"time"

	"github.com/vnum-cli/vnum/providers/internal/httpretry"
)

// SetRetryBackoff shortens the wait between retried reads so tests do not sit through seconds.
func SetRetryBackoff(p *Provider, d time.Duration) {
	p.retry = &httpretry.Transport{Base: p.http.Transport, Backoff: d}
}

// LabelFrom exposes labelFrom to the tests.
var LabelFrom = labelFrom
