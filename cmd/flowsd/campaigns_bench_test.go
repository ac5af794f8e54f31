package main_test

import (
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/testdb"
)

// BenchmarkCampaignFires lets 10,000 message fires of a campaign event (FLOWSD_BENCH_FIRES) fall due at once on
// PostgreSQL under a flowsd serve process with its defaults, and times them from when they are due until an EX
// channel's local sink has every message: the campaign workers claiming and firing them (each contact's
// translation, routed, queued), then the senders. It reports fires per second. Run with -benchtime=1x.
func BenchmarkCampaignFires(b *testing.B) {
	testdb.RequirePostgres(b)
	n := 10000
	if v, err := strconv.Atoi(os.Getenv("FLOWSD_BENCH_FIRES")); err == nil && v > 0 {
		n = v
	}
	db := testdb.New(b, models.Postgres, nil, nil)
	ws, _ := testdb.Workspace(b, db.Store, testdb.Nyaruka)
	sink := newBenchSink(b)
	group := seedBenchContacts(b, db, ws, n)
	config := fmt.Sprintf(`{"send_url": %q, "tps": 1000000}`, sink.srv.URL+"/send")
	if _, errOut, code := flowsd(b, nil, "channel", "create", "--workspace", ws.UUID, "--type", "EX", "--name", "Sink",
		"--address", "+250788000001", "--country", "RW", "--config", config, "--db", db.URL); code != 0 {
		b.Fatalf("channel create: %s", errOut)
	}
	if _, errOut, code := flowsd(b, nil, append([]string{"import", "--workspace", ws.UUID, "--db", db.URL}, exportPaths("campaign.json")...)...); code != 0 {
		b.Fatalf("import: %s", errOut)
	}
	var eventID int64
	must(b, db.Raw.Raw("SELECT id FROM campaign_events WHERE event_type = ?", models.EventMessage).Scan(&eventID).Error)

	srv := startServer(b, []string{"FLOWSD_DB=" + db.URL, "FLOWSD_WEBHOOKS_DENY=", "FLOWSD_WORKER_POLL=50ms"})
	defer srv.stop(b)

	sink.expect(int64(n))
	b.ResetTimer()
	began := time.Now()
	must(b, db.Raw.Exec(`INSERT INTO campaign_fires (workspace_id, event_id, contact_id, fire_on)
		SELECT ?, ?, contact_id, ? FROM contact_group_members WHERE group_id = ?`, ws.ID, eventID, began.UTC(), group.ID).Error)
	fired := make(chan time.Duration, 1)
	go func() {
		for {
			var left int64
			db.Raw.Raw("SELECT COUNT(*) FROM campaign_fires").Scan(&left)
			if left == 0 {
				fired <- time.Since(began)
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	sink.wait(b, 10*time.Minute)
	took := time.Since(began)
	b.StopTimer()
	b.ReportMetric((<-fired).Seconds(), "fired-s")
	b.ReportMetric(float64(n)/took.Seconds(), "fires/s")
}
