package serve

import (
	"sync"
	"time"
)

// replays remembers the signatures of requests already acknowledged, for as long as their
// timestamp could still pass (twice webhook.Tolerance), so a captured request sent again is
// refused. Carriers' own retries are new requests (Telnyx and Vonage sign a new timestamp) or,
// for a request never acknowledged, not remembered; either way the store's once-per-id rule
// keeps the message single.
type replays struct {
	mu    sync.Mutex
	ttl   time.Duration
	max   int
	seen  map[string]time.Time
	order []string // insertion order, for expiry; order[head:] are the live keys
	head  int
}

func newReplays(ttl time.Duration, max int) *replays {
	return &replays{ttl: ttl, max: max, seen: map[string]time.Time{}}
}

// Seen reports whether key was acknowledged within the last ttl.
func (r *replays) Seen(key string, now time.Time) bool {
	if key == "" {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	at, ok := r.seen[key]
	return ok && now.Sub(at) < r.ttl
}

// Add remembers key, forgetting the oldest keys beyond max and those older than ttl.
func (r *replays) Add(key string, now time.Time) {
	if key == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for r.head < len(r.order) && (len(r.order)-r.head >= r.max || now.Sub(r.seen[r.order[r.head]]) >= r.ttl) {
		delete(r.seen, r.order[r.head])
		r.order[r.head] = ""
		r.head++
	}
	// Compact once half the slice is dead: amortised O(1) per key, not a copy per request.
	if r.head > len(r.order)/2 {
		r.order = append(r.order[:0], r.order[r.head:]...)
		r.head = 0
	}
	if _, ok := r.seen[key]; !ok {
		r.order = append(r.order, key)
	}
	r.seen[key] = now
}
