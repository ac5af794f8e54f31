package runtime_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowsd/flowsd/netguard"
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

// TestWebhooksDeny: the deny list defaults to netguard's; a flag or the environment replaces it, flags
// winning; set empty, by either, it allows everything; what isn't an address or a network stops the start with
// the item named; a command that doesn't take the setting keeps the default.
func TestWebhooksDeny(t *testing.T) {
	t.Setenv("FLOWSD_WEBHOOKS_DENY", "") // set empty, then unset: the test's own environment doesn't count
	os.Unsetenv("FLOWSD_WEBHOOKS_DENY")
	nets := func(cfg *runtime.Config) string {
		if cfg.WebhooksDeny == nil {
			return "nothing"
		}
		var out []string
		for _, ip := range cfg.WebhooksDeny.DisallowedIPs {
			out = append(out, ip.String())
		}
		for _, n := range cfg.WebhooksDeny.DisallowedNets {
			out = append(out, n.String())
		}
		sort.Strings(out)
		return strings.Join(out, ",")
	}
	def := slices.Clone(netguard.DefaultDeny)
	sort.Strings(def)
	if got := nets(config(t)); got != strings.Join(def, ",") {
		t.Errorf("default %s, want %s", got, def)
	}
	if got := nets(config(t, "--webhooks-deny", "")); got != "nothing" {
		t.Errorf("empty flag denies %s", got)
	}
	if got := nets(config(t, "--webhooks-deny", "10.0.0.0/8, 127.0.0.2")); got != "10.0.0.0/8,127.0.0.2" {
		t.Errorf("flag denies %s", got)
	}

	t.Setenv("FLOWSD_WEBHOOKS_DENY", "192.168.0.0/16")
	if got := nets(config(t)); got != "192.168.0.0/16" {
		t.Errorf("environment denies %s", got)
	}
	if got := nets(config(t, "--webhooks-deny", "10.0.0.0/8")); got != "10.0.0.0/8" {
		t.Errorf("flag over environment denies %s", got)
	}
	t.Setenv("FLOWSD_WEBHOOKS_DENY", "")
	if got := nets(config(t)); got != "nothing" {
		t.Errorf("environment set empty denies %s", got)
	}
	os.Unsetenv("FLOWSD_WEBHOOKS_DENY")

	for _, bad := range []string{"10.0.0.0/33", "127.0.0.1,localhost", "*"} {
		fs := flag.NewFlagSet("test", flag.ContinueOnError)
		build := runtime.Flags(fs)
		if err := fs.Parse([]string{"--webhooks-deny", bad}); err != nil {
			t.Fatal(err)
		}
		_, err := build()
		if err == nil || !strings.HasPrefix(err.Error(), "invalid webhooks deny list (--webhooks-deny, FLOWSD_WEBHOOKS_DENY): couldn't parse '") {
			t.Errorf("%q: %v", bad, err)
		}
	}

	t.Setenv("FLOWSD_WEBHOOKS_DENY", "")
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	build := runtime.Flags(fs, "db")
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	cfg, err := build()
	if err != nil {
		t.Fatal(err)
	}
	if got := nets(cfg); got != strings.Join(def, ",") {
		t.Errorf("a command without the setting denies %s", got)
	}
}

// TestHTTPClient: every outgoing call goes through the one client: bounded by the webhook timeout, through the
// transport given (mocks, in tests), and refused, with a typed error and a log line, where the deny list says;
// a Config built by hand denies nothing.
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

	var hits atomic.Int32
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1); w.WriteHeader(204) }))
	defer server.Close()
	var logged bytes.Buffer
	guarded, err := runtime.New(ctx, config(t), runtime.Options{Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer guarded.Close()
	_, err = guarded.HTTP.Get(server.URL + "/?token=sekrit")
	var denied *netguard.DeniedError
	if !errors.As(err, &denied) || denied.IP.String() != "127.0.0.1" || hits.Load() != 0 {
		t.Fatalf("the default deny list let a call to loopback through: %v, %d requests", err, hits.Load())
	}
	if line := logged.String(); !strings.Contains(line, "outgoing call denied") || !strings.Contains(line, "address=127.0.0.1") ||
		!strings.Contains(line, "flowsd: address 127.0.0.1 is denied by FLOWSD_WEBHOOKS_DENY") || strings.Contains(line, "sekrit") {
		t.Errorf("logged %q", line)
	}

	for name, cfg := range map[string]*runtime.Config{"an empty list": config(t, "--webhooks-deny", ""), "a Config built by hand": {}} {
		open, err := runtime.New(ctx, cfg, runtime.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer open.Close()
		if resp, err := open.HTTP.Get(server.URL); err != nil || resp.StatusCode != 204 {
			t.Errorf("%s: %v %v", name, resp, err)
		} else {
			resp.Body.Close()
		}
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

// TestArchiveConfig: the archive job is off by default; its days and deletion are checked.
func TestArchiveConfig(t *testing.T) {
	cfg := config(t)
	if cfg.ArchiveAfter != 0 || cfg.ArchiveDelete || cfg.ArchiveDir != "archives" || cfg.ArchiveKey != "" {
		t.Errorf("archive defaults: after %d, delete %v, dir %q, key %q", cfg.ArchiveAfter, cfg.ArchiveDelete, cfg.ArchiveDir, cfg.ArchiveKey)
	}
	t.Setenv("FLOWSD_ARCHIVE_AFTER", "90")
	t.Setenv("FLOWSD_ARCHIVE_KEY", "k")
	cfg = config(t, "--archive-delete", "true", "--archive-dir", "/var/lib/flowsd/archives")
	if cfg.ArchiveAfter != 90 || !cfg.ArchiveDelete || cfg.ArchiveDir != "/var/lib/flowsd/archives" || cfg.ArchiveKey != "k" {
		t.Errorf("archive settings: %+v", cfg)
	}
	for _, args := range [][]string{{"--archive-after", "-1"}, {"--archive-after", "soon"}, {"--archive-delete", "maybe"}, {"--archive-dir", ""}} {
		fs := flag.NewFlagSet("test", flag.ContinueOnError)
		build := runtime.Flags(fs)
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		if _, err := build(); err == nil || !strings.Contains(err.Error(), "archive") {
			t.Errorf("%v: %v", args, err)
		}
	}
}

// TestTemplatesConfig: the template sync runs every 6 hours unless told otherwise; 0 turns it off and other
// values that aren't a duration of zero or more are refused.
func TestTemplatesConfig(t *testing.T) {
	if cfg := config(t); cfg.TemplatesEvery != 6*time.Hour {
		t.Errorf("templates every %v by default", cfg.TemplatesEvery)
	}
	t.Setenv("FLOWSD_TEMPLATES_EVERY", "0")
	if cfg := config(t); cfg.TemplatesEvery != 0 {
		t.Errorf("FLOWSD_TEMPLATES_EVERY=0 gives %v", cfg.TemplatesEvery)
	}
	if cfg := config(t, "--templates-every", "90m"); cfg.TemplatesEvery != 90*time.Minute {
		t.Errorf("--templates-every 90m gives %v", cfg.TemplatesEvery)
	}
	for _, v := range []string{"-1h", "often", "6"} {
		fs := flag.NewFlagSet("test", flag.ContinueOnError)
		build := runtime.Flags(fs)
		if err := fs.Parse([]string{"--templates-every", v}); err != nil {
			t.Fatal(err)
		}
		if _, err := build(); err == nil || !strings.Contains(err.Error(), "templates every") {
			t.Errorf("--templates-every %s: %v", v, err)
		}
	}
}

// TestWACDefaults: the server-wide WhatsApp Cloud settings come from the environment or flags (flags winning)
// into ChannelDefaults under the config keys the type reads; unset ones are left out.
func TestWACDefaults(t *testing.T) {
	t.Setenv("FLOWSD_WAC_ACCESS_TOKEN", "env-token")
	t.Setenv("FLOWSD_WAC_APP_SECRET", "env-secret")
	cfg := config(t, "--wac-app-secret", "flag-secret")
	want := map[string]string{"access_token": "env-token", "app_secret": "flag-secret"}
	if got := cfg.ChannelDefaults["WAC"]; len(got) != len(want) || got["access_token"] != want["access_token"] || got["app_secret"] != want["app_secret"] {
		t.Errorf("WAC defaults %v, want %v", got, want)
	}
}
