package api_test

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/testdb"
	"github.com/flowsd/flowsd/throttle"
)

// TestThrottling runs the API against a 3/minute rate on a clock the test moves.
func TestThrottling(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		var mu sync.Mutex
		now := time.Now()
		clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		advance := func(by time.Duration) { mu.Lock(); now = now.Add(by); mu.Unlock() }

		e := newEnv(t, d, envOptions{limiter: throttle.NewMemory(clock), rates: map[throttle.Scope]throttle.Rate{"v2": {N: 3, Per: time.Minute}}})

		get := func(auth string) response {
			return e.do(request{method: "GET", path: "/api/v2/fields.json", auth: auth})
		}

		// requests refused before the throttle (no credentials, no permission) are not counted
		for i := 0; i < 5; i++ {
			get("")
			e.do(request{method: "POST", path: "/api/v2/fields.json", auth: "agent", body: []byte(`{}`), contentType: "application/json"})
		}

		for i := 0; i < 3; i++ {
			resp := get("admin")
			if resp.status != 200 {
				t.Fatalf("request %d: %d %s", i, resp.status, resp.body)
			}
			if resp.header.Get("X-RateLimit-Limit") != "3" || resp.header.Get("X-RateLimit-Remaining") != strconv.Itoa(2-i) {
				t.Fatalf("request %d headers: %v", i, resp.header)
			}
			reset, err := strconv.ParseInt(resp.header.Get("X-RateLimit-Reset"), 10, 64)
			if err != nil || reset < time.Now().Unix() || reset > time.Now().Add(61*time.Second).Unix() {
				t.Fatalf("X-RateLimit-Reset %q is not a Unix time within the minute", resp.header.Get("X-RateLimit-Reset"))
			}
		}

		// the bucket is the workspace's, shared by all its tokens and users
		resp := get("editor")
		if resp.status != 429 || resp.header.Get("Retry-After") != "20" ||
			string(resp.body) != `{"detail":"Request was throttled. Expected available in 20 seconds."}` {
			t.Fatalf("4th request: %d %v %s", resp.status, resp.header, resp.body)
		}
		if resp.header.Get("X-RateLimit-Remaining") != "0" {
			t.Fatalf("429 headers: %v", resp.header)
		}
		// a 403 still wins over a 429
		if resp := e.do(request{method: "POST", path: "/api/v2/fields.json", auth: "agent"}); resp.status != 403 {
			t.Fatalf("agent POST while throttled: %d", resp.status)
		}
		// another workspace has its own bucket
		if resp := get("admin2"); resp.status != 200 {
			t.Fatalf("other workspace: %d", resp.status)
		}

		advance(19 * time.Second)
		resp = get("admin")
		if resp.status != 429 || resp.header.Get("Retry-After") != "1" || string(resp.body) != `{"detail":"Request was throttled. Expected available in 1 second."}` {
			t.Fatalf("one second before: %d %v %s", resp.status, resp.header.Get("Retry-After"), resp.body)
		}
		advance(time.Second)
		if resp := get("admin"); resp.status != 200 {
			t.Fatalf("after waiting: %d %s", resp.status, resp.body)
		}

		// a workspace's own rate overrides the configured one
		e.must(e.store.SetWorkspaceRates(context.Background(), e.ws["trileet"].ID, map[string]string{"v2": "1/hour"}))
		if resp := get("admin2"); resp.status != 200 || resp.header.Get("X-RateLimit-Limit") != "1" {
			t.Fatalf("with an override: %d %v", resp.status, resp.header)
		}
		if resp := get("admin2"); resp.status != 429 || resp.header.Get("Retry-After") != "3600" {
			t.Fatalf("past the override: %d %v", resp.status, resp.header.Get("Retry-After"))
		}
	})
}
