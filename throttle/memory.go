package throttle

import (
	"context"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Memory keeps buckets in this process.
type Memory struct {
	now     func() time.Time
	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	rate    Rate
	limiter *rate.Limiter
}

// NewMemory makes an in-process limiter. now may be nil for the wall clock.
func NewMemory(now func() time.Time) *Memory {
	if now == nil {
		now = time.Now
	}
	return &Memory{now: now, buckets: map[string]*bucket{}}
}

func (m *Memory) bucket(key string, r Rate) *bucket {
	m.mu.Lock()
	defer m.mu.Unlock()
	b := m.buckets[key]
	if b == nil || b.rate != r {
		// a changed rate (a workspace override, say) starts a fresh bucket
		b = &bucket{rate: r, limiter: rate.NewLimiter(perSecond(r), r.N)}
		m.buckets[key] = b
	}
	return b
}

func perSecond(r Rate) rate.Limit {
	if r.Per <= 0 {
		return rate.Inf
	}
	return rate.Limit(float64(r.N) / r.Per.Seconds())
}

// Allow takes one token from the bucket if it has one.
func (m *Memory) Allow(_ context.Context, key string, r Rate) (Result, error) {
	b := m.bucket(key, r)
	now := m.now()
	res := Result{Limit: r.N}

	reservation := b.limiter.ReserveN(now, 1)
	if !reservation.OK() { // a rate of zero never allows anything
		res.RetryAfter = r.Per
		res.ResetAfter = r.Per
		return res, nil
	}
	if delay := reservation.DelayFrom(now); delay > 0 {
		reservation.CancelAt(now)
		res.RetryAfter = delay
	} else {
		res.Allowed = true
	}

	tokens := b.limiter.TokensAt(now)
	res.Remaining = max(0, int(math.Floor(tokens)))
	if missing := float64(r.N) - tokens; missing > 0 && b.limiter.Limit() > 0 {
		res.ResetAfter = time.Duration(missing / float64(b.limiter.Limit()) * float64(time.Second))
	}
	return res, nil
}
