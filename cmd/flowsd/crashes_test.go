package main_test

import (
	"flag"
	"fmt"
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
			recordCrash(f.crashFigure(t, d, n, killedAt, started, finish))
			f.checkEveryoneOnce(t)
		})
	})

	for _, sc := range killedScenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel() // much of each is waiting: for a lease to run out, for sends
			eachDB(t, func(t *testing.T, dbURL string) {
				recordCrash(sc.run(t, dbURL, r4Run, sized(sc.ci, sc.long)))
			})
		})
	}
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
