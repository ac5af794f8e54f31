// Package runtime holds flowsd's configuration and the bundle of dependencies (database, throttle, logger,
// clock) that is passed explicitly to everything that needs them.
package runtime

import (
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/flowsd/flowsd/netguard"
	"github.com/flowsd/flowsd/throttle"
	"github.com/nyaruka/gocommon/httpx"
)

// Config is every setting, from flags and FLOWSD_* environment variables (flags win).
type Config struct {
	Addr        string
	DB          string
	RedisURL    string
	RedisPrefix string
	Rates       map[throttle.Scope]throttle.Rate
	LogLevel    slog.Level
	LogFormat   string // "text" (slog's key=value lines) or "json"
	// MetricsAddr is where /metrics is served: "" on Addr beside the API, HOST:PORT on a listener of its own,
	// "off" nowhere.
	MetricsAddr     string
	ShutdownTimeout time.Duration
	MaxBodyBytes    int64

	StartWorkers   int           // goroutines working flow starts in this process (0: none)
	StartBatch     int           // contacts started per transaction
	WorkerPoll     time.Duration // how often workers look for work nobody woke them for
	WebhookTimeout time.Duration // bound on each webhook or resthook call a flow makes
	// WebhooksDeny is where no outgoing call (webhooks, resthooks, channel sends) may connect: checked on the
	// address dialed (package netguard). Nil allows everything, as a Config built in a test does; Flags gives
	// netguard.DefaultDeny unless told otherwise.
	WebhooksDeny *httpx.AccessConfig

	SendWorkers      int           // goroutines sending messages through channels in this process (0: none)
	SendConcurrency  int           // sends a sender makes at once
	SendRetry        time.Duration // wait before retrying an errored send (doubling for the second retry)
	BroadcastWorkers int           // goroutines expanding and sending broadcasts in this process (0: none)
	MediaDir         string        // where media.json keeps uploaded files

	CampaignWorkers  int           // goroutines working due campaign fires in this process (0: none)
	ResthookWorkers  int           // goroutines retrying failed resthook deliveries in this process (0: none)
	ResthookAttempts int           // most attempts of one delivery, the flow's own included (0: only the horizon limits)
	ResthookHorizon  time.Duration // no retry later than this after the flow's call

	ArchiveDir    string // where archive files are kept
	ArchiveAfter  int    // days after which the daily job archives a day's messages and runs (0: no job)
	ArchiveDelete bool   // the daily job deletes what it archived
	ArchiveKey    string // signs archives' download URLs; "" uses a key kept in the database

	TemplatesEvery time.Duration // how often every WhatsApp channel's templates and WhatsApp Flows are synced (0: never)
	// ChannelDefaults are server-wide values of channel types' settings, by type code then config key (WAC's
	// access_token, app_secret, verify_token): a channel whose config has none of its own uses them.
	ChannelDefaults map[string]map[string]string
}

// setting is one configuration value: its flag, its environment variable(s) and its help.
type setting struct {
	flag, env, alt, def, help string
}

// secretSettings are the settings whose environment value is never shown as the flag's default in --help.
var secretSettings = []string{"wac-access-token", "wac-app-secret", "wac-verify-token"}

// emptyIsValue are the settings whose environment variable set empty is the value "", not unset: an empty deny
// list allows everything, which must be asked for.
var emptyIsValue = []string{"webhooks-deny"}

var settings = []setting{
	{"addr", "FLOWSD_ADDR", "", "127.0.0.1:8000", "HOST:PORT to listen on"},
	{"db", "FLOWSD_DB", "DATABASE_URL", "sqlite:flowsd.db", "database URL: postgres://… or sqlite:PATH"},
	{"redis", "FLOWSD_REDIS_URL", "", "", "Redis URL (redis://host:6379/0) to share rate limits between processes; empty keeps them in process"},
	{"redis-prefix", "FLOWSD_REDIS_PREFIX", "", "flowsd:", "prefix of the rate limit keys in Redis: give deployments sharing a Redis server different ones"},
	{"rates", "FLOWSD_RATES", "", "", "request rates per throttle scope, e.g. v2=2500/hour,v2.contacts=2500/hour (units second, minute, hour, day); unset scopes keep " + throttle.FormatRates(throttle.DefaultRates)},
	{"log-level", "FLOWSD_LOG_LEVEL", "", "info", "log level: debug, info, warn, error"},
	{"log-format", "FLOWSD_LOG_FORMAT", "", "text", "log format: text (key=value lines) or json (one object a line); every request's lines carry its request_id, also answered as X-Request-Id"},
	{"metrics-addr", "FLOWSD_METRICS_ADDR", "", "", "where GET /metrics (Prometheus, no auth) is served: empty on --addr beside the API, HOST:PORT on a listener of its own, off for nowhere"},
	{"shutdown-timeout", "FLOWSD_SHUTDOWN_TIMEOUT", "", "30s", "how long in-flight requests may take to finish on SIGTERM/SIGINT"},
	{"max-body", "FLOWSD_MAX_BODY", "", "1048576", "largest request body accepted, in bytes"},
	{"start-workers", "FLOWSD_START_WORKERS", "", "4", "goroutines starting contacts in flows in this process; 0 leaves flow starts to other processes"},
	{"start-batch", "FLOWSD_START_BATCH", "", "25", "contacts a start worker starts per transaction"},
	{"worker-poll", "FLOWSD_WORKER_POLL", "", "1s", "how often workers look in the database for work nobody signalled (flow starts, wait timeouts and expiries, smart groups)"},
	{"webhook-timeout", "FLOWSD_WEBHOOK_TIMEOUT", "", "15s", "how long a flow's webhook or resthook call, or a channel's send, may take"},
	{"webhooks-deny", "FLOWSD_WEBHOOKS_DENY", "", strings.Join(netguard.DefaultDeny, ","), "comma-separated IPs and CIDR networks no outgoing call (webhooks, resthooks, channel sends) may connect to, checked after DNS and on every redirect; empty allows everything, loopback included"},
	{"send-workers", "FLOWSD_SEND_WORKERS", "", "2", "goroutines sending messages through channels in this process; 0 leaves sending to other processes"},
	{"send-concurrency", "FLOWSD_SEND_CONCURRENCY", "", "64", "sends each send worker makes at once"},
	{"send-retry", "FLOWSD_SEND_RETRY", "", "5m", "how long an errored send waits before it is tried again (twice as long the second time; the third error fails it)"},
	{"broadcast-workers", "FLOWSD_BROADCAST_WORKERS", "", "2", "goroutines expanding broadcasts into messages in this process; 0 leaves them to other processes"},
	{"media-dir", "FLOWSD_MEDIA_DIR", "", "media", "directory media.json keeps uploaded files in"},
	{"campaign-workers", "FLOWSD_CAMPAIGN_WORKERS", "", "2", "goroutines sending campaign events' messages and starting their flows as they fall due, in this process; 0 leaves them to other processes"},
	{"resthook-workers", "FLOWSD_RESTHOOK_WORKERS", "", "1", "goroutines retrying failed resthook deliveries in this process; 0 leaves the retries to other processes"},
	{"resthook-attempts", "FLOWSD_RESTHOOK_ATTEMPTS", "", "0", "most attempts of one resthook delivery, the flow's own call included; 0 leaves only the horizon as a limit"},
	{"resthook-horizon", "FLOWSD_RESTHOOK_HORIZON", "", "24h", "how long after a flow's call to a resthook subscriber a failed delivery is still retried (from 5s, doubling, at most an hour apart)"},
	{"archive-dir", "FLOWSD_ARCHIVE_DIR", "", "archives", "directory archives of old messages and runs are kept in (served by archives.json's download_url)"},
	{"archive-after", "FLOWSD_ARCHIVE_AFTER", "", "0", "days after which a day's messages and runs are archived by a daily job (one process at a time); 0 runs no job"},
	{"archive-delete", "FLOWSD_ARCHIVE_DELETE", "", "false", "the daily archive job deletes the messages and runs it archived from the database"},
	{"archive-key", "FLOWSD_ARCHIVE_KEY", "", "", "secret that signs archives' download URLs; empty uses one made once and kept in the database"},
	{"templates-every", "FLOWSD_TEMPLATES_EVERY", "", "6h", "how often every WhatsApp Cloud channel's message templates and WhatsApp Flows are synced from Meta (one process at a time, at once on start); 0 never syncs them"},
	{"wac-access-token", "FLOWSD_WAC_ACCESS_TOKEN", "", "", "WhatsApp Cloud (WAC) channels' Graph API access token when their config has no access_token (or wa_user_token)"},
	{"wac-app-secret", "FLOWSD_WAC_APP_SECRET", "", "", "WhatsApp Cloud (WAC) channels' Meta app secret, which webhooks' X-Hub-Signature-256 is checked with, when their config has no app_secret"},
	{"wac-verify-token", "FLOWSD_WAC_VERIFY_TOKEN", "", "", "WhatsApp Cloud (WAC) webhook verify token (hub.verify_token) when a channel's config has no verify_token; /c/wac/receive's verification checks this one"},
}

// Flags registers the settings named in which (all of them when which is empty) on fs, defaulting each to
// its environment variable, and returns a function that builds the Config once fs is parsed.
func Flags(fs *flag.FlagSet, which ...string) func() (*Config, error) {
	values := map[string]*string{}
	var envSecrets []func()
	for _, s := range settings {
		if len(which) > 0 && !contains(which, s.flag) {
			continue
		}
		def := s.def
		envHelp := s.env
		if s.alt != "" {
			envHelp += " or " + s.alt
			if v := os.Getenv(s.alt); v != "" {
				def = v
			}
		}
		if v, ok := os.LookupEnv(s.env); ok && (v != "" || contains(emptyIsValue, s.flag)) {
			def = v
		}
		if contains(secretSettings, s.flag) {
			// the value is read once the flags are parsed, so that --help never prints it
			secret, env := fs.String(s.flag, "", fmt.Sprintf("%s [env %s]", s.help, envHelp)), s.env
			values[s.flag] = secret
			envSecrets = append(envSecrets, func() {
				if *secret == "" {
					*secret = os.Getenv(env)
				}
			})
			continue
		}
		values[s.flag] = fs.String(s.flag, def, fmt.Sprintf("%s [env %s]", s.help, envHelp))
	}
	return func() (*Config, error) {
		for _, f := range envSecrets {
			f()
		}
		return build(values)
	}
}

func build(values map[string]*string) (*Config, error) {
	get := func(name string) string {
		if v := values[name]; v != nil {
			return strings.TrimSpace(*v)
		}
		for _, s := range settings {
			if s.flag == name {
				return s.def
			}
		}
		return ""
	}

	cfg := &Config{Addr: get("addr"), DB: get("db"), RedisURL: get("redis"), RedisPrefix: get("redis-prefix")}

	cfg.Rates = map[throttle.Scope]throttle.Rate{}
	for k, v := range throttle.DefaultRates {
		cfg.Rates[k] = v
	}
	overrides, err := throttle.ParseRates(get("rates"))
	if err != nil {
		return nil, err
	}
	for k, v := range overrides {
		cfg.Rates[k] = v
	}

	if err := cfg.LogLevel.UnmarshalText([]byte(get("log-level"))); err != nil {
		return nil, fmt.Errorf("invalid log level %q", get("log-level"))
	}
	switch cfg.LogFormat = get("log-format"); cfg.LogFormat {
	case "text", "json":
	default:
		return nil, fmt.Errorf("invalid log format %q: text or json", cfg.LogFormat)
	}
	cfg.MetricsAddr = get("metrics-addr")
	if cfg.ShutdownTimeout, err = time.ParseDuration(get("shutdown-timeout")); err != nil {
		return nil, fmt.Errorf("invalid shutdown timeout %q", get("shutdown-timeout"))
	}
	if _, err := fmt.Sscan(get("max-body"), &cfg.MaxBodyBytes); err != nil || cfg.MaxBodyBytes <= 0 {
		return nil, fmt.Errorf("invalid max body size %q", get("max-body"))
	}
	if _, err := fmt.Sscan(get("start-workers"), &cfg.StartWorkers); err != nil || cfg.StartWorkers < 0 {
		return nil, fmt.Errorf("invalid start worker count %q", get("start-workers"))
	}
	if _, err := fmt.Sscan(get("start-batch"), &cfg.StartBatch); err != nil || cfg.StartBatch <= 0 {
		return nil, fmt.Errorf("invalid start batch size %q", get("start-batch"))
	}
	if cfg.WorkerPoll, err = time.ParseDuration(get("worker-poll")); err != nil || cfg.WorkerPoll <= 0 {
		return nil, fmt.Errorf("invalid worker poll interval %q", get("worker-poll"))
	}
	if cfg.WebhookTimeout, err = time.ParseDuration(get("webhook-timeout")); err != nil || cfg.WebhookTimeout <= 0 {
		return nil, fmt.Errorf("invalid webhook timeout %q", get("webhook-timeout"))
	}
	if cfg.WebhooksDeny, err = netguard.Parse(get("webhooks-deny")); err != nil {
		return nil, fmt.Errorf("invalid webhooks deny list (--webhooks-deny, FLOWSD_WEBHOOKS_DENY): %v", err)
	}
	for _, n := range []struct {
		name string
		dst  *int
		min  int
	}{{"send-workers", &cfg.SendWorkers, 0}, {"send-concurrency", &cfg.SendConcurrency, 1}, {"broadcast-workers", &cfg.BroadcastWorkers, 0},
		{"campaign-workers", &cfg.CampaignWorkers, 0}, {"resthook-workers", &cfg.ResthookWorkers, 0}, {"resthook-attempts", &cfg.ResthookAttempts, 0}} {
		if _, err := fmt.Sscan(get(n.name), n.dst); err != nil || *n.dst < n.min {
			return nil, fmt.Errorf("invalid %s %q", strings.ReplaceAll(n.name, "-", " "), get(n.name))
		}
	}
	if cfg.SendRetry, err = time.ParseDuration(get("send-retry")); err != nil || cfg.SendRetry <= 0 {
		return nil, fmt.Errorf("invalid send retry %q", get("send-retry"))
	}
	if cfg.ResthookHorizon, err = time.ParseDuration(get("resthook-horizon")); err != nil || cfg.ResthookHorizon <= 0 {
		return nil, fmt.Errorf("invalid resthook horizon %q", get("resthook-horizon"))
	}
	if cfg.MediaDir = get("media-dir"); cfg.MediaDir == "" {
		return nil, fmt.Errorf("a media directory is needed")
	}
	if cfg.ArchiveDir = get("archive-dir"); cfg.ArchiveDir == "" {
		return nil, fmt.Errorf("an archive directory is needed")
	}
	if _, err := fmt.Sscan(get("archive-after"), &cfg.ArchiveAfter); err != nil || cfg.ArchiveAfter < 0 {
		return nil, fmt.Errorf("invalid archive after %q: a number of days, 0 for no archive job", get("archive-after"))
	}
	if cfg.ArchiveDelete, err = strconv.ParseBool(get("archive-delete")); err != nil {
		return nil, fmt.Errorf("invalid archive delete %q: true or false", get("archive-delete"))
	}
	cfg.ArchiveKey = get("archive-key")
	if cfg.TemplatesEvery, err = time.ParseDuration(get("templates-every")); err != nil || cfg.TemplatesEvery < 0 {
		return nil, fmt.Errorf("invalid templates every %q: a duration such as 6h, 0 for no template sync", get("templates-every"))
	}
	wac := map[string]string{}
	for key, name := range map[string]string{"access_token": "wac-access-token", "app_secret": "wac-app-secret", "verify_token": "wac-verify-token"} {
		if v := get(name); v != "" {
			wac[key] = v
		}
	}
	cfg.ChannelDefaults = map[string]map[string]string{"WAC": wac}
	return cfg, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// RateFor is the rate of a throttle scope for a workspace: its own override, else the configured rate, else
// the v2 scope's.
func (c *Config) RateFor(scope throttle.Scope, overrides map[string]string) throttle.Rate {
	if s, ok := overrides[string(scope)]; ok {
		if r, err := throttle.ParseRate(s); err == nil {
			return r
		}
	}
	if r, ok := c.Rates[scope]; ok {
		return r
	}
	return c.Rates[throttle.ScopeV2]
}
