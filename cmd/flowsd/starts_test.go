package main_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/runtime"
	"github.com/flowsd/flowsd/testdb"
)

// startFixture is a database with a workspace, the Hello flow, n contacts in a group and a pending start of
// them all, as the API leaves one.
type startFixture struct {
	store *models.Store
	db    *testdb.DB
	url   string
	start *models.FlowStart
	group int64
	n     int
}

func newStartFixture(t *testing.T, d models.Dialect, n int) *startFixture {
	t.Helper()
	f := newStartFixtureUnstarted(t, d, n)
	f.begin(t)
	return f
}

// newStartFixtureUnstarted is the fixture without its start, which begin makes pending: for processes that are
// to be running before there is work.
func newStartFixtureUnstarted(t *testing.T, d models.Dialect, n int) *startFixture {
	t.Helper()
	db := testdb.New(t, d, nil, nil)
	store := db.Store
	ctx := context.Background()
	ws, _ := testdb.Workspace(t, store, testdb.Nyaruka)
	data, err := os.ReadFile("../../testdata/exports/hello.json")
	must(t, err)
	var export struct {
		Flows []struct{ UUID, Name string }
	}
	var raw struct{ Flows []json.RawMessage }
	must(t, json.Unmarshal(data, &export))
	must(t, json.Unmarshal(data, &raw))
	now := store.Now()
	flow := &models.Flow{UUID: export.Flows[0].UUID, WorkspaceID: ws.ID, Name: export.Flows[0].Name, FlowType: models.FlowMessage,
		SpecVersion: "13.1.0", Revision: 1, Definition: string(raw.Flows[0]), ExpiresMinutes: 10080, IsActive: true, CreatedOn: now, ModifiedOn: now}
	group, err := store.CreateGroup(ctx, ws.ID, "Everyone")
	must(t, err)
	start := &models.FlowStart{WorkspaceID: ws.ID, StartType: models.StartTypeAPI, Status: models.StartPending, Params: "{}",
		RestartParticipants: true, ContactCount: -1}
	must(t, db.Raw.Create(flow).Error)
	for from := 0; from < n; from += 500 {
		var batch []*models.Contact
		for i := from; i < min(from+500, n); i++ {
			name := fmt.Sprintf("Contact %d", i)
			batch = append(batch, &models.Contact{UUID: runtime.RandomUUID(), WorkspaceID: ws.ID, Name: &name,
				Status: models.ContactActive, IsActive: true, CreatedOn: now, ModifiedOn: now})
		}
		must(t, db.Raw.Create(batch).Error)
		for _, c := range batch {
			must(t, db.Raw.Exec("INSERT INTO contact_group_members (group_id, contact_id) VALUES (?, ?)", group.ID, c.ID).Error)
		}
	}
	start.FlowID = flow.ID
	return &startFixture{store: store, db: db, url: db.URL, start: start, group: group.ID, n: n}
}

// begin writes the start of the group, pending.
func (f *startFixture) begin(t *testing.T) {
	t.Helper()
	must(t, f.store.Write(context.Background(), func(tx *models.Tx) error { return tx.InsertFlowStart(f.start, nil, []int64{f.group}) }))
}

func (f *startFixture) count(t *testing.T, sql string) int64 {
	t.Helper()
	var n int64
	must(t, f.db.Raw.Raw(sql, f.start.ID).Scan(&n).Error)
	return n
}

func (f *startFixture) status(t *testing.T) models.StartStatus {
	t.Helper()
	s, err := f.store.FlowStart(context.Background(), f.start.ID)
	must(t, err)
	return s.Status
}

// waitFor polls until cond holds.
func waitFor(t testing.TB, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(limit); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// checkEveryoneOnce: every recipient was started, each exactly once.
func (f *startFixture) checkEveryoneOnce(t *testing.T) {
	t.Helper()
	if got := f.count(t, "SELECT COUNT(*) FROM flow_start_recipients WHERE start_id = ?"); got != 0 {
		t.Fatalf("%d recipients left after the start completed", got)
	}
	if got := f.count(t, "SELECT COUNT(*) FROM flow_runs WHERE start_id = ?"); got != int64(f.n) {
		t.Fatalf("%d runs, want %d", got, f.n)
	}
	if got := f.count(t, "SELECT COUNT(DISTINCT contact_id) FROM flow_runs WHERE start_id = ?"); got != int64(f.n) {
		t.Fatalf("%d contacts have runs, want %d", got, f.n)
	}
	if got := f.count(t, "SELECT COUNT(*) FROM msgs WHERE flow_id = (SELECT flow_id FROM flow_starts WHERE id = ?)"); got != int64(f.n) {
		t.Fatalf("%d messages, want %d", got, f.n)
	}
	if got := f.status(t); got != models.StartCompleted {
		t.Fatalf("start is %s, want completed", got)
	}
}

// TestStartSurvivesKill: a process killed (SIGKILL) part-way through a start leaves it for the next process,
// which finishes it: nobody started twice, nobody skipped.
func TestStartSurvivesKill(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		f := newStartFixture(t, d, 3000)
		env := []string{"FLOWSD_DB=" + f.url, "FLOWSD_START_BATCH=10", "FLOWSD_WORKER_POLL=50ms"}

		first := startServer(t, env)
		waitFor(t, "the first process to start some contacts", 60*time.Second, func() bool {
			return f.count(t, "SELECT COUNT(*) FROM flow_start_recipients WHERE start_id = ? AND started") >= 200
		})
		first.cmd.Process.Signal(syscall.SIGKILL)
		first.cmd.Wait()
		// both counts in one statement, one snapshot: a commit the dead process sent may still be landing
		var counts struct{ Started, Runs int64 }
		must(t, f.db.Raw.Raw(`SELECT (SELECT COUNT(*) FROM flow_start_recipients WHERE start_id = ? AND started) AS started,
			(SELECT COUNT(*) FROM flow_runs WHERE start_id = ?) AS runs`, f.start.ID, f.start.ID).Scan(&counts).Error)
		started := counts.Started
		if started >= int64(f.n) {
			t.Fatalf("the first process finished before it was killed: make the start bigger")
		}
		if runs := counts.Runs; runs != started {
			t.Fatalf("after the kill %d runs but %d recipients marked started", runs, started)
		}

		second := startServer(t, env)
		waitFor(t, "the second process to finish the start", 120*time.Second, func() bool { return f.status(t) == models.StartCompleted })
		second.stop(t)
		f.checkEveryoneOnce(t)
	})
}

// TestTwoProcessesShareAStart: two processes on one PostgreSQL database work the same start side by side,
// both doing part of it, and nobody is started twice.
func TestTwoProcessesShareAStart(t *testing.T) {
	testdb.RequirePostgres(t)
	f := newStartFixture(t, models.Postgres, 3000)
	env := []string{"FLOWSD_DB=" + f.url, "FLOWSD_START_BATCH=10", "FLOWSD_WORKER_POLL=50ms", "FLOWSD_LOG_LEVEL=debug", "FLOWSD_START_WORKERS=2"}
	a := startServer(t, env)
	b := startServer(t, env)
	waitFor(t, "the start to complete", 120*time.Second, func() bool { return f.status(t) == models.StartCompleted })
	a.stop(t)
	b.stop(t)
	f.checkEveryoneOnce(t)
	for name, s := range map[string]*server{"first": a, "second": b} {
		if n := strings.Count(s.stderr(), "started contacts"); n == 0 {
			t.Fatalf("the %s process started nobody: the work wasn't shared", name)
		}
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
