package runtime

import (
	"context"
	"log/slog"
	"os"
	"sync"

	"github.com/flowsd/flowsd/flows"
	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/throttle"
)

// Runtime is the bundle of dependencies handlers and workers are given.
type Runtime struct {
	Config   *Config
	Store    *models.Store
	Throttle throttle.Limiter
	Log      *slog.Logger
	Flows    *flows.Host // runs flows: starts, replies, timeouts

	closers []func() error

	// background work (smart group evaluation, say), which Close waits for
	bgOnce   sync.Once
	bgCtx    context.Context
	bgCancel context.CancelFunc
	bg       sync.WaitGroup

	wakeMu sync.Mutex
	wakes  map[string]chan struct{}
}

// Options replace parts of the runtime, for tests.
type Options struct {
	Clock   models.Clock
	UUIDs   models.UUIDGen
	Logger  *slog.Logger
	Limiter throttle.Limiter
}

// New opens the database and the throttle store named by cfg.
func New(ctx context.Context, cfg *Config, opts Options) (*Runtime, error) {
	rt := &Runtime{Config: cfg, Log: opts.Logger}
	if rt.Log == nil {
		rt.Log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	}

	db, dialect, err := models.Open(ctx, cfg.DB)
	if err != nil {
		return nil, err
	}
	rt.closers = append(rt.closers, func() error { return models.Close(db) })
	rt.Store = models.NewStore(db, dialect, opts.Clock, opts.UUIDs)
	rt.Store.Rules = flows.NewRules()
	rt.Flows = NewFlowHost(rt)

	switch {
	case opts.Limiter != nil:
		rt.Throttle = opts.Limiter
	case cfg.RedisURL != "":
		r, err := throttle.NewRedis(ctx, cfg.RedisURL, cfg.RedisPrefix)
		if err != nil {
			rt.Close()
			return nil, err
		}
		rt.closers = append(rt.closers, r.Close)
		rt.Throttle = r
	default:
		rt.Throttle = throttle.NewMemory(nil)
	}
	return rt, nil
}

// Go runs fn in the background. Its context ends when the runtime closes; work cut short must be safe to
// resume (see flows.ResumeGroupEvaluations).
func (rt *Runtime) Go(name string, fn func(ctx context.Context) error) {
	rt.startBackground()
	rt.bg.Add(1)
	go func() {
		defer rt.bg.Done()
		if err := fn(rt.bgCtx); err != nil && rt.bgCtx.Err() == nil {
			rt.Log.Error("background task failed", "task", name, "error", err)
		}
	}()
}

func (rt *Runtime) startBackground() {
	rt.bgOnce.Do(func() { rt.bgCtx, rt.bgCancel = context.WithCancel(context.Background()) })
}

// Wait waits for the background work under way.
func (rt *Runtime) Wait() { rt.bg.Wait() }

// Close stops background work, waits for it, and releases the runtime's connections.
func (rt *Runtime) Close() error {
	rt.startBackground()
	rt.bgCancel()
	rt.bg.Wait()
	var first error
	for i := len(rt.closers) - 1; i >= 0; i-- {
		if err := rt.closers[i](); err != nil && first == nil {
			first = err
		}
	}
	rt.closers = nil
	return first
}

// Wake tells this process's workers of a kind ("starts", say) that there is new work, so they needn't wait
// for their next poll. Workers of other processes find it when they poll.
func (rt *Runtime) Wake(kind string) {
	select {
	case rt.wakeup(kind) <- struct{}{}:
	default: // a wake-up is already pending
	}
}

// Woken is where workers of a kind hear Wake.
func (rt *Runtime) Woken(kind string) <-chan struct{} { return rt.wakeup(kind) }

func (rt *Runtime) wakeup(kind string) chan struct{} {
	rt.wakeMu.Lock()
	defer rt.wakeMu.Unlock()
	if rt.wakes == nil {
		rt.wakes = map[string]chan struct{}{}
	}
	ch := rt.wakes[kind]
	if ch == nil {
		ch = make(chan struct{}, 1)
		rt.wakes[kind] = ch
	}
	return ch
}

// NewFlowHost makes the flow engine host for a runtime, its start workers woken by rt.Wake.
func NewFlowHost(rt *Runtime) *flows.Host {
	h := flows.NewHost(rt.Store, rt.Log, flows.EngineOptions{WebhookTimeout: rt.Config.WebhookTimeout, UserAgent: "flowsd"})
	h.Wake = rt.Wake
	return h
}

// StartWorkers runs this process's background flow work: the configured number of flow start workers, and
// the poller firing wait timeouts and expiries.
func (rt *Runtime) StartWorkers() {
	workers := &flows.StartWorkers{Host: rt.Flows, BatchSize: rt.Config.StartBatch, Poll: rt.Config.WorkerPoll}
	for i := 0; i < rt.Config.StartWorkers; i++ {
		rt.Go("flow start worker", func(ctx context.Context) error { return workers.Run(ctx, rt.Woken("starts")) })
	}
	rt.Go("wait timeouts and expiries", func(ctx context.Context) error { return rt.Flows.RunFires(ctx, rt.Config.WorkerPoll) })
}
