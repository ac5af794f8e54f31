// Package runtime holds flowsd's configuration and its infrastructure: the logger, the clock and UUID
// generator, the outgoing HTTP client, the rate limit store, and the group that runs background work with its
// wake-up signals. It knows nothing of the domain: the store, the engine host and the workers are built on it
// and wired together in cmd/flowsd.
package runtime

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/flowsd/flowsd/metrics"
	"github.com/flowsd/flowsd/netguard"
	"github.com/flowsd/flowsd/throttle"
	"github.com/flowsd/flowsd/work"
	"github.com/google/uuid"
	"github.com/nyaruka/gocommon/httpx"
)

// Clock gives the current time. Tests pass a deterministic one.
type Clock func() time.Time

// UUIDGen makes a new UUID string. Tests pass a deterministic one.
type UUIDGen func() string

// RealClock is the wall clock, in UTC at the microsecond precision both databases store.
func RealClock() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// RandomUUID makes a random (version 4) UUID.
func RandomUUID() string { return uuid.NewString() }

// Runtime is the infrastructure everything is built on, passed explicitly: nothing is global.
type Runtime struct {
	Config   *Config
	Log      *slog.Logger
	Now      Clock
	NewUUID  UUIDGen
	Throttle throttle.Limiter

	// HTTP makes every outgoing call: flows' webhooks and resthooks, channels' sends. Built once, so that the
	// timeout and the deny list (Config.WebhooksDeny, checked as each connection is dialed) apply to every caller.
	HTTP *http.Client

	// Metrics are what this process tells Prometheus (package metrics), served at /metrics.
	Metrics *metrics.Metrics

	// Work runs this process's background work; Signals wake its workers (see package work).
	Work    *work.Group
	Signals *work.Signals

	closers []func() error
}

// Options replace parts of the runtime, for tests.
type Options struct {
	Clock   Clock
	UUIDs   UUIDGen
	Logger  *slog.Logger
	Limiter throttle.Limiter
	// Transport carries outgoing HTTP calls in place of the guarded transport (httpx.WithMocks, say): the deny
	// list is checked as connections are dialed, so it doesn't apply to a transport that dials none.
	Transport http.RoundTripper
}

// New builds the runtime cfg describes, connecting to Redis when cfg names it.
func New(ctx context.Context, cfg *Config, opts Options) (*Runtime, error) {
	rt := &Runtime{Config: cfg, Log: opts.Logger, Now: opts.Clock, NewUUID: opts.UUIDs, Signals: work.NewSignals(), Metrics: metrics.New()}
	if rt.Log == nil {
		rt.Log = NewLogger(os.Stderr, cfg.LogFormat, cfg.LogLevel)
	}
	if rt.Now == nil {
		rt.Now = RealClock
	}
	if rt.NewUUID == nil {
		rt.NewUUID = RandomUUID
	}
	rt.Work = work.NewGroup(rt.Log)
	rt.HTTP = newHTTPClient(cfg.WebhookTimeout, opts.Transport, cfg.WebhooksDeny, rt.Log, cfg.SendWorkers*cfg.SendConcurrency)

	switch {
	case opts.Limiter != nil:
		rt.Throttle = opts.Limiter
	case cfg.RedisURL != "":
		r, err := throttle.NewRedis(ctx, cfg.RedisURL, cfg.RedisPrefix)
		if err != nil {
			return nil, err
		}
		rt.OnClose(r.Close)
		rt.Throttle = r
	default:
		rt.Throttle = throttle.NewMemory(nil)
	}
	return rt, nil
}

// NewLogger is slog writing to w as format says: "json", one object a line, else slog's key=value text.
func NewLogger(w io.Writer, format string, level slog.Level) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// newHTTPClient is the client of every outgoing call: bounded in time (the default client waits for ever),
// refusing to connect where deny says (no proxy from the environment, which would carry calls past the check),
// and logging what it refused. It keeps as many idle connections to one host as calls to it may be under way
// at once (sends: workers × concurrency): net/http's default of 2 would close and dial again all the others,
// which made a third of a sender's work on a busy channel.
func newHTTPClient(timeout time.Duration, transport http.RoundTripper, deny *httpx.AccessConfig, log *slog.Logger, concurrent int) *http.Client {
	if timeout <= 0 {
		timeout = 15 * time.Second
	}
	if transport == nil {
		t := netguard.Transport(deny)
		t.MaxIdleConnsPerHost = max(concurrent, 64)
		t.MaxIdleConns = max(t.MaxIdleConns, 4*t.MaxIdleConnsPerHost)
		transport = t
	}
	return &http.Client{Timeout: timeout, Transport: logDenials{inner: transport, log: log}}
}

// logDenials logs each call the deny list refused: the engine's webhook service keeps only that the call
// couldn't connect (connection_error), so the log is where the reason is told.
type logDenials struct {
	inner http.RoundTripper
	log   *slog.Logger
}

func (t logDenials) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.inner.RoundTrip(req)
	var denied *netguard.DeniedError
	if errors.As(err, &denied) {
		// the host only: a URL may carry a channel's secrets
		t.log.Warn("outgoing call denied", "host", req.URL.Host, "address", denied.IP.String(), "error", denied.Error())
	}
	return resp, err
}

// OnClose has fn called when the runtime closes, after background work has stopped; the last added is called
// first.
func (rt *Runtime) OnClose(fn func() error) { rt.closers = append(rt.closers, fn) }

// Close stops background work, waits for it, and releases what was registered with OnClose.
func (rt *Runtime) Close() error {
	rt.Work.Stop()
	var first error
	for i := len(rt.closers) - 1; i >= 0; i-- {
		if err := rt.closers[i](); err != nil && first == nil {
			first = err
		}
	}
	rt.closers = nil
	return first
}
