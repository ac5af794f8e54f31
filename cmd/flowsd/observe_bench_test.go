package main

import (
	"context"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/runtime"
	"github.com/flowsd/flowsd/throttle"
)

// BenchmarkMetricsOverhead measures what observing every request costs (observe.go): GET /api/v2/fields.json,
// as BenchmarkFields sends it, on one app over SQLite from 8 keep-alive clients, in alternating windows of the
// same run, through the same routes three ways: unobserved (plain-req/s); with the request id and the metrics'
// histogram, logging at warn as --log-level warn does ("overhead-%", the figure: target under 5); and
// with each request's log line too, written as JSON to nowhere ("overhead-logged-%").
//
//	go test ./cmd/flowsd -run x -bench MetricsOverhead
func BenchmarkMetricsOverhead(b *testing.B) {
	const clients, window, rounds = 8, 500 * time.Millisecond, 12
	cfg, err := runtime.Flags(flag.NewFlagSet("bench", flag.ContinueOnError))()
	if err != nil {
		b.Fatal(err)
	}
	for scope := range cfg.Rates {
		cfg.Rates[scope], _ = throttle.ParseRate("100000000/second") // throttled, never refused
	}
	cfg.DB = "sqlite:" + filepath.Join(b.TempDir(), "bench.db")
	cfg.StartWorkers, cfg.SendWorkers, cfg.BroadcastWorkers, cfg.CampaignWorkers, cfg.ResthookWorkers = 0, 0, 0, 0, 0
	ctx := context.Background()
	a, err := open(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer a.close()
	a.rt.Log = runtime.NewLogger(io.Discard, "json", slog.LevelInfo)
	ws, _, token, err := a.store.CreateWorkspace(ctx, models.WorkspaceSpec{Name: "Bench", Languages: []string{"eng"}}, "bench@flowsd.local")
	if err != nil {
		b.Fatal(err)
	}
	for _, name := range []string{"Age", "Birth Date", "District", "Nickname"} {
		if _, err := a.store.CreateField(ctx, ws.ID, name, models.FieldText); err != nil {
			b.Fatal(err)
		}
	}
	observed := httptest.NewServer(observeWith(a.rt.Metrics, runtime.NewLogger(io.Discard, "json", slog.LevelWarn), a.routes()))
	defer observed.Close()
	logged := httptest.NewServer(a.handler())
	defer logged.Close()
	plain := httptest.NewServer(a.routes())
	defer plain.Close()

	load := func(url string, d time.Duration) int {
		var wg sync.WaitGroup
		var mu sync.Mutex
		total := 0
		end := time.Now().Add(d)
		for i := 0; i < clients; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				n := 0
				for time.Now().Before(end) {
					req, _ := http.NewRequest("GET", url+"/api/v2/fields.json", nil)
					req.Header.Set("Authorization", "Token "+token)
					resp, err := http.DefaultClient.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						b.Errorf("status %d", resp.StatusCode)
						return
					}
					n++
				}
				mu.Lock()
				total += n
				mu.Unlock()
			}()
		}
		wg.Wait()
		return total
	}
	http.DefaultTransport.(*http.Transport).MaxIdleConnsPerHost = clients
	servers := []string{plain.URL, observed.URL, logged.URL}
	counts := make([]int, len(servers))
	for _, url := range servers {
		load(url, window/4)
	}
	for r := 0; r < rounds; r++ {
		for k := range servers {
			i := (r + k) % len(servers) // each round starts with the next, so no side always follows the same one
			counts[i] += load(servers[i], window)
		}
	}
	secs := (rounds * window).Seconds()
	b.ReportMetric(float64(counts[0])/secs, "plain-req/s")
	b.ReportMetric(float64(counts[1])/secs, "observed-req/s")
	b.ReportMetric(float64(counts[2])/secs, "logged-req/s")
	b.ReportMetric(100*(1-float64(counts[1])/float64(counts[0])), "overhead-%")
	b.ReportMetric(100*(1-float64(counts[2])/float64(counts[0])), "overhead-logged-%")
}
