package gateway

import (
	"context"
	"sync"

	"github.com/flowsd/flowsd/models"
)

// outcomeWriter writes sends' outcomes as they end, together: a send that ends while a write is under way joins
// the next one. Each caller waits for its own outcome to be written, so that nothing is taken as recorded
// before it is, and a process that dies loses only the sends in flight and in the write under way; while one
// transaction per send would cap a channel at what the database commits in a second.
type outcomeWriter struct {
	store   *models.Store
	mu      sync.Mutex
	pending []pendingOutcome
	writing bool
}

type pendingOutcome struct {
	outcome models.SendOutcome
	written chan error
}

// write writes an outcome, with whichever others are waiting, and answers once it is written.
func (r *outcomeWriter) write(ctx context.Context, o models.SendOutcome) error {
	p := pendingOutcome{outcome: o, written: make(chan error, 1)}
	r.mu.Lock()
	r.pending = append(r.pending, p)
	if r.writing {
		r.mu.Unlock()
		return <-p.written
	}
	// this caller writes until nothing is left waiting, its own outcome first
	r.writing = true
	for len(r.pending) > 0 {
		batch := r.pending
		r.pending = nil
		r.mu.Unlock()
		outcomes := make([]models.SendOutcome, len(batch))
		for i, b := range batch {
			outcomes[i] = b.outcome
		}
		err := r.store.RecordSends(ctx, outcomes)
		for _, b := range batch {
			b.written <- err
		}
		r.mu.Lock()
	}
	r.writing = false
	r.mu.Unlock()
	return <-p.written
}
