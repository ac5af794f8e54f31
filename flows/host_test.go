package flows

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/testdb"
)

// helloFlow sends one message and ends: the flow of the start benchmark and the process tests.
var helloFlow = func() string {
	data, err := os.ReadFile("../testdata/exports/hello.json")
	if err != nil {
		panic(err)
	}
	var export struct{ Flows []json.RawMessage }
	if err := json.Unmarshal(data, &export); err != nil {
		panic(err)
	}
	return string(export.Flows[0])
}()

// hostEnv is a workspace on a fresh database with a host over it.
type hostEnv struct {
	t     testing.TB
	ctx   context.Context
	store *models.Store
	db    *testdb.DB // Raw is the test's own handle, for seeds and checks
	clock *testdb.Clock
	ws    *models.Workspace
	host  *Host
	dbURL string
}

func newHostEnv(t testing.TB, d models.Dialect) *hostEnv {
	// the engine keeps real time (waits expire by it), so the store's clock starts now too
	clock := testdb.NewClock(time.Now().UTC().Truncate(time.Second), time.Millisecond)
	db := testdb.New(t, d, clock.Now, nil)
	db.Store.Rules = NewRules()
	ws, _ := testdb.Workspace(t, db.Store, testdb.Nyaruka)
	host := NewHost(db.Store, slog.New(slog.NewTextHandler(io.Discard, nil)), EngineOptions{HTTPClient: &http.Client{Timeout: 5 * time.Second}})
	host.LockWait = 5 * time.Second
	return &hostEnv{t: t, ctx: context.Background(), store: db.Store, db: db, clock: clock, ws: ws, host: host, dbURL: db.URL}
}

// otherProcess is a second host on the env's database, as another flowsd process would have: a store of its
// own on PostgreSQL; on SQLite, which one process serves, the env's own host.
func (e *hostEnv) otherProcess() *Host {
	if e.store.Dialect != models.Postgres {
		return e.host
	}
	store, err := models.OpenStore(e.ctx, e.dbURL, e.clock.Now, nil)
	must(e.t, err)
	e.t.Cleanup(func() { store.Close() })
	store.Rules = NewRules()
	other := NewHost(store, slog.New(slog.NewTextHandler(io.Discard, nil)), EngineOptions{HTTPClient: &http.Client{Timeout: 5 * time.Second}})
	other.LockWait = e.host.LockWait
	return other
}

// addFlow stores a flow definition as it would be imported.
func (e *hostEnv) addFlow(definition, name string, flowType models.FlowType) *models.Flow {
	uuid := definitionUUID(e.t, definition)
	now := e.store.Now()
	f := &models.Flow{UUID: uuid, WorkspaceID: e.ws.ID, Name: name, FlowType: flowType, SpecVersion: "13.1.0", Revision: 1,
		Definition: definition, ExpiresMinutes: 10080, IsActive: true, CreatedOn: now, ModifiedOn: now}
	must(e.t, e.db.Raw.Create(f).Error)
	return f
}

func (e *hostEnv) contact(name string, urn string) *models.Contact {
	spec := models.ContactSpec{Name: &name}
	if urn != "" {
		spec.URNs, spec.SetURNs = []models.URNSpec{{Identity: urn, Scheme: "tel", Path: urn[4:]}}, true
	}
	c, err := e.store.CreateContact(e.ctx, e.ws, spec)
	must(e.t, err)
	return c
}

// start makes a flow start as the API would, pending.
func (e *hostEnv) start(flow *models.Flow, contactIDs, groupIDs []int64, params string, restart, excludeActive bool) *models.FlowStart {
	s := &models.FlowStart{WorkspaceID: e.ws.ID, FlowID: flow.ID, StartType: models.StartTypeAPI, Status: models.StartPending,
		Params: params, RestartParticipants: restart, ExcludeActive: excludeActive, ContactCount: -1}
	must(e.t, e.store.Write(e.ctx, func(tx *models.Tx) error { return tx.InsertFlowStart(s, contactIDs, groupIDs) }))
	return s
}

// drain works starts until there is nothing left to do.
func (e *hostEnv) drain(batch int) {
	w := &Starts{Host: e.host, BatchSize: batch}
	e.workUntilDone("start workers", w.WorkOnce)
}

// workUntilDone works a kind of work until it finds none.
func (e *hostEnv) workUntilDone(what string, do func(ctx context.Context) (bool, error)) {
	for i := 0; ; i++ {
		worked, err := do(e.ctx)
		must(e.t, err)
		if !worked {
			return
		}
		if i > 100000 {
			e.t.Fatal(what + " never ran out of work")
		}
	}
}

func (e *hostEnv) count(table, where string, args ...any) int64 {
	var n int64
	must(e.t, e.db.Raw.Table(table).Where(where, args...).Count(&n).Error)
	return n
}

func (e *hostEnv) reload(start *models.FlowStart) *models.FlowStart {
	s, err := e.store.FlowStart(e.ctx, start.ID)
	must(e.t, err)
	return s
}

func definitionUUID(t testing.TB, definition string) string {
	var d struct{ UUID string }
	must(t, json.Unmarshal([]byte(definition), &d))
	return d.UUID
}
