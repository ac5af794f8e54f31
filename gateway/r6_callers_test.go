package gateway_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowsd/flowsd/channels/wac/graphtest"
	"github.com/flowsd/flowsd/flows"
	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/netguard"
	"github.com/flowsd/flowsd/runtime"
	"github.com/flowsd/flowsd/testdb"
	"github.com/flowsd/flowsd/throttle"
)

var update = flag.Bool("update", false, "rewrite docs/reliability.md's R6 table of callers")

// listener is a server on an inside address counting what reaches it.
type listener struct {
	*httptest.Server
	hits atomic.Int64
}

func listen(t *testing.T, addr string, h http.HandlerFunc) *listener {
	t.Helper()
	l := &listener{}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("%s can't be listened on here: %v", addr, err)
	}
	l.Server = &httptest.Server{Listener: ln, Config: &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l.hits.Add(1)
		if h != nil {
			h(w, r)
		}
	})}}
	l.Start()
	t.Cleanup(l.Close)
	return l
}

// lockedBuffer is a process's log, written by its goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// deniedReason is the deny list's reason in a text; deniedLog the runtime's log line of a denial to a host.
var (
	deniedReason = regexp.MustCompile(`flowsd: address \S+ is denied by FLOWSD_WEBHOOKS_DENY`)
	shownPort    = regexp.MustCompile(`:\d{4,5}\b`)
)

func deniedLog(log, host string) string {
	for _, line := range strings.Split(log, "\n") {
		if strings.Contains(line, "outgoing call denied") && strings.Contains(line, "host="+host+" ") {
			return deniedReason.FindString(line)
		}
	}
	return ""
}

// callerRow is one row of R6's table of callers.
type callerRow struct {
	caller, called, reason, recorded string
	reached                          int64
}

// TestOutgoingCallersRefused is R6 per caller: each kind of outgoing call flowsd makes, made through its real path
// (a flow's call_webhook and call_resthook in a real engine session, a channel's send by the sender, a WhatsApp
// file fetched by the gateway and a WhatsApp send), at a server listening on loopback, with the default deny
// list, a redirect hop and a name resolving to 127.0.0.1 besides. Each call is refused with the list's reason,
// the server gets nothing, and the outcome is recorded as RapidPro records a call that couldn't connect.
func TestOutgoingCallersRefused(t *testing.T) {
	tables := map[models.Dialect]string{}
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		tables[d] = callerTable(outgoingCallers(t, d))
	})
	if t.Failed() {
		return
	}
	var table string
	for _, d := range []models.Dialect{models.SQLite, models.Postgres} {
		if got, ok := tables[d]; ok && table == "" {
			table = got
		} else if ok && got != table {
			t.Fatalf("the table on %s differs:\n%s\nfrom:\n%s", d, got, table)
		}
	}
	checkR6Callers(t, table)
}

func outgoingCallers(t *testing.T, d models.Dialect) []callerRow {
	e := newEnv(t, d)
	mediaDir := t.TempDir()
	// every process made from here logs, so that the runtime's line of each denial can be read
	guardedLog, redirectLog := &lockedBuffer{}, &lockedBuffer{}
	wacDefaults := map[string]map[string]string{"WAC": {"app_secret": wacSecret, "verify_token": wacVerify}}
	e.logTo = guardedLog
	guarded := e.newProcessWith(e.store, throttle.NewMemory(e.limiter.Now), func(c *runtime.Config) {
		c.WebhooksDeny, c.MediaDir, c.ChannelDefaults = netguard.Default(), mediaDir, wacDefaults
	})
	// the redirect's first hop must be allowed: the default list but for 127.0.0.1 itself
	var allowLoop []string
	for _, n := range netguard.DefaultDeny {
		if n != "127.0.0.0/8" {
			allowLoop = append(allowLoop, n)
		}
	}
	allowLoop = append(allowLoop, "127.0.0.2/31", "127.0.0.4/30", "127.0.1.0/24")
	redirectList, err := netguard.Parse(strings.Join(allowLoop, ","))
	e.must(err)
	e.logTo = redirectLog
	redirecting := e.newProcessWith(e.store, throttle.NewMemory(e.limiter.Now), func(c *runtime.Config) { c.WebhooksDeny = redirectList })
	e.logTo = nil

	hook := listen(t, "127.0.0.1:0", nil)
	named := listen(t, "127.0.0.1:0", nil)
	subscriber := listen(t, "127.0.0.1:0", nil)
	inside := listen(t, "127.0.0.2:0", nil)
	redirector := listen(t, "127.0.0.1:0", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, inside.URL+"/inside", http.StatusFound)
	})
	namedBase := "http://localhost:" + strings.TrimPrefix(named.URL, "http://127.0.0.1:")

	// the webhook flows in three workspaces, calling the loopback server, the name, and the redirector
	redirects, _ := testdb.Workspace(t, e.store, testdb.FixtureWorkspace{Spec: models.WorkspaceSpec{Name: "Redirects", Country: "RW",
		Timezone: "Africa/Kigali", Languages: []string{"eng"}}, Admin: "admin@redirects.example"})
	e.importWebhooks(e.ws, hook.URL+"/")
	e.importWebhooks(e.other, namedBase+"/")
	e.importWebhooks(redirects, redirector.URL+"/")
	var resthook models.Resthook
	e.must(e.db.Raw.Where("workspace_id = ? AND slug = ?", e.ws.ID, "new-registration").Take(&resthook).Error)
	now := e.store.Now()
	e.must(e.db.Raw.Create(&models.ResthookSubscriber{WorkspaceID: e.ws.ID, ResthookID: resthook.ID, TargetURL: subscriber.URL + "/hook",
		IsActive: true, CreatedOn: now, ModifiedOn: now}).Error)
	e.must(e.db.Raw.Exec("UPDATE workspaces SET config_version = config_version + 1 WHERE id = ?", e.ws.ID).Error)

	var rows []callerRow
	// (the HTTP log of a redirected call is its last hop's, as goflow traces it)
	webhookRow := func(caller string, p process, ws *models.Workspace, base string, l *listener, logs *lockedBuffer, deniedHost, logged string) {
		c := e.newContact(ws, "Jo", "+250788000300")
		e.startFlowBy(p, ws, webhookLookup, c)
		recorded := e.webhookOutcome(ws, c, webhookLookup, "lookup", logged)
		rows = append(rows, callerRow{caller: caller, called: "`" + base + "/lookup?urn=...`", reason: deniedLog(logs.String(), deniedHost),
			recorded: recorded + "; the reason in the server's log", reached: l.hits.Load()})
	}
	webhookRow("flow webhook (call_webhook)", guarded, e.ws, hook.URL, hook, guardedLog, strings.TrimPrefix(hook.URL, "http://"), hook.URL+"/lookup?urn=")
	webhookRow("flow webhook to a name resolving to 127.0.0.1", guarded, e.other, namedBase, named, guardedLog, strings.TrimPrefix(namedBase, "http://"), namedBase+"/lookup?urn=")
	webhookRow("flow webhook redirected inside (first hop allowed)", redirecting, redirects, redirector.URL, inside, redirectLog, strings.TrimPrefix(inside.URL, "http://"), inside.URL+"/inside")
	if redirector.hits.Load() != 1 {
		t.Errorf("the redirect's first hop got %d requests, want 1", redirector.hits.Load())
	}

	// a resthook's subscriber: the engine's call refused, the delivery failed for good with the reason
	jo := e.contactOf(e.ws, "tel:+250788000300")
	e.startFlowBy(guarded, e.ws, resthookNotify, jo)
	recorded := e.webhookOutcome(e.ws, jo, resthookNotify, "", subscriber.URL+"/hook")
	var delivery models.ResthookDelivery
	e.must(e.db.Raw.Where("workspace_id = ?", e.ws.ID).Take(&delivery).Error)
	if delivery.Status != models.DeliveryFailed || delivery.NextAttemptOn != nil || delivery.Attempts != 1 {
		t.Errorf("delivery %+v, want failed at its first attempt", delivery)
	}
	var active int64
	e.must(e.db.Raw.Model(&models.ResthookSubscriber{}).Where("resthook_id = ? AND is_active", resthook.ID).Count(&active).Error)
	if active != 1 {
		t.Errorf("%d active subscribers, want the denied one kept", active)
	}
	rows = append(rows, callerRow{caller: "resthook delivery (call_resthook)", called: "`" + subscriber.URL + "/hook`",
		reason: deniedReason.FindString(delivery.LastError), recorded: recorded + fmt.Sprintf("; delivery %s at once with the reason, not retried", delivery.Status),
		reached: subscriber.hits.Load()})

	// a WhatsApp channel whose Graph is on loopback: a file in a message received, and a send
	graph := graphtest.New(wacToken)
	t.Cleanup(graph.Close)
	graph.AddMedia("media-1", "image/jpeg", []byte("\xff\xd8\xff\xe0 a jpeg"))
	cfg, _ := json.Marshal(map[string]any{"access_token": wacToken, "graph_url": graph.URL, "graph_version": graphtest.Version, "wa_waba_id": "waba1"})
	wac, err := e.store.CreateChannel(e.ctx, e.ws.ID, models.ChannelSpec{Type: "WAC", Name: "WhatsApp", Address: wacPhone, Schemes: []string{"whatsapp"}, Config: string(cfg)})
	e.must(err)
	server := httptest.NewServer(handler(guarded.gw))
	t.Cleanup(server.Close)
	body := graphtest.Webhook(wacPhone, []any{graphtest.Contact(kerryWaID, "Kerry")},
		[]any{graphtest.Media(kerryWaID, "wamid.img", fmt.Sprint(e.clock.Now().Unix()), "image", "media-1", "image/jpeg", "my cat")}, nil)
	req, err := graphtest.WebhookRequest(server.URL+"/c/wac/receive", body, graphtest.Sign(body, wacSecret))
	e.must(err)
	a := e.do(req)
	if a.status != http.StatusOK || len(a.json.Data) != 1 {
		t.Fatalf("the WhatsApp webhook answered %d %s", a.status, a.body)
	}
	in := e.msg(a.json.Data[0]["msg_uuid"].(string))
	fetchLogs := e.logs("channel_id = ?", wac.ID)
	fetchReason := ""
	for _, l := range fetchLogs {
		for _, le := range l.errors {
			if strings.Contains(le.Message, "media-1") {
				fetchReason = deniedReason.FindString(le.Message)
			}
		}
	}
	if len(in.Attachments) != 0 || in.Text != "my cat" {
		t.Errorf("message with a file refused %q %q", in.Text, in.Attachments)
	}
	var kept int64
	e.must(e.db.Raw.Model(&models.Media{}).Where("workspace_id = ?", e.ws.ID).Count(&kept).Error)
	rows = append(rows, callerRow{caller: "WhatsApp file of a message received", called: "graph_url `" + graph.URL + "`", reason: fetchReason,
		recorded: fmt.Sprintf("message kept without the file (%d files kept); the reason in the channel log", kept), reached: int64(len(graph.Requests()))})

	// sends: an EX channel's to its send_url and a WhatsApp one to Graph, each errored, tried again, failed
	bob := e.newContact(e.ws, "Bob", "+250788123123")
	exMsg := e.queue(bob, "Hello")
	kerry := e.contactOf(e.ws, "whatsapp:"+kerryWaID)
	waMsg := e.queue(kerry, "Hello on WhatsApp")
	graphBefore := len(graph.Requests())
	s := guarded.sender()
	statuses := map[int64][]string{}
	for _, wait := range []int{0, 5, 10} {
		e.later(time.Duration(wait) * time.Minute)
		for e.work(s) {
		}
		for _, id := range []int64{exMsg.ID, waMsg.ID} {
			statuses[id] = append(statuses[id], string(e.msgByID(id).Status))
		}
	}
	for _, sent := range []struct {
		caller, called string
		msg            *models.Msg
		ch             *models.Channel
		reached        int64
	}{
		{"EX channel send", "send_url `" + e.sms.URL + "/send`", exMsg, e.ch, int64(len(e.sms.requests()))},
		{"WhatsApp send", "graph_url `" + graph.URL + "`", waMsg, wac, int64(len(graph.Requests()) - graphBefore)},
	} {
		m := e.msgByID(sent.msg.ID)
		reason, withReason := "", 0
		for _, l := range e.logs("msg_id = ?", m.ID) {
			for _, le := range l.errors {
				if r := deniedReason.FindString(le.Message); r != "" && le.Code == "connection_failed" {
					reason = r
					withReason++
				}
			}
		}
		rows = append(rows, callerRow{caller: sent.caller, called: sent.called, reason: reason,
			recorded: fmt.Sprintf("message %s (%s, after %d attempts); %d channel logs, each with the reason", strings.Join(statuses[m.ID], ", "),
				deref(m.FailedReason), m.ErrorCount, withReason), reached: sent.reached})
		if m.Status != models.MsgFailed || deref(m.FailedReason) != models.FailedRetries {
			t.Errorf("%s: message %+v, want failed after its retries", sent.caller, m)
		}
	}

	for _, r := range rows {
		if r.reason == "" || r.reached != 0 {
			t.Errorf("%s (%s): reason %q, the server reached %d times", r.caller, r.called, r.reason, r.reached)
		}
	}
	return rows
}

const (
	// webhooks.json's flows, by name: imported into a second workspace a flow gets a UUID of its own
	webhookLookup  = "Webhook Lookup"  // call_webhook, with a Failure route
	resthookNotify = "Resthook Notify" // call_resthook new-registration
)

// importWebhooks imports the webhook flows into ws, calling base instead of https://api.example.com/.
func (e *env) importWebhooks(ws *models.Workspace, base string) {
	e.t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "testdata", "exports", "webhooks.json"))
	e.must(err)
	data = bytes.ReplaceAll(data, []byte("https://api.example.com/"), []byte(base))
	spec, err := flows.ParseExports(flows.Document{Name: "webhooks.json", Data: data})
	e.must(err)
	_, err = flows.Import(e.ctx, e.store, ws, spec)
	e.must(err)
}

// startFlowBy starts a flow for a contact as POST flow_starts.json does, worked by a process's start worker.
func (e *env) startFlowBy(p process, ws *models.Workspace, flowName string, c *models.Contact) {
	e.t.Helper()
	var flowID int64
	e.must(e.db.Raw.Table("flows").Where("workspace_id = ? AND name = ?", ws.ID, flowName).Pluck("id", &flowID).Error)
	s := &models.FlowStart{WorkspaceID: ws.ID, FlowID: flowID, StartType: models.StartTypeAPI, Status: models.StartPending,
		Params: "{}", RestartParticipants: true, ContactCount: -1}
	e.must(e.store.Write(e.ctx, func(tx *models.Tx) error { return tx.InsertFlowStart(s, []int64{c.ID}, nil) }))
	w := &flows.Starts{Host: p.host, BatchSize: 10}
	for {
		worked, err := w.WorkOnce(e.ctx)
		e.must(err)
		if !worked {
			return
		}
	}
}

// webhookOutcome checks and describes what a refused call of a flow left: the run down its Failure route (the
// result's category, when the flow saves one, else the failure message sent) and a connection_error in the HTTP
// logs.
func (e *env) webhookOutcome(ws *models.Workspace, c *models.Contact, flowName, result, url string) string {
	e.t.Helper()
	var run models.FlowRun
	e.must(e.db.Raw.Where("contact_id = ? AND flow_id = (SELECT id FROM flows WHERE workspace_id = ? AND name = ?)", c.ID, ws.ID, flowName).
		Order("id DESC").Take(&run).Error)
	route := ""
	if result != "" {
		var results map[string]models.RunResult
		e.must(json.Unmarshal([]byte(run.Results), &results))
		if c := results[result].Category; c != nil {
			route = *c
		}
	} else {
		var texts []string
		e.must(e.db.Raw.Model(&models.Msg{}).Where("contact_id = ? AND direction = ? AND flow_id = ?", c.ID, models.MsgOut, run.FlowID).Order("id").Pluck("text", &texts).Error)
		if len(texts) > 0 && texts[len(texts)-1] == "We couldn't reach the team, sorry." {
			route = "Failure"
		}
	}
	var logs []models.HTTPLog
	e.must(e.db.Raw.Where("workspace_id = ? AND flow_id = ?", ws.ID, run.FlowID).Order("id").Find(&logs).Error)
	if route != "Failure" || len(logs) != 1 || logs[0].Status != "connection_error" || logs[0].StatusCode != 0 || !strings.HasPrefix(logs[0].URL, url) ||
		logs[0].Response != "" {
		e.t.Errorf("flow %s for %s: route %q, http logs %+v", flowName, url, route, logs)
		return "?"
	}
	return fmt.Sprintf("run down its %s route; http log %s", route, logs[0].Status)
}

func callerTable(rows []callerRow) string {
	var b strings.Builder
	b.WriteString("| caller | called | refused, with | recorded | requests reaching the server |\n|---|---|---|---|---:|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %d |\n", r.caller, shownPort.ReplaceAllString(r.called, ":PORT"), r.reason, r.recorded, r.reached)
	}
	return b.String()
}

// checkR6Callers rewrites (-update) or checks docs/reliability.md's R6-callers section.
func checkR6Callers(t *testing.T, table string) {
	const path = "../docs/reliability.md"
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	open, end := "<!-- R6-callers -->", "<!-- /R6-callers -->"
	re := regexp.MustCompile(`(?s)` + regexp.QuoteMeta(open) + `.*?` + regexp.QuoteMeta(end))
	block := open + "\n" + table + end
	current := re.FindString(string(raw))
	if current == block {
		return
	}
	if !*update || current == "" {
		t.Fatalf("docs/reliability.md's R6 table of callers is not current: run go test ./gateway -run TestOutgoingCallersRefused -update\nwant:\n%s", block)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(raw), current, block, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}
