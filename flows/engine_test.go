package flows

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/testdb"
	"github.com/nyaruka/gocommon/urns"
)

// importFile imports one of the test exports into the workspace, rewriting its text first, and evaluates
// the smart groups it made.
func (e *hostEnv) importFile(name string, rewrite ...string) {
	data, err := os.ReadFile(filepath.Join("..", "testdata", "exports", name))
	must(e.t, err)
	data = []byte(strings.NewReplacer(rewrite...).Replace(string(data)))
	spec, err := ParseExport(data)
	must(e.t, err)
	_, err = Import(e.ctx, e.store, e.ws, spec)
	must(e.t, err)
	evaluateGroups(e.t, e.store)
}

func (e *hostEnv) flow(uuid string) *models.Flow {
	f, err := e.store.GetFlow(e.ctx, e.ws.ID, uuid)
	must(e.t, err)
	return f
}

func (e *hostEnv) group(uuid string) *models.Group {
	g := &models.Group{}
	must(e.t, e.db.Raw.Where("workspace_id = ? AND uuid = ?", e.ws.ID, uuid).Take(g).Error)
	return g
}

// startNow starts contacts in a flow and works the start through.
func (e *hostEnv) startNow(flowUUID string, contacts ...*models.Contact) {
	ids := make([]int64, len(contacts))
	for i, c := range contacts {
		ids[i] = c.ID
	}
	e.start(e.flow(flowUUID), ids, nil, "{}", true, false)
	e.drain(25)
}

// send is a message from a contact's URN.
func (e *hostEnv) send(urn, text string) *models.Msg {
	m, err := e.host.HandleIncoming(e.ctx, e.ws, Incoming{URN: urns.URN(urn), Text: text})
	must(e.t, err)
	return m
}

// texts are the messages flows sent a contact, oldest first.
func (e *hostEnv) texts(c *models.Contact) []string {
	var texts []string
	must(e.t, e.db.Raw.Model(&models.Msg{}).Where("contact_id = ? AND direction = ?", c.ID, models.MsgOut).Order("id").Pluck("text", &texts).Error)
	return texts
}

func (e *hostEnv) lastText(c *models.Contact) string {
	texts := e.texts(c)
	if len(texts) == 0 {
		return ""
	}
	return texts[len(texts)-1]
}

// wantLast fails the test unless the last message flows sent a contact is text.
func (e *hostEnv) wantLast(c *models.Contact, text string) {
	e.t.Helper()
	if got := e.lastText(c); got != text {
		e.t.Fatalf("last message to %s is %q, want %q", c.UUID, got, text)
	}
}

func (e *hostEnv) refresh(c *models.Contact) *models.Contact {
	fresh := &models.Contact{}
	must(e.t, e.db.Raw.Take(fresh, c.ID).Error)
	return fresh
}

// runs are a contact's runs, oldest first.
func (e *hostEnv) runs(c *models.Contact) []models.FlowRun {
	var runs []models.FlowRun
	must(e.t, e.db.Raw.Where("contact_id = ?", c.ID).Order("id").Find(&runs).Error)
	return runs
}

func (e *hostEnv) results(r models.FlowRun) map[string]map[string]any {
	var results map[string]map[string]any
	must(e.t, json.Unmarshal([]byte(r.Results), &results))
	return results
}

func eachHostDialect(t *testing.T, fn func(t *testing.T, e *hostEnv)) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) { fn(t, newHostEnv(t, d)) })
}

const (
	favoriteColor = "0f200337-0277-4118-a064-eaebb8d055ac"
	ageCheck      = "cca23ee0-4491-4f6e-970f-e51ef9c9e334"
	profileUpdate = "5ef9c93b-266f-4b7b-8bb9-f233d4d0630a"
	tagReporter   = "38fcf72c-f480-42d7-ac70-a05e9c6d0e54"
	registration  = "92e06538-fd60-485a-9541-e61c685c8e1f"
	inviteReports = "08ba04c7-4dd2-4541-b637-c560767e27f8"
	webhookLookup = "2a067069-6390-44f6-8dd4-be4674574878"
	resthookFlow  = "ac16a8a9-4d75-4acd-9938-cae62e016c3d"
	reportersUUID = "2f7d208a-c2d5-4a3c-ac53-56e13ad7a641"
	spammersUUID  = "2d2254f2-27cb-4c8a-a7af-9afb3667a9f0"
	adultsUUID    = "444baee9-a984-4fc8-bfdb-531921d19bf1"
)

// TestReplies: a started contact waits in the flow (their current flow), and their reply resumes it: the run
// records the result and the path, and the session ends.
func TestReplies(t *testing.T) {
	eachHostDialect(t, func(t *testing.T, e *hostEnv) {
		e.importFile("messaging.json")
		ann := e.contact("Ann", "tel:+250788000001")
		e.startNow(favoriteColor, ann)

		e.wantLast(ann, "What is your favorite color? Red, blue or green?")
		ann = e.refresh(ann)
		if ann.CurrentFlowID == nil || *ann.CurrentFlowID != e.flow(favoriteColor).ID || ann.CurrentSessionID == nil {
			t.Fatalf("contact isn't waiting in the flow: %+v", ann)
		}
		var session models.FlowSession
		must(t, e.db.Raw.Take(&session, *ann.CurrentSessionID).Error)
		if session.Status != models.SessionWaiting || session.TimeoutOn == nil || session.ExpiresOn == nil {
			t.Fatalf("session is %+v", session)
		}
		if d := session.TimeoutOn.Sub(e.store.Now()); d < 290*time.Second || d > 300*time.Second {
			t.Fatalf("timeout in %s, want 300s", d)
		}

		in := e.send("tel:+250788000001", "I like RED")
		e.wantLast(ann, "Great, Red it is!")
		if in.Direction != models.MsgIn || in.FlowID == nil || *in.FlowID != e.flow(favoriteColor).ID {
			t.Fatalf("incoming message is %+v", in)
		}
		runs := e.runs(ann)
		if len(runs) != 1 || runs[0].Status != models.RunCompleted || !runs[0].Responded || runs[0].ExitedOn == nil {
			t.Fatalf("runs are %+v", runs)
		}
		color := e.results(runs[0])["color"]
		if color["value"] != "RED" || color["category"] != "Red" || color["name"] != "Color" || color["input"] != "I like RED" {
			t.Fatalf("result is %v", color)
		}
		var path []map[string]any
		must(t, json.Unmarshal([]byte(runs[0].Path), &path))
		if len(path) != 3 || path[0]["node"] != "5efc1aa2-1ed6-4f14-af49-f7fed945687e" || path[2]["node"] != "b791b013-b3ff-4145-9b48-912b4193c7a5" {
			t.Fatalf("path is %v", path)
		}
		if ann = e.refresh(ann); ann.CurrentFlowID != nil || ann.CurrentSessionID != nil || ann.LastSeenOn == nil {
			t.Fatalf("contact after the flow: %+v", ann)
		}
		// a reply with no waiting session and no trigger is just kept
		e.send("tel:+250788000001", "thanks")
		if n := e.count("msgs", "contact_id = ? AND direction = ?", ann.ID, models.MsgIn); n != 2 {
			t.Fatalf("%d incoming messages, want 2", n)
		}
	})
}

// TestTimeoutsAndExpiry: a wait's timeout takes its timeout route when it comes, and a flow's expiry ends
// the run as expired; a session that moved on is left alone.
func TestTimeoutsAndExpiry(t *testing.T) {
	eachHostDialect(t, func(t *testing.T, e *hostEnv) {
		e.importFile("messaging.json")
		bob := e.contact("Bob", "tel:+250788000002")
		cat := e.contact("Cat", "tel:+250788000003")
		dan := e.contact("Dan", "tel:+250788000004")
		e.startNow(favoriteColor, bob, dan)
		e.startNow(ageCheck, cat)
		e.send("tel:+250788000004", "blue") // Dan answers in time

		if n, err := e.host.FireDue(e.ctx, 100); err != nil || n != 0 {
			t.Fatalf("fired %d (%v) before anything was due", n, err)
		}
		e.clock.Set(e.store.Now().Add(301 * time.Second))
		n, err := e.host.FireDue(e.ctx, 100)
		must(t, err)
		if n != 1 {
			t.Fatalf("fired %d, want Bob's timeout only", n)
		}
		e.wantLast(bob, "We didn't hear back. Text COLOR to try again.")
		if runs := e.runs(bob); runs[0].Status != models.RunCompleted || runs[0].Responded {
			t.Fatalf("Bob's run is %+v", runs[0])
		}
		if got := e.results(e.runs(bob)[0])["color"]["category"]; got != "No Response" {
			t.Fatalf("Bob's color is %v", got)
		}
		if got := e.texts(dan); len(got) != 2 {
			t.Fatalf("Dan, who answered, got %v", got)
		}

		// Age Check has no timeout but expires after 720 minutes
		e.clock.Set(time.Now().Add(721 * time.Minute))
		n, err = e.host.FireDue(e.ctx, 100)
		must(t, err)
		if n != 1 {
			t.Fatalf("fired %d, want Cat's expiry", n)
		}
		runs := e.runs(cat)
		if runs[0].Status != models.RunExpired || runs[0].ExitedOn == nil {
			t.Fatalf("Cat's run is %+v", runs[0])
		}
		if cat = e.refresh(cat); cat.CurrentFlowID != nil {
			t.Fatalf("Cat is still in a flow")
		}
		var catSession models.FlowSession
		must(t, e.db.Raw.Where("contact_id = ?", cat.ID).Take(&catSession).Error)
		// the engine ends a session whose only run expired as completed; the run says it expired
		if catSession.Status != models.SessionCompleted || catSession.EndedOn == nil {
			t.Fatalf("Cat's session is %s, want completed", catSession.Status)
		}
	})
}

// TestTriggers: a keyword starts its flow for a new URN (making the contact), a second keyword interrupts
// the first flow, other text answers the waiting flow, and a catch-all only fires with no flow waiting.
func TestTriggers(t *testing.T) {
	eachHostDialect(t, func(t *testing.T, e *hostEnv) {
		e.importFile("messaging.json")
		e.send("tel:+250788000005", "Color please")
		c, err := e.store.GetContactByURN(e.ctx, e.ws.ID, "tel:+250788000005")
		must(t, err)
		e.wantLast(c, "What is your favorite color? Red, blue or green?")
		e.send("tel:+250788000005", "age")
		e.wantLast(c, "How old are you?")
		runs := e.runs(c)
		if len(runs) != 2 || runs[0].Status != models.RunInterrupted || runs[1].Status != models.RunWaiting {
			t.Fatalf("runs are %+v", runs)
		}
		e.send("tel:+250788000005", "fifty")
		e.wantLast(c, "Please send your age as a number, e.g. 25.")
		e.send("tel:+250788000005", "hello") // a flow is waiting: the catch-all stays out of it
		e.wantLast(c, "Please send your age as a number, e.g. 25.")
		e.send("tel:+250788000005", "17")
		e.wantLast(c, "Thanks! You are 17, so you are under 18.")
		e.send("tel:+250788000005", "hello")
		if runs := e.runs(c); len(runs) != 3 || runs[2].FlowID != e.flow("60bfba39-f50e-4e53-b3ed-21192c827400").ID {
			t.Fatalf("catch-all didn't start Keyword Menu: %+v", runs)
		}
	})
}

// TestContactChanges: what a flow does to its contact (name, language, fields, groups) is written back, and
// smart groups follow the new field values.
func TestContactChanges(t *testing.T) {
	eachHostDialect(t, func(t *testing.T, e *hostEnv) {
		e.importFile("contacts.json")
		dan := e.contact("Dan", "tel:+250788000006")
		spammers := e.group(spammersUUID)
		must(t, e.store.ChangeGroup(e.ctx, e.ws, spammers, []int64{dan.ID}, true))
		e.startNow(profileUpdate, dan)
		e.send("tel:+250788000006", "Danny")
		e.send("tel:+250788000006", "I am 42")

		dan = e.refresh(dan)
		if dan.Name == nil || *dan.Name != "Danny" || dan.Language == nil || *dan.Language != "fra" {
			t.Fatalf("contact is %+v", dan)
		}
		details, err := e.store.LoadContactDetails(e.ctx, []int64{dan.ID})
		must(t, err)
		var groups []string
		for _, g := range details[dan.ID].Groups {
			groups = append(groups, g.Name)
		}
		if strings.Join(groups, ",") != "Adults,Reporters" && strings.Join(groups, ",") != "Reporters,Adults" {
			t.Fatalf("groups are %v", groups)
		}
		byKey := map[string]string{}
		var fields []models.Field
		must(t, e.db.Raw.Where("workspace_id = ?", e.ws.ID).Find(&fields).Error)
		for _, f := range fields {
			if v := details[dan.ID].Fields[f.ID]; v != nil {
				byKey[f.Key] = v.Text
			}
		}
		if byKey["nick_name"] != "Danny" || byKey["age"] != "42" || byKey["registered_on"] == "" {
			t.Fatalf("fields are %v", byKey)
		}
		e.wantLast(dan, "Saved. You are now a reporter, Danny.")
	})
}

// TestBackgroundFlowKeepsWait: a background flow runs beside the flow a contact waits in, which goes on.
func TestBackgroundFlowKeepsWait(t *testing.T) {
	eachHostDialect(t, func(t *testing.T, e *hostEnv) {
		e.importFile("contacts.json")
		e.importFile("messaging.json")
		eve := e.contact("Eve", "tel:+250788000007")
		e.startNow(favoriteColor, eve)
		e.startNow(tagReporter, eve)
		eve = e.refresh(eve)
		if eve.CurrentFlowID == nil || *eve.CurrentFlowID != e.flow(favoriteColor).ID {
			t.Fatalf("the background flow ended the wait")
		}
		if n := e.count("contact_group_members", "contact_id = ? AND group_id = ?", eve.ID, e.group(reportersUUID).ID); n != 1 {
			t.Fatalf("the background flow didn't add Eve to Reporters")
		}
		// contact_actions' interrupt ends the wait
		must(t, e.host.Interrupt(e.ctx, e.ws, []int64{eve.ID}))
		if eve = e.refresh(eve); eve.CurrentFlowID != nil || e.runs(eve)[0].Status != models.RunInterrupted {
			t.Fatalf("interrupt left %+v", eve)
		}
	})
}

// TestSubflowsBroadcastsAndStartSession: send_broadcast messages a group, start_session starts it in another
// flow (a start the workers work), and a subflow's answer reaches its parent.
func TestSubflowsBroadcastsAndStartSession(t *testing.T) {
	eachHostDialect(t, func(t *testing.T, e *hostEnv) {
		e.importFile("subflows.json")
		reporters := e.group(reportersUUID)
		var members []*models.Contact
		for i, name := range []string{"Fay", "Gus", "Hal"} {
			c := e.contact(name, "tel:+25078800010"+string(rune('0'+i)))
			members = append(members, c)
			must(t, e.store.ChangeGroup(e.ctx, e.ws, reporters, []int64{c.ID}, true))
		}
		ivy := e.contact("Ivy", "tel:+250788000200")
		e.startNow(inviteReports, ivy)
		e.wantLast(ivy, "Thanks, we've invited the reporters.")
		for _, m := range members {
			texts := e.texts(m)
			if len(texts) != 2 || texts[0] != "A new reporter joined: Ivy" || texts[1] != "Welcome! What's your name?" {
				t.Fatalf("%s got %v", *m.Name, texts)
			}
		}
		var start models.FlowStart
		must(t, e.db.Raw.Where("start_type = ?", models.StartTypeFlow).Take(&start).Error)
		if start.Status != models.StartCompleted || start.ContactCount != 3 || !start.ExcludeActive || start.CreatedByID != nil {
			t.Fatalf("the flow's start is %+v", start)
		}

		fay := members[0]
		e.send("tel:+250788000100", "Fay")
		e.wantLast(fay, "Fay, how old are you?")
		e.send("tel:+250788000100", "33")
		e.wantLast(fay, "Thanks Fay, you are 33.")
		runs := e.runs(fay)
		if len(runs) != 2 || runs[0].Status != models.RunCompleted || runs[1].Status != models.RunCompleted || runs[0].SessionID != runs[1].SessionID {
			t.Fatalf("runs are %+v", runs)
		}
	})
}

// hookServer is a webhook and resthook subscriber on loopback: /gone answers 410.
type hookServer struct {
	*httptest.Server
	mu     sync.Mutex
	bodies map[string][]string
}

func newHookServer(t *testing.T) *hookServer {
	h := &hookServer{bodies: map[string][]string{}}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.bodies[r.URL.Path] = append(h.bodies[r.URL.Path], string(body))
		h.mu.Unlock()
		switch r.URL.Path {
		case "/gone":
			w.WriteHeader(http.StatusGone)
		case "/lookup":
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"name": "Jo from the CRM"}`))
		default:
			w.Write([]byte(`{"ok": true}`))
		}
	}))
	t.Cleanup(h.Close)
	return h
}

// TestWebhooksAndResthooks: a webhook's answer drives the flow and is logged; a resthook's payload is recorded
// and posted to each subscriber, and a subscriber answering 410 is unsubscribed.
func TestWebhooksAndResthooks(t *testing.T) {
	eachHostDialect(t, func(t *testing.T, e *hostEnv) {
		hooks := newHookServer(t)
		e.importFile("webhooks.json", "https://api.example.com/", hooks.URL+"/")
		var hook models.Resthook
		must(t, e.db.Raw.Where("workspace_id = ? AND slug = ?", e.ws.ID, "new-registration").Take(&hook).Error)
		now := e.store.Now()
		for _, path := range []string{"/hook", "/gone"} {
			must(t, e.db.Raw.Create(&models.ResthookSubscriber{WorkspaceID: e.ws.ID, ResthookID: hook.ID, TargetURL: hooks.URL + path,
				IsActive: true, CreatedOn: now, ModifiedOn: now}).Error)
		}
		must(t, e.db.Raw.Exec("UPDATE workspaces SET config_version = config_version + 1 WHERE id = ?", e.ws.ID).Error)

		// without a channel to reach it, @contact.urn is empty in expressions, as in RapidPro
		jo := e.contact("Jo", "tel:+250788000300")
		e.startNow(webhookLookup, jo)
		e.wantLast(jo, "Welcome back, Jo from the CRM!")
		var logs []models.HTTPLog
		must(t, e.db.Raw.Where("workspace_id = ?", e.ws.ID).Order("id").Find(&logs).Error)
		if len(logs) != 1 || logs[0].Status != "success" || logs[0].StatusCode != 200 || !strings.HasPrefix(logs[0].URL, hooks.URL+"/lookup?urn=") {
			t.Fatalf("http logs are %+v", logs)
		}

		e.startNow(resthookFlow, jo)
		if len(hooks.bodies["/hook"]) != 1 || len(hooks.bodies["/gone"]) != 1 {
			t.Fatalf("subscribers got %v", hooks.bodies)
		}
		var events []models.ResthookEvent
		must(t, e.db.Raw.Where("resthook_id = ?", hook.ID).Find(&events).Error)
		if len(events) != 1 || !strings.Contains(events[0].Data, `"name":"Jo"`) {
			t.Fatalf("resthook events are %+v", events)
		}
		var active []string
		must(t, e.db.Raw.Model(&models.ResthookSubscriber{}).Where("resthook_id = ? AND is_active", hook.ID).Pluck("target_url", &active).Error)
		if len(active) != 1 || active[0] != hooks.URL+"/hook" {
			t.Fatalf("active subscribers are %v", active)
		}
		// the next call reaches only the subscriber left
		e.startNow(resthookFlow, jo)
		if len(hooks.bodies["/hook"]) != 2 || len(hooks.bodies["/gone"]) != 1 {
			t.Fatalf("subscribers got %v", hooks.bodies)
		}
	})
}

// TestFiresSharedByProcesses: timeouts come due for many contacts at once and two processes (two stores on one
// PostgreSQL database, or two workers of one SQLite process) fire them side by side: every timeout fires once,
// none twice, none left.
func TestFiresSharedByProcesses(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newHostEnv(t, d)
		e.importFile("messaging.json")
		var contacts []*models.Contact
		for i := range 40 {
			contacts = append(contacts, e.contact(fmt.Sprint("P", i), fmt.Sprintf("tel:+2507881%05d", i)))
		}
		e.startNow(favoriteColor, contacts...)

		other := e.otherProcess()
		e.clock.Set(e.store.Now().Add(301 * time.Second))

		var wg sync.WaitGroup
		fired := make([]int, 2)
		for i, h := range []*Host{e.host, other} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					n, err := h.FireDue(e.ctx, 3)
					if err != nil {
						t.Error(err)
						return
					}
					if n == 0 {
						return
					}
					fired[i] += n
				}
			}()
		}
		wg.Wait()
		if fired[0]+fired[1] != len(contacts) {
			t.Errorf("fired %d and %d, want %d in all", fired[0], fired[1], len(contacts))
		}
		for _, c := range contacts {
			if got := e.count("msgs", "contact_id = ? AND text = ?", c.ID, "We didn't hear back. Text COLOR to try again."); got != 1 {
				t.Fatalf("%s got the timeout's message %d times", *c.Name, got)
			}
		}
		if due := e.count("flow_sessions", "status = ? AND timeout_on IS NOT NULL", models.SessionWaiting); due != 0 {
			t.Errorf("%d sessions still wait for their timeout", due)
		}
	})
}

// TestFireUnreadableSession: a due session the engine can't read fails, and the sessions due after it still
// fire; it would otherwise be first in line for ever.
func TestFireUnreadableSession(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newHostEnv(t, d)
		e.importFile("messaging.json")
		bad, good := e.contact("Bad", "tel:+250788000001"), e.contact("Good", "tel:+250788000002")
		e.startNow(favoriteColor, bad, good)
		must(t, e.db.Raw.Exec("UPDATE flow_sessions SET output = ? WHERE contact_id = ?", `{"nonsense": true}`, bad.ID).Error)
		e.clock.Set(e.store.Now().Add(301 * time.Second))

		n, err := e.host.FireDue(e.ctx, 100)
		must(t, err)
		if n != 2 {
			t.Fatalf("fired %d, want both", n)
		}
		e.wantLast(good, "We didn't hear back. Text COLOR to try again.")
		var session models.FlowSession
		must(t, e.db.Raw.Where("contact_id = ?", bad.ID).Take(&session).Error)
		if session.Status != models.SessionFailed || session.TimeoutOn != nil {
			t.Errorf("the unreadable session is %s with timeout %v", session.Status, session.TimeoutOn)
		}
		if runs := e.runs(bad); runs[0].Status != models.RunFailed {
			t.Errorf("its run is %s", runs[0].Status)
		}
		if bad = e.refresh(bad); bad.CurrentSessionID != nil {
			t.Error("its contact still waits in it")
		}
	})
}
