// Package fakeserver holds the mechanics the fake carriers (twiliotest, telnyxtest, vonagetest)
// share and that owe nothing to a carrier: the queue of injected faults per route, the record
// of the requests received, the validation problems kept for a caller outside a Go test, and
// the ways an answer is lost (a closed connection, a gateway's page, a wait cut short by the
// client). What a fault answers, and how a request is checked, stay with each carrier.
package fakeserver

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"
)

// Faults are the injected faults waiting for the next requests on each route, oldest first. F
// is the carrier's Fault type. The zero value is ready to use.
type Faults[R comparable, F any] struct {
	mu     sync.Mutex
	queues map[R][]*pending[F]
}

type pending[F any] struct {
	fault F
	left  int
}

// Push queues fault for the next times requests on r (at least one).
func (q *Faults[R, F]) Push(r R, fault F, times int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.queues == nil {
		q.queues = map[R][]*pending[F]{}
	}
	q.queues[r] = append(q.queues[r], &pending[F]{fault: fault, left: max(times, 1)})
}

// Next takes the fault that answers a request on r, or nil when none waits.
func (q *Faults[R, F]) Next(r R) *F {
	q.mu.Lock()
	defer q.mu.Unlock()
	list := q.queues[r]
	if len(list) == 0 {
		return nil
	}
	p := list[0]
	if p.left--; p.left <= 0 {
		q.queues[r] = list[1:]
	}
	fault := p.fault
	return &fault
}

// Clear drops the faults not yet used.
func (q *Faults[R, F]) Clear() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.queues = nil
}

// Requests records the requests a fake received: a count per route, a total, and one log line
// each. The zero value is ready to use.
type Requests[R comparable] struct {
	mu    sync.Mutex
	hits  map[R]int
	total int
	logs  []string
}

// Add records a request on r, logged as line.
func (q *Requests[R]) Add(r R, line string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.hits == nil {
		q.hits = map[R]int{}
	}
	q.hits[r]++
	q.total++
	q.logs = append(q.logs, line)
}

// Hits is how many requests r received since the last ResetCounts.
func (q *Requests[R]) Hits(r R) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.hits[r]
}

// Total is how many requests were received since the last ResetCounts.
func (q *Requests[R]) Total() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.total
}

// ResetCounts zeroes Hits and Total; the log is kept.
func (q *Requests[R]) ResetCounts() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.hits = nil
	q.total = 0
}

// Logs returns the log lines, oldest first.
func (q *Requests[R]) Logs() []string {
	q.mu.Lock()
	defer q.mu.Unlock()
	return slices.Clone(q.logs)
}

// Problems keeps the validation failures of a fake started outside a Go test, for its caller
// to judge. The zero value is ready to use.
type Problems struct {
	mu   sync.Mutex
	list []string
}

// Add keeps a problem.
func (p *Problems) Add(problem string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.list = append(p.list, problem)
}

// All returns the problems kept so far, oldest first.
func (p *Problems) All() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.list)
}

// HangUp closes the request's connection without answering: the client sees its answer lost.
func HangUp(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		return
	}
	if conn, _, err := hj.Hijack(); err == nil {
		_ = conn.Close()
	}
}

// GatewayPage answers status with an HTML page, as a gateway (or proxy) does when it gave up
// waiting for the carrier, which carried on.
func GatewayPage(w http.ResponseWriter, status int) {
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(status)
	_, _ = fmt.Fprintf(w, "<html><body><h1>%d %s</h1></body></html>", status, http.StatusText(status))
}

// Wait waits d, and reports false when the client gave up (ctx ended) first.
func Wait(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// RandomHex is n random bytes in hex.
func RandomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// NewUUID is a random (version 4) UUID.
func NewUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
