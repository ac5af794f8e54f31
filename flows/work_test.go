package flows

// The kinds of background work flows does: flow starts and smart group evaluation (wait timeouts and expiries
// are with the engine's tests).

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/testdb"
	"github.com/flowsd/flowsd/work"
)

// TestStartWorkers: a start resolves its contacts and groups in SQL, less blocked, deleted and excluded
// contacts, starts everyone in batches exactly once, and records sessions, runs and messages.
func TestStartWorkers(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newHostEnv(t, d)
		flow := e.addFlow(helloFlow, "Hello", models.FlowMessage)
		group, err := e.store.CreateGroup(e.ctx, e.ws.ID, "Testers")
		must(t, err)

		var members []int64
		for i := 0; i < 60; i++ {
			c := e.contact(fmt.Sprintf("Person %d", i), fmt.Sprintf("tel:+2507880%05d", i))
			members = append(members, c.ID)
		}
		must(t, e.store.ChangeGroup(e.ctx, e.ws, group, members, true))
		must(t, e.store.SetStatus(e.ctx, e.ws, members[:2], models.ContactBlocked))
		must(t, e.store.DeleteContacts(e.ctx, e.ws.ID, members[2:3]))
		extra := e.contact("Extra", "tel:+250788999999")

		start := e.start(flow, []int64{extra.ID, members[5]}, []int64{group.ID}, `{"greeting": "Welcome"}`, true, false)
		e.drain(7)

		start = e.reload(start)
		if start.Status != models.StartCompleted || start.ContactCount != 58 {
			t.Fatalf("start is %s with %d contacts, want completed with 58", start.Status, start.ContactCount)
		}
		if n := e.count("flow_start_recipients", "start_id = ?", start.ID); n != 0 {
			t.Fatalf("%d recipients left after the start completed", n)
		}
		if n := e.count("flow_runs", "start_id = ? AND status = ?", start.ID, models.RunCompleted); n != 58 {
			t.Fatalf("%d completed runs, want 58", n)
		}
		if n := e.count("flow_sessions", "status = ?", models.SessionCompleted); n != 58 {
			t.Fatalf("%d completed sessions, want 58", n)
		}
		if n := e.count("flow_runs", "contact_id IN ?", members[:3]); n != 0 {
			t.Fatalf("blocked or deleted contacts were started")
		}
		var msg models.Msg
		must(t, e.db.Raw.Where("contact_id = ?", extra.ID).Take(&msg).Error)
		if msg.Text != "Hi Extra! Welcome" || msg.Direction != models.MsgOut || msg.FlowID == nil || *msg.FlowID != flow.ID {
			t.Fatalf("message is %+v", msg)
		}
		// no channels yet: the engine finds no route, and the message says so
		if msg.Status != models.MsgFailed || msg.FailedReason == nil || *msg.FailedReason != "no_route" {
			t.Fatalf("message status %s (%v), want failed no_route", msg.Status, msg.FailedReason)
		}
		var run models.FlowRun
		must(t, e.db.Raw.Where("contact_id = ?", extra.ID).Take(&run).Error)
		var path []map[string]any
		must(t, json.Unmarshal([]byte(run.Path), &path))
		if len(path) != 1 || path[0]["node"] != "5a1e0000-0000-4000-8000-0000000000a1" || run.ExitedOn == nil || run.Responded {
			t.Fatalf("run is %+v", run)
		}

		// restart_participants=false leaves out everyone who has been in the flow
		again := e.start(flow, []int64{extra.ID}, []int64{group.ID}, `{}`, false, false)
		newbie := e.contact("Newbie", "")
		must(t, e.store.ChangeGroup(e.ctx, e.ws, group, []int64{newbie.ID}, true))
		e.drain(25)
		again = e.reload(again)
		if again.Status != models.StartCompleted || again.ContactCount != 1 {
			t.Fatalf("second start is %s with %d contacts, want completed with 1 (the newcomer)", again.Status, again.ContactCount)
		}

		// a start nobody is left for completes at once
		none := e.start(flow, nil, nil, `{}`, true, false)
		e.drain(25)
		if none = e.reload(none); none.Status != models.StartCompleted || none.ContactCount != 0 {
			t.Fatalf("empty start is %s with %d", none.Status, none.ContactCount)
		}
	})
}

// TestStartOfFlowArchivedMidway: a flow archived after its start was resolved fails the start at its next
// batch, and that batch writes nothing.
func TestStartOfFlowArchivedMidway(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newHostEnv(t, d)
		flow := e.addFlow(helloFlow, "Hello", models.FlowMessage)
		var ids []int64
		for i := 0; i < 5; i++ {
			ids = append(ids, e.contact(fmt.Sprintf("P%d", i), "").ID)
		}
		start := e.start(flow, ids, nil, "{}", true, false)
		w := &Starts{Host: e.host, BatchSize: 2}
		if worked, err := w.WorkOnce(e.ctx); err != nil || !worked { // resolves it
			t.Fatalf("resolving: %v %v", worked, err)
		}
		if s := e.reload(start); s.Status != models.StartQueued || s.ContactCount != 5 {
			t.Fatalf("start is %s with %d", s.Status, s.ContactCount)
		}
		must(t, e.db.Raw.Model(flow).Update("is_archived", true).Error)
		must(t, e.db.Raw.Exec("UPDATE workspaces SET config_version = config_version + 1 WHERE id = ?", e.ws.ID).Error)
		e.drain(2)
		if s := e.reload(start); s.Status != models.StartFailed {
			t.Fatalf("start is %s, want failed", s.Status)
		}
		if n := e.count("flow_runs", "start_id = ?", start.ID); n != 0 {
			t.Fatalf("%d runs of an archived flow", n)
		}
	})
}

// TestEvaluateGroups: smart groups are evaluated by claiming them, whoever made them evaluating (a process that
// stopped mid-way leaves them so, and the next one's workers find them); a group whose query no longer parses is
// marked invalid, and a group being evaluated by one worker is passed by by another.
func TestEvaluateGroups(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		ctx := context.Background()
		db := testdb.New(t, d, testdb.NewClock(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Second).Now, (&testdb.UUIDSeq{}).Next)
		store := db.Store
		store.Rules = NewRules()
		ws, _, _, err := store.CreateWorkspace(ctx, models.WorkspaceSpec{Name: "W", Timezone: "UTC"}, "a@b.co")
		must(t, err)
		age, err := store.CreateField(ctx, ws.ID, "Age", models.FieldNumber)
		must(t, err)
		for _, a := range []string{"10", "20", "30"} {
			v := parseFieldValue(Environment(ws), a)
			_, err := store.CreateContact(ctx, ws, models.ContactSpec{Fields: map[int64]*models.FieldValue{age.ID: &v}})
			must(t, err)
		}
		// as a process that died before evaluating them would leave them
		over, err := store.CreateSmartGroup(ctx, ws.ID, "Over 15", "fields.age > 15")
		must(t, err)
		broken, err := store.CreateSmartGroup(ctx, ws.ID, "Broken", "fields.shoe_size > 15")
		must(t, err)

		// a claim held elsewhere makes a worker pass that group by
		evaluate := EvaluateGroups(store)
		held, passed, released := make(chan struct{}), make(chan bool), make(chan error)
		go func() {
			_, err := store.ClaimEvaluatingGroups(ctx, 1, func(b *models.Batch) error {
				close(held)
				<-passed
				return nil
			})
			released <- err
		}()
		<-held
		worked, err := evaluate(ctx)
		must(t, err)
		passed <- true
		must(t, <-released)
		if !worked {
			t.Fatal("the second group was not evaluated beside the held first")
		}
		must(t, work.Drain(ctx, evaluate))

		for _, tc := range []struct {
			g      *models.Group
			status models.GroupStatus
			count  int64
		}{{over, models.GroupReady, 2}, {broken, models.GroupInvalid, 0}} {
			g, err := store.GetGroup(ctx, ws.ID, tc.g.UUID)
			must(t, err)
			counts, err := store.GroupCounts(ctx, []int64{g.ID})
			must(t, err)
			if g.Status != tc.status || counts[g.ID] != tc.count {
				t.Errorf("%s: status %s with %d members, want %s with %d", g.Name, g.Status, counts[g.ID], tc.status, tc.count)
			}
		}
	})
}

// TestEvaluateGroupWhileConfigChanges: on PostgreSQL a group whose workspace's configuration another
// transaction holds (an import, which may be waiting for the group) is left evaluating rather than waited for,
// so that neither waits for the other; once that transaction ends, the group is evaluated.
func TestEvaluateGroupWhileConfigChanges(t *testing.T) {
	testdb.RequirePostgres(t)
	ctx := context.Background()
	db := testdb.New(t, models.Postgres, nil, nil)
	db.Store.Rules = NewRules()
	ws, _ := testdb.Workspace(t, db.Store, testdb.Nyaruka)
	g, err := db.Store.CreateSmartGroup(ctx, ws.ID, "Named", "name ~ bob")
	must(t, err)
	holder := db.Raw.Begin()
	must(t, holder.Exec("SELECT id FROM workspaces WHERE id = ? FOR UPDATE", ws.ID).Error)
	worked, err := EvaluateGroups(db.Store)(ctx)
	if err != nil || worked {
		t.Fatalf("evaluating beside a held workspace: %v %v, want no work done and no error", worked, err)
	}
	if got, _ := db.Store.GetGroup(ctx, ws.ID, g.UUID); got.Status != models.GroupEvaluating {
		t.Fatalf("the group is %s", got.Status)
	}
	must(t, holder.Rollback().Error)
	evaluateGroups(t, db.Store)
	if got, _ := db.Store.GetGroup(ctx, ws.ID, g.UUID); got.Status != models.GroupReady {
		t.Fatalf("the group is %s once the workspace is free", got.Status)
	}
}

// evaluateGroups evaluates every smart group waiting to be, as serve's group worker does.
func evaluateGroups(t testing.TB, store *models.Store) {
	t.Helper()
	must(t, work.Drain(context.Background(), EvaluateGroups(store)))
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
