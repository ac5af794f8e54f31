package throttle_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/flowsd/flowsd/throttle"
)

func TestParseRate(t *testing.T) {
	for in, want := range map[string]throttle.Rate{
		"2500/hour": {2500, time.Hour}, "10/s": {10, time.Second}, "5/minute": {5, time.Minute},
		"36000/hour": {36000, time.Hour}, " 7 / day ": {7, 24 * time.Hour}, "0/hour": {0, time.Hour},
	} {
		got, err := throttle.ParseRate(in)
		if err != nil || got != want {
			t.Errorf("ParseRate(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "2500", "x/hour", "-1/hour", "10/fortnight", "10/"} {
		if _, err := throttle.ParseRate(bad); err == nil {
			t.Errorf("ParseRate(%q) succeeded", bad)
		}
	}
	rates, err := throttle.ParseRates("v2=2500/hour, v2.contacts=10/minute,")
	if err != nil || len(rates) != 2 || rates["v2.contacts"] != (throttle.Rate{10, time.Minute}) {
		t.Fatalf("ParseRates: %v %v", rates, err)
	}
	if got := throttle.FormatRates(rates); got != "v2=2500/hour,v2.contacts=10/minute" {
		t.Fatalf("FormatRates: %s", got)
	}
	if _, err := throttle.ParseRates("v2"); err == nil {
		t.Fatal("ParseRates accepted a scope with no rate")
	}
}

// exercise checks a limiter with a 3/minute rate: three requests pass, the fourth waits about 20 seconds.
func exercise(t *testing.T, l throttle.Limiter, key string, advance func(time.Duration)) {
	ctx := context.Background()
	r := throttle.Rate{N: 3, Per: time.Minute}
	for i := 0; i < 3; i++ {
		res, err := l.Allow(ctx, key, r)
		if err != nil || !res.Allowed || res.Limit != 3 || res.Remaining != 2-i {
			t.Fatalf("request %d: %+v %v", i, res, err)
		}
	}
	res, err := l.Allow(ctx, key, r)
	if err != nil || res.Allowed || res.Remaining != 0 {
		t.Fatalf("4th request: %+v %v", res, err)
	}
	if s := res.RetryAfterSeconds(); s < 19 || s > 20 {
		t.Fatalf("retry after %d seconds, want 20", s)
	}
	if res.ResetAfter < 59*time.Second || res.ResetAfter > time.Minute {
		t.Fatalf("reset after %v, want a minute", res.ResetAfter)
	}
	// refused requests don't count: once one token is back, exactly one more passes
	advance(21 * time.Second)
	if res, _ := l.Allow(ctx, key, r); !res.Allowed {
		t.Fatalf("after the wait: %+v", res)
	}
	if res, _ := l.Allow(ctx, key, r); res.Allowed {
		t.Fatalf("two after one token came back: %+v", res)
	}
	// another bucket is untouched
	if res, _ := l.Allow(ctx, key+"-other", r); !res.Allowed || res.Remaining != 2 {
		t.Fatalf("other bucket: %+v", res)
	}
	// a rate of zero allows nothing
	if res, _ := l.Allow(ctx, key+"-zero", throttle.Rate{N: 0, Per: time.Hour}); res.Allowed {
		t.Fatalf("zero rate allowed a request: %+v", res)
	}
}

func TestMemory(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	l := throttle.NewMemory(func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
	exercise(t, l, "k", func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() })

	// a changed rate starts a new bucket
	res, _ := l.Allow(context.Background(), "k", throttle.Rate{N: 10, Per: time.Minute})
	if !res.Allowed || res.Remaining != 9 {
		t.Fatalf("after a rate change: %+v", res)
	}
}

// RedisURL is where the Redis tests look, FLOWSD_TEST_REDIS or the local server.
func RedisURL() string {
	if u := os.Getenv("FLOWSD_TEST_REDIS"); u != "" {
		return u
	}
	return "redis://127.0.0.1:6379/0"
}

func TestRedis(t *testing.T) {
	ctx := context.Background()
	prefix := fmt.Sprintf("flowsd-test-%d-%d:", os.Getpid(), time.Now().UnixNano())
	a, err := throttle.NewRedis(ctx, RedisURL(), prefix)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Redis is required under CI=true: %v", err)
		}
		t.Skipf("SKIPPING Redis: %v (set FLOWSD_TEST_REDIS or run ./scripts/test)", err)
	}
	defer a.Close()
	b, err := throttle.NewRedis(ctx, RedisURL(), prefix)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	// two limiters (as two processes would have) share one bucket
	r := throttle.Rate{N: 4, Per: time.Hour}
	for i, l := range []throttle.Limiter{a, b, a, b} {
		if res, err := l.Allow(ctx, "shared", r); err != nil || !res.Allowed {
			t.Fatalf("request %d: %+v %v", i, res, err)
		}
	}
	if res, _ := b.Allow(ctx, "shared", r); res.Allowed || res.RetryAfterSeconds() < 890 {
		t.Fatalf("5th request across both: %+v", res)
	}

	// the same behaviour as in memory, waiting for real (a 3/minute bucket refills a token in 20s, so
	// the wait is simulated by a 3/second bucket scaled down instead)
	fast := throttle.Rate{N: 3, Per: 3 * time.Second}
	for i := 0; i < 3; i++ {
		if res, _ := a.Allow(ctx, "fast", fast); !res.Allowed {
			t.Fatalf("fast request %d refused", i)
		}
	}
	if res, _ := a.Allow(ctx, "fast", fast); res.Allowed || res.RetryAfter <= 0 || res.RetryAfter > time.Second {
		t.Fatalf("4th fast request: %+v", res)
	}
	time.Sleep(1100 * time.Millisecond)
	if res, _ := a.Allow(ctx, "fast", fast); !res.Allowed {
		t.Fatalf("after a token came back: %+v", res)
	}
	if res, _ := a.Allow(ctx, "zero", throttle.Rate{N: 0, Per: time.Hour}); res.Allowed {
		t.Fatal("zero rate allowed a request")
	}
}
