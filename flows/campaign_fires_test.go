package flows

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/work"
)

const (
	reporterFollowUp = "6c73978e-3cbd-4962-b9a8-68486863e249" // campaign.json: 1 day after registered_on, at 09:00
	reporterWeek     = "a6df2fb7-f81a-445f-875f-ccc5ff027468" // campaign.json: 1 week after registered_on, same time
)

// campaignEnv is the campaign export imported, with what its tests need.
type campaignEnv struct {
	*hostEnv
	reporters  *models.Group
	registered *models.Field
	events     map[string]int64 // by UUID
	kigali     *time.Location
}

func newCampaignEnv(t *testing.T, e *hostEnv) *campaignEnv {
	e.importFile("campaign.json")
	c := &campaignEnv{hostEnv: e, reporters: e.group(reportersUUID), events: map[string]int64{}}
	var f models.Field
	must(t, e.db.Raw.Where("workspace_id = ? AND key = ?", e.ws.ID, "registered_on").Take(&f).Error)
	c.registered = &f
	var evs []models.CampaignEvent
	must(t, e.db.Raw.Find(&evs).Error)
	for _, ev := range evs {
		c.events[ev.UUID] = ev.ID
	}
	var err error
	c.kigali, err = time.LoadLocation("Africa/Kigali")
	must(t, err)
	return c
}

func (c *campaignEnv) setRegistered(contact *models.Contact, at *time.Time) {
	v := &models.FieldValue{}
	if at != nil {
		v = &models.FieldValue{Text: at.Format(time.RFC3339), Datetime: at}
	}
	must(c.t, c.store.UpdateContact(c.ctx, c.ws, contact, models.ContactSpec{Fields: map[int64]*models.FieldValue{c.registered.ID: v}}))
}

// fires are a contact's fires by event UUID, in the workspace's zone.
func (c *campaignEnv) fires(contact *models.Contact) map[string]time.Time {
	fires, err := c.store.ContactFires(c.ctx, contact.ID)
	must(c.t, err)
	out := map[string]time.Time{}
	for _, f := range fires {
		for uuid, id := range c.events {
			if id == f.EventID {
				out[uuid] = f.FireOn.In(c.kigali)
			}
		}
	}
	return out
}

func (c *campaignEnv) wantFires(contact *models.Contact, want map[string]string) {
	c.t.Helper()
	got := c.fires(contact)
	if len(got) != len(want) {
		c.t.Fatalf("fires are %v, want %v", got, want)
	}
	for uuid, w := range want {
		if g, ok := got[uuid]; !ok || g.Format("2006-01-02 15:04") != w {
			c.t.Fatalf("fire of %s is %v, want %s (all: %v)", uuid, g, w, got)
		}
	}
}

// TestCampaignFiresFollowContacts: a contact's fires are made when they join the campaign's group with a
// value, moved when the value changes, kept out of the past, and removed when the value is cleared, when they
// leave the group, are blocked or deleted; in the workspace's zone, at the event's delivery hour.
func TestCampaignFiresFollowContacts(t *testing.T) {
	eachHostDialect(t, func(t *testing.T, e *hostEnv) {
		c := newCampaignEnv(t, e)
		now := e.store.Now()
		ann := e.contact("Ann", "tel:+250788000001")
		reg := time.Date(now.Year(), now.Month(), now.Day(), 14, 30, 0, 0, c.kigali).AddDate(0, 0, 2)
		c.setRegistered(ann, &reg)
		c.wantFires(ann, nil) // not in the group yet

		must(t, e.store.ChangeGroup(e.ctx, e.ws, c.reporters, []int64{ann.ID}, true))
		day := func(t time.Time) string { return t.Format("2006-01-02") }
		c.wantFires(ann, map[string]string{reporterFollowUp: day(reg.AddDate(0, 0, 1)) + " 09:00", reporterWeek: day(reg.AddDate(0, 0, 7)) + " 14:30"})

		// a new value moves them; seconds round up to the minute
		reg2 := reg.AddDate(0, 0, 3).Add(10 * time.Second)
		c.setRegistered(ann, &reg2)
		c.wantFires(ann, map[string]string{reporterFollowUp: day(reg2.AddDate(0, 0, 1)) + " 09:00", reporterWeek: day(reg2.AddDate(0, 0, 7)) + " 14:31"})

		// a value far enough back makes no fire for what is already past
		old := now.Add(-3 * 24 * time.Hour)
		c.setRegistered(ann, &old)
		c.wantFires(ann, map[string]string{reporterWeek: old.In(c.kigali).Truncate(time.Minute).Add(time.Minute).AddDate(0, 0, 7).Format("2006-01-02 15:04")})

		c.setRegistered(ann, nil)
		c.wantFires(ann, nil)
		c.setRegistered(ann, &reg)
		c.wantFires(ann, map[string]string{reporterFollowUp: day(reg.AddDate(0, 0, 1)) + " 09:00", reporterWeek: day(reg.AddDate(0, 0, 7)) + " 14:30"})

		must(t, e.store.ChangeGroup(e.ctx, e.ws, c.reporters, []int64{ann.ID}, false))
		c.wantFires(ann, nil)
		must(t, e.store.ChangeGroup(e.ctx, e.ws, c.reporters, []int64{ann.ID}, true))
		if len(c.fires(ann)) != 2 {
			t.Fatal("back in the group, no fires")
		}
		// blocked contacts get nothing; unblocked, they are back in line (their manual groups stayed)
		must(t, e.store.SetStatus(e.ctx, e.ws, []int64{ann.ID}, models.ContactBlocked))
		c.wantFires(ann, nil)
		must(t, e.store.SetStatus(e.ctx, e.ws, []int64{ann.ID}, models.ContactActive))
		if len(c.fires(ann)) != 2 {
			t.Fatal("unblocked, no fires")
		}
		must(t, e.store.DeleteContacts(e.ctx, e.ws.ID, []int64{ann.ID}))
		c.wantFires(ann, nil)
	})
}

// TestCampaignFiresFollowEvents: an event deleted or a campaign archived takes its fires with it; restored,
// they come back from now; a smart group's members get theirs when it is evaluated.
func TestCampaignFiresFollowEvents(t *testing.T) {
	eachHostDialect(t, func(t *testing.T, e *hostEnv) {
		c := newCampaignEnv(t, e)
		bob := e.contact("Bob", "tel:+250788000002")
		reg := e.store.Now().AddDate(0, 0, 2)
		c.setRegistered(bob, &reg)
		must(t, e.store.ChangeGroup(e.ctx, e.ws, c.reporters, []int64{bob.ID}, true))
		if len(c.fires(bob)) != 2 {
			t.Fatalf("fires are %v", c.fires(bob))
		}
		var campaign models.Campaign
		must(t, e.db.Raw.Where("workspace_id = ?", e.ws.ID).Take(&campaign).Error)
		write := func(fn func(tx *models.Tx) error) { must(t, e.store.Write(e.ctx, fn)) }

		must(t, e.db.Raw.Model(&models.CampaignEvent{}).Where("id = ?", c.events[reporterWeek]).Update("is_active", false).Error)
		write(func(tx *models.Tx) error {
			return tx.RefreshEventFires(e.ws.ID, []int64{c.events[reporterWeek]}, e.store.Now())
		})
		if f := c.fires(bob); len(f) != 1 || f[reporterFollowUp].IsZero() {
			t.Fatalf("after deleting an event: %v", f)
		}
		must(t, e.db.Raw.Model(&models.Campaign{}).Where("id = ?", campaign.ID).Update("is_archived", true).Error)
		write(func(tx *models.Tx) error { return tx.RefreshCampaignFires(e.ws.ID, campaign.ID, e.store.Now()) })
		c.wantFires(bob, nil)
		must(t, e.db.Raw.Model(&models.Campaign{}).Where("id = ?", campaign.ID).Update("is_archived", false).Error)
		write(func(tx *models.Tx) error { return tx.RefreshCampaignFires(e.ws.ID, campaign.ID, e.store.Now()) })
		if f := c.fires(bob); len(f) != 1 {
			t.Fatalf("restored: %v", f)
		}

		// the campaign moves to a smart group: its members' fires come when it is evaluated
		smart, err := e.store.CreateSmartGroup(e.ctx, e.ws.ID, "Named Cat", `name = "Cat"`)
		must(t, err)
		cat := e.contact("Cat", "tel:+250788000003")
		c.setRegistered(cat, &reg)
		must(t, e.db.Raw.Model(&models.Campaign{}).Where("id = ?", campaign.ID).Update("group_id", smart.ID).Error)
		write(func(tx *models.Tx) error { return tx.RefreshCampaignFires(e.ws.ID, campaign.ID, e.store.Now()) })
		evaluateGroups(t, e.store)
		if f := c.fires(cat); len(f) != 1 {
			t.Fatalf("Cat's fires: %v", f)
		}
		if f := c.fires(bob); len(f) != 0 {
			t.Fatalf("Bob left with the old group, fires: %v", f)
		}
		// a change that makes Cat leave the smart group takes her fires
		name := "Catherine"
		must(t, e.store.UpdateContact(e.ctx, e.ws, cat, models.ContactSpec{Name: &name}))
		if f := c.fires(cat); len(f) != 0 {
			t.Fatalf("Cat left the smart group, fires: %v", f)
		}
	})
}

// fireAll works due fires until none is left.
func (c *campaignEnv) fireAll(h *Host) {
	c.t.Helper()
	w := &CampaignFires{Host: h}
	for {
		worked, err := w.WorkOnce(c.ctx)
		must(c.t, err)
		if !worked {
			return
		}
	}
}

// TestCampaignFiring: due fires start the event's flow (a campaign trigger, interrupting the flow the contact
// waits in) or send its message in the contact's language, once; what isn't due waits.
func TestCampaignFiring(t *testing.T) {
	eachHostDialect(t, func(t *testing.T, e *hostEnv) {
		e.importFile("messaging.json")
		c := newCampaignEnv(t, e)
		_, err := e.store.CreateChannel(e.ctx, e.ws.ID, models.ChannelSpec{Type: "EX", Name: "Gateway", Address: "+250788123123", Schemes: []string{"tel"}, Config: "{}"})
		must(t, err)
		ann := e.contact("Ann", "tel:+250788000001")
		reg := e.store.Now().Add(time.Hour)
		c.setRegistered(ann, &reg)
		must(t, e.store.ChangeGroup(e.ctx, e.ws, c.reporters, []int64{ann.ID}, true))
		e.startNow(favoriteColor, ann) // waiting for her favourite color
		fires := c.fires(ann)

		c.fireAll(e.host)
		if len(c.fires(ann)) != 2 {
			t.Fatal("fired before their time")
		}
		e.clock.Set(fires[reporterFollowUp].Add(time.Second))
		c.fireAll(e.host)
		runs := e.runs(ann)
		last := runs[len(runs)-1]
		if len(runs) != 2 || last.FlowID != e.flow("889508e2-4d78-45ca-80ae-7ca83d61e917").ID || runs[0].Status != models.RunInterrupted {
			t.Fatalf("runs after the follow-up fired: %+v", runs)
		}
		var session models.FlowSession
		must(t, e.db.Raw.Where("contact_id = ?", ann.ID).Order("id DESC").Take(&session).Error)
		if !strings.Contains(session.Output, `"type":"campaign"`) || !strings.Contains(session.Output, "Reporter Follow Up") {
			t.Fatalf("the session wasn't triggered by the campaign: %.300s", session.Output)
		}
		if f := c.fires(ann); len(f) != 1 || f[reporterWeek].IsZero() {
			t.Fatalf("fires left: %v", f)
		}

		e.clock.Set(fires[reporterWeek].Add(time.Minute))
		before := len(e.texts(ann))
		c.fireAll(e.host)
		texts := e.texts(ann)
		if len(texts) != before+1 || texts[len(texts)-1] != "Thanks for a week of reporting, Ann!" {
			t.Fatalf("texts are %v", texts)
		}
		var msg models.Msg
		must(t, e.db.Raw.Where("contact_id = ? AND direction = ?", ann.ID, models.MsgOut).Order("id DESC").Take(&msg).Error)
		if msg.FlowID != nil || msg.BroadcastID != nil || msg.Status != models.MsgQueued || msg.ChannelID == nil {
			t.Fatalf("the campaign's message is %+v", msg)
		}
		c.fireAll(e.host)
		if len(e.texts(ann)) != before+1 || len(c.fires(ann)) != 0 {
			t.Fatal("fired twice")
		}
	})
}

// TestCampaignFiresSharedByProcesses: many contacts' fires fall due at once and two processes (two stores on
// one PostgreSQL database, or two workers of one SQLite process) work them side by side: every contact gets
// the message once.
func TestCampaignFiresSharedByProcesses(t *testing.T) {
	eachHostDialect(t, func(t *testing.T, e *hostEnv) {
		c := newCampaignEnv(t, e)
		reg := e.store.Now().Add(-6 * 24 * time.Hour)
		var ids []int64
		var contacts []*models.Contact
		for i := range 60 {
			ct := e.contact(fmt.Sprint("P", i), fmt.Sprintf("tel:+2507881%05d", i))
			c.setRegistered(ct, &reg)
			ids = append(ids, ct.ID)
			contacts = append(contacts, ct)
		}
		must(t, e.store.ChangeGroup(e.ctx, e.ws, c.reporters, ids, true))
		e.clock.Set(e.store.Now().Add(2 * 24 * time.Hour))
		other := e.otherProcess()
		var wg sync.WaitGroup
		for _, h := range []*Host{e.host, other} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				w := &CampaignFires{Host: h, MessageBatch: 7}
				must(t, work.Drain(context.Background(), w.WorkOnce))
			}()
		}
		wg.Wait()
		for _, ct := range contacts {
			if texts := e.texts(ct); len(texts) != 1 {
				t.Fatalf("%s got %v", *ct.Name, texts)
			}
		}
		if n := e.count("campaign_fires", "workspace_id = ?", e.ws.ID); n != 0 {
			t.Fatalf("%d fires left", n)
		}
	})
}

// TestCampaignFireSkip: a flow event in skip mode leaves out a contact waiting in a flow (the fire is used up)
// and starts one who isn't.
func TestCampaignFireSkip(t *testing.T) {
	eachHostDialect(t, func(t *testing.T, e *hostEnv) {
		e.importFile("messaging.json")
		c := newCampaignEnv(t, e)
		must(t, e.db.Raw.Model(&models.CampaignEvent{}).Where("id = ?", c.events[reporterFollowUp]).Update("start_mode", models.StartSkip).Error)
		ann := e.contact("Ann", "tel:+250788000001")
		bob := e.contact("Bob", "tel:+250788000002")
		reg := e.store.Now().Add(time.Hour)
		for _, ct := range []*models.Contact{ann, bob} {
			c.setRegistered(ct, &reg)
		}
		must(t, e.store.ChangeGroup(e.ctx, e.ws, c.reporters, []int64{ann.ID, bob.ID}, true))
		e.startNow(favoriteColor, ann)
		e.clock.Set(c.fires(ann)[reporterFollowUp].Add(time.Second))
		c.fireAll(e.host)
		if runs := e.runs(ann); len(runs) != 1 || runs[0].Status != models.RunWaiting {
			t.Fatalf("Ann was not skipped: %+v", runs)
		}
		if runs := e.runs(bob); len(runs) != 1 || runs[0].FlowID != e.flow("889508e2-4d78-45ca-80ae-7ca83d61e917").ID {
			t.Fatalf("Bob wasn't started: %+v", runs)
		}
		if f := c.fires(ann); len(f) != 1 {
			t.Fatalf("Ann's skipped fire wasn't used up: %v", f)
		}
	})
}

// TestCampaignFiresLeaveBusyContacts: a contact whose lock someone holds (a reply being handled) is left for the
// next look, and the others fire; once the lock is let go, theirs fires too, once.
func TestCampaignFiresLeaveBusyContacts(t *testing.T) {
	eachHostDialect(t, func(t *testing.T, e *hostEnv) {
		c := newCampaignEnv(t, e)
		ann := e.contact("Ann", "tel:+250788000001")
		bob := e.contact("Bob", "tel:+250788000002")
		reg := e.store.Now().Add(time.Hour)
		for _, ct := range []*models.Contact{ann, bob} {
			c.setRegistered(ct, &reg)
		}
		must(t, e.store.ChangeGroup(e.ctx, e.ws, c.reporters, []int64{ann.ID, bob.ID}, true))
		e.clock.Set(c.fires(ann)[reporterWeek].Add(time.Second))
		release, err := e.store.Locks.Lock(e.ctx, []int64{ann.ID}, time.Second)
		must(t, err)
		c.fireAll(e.host)
		// both events are due: Bob gets both, Ann's wait, and her first event doesn't hold up the second for Bob
		if len(e.texts(ann)) != 0 || len(e.texts(bob)) != 2 || len(c.fires(ann)) != 2 {
			t.Fatalf("with Ann busy: Ann got %v, Bob %v", e.texts(ann), e.texts(bob))
		}
		release()
		c.fireAll(e.host)
		if len(e.texts(ann)) != 2 || len(e.texts(bob)) != 2 || len(c.fires(ann)) != 0 {
			t.Fatalf("after: Ann got %v, Bob %v", e.texts(ann), e.texts(bob))
		}
	})
}

// TestCampaignFirePassive: a flow event in passive mode on a flow that waits takes the contact from the flow
// they wait in, which ends interrupted: a contact never waits in two flows.
func TestCampaignFirePassive(t *testing.T) {
	eachHostDialect(t, func(t *testing.T, e *hostEnv) {
		e.importFile("messaging.json")
		c := newCampaignEnv(t, e)
		must(t, e.db.Raw.Model(&models.CampaignEvent{}).Where("id = ?", c.events[reporterFollowUp]).Update("start_mode", models.StartPassive).Error)
		ann := e.contact("Ann", "tel:+250788000001")
		reg := e.store.Now().Add(time.Hour)
		c.setRegistered(ann, &reg)
		must(t, e.store.ChangeGroup(e.ctx, e.ws, c.reporters, []int64{ann.ID}, true))
		e.startNow(favoriteColor, ann)
		e.clock.Set(c.fires(ann)[reporterFollowUp].Add(time.Second))
		c.fireAll(e.host)
		if n := e.count("flow_sessions", "contact_id = ? AND status = ?", ann.ID, models.SessionWaiting); n != 1 {
			t.Fatalf("%d waiting sessions", n)
		}
		runs := e.runs(ann)
		if len(runs) != 2 || runs[0].Status != models.RunInterrupted || runs[1].FlowID != e.flow("889508e2-4d78-45ca-80ae-7ca83d61e917").ID {
			t.Fatalf("runs: %+v", runs)
		}
	})
}
