package main_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/testdb"
)

// killRun is how a scenario of R4 or R5 runs its processes: procs of them work the same database, the first is
// killed with -9 part-way through, and then replaced by a new one (R4) or not (R5: the others finish the work).
// extra is added to every process's environment (R5's Redis).
type killRun struct {
	procs   int
	replace bool
	extra   []string
}

var (
	r4Run = killRun{procs: 1, replace: true}
)

// start starts the run's processes.
func (k killRun) start(t *testing.T, env []string) []*server {
	t.Helper()
	env = append(append([]string{}, env...), k.extra...)
	out := make([]*server, k.procs)
	for i := range out {
		out[i] = startServer(t, env)
	}
	return out
}

// afterKill kills the first of procs and gives the processes left to finish the work: the others, and its
// replacement when the run has one. They are stopped when the test ends.
func (k killRun) afterKill(t *testing.T, env []string, procs []*server, between func()) []*server {
	t.Helper()
	procs[0].kill()
	between()
	alive := procs[1:]
	if k.replace {
		alive = append(alive, startServer(t, append(append([]string{}, env...), k.extra...)))
	}
	t.Cleanup(func() {
		for _, s := range alive {
			s.stop(t)
		}
	})
	return alive
}

// killedBroadcast is a broadcast to a group of n contacts through an EX channel to a loopback sink, the first
// process killed once a tenth reached the sink: no message confirmed before the kill reaches the sink again,
// every number gets its message, every message ends sent. A send in flight at the kill may go again, at most
// one per send slot of the killed process.
func killedBroadcast(t *testing.T, dbURL string, k killRun, n int) crashFigure {
	d, _, _ := models.ParseURL(dbURL)
	s := newMessagingSetup(t, dbURL, "eng", 10000)
	count := counter(t, dbURL)
	env := append(s.env(), "FLOWSD_SEND_WORKERS=2", "FLOWSD_SEND_CONCURRENCY=8", "FLOWSD_WEBHOOK_TIMEOUT=2s")
	procs := k.start(t, env)
	code, group := s.api(t, procs[0], "POST", "/api/v2/groups.json", map[string]any{"name": "Everyone"})
	if code != 201 {
		t.Fatalf("group: %d %v", code, group)
	}
	wsID := idOf(t, dbURL, "SELECT id FROM workspaces WHERE uuid = ?", s.ws)
	bulkContacts(t, dbURL, wsID, idOf(t, dbURL, "SELECT id FROM contact_groups WHERE uuid = ?", group["uuid"]), "+2507881", n)
	began := time.Now()
	code, b := s.api(t, procs[0], "POST", "/api/v2/broadcasts.json", map[string]any{"text": map[string]any{"eng": "News for @contact.name"}, "groups": []any{group["uuid"]}})
	if code != 201 {
		t.Fatalf("broadcast: %d %v", code, b)
	}
	fig, confirmed := killMidSends(t, k, env, procs, s, dbURL, wsID, n, began, crashFigure{scenario: "broadcast", db: d, size: n})
	byUUID, byTo := tallySends(s.sink, confirmed, &fig)
	fig.lost = n - len(byTo)
	if fig.repeats != 0 || fig.lost != 0 || len(byUUID) != n {
		t.Errorf("%d confirmed sends repeated, %d numbers got nothing, %d messages at the sink (want %d)", fig.repeats, fig.lost, len(byUUID), n)
	}
	// what was in flight at the kill may go again, at most one per send slot (2 workers of 8)
	if fig.inFlight > 16 {
		t.Errorf("%d sends in flight at the kill went again", fig.inFlight)
	}
	if got := unsent(count, wsID); got != 0 {
		t.Errorf("%d messages not sent", got)
	}
	return fig
}

// killedResthookRetries: n flow runs call a resthook whose subscriber refuses each delivery's first attempt and
// takes the second, the first process killed once a fifth of the retries were taken. Counted by Idempotency-Key
// at the subscriber: no delivery recorded delivered is posted again, every one is taken and ends delivered.
func killedResthookRetries(t *testing.T, dbURL string, k killRun, n int) crashFigure {
	d, _, _ := models.ParseURL(dbURL)
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
	procs := k.start(t, env)
	began := time.Now()
	for from := 0; from < n; from += 100 {
		var urnList []string
		for i := from; i < min(from+100, n); i++ {
			urnList = append(urnList, fmt.Sprintf("tel:+25078841%04d", i))
		}
		if code, body := s.api(t, procs[0], "POST", "/api/v2/flow_starts.json", map[string]any{"flow": resthookFlow, "urns": urnList}); code != 201 {
			t.Fatalf("flow start: %d %v", code, body)
		}
	}
	// the first attempts all refused, then some of the retries taken (a retry in flight at the kill is made
	// again once its lease, the timeout and a minute, runs out: a worker records each outcome as it ends, so
	// at most the calls the killed process's one worker had under way, 16)
	waitFor(t, "some retries taken", 120*time.Second, func() bool { _, taken := sub.counts(); return taken >= n/5 })
	var killedAt time.Duration
	var doneAt int
	var delivered []string
	k.afterKill(t, env, procs, func() {
		killedAt = time.Since(began)
		_, doneAt = sub.counts()
		if doneAt >= n {
			t.Fatal("every retry was made before the kill: make it bigger")
		}
		must(t, db.Raw("SELECT idempotency_key FROM resthook_deliveries WHERE status = 'delivered'").Scan(&delivered).Error)
	})
	restart := time.Now()
	waitFor(t, "every retry", 120*time.Second, func() bool {
		_, taken := sub.counts()
		return taken >= n && count("SELECT COUNT(*) FROM resthook_deliveries WHERE status <> 'delivered'") == 0
	})
	finish := time.Since(restart)
	time.Sleep(500 * time.Millisecond)
	fig := crashFigure{scenario: "resthook retries", db: d, size: n, killedAt: killedAt, doneAt: doneAt, finish: finish}
	sub.mu.Lock()
	confirmed := map[string]bool{}
	for _, key := range delivered {
		confirmed[key] = true
	}
	twice := 0
	for key, c := range sub.taken {
		if c > 2 {
			twice++
		}
		switch {
		case c > 1 && confirmed[key]:
			fig.repeats += c - 1
		case c > 1:
			fig.inFlight += c - 1
		}
	}
	fig.lost = n - len(sub.taken)
	sub.mu.Unlock()
	if fig.repeats != 0 || fig.lost != 0 || fig.inFlight > 16 || twice != 0 {
		t.Errorf("%d confirmed deliveries made again, %d in flight made again (%d more than once), %d never made", fig.repeats, fig.inFlight, twice, fig.lost)
	}
	if got := count("SELECT COUNT(*) FROM resthook_deliveries WHERE status <> 'delivered'"); got != 0 {
		t.Errorf("%d deliveries not delivered", got)
	}
	return fig
}

// killedCampaignFires: n due fires of a message event (as the scheduler leaves them when the contacts' dates are
// reached), the first process killed once a tenth of the reminders reached the sink: each contact has exactly
// one reminder, none the database recorded sent is sent again, no fire is left.
func killedCampaignFires(t *testing.T, dbURL string, k killRun, n int) crashFigure {
	d, _, _ := models.ParseURL(dbURL)
	s := newMessagingSetup(t, dbURL, "eng", 10000)
	db := testdb.Raw(t, dbURL)
	count := counter(t, dbURL)
	env := append(s.env(), "FLOWSD_SEND_WORKERS=2", "FLOWSD_SEND_CONCURRENCY=8", "FLOWSD_WEBHOOK_TIMEOUT=2s")
	srv := startServer(t, env)
	_, group, event := s.reminders(t, srv, "Reminder for @contact.name")
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
	procs := k.start(t, env)
	fig, confirmed := killMidSends(t, k, env, procs, s, dbURL, wsID, n, began, crashFigure{scenario: "campaign fires", db: d, size: n})
	// fired once: one reminder per contact in the database, whatever the gateway saw
	fired := count("SELECT COUNT(*) FROM msgs WHERE workspace_id = ? AND direction = 'out'", wsID)
	distinct := count("SELECT COUNT(DISTINCT contact_id) FROM msgs WHERE workspace_id = ? AND direction = 'out'", wsID)
	fig.repeats = int(fired - distinct)
	_, byTo := tallySends(s.sink, confirmed, &fig)
	fig.lost = n - int(distinct)
	if l := n - len(byTo); l > fig.lost {
		fig.lost = l
	}
	if fig.repeats != 0 || fig.lost != 0 || fig.inFlight > 16 {
		t.Errorf("%d fired or sent twice, %d sends in flight repeated, %d never fired", fig.repeats, fig.inFlight, fig.lost)
	}
	if left := count("SELECT COUNT(*) FROM campaign_fires WHERE event_id = ?", eventID); left != 0 {
		t.Errorf("%d fires left", left)
	}
	return fig
}

// killMidSends waits for a tenth of n messages at the sink, kills (k.afterKill) noting how far the work got and
// which sends the database had confirmed, then waits for every number to have its message and nothing to be
// left unsent; fig comes back with the times and the count at the kill.
func killMidSends(t *testing.T, k killRun, env []string, procs []*server, s *messagingSetup, dbURL string, wsID int64, n int,
	began time.Time, fig crashFigure) (crashFigure, map[string]bool) {
	t.Helper()
	count := counter(t, dbURL)
	waitFor(t, "some sends", 60*time.Second, func() bool { return s.sink.count() >= n/10 })
	var confirmed map[string]bool
	k.afterKill(t, env, procs, func() {
		fig.killedAt = time.Since(began)
		fig.doneAt = s.sink.count()
		if fig.doneAt >= n {
			t.Fatalf("%s: everything was sent before the kill: make it bigger", fig.scenario)
		}
		confirmed = confirmedSends(t, dbURL, wsID)
	})
	restart := time.Now()
	waitFor(t, "every message sent", 300*time.Second, func() bool { return distinctSends(s.sink) >= n && unsent(count, wsID) == 0 })
	fig.finish = time.Since(restart)
	time.Sleep(500 * time.Millisecond) // anything sent twice would come now
	return fig, confirmed
}

// killedScenarios are the kinds of work R4 and R5 kill a process in the middle of, besides a flow start, with
// their sizes in CI and in the long run.
var killedScenarios = []struct {
	name     string
	ci, long int
	run      func(t *testing.T, dbURL string, k killRun, n int) crashFigure
}{
	{"broadcast", 1000, 10000, killedBroadcast},
	{"resthook retries", 200, 1000, killedResthookRetries},
	{"campaign fires", 1000, 10000, killedCampaignFires},
}

// crashFigure is a finished start's figure: started at the kill, and from its runs, who was started twice and
// who never.
func (f *startFixture) crashFigure(t *testing.T, d models.Dialect, n int, killedAt time.Duration, started int64, finish time.Duration) crashFigure {
	runs := f.count(t, "SELECT COUNT(*) FROM flow_runs WHERE start_id = ?")
	distinct := f.count(t, "SELECT COUNT(DISTINCT contact_id) FROM flow_runs WHERE start_id = ?")
	return crashFigure{scenario: "flow start", db: d, size: n, killedAt: killedAt, doneAt: int(started), finish: finish,
		repeats: int(runs - distinct), lost: n - int(distinct)}
}
