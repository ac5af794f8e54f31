package flows

import (
	"testing"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/testdb"
)

// BenchmarkBroadcastMessages makes the messages of a broadcast to 10,000 contacts (FLOWSD_BENCH_STARTS) with
// the broadcast workers: resolving, each contact's translation and expressions, routing, writing them queued.
func BenchmarkBroadcastMessages(b *testing.B) {
	testdb.EachB(b, func(b *testing.B, d models.Dialect) {
		n := benchStartCount()
		for i := 0; i < b.N; i++ {
			e := newHostEnv(b, d)
			_, err := e.store.CreateChannel(e.ctx, e.ws.ID, models.ChannelSpec{Type: "EX", Name: "Gateway", Address: "+250788000001",
				Country: "RW", Schemes: []string{"tel"}, Config: `{}`})
			must(b, err)
			group := seedStartContacts(b, e, n)
			bc := e.broadcast(models.BroadcastSpec{Translations: `{"eng":{"text":"Hello @contact.first_name"}}`, BaseLanguage: "eng", GroupIDs: []int64{group.ID}})
			began := time.Now()
			e.drainBroadcasts(100)
			elapsed := time.Since(began)
			if made := e.count("msgs", "broadcast_id = ? AND status = ?", bc.ID, models.MsgQueued); made != int64(n) {
				b.Fatalf("%d queued messages, want %d", made, n)
			}
			b.ReportMetric(float64(n)/elapsed.Seconds(), "msgs/s")
		}
	})
}
