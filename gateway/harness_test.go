package gateway_test

// The harness of the gateway's tests: a fresh database on each dialect with two workspaces, the gateway behind
// real HTTP (an httptest.Server serving /c/ as flowsd serve does), the flows of testdata/exports/messaging.json
// imported, and a local stand-in for an SMS gateway that the EX channels' send_url points at and that records
// every request it gets.

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/flowsd/flowsd/channels/external" // the EX and WAC types, as cmd/flowsd has them
	_ "github.com/flowsd/flowsd/channels/wac"
	"github.com/flowsd/flowsd/flows"
	"github.com/flowsd/flowsd/gateway"
	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/runtime"
	"github.com/flowsd/flowsd/testdb"
	"github.com/flowsd/flowsd/throttle"
	"github.com/flowsd/flowsd/work"
	"github.com/nyaruka/goflow/core"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// The channel's secrets: no channel log may show them.
const (
	secretAuth   = "Token sekrit-auth-7f3a91"
	secretHeader = "sekrit-header-c04e22"
)

const (
	favoriteColor = "Favorite Color"
	askColor      = "What is your favorite color? Red, blue or green?"
	keywordMenu   = "Reply HELP, INFO or STOP."
)

// frozenClock is a clock that only moves when told: the rate limiter's, so that how many messages a second a
// channel sends is counted, not timed.
type frozenClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *frozenClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *frozenClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// process is what one flowsd process has: a runtime, a store, the engine host and the gateway.
type process struct {
	cfg   *runtime.Config
	rt    *runtime.Runtime
	store *models.Store
	host  *flows.Host
	gw    *gateway.Gateway
}

type env struct {
	t       testing.TB
	ctx     context.Context
	d       models.Dialect
	db      *testdb.DB
	clock   *testdb.Clock // the store's: moved on to make retries and leases come due
	limiter *frozenClock
	process
	server *httptest.Server // serves /c/ as flowsd serve does
	logTo  io.Writer        // where the processes made next log (nil: nowhere)
	sms    *smsGateway
	ws     *models.Workspace // Nyaruka (RW), with the messaging flows
	other  *models.Workspace // Trileet (US)
	ch     *models.Channel   // the EX channel of ws, sending to sms
}

func newEnv(t testing.TB, d models.Dialect) *env {
	t.Helper()
	// the engine keeps real time (waits expire by it), so the store's clock starts now too
	clock := testdb.NewClock(time.Now().UTC().Truncate(time.Second), time.Millisecond)
	db := testdb.New(t, d, clock.Now, nil)
	e := &env{t: t, ctx: context.Background(), d: d, db: db, clock: clock, limiter: &frozenClock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}}
	e.process = e.newProcess(db.Store, throttle.NewMemory(e.limiter.Now))
	e.server = httptest.NewServer(handler(e.gw))
	t.Cleanup(e.server.Close)
	e.sms = newSMSGateway(t)

	e.ws, _ = testdb.Workspace(t, e.store, testdb.Nyaruka)
	e.other, _ = testdb.Workspace(t, e.store, testdb.Trileet)
	e.importExport(e.ws, "messaging.json")
	e.ch = e.channel(e.ws, "+250788000001", "RW", nil)
	return e
}

// handler is what flowsd serve mounts the gateway at.
func handler(gw *gateway.Gateway) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/c/", gw)
	return mux
}

// newProcess builds a process on a store, as cmd/flowsd's connect does. Its config denies no address: the
// SMS gateway is on loopback.
func (e *env) newProcess(store *models.Store, limiter throttle.Limiter) process {
	return e.newProcessWith(store, limiter, nil)
}

// newProcessWith builds a process whose config configure changes first.
func (e *env) newProcessWith(store *models.Store, limiter throttle.Limiter, configure func(*runtime.Config)) process {
	cfg := &runtime.Config{DB: e.db.URL, WebhookTimeout: 5 * time.Second, WorkerPoll: time.Second, StartBatch: 25,
		SendWorkers: 1, SendConcurrency: 4, SendRetry: 5 * time.Minute, MaxBodyBytes: 1 << 20}
	if configure != nil {
		configure(cfg)
	}
	logTo := e.logTo
	if logTo == nil {
		logTo = io.Discard
	}
	rt, err := runtime.New(e.ctx, cfg, runtime.Options{Clock: store.Now, UUIDs: store.NewUUID, Limiter: limiter,
		Logger: slog.New(slog.NewTextHandler(logTo, nil))})
	e.must(err)
	e.t.Cleanup(func() { rt.Close() })
	store.Signals, store.Rules = rt.Signals, flows.NewRules()
	host := flows.NewHost(store, rt.Log, flows.EngineOptions{HTTPClient: rt.HTTP, UserAgent: "flowsd"})
	host.LockWait = 10 * time.Second
	return process{cfg: cfg, rt: rt, store: store, host: host, gw: gateway.New(rt, store, host)}
}

// sender is the sender cmd/flowsd's workers.go configures.
func (p process) sender() *gateway.Sender {
	cfg := p.cfg
	return &gateway.Sender{Gateway: p.gw, Batch: 100, Concurrency: cfg.SendConcurrency, Lease: 4*cfg.WebhookTimeout + 5*time.Second,
		Retry: work.Schedule{First: cfg.SendRetry, Factor: 2, Attempts: 3, Jitter: -1, Horizon: 100 * 365 * 24 * time.Hour}}
}

func (e *env) must(err error) {
	e.t.Helper()
	if err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) importExport(ws *models.Workspace, name string) {
	e.t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "testdata", "exports", name))
	e.must(err)
	spec, err := flows.ParseExports(flows.Document{Name: name, Data: data})
	e.must(err)
	_, err = flows.Import(e.ctx, e.store, ws, spec)
	e.must(err)
	e.must(work.Drain(e.ctx, flows.EvaluateGroups(e.store)))
}

// channelConfig is an EX channel's config sending to the local gateway, with secrets in its authorization and
// headers; extra keys are set over it (nil values remove keys).
func (e *env) channelConfig(extra map[string]any) string {
	cfg := map[string]any{
		"send_url":           e.sms.URL + "/send?from={{from_no_plus}}",
		"method":             "POST",
		"body":               "uuid={{uuid}}&text={{text}}&to={{to}}&from={{from}}&channel={{channel}}&session={{session_status}}",
		"content_type":       "urlencoded",
		"send_authorization": secretAuth,
		"headers":            map[string]any{"X-Api-Key": secretHeader},
	}
	for k, v := range extra {
		if v == nil {
			delete(cfg, k)
		} else {
			cfg[k] = v
		}
	}
	b, err := json.Marshal(cfg)
	e.must(err)
	return string(b)
}

// channel makes an EX channel of a workspace with models' CreateChannel.
func (e *env) channel(ws *models.Workspace, address, country string, extra map[string]any) *models.Channel {
	e.t.Helper()
	ch, err := e.store.CreateChannel(e.ctx, ws.ID, models.ChannelSpec{Type: "EX", Name: "Gateway " + address, Address: address, Country: country,
		Schemes: []string{"tel"}, Config: e.channelConfig(extra)})
	e.must(err)
	return ch
}

// answer is the gateway's answer to one request.
type answer struct {
	status int
	header http.Header
	body   string
	json   struct {
		Message string           `json:"message"`
		Data    []map[string]any `json:"data"`
	}
}

// call makes a request of the gateway: form goes in the query string of a GET and the urlencoded body of
// anything else.
func (e *env) call(method, path string, form url.Values) answer {
	e.t.Helper()
	var body io.Reader
	target := e.server.URL + path
	if method == http.MethodGet {
		if len(form) > 0 {
			target += "?" + form.Encode()
		}
	} else if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, target, body)
	e.must(err)
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return e.do(req)
}

func (e *env) do(req *http.Request) answer {
	e.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	e.must(err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	e.must(err)
	a := answer{status: resp.StatusCode, header: resp.Header, body: string(b)}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(b, &a.json); err != nil {
			e.t.Fatalf("%s %s answered %d with %q, not courier's JSON: %v", req.Method, req.URL, resp.StatusCode, b, err)
		}
	}
	return a
}

// receive is a message from a number on a channel, POSTed as a form.
func (e *env) receive(ch *models.Channel, from, text string) answer {
	e.t.Helper()
	a := e.call(http.MethodPost, "/c/ex/"+ch.UUID+"/receive", url.Values{"from": {from}, "text": {text}})
	if a.status != http.StatusOK {
		e.t.Fatalf("receive %q from %s: %d %s", text, from, a.status, a.body)
	}
	return a
}

func path(ch *models.Channel, action string) string { return "/c/ex/" + ch.UUID + "/" + action }

// wantError checks an answer is courier's error shape with a status and the first error's text.
func (e *env) wantError(a answer, status int, message, errText string) {
	e.t.Helper()
	if a.status != status || a.json.Message != message || len(a.json.Data) == 0 || a.json.Data[0]["type"] != "error" ||
		(errText != "" && a.json.Data[0]["error"] != errText) {
		e.t.Errorf("answer %d %s, want %d {%q: [{error: %q}]}", a.status, a.body, status, message, errText)
	}
}

func (e *env) count(table, where string, args ...any) int64 {
	e.t.Helper()
	var n int64
	e.must(e.db.Raw.Table(table).Where(where, args...).Count(&n).Error)
	return n
}

// rows counts what a request may write, to check it wrote nothing.
type rows map[string]int64

func (e *env) rows() rows {
	out := rows{}
	for _, table := range []string{"msgs", "contacts", "contact_urns", "channel_events", "flow_sessions", "flow_runs"} {
		out[table] = e.count(table, "1 = 1")
	}
	var modified []time.Time
	e.must(e.db.Raw.Table("contacts").Order("id").Pluck("modified_on", &modified).Error)
	out["contacts modified"] = int64(len(modified))
	for _, m := range modified {
		out["contacts modified"] += m.UnixMicro()
	}
	return out
}

func (r rows) same(other rows) bool {
	for k, v := range r {
		if other[k] != v {
			return false
		}
	}
	return len(r) == len(other)
}

func (e *env) msg(uuid string) *models.Msg {
	e.t.Helper()
	m := &models.Msg{}
	e.must(e.db.Raw.Where("uuid = ?", uuid).Take(m).Error)
	return m
}

func (e *env) msgByID(id int64) *models.Msg {
	e.t.Helper()
	m := &models.Msg{}
	e.must(e.db.Raw.Take(m, id).Error)
	return m
}

// outgoing are the messages to a contact, oldest first.
func (e *env) outgoing(contactID int64) []*models.Msg {
	e.t.Helper()
	var msgs []*models.Msg
	e.must(e.db.Raw.Where("contact_id = ? AND direction = ?", contactID, models.MsgOut).Order("id").Find(&msgs).Error)
	return msgs
}

func (e *env) contact(id int64) *models.Contact {
	e.t.Helper()
	c := &models.Contact{}
	e.must(e.db.Raw.Take(c, id).Error)
	return c
}

// contactOf is the contact of a workspace with a URN identity, nil when none.
func (e *env) contactOf(ws *models.Workspace, identity string) *models.Contact {
	e.t.Helper()
	var u models.ContactURN
	err := e.db.Raw.Where("workspace_id = ? AND identity = ?", ws.ID, identity).Take(&u).Error
	if models.IsNotFound(err) {
		return nil
	}
	e.must(err)
	return e.contact(u.ContactID)
}

// later moves the store's clock on.
func (e *env) later(d time.Duration) { e.clock.Set(e.clock.Now().Add(d)) }

// work runs a sender's WorkOnce once.
func (e *env) work(s *gateway.Sender) bool {
	e.t.Helper()
	worked, err := s.WorkOnce(e.ctx)
	e.must(err)
	return worked
}

// queue writes a message to a contact the way POST messages.json does (flows.SendMessage): routed, queued,
// high priority.
func (e *env) queue(c *models.Contact, text string) *models.Msg {
	e.t.Helper()
	ws := e.ws
	if c.WorkspaceID == e.other.ID {
		ws = e.other
	}
	var userID int64
	e.must(e.db.Raw.Table("users").Where("email = ?", testdb.Nyaruka.Admin).Pluck("id", &userID).Error)
	m, err := e.host.SendMessage(e.ctx, ws, c, &core.MsgContent{Text: text}, userID)
	e.must(err)
	if m.Status != models.MsgQueued {
		e.t.Fatalf("message %q is %s, want queued", text, m.Status)
	}
	return m
}

// newContact makes a contact of ws with a phone number.
func (e *env) newContact(ws *models.Workspace, name, number string) *models.Contact {
	e.t.Helper()
	c, err := e.store.CreateContact(e.ctx, ws, models.ContactSpec{Name: &name, SetURNs: true,
		URNs: []models.URNSpec{{Identity: "tel:" + number, Scheme: "tel", Path: number}}})
	e.must(err)
	return c
}

// smsRequest is one request the local SMS gateway got.
type smsRequest struct {
	Method string
	Path   string
	Query  url.Values
	Header http.Header
	Body   string
	Form   url.Values // the body, read as a form
	UUID   string     // the message it was for
}

// smsGateway stands in for a user's SMS gateway: it records every request and answers what respond says.
type smsGateway struct {
	*httptest.Server
	mu      sync.Mutex
	reqs    []smsRequest
	respond func(r smsRequest, attempt int) (status int, header http.Header, body string) // attempt: 1 for the first request for the message
	delay   time.Duration
}

func newSMSGateway(t testing.TB) *smsGateway {
	g := &smsGateway{}
	g.Server = httptest.NewServer(http.HandlerFunc(g.serve))
	t.Cleanup(g.Close)
	return g
}

func (g *smsGateway) serve(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	form, _ := url.ParseQuery(string(b))
	req := smsRequest{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone(), Body: string(b), Form: form, UUID: form.Get("uuid")}
	if req.UUID == "" {
		req.UUID = req.Query.Get("uuid")
	}
	g.mu.Lock()
	g.reqs = append(g.reqs, req)
	attempt := 0
	for _, o := range g.reqs {
		if o.UUID == req.UUID {
			attempt++
		}
	}
	respond, delay := g.respond, g.delay
	g.mu.Unlock()
	if delay > 0 {
		time.Sleep(delay)
	}
	status, header, body := http.StatusOK, http.Header(nil), `{"status": "queued"}`
	if respond != nil {
		status, header, body = respond(req, attempt)
	}
	for k, vs := range header {
		w.Header()[k] = vs
	}
	w.WriteHeader(status)
	io.WriteString(w, body)
}

func (g *smsGateway) requests() []smsRequest {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]smsRequest(nil), g.reqs...)
}

// perMsg counts the requests for each message.
func (g *smsGateway) perMsg() map[string]int {
	out := map[string]int{}
	for _, r := range g.requests() {
		out[r.UUID]++
	}
	return out
}

func (g *smsGateway) texts() []string {
	var out []string
	for _, r := range g.requests() {
		out = append(out, r.Form.Get("text"))
	}
	return out
}

func (g *smsGateway) setRespond(f func(r smsRequest, attempt int) (int, http.Header, string)) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.respond = f
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

func within(t, want time.Time, d time.Duration) bool {
	diff := t.Sub(want)
	return diff >= -d && diff <= d
}
