package work_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowsd/flowsd/work"
)

// run starts w and gives a function that stops it and checks that Run returned nil, promptly.
func run(t *testing.T, w *work.Worker, signals *work.Signals) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx, signals) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			t.Helper()
			cancel()
			if err := receive(t, done, "Run to return"); err != nil {
				t.Errorf("Run returned %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

func TestWorkerWorksWhileWorkFound(t *testing.T) {
	calls := make(chan int, 100)
	var n atomic.Int32
	w := &work.Worker{Name: "w", Kind: "k", Poll: time.Hour, Do: func(ctx context.Context) (bool, error) {
		i := int(n.Add(1))
		calls <- i
		return i <= 5, nil // five units of work, then none
	}}
	run(t, w, work.NewSignals())
	for i := 1; i <= 6; i++ {
		if got := receive(t, calls, "Do"); got != i {
			t.Fatalf("call %d, want %d", got, i)
		}
	}
	none(t, calls, "Do call with no work and no signal")
}

func TestWorkerWaitsForSignal(t *testing.T) {
	signals := work.NewSignals()
	calls := make(chan struct{}, 100)
	hold := make(chan struct{})
	var n atomic.Int32
	w := &work.Worker{Name: "w", Kind: "k", Poll: time.Hour, Do: func(ctx context.Context) (bool, error) {
		calls <- struct{}{}
		if n.Add(1) == 2 {
			<-hold // the second call holds while signals pile up
		}
		return false, nil
	}}
	run(t, w, signals)
	receive(t, calls, "the first look for work")
	none(t, calls, "Do without a signal")

	signals.Fire("other") // another kind doesn't wake it
	none(t, calls, "Do on another kind's signal")

	signals.Fire("k")
	receive(t, calls, "Do after the signal")
	for range 5 { // fired while it works: they merge into one more look
		signals.Fire("k")
	}
	close(hold)
	receive(t, calls, "Do for the signals fired while it worked")
	none(t, calls, "Do for more than one merged signal")
}

func TestWorkerPolls(t *testing.T) {
	calls := make(chan struct{}, 100)
	w := &work.Worker{Name: "w", Kind: "k", Poll: 5 * time.Millisecond, Do: func(ctx context.Context) (bool, error) {
		calls <- struct{}{}
		return false, nil
	}}
	run(t, w, nil) // no signals at all: it only polls
	for range 4 {
		receive(t, calls, "a poll")
	}
}

func TestWorkerSiblingsFiresItsKind(t *testing.T) {
	for _, siblings := range []bool{true, false} {
		t.Run(fmt.Sprint("siblings=", siblings), func(t *testing.T) {
			signals := work.NewSignals()
			inSecond := make(chan struct{})
			hold := make(chan struct{})
			var n atomic.Int32
			w := &work.Worker{Name: "w", Kind: "k", Poll: time.Hour, Siblings: siblings, Do: func(ctx context.Context) (bool, error) {
				switch n.Add(1) {
				case 1:
					return true, nil
				case 2:
					close(inSecond)
					<-hold
				}
				return false, nil
			}}
			run(t, w, signals)
			receive(t, inSecond, "the second call")
			// the worker is busy in its second call, so only its first can have fired the kind
			if got := pending(signals.C("k")); got != siblings {
				t.Fatalf("kind fired after work: %v, want %v", got, siblings)
			}
			close(hold)
		})
	}
}

func TestWorkerSiblingsJoinIn(t *testing.T) {
	signals := work.NewSignals()
	var (
		mu      sync.Mutex
		armed   bool
		first   string
		calls   []string
		initial = make(chan struct{}, 2)
		other   = make(chan struct{})
	)
	do := func(name string) func(ctx context.Context) (bool, error) {
		return func(ctx context.Context) (bool, error) {
			mu.Lock()
			if !armed {
				mu.Unlock()
				initial <- struct{}{}
				return false, nil
			}
			calls = append(calls, name)
			switch {
			case len(calls) == 1: // the woken worker finds work
				first = name
				mu.Unlock()
				return true, nil
			case name == first: // and holds its next unit until the other one joins in
				mu.Unlock()
				select {
				case <-other:
				case <-ctx.Done():
				}
				return false, nil
			case name != first:
				defer mu.Unlock()
				select {
				case <-other:
				default:
					close(other)
				}
			}
			return false, nil
		}
	}
	for _, name := range []string{"a", "b"} {
		run(t, &work.Worker{Name: name, Kind: "k", Poll: time.Hour, Siblings: true, Do: do(name)}, signals)
	}
	receive(t, initial, "a's first look")
	receive(t, initial, "b's first look")
	mu.Lock()
	armed = true
	mu.Unlock()

	signals.Fire("k") // one signal: one worker wakes, and wakes the other
	receive(t, other, "the sibling to join in")
}

// backoffRe reads the backoff the worker logs with each failure.
var backoffRe = regexp.MustCompile(`backoff=(\S+)`)

func TestWorkerBackoffDoublesAndResets(t *testing.T) {
	log, buf := newLog()
	// fail five times, succeed, fail twice, then find nothing
	script := []error{errors.New("e1"), errors.New("e2"), errors.New("e3"), errors.New("e4"), errors.New("e5"), nil, errors.New("e6"), errors.New("e7")}
	var n atomic.Int32
	var mu sync.Mutex
	var at []time.Time
	calls := make(chan struct{}, 100)
	w := &work.Worker{Name: "flaky", Kind: "k", Poll: time.Hour, MinBackoff: 2 * time.Millisecond, MaxBackoff: 16 * time.Millisecond, Log: log,
		Do: func(ctx context.Context) (bool, error) {
			mu.Lock()
			at = append(at, time.Now())
			mu.Unlock()
			defer func() { calls <- struct{}{} }()
			i := int(n.Add(1)) - 1
			if i < len(script) {
				return script[i] == nil, script[i]
			}
			return false, nil
		}}
	stop := run(t, w, work.NewSignals())
	for range len(script) + 1 {
		receive(t, calls, "Do")
	}
	stop()

	want := []time.Duration{2, 4, 8, 16, 16, 2, 4}
	lines := buf.lines("level=ERROR", "worker=flaky")
	if len(lines) != len(want) {
		t.Fatalf("%d failures logged, want %d:\n%s", len(lines), len(want), buf)
	}
	mu.Lock()
	defer mu.Unlock()
	for i, line := range lines {
		m := backoffRe.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("no backoff in %q", line)
		}
		d, err := time.ParseDuration(m[1])
		if err != nil || d != want[i]*time.Millisecond {
			t.Fatalf("failure %d backed off %s, want %v", i+1, m[1], want[i]*time.Millisecond)
		}
	}
	// and it really waited that long: a timer never fires early, so these lower bounds hold on any machine
	failed := []int{0, 1, 2, 3, 4, 6, 7} // the calls that failed
	for i, c := range failed {
		if gap := at[c+1].Sub(at[c]); gap < want[i]*time.Millisecond {
			t.Fatalf("call %d came %v after a failure that backed off %v", c+2, gap, want[i]*time.Millisecond)
		}
	}
}

func TestWorkerStopsPromptly(t *testing.T) {
	for name, w := range map[string]*work.Worker{
		"mid-backoff": {MinBackoff: time.Hour, Do: func(ctx context.Context) (bool, error) { return false, errors.New("down") }},
		"mid-poll":    {Poll: time.Hour, Do: func(ctx context.Context) (bool, error) { return false, nil }},
	} {
		t.Run(name, func(t *testing.T) {
			log, _ := newLog()
			called := make(chan struct{}, 10)
			do := w.Do
			w.Name, w.Kind, w.Log = name, "k", log
			w.Do = func(ctx context.Context) (bool, error) {
				defer func() { called <- struct{}{} }()
				return do(ctx)
			}
			stop := run(t, w, work.NewSignals())
			receive(t, called, "Do")
			start := time.Now()
			stop() // fails the test if Run doesn't return within long
			if d := time.Since(start); d > long {
				t.Fatalf("Run took %v to stop", d)
			}
		})
	}
}

func TestWorkerLogsErrorsUnlessStopping(t *testing.T) {
	log, buf := newLog()
	ctx, cancel := context.WithCancel(context.Background())
	var n atomic.Int32
	w := &work.Worker{Name: "sender", Kind: "k", MinBackoff: time.Millisecond, Log: log, Do: func(ctx context.Context) (bool, error) {
		switch n.Add(1) {
		case 1:
			return false, errors.New("gateway down")
		case 2:
			panic("nil map")
		}
		cancel() // the shutdown comes while it works: the error it causes isn't worth logging
		return false, fmt.Errorf("querying: %w", ctx.Err())
	}}
	if err := w.Run(ctx, nil); err != nil {
		t.Fatalf("Run returned %v", err)
	}
	if l := buf.lines("level=ERROR", "worker=sender", "gateway down"); len(l) != 1 {
		t.Fatalf("error not logged with the worker's name:\n%s", buf)
	}
	if l := buf.lines("level=ERROR", "worker=sender", "panic: nil map"); len(l) != 1 {
		t.Fatalf("panic not logged as an error:\n%s", buf)
	}
	if l := buf.lines("canceled"); len(l) != 0 {
		t.Fatalf("the shutdown's error was logged:\n%s", buf)
	}
	if n.Load() != 3 {
		t.Fatalf("Do called %d times, want 3 (the worker lives on after a panic)", n.Load())
	}
}

func TestWorkerReturnsAtOnceWhenCtxDone(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var called atomic.Bool
	w := &work.Worker{Name: "w", Do: func(ctx context.Context) (bool, error) { called.Store(true); return true, nil }}
	if err := w.Run(ctx, nil); err != nil || called.Load() {
		t.Fatalf("Run on a done ctx: %v, Do called %v", err, called.Load())
	}
}

func TestDrain(t *testing.T) {
	ctx := context.Background()
	n := 0
	if err := work.Drain(ctx, func(ctx context.Context) (bool, error) { n++; return n < 4, nil }); err != nil || n != 4 {
		t.Fatalf("Drain: %v after %d calls, want nil after 4", err, n)
	}

	n = 0
	boom := errors.New("boom")
	if err := work.Drain(ctx, func(ctx context.Context) (bool, error) {
		n++
		if n == 2 {
			return true, boom
		}
		return true, nil
	}); !errors.Is(err, boom) || n != 2 {
		t.Fatalf("Drain: %v after %d calls, want boom after 2", err, n)
	}

	cctx, cancel := context.WithCancel(ctx)
	n = 0
	if err := work.Drain(cctx, func(ctx context.Context) (bool, error) {
		n++
		if n == 3 {
			cancel()
		}
		return true, nil
	}); !errors.Is(err, context.Canceled) || n != 3 {
		t.Fatalf("Drain: %v after %d calls, want canceled after 3", err, n)
	}
}
