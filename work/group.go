package work

import (
	"context"
	"log/slog"
	"runtime/debug"
	"sync"
)

// Group runs goroutines and stops them together: a clean shutdown waits for all of them.
type Group struct {
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc

	// a counter under a mutex rather than a WaitGroup, so that Go may race with Wait and Stop freely
	mu      sync.Mutex
	idle    *sync.Cond
	running int
	stopped bool
}

// NewGroup makes a group that logs to log (nil: slog.Default()).
func NewGroup(log *slog.Logger) *Group {
	if log == nil {
		log = slog.Default()
	}
	ctx, cancel := context.WithCancel(context.Background())
	g := &Group{log: log, ctx: ctx, cancel: cancel}
	g.idle = sync.NewCond(&g.mu)
	return g
}

// Go runs fn in a goroutine. fn's ctx ends at Stop. An error fn returns while ctx is live is logged with
// name; one returned after is the shutdown and isn't. A panic in fn is recovered and logged, not
// re-panicked, so that one kind of work can't kill the process. After Stop, Go does not run fn.
func (g *Group) Go(name string, fn func(ctx context.Context) error) {
	g.mu.Lock()
	if g.stopped {
		g.mu.Unlock()
		g.log.Warn("work: not started, the group is stopped", "name", name)
		return
	}
	g.running++
	g.mu.Unlock()

	go func() {
		defer g.done()
		defer func() {
			if r := recover(); r != nil {
				g.log.Error("work: goroutine panicked", "name", name, "panic", r, "stack", string(debug.Stack()))
			}
		}()
		if err := fn(g.ctx); err != nil && g.ctx.Err() == nil {
			g.log.Error("work: goroutine failed", "name", name, "error", err)
		}
	}()
}

func (g *Group) done() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.running--
	if g.running == 0 {
		g.idle.Broadcast()
	}
}

// Wait waits for the goroutines to return, without stopping them.
func (g *Group) Wait() {
	g.mu.Lock()
	defer g.mu.Unlock()
	for g.running > 0 {
		g.idle.Wait()
	}
}

// Stop cancels the goroutines' context and waits for them to return. It is idempotent. Calling it from one
// of the group's own goroutines would wait for itself forever.
func (g *Group) Stop() {
	g.mu.Lock()
	g.stopped = true
	g.mu.Unlock()
	g.cancel()
	g.Wait()
}

// Context is the context Stop cancels, for work that belongs to the group but isn't run by Go.
func (g *Group) Context() context.Context { return g.ctx }
