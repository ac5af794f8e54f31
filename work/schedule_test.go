package work_test

import (
	"testing"
	"time"

	"github.com/flowsd/flowsd/work"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func fixed(f float64) func() float64 { return func() float64 { return f } }

// mid is the rnd that moves a wait by nothing: 1 + j·(2·0.5 - 1) = 1.
var mid = fixed(0.5)

func TestScheduleDefaults(t *testing.T) {
	var s work.Schedule
	now := t0
	// 5s, then doubling, capped at an hour
	for i, want := range []time.Duration{5 * time.Second, 10 * time.Second, 20 * time.Second, 40 * time.Second, 80 * time.Second} {
		at, ok := s.Next(i+1, t0, now, 0, mid)
		if !ok || at.Sub(now) != want {
			t.Fatalf("after %d failures: wait %v (ok %v), want %v", i+1, at.Sub(now), ok, want)
		}
		now = at
	}
	// attempts below 1 are taken for the first failure
	if at, ok := s.Next(0, t0, t0, 0, mid); !ok || at.Sub(t0) != 5*time.Second {
		t.Fatalf("after 0 failures: %v %v", at.Sub(t0), ok)
	}
	// huge attempt counts don't overflow: they're capped at Max
	if at, ok := s.Next(500, t0, t0.Add(time.Hour), 0, mid); !ok || at.Sub(t0.Add(time.Hour)) != time.Hour {
		t.Fatalf("after 500 failures: %v %v", at.Sub(t0.Add(time.Hour)), ok)
	}
	// the horizon is a day after the first attempt
	if _, ok := s.Next(30, t0, t0.Add(23*time.Hour+time.Second), 0, mid); ok {
		t.Fatal("an attempt past the 24h horizon")
	}
	if at, ok := s.Next(30, t0, t0.Add(23*time.Hour), 0, mid); !ok || !at.Equal(t0.Add(24*time.Hour)) {
		t.Fatalf("an attempt right at the horizon: %v %v", at, ok)
	}
	// default jitter is ±20%
	if at, _ := s.Next(1, t0, t0, 0, fixed(0)); at.Sub(t0) != 4*time.Second {
		t.Fatalf("lowest jitter: %v, want 4s", at.Sub(t0))
	}
}

func TestScheduleGrowthAndMax(t *testing.T) {
	s := work.Schedule{First: time.Second, Factor: 3, Max: 30 * time.Second, Jitter: -1}
	for attempts, want := range map[int]time.Duration{1: time.Second, 2: 3 * time.Second, 3: 9 * time.Second, 4: 27 * time.Second, 5: 30 * time.Second, 9: 30 * time.Second} {
		at, ok := s.Next(attempts, t0, t0, 0, fixed(0.99)) // rnd unused: no jitter
		if !ok || at.Sub(t0) != want {
			t.Errorf("after %d failures: %v (ok %v), want %v", attempts, at.Sub(t0), ok, want)
		}
	}
}

func TestScheduleAttempts(t *testing.T) {
	s := work.Schedule{First: time.Second, Attempts: 3}
	if _, ok := s.Next(1, t0, t0, 0, mid); !ok {
		t.Fatal("no second attempt of 3")
	}
	if _, ok := s.Next(2, t0, t0, 0, mid); !ok {
		t.Fatal("no third attempt of 3")
	}
	if _, ok := s.Next(3, t0, t0, 0, mid); ok {
		t.Fatal("a fourth attempt of 3")
	}
	// one attempt in all: never retried
	if _, ok := (work.Schedule{Attempts: 1}).Next(1, t0, t0, 0, mid); ok {
		t.Fatal("a retry with Attempts 1")
	}
}

func TestScheduleHorizon(t *testing.T) {
	s := work.Schedule{First: time.Minute, Factor: 2, Max: time.Hour, Horizon: 2 * time.Hour, Jitter: -1}
	now, attempts := t0, 1
	for {
		at, ok := s.Next(attempts, t0, now, 0, nil)
		if !ok {
			break
		}
		if at.After(t0.Add(2 * time.Hour)) {
			t.Fatalf("attempt at %v, past the horizon", at.Sub(t0))
		}
		now, attempts = at, attempts+1
	}
	// 1+2+4+8+16+32 = 63 minutes, then +60 = 123 > 120: six retries, seven attempts in all
	if attempts != 7 || now.Sub(t0) != 63*time.Minute {
		t.Fatalf("gave up after %d attempts, the last at +%v", attempts, now.Sub(t0))
	}
}

func TestScheduleRetryAfter(t *testing.T) {
	s := work.Schedule{First: 5 * time.Second, Max: time.Minute, Horizon: time.Hour, Jitter: -1}
	// longer than the computed wait: honoured, even past Max
	if at, ok := s.Next(1, t0, t0, 10*time.Minute, nil); !ok || at.Sub(t0) != 10*time.Minute {
		t.Fatalf("Retry-After 10m: %v %v", at.Sub(t0), ok)
	}
	// shorter: the schedule's own wait stands
	if at, ok := s.Next(3, t0, t0, time.Second, nil); !ok || at.Sub(t0) != 20*time.Second {
		t.Fatalf("Retry-After 1s: %v %v", at.Sub(t0), ok)
	}
	// but never past the horizon
	if _, ok := s.Next(1, t0, t0.Add(30*time.Minute), 31*time.Minute, nil); ok {
		t.Fatal("Retry-After took an attempt past the horizon")
	}
}

func TestScheduleJitter(t *testing.T) {
	s := work.Schedule{First: 10 * time.Second, Jitter: 0.5, Max: time.Hour}
	for _, c := range []struct {
		rnd  float64
		want time.Duration
	}{{0, 5 * time.Second}, {0.25, 7500 * time.Millisecond}, {0.5, 10 * time.Second}, {0.75, 12500 * time.Millisecond}} {
		if at, _ := s.Next(1, t0, t0, 0, fixed(c.rnd)); at.Sub(t0) != c.want {
			t.Errorf("rnd %v: wait %v, want %v", c.rnd, at.Sub(t0), c.want)
		}
	}
	// the top of the range is just under +50%
	top, _ := s.Next(1, t0, t0, 0, fixed(0.999999))
	if d := top.Sub(t0); d >= 15*time.Second || d < 14900*time.Millisecond {
		t.Errorf("highest jitter: %v", d)
	}
	// jitter never takes a wait past Max
	capped := work.Schedule{First: time.Minute, Max: time.Minute}
	if at, _ := capped.Next(1, t0, t0, 0, fixed(0.999)); at.Sub(t0) > time.Minute {
		t.Errorf("jitter went past Max: %v", at.Sub(t0))
	}
	// the default rnd stays within the bounds
	for range 1000 {
		at, ok := s.Next(1, t0, t0, 0, nil)
		if d := at.Sub(t0); !ok || d < 5*time.Second || d > 15*time.Second {
			t.Fatalf("random jitter out of ±50%%: %v", d)
		}
	}
}
