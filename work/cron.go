package work

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"
)

// Leader is what makes a cron run in one process only: Lead tries to become the one process running name,
// and holds that role until release (or the process dies). ok is false when another process leads.
type Leader interface {
	Lead(ctx context.Context, name string) (release func(), ok bool, err error)
}

// Cron runs a job at an interval, in one process at a time: each tick, a process that isn't the leader tries
// to become it; the leader runs Job. A nil Leader leads always (one process). Errors are logged, never stop
// it.
type Cron struct {
	Name   string
	Every  time.Duration
	Job    func(ctx context.Context) error
	Leader Leader
	Log    *slog.Logger // nil: slog.Default()
}

// Run runs the cron until ctx ends, and gives up the leadership when it returns. The first tick is at once,
// not after Every, so that a job still runs when its processes restart more often than its interval. A tick
// that comes while Job still runs waits for it; ticks missed meanwhile are dropped, not made up.
func (c *Cron) Run(ctx context.Context) error {
	if c.Every <= 0 {
		return fmt.Errorf("work: cron %s has no interval", c.Name)
	}
	log := c.Log
	if log == nil {
		log = slog.Default()
	}

	var release func()
	defer func() {
		if release != nil {
			release()
		}
	}()

	tick := time.NewTicker(c.Every)
	defer tick.Stop()
	for ctx.Err() == nil {
		if c.Leader == nil || release != nil {
			c.job(ctx, log)
		} else {
			rel, ok, err := c.Leader.Lead(ctx, c.Name)
			switch {
			case err != nil && ctx.Err() == nil:
				log.Error("work: cron couldn't try to lead", "cron", c.Name, "error", err)
			case err == nil && ok:
				release = rel
				if release == nil {
					release = func() {}
				}
				c.job(ctx, log)
			}
		}

		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
	return nil
}

// job runs Job once, logging its error or panic.
func (c *Cron) job(ctx context.Context, log *slog.Logger) {
	defer func() {
		if r := recover(); r != nil {
			log.Error("work: cron panicked", "cron", c.Name, "panic", r, "stack", string(debug.Stack()))
		}
	}()
	if err := c.Job(ctx); err != nil && ctx.Err() == nil {
		log.Error("work: cron failed", "cron", c.Name, "error", err)
	}
}
