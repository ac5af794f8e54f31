package work

import (
	"math"
	"math/rand/v2"
	"time"
)

// Schedule is when a failed attempt is tried again: exponential backoff with jitter. The next attempt time
// is kept in the row by the caller; the schedule only computes it. The zero value is the defaults.
type Schedule struct {
	First    time.Duration // wait before the first retry (default 5s, as mailroom's old retries started)
	Factor   float64       // growth per retry (default 2)
	Max      time.Duration // longest wait between two attempts (default 1h)
	Horizon  time.Duration // no attempt later than this after the first attempt (default 24h)
	Attempts int           // most attempts in all, the first included (0: only the horizon limits)
	Jitter   float64       // each wait is moved by up to ± this fraction (default 0.2; negative means none)
}

// Next is when to make attempt number attempts+1, after `attempts` attempts have failed (attempts >= 1), the
// first made at first; retryAfter (0 if none) is a server's Retry-After, honoured when longer than the
// computed wait (but still capped by the horizon). ok is false when there is to be no further attempt:
// Attempts are used up, or the attempt would fall after the horizon. rnd gives a float in [0,1) (nil:
// math/rand/v2).
//
// The computed wait is First·Factor^(attempts-1), moved by the jitter, and never more than Max; jitter
// spreads the retries of many rows that failed together (a server down) so they don't all come back at once.
func (s Schedule) Next(attempts int, first, now time.Time, retryAfter time.Duration, rnd func() float64) (at time.Time, ok bool) {
	firstWait := orDefault(s.First, 5*time.Second)
	factor := s.Factor
	if factor <= 0 {
		factor = 2
	}
	maxWait := orDefault(s.Max, time.Hour)
	horizon := orDefault(s.Horizon, 24*time.Hour)
	jitter := s.Jitter
	switch {
	case jitter == 0:
		jitter = 0.2
	case jitter < 0:
		jitter = 0
	}
	if rnd == nil {
		rnd = rand.Float64
	}
	attempts = max(attempts, 1)

	if s.Attempts > 0 && attempts >= s.Attempts {
		return time.Time{}, false
	}

	// in floats, capped before converting, so that many attempts don't overflow a Duration
	wait := math.Min(float64(firstWait)*math.Pow(factor, float64(attempts-1)), float64(maxWait))
	if jitter > 0 {
		wait *= 1 + jitter*(2*rnd()-1)
	}
	d := min(time.Duration(wait), maxWait)
	if retryAfter > d {
		d = retryAfter // the server knows when it will be back; only the horizon caps it
	}

	at = now.Add(d)
	if at.After(first.Add(horizon)) {
		return time.Time{}, false
	}
	return at, true
}
