package flows

import (
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/testdb"
)

// benchCampaignCount is how many contacts BenchmarkCampaignSchedule's group has (FLOWSD_BENCH_CAMPAIGN overrides).
func benchCampaignCount() int {
	if n, err := strconv.Atoi(os.Getenv("FLOWSD_BENCH_CAMPAIGN")); err == nil && n > 0 {
		return n
	}
	return 100_000
}

// BenchmarkCampaignSchedule puts a campaign's events (a flow one day after a date field at 09:00, a message a
// week after it) on a group of 100,000 contacts with values on PostgreSQL and times working out every fire
// (RefreshCampaignFires, as a campaign change or import does: read the members and values, compute each time in
// the workspace's zone, write the rows), against one INSERT … SELECT writing as many rows in the same run. It
// reports both times and their ratio. Run with -benchtime=1x.
func BenchmarkCampaignSchedule(b *testing.B) {
	testdb.RequirePostgres(b)
	n := benchCampaignCount()
	for i := 0; i < b.N; i++ {
		e := newHostEnv(b, models.Postgres)
		e.importFile("campaign.json")
		group := seedStartContacts(b, e, n)
		var field models.Field
		must(b, e.db.Raw.Where("workspace_id = ? AND key = ?", e.ws.ID, "registered_on").Take(&field).Error)
		reg := e.store.Now().Add(48 * time.Hour)
		must(b, e.db.Raw.Exec(`INSERT INTO contact_field_values (contact_id, field_id, text_value, text_lower, datetime_value)
			SELECT contact_id, ?, ?, ?, ?::timestamptz + (contact_id % 1440) * interval '1 minute' FROM contact_group_members WHERE group_id = ?`,
			field.ID, reg.Format(time.RFC3339), reg.Format(time.RFC3339), reg, group.ID).Error)
		var campaign models.Campaign
		must(b, e.db.Raw.Where("workspace_id = ?", e.ws.ID).Take(&campaign).Error)
		must(b, e.db.Raw.Model(&models.Campaign{}).Where("id = ?", campaign.ID).Update("group_id", group.ID).Error)

		began := time.Now()
		must(b, e.store.Write(e.ctx, func(tx *models.Tx) error { return tx.RefreshCampaignFires(e.ws.ID, campaign.ID, e.store.Now()) }))
		scheduled := time.Since(began)
		if got := e.count("campaign_fires", "workspace_id = ?", e.ws.ID); got != int64(2*n) {
			b.Fatalf("%d fires, want %d", got, 2*n)
		}

		// the baseline: as many rows, in one statement that computes nothing but an interval
		must(b, e.db.Raw.Exec("DELETE FROM campaign_fires").Error)
		var eventIDs []int64
		must(b, e.db.Raw.Model(&models.CampaignEvent{}).Where("campaign_id = ?", campaign.ID).Order("id").Pluck("id", &eventIDs).Error)
		began = time.Now()
		must(b, e.db.Raw.Exec(`INSERT INTO campaign_fires (workspace_id, event_id, contact_id, fire_on)
			SELECT ?, ev.id, v.contact_id, v.datetime_value + interval '1 day'
			FROM contact_group_members m JOIN contact_field_values v ON v.contact_id = m.contact_id AND v.field_id = ?
			CROSS JOIN (SELECT id FROM campaign_events WHERE id IN ?) ev WHERE m.group_id = ?`, e.ws.ID, field.ID, eventIDs, group.ID).Error)
		baseline := time.Since(began)
		if got := e.count("campaign_fires", "workspace_id = ?", e.ws.ID); got != int64(2*n) {
			b.Fatalf("the baseline wrote %d fires, want %d", got, 2*n)
		}
		b.ReportMetric(scheduled.Seconds(), "schedule-s")
		b.ReportMetric(baseline.Seconds(), "insert-select-s")
		b.ReportMetric(scheduled.Seconds()/baseline.Seconds(), "x-insert-select")
	}
}

// BenchmarkCampaignFireMessages has one campaign worker fire 10,000 due message fires (FLOWSD_BENCH_STARTS)
// of one event: claiming, locking, each contact's translation and expressions, routing, writing the messages
// queued and deleting the fires, on SQLite and PostgreSQL. It locates the cost BenchmarkCampaignFires measures.
func BenchmarkCampaignFireMessages(b *testing.B) {
	testdb.EachB(b, func(b *testing.B, d models.Dialect) {
		n := benchStartCount()
		for i := 0; i < b.N; i++ {
			e := newHostEnv(b, d)
			e.importFile("campaign.json")
			group := seedStartContacts(b, e, n)
			var eventID int64
			must(b, e.db.Raw.Model(&models.CampaignEvent{}).Where("event_type = ?", models.EventMessage).Pluck("id", &eventID).Error)
			must(b, e.db.Raw.Exec(`INSERT INTO campaign_fires (workspace_id, event_id, contact_id, fire_on)
				SELECT ?, ?, contact_id, ? FROM contact_group_members WHERE group_id = ?`, e.ws.ID, eventID, e.store.Now(), group.ID).Error)
			e.clock.Set(e.store.Now().Add(time.Minute))
			w := &CampaignFires{Host: e.host}
			began := time.Now()
			for {
				worked, err := w.WorkOnce(e.ctx)
				must(b, err)
				if !worked {
					break
				}
			}
			elapsed := time.Since(began)
			if got := e.count("msgs", "direction = ?", models.MsgOut); got != int64(n) {
				b.Fatalf("%d messages, want %d", got, n)
			}
			b.ReportMetric(float64(n)/elapsed.Seconds(), "fires/s")
		}
	})
}
