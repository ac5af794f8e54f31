package api_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/throttle"
	"github.com/labstack/echo/v4"
)

// benchFields is how many fields the benchmarked listing holds.
const benchFields = 20

// fieldsTarget is a server to hammer with GET /api/v2/fields.json and the token to do it with.
type fieldsTarget struct {
	url, auth string
	unique    bool // add a unique parameter to every request, so that no answer comes from a cache
}

// newFieldsEnv serves a workspace with benchFields fields, throttled at a rate the benchmark won't reach.
func newFieldsEnv(b *testing.B, d models.Dialect) (*env, []byte) {
	e := newEnv(b, d, envOptions{limiter: throttle.NewMemory(nil), rates: map[throttle.Scope]throttle.Rate{"v2": {N: 1 << 30, Per: time.Hour}}})
	for i := 0; i < benchFields; i++ {
		if _, err := e.store.CreateField(context.Background(), e.ws["nyaruka"].ID, fmt.Sprintf("Field %d", i), models.FieldText); err != nil {
			b.Fatal(err)
		}
	}
	resp := e.do(request{method: "GET", path: "/api/v2/fields.json", auth: "admin"})
	if resp.status != 200 {
		b.Fatalf("fields: %d %s", resp.status, resp.body)
	}
	return e, resp.body
}

// load sends GET requests from parallel clients over keep-alive connections for d, and counts the answers.
func load(t fieldsTarget, clients int, d time.Duration) (int, error) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}}
	defer client.CloseIdleConnections()
	deadline := time.Now().Add(d)
	var seq atomic.Int64
	counts := make(chan int, clients)
	errs := make(chan error, clients)
	for i := 0; i < clients; i++ {
		go func() {
			n := 0
			for time.Now().Before(deadline) {
				url := t.url + "/api/v2/fields.json"
				if t.unique {
					url += fmt.Sprintf("?n=%d", seq.Add(1))
				}
				req, _ := http.NewRequest("GET", url, nil)
				if t.auth != "" {
					req.Header.Set("Authorization", t.auth)
				}
				resp, err := client.Do(req)
				if err != nil {
					errs <- err
					break
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					errs <- fmt.Errorf("status %d", resp.StatusCode)
					break
				}
				n++
			}
			counts <- n
		}()
	}
	total := 0
	for i := 0; i < clients; i++ {
		total += <-counts
	}
	select {
	case err := <-errs:
		return total, err
	default:
		return total, nil
	}
}

// bareServer is the baseline: an echo handler returning the same bytes, doing nothing else.
func bareServer(body []byte) *httptest.Server {
	e := echo.New()
	e.GET("/api/v2/fields.json", func(c echo.Context) error { return c.Blob(200, "application/json", body) })
	return httptest.NewServer(e)
}

// BenchmarkFields compares flowsd's authenticated, throttled GET /api/v2/fields.json with a bare echo handler
// returning the same bytes, both over loopback HTTP from 8 keep-alive clients in the same run. It measures
// throughput itself, in alternating windows (so drift in the machine's load hits both alike), and reports
// requests per second of each and flowsd's as a fraction of the bare handler's ("of-bare"): in the steady
// state, where answers come from the cache, and with every answer computed afresh ("uncached-of-bare"), as
// after every change to the workspace's configuration.
//
//	go test ./api -run x -bench Fields
func BenchmarkFields(b *testing.B) {
	const clients, window, rounds = 8, time.Second, 3
	for _, d := range []models.Dialect{models.SQLite, models.Postgres} {
		b.Run(string(d), func(b *testing.B) {
			if d == models.Postgres {
				if err := testdbPostgres(); err != nil {
					b.Skip(err)
				}
			}
			e, body := newFieldsEnv(b, d)
			bare := bareServer(body)
			defer bare.Close()
			ours := fieldsTarget{url: e.server.URL, auth: "Token " + e.tokens["admin"]}
			cold := fieldsTarget{url: e.server.URL, auth: "Token " + e.tokens["admin"], unique: true}
			base := fieldsTarget{url: bare.URL}

			// warm up, then alternate
			targets := []fieldsTarget{ours, cold, base}
			counts := make([]int, len(targets))
			for _, t := range targets {
				load(t, clients, window/4)
			}
			for r := 0; r < rounds; r++ {
				for i, t := range targets {
					n, err := load(t, clients, window)
					if err != nil {
						b.Fatal(err)
					}
					counts[i] += n
				}
			}
			secs := (rounds * window).Seconds()
			b.ReportMetric(float64(counts[0])/secs, "flowsd-req/s")
			b.ReportMetric(float64(counts[1])/secs, "uncached-req/s")
			b.ReportMetric(float64(counts[2])/secs, "bare-req/s")
			b.ReportMetric(float64(counts[0])/float64(counts[2]), "of-bare")
			b.ReportMetric(float64(counts[1])/float64(counts[2]), "uncached-of-bare")
			b.ReportMetric(float64(len(body)), "bytes/resp")
		})
	}
}
