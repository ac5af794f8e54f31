package runtime_test

import (
	"context"
	"flag"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/flowsd/flowsd/runtime"
	"github.com/flowsd/flowsd/throttle"
	"github.com/nyaruka/gocommon/httpx"
)

func config(t *testing.T, args ...string) *runtime.Config {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	build := runtime.Flags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	cfg, err := build()
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestConfig: flags override the defaults; rates are kept per throttle scope, workspace overrides first.
func TestConfig(t *testing.T) {
	cfg := config(t, "--rates", "v2.contacts=10/minute", "--webhook-timeout", "3s")
	if cfg.WebhookTimeout != 3*time.Second {
		t.Errorf("webhook timeout %s", cfg.WebhookTimeout)
	}
	if r := cfg.RateFor(throttle.ScopeContacts, nil); r != (throttle.Rate{N: 10, Per: time.Minute}) {
		t.Errorf("contacts rate %v", r)
	}
	if r := cfg.RateFor(throttle.ScopeRuns, map[string]string{"v2.runs": "5/second"}); r != (throttle.Rate{N: 5, Per: time.Second}) {
		t.Errorf("a workspace's own rate %v", r)
	}
	if r := cfg.RateFor("v2.unknown", nil); r != throttle.DefaultRates[throttle.ScopeV2] {
		t.Errorf("an unknown scope's rate %v", r)
	}
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	build := runtime.Flags(fs)
	if err := fs.Parse([]string{"--start-batch", "0"}); err != nil {
		t.Fatal(err)
	}
	if _, err := build(); err == nil {
		t.Error("a start batch of 0 was accepted")
	}
}

// TestHTTPClient: every outgoing call goes through the one client, built with httpx: bounded by the webhook
// timeout, through the transport given (mocks, in tests) and refused by access control where it is set.
func TestHTTPClient(t *testing.T) {
	ctx := context.Background()
	mocks := httpx.WithMocks(nil, map[string][]*httpx.MockResponse{
		"https://hooks.example.com/x": {httpx.NewMockResponse(201, nil, []byte("ok"))},
	})
	rt, err := runtime.New(ctx, config(t, "--webhook-timeout", "2s"), runtime.Options{Transport: mocks})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	if rt.HTTP.Timeout != 2*time.Second {
		t.Errorf("timeout %s", rt.HTTP.Timeout)
	}
	resp, err := rt.HTTP.Get("https://hooks.example.com/x")
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("mocked call: %v %v", resp, err)
	}
	resp.Body.Close()

	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) }))
	defer server.Close()
	_, loopback, _ := net.ParseCIDR("127.0.0.0/8")
	guarded, err := runtime.New(ctx, config(t), runtime.Options{Access: httpx.NewAccessConfig(time.Second, nil, []*net.IPNet{loopback})})
	if err != nil {
		t.Fatal(err)
	}
	defer guarded.Close()
	if _, err := guarded.HTTP.Get(server.URL); err == nil {
		t.Error("access control let a call to loopback through")
	}
	open, err := runtime.New(ctx, config(t), runtime.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer open.Close()
	if resp, err := open.HTTP.Get(server.URL); err != nil || resp.StatusCode != 204 {
		t.Errorf("no access control: %v %v", resp, err)
	}
}

// TestCloseStopsWork: closing the runtime stops its background work and waits for it, then releases what was
// registered, last first.
func TestCloseStopsWork(t *testing.T) {
	rt, err := runtime.New(context.Background(), config(t), runtime.Options{})
	if err != nil {
		t.Fatal(err)
	}
	stopped := make(chan struct{})
	rt.Work.Go("waits", func(ctx context.Context) error { <-ctx.Done(); close(stopped); return nil })
	var order []string
	rt.OnClose(func() error { order = append(order, "first"); return nil })
	rt.OnClose(func() error {
		select {
		case <-stopped:
		default:
			t.Error("released before the work stopped")
		}
		order = append(order, "second")
		return nil
	})
	if err := rt.Close(); err != nil {
		t.Fatal(err)
	}
	if len(order) != 2 || order[0] != "second" {
		t.Errorf("released in order %v", order)
	}
}
