package flows

import (
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/schedules"
	"github.com/flowsd/flowsd/testdb"
)

// inZone moves the env's workspace to a time zone.
func (e *hostEnv) inZone(name string) *time.Location {
	e.t.Helper()
	tz, err := time.LoadLocation(name)
	must(e.t, err)
	must(e.t, e.db.Raw.Model(&models.Workspace{}).Where("id = ?", e.ws.ID).Update("timezone", name).Error)
	e.ws.Timezone = name
	return tz
}

func (e *hostEnv) schedule(spec models.ScheduleSpec) *models.Schedule {
	e.t.Helper()
	sc, err := e.store.CreateSchedule(e.ctx, e.ws, spec)
	must(e.t, err)
	return sc
}

func (e *hostEnv) reloadSchedule(sc *models.Schedule) *models.Schedule {
	e.t.Helper()
	fresh := &models.Schedule{}
	must(e.t, e.db.Raw.Take(fresh, sc.ID).Error)
	return fresh
}

// fireAt moves the clock to at and fires what is due, saying how many schedules fired.
func (e *hostEnv) fireAt(at time.Time) int {
	e.t.Helper()
	e.clock.Set(at)
	n := 0
	for {
		did, err := e.store.FireDueSchedule(e.ctx)
		must(e.t, err)
		if !did {
			return n
		}
		n++
	}
}

func local(t *testing.T, tz *time.Location, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, tz)
	must(t, err)
	return v
}

// TestScheduleFires: each period's fires in the workspace's zone, the clock driven past each of them: the
// schedule fires once at each, and its next fire is the one after, through a DST change.
func TestScheduleFires(t *testing.T) {
	eachHostDialect(t, func(t *testing.T, e *hostEnv) {
		ny := e.inZone("America/New_York")
		e.importFile("messaging.json")
		flowID := e.flow(favoriteColor).ID
		ann := e.contact("Ann", "tel:+250788000001")
		cases := []struct {
			name   string
			period schedules.Period
			days   string
			start  string
			fires  []string // local times, each fire in turn
		}{
			{"daily", schedules.Daily, "", "2026-01-10 09:00", []string{"2026-01-10 09:00", "2026-01-11 09:00", "2026-01-12 09:00"}},
			{"daily through spring forward keeps 09:00", schedules.Daily, "", "2026-03-07 09:00", []string{"2026-03-07 09:00", "2026-03-08 09:00", "2026-03-09 09:00"}},
			// 02:30 doesn't exist on 8 March in New York: Go (and mailroom) place it an hour earlier, 01:30 EST
			{"daily inside the gap", schedules.Daily, "", "2026-03-07 02:30", []string{"2026-03-07 02:30", "2026-03-08 01:30", "2026-03-09 02:30"}},
			{"daily through fall back", schedules.Daily, "", "2026-10-31 09:00", []string{"2026-10-31 09:00", "2026-11-01 09:00", "2026-11-02 09:00"}},
			{"weekly on Monday, Wednesday, Friday", schedules.Weekly, "FMW", "2026-01-05 08:15", []string{"2026-01-05 08:15", "2026-01-07 08:15", "2026-01-09 08:15", "2026-01-12 08:15"}},
			{"weekly starts on its start even off its days", schedules.Weekly, "U", "2026-01-06 10:00", []string{"2026-01-06 10:00", "2026-01-11 10:00", "2026-01-18 10:00"}},
			{"monthly on the 31st clamps", schedules.Monthly, "", "2026-01-31 12:00", []string{"2026-01-31 12:00", "2026-02-28 12:00", "2026-03-31 12:00", "2026-04-30 12:00"}},
			{"yearly", schedules.Yearly, "", "2026-06-15 07:00", []string{"2026-06-15 07:00", "2027-06-15 07:00", "2028-06-15 07:00"}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				first := local(t, ny, c.fires[0])
				e.clock.Set(first.Add(-24 * time.Hour))
				sc := e.schedule(models.ScheduleSpec{Period: c.period, DaysOfWeek: c.days, Start: local(t, ny, c.start), FlowID: &flowID,
					ContactIDs: []int64{ann.ID}})
				defer func() { must(t, e.store.DeleteSchedule(e.ctx, e.ws.ID, sc.UUID)) }()
				for i, want := range c.fires {
					at := local(t, ny, want)
					if got := e.reloadSchedule(sc).NextFire; got == nil || !got.Equal(at) {
						t.Fatalf("fire %d is at %v, want %s (%v)", i, got, want, at.UTC())
					}
					if n := e.fireAt(at.Add(-time.Second)); n != 0 {
						t.Fatalf("fired %d before %s", n, want)
					}
					if n := e.fireAt(at.Add(30 * time.Second)); n != 1 {
						t.Fatalf("fired %d at %s, want 1", n, want)
					}
					if n := e.fireAt(at.Add(40 * time.Second)); n != 0 {
						t.Fatalf("fired again %d times at %s", n, want)
					}
				}
				got := e.reloadSchedule(sc)
				if got.FireCount != len(c.fires) || got.LastFire == nil || !got.IsActive {
					t.Fatalf("after its fires the schedule is %+v", got)
				}
				if n := e.count("flow_starts", "flow_id = ? AND start_type = ? AND created_by_id IS NULL", flowID, models.StartTypeTrigger); n < int64(len(c.fires)) {
					t.Fatalf("%d trigger starts", n)
				}
			})
		}
	})
}

// TestScheduledTriggerStarts: a scheduled trigger's fire starts its contacts and its groups' members, those
// in a flow included (restarted); the start is hidden from the API's list. Missed fires collapse into one.
func TestScheduledTriggerStarts(t *testing.T) {
	eachHostDialect(t, func(t *testing.T, e *hostEnv) {
		e.importFile("messaging.json")
		flow := e.flow(favoriteColor)
		ann, bob, cat := e.contact("Ann", "tel:+250788000001"), e.contact("Bob", "tel:+250788000002"), e.contact("Cat", "tel:+250788000003")
		group, err := e.store.CreateGroup(e.ctx, e.ws.ID, "Farmers")
		must(t, err)
		must(t, e.store.ChangeGroup(e.ctx, e.ws, group, []int64{bob.ID, cat.ID}, true))
		e.startNow(favoriteColor, ann) // Ann is waiting in the flow already
		e.lastText(ann)

		now := e.store.Now()
		sc := e.schedule(models.ScheduleSpec{Period: schedules.Daily, Start: now.Add(time.Hour), FlowID: &flow.ID,
			ContactIDs: []int64{ann.ID}, GroupIDs: []int64{group.ID}})
		if n := e.fireAt(now.Add(59 * time.Minute)); n != 0 {
			t.Fatalf("fired %d before its start", n)
		}
		if n := e.fireAt(now.Add(time.Hour + time.Second)); n != 1 {
			t.Fatalf("fired %d at its start", n)
		}
		var start models.FlowStart
		must(t, e.db.Raw.Where("workspace_id = ? AND start_type = ?", e.ws.ID, models.StartTypeTrigger).Take(&start).Error)
		if start.Status != models.StartPending || !start.RestartParticipants || start.ExcludeActive || start.CreatedByID != nil || start.FlowID != flow.ID {
			t.Fatalf("the fire's start is %+v", start)
		}
		e.drain(25)
		for _, c := range []*models.Contact{ann, bob, cat} {
			if n := e.count("msgs", "contact_id = ? AND text = ?", c.ID, "What is your favorite color? Red, blue or green?"); n != map[bool]int64{true: 2, false: 1}[c == ann] {
				t.Fatalf("%s got the flow's question %d times", *c.Name, n)
			}
		}
		if n := e.count("flow_runs", "contact_id = ?", ann.ID); n != 2 {
			t.Fatalf("Ann has %d runs, want 2 (restarted)", n)
		}
		listed, err := e.store.Starts(e.ws.ID).Page(e.ctx, models.PageSpec{Size: 10})
		must(t, err)
		for _, l := range listed.Rows {
			if l.ID == start.ID {
				t.Fatal("the API lists a scheduled trigger's start")
			}
		}
		if got := e.reload(&start); got.Status != models.StartCompleted || got.ContactCount != 3 {
			t.Fatalf("start is %s with %d contacts", got.Status, got.ContactCount)
		}

		// nothing runs for a week: one fire, then the next is tomorrow at the same time
		fire := *e.reloadSchedule(sc).NextFire
		week := fire.Add(7*24*time.Hour + 5*time.Minute)
		if n := e.fireAt(week); n != 1 {
			t.Fatalf("a week of missed fires fired %d times, want 1", n)
		}
		if next := *e.reloadSchedule(sc).NextFire; !next.Equal(fire.Add(8 * 24 * time.Hour)) {
			t.Fatalf("next fire %v, want %v", next, fire.Add(8*24*time.Hour))
		}
		if n := e.count("flow_starts", "start_type = ?", models.StartTypeTrigger); n != 2 {
			t.Fatalf("%d starts after the missed week, want 2", n)
		}

		// deleted: never fires again
		must(t, e.store.DeleteSchedule(e.ctx, e.ws.ID, sc.UUID))
		if n := e.fireAt(week.Add(30 * 24 * time.Hour)); n != 0 {
			t.Fatalf("a deleted schedule fired %d times", n)
		}
	})
}

// TestScheduledBroadcast: a one-off scheduled broadcast fires once, making a broadcast from its template
// whose messages go out; the template is never listed nor sent, and the schedule is done.
func TestScheduledBroadcast(t *testing.T) {
	eachHostDialect(t, func(t *testing.T, e *hostEnv) {
		_, err := e.store.CreateChannel(e.ctx, e.ws.ID, models.ChannelSpec{Type: "EX", Name: "Gateway", Address: "+250788000001",
			Country: "RW", Schemes: []string{"tel"}, Config: `{"send_url":"http://localhost/send"}`})
		must(t, err)
		ann, bob := e.contact("Ann Smith", "tel:+250788000011"), e.contact("Bob Jones", "tel:+250788000012")
		group, err := e.store.CreateGroup(e.ctx, e.ws.ID, "Farmers")
		must(t, err)
		must(t, e.store.ChangeGroup(e.ctx, e.ws, group, []int64{bob.ID}, true))
		now := e.store.Now()
		sc := e.schedule(models.ScheduleSpec{Period: schedules.Once, Start: now.Add(10 * time.Minute),
			Translations: `{"eng":{"text":"Hello @contact.first_name"}}`, BaseLanguage: "eng", ContactIDs: []int64{ann.ID}, GroupIDs: []int64{group.ID}})
		if n := e.count("broadcasts", "workspace_id = ?", e.ws.ID); n != 0 {
			t.Fatalf("%d broadcasts before the fire", n)
		}
		if n := e.fireAt(now.Add(10*time.Minute + time.Second)); n != 1 {
			t.Fatalf("fired %d", n)
		}
		e.drainBroadcasts(10)
		for _, c := range []*models.Contact{ann, bob} {
			if got := e.lastText(c); got != "Hello "+(*c.Name)[:3] {
				t.Fatalf("%s got %q", *c.Name, got)
			}
		}
		page, err := e.store.Broadcasts(e.ws.ID).Page(e.ctx, models.PageSpec{Size: 10})
		must(t, err)
		if len(page.Rows) != 1 || page.Rows[0].Status != models.BroadcastCompleted || page.Rows[0].MsgCount != 2 {
			t.Fatalf("broadcasts listed: %+v", page.Rows)
		}
		got := e.reloadSchedule(sc)
		if got.IsActive || got.NextFire != nil || got.FireCount != 1 {
			t.Fatalf("a one-off schedule after its fire: %+v", got)
		}
		if n := e.fireAt(now.Add(48 * time.Hour)); n != 0 {
			t.Fatalf("a one-off schedule fired again %d times", n)
		}
		if l, err := e.store.Schedules(e.ctx, e.ws.ID, ""); err != nil || len(l) != 0 {
			t.Fatalf("listed after it was done: %v %v", l, err)
		}
	})
}

// TestSchedulesOfWorkspaces: a workspace lists and deletes its own schedules only.
func TestSchedulesOfWorkspaces(t *testing.T) {
	eachHostDialect(t, func(t *testing.T, e *hostEnv) {
		other, _ := testdb.Workspace(t, e.store, testdb.Trileet)
		ann := e.contact("Ann", "tel:+250788000001")
		sc := e.schedule(models.ScheduleSpec{Period: schedules.Weekly, DaysOfWeek: "mf", Start: e.store.Now().Add(time.Hour),
			Translations: `{"eng":{"text":"Hi"}}`, BaseLanguage: "eng", ContactIDs: []int64{ann.ID}})
		if sc.DaysOfWeek != "MF" {
			t.Fatalf("days %q", sc.DaysOfWeek)
		}
		if l, err := e.store.Schedules(e.ctx, other.ID, ""); err != nil || len(l) != 0 {
			t.Fatalf("another workspace lists %v %v", l, err)
		}
		if err := e.store.DeleteSchedule(e.ctx, other.ID, sc.UUID); !models.IsNotFound(err) {
			t.Fatalf("another workspace deletes it: %v", err)
		}
		l, err := e.store.Schedules(e.ctx, e.ws.ID, sc.UUID)
		must(t, err)
		if len(l) != 1 || l[0].Flow != nil || len(l[0].Contacts) != 1 || l[0].Contacts[0].UUID != ann.UUID {
			t.Fatalf("listed %+v", l)
		}
		if _, err := e.store.CreateSchedule(e.ctx, e.ws, models.ScheduleSpec{Period: schedules.Weekly, Start: e.store.Now(),
			Translations: `{"eng":{"text":"Hi"}}`}); err == nil {
			t.Fatal("a weekly schedule without days was made")
		}
	})
}

// TestSchedulesSharedByProcesses: two processes on one PostgreSQL database fire due schedules together,
// each exactly once.
func TestSchedulesSharedByProcesses(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newHostEnv(t, d)
		e.importFile("messaging.json")
		flowID := e.flow(favoriteColor).ID
		ann := e.contact("Ann", "tel:+250788000001")
		now := e.store.Now()
		var all []*models.Schedule
		for i := range 30 {
			all = append(all, e.schedule(models.ScheduleSpec{Period: schedules.Daily, Start: now.Add(time.Duration(i+1) * time.Second),
				FlowID: &flowID, ContactIDs: []int64{ann.ID}}))
		}
		other := e.otherProcess()
		e.clock.Set(now.Add(time.Hour))
		var wg sync.WaitGroup
		fired := make([]int, 2)
		for i, s := range []*models.Store{e.store, other.Store} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					did, err := s.FireDueSchedule(e.ctx)
					if err != nil {
						t.Error(err)
						return
					}
					if !did {
						return
					}
					fired[i]++
				}
			}()
		}
		wg.Wait()
		if fired[0]+fired[1] != len(all) {
			t.Fatalf("fired %d and %d, want %d in all", fired[0], fired[1], len(all))
		}
		for _, sc := range all {
			if got := e.reloadSchedule(sc); got.FireCount != 1 {
				t.Fatalf("schedule fired %d times", got.FireCount)
			}
		}
		if n := e.count("flow_starts", "start_type = ?", models.StartTypeTrigger); n != int64(len(all)) {
			t.Fatalf("%d starts, want %d", n, len(all))
		}
	})
}

// TestImportDropsScheduledTriggers: a scheduled trigger (type S) in an export file is dropped on import, as
// RapidPro drops it: the schedule is no part of the format.
func TestImportDropsScheduledTriggers(t *testing.T) {
	eachHostDialect(t, func(t *testing.T, e *hostEnv) {
		var exp map[string]any
		must(t, json.Unmarshal(readExport(t, "messaging.json"), &exp))
		triggers := exp["triggers"].([]any)
		before := len(triggers)
		exp["triggers"] = append(triggers, map[string]any{"trigger_type": "S", "flow": map[string]any{"uuid": favoriteColor, "name": "Favorite Color"},
			"groups": []any{}, "exclude_groups": []any{}})
		data, err := json.Marshal(exp)
		must(t, err)
		spec, err := ParseExport(data)
		must(t, err)
		if len(spec.Triggers) != before {
			t.Fatalf("%d triggers parsed, want %d", len(spec.Triggers), before)
		}
		_, err = Import(e.ctx, e.store, e.ws, spec)
		must(t, err)
		if n := e.count("triggers", "workspace_id = ?", e.ws.ID); n != int64(before) {
			t.Fatalf("%d triggers imported, want %d", n, before)
		}
		if n := e.count("schedules", "workspace_id = ?", e.ws.ID); n != 0 {
			t.Fatalf("%d schedules made by an import", n)
		}
	})
}

// TestScheduleFireIsAtomic: a fire that fails before it commits (as a crash would cut it short) leaves
// nothing behind and the schedule still due; it fires once when it can.
func TestScheduleFireIsAtomic(t *testing.T) {
	eachHostDialect(t, func(t *testing.T, e *hostEnv) {
		ann := e.contact("Ann", "tel:+250788000001")
		group, err := e.store.CreateGroup(e.ctx, e.ws.ID, "Farmers")
		must(t, err)
		now := e.store.Now()
		sc := e.schedule(models.ScheduleSpec{Period: schedules.Daily, Start: now.Add(time.Minute),
			Translations: `{"eng":{"text":"Hi"}}`, BaseLanguage: "eng", ContactIDs: []int64{ann.ID}, GroupIDs: []int64{group.ID}})
		due := *e.reloadSchedule(sc).NextFire
		e.clock.Set(due.Add(time.Second))
		must(t, e.db.Raw.Exec("ALTER TABLE broadcast_groups RENAME TO broadcast_groups_away").Error)
		if _, err := e.store.FireDueSchedule(e.ctx); err == nil {
			t.Fatal("the fire didn't fail")
		}
		must(t, e.db.Raw.Exec("ALTER TABLE broadcast_groups_away RENAME TO broadcast_groups").Error)
		if got := e.reloadSchedule(sc); !got.NextFire.Equal(due) || got.FireCount != 0 || got.LastFire != nil {
			t.Fatalf("after a failed fire the schedule is %+v", got)
		}
		if n := e.count("broadcasts", "workspace_id = ?", e.ws.ID); n != 0 {
			t.Fatalf("a failed fire left %d broadcasts", n)
		}
		if n := e.fireAt(due.Add(2 * time.Second)); n != 1 {
			t.Fatalf("fired %d after the failure", n)
		}
		if n := e.count("broadcasts", "workspace_id = ?", e.ws.ID); n != 1 {
			t.Fatalf("%d broadcasts, want 1", n)
		}
	})
}
