package flows

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/netguard"
	"github.com/flowsd/flowsd/runtime"
	"github.com/flowsd/flowsd/testdb"
	"github.com/flowsd/flowsd/work"
)

// answer is one scripted answer of a subscriber.
type answer struct {
	status     int
	retryAfter string
	body       int           // bytes of body to send
	delay      time.Duration // before answering
}

// subscribers are resthook subscribers on loopback: each path answers each delivery (by its Idempotency-Key)
// its script in order, the last answer for ever after, and every request is kept.
type subscribers struct {
	*httptest.Server
	mu       sync.Mutex
	scripts  map[string][]answer
	seen     map[string]int // calls by path and key
	requests map[string][]*http.Request
	bodies   map[string][]string
}

func newSubscribers(t *testing.T, scripts map[string][]answer) *subscribers {
	s := &subscribers{scripts: scripts, seen: map[string]int{}, requests: map[string][]*http.Request{}, bodies: map[string][]string{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		n := s.seen[r.URL.Path+" "+r.Header.Get("Idempotency-Key")]
		s.seen[r.URL.Path+" "+r.Header.Get("Idempotency-Key")]++
		s.requests[r.URL.Path] = append(s.requests[r.URL.Path], r)
		s.bodies[r.URL.Path] = append(s.bodies[r.URL.Path], string(body))
		script := s.scripts[r.URL.Path]
		s.mu.Unlock()
		a := answer{status: 200}
		if len(script) > 0 {
			a = script[min(n, len(script)-1)]
		}
		if a.delay > 0 {
			select {
			case <-time.After(a.delay):
			case <-r.Context().Done():
				return
			}
		}
		if a.retryAfter != "" {
			w.Header().Set("Retry-After", a.retryAfter)
		}
		w.WriteHeader(a.status)
		if a.body > 0 {
			chunk := []byte(strings.Repeat("x", 64*1024))
			for left := a.body; left > 0; left -= len(chunk) {
				w.Write(chunk[:min(left, len(chunk))])
			}
		} else {
			w.Write([]byte(`{"ok": true}`))
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *subscribers) got(path string) ([]*http.Request, []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*http.Request(nil), s.requests[path]...), append([]string(nil), s.bodies[path]...)
}

// subscribe adds subscribers to the workspace's new-registration resthook, as resthook_subscribers.json does.
func (e *hostEnv) subscribe(base string, paths ...string) *models.Resthook {
	var hook models.Resthook
	must(e.t, e.db.Raw.Where("workspace_id = ? AND slug = ?", e.ws.ID, "new-registration").Take(&hook).Error)
	now := e.store.Now()
	for _, p := range paths {
		must(e.t, e.db.Raw.Create(&models.ResthookSubscriber{WorkspaceID: e.ws.ID, ResthookID: hook.ID, TargetURL: base + p,
			IsActive: true, CreatedOn: now, ModifiedOn: now}).Error)
	}
	must(e.t, e.db.Raw.Exec("UPDATE workspaces SET config_version = config_version + 1 WHERE id = ?", e.ws.ID).Error)
	return &hook
}

func (e *hostEnv) deliveries() map[string]models.ResthookDelivery {
	var rows []models.ResthookDelivery
	must(e.t, e.db.Raw.Where("workspace_id = ?", e.ws.ID).Order("id").Find(&rows).Error)
	out := map[string]models.ResthookDelivery{}
	for _, d := range rows {
		out[d.TargetURL[strings.LastIndex(d.TargetURL, "/"):]] = d
	}
	return out
}

// retry runs the retry worker once at the store's clock.
func (e *hostEnv) retry() bool {
	w := &ResthookRetries{Host: e.host}
	worked, err := w.WorkOnce(e.ctx)
	must(e.t, err)
	return worked
}

// TestResthookDeliveries: a flow's call_resthook posts mailroom's payload to every subscriber with mailroom's
// headers and the delivery's Idempotency-Key; each call is a delivery, and the ones that failed in a way that
// may pass are retried in the background with the same key and payload, on the backoff, honouring
// Retry-After, until delivered or given up; refusals and 410s are not retried.
func TestResthookDeliveries(t *testing.T) {
	eachHostDialect(t, func(t *testing.T, e *hostEnv) {
		subs := newSubscribers(t, map[string][]answer{
			"/flaky":  {{status: 500}, {status: 200}},
			"/busy":   {{status: 429, retryAfter: "120"}, {status: 200}},
			"/gone":   {{status: 410}},
			"/bad":    {{status: 400}},
			"/down":   {{status: 503}},
			"/huge":   {{status: 200, body: 10 << 20}},
			"/ok":     {{status: 200}},
			"/slow":   {{status: 200, delay: 2 * time.Second}, {status: 200}},
			"/remove": {{status: 502}},
		})
		e.host.HTTP.Timeout = 500 * time.Millisecond
		e.host.retryClient = newRetryClient(e.host.HTTP)
		e.host.ResthookRetry = work.Schedule{Attempts: 3, Jitter: -1}
		e.importFile("webhooks.json", "https://api.example.com/", subs.URL+"/")
		hook := e.subscribe(subs.URL, "/ok", "/flaky", "/busy", "/gone", "/bad", "/down", "/huge", "/slow", "/remove")

		// a channel, so that the contact has a URN in expressions; the flow was started, so there is no input and no channel
		_, err := e.store.CreateChannel(e.ctx, e.ws.ID, models.ChannelSpec{Type: "EX", Name: "Gateway", Address: "+250788123123", Schemes: []string{"tel"}, Config: "{}"})
		must(t, err)
		jo := e.contact("Jo", "tel:+250788000300")
		e.startNow(resthookFlow, jo)
		started := e.store.Now()

		// the payload, in mailroom's keys and order, and the headers
		reqs, bodies := subs.got("/ok")
		if len(reqs) != 1 {
			t.Fatalf("/ok got %d calls", len(reqs))
		}
		// mailroom's keys, in the order the engine writes them (its objects' keys are sorted)
		var keys []string
		dec := json.NewDecoder(strings.NewReader(bodies[0]))
		dec.Token()
		for dec.More() {
			k, _ := dec.Token()
			keys = append(keys, k.(string))
			var skip json.RawMessage
			must(t, dec.Decode(&skip))
		}
		if got := strings.Join(keys, ","); got != "channel,contact,flow,input,path,results,run" {
			t.Fatalf("payload keys are %s", got)
		}
		var payload struct {
			Contact struct{ UUID, Name, URN string }
			Channel any
			Flow    struct {
				UUID     string
				Name     string
				Revision int
			}
			Run struct {
				UUID      string
				CreatedOn string `json:"created_on"`
			}
			Input any
		}
		must(t, json.Unmarshal([]byte(bodies[0]), &payload))
		if payload.Contact.UUID != jo.UUID || payload.Contact.Name != "Jo" || payload.Contact.URN != "tel:+250788000300" ||
			payload.Flow.UUID != resthookFlow || payload.Flow.Name != "Resthook Notify" || payload.Flow.Revision != e.flow(resthookFlow).Revision ||
			len(payload.Run.CreatedOn) != len("2017-12-31T11:35:09.123456Z") || payload.Input != nil || payload.Channel != nil {
			t.Fatalf("payload is %s", bodies[0])
		}
		h := reqs[0].Header
		key := h.Get("Idempotency-Key")
		if h.Get("Content-Type") != "application/json" || h.Get("User-Agent") != "flowsd" || h.Get("X-Mailroom-Mode") != "normal" || len(key) != 36 {
			t.Fatalf("headers are %v", h)
		}

		// one event, one delivery per subscriber, as the first attempts went
		var events []models.ResthookEvent
		must(t, e.db.Raw.Where("resthook_id = ?", hook.ID).Find(&events).Error)
		if len(events) != 1 || events[0].Data != bodies[0] {
			t.Fatalf("events are %+v", events)
		}
		ds := e.deliveries()
		want := map[string]models.DeliveryStatus{"/ok": "delivered", "/huge": "delivered", "/gone": "gone", "/bad": "failed",
			"/flaky": "retrying", "/busy": "retrying", "/down": "retrying", "/slow": "retrying", "/remove": "retrying"}
		for path, status := range want {
			d := ds[path]
			if d.Status != status || d.Attempts != 1 || d.EventID != events[0].ID || d.FlowID == nil {
				t.Errorf("%s: delivery is %+v, want %s", path, d, status)
			}
			if (status == "retrying") != (d.NextAttemptOn != nil) {
				t.Errorf("%s: next attempt %v", path, d.NextAttemptOn)
			}
		}
		if ds["/ok"].IdempotencyKey != key || ds["/slow"].LastStatusCode != 0 || ds["/flaky"].LastStatusCode != 500 {
			t.Fatalf("deliveries are %+v", ds)
		}
		if at := ds["/busy"].NextAttemptOn; at.Sub(started) < 119*time.Second || at.Sub(started) > 121*time.Second {
			t.Fatalf("/busy is next tried at %s, %s after the call, want its Retry-After", at, at.Sub(started))
		}
		if at := ds["/flaky"].NextAttemptOn; at.Sub(started) < 4900*time.Millisecond || at.Sub(started) > 5100*time.Millisecond {
			t.Fatalf("/flaky is next tried %s after the call, want 5s", at.Sub(started))
		}
		// the flow went down its failure route (@webhook is the last failure), and the result says so
		if e.lastText(jo) != "We couldn't reach the team, sorry." {
			t.Fatalf("the flow said %q", e.lastText(jo))
		}
		if r := e.results(e.runs(jo)[0])["notify"]; r["category"] != "Failure" {
			t.Fatalf("result is %v", r)
		}
		// /gone is unsubscribed in the flow's transaction
		var active int64
		must(t, e.db.Raw.Model(&models.ResthookSubscriber{}).Where("resthook_id = ? AND is_active AND target_url = ?", hook.ID, subs.URL+"/gone").Count(&active).Error)
		if active != 0 {
			t.Fatal("/gone is still subscribed")
		}

		// nothing is due before its time
		if e.retry() {
			t.Fatal("retried before anything was due")
		}
		// /remove is unsubscribed before its retry: it is not called again
		must(t, e.db.Raw.Model(&models.ResthookSubscriber{}).Where("target_url = ?", subs.URL+"/remove").Update("is_active", false).Error)

		e.clock.Set(started.Add(6 * time.Second))
		if !e.retry() {
			t.Fatal("nothing was retried")
		}
		ds = e.deliveries()
		if d := ds["/flaky"]; d.Status != "delivered" || d.Attempts != 2 || d.LastStatusCode != 200 || d.NextAttemptOn != nil || d.ClaimedUntil != nil {
			t.Fatalf("/flaky is %+v", d)
		}
		if d := ds["/slow"]; d.Status != "delivered" || d.Attempts != 2 {
			t.Fatalf("/slow is %+v", d)
		}
		if d := ds["/remove"]; d.Status != "failed" || d.Attempts != 1 || d.LastError != "the subscriber was removed" {
			t.Fatalf("/remove is %+v", d)
		}
		if d := ds["/down"]; d.Status != "retrying" || d.Attempts != 2 || d.LastError != "answered 503 Service Unavailable" {
			t.Fatalf("/down is %+v", d)
		}
		if d := ds["/busy"]; d.Attempts != 1 {
			t.Fatalf("/busy was tried before its Retry-After: %+v", d)
		}
		// every attempt of a delivery carries its key and its payload
		for _, path := range []string{"/flaky", "/slow"} {
			reqs, got := subs.got(path)
			if len(reqs) != 2 || got[0] != bodies[0] || got[1] != bodies[0] {
				t.Fatalf("%s got %d calls: %v", path, len(reqs), got)
			}
			k0, k1 := reqs[0].Header.Get("Idempotency-Key"), reqs[1].Header.Get("Idempotency-Key")
			if k0 == "" || k0 != k1 || k0 != ds[path].IdempotencyKey || k0 == key || reqs[1].Header.Get("X-Mailroom-Mode") != "normal" {
				t.Fatalf("%s keys %q and %q, delivery's %q", path, k0, k1, ds[path].IdempotencyKey)
			}
		}
		if reqs, _ := subs.got("/remove"); len(reqs) != 1 {
			t.Fatalf("/remove got %d calls", len(reqs))
		}

		// /down's third attempt is its last (Attempts: 3): it is given up
		e.clock.Set(started.Add(20 * time.Second))
		e.retry()
		if d := e.deliveries()["/down"]; d.Status != "failed" || d.Attempts != 3 || d.NextAttemptOn != nil ||
			d.LastError != "given up after 3 attempts: answered 503 Service Unavailable" {
			t.Fatalf("/down is %+v", d)
		}
		e.clock.Set(started.Add(121 * time.Second))
		e.retry()
		if d := e.deliveries()["/busy"]; d.Status != "delivered" || d.Attempts != 2 {
			t.Fatalf("/busy is %+v", d)
		}
		// nothing left, and no call made twice
		e.clock.Set(started.Add(48 * time.Hour))
		if e.retry() {
			t.Fatal("something was left to retry")
		}
		calls := map[string]int{"/ok": 1, "/huge": 1, "/gone": 1, "/bad": 1, "/flaky": 2, "/slow": 2, "/busy": 2, "/down": 3, "/remove": 1}
		for path, n := range calls {
			if reqs, _ := subs.got(path); len(reqs) != n {
				t.Errorf("%s got %d calls, want %d", path, len(reqs), n)
			}
		}
		// one HTTP log per call
		var logs int64
		must(t, e.db.Raw.Model(&models.HTTPLog{}).Where("workspace_id = ?", e.ws.ID).Count(&logs).Error)
		if logs != 14 {
			t.Fatalf("%d http logs, want 14", logs)
		}
	})
}

// TestResthookRetriesSharedByProcesses: deliveries of many contacts come due at once and two processes (two
// stores on one PostgreSQL database, or two workers of one SQLite process) retry them side by side: every
// delivery is attempted once more, none twice.
func TestResthookRetriesSharedByProcesses(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newHostEnv(t, d)
		subs := newSubscribers(t, map[string][]answer{"/flaky": {{status: 500}, {status: 200}}})
		e.importFile("webhooks.json", "https://api.example.com/", subs.URL+"/")
		e.subscribe(subs.URL, "/flaky")
		var contacts []*models.Contact
		for i := range 40 {
			contacts = append(contacts, e.contact(fmt.Sprint("P", i), fmt.Sprintf("tel:+2507881%05d", i)))
		}
		e.startNow(resthookFlow, contacts...)

		other := e.otherProcess()
		e.clock.Set(e.store.Now().Add(10 * time.Second))
		var wg sync.WaitGroup
		for _, h := range []*Host{e.host, other} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				w := &ResthookRetries{Host: h, Batch: 3}
				must(t, work.Drain(context.Background(), w.WorkOnce))
			}()
		}
		wg.Wait()
		reqs, _ := subs.got("/flaky")
		seen := map[string]int{}
		for _, r := range reqs {
			seen[r.Header.Get("Idempotency-Key")]++
		}
		if len(reqs) != 80 || len(seen) != 40 {
			t.Fatalf("%d calls with %d keys, want 80 with 40", len(reqs), len(seen))
		}
		for k, n := range seen {
			if n != 2 {
				t.Fatalf("key %s called %d times", k, n)
			}
		}
		var left int64
		must(t, e.db.Raw.Model(&models.ResthookDelivery{}).Where("status <> ?", models.DeliveryDelivered).Count(&left).Error)
		if left != 0 {
			t.Fatalf("%d deliveries not delivered", left)
		}
	})
}

// TestResthookRetriesRecordedAsTheyEnd: a retry's outcome is written as soon as it is known, not once the
// worker's whole batch is done, so that a worker killed mid-batch makes again only the calls it had under way.
func TestResthookRetriesRecordedAsTheyEnd(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newHostEnv(t, d)
		subs := newSubscribers(t, map[string][]answer{
			"/fast": {{status: 500}, {status: 200}},
			"/slow": {{status: 500}, {status: 200, delay: 2 * time.Second}}, // within the client's 5 s
		})
		e.importFile("webhooks.json", "https://api.example.com/", subs.URL+"/")
		e.subscribe(subs.URL, "/fast", "/slow")
		e.startNow(resthookFlow, e.contact("Jo", "tel:+250788100001"))
		e.clock.Set(e.store.Now().Add(10 * time.Second))

		done := make(chan error, 1)
		go func() {
			_, err := (&ResthookRetries{Host: e.host}).WorkOnce(context.Background())
			done <- err
		}()
		// while the slow subscriber is still answering, the fast one's delivery is already recorded
		deadline := time.Now().Add(1500 * time.Millisecond)
		for e.deliveries()["/fast"].Status != models.DeliveryDelivered {
			select {
			case err := <-done:
				t.Fatalf("the batch ended (%v) before the fast delivery was seen recorded", err)
			default:
			}
			if time.Now().After(deadline) {
				t.Fatal("the fast delivery wasn't recorded while the slow one was under way")
			}
			time.Sleep(20 * time.Millisecond)
		}
		if got := e.deliveries()["/slow"]; got.Status != models.DeliveryRetrying || got.ClaimedUntil == nil {
			t.Errorf("the slow delivery: %s, leased until %v; want still retrying, leased", got.Status, got.ClaimedUntil)
		}
		must(t, <-done)
		if got := e.deliveries()["/slow"]; got.Status != models.DeliveryDelivered {
			t.Errorf("the slow delivery ended %s", got.Status)
		}
	})
}

// TestResthookDeliveriesDenied: on the deny list, a subscriber named by a DNS name that resolves to loopback,
// and one that redirects to a denied address, are never reached: the flow's call is a connection error that
// fails the delivery at once with the reason (the list won't change its mind), and a retry left pending (by a
// process without the list) is refused too and fails the delivery the same way.
func TestResthookDeliveriesDenied(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		var reached sync.Map
		target := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached.Store("target", true) }))
		l, err := net.Listen("tcp", "127.0.0.2:0")
		if err != nil {
			t.Skipf("no 127.0.0.2 to listen on: %v", err)
		}
		target.Listener = l
		target.Start()
		t.Cleanup(target.Close)
		redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, target.URL+"/hook", http.StatusTemporaryRedirect)
		}))
		t.Cleanup(redirector.Close)

		// the default list refuses localhost's 127.0.0.1; 127.0.0.2/32 refuses the redirect's target only
		for _, c := range []struct {
			name, deny, url string
		}{
			{"a name resolving to loopback", strings.Join(netguard.DefaultDeny, ","), strings.Replace(redirector.URL, "127.0.0.1", "localhost", 1) + "/hook"},
			{"a redirect to a denied address", "127.0.0.2/32", redirector.URL + "/hook"},
		} {
			t.Run(c.name, func(t *testing.T) {
				e := newHostEnv(t, d)
				deny, err := netguard.Parse(c.deny)
				must(t, err)
				rt, err := runtime.New(e.ctx, &runtime.Config{WebhookTimeout: 5 * time.Second, WebhooksDeny: deny},
					runtime.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
				must(t, err)
				t.Cleanup(func() { rt.Close() })
				e.host = NewHost(e.store, rt.Log, EngineOptions{HTTPClient: rt.HTTP, UserAgent: "flowsd"})
				e.importFile("webhooks.json")
				e.subscribe(c.url, "")
				jo := e.contact("Jo", "tel:+250788000300")
				e.startNow(resthookFlow, jo)
				e.wantLast(jo, "We couldn't reach the team, sorry.")
				d := e.deliveries()["/hook"]
				if d.Status != models.DeliveryFailed || d.LastStatusCode != 0 || d.Attempts != 1 || d.NextAttemptOn != nil ||
					!strings.Contains(d.LastError, "is denied by FLOWSD_WEBHOOKS_DENY") {
					t.Fatalf("after the flow's call: %+v", d)
				}
				must(t, e.db.Raw.Exec("UPDATE resthook_deliveries SET status = ?, next_attempt_on = ? WHERE id = ?", models.DeliveryRetrying, e.store.Now(), d.ID).Error)
				e.clock.Set(e.store.Now().Add(10 * time.Second))
				e.retry()
				d = e.deliveries()["/hook"]
				if d.Status != models.DeliveryFailed || d.Attempts != 2 || d.NextAttemptOn != nil || !strings.Contains(d.LastError, "is denied by FLOWSD_WEBHOOKS_DENY") {
					t.Fatalf("after the retry: %+v", d)
				}
				if _, ok := reached.Load("target"); ok {
					t.Fatal("the denied address was reached")
				}
			})
		}
	})
}

// TestWebhookCalls: a flow's call_webhook sends mailroom's headers, is bounded by the client's timeout and by the
// response limit (goflow makes an answer over it a connection error), and each call is logged.
func TestWebhookCalls(t *testing.T) {
	eachHostDialect(t, func(t *testing.T, e *hostEnv) {
		subs := newSubscribers(t, map[string][]answer{"/lookup": {{status: 200}, {status: 200, delay: 2 * time.Second}, {status: 200, body: 10 << 20}}})
		e.host.HTTP.Timeout = 300 * time.Millisecond
		e.importFile("webhooks.json", "https://api.example.com/", subs.URL+"/")
		jo := e.contact("Jo", "tel:+250788000300")
		for i, want := range []struct{ category, status string }{{"Success", "success"}, {"Failure", "connection_error"}, {"Failure", "connection_error"}} {
			e.startNow(webhookLookup, jo)
			runs := e.runs(jo)
			if got := e.results(runs[len(runs)-1])["lookup"]["category"]; got != want.category {
				t.Fatalf("call %d: result %v, want %s", i, got, want.category)
			}
			var log models.HTTPLog
			must(t, e.db.Raw.Where("workspace_id = ?", e.ws.ID).Order("id DESC").Take(&log).Error)
			if log.Status != want.status || !strings.HasPrefix(log.URL, subs.URL+"/lookup?urn=") || log.FlowID == nil || len(log.Response) > 20_000 {
				t.Fatalf("call %d: log %s %s (%d bytes of response)", i, log.Status, log.URL, len(log.Response))
			}
		}
		reqs, _ := subs.got("/lookup")
		if len(reqs) != 3 {
			t.Fatalf("%d calls", len(reqs))
		}
		h := reqs[0].Header
		if h.Get("User-Agent") != "flowsd" || h.Get("X-Mailroom-Mode") != "normal" || h.Get("Idempotency-Key") != "" {
			t.Fatalf("headers are %v", h)
		}
	})
}

// TestResthookWithoutSubscribers: a resthook nobody subscribes to still records its event, as RapidPro does;
// with no call @webhook is empty and the flow takes its Failure route.
func TestResthookWithoutSubscribers(t *testing.T) {
	eachHostDialect(t, func(t *testing.T, e *hostEnv) {
		e.importFile("webhooks.json")
		jo := e.contact("Jo", "tel:+250788000300")
		e.startNow(resthookFlow, jo)
		e.wantLast(jo, "We couldn't reach the team, sorry.")
		if n := e.count("resthook_events", "workspace_id = ?", e.ws.ID); n != 1 {
			t.Fatalf("%d events, want 1", n)
		}
		if n := e.count("resthook_deliveries", "workspace_id = ?", e.ws.ID); n != 0 {
			t.Fatalf("%d deliveries, want none", n)
		}
	})
}
