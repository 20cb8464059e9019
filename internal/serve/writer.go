package serve

import (
	"context"
	"slices"

	"github.com/vnum-cli/vnum/internal/store"
)

// Pusher is the store as serve uses it.
type Pusher interface {
	AddPushed(ctx context.Context, batch []store.Pushed) ([]store.PushOutcome, error)
}

// writer commits pushed messages in batches: one goroutine takes every request waiting at that
// moment into one transaction, so many webhooks share one fsync while each request is answered
// only after its own message committed.
type writer struct {
	store Pusher
	in    chan job
	max   int
	done  chan struct{}
	// stored is called after a commit that stored a new message (one the relay may have queued).
	stored func()
}

type job struct {
	p   store.Pushed
	out chan result // buffered: the writer never waits for the request
}

type result struct {
	outcome store.PushOutcome
	err     error
}

func newWriter(s Pusher, maxBatch int, stored func()) *writer {
	if stored == nil {
		stored = func() {}
	}
	w := &writer{store: s, in: make(chan job), max: maxBatch, done: make(chan struct{}), stored: stored}
	go w.run()
	return w
}

// Add commits p and returns what became of it. A cancelled ctx only stops the wait for a turn;
// once taken, the job is committed (or fails) whatever happens to the request.
func (w *writer) Add(ctx context.Context, p store.Pushed) (store.PushOutcome, error) {
	j := job{p: p, out: make(chan result, 1)}
	select {
	case w.in <- j:
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	r := <-j.out
	return r.outcome, r.err
}

// Close stops the writer once no Add can start any more (after the HTTP server shut down).
func (w *writer) Close() {
	close(w.in)
	<-w.done
}

func (w *writer) run() {
	defer close(w.done)
	batch := make([]job, 0, w.max)
	for j := range w.in {
		batch = append(batch[:0], j)
	fill:
		for len(batch) < w.max {
			select {
			case more, ok := <-w.in:
				if !ok {
					break fill
				}
				batch = append(batch, more)
			default:
				break fill
			}
		}
		ps := make([]store.Pushed, len(batch))
		for i, b := range batch {
			ps[i] = b.p
		}
		outcomes, err := w.store.AddPushed(context.Background(), ps)
		if err == nil && slices.Contains(outcomes, store.PushStored) {
			w.stored()
		}
		for i, b := range batch {
			if err != nil {
				b.out <- result{err: err}
				continue
			}
			b.out <- result{outcome: outcomes[i]}
		}
	}
}
