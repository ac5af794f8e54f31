package work

import (
	"context"
	"sync"
)

// Committer writes items as they come, together: an item that arrives while a write is under way joins the
// next one. Each caller of Add waits for its own item to be written, so that nothing is taken as recorded
// before it is and a process that dies loses only what it had not yet handed over and the write under way;
// while one transaction per item would cap the work at what the database commits in a second. (A group
// commit: the senders' outcomes and the resthook retries' outcomes are written through one each.)
type Committer[T any] struct {
	// Write writes a group of items, in one transaction; its error is the answer of every Add in the group.
	Write func(ctx context.Context, items []T) error

	mu      sync.Mutex
	pending []pendingItem[T]
	writing bool
}

type pendingItem[T any] struct {
	item    T
	written chan error
}

// Add writes item, with whichever others are waiting, and answers once it is written. The caller that finds
// no write under way writes until nothing is left waiting, its own item first, with its own ctx.
func (c *Committer[T]) Add(ctx context.Context, item T) error {
	p := pendingItem[T]{item: item, written: make(chan error, 1)}
	c.mu.Lock()
	c.pending = append(c.pending, p)
	if c.writing {
		c.mu.Unlock()
		return <-p.written
	}
	c.writing = true
	for len(c.pending) > 0 {
		group := c.pending
		c.pending = nil
		c.mu.Unlock()
		items := make([]T, len(group))
		for i, g := range group {
			items[i] = g.item
		}
		err := c.Write(ctx, items)
		for _, g := range group {
			g.written <- err
		}
		c.mu.Lock()
	}
	c.writing = false
	c.mu.Unlock()
	return <-p.written
}
