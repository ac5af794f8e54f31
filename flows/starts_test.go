package flows

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/testdb"
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
