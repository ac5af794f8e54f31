package main

import (
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/flowsd/flowsd/metrics"
	"github.com/flowsd/flowsd/runtime"
)

// requestIDs a client may give in X-Request-Id and have kept (a proxy's, say); any other gets one of ours.
var requestIDs = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// requestIDPrefix is random per process and requestIDSeq counts its requests: ids unique across processes, made
// without a read of the system's random source per request.
var (
	requestIDPrefix = strings.ReplaceAll(runtime.RandomUUID(), "-", "")[:16]
	requestIDSeq    atomic.Uint64
)

func newRequestID() string {
	return requestIDPrefix + "-" + strconv.FormatUint(requestIDSeq.Add(1), 36)
}

// observe wraps the whole server: every request gets an id (answered as X-Request-Id, carried by its log
// lines), is counted in the metrics by the route that served it, method and status, and logs one line when
// answered.
func observe(rt *runtime.Runtime, next http.Handler) http.Handler {
	return observeWith(rt.Metrics, rt.Log, next)
}

// observeWith is observe with the metrics and the logger given (a benchmark compares loggers).
func observeWith(m *metrics.Metrics, log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		req := &runtime.Request{ID: r.Header.Get("X-Request-Id")}
		if !requestIDs.MatchString(req.ID) {
			req.ID = newRequestID()
		}
		w.Header().Set("X-Request-Id", req.ID)
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r.WithContext(runtime.WithRequest(r.Context(), req)))

		status := sw.status
		if status == 0 {
			status = http.StatusOK
		}
		route := req.Route
		switch {
		case route != "":
		case strings.HasPrefix(r.URL.Path, "/c/"):
			route = "/c/" // channels' webhooks
		default:
			route = "unmatched"
		}
		took := time.Since(start)
		m.ObserveRequest(route, r.Method, status, took)
		log.LogAttrs(r.Context(), slog.LevelInfo, "request", slog.String("request_id", req.ID), slog.String("method", r.Method),
			slog.String("path", r.URL.Path), slog.String("route", route), slog.Int("status", status),
			slog.Float64("ms", float64(took.Microseconds())/1000))
	})
}

// statusWriter notes the status a handler answers.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer (to flush).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
