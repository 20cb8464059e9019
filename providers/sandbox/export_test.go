package sandbox

import "time"

// SetClock gives p another clock, for tests that would otherwise sleep until a carrier-side
// time (an approval) has passed. Not safe while p is in use.
func SetClock(p *Provider, now func() time.Time) { p.now = now }
