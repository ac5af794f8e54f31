// Package work: temporary stand-in until the real package lands.
package work

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"
)

type Kind string

type Signals struct {
	mu sync.Mutex
	ch map[Kind]chan struct{}
}

func NewSignals() *Signals { return &Signals{ch: map[Kind]chan struct{}{}} }

func (s *Signals) Fire(kinds ...Kind) {
	if s == nil {
		return
	}
	for _, k := range kinds {
		select {
		case s.c(k) <- struct{}{}:
		default:
		}
	}
}

func (s *Signals) C(kind Kind) <-chan struct{} { return s.c(kind) }
func (s *Signals) c(kind Kind) chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ch[kind] == nil {
		s.ch[kind] = make(chan struct{}, 1)
	}
	return s.ch[kind]
}

type Group struct {
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func NewGroup(log *slog.Logger) *Group {
	if log == nil {
		log = slog.Default()
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Group{log: log, ctx: ctx, cancel: cancel}
}

func (g *Group) Go(name string, fn func(ctx context.Context) error) {
	if g.ctx.Err() != nil {
		return
	}
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		if err := fn(g.ctx); err != nil && g.ctx.Err() == nil {
			g.log.Error("background work failed", "work", name, "error", err)
		}
	}()
}
func (g *Group) Wait()                    { g.wg.Wait() }
func (g *Group) Stop()                    { g.cancel(); g.wg.Wait() }
func (g *Group) Context() context.Context { return g.ctx }

type Worker struct {
	Name                   string
	Kind                   Kind
	Poll                   time.Duration
	Do                     func(ctx context.Context) (bool, error)
	Siblings               bool
	MinBackoff, MaxBackoff time.Duration
	Log                    *slog.Logger
}

func (w *Worker) Run(ctx context.Context, signals *Signals) error {
	for ctx.Err() == nil {
		worked, err := w.Do(ctx)
		if err != nil && ctx.Err() == nil {
			w.Log.Error("working", "work", w.Name, "error", err)
		}
		if worked && err == nil {
			if w.Siblings {
				signals.Fire(w.Kind)
			}
			continue
		}
		select {
		case <-ctx.Done():
		case <-signals.C(w.Kind):
		case <-time.After(w.Poll):
		}
	}
	return nil
}

func Drain(ctx context.Context, do func(ctx context.Context) (bool, error)) error {
	for {
		worked, err := do(ctx)
		if err != nil || !worked {
			return err
		}
	}
}

type Querier interface {
	QueryKeys(ctx context.Context, sql string, args ...any) ([]int64, error)
}

type Claimer struct {
	Table, Key, Order, Set string
	SkipLocked             bool
	mu                     sync.Mutex
	inFlight               map[int64]bool
}

func (c *Claimer) Claim(ctx context.Context, q Querier, where string, args []any, n int) ([]int64, func(), error) {
	if c.SkipLocked {
		var keys []int64
		var err error
		sel := fmt.Sprintf("SELECT %s FROM %s WHERE (%s) ORDER BY %s LIMIT %d FOR UPDATE SKIP LOCKED", c.Key, c.Table, where, c.Order, n)
		if c.Set == "" {
			keys, err = q.QueryKeys(ctx, sel, args...)
		} else {
			keys, err = q.QueryKeys(ctx, fmt.Sprintf("UPDATE %s SET %s WHERE (%s) AND %s IN (%s) RETURNING %s", c.Table, c.Set, where, c.Key, sel, c.Key), append(append([]any{}, args...), args...)...)
		}
		sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
		return keys, func() {}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.inFlight == nil {
		c.inFlight = map[int64]bool{}
	}
	sql := fmt.Sprintf("SELECT %s FROM %s WHERE (%s)", c.Key, c.Table, where)
	all := append([]any{}, args...)
	if len(c.inFlight) > 0 {
		marks := make([]string, 0, len(c.inFlight))
		for k := range c.inFlight {
			marks = append(marks, "?")
			all = append(all, k)
		}
		sql += fmt.Sprintf(" AND %s NOT IN (%s)", c.Key, strings.Join(marks, ", "))
	}
	sql += fmt.Sprintf(" ORDER BY %s LIMIT %d", c.Order, n)
	keys, err := q.QueryKeys(ctx, sql, all...)
	if err != nil || len(keys) == 0 {
		return nil, func() {}, err
	}
	for _, k := range keys {
		c.inFlight[k] = true
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	return keys, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		for _, k := range keys {
			delete(c.inFlight, k)
		}
	}, nil
}
