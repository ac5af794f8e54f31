package main_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/runtime"
	"github.com/flowsd/flowsd/testdb"
)

// benchSink is a local SMS gateway that counts what it is sent and tells when each number first got a message.
type benchSink struct {
	srv   *httptest.Server
	n     atomic.Int64
	mu    sync.Mutex
	first map[string]time.Time
	done  chan struct{}
	want  int64
}

func newBenchSink(b *testing.B) *benchSink {
	s := &benchSink{first: map[string]time.Time{}, done: make(chan struct{})}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(body))
		s.mu.Lock()
		if _, seen := s.first[form.Get("to")]; !seen {
			s.first[form.Get("to")] = time.Now()
		}
		s.mu.Unlock()
		if s.n.Add(1) == s.want {
			close(s.done)
		}
		w.Write([]byte("ok"))
	}))
	b.Cleanup(s.srv.Close)
	return s
}

// expect resets the sink to wait for n more requests.
func (s *benchSink) expect(n int64) {
	s.n.Store(0)
	s.want = n
	s.done = make(chan struct{})
}

func (s *benchSink) wait(b *testing.B, limit time.Duration) {
	select {
	case <-s.done:
	case <-time.After(limit):
		b.Fatalf("the sink got %d of %d messages in %s", s.n.Load(), s.want, limit)
	}
}

// BenchmarkBroadcast sends a broadcast to 10,000 contacts on PostgreSQL through a flowsd serve process and an EX
// channel whose send URL is a local sink: from the POST to broadcasts.json until the sink has every message.
// The baseline is the same sink driven by a plain Go HTTP client, as many sends at once as flowsd makes, with
// the same form bodies. Then 1,000 incoming messages, one after another, each timed from the POST to the
// channel's receive URL until the flow's reply reaches the sink. FLOWSD_BENCH_BROADCAST sets the count.
func BenchmarkBroadcast(b *testing.B) {
	testdb.RequirePostgres(b)
	n := 10000
	if v, err := strconv.Atoi(os.Getenv("FLOWSD_BENCH_BROADCAST")); err == nil && v > 0 {
		n = v
	}
	concurrency := benchConcurrency()
	db := testdb.New(b, models.Postgres, nil, nil)
	ws, token := testdb.Workspace(b, db.Store, testdb.Nyaruka)
	sink := newBenchSink(b)

	group := seedBenchContacts(b, db, ws, n)
	config := fmt.Sprintf(`{"send_url": %q, "tps": 1000000}`, sink.srv.URL+"/send")
	out, errOut, code := flowsd(b, nil, "channel", "create", "--workspace", ws.UUID, "--type", "EX", "--name", "Sink",
		"--address", "+250788000001", "--country", "RW", "--config", config, "--db", db.URL)
	if code != 0 {
		b.Fatalf("channel create: %s", errOut)
	}
	channelUUID := strings.Split(strings.Split(out, `"uuid":"`)[1], `"`)[0]
	if _, errOut, code := flowsd(b, nil, append([]string{"import", "--workspace", ws.UUID, "--db", db.URL}, exportPaths("messaging.json")...)...); code != 0 {
		b.Fatalf("import: %s", errOut)
	}

	srv := startServer(b, []string{"FLOWSD_DB=" + db.URL, fmt.Sprintf("FLOWSD_SEND_CONCURRENCY=%d", concurrency), "FLOWSD_WEBHOOKS_DENY="})
	stopped := false
	defer func() {
		if !stopped {
			srv.stop(b)
		}
	}()
	s := &messagingSetup{token: token}

	// the baseline: the sink driven by a plain client, the bodies flowsd would send
	sink.expect(int64(n))
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: concurrency}}
	baseline := testdb.Measure(func() {
		jobs := make(chan int)
		var wg sync.WaitGroup
		for w := 0; w < concurrency; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range jobs {
					body := url.Values{"uuid": {runtime.RandomUUID()}, "text": {"Hello Contact"}, "to": {fmt.Sprintf("+25078%07d", i)},
						"to_no_plus": {fmt.Sprintf("25078%07d", i)}, "from": {"+250788000001"}, "from_no_plus": {"250788000001"}, "channel": {channelUUID}}
					resp, err := client.PostForm(sink.srv.URL+"/send", body)
					if err == nil {
						io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
					}
				}
			}()
		}
		for i := 0; i < n; i++ {
			jobs <- i
		}
		close(jobs)
		wg.Wait()
		sink.wait(b, time.Minute)
	})
	plain := baseline.Took

	// flowsd: the broadcast through the API, resolved, expanded, sent
	sink.expect(int64(n))
	sink.first = map[string]time.Time{}
	b.ResetTimer()
	began := time.Now()
	code, body := s.api(b, srv, "POST", "/api/v2/broadcasts.json", map[string]any{"text": "Hello @contact.first_name", "groups": []string{group.UUID}})
	if code != 201 {
		b.Fatalf("broadcast: %d %v", code, body)
	}
	created := make(chan time.Duration, 1)
	go func() {
		for {
			var made int64
			db.Raw.Raw("SELECT COUNT(*) FROM msgs WHERE broadcast_id IS NOT NULL").Scan(&made)
			if made >= int64(n) {
				created <- time.Since(began)
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	sink.wait(b, 10*time.Minute)
	flowsdTook := time.Since(began)
	b.ReportMetric((<-created).Seconds(), "created-s")
	b.StopTimer()

	perSec := float64(n) / flowsdTook.Seconds()
	plainPerSec := float64(n) / plain.Seconds()
	b.ReportMetric(perSec, "msgs/s")
	b.ReportMetric(plainPerSec, "plain-msgs/s")
	b.ReportMetric(flowsdTook.Seconds()/plain.Seconds(), "x-plain")

	// receive to reply: each reply waits for the one before
	const replies = 1000
	latencies := make([]time.Duration, 0, replies)
	for i := 0; i < replies; i++ {
		number := fmt.Sprintf("+25079%07d", i)
		sink.expect(1)
		began := time.Now()
		resp, err := http.PostForm(srv.url+"/c/ex/"+channelUUID+"/receive", url.Values{"from": {number}, "text": {"color"}})
		must(b, err)
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("receive answered %d", resp.StatusCode)
		}
		sink.wait(b, 30*time.Second)
		latencies = append(latencies, time.Since(began))
	}
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	b.ReportMetric(float64(latencies[len(latencies)/2].Microseconds())/1000, "reply-p50-ms")
	b.ReportMetric(float64(latencies[len(latencies)*99/100].Microseconds())/1000, "reply-p99-ms")

	// the storage floor of the broadcast's messages, with the server stopped
	srv.stop(b)
	stopped = true
	testdb.ReportSendFloor(b, db.Raw, baseline)
}

// seedBenchContacts writes n contacts with tel URNs in a group, in bulk, as an import would leave them.
func seedBenchContacts(b *testing.B, db *testdb.DB, ws *models.Workspace, n int) *models.Group {
	group, err := db.Store.CreateGroup(context.Background(), ws.ID, "Everyone")
	must(b, err)
	now := db.Store.Now()
	for from := 0; from < n; from += 1000 {
		var batch []*models.Contact
		for i := from; i < min(from+1000, n); i++ {
			name := fmt.Sprintf("Contact %d", i)
			batch = append(batch, &models.Contact{UUID: runtime.RandomUUID(), WorkspaceID: ws.ID, Name: &name,
				Status: models.ContactActive, IsActive: true, CreatedOn: now, ModifiedOn: now})
		}
		must(b, db.Raw.Create(batch).Error)
		var urns, members []string
		for i, c := range batch {
			number := fmt.Sprintf("+25078%07d", from+i)
			urns = append(urns, fmt.Sprintf("(%d, %d, 'tel:%s', 'tel', '%s', 1000)", ws.ID, c.ID, number, number))
			members = append(members, fmt.Sprintf("(%d, %d)", group.ID, c.ID))
		}
		must(b, db.Raw.Exec("INSERT INTO contact_urns (workspace_id, contact_id, identity, scheme, path, priority) VALUES "+strings.Join(urns, ",")).Error)
		must(b, db.Raw.Exec("INSERT INTO contact_group_members (group_id, contact_id) VALUES "+strings.Join(members, ",")).Error)
	}
	return group
}

// benchConcurrency is how many sends flowsd (and the plain client) make at once: FLOWSD_BENCH_CONCURRENCY, else
// serve's default.
func benchConcurrency() int {
	if v, err := strconv.Atoi(os.Getenv("FLOWSD_BENCH_CONCURRENCY")); err == nil && v > 0 {
		return v
	}
	return 64
}
