// Package metrics is what a flowsd process tells Prometheus (prometheus/client_golang): requests by endpoint,
// method and status with their latency, throttled requests, background work's batches and their durations,
// the queues of work in the database with the age of their oldest item, and the database pool. It imports
// nothing of flowsd: the queues and the pool are given to it.
package metrics

import (
	"context"
	"database/sql"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are one process's metrics, in a registry of their own (nothing global, so tests and several
// servers in one process don't collide).
type Metrics struct {
	Registry *prometheus.Registry

	requests  *prometheus.HistogramVec
	throttled *prometheus.CounterVec
	batches   *prometheus.HistogramVec
}

// New makes the metrics, with Go's and the process's own.
func New() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "flowsd_http_request_duration_seconds", Help: "HTTP requests answered, by endpoint, method and status.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"endpoint", "method", "status"}),
		throttled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "flowsd_http_throttled_total", Help: "API requests refused with a 429 by the rate limit, by endpoint and throttle scope.",
		}, []string{"endpoint", "scope"}),
		batches: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "flowsd_worker_batch_duration_seconds", Help: "Batches of background work done (or failed), by worker.",
			Buckets: []float64{.001, .005, .01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"worker", "outcome"}),
	}
	m.Registry.MustRegister(m.requests, m.throttled, m.batches,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}

// ObserveRequest counts one answered request. endpoint must be of a bounded set (a route, not a path). The
// counting methods do nothing on nil Metrics, as a runtime built by hand in a test has.
func (m *Metrics) ObserveRequest(endpoint, method string, status int, took time.Duration) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(endpoint, method, strconv.Itoa(status)).Observe(took.Seconds())
}

// Throttled counts one request the rate limit refused.
func (m *Metrics) Throttled(endpoint, scope string) {
	if m == nil {
		return
	}
	m.throttled.WithLabelValues(endpoint, scope).Inc()
}

// ObserveBatch counts one batch a worker did: work found and done, or an error. Looks that found nothing are
// not batches.
func (m *Metrics) ObserveBatch(worker string, worked bool, took time.Duration, err error) {
	switch {
	case m == nil:
	case err != nil:
		m.batches.WithLabelValues(worker, "failed").Observe(took.Seconds())
	case worked:
		m.batches.WithLabelValues(worker, "done").Observe(took.Seconds())
	}
}

// WatchDB adds the statistics of a database pool (open, in use, idle connections, waits).
func (m *Metrics) WatchDB(db *sql.DB, name string) {
	m.Registry.MustRegister(collectors.NewDBStatsCollector(db, name))
}

// Queue is one queue of work in the database: how many items wait, and since when the oldest has (zero when
// none does).
type Queue struct {
	Name   string
	Depth  int64
	Oldest time.Time
}

// WatchQueues adds the queues read, at each scrape, by read: their depths and the age of their oldest item.
func (m *Metrics) WatchQueues(read func(ctx context.Context) ([]Queue, error), now func() time.Time) {
	m.Registry.MustRegister(&queueCollector{read: read, now: now})
}

var (
	queueDepth  = prometheus.NewDesc("flowsd_queue_depth", "Items waiting in a queue of work.", []string{"queue"}, nil)
	queueOldest = prometheus.NewDesc("flowsd_queue_oldest_seconds", "How long the oldest item of a queue has waited (0 when none waits).", []string{"queue"}, nil)
	queueErrors = prometheus.NewDesc("flowsd_queue_read_errors", "1 when the queues could not be read at this scrape.", nil, nil)
)

type queueCollector struct {
	read func(ctx context.Context) ([]Queue, error)
	now  func() time.Time
}

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- queueDepth
	ch <- queueOldest
	ch <- queueErrors
}

func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	queues, err := c.read(ctx)
	failed := 0.0
	if err != nil {
		failed = 1
	}
	ch <- prometheus.MustNewConstMetric(queueErrors, prometheus.GaugeValue, failed)
	now := c.now()
	for _, q := range queues {
		ch <- prometheus.MustNewConstMetric(queueDepth, prometheus.GaugeValue, float64(q.Depth), q.Name)
		age := 0.0
		if !q.Oldest.IsZero() {
			age = max(now.Sub(q.Oldest).Seconds(), 0)
		}
		ch <- prometheus.MustNewConstMetric(queueOldest, prometheus.GaugeValue, age, q.Name)
	}
}
