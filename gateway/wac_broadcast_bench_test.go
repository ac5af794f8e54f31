package gateway_test

import (
	"bytes"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/flowsd/flowsd/channels/wac/graphtest"
	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/testdb"
)

// BenchmarkWACWhatsAppBroadcast sends a whatsapp_broadcasts message with reply buttons to 10,000 new contacts
// (FLOWSD_BENCH_BROADCAST) against the fake Graph server: the broadcast resolved (contacts made for its URNs),
// its messages made in batches through the one outgoing path, and sent by the WAC sender until Graph has them
// all. It reports messages per second from the broadcast's write to Graph's last request (msgs/s), the same
// payloads posted to the same fake server by a plain Go client from 8 goroutines (plain-msgs/s), and the ratio
// (x-plain, the target is 2 or less). BenchmarkWACTemplateBroadcast is issue 13's case: a template to a group.
func BenchmarkWACWhatsAppBroadcast(b *testing.B) {
	n := benchSize()
	testdb.EachB(b, func(b *testing.B, d models.Dialect) {
		for range b.N {
			b.StopTimer()
			w := newWACEnv(b, d, map[string]any{"session_window": false, "tps": 1000000}) // the throttle is not what is measured
			to := make([]string, n)
			for i := range to {
				to[i] = fmt.Sprintf("whatsapp:5511%09d", i)
			}
			s := w.sender()
			b.StartTimer()
			began := time.Now()
			w.whatsAppBroadcast(`{"text":"Olá @contact.name, tudo bem?","quick_replies":["Sim","Não"]}`, true, to...)
			made := time.Since(began)
			for w.work(s) {
			}
			elapsed := time.Since(began)
			b.StopTimer()
			sends := w.graph.Sends()
			if len(sends) != n {
				b.Fatalf("Graph got %d messages, want %d", len(sends), n)
			}

			testdb.ReportSendFloor(b, w.db.Raw, reportAgainstPlainGraph(b, w.graph, wacPhone, sends, made, elapsed))
		}
	})
}

// reportAgainstPlainGraph measures the baseline, the same payloads posted by a plain client from 8 goroutines
// to the same fake Graph server, and reports flowsd's rates (messages made by made, sent by elapsed) beside
// it: created-msgs/s, msgs/s, plain-msgs/s and x-plain (flowsd's time over the plain client's). It answers
// the plain client's phase, for testdb.ReportSendFloor.
func reportAgainstPlainGraph(b *testing.B, graph *graphtest.Server, phone string, sends []string, made, elapsed time.Duration) testdb.Phase {
	n := len(sends)
	url := graph.URL + "/" + graphtest.Version + "/" + phone + "/messages"
	plain := testdb.Measure(func() {
		postAll(b, 8, n, func(i int) *http.Request {
			req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader([]byte(sends[i])))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+wacToken)
			return req
		})
	})
	b.ReportMetric(float64(n)/made.Seconds(), "created-msgs/s")
	b.ReportMetric(float64(n)/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(float64(n)/plain.Took.Seconds(), "plain-msgs/s")
	b.ReportMetric(elapsed.Seconds()/plain.Took.Seconds(), "x-plain")
	return plain
}
