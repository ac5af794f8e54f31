package flows

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/testdb"
)

// BenchmarkResthook starts 1,000 contacts (FLOWSD_BENCH_STARTS overrides) in a flow whose call_resthook has 3
// subscribers on loopback, through the start workers, end to end (the engine's calls, the events, deliveries
// and HTTP logs written with the sessions), and in the same run has a plain Go HTTP client post the same
// payloads to the same subscribers with as many goroutines as there are start workers, and has the engine alone
// run the flow for the same contacts (one goroutine, nothing stored). It reports deliveries per second for the
// three and the ratio of flowsd's to the plain client's. Run with -benchtime=1x.
func BenchmarkResthook(b *testing.B) {
	testdb.EachB(b, func(b *testing.B, d models.Dialect) {
		n := benchStartCount()
		if n == 10_000 {
			n = 1000
		}
		workers := benchWorkers()
		for i := 0; i < b.N; i++ {
			e := newHostEnv(b, d)
			var calls atomic.Int64
			subs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				calls.Add(1)
				w.Write([]byte(`{"ok": true}`))
			}))
			defer subs.Close()
			e.importFile("webhooks.json", "https://api.example.com/", subs.URL+"/")
			e.subscribe(subs.URL, "/a", "/b", "/c")
			group := seedStartContacts(b, e, n)
			flow := e.flow(resthookFlow)

			start := e.start(flow, nil, []int64{group.ID}, "{}", true, false)
			began := time.Now()
			runStartWorkers(b, e, workers, func() bool { s := e.reload(start).Status; return s == models.StartCompleted || s == models.StartFailed })
			elapsed := time.Since(began)
			if s := e.reload(start); s.Status != models.StartCompleted {
				b.Fatalf("start is %s", s.Status)
			}
			delivered := e.count("resthook_deliveries", "status = ?", models.DeliveryDelivered)
			if delivered != int64(3*n) || calls.Load() != int64(3*n) {
				b.Fatalf("%d deliveries delivered, %d calls, want %d", delivered, calls.Load(), 3*n)
			}

			var payloads []string
			must(b, e.db.Raw.Model(&models.ResthookEvent{}).Order("id").Pluck("data", &payloads).Error)
			plain := plainDeliveries(b, subs.URL, payloads, workers)
			// the engine alone, in one goroutine, calling the same subscribers with nothing stored: what goflow's
			// call_resthook itself costs (the payload's template is parsed and evaluated for every call)
			engineOnly := engineOnlyStarts(b, e, flow)
			if calls.Load() != int64(9*n) {
				b.Fatalf("%d calls after the engine's, want %d", calls.Load(), 9*n)
			}

			b.ReportMetric(float64(3*n)/elapsed.Seconds(), "deliveries/s")
			b.ReportMetric(float64(3*n)/plain.Seconds(), "plain-client-deliveries/s")
			b.ReportMetric(float64(3*n)/engineOnly.Seconds(), "engine-only-deliveries/s")
			b.ReportMetric(elapsed.Seconds()/plain.Seconds(), "x-plain-client")
		}
	})
}

// plainDeliveries posts each payload to the three subscribers with a plain client, from workers goroutines
// (each posting one payload to the subscribers in turn, as a flow's call_resthook does): the baseline.
func plainDeliveries(b *testing.B, base string, payloads []string, workers int) time.Duration {
	client := &http.Client{Timeout: 15 * time.Second}
	next := make(chan string)
	var wg sync.WaitGroup
	began := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range next {
				for _, path := range []string{"/a", "/b", "/c"} {
					req, _ := http.NewRequest("POST", base+path, bytes.NewReader([]byte(p)))
					req.Header.Set("Content-Type", "application/json")
					resp, err := client.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}
		}()
	}
	for _, p := range payloads {
		next <- p
	}
	close(next)
	wg.Wait()
	return time.Since(began)
}
