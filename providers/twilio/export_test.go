package twilio

import (
	"time"

	"github.com/vnum-cli/vnum/providers/internal/httpretry"
)

// SetRetryBackoff shortens the wait between retries so tests do not sit through seconds.
func SetRetryBackoff(p *Provider, d time.Duration) { p.retry.Backoff = d }

// SetRetry lets a test tune the retry layer (its clock, sleep, attempt timeout).
func SetRetry(p *Provider, tune func(*httpretry.Transport)) { tune(p.retry) }

// LabelFrom exposes labelFrom to the tests.
var LabelFrom = labelFrom
