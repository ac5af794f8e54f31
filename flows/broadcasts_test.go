package flows

import (
	"fmt"
	"sync"
	"testing"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/testdb"
)

// drainBroadcasts works broadcasts until none has work left.
func (e *hostEnv) drainBroadcasts(batch int) {
	w := &Broadcasts{Host: e.host, BatchSize: batch}
	e.workUntilDone("broadcast workers", w.WorkOnce)
}

func (e *hostEnv) broadcast(spec models.BroadcastSpec) *models.Broadcast {
	e.t.Helper()
	b, err := e.store.CreateBroadcast(e.ctx, e.ws, spec)
	must(e.t, err)
	return b
}

func (e *hostEnv) listedBroadcast(b *models.Broadcast) *models.BroadcastListing {
	e.t.Helper()
	l, err := e.store.Broadcasts(e.ws.ID).WithID(b.ID).First(e.ctx)
	must(e.t, err)
	return l
}

func (e *hostEnv) setLanguage(c *models.Contact, lang string) {
	must(e.t, e.db.Raw.Model(&models.Contact{}).Where("id = ?", c.ID).Update("language", lang).Error)
}

// TestBroadcastWorkers: a broadcast goes to its contacts, URNs (new contacts for new ones) and groups' members,
// active ones only, each once, in their language where the workspace allows it, with their own values in its
// expressions, queued on the channel that serves them; its status and progress say how far it got.
func TestBroadcastWorkers(t *testing.T) {
	eachHostDialect(t, func(t *testing.T, e *hostEnv) {
		ch, err := e.store.CreateChannel(e.ctx, e.ws.ID, models.ChannelSpec{Type: "EX", Name: "Gateway", Address: "+250788000001",
			Country: "RW", Schemes: []string{"tel"}, Config: `{"send_url":"http://localhost/send"}`})
		must(t, err)
		group, err := e.store.CreateGroup(e.ctx, e.ws.ID, "Farmers")
		must(t, err)
		var members []*models.Contact
		var ids []int64
		for i := 0; i < 25; i++ {
			c := e.contact(fmt.Sprintf("Farmer%d Person", i), fmt.Sprintf("tel:+25078810%04d", i))
			members, ids = append(members, c), append(ids, c.ID)
		}
		must(t, e.store.ChangeGroup(e.ctx, e.ws, group, ids, true))
		e.setLanguage(members[0], "kin") // allowed: gets the Kinyarwanda text
		e.setLanguage(members[1], "fra") // not a workspace language: the default (eng)
		must(t, e.store.SetStatus(e.ctx, e.ws, ids[2:3], models.ContactBlocked))
		must(t, e.store.SetStatus(e.ctx, e.ws, ids[3:4], models.ContactStopped))
		must(t, e.store.DeleteContacts(e.ctx, e.ws.ID, ids[4:5]))
		noURN := e.contact("Nobody Reachable", "")

		b := e.broadcast(models.BroadcastSpec{
			Translations: `{"eng":{"text":"Hi @contact.first_name"},"kin":{"text":"Muraho @contact.first_name","attachments":["image/jpeg:http://example.com/a.jpg"]},"fra":{"text":"Bonjour"}}`,
			BaseLanguage: "eng", ContactIDs: []int64{members[5].ID, noURN.ID}, GroupIDs: []int64{group.ID},
			URNs: []models.URNSpec{models.URNSpecFor("tel:+250788999000"), models.URNSpecFor("tel:+250788100006")},
		})
		if l := e.listedBroadcast(b); l.Status != models.BroadcastPending || l.ContactCount != -1 || len(l.Contacts) != 2 || len(l.Groups) != 1 {
			t.Fatalf("new broadcast lists as %+v", l)
		}
		e.drainBroadcasts(10)

		l := e.listedBroadcast(b)
		// 25 members less blocked, stopped, deleted; the contact without URNs; a new contact for the new URN
		if l.Status != models.BroadcastCompleted || l.ContactCount != 24 || l.MsgCount != 24 {
			t.Fatalf("broadcast is %s with %d contacts and %d messages, want completed with 24 and 24", l.Status, l.ContactCount, l.MsgCount)
		}
		if n := e.count("broadcast_recipients", "broadcast_id = ?", b.ID); n != 0 {
			t.Fatalf("%d recipients left after it completed", n)
		}
		if n := e.count("msgs", "contact_id IN ?", ids[2:5]); n != 0 {
			t.Fatalf("blocked, stopped or deleted contacts got %d messages", n)
		}
		if n := e.count("msgs", "broadcast_id = ? AND status = ? AND channel_id = ?", b.ID, models.MsgQueued, ch.ID); n != 23 {
			t.Fatalf("%d messages queued on the channel, want 23", n)
		}
		var failed models.Msg
		must(t, e.db.Raw.Where("contact_id = ?", noURN.ID).Take(&failed).Error)
		if failed.Status != models.MsgFailed || failed.FailedReason == nil || *failed.FailedReason != models.FailedNoRoute {
			t.Fatalf("message to a contact without URNs is %s (%v)", failed.Status, failed.FailedReason)
		}
		var fresh models.Contact
		must(t, e.db.Raw.Where("workspace_id = ? AND id IN (SELECT contact_id FROM contact_urns WHERE identity = ?)", e.ws.ID, "tel:+250788999000").Take(&fresh).Error)
		if n := e.count("msgs", "contact_id = ? AND broadcast_id = ?", fresh.ID, b.ID); n != 1 {
			t.Fatalf("the contact made for a new URN got %d messages", n)
		}
		if n := e.count("msgs", "contact_id = ?", members[6].ID); n != 1 {
			t.Fatalf("a contact given twice (by URN and group) got %d messages", n)
		}

		var kin, fra, eng models.Msg
		must(t, e.db.Raw.Where("contact_id = ?", members[0].ID).Take(&kin).Error)
		must(t, e.db.Raw.Where("contact_id = ?", members[1].ID).Take(&fra).Error)
		must(t, e.db.Raw.Where("contact_id = ?", members[7].ID).Take(&eng).Error)
		if kin.Text != "Muraho Farmer0" || len(kin.Attachments) != 1 || kin.Attachments[0] != "image/jpeg:http://example.com/a.jpg" {
			t.Fatalf("Kinyarwanda speaker got %q %v", kin.Text, kin.Attachments)
		}
		if fra.Text != "Hi Farmer1" || eng.Text != "Hi Farmer7" {
			t.Fatalf("others got %q and %q, want the workspace's default language", fra.Text, eng.Text)
		}
		if eng.URN == nil || *eng.URN != "tel:+250788100007" || eng.BroadcastID == nil || *eng.BroadcastID != b.ID {
			t.Fatalf("message is %+v to %s", eng, *eng.URN)
		}

		// nobody left: completed at once
		none := e.broadcast(models.BroadcastSpec{Translations: `{"eng":{"text":"Hi"}}`, BaseLanguage: "eng", ContactIDs: ids[2:3]})
		e.drainBroadcasts(10)
		if l := e.listedBroadcast(none); l.Status != models.BroadcastCompleted || l.ContactCount != 0 || l.MsgCount != 0 {
			t.Fatalf("empty broadcast is %+v", l)
		}
	})
}

// TestBroadcastWorkersShare: workers in several goroutines, and on PostgreSQL in two stores (two processes),
// give every recipient exactly one message.
func TestBroadcastWorkersShare(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newHostEnv(t, d)
		var ids []int64
		for i := 0; i < 300; i++ {
			ids = append(ids, e.contact(fmt.Sprintf("P%d", i), fmt.Sprintf("tel:+25078820%04d", i)).ID)
		}
		group, err := e.store.CreateGroup(e.ctx, e.ws.ID, "Everyone")
		must(t, err)
		must(t, e.store.ChangeGroup(e.ctx, e.ws, group, ids, true))
		b := e.broadcast(models.BroadcastSpec{Translations: `{"eng":{"text":"Hello"}}`, BaseLanguage: "eng", GroupIDs: []int64{group.ID}})

		hosts := []*Host{e.host}
		if other := e.otherProcess(); other != e.host {
			hosts = append(hosts, other)
		}
		var wg sync.WaitGroup
		for i := 0; i < 4; i++ {
			h := hosts[i%len(hosts)]
			wg.Add(1)
			go func() {
				defer wg.Done()
				w := &Broadcasts{Host: h, BatchSize: 7}
				for {
					worked, err := w.WorkOnce(e.ctx)
					if err != nil {
						t.Error(err)
						return
					}
					if !worked {
						return
					}
				}
			}()
		}
		wg.Wait()
		if n := e.count("msgs", "broadcast_id = ?", b.ID); n != 300 {
			t.Fatalf("%d messages, want 300", n)
		}
		var dupes int64
		must(t, e.db.Raw.Raw("SELECT COUNT(*) FROM (SELECT contact_id FROM msgs WHERE broadcast_id = ? GROUP BY contact_id HAVING COUNT(*) > 1) d", b.ID).Scan(&dupes).Error)
		if dupes != 0 {
			t.Fatalf("%d contacts got the broadcast twice", dupes)
		}
		if l := e.listedBroadcast(b); l.Status != models.BroadcastCompleted {
			t.Fatalf("broadcast is %s", l.Status)
		}
	})
}
