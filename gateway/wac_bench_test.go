package gateway_test

import (
	"fmt"
	"io"
	"net/http"
	url2 "net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowsd/flowsd/channels/wac/graphtest"
	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/testdb"
)

// BenchmarkWACWebhooks posts 1,000 signed WhatsApp Cloud webhooks (FLOWSD_BENCH_WEBHOOKS), each a text from a
// new contact, to /c/wac/receive over loopback from 8 clients at once (FLOWSD_BENCH_CLIENTS), as Meta delivers
// them: each is checked, routed by phone_number_id, stored, and starts the catch-all flow, whose reply is
// stored queued. It reports webhooks answered per second from the first post to the last answer, with every
// message stored (webhooks/s), and each request's time (p50-ms, p99-ms), on SQLite and PostgreSQL. The baseline is
// the same messages posted as forms to an EX channel's receive URL on a fresh database (ex-webhooks/s; x-ex is
// WAC's time over EX's): what is WhatsApp's own (signature, JSON, routing) against what every channel does.
func BenchmarkWACWebhooks(b *testing.B) {
	n := 1000
	if v, err := strconv.Atoi(os.Getenv("FLOWSD_BENCH_WEBHOOKS")); err == nil && v > 0 {
		n = v
	}
	clients := 8
	if v, err := strconv.Atoi(os.Getenv("FLOWSD_BENCH_CLIENTS")); err == nil && v > 0 {
		clients = v
	}
	testdb.EachB(b, func(b *testing.B, d models.Dialect) {
		for range b.N {
			b.StopTimer()
			w := newWACEnv(b, d, nil)
			bodies := make([][]byte, n)
			sigs := make([]string, n)
			now := fmt.Sprint(time.Now().Unix())
			for i := range bodies {
				from := fmt.Sprint(250700000000 + i)
				bodies[i] = graphtest.Webhook(wacPhone, []any{graphtest.Contact(from, "Contact "+from)},
					[]any{graphtest.Text(from, fmt.Sprintf("wamid.bench%06d", i), now, "hello")}, nil)
				sigs[i] = graphtest.Sign(bodies[i], wacSecret)
			}
			url := w.server.URL + "/c/wac/receive"
			b.StartTimer()
			elapsed, times := postAll(b, clients, n, func(i int) *http.Request {
				req, _ := graphtest.WebhookRequest(url, bodies[i], sigs[i])
				return req
			})
			b.StopTimer()
			if stored := w.count("msgs", "channel_id = ? AND direction = ?", w.wac.ID, models.MsgIn); stored != int64(n) {
				b.Fatalf("%d incoming messages stored, want %d", stored, n)
			}

			// the baseline: the same messages through an EX channel's receive URL on a fresh database
			ex := newWACEnv(b, d, nil)
			exURL := ex.server.URL + path(ex.ch, "receive")
			exElapsed, _ := postAll(b, clients, n, func(i int) *http.Request {
				req, _ := http.NewRequest(http.MethodPost, exURL, strings.NewReader(url2.Values{"from": {fmt.Sprintf("+%d", 250700000000+i)}, "text": {"hello"}}.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				return req
			})
			if stored := ex.count("msgs", "channel_id = ? AND direction = ?", ex.ch.ID, models.MsgIn); stored != int64(n) {
				b.Fatalf("%d EX messages stored, want %d", stored, n)
			}
			b.ReportMetric(float64(n)/exElapsed.Seconds(), "ex-webhooks/s")
			b.ReportMetric(elapsed.Seconds()/exElapsed.Seconds(), "x-ex")
			b.ReportMetric(float64(n)/elapsed.Seconds(), "webhooks/s")
			b.ReportMetric(float64(times[n/2])/float64(time.Millisecond), "p50-ms")
			b.ReportMetric(float64(times[n*99/100])/float64(time.Millisecond), "p99-ms")
		}
	})
}

// postAll makes n requests from clients goroutines at once: how long they took together, and each one's time,
// sorted.
func postAll(b *testing.B, clients, n int, request func(i int) *http.Request) (time.Duration, []time.Duration) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	times := make([]time.Duration, n)
	next := make(chan int, n)
	for i := range n {
		next <- i
	}
	close(next)
	var wg sync.WaitGroup
	var failed sync.Once
	started := time.Now()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				t0 := time.Now()
				resp, err := client.Do(request(i))
				if err != nil || resp.StatusCode != http.StatusOK {
					failed.Do(func() { b.Errorf("request %d: %v %v", i, err, resp) })
				}
				if resp != nil {
					// read to the end, so that the connection is kept for the next request (as flowsd's senders do)
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				times[i] = time.Since(t0)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(started)
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	return elapsed, times
}
