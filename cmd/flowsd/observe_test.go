package main_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// scrape reads a /metrics page into its samples, "name{labels}" -> value.
func scrape(t *testing.T, url string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(url)
	must(t, err)
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("%s: %d", url, resp.StatusCode)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		must(t, err)
		out[line[:i]] = v
	}
	return out
}

// TestOperatorView: a running server counts its requests by route, method and status, its throttled requests,
// its workers' batches, the queues of work in the database with their oldest item's age and the database
// pool, at /metrics without credentials; every request gets an X-Request-Id (a client's own is kept) that its
// JSON log line carries; --metrics-addr moves /metrics to a listener of its own, or turns it off; flowsd status
// shows the same queues at a terminal.
func TestOperatorView(t *testing.T) {
	eachDB(t, func(t *testing.T, dbURL string) {
		s := newMessagingSetup(t, dbURL, "eng", 0)
		// no send workers: the message stays queued, for the queues to show
		srv := startServer(t, append(s.env(), "FLOWSD_SEND_WORKERS=0", "FLOWSD_LOG_FORMAT=json", "FLOWSD_RATES=v2.messages=1/hour"))
		if code, body := s.api(t, srv, "POST", "/api/v2/groups.json", map[string]any{"name": "Rwandans", "query": "tel ~ 250"}); code != 201 {
			t.Fatalf("smart group: %d %v", code, body) // for the group workers to evaluate: a batch
		}
		if code, body := s.api(t, srv, "POST", "/api/v2/contacts.json", map[string]any{"urns": []string{"tel:+250788123123"}}); code != 201 {
			t.Fatalf("contact: %d %v", code, body)
		}
		if code, body := s.api(t, srv, "POST", "/api/v2/messages.json", map[string]any{"contact": "tel:+250788123123", "text": "Hi"}); code != 201 {
			t.Fatalf("send: %d %v", code, body)
		}
		if code, _ := s.api(t, srv, "POST", "/api/v2/messages.json", map[string]any{"contact": "tel:+250788123123", "text": "Again"}); code != 429 {
			t.Fatalf("the second send in the hour: %d, want 429", code)
		}
		req, _ := http.NewRequest("GET", srv.url+"/api/v2/workspace.json", nil)
		req.Header.Set("Authorization", "Token "+s.token)
		req.Header.Set("X-Request-Id", "proxy-given.id_1")
		resp, err := http.DefaultClient.Do(req)
		must(t, err)
		resp.Body.Close()
		if got := resp.Header.Get("X-Request-Id"); got != "proxy-given.id_1" {
			t.Errorf("a client's request id: %q", got)
		}
		code, _ := srv.get(t, "/api/v2/fields.json", s.token)
		resp, err = http.Get(srv.url + "/api/v2/fields.json")
		must(t, err)
		resp.Body.Close()
		generated := resp.Header.Get("X-Request-Id")
		if code != 200 || !regexp.MustCompile(`^[0-9a-f]{16}-[0-9a-z]+$`).MatchString(generated) {
			t.Errorf("a request id made for a request without one: %q", generated)
		}

		var m map[string]float64
		deadline := time.Now().Add(20 * time.Second)
		for {
			m = scrape(t, srv.url+"/metrics")
			if m[`flowsd_worker_batch_duration_seconds_count{outcome="done",worker="smart group evaluation"}`] > 0 || time.Now().After(deadline) {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		for sample, want := range map[string]float64{
			`flowsd_http_request_duration_seconds_count{endpoint="/api/v2/messages.json",method="POST",status="201"}`: 1,
			`flowsd_http_request_duration_seconds_count{endpoint="/api/v2/messages.json",method="POST",status="429"}`: 1,
			`flowsd_http_request_duration_seconds_count{endpoint="/api/v2/fields.json",method="GET",status="403"}`:    1,
			`flowsd_http_throttled_total{endpoint="messages",scope="v2.messages"}`:                                    1,
			`flowsd_queue_depth{queue="messages"}`:                                                                    1,
			`flowsd_queue_depth{queue="campaign_fires"}`:                                                              0,
			`flowsd_queue_read_errors`: 0,
		} {
			if got, ok := m[sample]; !ok || got != want {
				t.Errorf("%s = %v (present %v), want %v", sample, got, ok, want)
			}
		}
		for _, sample := range []string{`flowsd_queue_oldest_seconds{queue="messages"}`, `go_sql_open_connections{db_name="flowsd"}`, "go_goroutines",
			`flowsd_worker_batch_duration_seconds_count{outcome="done",worker="smart group evaluation"}`} {
			if _, ok := m[sample]; !ok {
				t.Errorf("no %s", sample)
			}
		}

		// the JSON log lines carry the request ids
		srv.stop(t)
		found := map[string]bool{}
		for _, line := range strings.Split(srv.stderr(), "\n") {
			var entry map[string]any
			if json.Unmarshal([]byte(line), &entry) != nil || entry["msg"] != "request" {
				continue
			}
			found[entry["request_id"].(string)] = entry["status"] != nil && entry["route"] != nil
		}
		if !found["proxy-given.id_1"] || !found[generated] {
			t.Errorf("request log lines: %v\n%s", found, srv.stderr())
		}

		out, errOut, code := flowsd(t, nil, "status", "--db", dbURL)
		if code != 0 || !regexp.MustCompile(`(?m)^messages\s+1\s+\d+s ago`).MatchString(out) || !regexp.MustCompile(`(?m)^campaign_fires\s+0\s+-`).MatchString(out) {
			t.Errorf("flowsd status: %d %s %s", code, out, errOut)
		}

		// /metrics on a listener of its own, then nowhere
		l, err := net.Listen("tcp", "127.0.0.1:0")
		must(t, err)
		addr := l.Addr().String()
		l.Close()
		srv = startServer(t, append(s.env(), "FLOWSD_SEND_WORKERS=0", "FLOWSD_METRICS_ADDR="+addr))
		if code, _ := srv.get(t, "/metrics", ""); code != 404 {
			t.Errorf("/metrics beside the API with its own address: %d", code)
		}
		if m := scrape(t, "http://"+addr+"/metrics"); m[`flowsd_queue_depth{queue="messages"}`] != 1 {
			t.Errorf("metrics on their own listener: %v", m[`flowsd_queue_depth{queue="messages"}`])
		}
		srv.stop(t)
		srv = startServer(t, append(s.env(), "FLOWSD_METRICS_ADDR=off"))
		defer srv.stop(t)
		if code, body := srv.get(t, "/metrics", ""); code != 404 || body != `{"detail":"Not found."}` {
			t.Errorf("/metrics off: %d %s", code, body)
		}
		_ = io.Discard
	})
}
