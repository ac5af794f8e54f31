package main_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/testdb"
)

var several struct {
	sync.Mutex
	figures []crashFigure
	limit   string // the rate limit's line
}

func recordSeveral(f crashFigure) {
	several.Lock()
	defer several.Unlock()
	several.figures = append(several.figures, f)
}

// requireRedis is the URL of the Redis the tests share, skipping the test when there is none (failing it under
// CI=true).
func requireRedis(t *testing.T) string {
	t.Helper()
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
	return redisURL
}

// r5Run is R5's way of running a scenario: three processes on one PostgreSQL and one Redis (a prefix of the
// scenario's own), the first killed with -9 and not replaced: the other two finish the work.
func r5Run(redisURL, scenario string) killRun {
	prefix := fmt.Sprintf("FLOWSD_REDIS_PREFIX=flowsd-r5-%d-%d-%s:", os.Getpid(), time.Now().UnixNano(), strings.ReplaceAll(scenario, " ", "-"))
	return killRun{procs: 3, extra: []string{"FLOWSD_REDIS_URL=" + redisURL, prefix}}
}

// TestSeveralProcesses is R5: three flowsd serve processes on one PostgreSQL and one Redis. Many clients at once
// against a limited endpoint, spread over the three, get exactly the limit's worth of answers in total. Then,
// side by side, a start, a broadcast through an EX channel, resthook deliveries with retries pending and due
// campaign fires are each worked by three processes of which one is killed part-way: nothing confirmed done is
// done again, nothing is lost.
func TestSeveralProcesses(t *testing.T) {
	testdb.RequirePostgres(t)
	redisURL := requireRedis(t)
	t.Cleanup(func() {
		if t.Failed() {
			return
		}
		several.Lock()
		defer several.Unlock()
		if len(several.figures) != 4 {
			return // a -run of part of it: the table needs every row
		}
		name := "R5-figures"
		if long() {
			name = "R5-long"
		}
		checkReliabilitySection(t, name, several.limit+"\n"+r5Table(several.figures), "TestSeveralProcesses", 3, 4, 5, 7)
	})

	// The scenarios run one after another: three processes of 25 connections each stay within PostgreSQL's
	// default 100, where twelve would not.
	t.Run("rate limit", func(t *testing.T) {
		dbURL := testdb.NewEmptyURL(t, models.Postgres)
		out, errOut, code := flowsd(t, nil, "workspace", "create", "--name", "Load", "--email", "load@b.co", "--db", dbURL)
		if code != 0 {
			t.Fatal(errOut)
		}
		var ws created
		must(t, json.Unmarshal([]byte(out), &ws))

		const limit, requests = 40, 150
		env := []string{"FLOWSD_DB=" + dbURL, "FLOWSD_WORKER_POLL=50ms", fmt.Sprintf("FLOWSD_RATES=v2=%d/hour", limit)}
		procs := r5Run(redisURL, "rate limit").start(t, env)
		defer func() {
			for _, p := range procs {
				p.stop(t)
			}
		}()

		// 30 clients, 5 requests each, round the three processes
		var ok, throttled, other atomic.Int64
		var mu sync.Mutex
		var others []string
		otherOne := func(what string) {
			other.Add(1)
			mu.Lock()
			others = append(others, what)
			mu.Unlock()
		}
		var wg sync.WaitGroup
		for c := range 30 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range requests / 30 {
					req, _ := http.NewRequest("GET", procs[(c+i)%3].url+"/api/v2/fields.json", nil)
					req.Header.Set("Authorization", "Token "+ws.Token)
					resp, err := http.DefaultClient.Do(req)
					if err != nil {
						otherOne(err.Error())
						continue
					}
					body, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					switch resp.StatusCode {
					case 200:
						ok.Add(1)
					case 429:
						throttled.Add(1)
					default:
						otherOne(fmt.Sprintf("%d %s", resp.StatusCode, body))
					}
				}
			}()
		}
		wg.Wait()
		if ok.Load() != limit || throttled.Load() != requests-limit || other.Load() != 0 {
			t.Fatalf("%d requests over three processes with a limit of %d: %d ok, %d throttled, %d other: %q", requests, limit, ok.Load(), throttled.Load(), other.Load(), others)
		}
		several.Lock()
		several.limit = fmt.Sprintf("Rate limit (`FLOWSD_RATES=v2=%d/hour`, Redis's): %d requests to `fields.json` from 30 clients round the three: %d answered 200, %d answered 429, %d other.\n",
			limit, requests, ok.Load(), throttled.Load(), other.Load())
		several.Unlock()
	})

	t.Run("flow start", func(t *testing.T) {
		n := sized(1000, 10000)
		f := newStartFixtureUnstarted(t, models.Postgres, n)
		env := []string{"FLOWSD_DB=" + f.url, "FLOWSD_START_BATCH=10", "FLOWSD_WORKER_POLL=50ms"}
		procs := r5Run(redisURL, "start").start(t, env)
		// the start is made once all three run, so that all three work it from its beginning
		began := time.Now()
		f.begin(t)
		// (runs, not recipients: a finished start's recipients are removed)
		waitFor(t, "some contacts started", 60*time.Second, func() bool {
			return f.count(t, "SELECT COUNT(*) FROM flow_runs WHERE start_id = ?") >= int64(n/5)
		})
		procs[0].kill()
		killedAt := time.Since(began)
		started := f.count(t, "SELECT COUNT(*) FROM flow_runs WHERE start_id = ?")
		if started >= int64(n) {
			t.Fatal("the start finished before the kill: make it bigger")
		}
		restart := time.Now()
		waitFor(t, "the start to finish", 300*time.Second, func() bool { return f.status(t) == models.StartCompleted })
		finish := time.Since(restart)
		procs[1].stop(t)
		procs[2].stop(t)
		recordSeveral(f.crashFigure(t, models.Postgres, n, killedAt, started, finish))
		f.checkEveryoneOnce(t)
	})

	for _, sc := range killedScenarios {
		t.Run(sc.name, func(t *testing.T) {
			// not migrated: the command line does it
			dbURL := testdb.NewEmptyURL(t, models.Postgres)
			recordSeveral(sc.run(t, dbURL, r5Run(redisURL, sc.name), sized(sc.ci, sc.long)))
		})
	}
}

// r5Table is R5's figures, in R4's columns (the database column saying how the processes ran).
func r5Table(figures []crashFigure) string {
	sort.SliceStable(figures, func(i, j int) bool { return figures[i].scenario < figures[j].scenario })
	var b strings.Builder
	b.WriteString("| work | processes | size | killed after | done at the kill | finished after the kill | confirmed done twice | in flight done again | lost |\n")
	b.WriteString("|---|---|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, f := range figures {
		fmt.Fprintf(&b, "| %s | 3 on %s, 1 killed | %d | %s | %d | %s | %d | %d | %d |\n", f.scenario, f.db, f.size, seconds(f.killedAt), f.doneAt,
			seconds(f.finish), f.repeats, f.inFlight, f.lost)
	}
	return b.String()
}
