package flows

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/runtime"
	"github.com/flowsd/flowsd/testdb"
	"github.com/flowsd/flowsd/work"
	"github.com/nyaruka/goflow/assets"
	"github.com/nyaruka/goflow/core"
	"github.com/nyaruka/goflow/excellent/types"
	"github.com/nyaruka/goflow/flows/triggers"
)

// benchStartCount is how many contacts BenchmarkStart starts (FLOWSD_BENCH_STARTS overrides).
func benchStartCount() int {
	if n, err := strconv.Atoi(os.Getenv("FLOWSD_BENCH_STARTS")); err == nil && n > 0 {
		return n
	}
	return 10_000
}

// BenchmarkStart starts 10,000 contacts in the one-message flow through the start workers, end to end
// (resolving in SQL, locking, the engine, writing sessions, runs and messages), and in the same run has the
// engine alone start the same contacts with no database. It reports contacts per second for both and their
// ratio. Run with -benchtime=1x.
func BenchmarkStart(b *testing.B) {
	testdb.EachB(b, func(b *testing.B, d models.Dialect) {
		n := benchStartCount()
		workers := benchWorkers()
		for i := 0; i < b.N; i++ {
			e := newHostEnv(b, d)
			flow := e.addFlow(helloFlow, "Hello", models.FlowMessage)
			group := seedStartContacts(b, e, n)

			engineOnly := engineOnlyStarts(b, e, flow)

			start := e.start(flow, nil, []int64{group.ID}, `{"greeting": "Welcome"}`, true, false)
			began := time.Now()
			runStartWorkers(b, e, workers, func() bool { return e.reload(start).Status == models.StartCompleted })
			elapsed := time.Since(began)
			if s := e.reload(start); s.Status != models.StartCompleted || s.ContactCount != n {
				b.Fatalf("start is %s with %d contacts", s.Status, s.ContactCount)
			}
			if runs := e.count("flow_runs", "start_id = ?", start.ID); runs != int64(n) {
				b.Fatalf("%d runs, want %d", runs, n)
			}
			b.ReportMetric(float64(n)/elapsed.Seconds(), "contacts/s")
			b.ReportMetric(float64(n)/engineOnly.Seconds(), "engine-only-contacts/s")
			b.ReportMetric(elapsed.Seconds()/engineOnly.Seconds(), "x-engine-only")
		}
	})
}

// runStartWorkers runs start workers as serve does (woken by the signals of what they find, polling) until
// done says so.
func runStartWorkers(b *testing.B, e *hostEnv, n int, done func() bool) {
	signals := work.NewSignals()
	e.store.Signals = signals
	defer func() { e.store.Signals = nil }()
	group := work.NewGroup(e.host.Log)
	starts := &Starts{Host: e.host, BatchSize: benchBatch()}
	for i := 0; i < n; i++ {
		w := &work.Worker{Name: "flow starts", Kind: models.WorkStarts, Poll: 100 * time.Millisecond, Do: starts.WorkOnce, Siblings: true, Log: e.host.Log}
		group.Go(w.Name, func(ctx context.Context) error { return w.Run(ctx, signals) })
	}
	signals.Fire(models.WorkStarts)
	for !done() {
		time.Sleep(50 * time.Millisecond)
	}
	group.Stop()
}

// engineOnlyStarts has the engine start every contact of the workspace in the flow with nothing stored: the
// baseline. The contacts are read and converted first, outside the timing.
func engineOnlyStarts(b *testing.B, e *hostEnv, flow *models.Flow) time.Duration {
	a, err := e.host.Assets.Get(e.ctx, e.ws)
	must(b, err)
	var ids []int64
	must(b, e.db.Raw.Model(&models.Contact{}).Where("workspace_id = ?", e.ws.ID).Order("id").Pluck("id", &ids).Error)
	var contacts []*core.Contact
	for i := 0; i < len(ids); i += 1000 {
		_, byID, err := e.host.loadContacts(e.ctx, a, e.store.Reader(e.ctx), ids[i:min(i+1000, len(ids))])
		must(b, err)
		for _, id := range ids[i:min(i+1000, len(ids))] {
			contacts = append(contacts, byID[id])
		}
	}
	f, err := a.Session.Flows().Get(assets.FlowUUID(flow.UUID))
	must(b, err)
	params, err := types.ReadXObject([]byte(`{"greeting": "Welcome"}`))
	must(b, err)
	began := time.Now()
	ctx := context.Background()
	for _, c := range contacts {
		trigger := triggers.NewBuilder(f.Reference(false)).Manual().WithParams(params).AsBatch().Build()
		session, _, err := e.host.Engine.NewSession(ctx, a.Session, a.Env, c, trigger, nil)
		must(b, err)
		if _, err := json.Marshal(session); err != nil {
			b.Fatal(err)
		}
	}
	return time.Since(began)
}

// seedStartContacts adds n contacts, each with a name and a tel URN, in one group.
func seedStartContacts(b *testing.B, e *hostEnv, n int) *models.Group {
	group, err := e.store.CreateGroup(e.ctx, e.ws.ID, "Everyone")
	must(b, err)
	now := e.store.Now()
	for from := 0; from < n; from += 1000 {
		var batch []*models.Contact
		for i := from; i < min(from+1000, n); i++ {
			name := fmt.Sprintf("Contact %d", i)
			batch = append(batch, &models.Contact{UUID: runtime.RandomUUID(), WorkspaceID: e.ws.ID, Name: &name,
				Status: models.ContactActive, IsActive: true, CreatedOn: now, ModifiedOn: now})
		}
		must(b, e.db.Raw.Create(batch).Error)
		urnRows := make([]*models.ContactURN, len(batch))
		members := make([]string, len(batch))
		for i, c := range batch {
			path := fmt.Sprintf("+25078%07d", from+i)
			urnRows[i] = &models.ContactURN{WorkspaceID: e.ws.ID, ContactID: c.ID, Identity: "tel:" + path, Scheme: "tel", Path: path, Priority: 1000}
			members[i] = fmt.Sprintf("(%d, %d)", group.ID, c.ID)
		}
		must(b, e.db.Raw.Create(urnRows).Error)
		must(b, e.db.Raw.Exec("INSERT INTO contact_group_members (group_id, contact_id) VALUES "+strings.Join(members, ", ")).Error)
	}
	return group
}

// benchBatch is the start batch size BenchmarkStart uses (FLOWSD_BENCH_BATCH overrides the default 25).
func benchBatch() int {
	if n, err := strconv.Atoi(os.Getenv("FLOWSD_BENCH_BATCH")); err == nil && n > 0 {
		return n
	}
	return 25
}

// benchWorkers is how many start workers BenchmarkStart runs (FLOWSD_BENCH_WORKERS overrides the default 4, serve's).
func benchWorkers() int {
	if n, err := strconv.Atoi(os.Getenv("FLOWSD_BENCH_WORKERS")); err == nil && n > 0 {
		return n
	}
	return 4
}
