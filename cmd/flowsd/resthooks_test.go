package main_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/flowsd/flowsd/models"
)

const resthookFlow = "ac16a8a9-4d75-4acd-9938-cae62e016c3d" // webhooks.json's "Resthook Notify": call_resthook new-registration

// flakySubscriber refuses the first attempt of every delivery (500) and takes the second, keeping how often
// each delivery (by its Idempotency-Key) was posted and taken.
type flakySubscriber struct {
	srv    *httptest.Server
	mu     sync.Mutex
	posted map[string]int
	taken  map[string]int
}

func newFlakySubscriber(t *testing.T) *flakySubscriber {
	f := &flakySubscriber{posted: map[string]int{}, taken: map[string]int{}}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		key := r.Header.Get("Idempotency-Key")
		f.mu.Lock()
		defer f.mu.Unlock()
		f.posted[key]++
		if f.posted[key] == 1 {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		f.taken[key]++
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *flakySubscriber) counts() (posted, taken int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, n := range f.posted {
		posted += n
	}
	return posted, len(f.taken)
}

// resthookSetup is a workspace with the webhook flows imported and a subscriber to new-registration, made through
// the command line and the API.
func resthookSetup(t *testing.T, dbURL string, sub *flakySubscriber) (*messagingSetup, []string) {
	s := newMessagingSetup(t, dbURL, "eng", 1000)
	if _, errOut, code := flowsd(t, nil, append([]string{"import", "--workspace", s.ws, "--db", dbURL}, exportPaths("webhooks.json")...)...); code != 0 {
		t.Fatalf("import: %s", errOut)
	}
	env := append(s.env(), "FLOWSD_WEBHOOKS_DENY=", "FLOWSD_WEBHOOK_TIMEOUT=2s")
	srv := startServer(t, env)
	defer srv.stop(t)
	code, body := s.api(t, srv, "POST", "/api/v2/resthook_subscribers.json", map[string]any{"resthook": "new-registration", "target_url": sub.srv.URL + "/hook"})
	if code != 201 {
		t.Fatalf("subscribe: %d %v", code, body)
	}
	return s, env
}

// TestResthookRetriesSurviveKill: a process killed with retries pending leaves them in the database; the next
// processes (two of them on PostgreSQL) make each retry once, with the key of the flow's own call, and
// flowsd resthook deliveries shows every delivery delivered.
func TestResthookRetriesSurviveKill(t *testing.T) {
	eachDB(t, func(t *testing.T, dbURL string) {
		sub := newFlakySubscriber(t)
		s, env := resthookSetup(t, dbURL, sub)
		const n = 30
		urnList := make([]string, n)
		for i := range urnList {
			urnList[i] = fmt.Sprintf("tel:+25078840%04d", i)
		}
		srv := startServer(t, env)
		code, body := s.api(t, srv, "POST", "/api/v2/flow_starts.json", map[string]any{"flow": resthookFlow, "urns": urnList})
		if code != 201 {
			t.Fatalf("flow start: %d %v", code, body)
		}
		// every first attempt made (and refused) and recorded; the first retries are 5s away when the process dies
		var out string
		pending := func() []map[string]any {
			stdout, errOut, code := flowsd(t, nil, "resthook", "deliveries", "--workspace", s.ws, "--status", "retrying", "--db", dbURL)
			if code != 0 {
				t.Fatalf("resthook deliveries: %s", errOut)
			}
			var list []map[string]any
			must(t, json.Unmarshal([]byte(stdout), &list))
			out = stdout
			return list
		}
		waitFor(t, "the first attempts", 60*time.Second, func() bool { return len(pending()) >= n })
		srv.cmd.Process.Signal(syscall.SIGKILL)
		srv.cmd.Wait()
		if posted, taken := sub.counts(); posted != n || taken != 0 {
			t.Fatalf("before the kill: %d posted, %d taken", posted, taken)
		}
		if list := pending(); len(list) != n || list[0]["attempts"] != float64(1) || list[0]["last_status_code"] != float64(500) || list[0]["next_attempt_on"] == nil {
			t.Fatalf("pending deliveries: %s", out)
		}

		procs := 1
		if d, _, _ := models.ParseURL(dbURL); d == models.Postgres {
			procs = 2
		}
		for range procs {
			next := startServer(t, env)
			defer next.stop(t)
		}
		waitFor(t, "every retry", 60*time.Second, func() bool { _, taken := sub.counts(); return taken >= n })
		time.Sleep(300 * time.Millisecond)
		sub.mu.Lock()
		for key, c := range sub.posted {
			if c != 2 || sub.taken[key] != 1 {
				t.Errorf("delivery %s posted %d times, taken %d", key, c, sub.taken[key])
			}
		}
		sub.mu.Unlock()
		out, _, _ = flowsd(t, nil, "resthook", "deliveries", "--workspace", s.ws, "--resthook", "new-registration", "--db", dbURL)
		var all []map[string]any
		must(t, json.Unmarshal([]byte(out), &all))
		for _, d := range all {
			if d["status"] != "delivered" || d["attempts"] != float64(2) || d["next_attempt_on"] != nil {
				t.Fatalf("delivery: %v", d)
			}
		}
		if len(all) != n {
			t.Fatalf("%d deliveries, want %d", len(all), n)
		}
	})
}

// TestResthookDeliveriesCommandErrors: the command's mistakes are usage errors.
func TestResthookDeliveriesCommandErrors(t *testing.T) {
	dbURL := "sqlite:" + t.TempDir() + "/x.db"
	for _, args := range [][]string{
		{"resthook"},
		{"resthook", "events"},
		{"resthook", "deliveries"},
		{"resthook", "deliveries", "--workspace", "00000000-0000-4000-8000-000000000001", "--status", "pending"},
		{"resthook", "deliveries", "--workspace", "00000000-0000-4000-8000-000000000001", "--limit", "0"},
	} {
		if _, errOut, code := flowsd(t, nil, append(args, "--db", dbURL)...); code != 2 || errOut == "" {
			t.Errorf("%v: exit %d, %q", args, code, errOut)
		}
	}
	if _, errOut, code := flowsd(t, nil, "resthook", "deliveries", "--workspace", "00000000-0000-4000-8000-000000000001", "--db", dbURL); code != 1 || errOut == "" {
		t.Errorf("unknown workspace: exit %d, %q", code, errOut)
	}
}
