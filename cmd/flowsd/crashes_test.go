package main_test

import (
	"flag"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/runtime"
	"github.com/flowsd/flowsd/testdb"
)

var update = flag.Bool("update", false, "rewrite docs/reliability.md's sections from the figures the tests measure")

// long is FLOWSD_RELIABILITY=long: the reliability suites at issue 14's sizes, not CI's.
func long() bool { return os.Getenv("FLOWSD_RELIABILITY") == "long" }

// sized is the CI size, or the long one.
func sized(ci, issue int) int {
	if long() {
		return issue
	}
	return ci
}

// crashFigure is one row of R4: a process killed with -9 part-way through some work, and the next one finishing it.
type crashFigure struct {
	scenario string
	db       models.Dialect
	size     int
	killedAt time.Duration // from the first process's start (of the work) to the kill
	doneAt   int           // how much was done when it died
	finish   time.Duration // from the restart to the last of it done
	repeats  int           // the same item done again after the kill, of what was confirmed done before it
	inFlight int           // items in flight at the kill that went out again (not confirmed: the sink can tell by key)
	lost     int
}

var crashes struct {
	sync.Mutex
	figures []crashFigure
}

func recordCrash(f crashFigure) {
	crashes.Lock()
	defer crashes.Unlock()
	crashes.figures = append(crashes.figures, f)
}

func (s *server) kill() {
	s.cmd.Process.Signal(syscall.SIGKILL)
	s.cmd.Wait()
}

// bulkContacts adds n active contacts with tel URNs (+2507 prefix, then i) to a group, straight into the database
// as the API would leave them: making 10,000 through the API is not what this measures.
func bulkContacts(t *testing.T, dbURL string, wsID, groupID int64, prefix string, n int) {
	t.Helper()
	db := testdb.Raw(t, dbURL)
	now := time.Now().UTC()
	for from := 0; from < n; from += 500 {
		var batch []*models.Contact
		for i := from; i < min(from+500, n); i++ {
			name := fmt.Sprintf("Contact %d", i)
			batch = append(batch, &models.Contact{UUID: runtime.RandomUUID(), WorkspaceID: wsID, Name: &name,
				Status: models.ContactActive, IsActive: true, CreatedOn: now, ModifiedOn: now})
		}
		must(t, db.Create(batch).Error)
		var urnRows []*models.ContactURN
		for j, c := range batch {
			path := fmt.Sprintf("%s%05d", prefix, from+j)
			urnRows = append(urnRows, &models.ContactURN{WorkspaceID: wsID, ContactID: c.ID, Identity: "tel:" + path, Scheme: "tel", Path: path, Priority: 1000})
		}
		must(t, db.Create(urnRows).Error)
		values, args := make([]string, len(batch)), make([]any, 0, 2*len(batch))
		for j, c := range batch {
			values[j] = "(?, ?)"
			args = append(args, groupID, c.ID)
		}
		must(t, db.Exec("INSERT INTO contact_group_members (group_id, contact_id) VALUES "+strings.Join(values, ", "), args...).Error)
	}
}

func idOf(t *testing.T, dbURL string, q string, args ...any) int64 {
	t.Helper()
	var id int64
	must(t, testdb.Raw(t, dbURL).Raw(q, args...).Row().Scan(&id))
	return id
}

// TestCrashes is R4: kill -9 in the middle of a flow start, a broadcast, pending resthook retries and due
// campaign fires; the next process finishes each, with nothing done twice that was confirmed done and nothing
// lost. Sizes are CI's unless FLOWSD_RELIABILITY=long.
func TestCrashes(t *testing.T) {
	t.Cleanup(func() {
		if t.Failed() {
			return
		}
		crashes.Lock()
		defer crashes.Unlock()
		if len(crashes.figures) != 8 {
			return // a -run of part of it: the table needs every row
		}
		name := "R4-figures"
		if long() {
			name = "R4-long"
		}
		checkReliabilitySection(t, name, r4Table(crashes.figures), "TestCrashes", 3, 4, 5, 7)
	})
	t.Run("start", func(t *testing.T) {
		t.Parallel() // much of each is waiting: for a lease to run out, for sends
		testdb.Each(t, func(t *testing.T, d models.Dialect) {
			n := sized(1000, 10000)
			f := newStartFixture(t, d, n)
			env := []string{"FLOWSD_DB=" + f.url, "FLOWSD_START_BATCH=10", "FLOWSD_WORKER_POLL=50ms"}
			began := time.Now()
			first := startServer(t, env)
			waitFor(t, "some contacts started", 60*time.Second, func() bool {
				return f.count(t, "SELECT COUNT(*) FROM flow_start_recipients WHERE start_id = ? AND started") >= int64(n/10)
			})
			first.kill()
			killedAt := time.Since(began)
			started := f.count(t, "SELECT COUNT(*) FROM flow_runs WHERE start_id = ?")
			if started >= int64(n) {
				t.Fatal("the start finished before the kill: make it bigger")
			}
			restart := time.Now()
			second := startServer(t, env)
			waitFor(t, "the start to finish", 300*time.Second, func() bool { return f.status(t) == models.StartCompleted })
			finish := time.Since(restart)
			second.stop(t)
			runs := f.count(t, "SELECT COUNT(*) FROM flow_runs WHERE start_id = ?")
			distinct := f.count(t, "SELECT COUNT(DISTINCT contact_id) FROM flow_runs WHERE start_id = ?")
			fig := crashFigure{scenario: "flow start", db: d, size: n, killedAt: killedAt, doneAt: int(started), finish: finish,
				repeats: int(runs - distinct), lost: n - int(distinct)}
			recordCrash(fig)
			f.checkEveryoneOnce(t)
		})
	})

	t.Run("broadcast", func(t *testing.T) {
		t.Parallel() // much of each is waiting: for a lease to run out, for sends
		eachDB(t, func(t *testing.T, dbURL string) {
			d, _, _ := models.ParseURL(dbURL)
			n := sized(1000, 10000)
			s := newMessagingSetup(t, dbURL, "eng", 10000)
			count := counter(t, dbURL)
			env := append(s.env(), "FLOWSD_SEND_WORKERS=2", "FLOWSD_SEND_CONCURRENCY=8", "FLOWSD_WEBHOOK_TIMEOUT=2s")
			srv := startServer(t, env)
			code, group := s.api(t, srv, "POST", "/api/v2/groups.json", map[string]any{"name": "Everyone"})
			if code != 201 {
				t.Fatalf("group: %d %v", code, group)
			}
			wsID := idOf(t, dbURL, "SELECT id FROM workspaces WHERE uuid = ?", s.ws)
			bulkContacts(t, dbURL, wsID, idOf(t, dbURL, "SELECT id FROM contact_groups WHERE uuid = ?", group["uuid"]), "+2507881", n)
			began := time.Now()
			code, b := s.api(t, srv, "POST", "/api/v2/broadcasts.json", map[string]any{"text": map[string]any{"eng": "News for @contact.name"}, "groups": []any{group["uuid"]}})
			if code != 201 {
				t.Fatalf("broadcast: %d %v", code, b)
			}
			waitFor(t, "some sends", 60*time.Second, func() bool { return s.sink.count() >= n/10 })
			srv.kill()
			killedAt := time.Since(began)
			doneAt := s.sink.count()
			if doneAt >= n {
				t.Fatal("the broadcast was sent before the kill: make it bigger")
			}
			confirmed := confirmedSends(t, dbURL, wsID)

			restart := time.Now()
			next := startServer(t, env)
			defer next.stop(t)
			waitFor(t, "every message sent", 300*time.Second, func() bool { return distinctSends(s.sink) >= n && unsent(count, wsID) == 0 })
			finish := time.Since(restart)
			time.Sleep(500 * time.Millisecond) // anything sent twice would come now
			fig := crashFigure{scenario: "broadcast", db: d, size: n, killedAt: killedAt, doneAt: doneAt, finish: finish}
			byUUID, byTo := tallySends(s.sink, confirmed, &fig)
			fig.lost = n - len(byTo)
			recordCrash(fig)
			if fig.repeats != 0 || fig.lost != 0 || len(byUUID) != n {
				t.Fatalf("%d confirmed sends repeated, %d numbers got nothing, %d messages at the sink (want %d)", fig.repeats, fig.lost, len(byUUID), n)
			}
			// what was in flight at the kill may go again, at most one per send slot (2 workers of 8)
			if fig.inFlight > 16 {
				t.Fatalf("%d sends in flight at the kill went again", fig.inFlight)
			}
			if got := counter(t, dbURL)("SELECT COUNT(*) FROM msgs WHERE workspace_id = ? AND direction = 'out' AND status NOT IN ('wired', 'sent', 'delivered')", wsID); got != 0 {
				t.Fatalf("%d messages not sent", got)
			}
		})
	})

	t.Run("resthook retries", func(t *testing.T) {
		t.Parallel() // much of each is waiting: for a lease to run out, for sends
		eachDB(t, func(t *testing.T, dbURL string) {
			d, _, _ := models.ParseURL(dbURL)
			n := sized(200, 1000)
			sub := newFlakySubscriber(t)
			// a slow subscriber keeps retries in flight when the kill comes
			inner := sub.srv.Config.Handler
			sub.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				time.Sleep(5 * time.Millisecond)
				inner.ServeHTTP(w, r)
			})
			s, env := resthookSetup(t, dbURL, sub)
			db := testdb.Raw(t, dbURL)
			count := counter(t, dbURL)
			env = append(env, "FLOWSD_RESTHOOK_WORKERS=1")
			srv := startServer(t, env)
			began := time.Now()
			for from := 0; from < n; from += 100 {
				var urnList []string
				for i := from; i < min(from+100, n); i++ {
					urnList = append(urnList, fmt.Sprintf("tel:+25078841%04d", i))
				}
				if code, body := s.api(t, srv, "POST", "/api/v2/flow_starts.json", map[string]any{"flow": resthookFlow, "urns": urnList}); code != 201 {
					t.Fatalf("flow start: %d %v", code, body)
				}
			}
			// (a retry in flight at the kill is made again once its lease, the timeout and a minute, runs out: at
			// most one per call slot, 16)
			// the first attempts all refused, then some of the retries taken
			waitFor(t, "some retries taken", 120*time.Second, func() bool { _, taken := sub.counts(); return taken >= n/5 })
			srv.kill()
			killedAt := time.Since(began)
			_, doneAt := sub.counts()
			if doneAt >= n {
				t.Fatal("every retry was made before the kill: make it bigger")
			}
			var delivered []string
			must(t, db.Raw("SELECT idempotency_key FROM resthook_deliveries WHERE status = 'delivered'").Scan(&delivered).Error)

			restart := time.Now()
			next := startServer(t, env)
			defer next.stop(t)
			waitFor(t, "every retry", 120*time.Second, func() bool {
				_, taken := sub.counts()
				return taken >= n && count("SELECT COUNT(*) FROM resthook_deliveries WHERE status <> 'delivered'") == 0
			})
			finish := time.Since(restart)
			time.Sleep(500 * time.Millisecond)
			fig := crashFigure{scenario: "resthook retries", db: d, size: n, killedAt: killedAt, doneAt: doneAt, finish: finish}
			sub.mu.Lock()
			confirmed := map[string]bool{}
			for _, k := range delivered {
				confirmed[k] = true
			}
			for key, c := range sub.taken {
				switch {
				case c > 1 && confirmed[key]:
					fig.repeats += c - 1
				case c > 1:
					fig.inFlight += c - 1
				}
			}
			fig.lost = n - len(sub.taken)
			sub.mu.Unlock()
			recordCrash(fig)
			if fig.repeats != 0 || fig.lost != 0 || fig.inFlight > 16 {
				t.Fatalf("%d confirmed deliveries made again, %d in flight made again, %d never made", fig.repeats, fig.inFlight, fig.lost)
			}
			if got := counter(t, dbURL)("SELECT COUNT(*) FROM resthook_deliveries WHERE status <> 'delivered'"); got != 0 {
				t.Fatalf("%d deliveries not delivered", got)
			}
		})
	})

	t.Run("campaign fires", func(t *testing.T) {
		t.Parallel() // much of each is waiting: for a lease to run out, for sends
		eachDB(t, func(t *testing.T, dbURL string) {
			d, _, _ := models.ParseURL(dbURL)
			n := sized(1000, 10000)
			s := newMessagingSetup(t, dbURL, "eng", 10000)
			db := testdb.Raw(t, dbURL)
			count := counter(t, dbURL)
			env := append(s.env(), "FLOWSD_SEND_WORKERS=2", "FLOWSD_SEND_CONCURRENCY=8", "FLOWSD_WEBHOOK_TIMEOUT=2s")
			srv := startServer(t, env)
			post := func(path string, body map[string]any) map[string]any {
				t.Helper()
				code, out := s.api(t, srv, "POST", path, body)
				if code != 201 {
					t.Fatalf("POST %s: %d %v", path, code, out)
				}
				return out
			}
			field := post("/api/v2/fields.json", map[string]any{"label": "Due Date", "value_type": "datetime"})
			group := post("/api/v2/groups.json", map[string]any{"name": "Mothers"})
			campaign := post("/api/v2/campaigns.json", map[string]any{"name": "Reminders", "group": group["uuid"]})
			event := post("/api/v2/campaign_events.json", map[string]any{"campaign": campaign["uuid"], "relative_to": field["key"],
				"offset": 0, "unit": "minutes", "delivery_hour": -1, "message": "Reminder for @contact.name"})
			srv.kill() // nothing running while the fires are laid down

			wsID := idOf(t, dbURL, "SELECT id FROM workspaces WHERE uuid = ?", s.ws)
			bulkContacts(t, dbURL, wsID, idOf(t, dbURL, "SELECT id FROM contact_groups WHERE uuid = ?", group["uuid"]), "+2507882", n)
			eventID := idOf(t, dbURL, "SELECT id FROM campaign_events WHERE uuid = ?", event["uuid"])
			// the fires as the scheduler leaves them, due a moment ago: each contact's date was just reached
			due := time.Now().UTC().Add(-time.Second)
			must(t, db.Exec(`INSERT INTO campaign_fires (workspace_id, event_id, contact_id, fire_on)
				SELECT ?, ?, contact_id, ? FROM contact_group_members WHERE group_id = (SELECT id FROM contact_groups WHERE uuid = ?)`,
				wsID, eventID, due, group["uuid"]).Error)

			began := time.Now()
			first := startServer(t, env)
			waitFor(t, "some reminders sent", 60*time.Second, func() bool { return s.sink.count() >= n/10 })
			first.kill()
			killedAt := time.Since(began)
			doneAt := s.sink.count()
			if doneAt >= n {
				t.Fatal("every reminder was sent before the kill: make it bigger")
			}
			confirmed := confirmedSends(t, dbURL, wsID)
			restart := time.Now()
			next := startServer(t, env)
			defer next.stop(t)
			waitFor(t, "every reminder", 300*time.Second, func() bool { return distinctSends(s.sink) >= n && unsent(count, wsID) == 0 })
			finish := time.Since(restart)
			time.Sleep(500 * time.Millisecond)
			fig := crashFigure{scenario: "campaign fires", db: d, size: n, killedAt: killedAt, doneAt: doneAt, finish: finish}
			// fired once: one reminder per contact in the database, whatever the gateway saw
			fired := count("SELECT COUNT(*) FROM msgs WHERE workspace_id = ? AND direction = 'out'", wsID)
			distinct := count("SELECT COUNT(DISTINCT contact_id) FROM msgs WHERE workspace_id = ? AND direction = 'out'", wsID)
			fig.repeats = int(fired - distinct)
			_, byTo := tallySends(s.sink, confirmed, &fig)
			fig.lost = n - int(distinct)
			if l := n - len(byTo); l > fig.lost {
				fig.lost = l
			}
			recordCrash(fig)
			if fig.repeats != 0 || fig.lost != 0 || fig.inFlight > 16 {
				t.Fatalf("%d fired or sent twice, %d sends in flight repeated, %d never fired", fig.repeats, fig.inFlight, fig.lost)
			}
			if left := count("SELECT COUNT(*) FROM campaign_fires WHERE event_id = ?", eventID); left != 0 {
				t.Fatalf("%d fires left", left)
			}
		})
	})
}

// confirmedSends are the UUIDs of the messages the database records the gateway as having taken.
func confirmedSends(t *testing.T, dbURL string, wsID int64) map[string]bool {
	t.Helper()
	var uuids []string
	must(t, testdb.Raw(t, dbURL).Raw("SELECT uuid FROM msgs WHERE workspace_id = ? AND direction = 'out' AND status IN ('wired', 'sent', 'delivered')", wsID).Scan(&uuids).Error)
	out := map[string]bool{}
	for _, u := range uuids {
		out[u] = true
	}
	return out
}

// unsent counts a workspace's outgoing messages the gateway hasn't taken yet.
func unsent(count func(q string, args ...any) int64, wsID int64) int64 {
	return count("SELECT COUNT(*) FROM msgs WHERE workspace_id = ? AND direction = 'out' AND status NOT IN ('wired', 'sent', 'delivered')", wsID)
}

func distinctSends(g *gatewaySink) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	seen := map[string]bool{}
	for _, s := range g.sends {
		seen[s.Get("uuid")] = true
	}
	return len(seen)
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.1f s", d.Seconds()) }

func r4Table(figures []crashFigure) string {
	sort.SliceStable(figures, func(i, j int) bool {
		if figures[i].scenario != figures[j].scenario {
			return figures[i].scenario < figures[j].scenario
		}
		return figures[i].db < figures[j].db
	})
	var b strings.Builder
	b.WriteString("| work | database | size | killed after | done at the kill | finished after restart | confirmed done twice | in flight done again | lost |\n")
	b.WriteString("|---|---|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, f := range figures {
		fmt.Fprintf(&b, "| %s | %s | %d | %s | %d | %s | %d | %d | %d |\n", f.scenario, f.db, f.size, seconds(f.killedAt), f.doneAt,
			seconds(f.finish), f.repeats, f.inFlight, f.lost)
	}
	return b.String()
}

// maskMeasured blanks the columns of a table's rows that change from run to run (times, and how far the work got
// before the kill): they are measured, not promised.
func maskMeasured(s string, columns ...int) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if !strings.HasPrefix(l, "| ") || strings.HasPrefix(l, "|---") {
			continue
		}
		cells := strings.Split(l, "|")
		for _, c := range columns {
			if c+1 < len(cells) {
				cells[c+1] = " ~ "
			}
		}
		lines[i] = strings.Join(cells, "|")
	}
	return strings.Join(lines, "\n")
}

// checkReliabilitySection rewrites (-update) or checks the section of docs/reliability.md between <!-- name -->
// and <!-- /name -->. The times and the progress at a kill are measured, not promised: only the rest must match.
func checkReliabilitySection(t *testing.T, name, section, test string, measured ...int) {
	t.Helper()
	const path = "../../docs/reliability.md"
	open, end := "<!-- "+name+" -->", "<!-- /"+name+" -->"
	raw, err := os.ReadFile(path)
	must(t, err)
	doc := string(raw)
	block := open + "\n" + section + end
	re := regexp.MustCompile(`(?s)` + regexp.QuoteMeta(open) + `.*?` + regexp.QuoteMeta(end))
	current := re.FindString(doc)
	mask := func(s string) string { return maskMeasured(s, measured...) }
	if *update {
		if current == "" {
			t.Fatalf("docs/reliability.md has no %s markers", name)
		}
		must(t, os.WriteFile(path, []byte(strings.Replace(doc, current, block, 1)), 0o644))
		return
	}
	if mask(current) != mask(block) {
		t.Fatalf("docs/reliability.md's %s section is not current: run go test ./cmd/flowsd -run '%s' -update\nwant:\n%s", name, test, block)
	}
}

// tallySends counts the sink's sends by message UUID and by number, adding to the figure's repeats the sends
// of messages confirmed before the kill and to its in-flight count those of the others.
func tallySends(sink *gatewaySink, confirmed map[string]bool, fig *crashFigure) (byUUID, byTo map[string]int) {
	sink.mu.Lock()
	byUUID, byTo = map[string]int{}, map[string]int{}
	for _, send := range sink.sends {
		byUUID[send.Get("uuid")]++
		byTo[send.Get("to")]++
	}
	sink.mu.Unlock()
	for uuid, c := range byUUID {
		switch {
		case c > 1 && confirmed[uuid]:
			fig.repeats += c - 1
		case c > 1:
			fig.inFlight += c - 1
		}
	}
	return byUUID, byTo
}
