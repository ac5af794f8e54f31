package main_test

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/testdb"
)

// TestSeveralProcesses is part of R5: three flowsd serve processes on one PostgreSQL and one Redis. Many clients
// at once against a limited endpoint, spread over the three, get exactly the limit's worth of answers in total;
// while a start of many contacts is worked by all three, one is killed, and every contact is started once.
func TestSeveralProcesses(t *testing.T) {
	testdb.RequirePostgres(t)
	redisURL := os.Getenv("FLOWSD_TEST_REDIS")
	if redisURL == "" {
		redisURL = "redis://127.0.0.1:6379/0"
	}
	if conn, err := net.DialTimeout("tcp", "127.0.0.1:6379", 2*time.Second); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Redis is required under CI=true: %v", err)
		}
		t.Skipf("SKIPPING: no Redis (%v)", err)
	} else {
		conn.Close()
	}
	n := sized(1000, 10000)
	f := newStartFixture(t, models.Postgres, n)
	out, errOut, code := flowsd(t, nil, "workspace", "create", "--name", "Load", "--email", "load@b.co", "--db", f.url)
	if code != 0 {
		t.Fatal(errOut)
	}
	var ws created
	must(t, json.Unmarshal([]byte(out), &ws))

	const limit = 40
	env := []string{"FLOWSD_DB=" + f.url, "FLOWSD_START_BATCH=10", "FLOWSD_WORKER_POLL=50ms", "FLOWSD_REDIS_URL=" + redisURL,
		fmt.Sprintf("FLOWSD_RATES=v2=%d/hour", limit), fmt.Sprintf("FLOWSD_REDIS_PREFIX=flowsd-r5-%d-%d:", os.Getpid(), time.Now().UnixNano())}
	procs := []*server{startServer(t, env), startServer(t, env), startServer(t, env)}

	// 30 clients, 5 requests each, round the three processes
	var ok, throttled, other atomic.Int64
	var wg sync.WaitGroup
	for c := range 30 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 5 {
				req, _ := http.NewRequest("GET", procs[(c+i)%3].url+"/api/v2/fields.json", nil)
				req.Header.Set("Authorization", "Token "+ws.Token)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					other.Add(1)
					continue
				}
				resp.Body.Close()
				switch resp.StatusCode {
				case 200:
					ok.Add(1)
				case 429:
					throttled.Add(1)
				default:
					other.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if ok.Load() != limit || throttled.Load() != 150-limit || other.Load() != 0 {
		t.Fatalf("150 requests over three processes with a limit of %d: %d ok, %d throttled, %d other", limit, ok.Load(), throttled.Load(), other.Load())
	}

	waitFor(t, "some contacts started", 60*time.Second, func() bool {
		return f.count(t, "SELECT COUNT(*) FROM flow_start_recipients WHERE start_id = ? AND started") >= int64(n/5)
	})
	procs[0].kill()
	if f.count(t, "SELECT COUNT(*) FROM flow_runs WHERE start_id = ?") >= int64(n) {
		t.Fatal("the start finished before the kill: make it bigger")
	}
	waitFor(t, "the start to finish", 300*time.Second, func() bool { return f.status(t) == models.StartCompleted })
	procs[1].stop(t)
	procs[2].stop(t)
	f.checkEveryoneOnce(t)
	t.Logf("R5: %d requests, %d ok (limit %d), %d throttled; start of %d finished with one of three killed", 150, ok.Load(), limit, throttled.Load(), n)
}
