package main_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/flowsd/flowsd/testdb"
)

// gatewaySink plays an SMS gateway that an EX channel sends to: it keeps every request, and can be told to
// fail the first few sends of each message.
type gatewaySink struct {
	srv       *httptest.Server
	mu        sync.Mutex
	sends     []url.Values // each request's form, in arrival order
	failFirst int          // how many times each message is refused (500) before it is taken
	tries     map[string]int
}

func newGatewaySink(t *testing.T) *gatewaySink {
	g := &gatewaySink{tries: map[string]int{}}
	g.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(body))
		g.mu.Lock()
		defer g.mu.Unlock()
		g.tries[form.Get("uuid")]++
		if g.tries[form.Get("uuid")] <= g.failFirst {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		g.sends = append(g.sends, form)
		w.Write([]byte("ok"))
	}))
	t.Cleanup(g.srv.Close)
	return g
}

// texts are the texts sent to a number, in order.
func (g *gatewaySink) texts(to string) []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []string
	for _, s := range g.sends {
		if s.Get("to") == to {
			out = append(out, s.Get("text"))
		}
	}
	return out
}

func (g *gatewaySink) count() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.sends)
}

// messagingSetup is a workspace with an EX channel pointed at a sink, the messaging flows imported, and its
// admin token, all made through the command line.
type messagingSetup struct {
	dbURL, ws, token, channel string
	sink                      *gatewaySink
}

func newMessagingSetup(t *testing.T, dbURL string, languages string, tps int) *messagingSetup {
	t.Helper()
	s := &messagingSetup{dbURL: dbURL, sink: newGatewaySink(t)}
	out, errOut, code := flowsd(t, nil, "workspace", "create", "--name", "Nyaruka", "--email", "admin@nyaruka.com", "--country", "RW",
		"--languages", languages, "--db", dbURL)
	if code != 0 {
		t.Fatalf("workspace create: %s", errOut)
	}
	var ws created
	must(t, json.Unmarshal([]byte(out), &ws))
	s.ws, s.token = ws.Workspace.UUID, ws.Token
	if _, errOut, code := flowsd(t, nil, append([]string{"import", "--workspace", s.ws, "--db", dbURL}, exportPaths("messaging.json")...)...); code != 0 {
		t.Fatalf("import: %s", errOut)
	}
	config := fmt.Sprintf(`{"send_url": %q, "method": "POST", "tps": %d}`, s.sink.srv.URL+"/send", tps)
	out, errOut, code = flowsd(t, nil, "channel", "create", "--workspace", s.ws, "--type", "EX", "--name", "Gateway",
		"--address", "+250788000001", "--country", "RW", "--config", config, "--db", dbURL)
	if code != 0 {
		t.Fatalf("channel create: %s", errOut)
	}
	var ch struct{ UUID, Type, Address string }
	must(t, json.Unmarshal([]byte(out), &ch))
	if ch.Type != "EX" || ch.Address != "+250788000001" {
		t.Fatalf("channel create printed %s", out)
	}
	s.channel = ch.UUID
	return s
}

// env is the server's environment: the sink is on loopback, so the deny list is set empty to allow it.
func (s *messagingSetup) env() []string {
	return []string{"FLOWSD_DB=" + s.dbURL, "FLOWSD_WORKER_POLL=50ms", "FLOWSD_SEND_RETRY=300ms", "FLOWSD_WEBHOOKS_DENY="}
}

// api calls the API with the admin token.
func (s *messagingSetup) api(t testing.TB, srv *server, method, path string, body any) (int, map[string]any) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, srv.url+path, r)
	req.Header.Set("Authorization", "Token "+s.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// receive posts a message to the channel's receive URL, as the gateway would.
func (s *messagingSetup) receive(t *testing.T, srv *server, from, text string) {
	t.Helper()
	resp, err := http.PostForm(srv.url+"/c/ex/"+s.channel+"/receive", url.Values{"from": {from}, "text": {text}})
	must(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"type":"msg"`) {
		t.Fatalf("receive answered %d %s", resp.StatusCode, body)
	}
}

// TestConversationThroughAGateway: a flow started through the API asks its question through the channel, the
// reply the gateway posts moves the run on, the result is stored, and the answer goes out; runs.json shows it.
func TestConversationThroughAGateway(t *testing.T) {
	eachDB(t, func(t *testing.T, dbURL string) {
		s := newMessagingSetup(t, dbURL, "eng", 10)
		srv := startServer(t, s.env())
		defer srv.stop(t)

		code, start := s.api(t, srv, "POST", "/api/v2/flow_starts.json", map[string]any{
			"flow": "0f200337-0277-4118-a064-eaebb8d055ac", "urns": []string{"tel:+250788123123"}})
		if code != 201 {
			t.Fatalf("flow start: %d %v", code, start)
		}
		question := "What is your favorite color? Red, blue or green?"
		waitFor(t, "the question to reach the gateway", 30*time.Second, func() bool { return len(s.sink.texts("+250788123123")) == 1 })
		if got := s.sink.texts("+250788123123"); got[0] != question {
			t.Fatalf("gateway got %q", got)
		}

		s.receive(t, srv, "+250788123123", "blue")
		waitFor(t, "the answer to reach the gateway", 30*time.Second, func() bool { return len(s.sink.texts("+250788123123")) == 2 })
		if got := s.sink.texts("+250788123123"); got[1] != "Great, Blue it is!" {
			t.Fatalf("gateway got %q", got)
		}

		code, runs := s.api(t, srv, "GET", "/api/v2/runs.json?flow=0f200337-0277-4118-a064-eaebb8d055ac", nil)
		results, _ := runs["results"].([]any)
		if code != 200 || len(results) != 1 {
			t.Fatalf("runs: %d %v", code, runs)
		}
		run := results[0].(map[string]any)
		color, _ := run["values"].(map[string]any)["color"].(map[string]any)
		if run["exit_type"] != "completed" || color["category"] != "Blue" || color["value"] != "blue" {
			t.Fatalf("run is %v", run)
		}
		// the gateway has the answer before its sender records it wired: the listing catches up
		want := []string{"out wired Great, Blue it is!", "in handled blue", "out wired " + question}
		var seen []string
		listing := func() bool {
			code, listed := s.api(t, srv, "GET", "/api/v2/messages.json", nil)
			msgs, _ := listed["results"].([]any)
			seen = seen[:0]
			for _, m := range msgs {
				m := m.(map[string]any)
				seen = append(seen, fmt.Sprintf("%s %s %s", m["direction"], m["status"], m["text"]))
			}
			return code == 200 && strings.Join(seen, "|") == strings.Join(want, "|")
		}
		deadline := time.Now().Add(10 * time.Second)
		for !listing() {
			if time.Now().After(deadline) {
				t.Fatalf("messages.json lists %q, want %q", seen, want)
			}
			time.Sleep(50 * time.Millisecond)
		}
		// messages go out once: nothing more arrives
		time.Sleep(300 * time.Millisecond)
		if n := s.sink.count(); n != 2 {
			t.Fatalf("the gateway got %d sends, want 2", n)
		}
		db := testdb.Raw(t, dbURL)
		var statuses []string
		must(t, db.Raw("SELECT status FROM msgs WHERE direction = 'out' ORDER BY id").Scan(&statuses).Error)
		if strings.Join(statuses, ",") != "wired,wired" {
			t.Fatalf("outgoing statuses %v", statuses)
		}
	})
}

// TestGatewayFailsTwiceThenAccepts: a gateway that refuses a message twice gets it a third time, after
// courier's retry intervals, and never again once it took it.
func TestGatewayFailsTwiceThenAccepts(t *testing.T) {
	eachDB(t, func(t *testing.T, dbURL string) {
		s := newMessagingSetup(t, dbURL, "eng", 10)
		s.sink.failFirst = 2
		srv := startServer(t, s.env())
		defer srv.stop(t)

		s.receive(t, srv, "+250788123123", "color")
		waitFor(t, "the question to get through", 30*time.Second, func() bool { return s.sink.count() == 1 })
		time.Sleep(time.Second)
		s.sink.mu.Lock()
		defer s.sink.mu.Unlock()
		if len(s.sink.sends) != 1 {
			t.Fatalf("the gateway took %d sends, want 1", len(s.sink.sends))
		}
		for id, n := range s.sink.tries {
			if n != 3 {
				t.Fatalf("message %s was tried %d times, want 3", id, n)
			}
		}
		db := testdb.Raw(t, dbURL)
		var row struct {
			Status     string
			ErrorCount int
		}
		must(t, db.Raw("SELECT status, error_count FROM msgs WHERE direction = 'out'").Scan(&row).Error)
		if row.Status != "wired" || row.ErrorCount != 2 {
			t.Fatalf("message is %+v, want wired after 2 errors", row)
		}
		var logs int64
		must(t, db.Raw("SELECT COUNT(*) FROM channel_logs").Scan(&logs).Error)
		if logs < 4 { // a receive and three sends
			t.Fatalf("%d channel logs", logs)
		}
	})
}

// TestSendsSurviveKill: a process killed while sending leaves the rest queued; the next process sends them, and
// nobody gets a message twice that the gateway took.
func TestSendsSurviveKill(t *testing.T) {
	eachDB(t, func(t *testing.T, dbURL string) {
		s := newMessagingSetup(t, dbURL, "eng", 1000)
		// a short webhook timeout makes a short lease: what the killed process had claimed goes again soon
		env := append(s.env(), "FLOWSD_SEND_CONCURRENCY=1", "FLOWSD_SEND_WORKERS=1", "FLOWSD_WEBHOOK_TIMEOUT=1s")
		// a slow gateway keeps sends in flight when the kill comes
		slow := s.sink.srv.Config.Handler
		s.sink.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			time.Sleep(5 * time.Millisecond)
			slow.ServeHTTP(w, r)
		})
		const n = 400
		urnList := make([]string, 0, 100)
		srv := startServer(t, env)
		for batch := 0; batch < n/100; batch++ {
			urnList = urnList[:0]
			for i := 0; i < 100; i++ {
				urnList = append(urnList, fmt.Sprintf("tel:+25078830%04d", batch*100+i))
			}
			code, body := s.api(t, srv, "POST", "/api/v2/flow_starts.json", map[string]any{"flow": "0f200337-0277-4118-a064-eaebb8d055ac", "urns": urnList})
			if code != 201 {
				t.Fatalf("flow start: %d %v", code, body)
			}
		}
		waitFor(t, "some sends", 60*time.Second, func() bool { return s.sink.count() >= 50 })
		srv.cmd.Process.Signal(syscall.SIGKILL)
		srv.cmd.Wait()
		if s.sink.count() >= n {
			t.Fatal("everything was sent before the kill: make the test bigger")
		}

		second := startServer(t, env)
		defer second.stop(t)
		waitFor(t, "every question to be sent", 120*time.Second, func() bool { return s.sink.count() >= n })
		time.Sleep(500 * time.Millisecond)
		seen := map[string]int{}
		s.sink.mu.Lock()
		for _, send := range s.sink.sends {
			seen[send.Get("to")]++
		}
		s.sink.mu.Unlock()
		if len(seen) != n {
			t.Fatalf("%d numbers got the question, want %d", len(seen), n)
		}
		// a send in flight at the kill may go again (the gateway took it, nobody recorded it): at most one per
		// sender slot; every recorded send is never repeated
		dupes := 0
		for _, c := range seen {
			dupes += c - 1
		}
		if dupes > 1 {
			t.Fatalf("%d repeated sends after the kill", dupes)
		}
	})
}

// TestBroadcastInTwoLanguages: a broadcast to a group reaches each member through the gateway in their own
// language, with their name in it, once; blocked members get nothing; broadcasts.json and messages.json show it.
func TestBroadcastInTwoLanguages(t *testing.T) {
	eachDB(t, func(t *testing.T, dbURL string) {
		s := newMessagingSetup(t, dbURL, "eng,kin", 1000)
		srv := startServer(t, s.env())
		defer srv.stop(t)

		code, group := s.api(t, srv, "POST", "/api/v2/groups.json", map[string]any{"name": "Farmers"})
		if code != 201 {
			t.Fatalf("group: %d %v", code, group)
		}
		people := []struct{ name, urn, lang string }{
			{"Ann Uwase", "tel:+250788000101", "kin"}, {"Bob Smith", "tel:+250788000102", "eng"},
			{"Cy Mugisha", "tel:+250788000103", "kin"}, {"Dee Blocked", "tel:+250788000104", "eng"},
		}
		for _, p := range people {
			code, c := s.api(t, srv, "POST", "/api/v2/contacts.json", map[string]any{"name": p.name, "language": p.lang,
				"urns": []string{p.urn}, "groups": []string{group["uuid"].(string)}})
			if code != 201 {
				t.Fatalf("contact: %d %v", code, c)
			}
		}
		if code, _ := s.api(t, srv, "POST", "/api/v2/contact_actions.json", map[string]any{"contacts": []string{"tel:+250788000104"}, "action": "block"}); code != 204 {
			t.Fatalf("block: %d", code)
		}
		code, b := s.api(t, srv, "POST", "/api/v2/broadcasts.json", map[string]any{
			"text": map[string]any{"eng": "Hello @contact.first_name", "kin": "Muraho @contact.first_name"}, "groups": []string{"Farmers"}})
		if code != 201 || b["status"] != "pending" {
			t.Fatalf("broadcast: %d %v", code, b)
		}
		waitFor(t, "the broadcast to reach the gateway", 30*time.Second, func() bool { return s.sink.count() >= 3 })
		time.Sleep(300 * time.Millisecond)
		want := map[string]string{"+250788000101": "Muraho Ann", "+250788000102": "Hello Bob", "+250788000103": "Muraho Cy"}
		for to, text := range want {
			if got := s.sink.texts(to); len(got) != 1 || got[0] != text {
				t.Fatalf("%s got %q, want [%q]", to, got, text)
			}
		}
		if n := s.sink.count(); n != 3 {
			t.Fatalf("the gateway got %d messages, want 3 (nothing for the blocked contact)", n)
		}
		id := fmt.Sprint(b["id"])
		waitFor(t, "the broadcast to be completed", 10*time.Second, func() bool {
			_, listed := s.api(t, srv, "GET", "/api/v2/broadcasts.json?id="+id, nil)
			r, _ := listed["results"].([]any)
			return len(r) == 1 && r[0].(map[string]any)["status"] == "completed"
		})
		_, listed := s.api(t, srv, "GET", "/api/v2/broadcasts.json?id="+id, nil)
		progress := listed["results"].([]any)[0].(map[string]any)["progress"].(map[string]any)
		if progress["total"] != 3.0 || progress["started"] != 3.0 {
			t.Fatalf("progress is %v", progress)
		}
		_, msgs := s.api(t, srv, "GET", "/api/v2/messages.json?broadcast="+id, nil)
		if r, _ := msgs["results"].([]any); len(r) != 3 {
			t.Fatalf("messages.json lists %d messages of the broadcast", len(r))
		}
	})
}

// TestChannelCommands: channel create prints the channel, with RapidPro's default send body filled in; list
// prints the workspace's channels; bad command lines are usage errors that write nothing.
func TestChannelCommands(t *testing.T) {
	eachDB(t, func(t *testing.T, dbURL string) {
		ws := createNyaruka(t, dbURL)
		out, errOut, code := flowsd(t, nil, "channel", "create", "--workspace", ws.Workspace.UUID, "--type", "ex", "--name", " Gateway ",
			"--address", "+250788000001", "--country", "rw", "--config", `{"send_url": "http://localhost/send?to={{to}}&text={{text}}", "method": "GET"}`, "--db", dbURL)
		if code != 0 {
			t.Fatalf("channel create: %d %s", code, errOut)
		}
		var ch struct{ UUID, Name, Type, Address string }
		must(t, json.Unmarshal([]byte(out), &ch))
		if ch.Name != "Gateway" || ch.Type != "EX" || ch.Address != "+250788000001" || len(ch.UUID) != 36 {
			t.Fatalf("channel create printed %s", out)
		}
		db := testdb.Raw(t, dbURL)
		var row struct{ Country, Config, Schemes string }
		must(t, db.Raw("SELECT country, config, schemes FROM channels WHERE uuid = ?", ch.UUID).Scan(&row).Error)
		if row.Country != "RW" || row.Schemes != `["tel"]` || !strings.Contains(row.Config, `"body":"uuid={{uuid}}&text={{text}}`) ||
			!strings.Contains(row.Config, `"send_url":"http://localhost/send?to={{to}}&text={{text}}"`) {
			t.Fatalf("stored channel %+v", row)
		}
		out, errOut, code = flowsd(t, nil, "channel", "list", "--workspace", ws.Workspace.UUID, "--db", dbURL)
		if code != 0 || !strings.Contains(out, ch.UUID) || !strings.HasPrefix(strings.TrimSpace(out), "[") {
			t.Fatalf("channel list: %d %s %s", code, out, errOut)
		}

		for _, tc := range []struct {
			args []string
			code int
			err  string
		}{
			{[]string{"channel"}, 2, `use "flowsd channel create" or "flowsd channel list"`},
			{[]string{"channel", "create", "--type", "EX", "--name", "X", "--address", "1"}, 2, "--workspace is required"},
			{[]string{"channel", "create", "--workspace", ws.Workspace.UUID, "--type", "ZZ", "--name", "X", "--address", "1"}, 2, "--type must be one of"},
			{[]string{"channel", "create", "--workspace", ws.Workspace.UUID, "--type", "EX", "--address", "1"}, 2, "--name is required"},
			{[]string{"channel", "create", "--workspace", ws.Workspace.UUID, "--type", "EX", "--name", strings.Repeat("x", 65), "--address", "1"}, 2, "--name can't be longer"},
			{[]string{"channel", "create", "--workspace", ws.Workspace.UUID, "--type", "EX", "--name", "X"}, 2, "--address is required"},
			{[]string{"channel", "create", "--workspace", ws.Workspace.UUID, "--type", "EX", "--name", "X", "--address", "1", "--country", "XX"}, 2, "not an ISO 3166-1"},
			{[]string{"channel", "create", "--workspace", ws.Workspace.UUID, "--type", "EX", "--name", "X", "--address", "1", "--config", "{nope"}, 2, "--config"},
			{[]string{"channel", "create", "--workspace", ws.Workspace.UUID, "--type", "EX", "--name", "X", "--address", "1", "--config", "[1]"}, 2, "--config"},
			{[]string{"channel", "create", "--workspace", ws.Workspace.UUID, "--type", "EX", "--name", "X", "--address", "1", "--config", "{} {}"}, 2, "nothing after it"},
			{[]string{"channel", "create", "--workspace", "00000000-0000-4000-8000-000000000000", "--type", "EX", "--name", "X", "--address", "1"}, 1, "no workspace with UUID"},
			{[]string{"channel", "list"}, 2, "--workspace is required"},
		} {
			_, errOut, code := flowsd(t, nil, append(tc.args, "--db", dbURL)...)
			if code != tc.code || !strings.Contains(errOut, tc.err) {
				t.Errorf("%v: exit %d, %q; want %d, %q", tc.args, code, errOut, tc.code, tc.err)
			}
		}
		var n int64
		must(t, db.Raw("SELECT COUNT(*) FROM channels").Scan(&n).Error)
		if n != 1 {
			t.Fatalf("%d channels after the refused commands", n)
		}
	})
}

// TestDefaultDenyListStopsSends: a server started without FLOWSD_WEBHOOKS_DENY keeps the default list, so a
// channel sending to a gateway on loopback never reaches it: the message errors, is tried again, and fails,
// each attempt's channel log saying why.
func TestDefaultDenyListStopsSends(t *testing.T) {
	eachDB(t, func(t *testing.T, dbURL string) {
		s := newMessagingSetup(t, dbURL, "eng", 10)
		srv := startServer(t, []string{"FLOWSD_DB=" + dbURL, "FLOWSD_WORKER_POLL=50ms", "FLOWSD_SEND_RETRY=100ms"})
		defer srv.stop(t)

		s.receive(t, srv, "+250788123123", "color")
		db := testdb.Raw(t, dbURL)
		var status string
		waitFor(t, "the question to fail", 30*time.Second, func() bool {
			must(t, db.Raw("SELECT status FROM msgs WHERE direction = 'out'").Scan(&status).Error)
			return status == "failed"
		})
		s.sink.mu.Lock()
		tries := len(s.sink.tries)
		s.sink.mu.Unlock()
		if tries != 0 {
			t.Fatalf("the gateway on loopback got %d messages", tries)
		}
		var errs []string
		must(t, db.Raw("SELECT errors FROM channel_logs WHERE log_type = 'msg_send' ORDER BY id").Scan(&errs).Error)
		if len(errs) != 3 {
			t.Fatalf("%d send logs, want 3", len(errs))
		}
		for _, e := range errs {
			if !strings.Contains(e, "flowsd: address 127.0.0.1 is denied by FLOWSD_WEBHOOKS_DENY") {
				t.Errorf("send log errors %s", e)
			}
		}
		if !strings.Contains(srv.stderr(), "outgoing call denied") {
			t.Errorf("the server didn't log the denials: %s", srv.stderr())
		}
	})
}

// createNyaruka makes the Nyaruka workspace with workspace create.
func createNyaruka(t *testing.T, dbURL string) created {
	t.Helper()
	out, errOut, code := flowsd(t, nil, "workspace", "create", "--name", "Nyaruka", "--email", "admin@nyaruka.com", "--db", dbURL)
	if code != 0 {
		t.Fatalf("workspace create: %s", errOut)
	}
	var ws created
	must(t, json.Unmarshal([]byte(out), &ws))
	return ws
}

// TestWACChannelCreate: the command line makes a WhatsApp Cloud channel on the whatsapp scheme with its
// config kept as given; a config the type can't use is a usage error that writes nothing.
func TestWACChannelCreate(t *testing.T) {
	eachDB(t, func(t *testing.T, dbURL string) {
		ws := createNyaruka(t, dbURL)
		cfg := `{"wa_waba_id":"111","access_token":"tok","app_secret":"sec","verify_token":"ver","graph_url":"https://graph.facebook.com","graph_version":"v25.0"}`
		out, errOut, code := flowsd(t, nil, "channel", "create", "--workspace", ws.Workspace.UUID, "--type", "WAC", "--name", "WhatsApp",
			"--address", "106540352242922", "--config", cfg, "--db", dbURL)
		if code != 0 {
			t.Fatalf("channel create: %d %s", code, errOut)
		}
		if strings.Contains(out, "tok") || strings.Contains(out, "sec") {
			t.Errorf("channel create printed a secret: %s", out)
		}
		var ch struct{ UUID, Type, Address string }
		must(t, json.Unmarshal([]byte(out), &ch))
		db := testdb.Raw(t, dbURL)
		var row struct{ Config, Schemes string }
		must(t, db.Raw("SELECT config, schemes FROM channels WHERE uuid = ?", ch.UUID).Scan(&row).Error)
		if ch.Type != "WAC" || ch.Address != "106540352242922" || row.Schemes != `["whatsapp"]` || !strings.Contains(row.Config, `"wa_waba_id":"111"`) ||
			!strings.Contains(row.Config, `"tps":80`) {
			t.Fatalf("channel %s stored %+v", out, row)
		}
		for _, tc := range []struct {
			address, config, err string
		}{
			{"+250788000001", "{}", "digits only"},
			{"1234", `{"access_token": 12}`, "config access_token must be a string"},
			{"1234", `{"graph_url": "graph.facebook.com"}`, "must be an http:// or https:// URL"},
			{"1234", `{"graph_version": "latest"}`, "must be a version like v25.0"},
			{"1234", `{"session_window": "off"}`, "must be true or false"},
		} {
			_, errOut, code := flowsd(t, nil, "channel", "create", "--workspace", ws.Workspace.UUID, "--type", "WAC", "--name", "X",
				"--address", tc.address, "--config", tc.config, "--db", dbURL)
			if code != 2 || !strings.Contains(errOut, tc.err) {
				t.Errorf("%s %s: exit %d, %q; want 2, %q", tc.address, tc.config, code, errOut, tc.err)
			}
		}
		var n int64
		must(t, db.Raw("SELECT COUNT(*) FROM channels").Scan(&n).Error)
		if n != 1 {
			t.Fatalf("%d channels after the refused commands", n)
		}
	})
}

// TestWACSettingsHelp: serve --help names the WAC defaults but never prints their values from the environment.
func TestWACSettingsHelp(t *testing.T) {
	_, errOut, code := flowsd(t, []string{"FLOWSD_WAC_ACCESS_TOKEN=env-token-2a7c", "FLOWSD_WAC_APP_SECRET=env-secret-9d1f"}, "serve", "--help")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, s := range []string{"FLOWSD_WAC_ACCESS_TOKEN", "FLOWSD_WAC_APP_SECRET", "FLOWSD_WAC_VERIFY_TOKEN", "-wac-access-token"} {
		if !strings.Contains(errOut, s) {
			t.Errorf("serve --help does not mention %s", s)
		}
	}
	for _, s := range []string{"env-token-2a7c", "env-secret-9d1f"} {
		if strings.Contains(errOut, s) {
			t.Errorf("serve --help shows the secret %s", s)
		}
	}
}
