package work_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/flowsd/flowsd/work"
)

func TestCronRunsAtItsInterval(t *testing.T) {
	log, buf := newLog()
	const every = 20 * time.Millisecond
	runs := make(chan time.Time, 1000)
	n := 0
	c := &work.Cron{Name: "trim", Every: every, Log: log, Job: func(ctx context.Context) error {
		runs <- time.Now()
		n++ // only ever one job at a time
		switch n {
		case 1:
			return errors.New("db away")
		case 2:
			panic("bug")
		}
		return nil
	}}
	ctx, cancel := context.WithCancel(context.Background())
	start := time.Now()
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	// the k-th run (from 0) comes no earlier than k intervals after the start: a ticker never ticks early
	for k := range 5 {
		at := receive(t, runs, "a run")
		if at.Before(start.Add(time.Duration(k) * every)) {
			t.Fatalf("run %d at +%v, before %v", k, at.Sub(start), time.Duration(k)*every)
		}
	}
	cancel()
	if err := receive(t, done, "Run to return"); err != nil {
		t.Fatalf("Run returned %v", err)
	}
	// its failures were logged, and didn't stop it
	if l := buf.lines("level=ERROR", "cron=trim", "db away"); len(l) != 1 {
		t.Fatalf("error not logged:\n%s", buf)
	}
	if l := buf.lines("level=ERROR", "cron=trim", "bug", "stack="); len(l) != 1 {
		t.Fatalf("panic not logged:\n%s", buf)
	}
}

func TestCronNeedsAnInterval(t *testing.T) {
	c := &work.Cron{Name: "never", Job: func(ctx context.Context) error { return nil }}
	if err := c.Run(context.Background()); err == nil {
		t.Fatal("a cron with no interval ran")
	}
}

// role is one leadership shared by fake processes, as a PostgreSQL advisory lock would be.
type role struct {
	mu       sync.Mutex
	holder   string
	attempts map[string]int
	failNext map[string]bool
}

// process is one process's Leader on the role.
type process struct {
	r    *role
	name string
}

func (p process) Lead(ctx context.Context, name string) (func(), bool, error) {
	p.r.mu.Lock()
	defer p.r.mu.Unlock()
	p.r.attempts[p.name]++
	if p.r.failNext[p.name] {
		p.r.failNext[p.name] = false
		return nil, false, errors.New("connection reset")
	}
	if p.r.holder != "" {
		return nil, false, nil
	}
	p.r.holder = p.name
	return func() {
		p.r.mu.Lock()
		defer p.r.mu.Unlock()
		if p.r.holder == p.name {
			p.r.holder = ""
		}
	}, true, nil
}

func (r *role) get() (holder string, attempts map[string]int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	attempts = map[string]int{}
	for k, v := range r.attempts {
		attempts[k] = v
	}
	return r.holder, attempts
}

func TestCronRunsInTheLeaderOnly(t *testing.T) {
	log, buf := newLog()
	r := &role{attempts: map[string]int{}, failNext: map[string]bool{"a": true, "b": true}}
	runs := make(chan string, 10000)
	type proc struct {
		cancel context.CancelFunc
		done   chan struct{} // closed when Run returned nil
	}
	procs := map[string]proc{}
	for _, name := range []string{"a", "b"} {
		c := &work.Cron{Name: "expire", Every: 5 * time.Millisecond, Leader: process{r, name}, Log: log,
			Job: func(ctx context.Context) error {
				if holder, _ := r.get(); holder != name {
					t.Errorf("%s ran the job while %q leads", name, holder)
				}
				select {
				case runs <- name:
				default:
				}
				return nil
			}}
		ctx, cancel := context.WithCancel(context.Background())
		p := proc{cancel, make(chan struct{})}
		procs[name] = p
		go func() {
			if err := c.Run(ctx); err != nil {
				t.Errorf("Run returned %v", err)
			}
			close(p.done)
		}()
		t.Cleanup(func() { cancel(); <-p.done })
	}

	// one process leads; the other keeps trying each tick, and never runs the job
	leader := receive(t, runs, "the first run")
	other := map[string]string{"a": "b", "b": "a"}[leader]
	for {
		if _, attempts := r.get(); attempts[other] >= 4 {
			break
		}
		if got := receive(t, runs, "a run"); got != leader {
			t.Fatalf("%s ran the job while %s leads", got, leader)
		}
	}

	// the leader stops: it gives up the role, and the other takes over at its next tick
	procs[leader].cancel()
	receive(t, procs[leader].done, "the leader's Run to return")
	for got := ""; got != other; {
		got = receive(t, runs, "the other process to take over") // runs before the stop may still be queued
	}
	for range 3 {
		if got := receive(t, runs, "a run"); got != other {
			t.Fatalf("%s ran the job after it stopped", got)
		}
	}
	if holder, _ := r.get(); holder != other {
		t.Fatalf("%q holds the role, want %s", holder, other)
	}
	procs[other].cancel()
	receive(t, procs[other].done, "the other's Run to return")
	if holder, _ := r.get(); holder != "" {
		t.Fatalf("%q still holds the role after both stopped", holder)
	}
	// a failed attempt to lead is logged, and the cron tries again
	if l := buf.lines("level=ERROR", "cron=expire", "connection reset"); len(l) != 2 {
		t.Fatalf("failed attempts to lead not logged:\n%s", buf)
	}
}
