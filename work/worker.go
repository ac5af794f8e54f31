package work

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"
)

// Worker does one kind of work in a loop: it works while work is found, else waits for its kind's signal or
// the poll interval; after an error it backs off (doubling from MinBackoff to MaxBackoff, reset by a
// success), still stopping promptly when ctx ends.
type Worker struct {
	Name string
	Kind Kind          // the signal that wakes it
	Poll time.Duration // how often it looks for work nobody signalled (default 1s)

	// Do does one unit of work, if there is any: worked says whether it found some.
	Do func(ctx context.Context) (worked bool, err error)

	// Siblings: when Do found work, fire Kind again so that another worker of this kind in this process
	// joins in (they wake each other one by one, so a burst of work brings in as many as it needs).
	Siblings bool

	MinBackoff, MaxBackoff time.Duration // defaults 100ms and 30s

	Log *slog.Logger // nil: slog.Default(); errors are logged with Name unless ctx is done

	// Observe, when set, is told of every call of Do that found work or failed, and how long it took (metrics).
	Observe func(worker string, worked bool, took time.Duration, err error)
}

// Run works until ctx ends, and then returns nil. A panic in Do is taken for an error, so the worker lives
// on. Run may be given nil signals: the worker then only polls.
func (w *Worker) Run(ctx context.Context, signals *Signals) error {
	poll := orDefault(w.Poll, time.Second)
	minBackoff := orDefault(w.MinBackoff, 100*time.Millisecond)
	maxBackoff := max(orDefault(w.MaxBackoff, 30*time.Second), minBackoff)
	log := w.Log
	if log == nil {
		log = slog.Default()
	}
	wake := signals.C(w.Kind)

	var backoff time.Duration
	for ctx.Err() == nil {
		start := time.Now()
		worked, err := w.do(ctx)
		if w.Observe != nil && (worked || err != nil) && ctx.Err() == nil {
			w.Observe(w.Name, worked, time.Since(start), err)
		}
		if ctx.Err() != nil {
			return nil // whatever Do said, it was cut short by the shutdown
		}
		if err != nil {
			if backoff == 0 {
				backoff = minBackoff
			} else {
				backoff = min(2*backoff, maxBackoff)
			}
			log.Error("work: failed", "worker", w.Name, "kind", string(w.Kind), "error", err, "backoff", backoff)
			// a signal doesn't cut the backoff short: it's there so a failing database isn't hammered, and the
			// signal stays pending for when the backoff ends
			if !sleep(ctx, backoff) {
				return nil
			}
			continue
		}
		backoff = 0
		if worked {
			if w.Siblings {
				signals.Fire(w.Kind)
			}
			continue
		}
		if !waitFor(ctx, wake, poll) {
			return nil
		}
	}
	return nil
}

// do calls Do, turning a panic into an error.
func (w *Worker) do(ctx context.Context) (worked bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			worked, err = false, fmt.Errorf("panic: %v\n%s", r, debug.Stack())
		}
	}()
	return w.Do(ctx)
}

// Drain calls do until it reports no work or fails: for tests and for commands that run work to the end in
// the foreground. It returns do's error, or ctx's when ctx ends first.
func Drain(ctx context.Context, do func(ctx context.Context) (bool, error)) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		worked, err := do(ctx)
		if err != nil || !worked {
			return err
		}
	}
}

// sleep waits d, false if ctx ended first.
func sleep(ctx context.Context, d time.Duration) bool {
	return waitFor(ctx, nil, d)
}

// waitFor waits for wake or d, false if ctx ended first.
func waitFor(ctx context.Context, wake <-chan struct{}, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-wake:
		return true
	case <-t.C:
		return true
	}
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}
