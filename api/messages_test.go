package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowsd/flowsd/flows"
	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/testdb"
	"github.com/nyaruka/gocommon/urns"
	"github.com/nyaruka/goflow/core"
)

type listedMsg struct {
	UUID      string  `json:"uuid"`
	ID        int64   `json:"id"`
	Text      string  `json:"text"`
	Type      string  `json:"type"`
	Status    string  `json:"status"`
	CreatedOn string  `json:"created_on"`
	SentOn    *string `json:"sent_on"`
	Flow      *struct {
		UUID string `json:"uuid"`
		Name string `json:"name"`
	} `json:"flow"`
	Channel *struct {
		Name string `json:"name"`
	} `json:"channel"`
	Labels []struct {
		Name string `json:"name"`
	} `json:"labels"`
}

func msgsOf(t *testing.T, p pageOf) []listedMsg {
	t.Helper()
	out := make([]listedMsg, len(p.Results))
	for i, r := range p.Results {
		if err := json.Unmarshal(r, &out[i]); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// walkMsgs follows next links from path to the end, and back with previous links from there: the messages
// each way, and the pages going forwards.
func (e *env) walkMsgs(t *testing.T, path, auth string) (forward, backward []listedMsg, pages []pageOf) {
	t.Helper()
	for path != "" {
		p := e.getPage(path, auth)
		pages = append(pages, p)
		forward = append(forward, msgsOf(t, p)...)
		path = ""
		if p.Next != nil {
			path = pathOf(t, *p.Next)
		}
	}
	p := pages[len(pages)-1]
	backward = msgsOf(t, p)
	for p.Previous != nil {
		p = e.getPage(pathOf(t, *p.Previous), auth)
		backward = append(msgsOf(t, p), backward...)
	}
	return forward, backward, pages
}

func uuidsOf(msgs []listedMsg) string {
	var out []string
	for _, m := range msgs {
		out = append(out, m.UUID)
	}
	return strings.Join(out, ",")
}

// TestMessagesPaging walks 260 messages, made and sent in bursts sharing a time, forwards and back: newest
// made first, or for the sent folder newest sent first, each once; Weni's pages hold 100, or what ?limit=
// asks up to 1000. A page of 250, labels and all, takes as many queries as a page of one, as does a page of
// labels with their counts.
func TestMessagesPaging(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newEnv(t, d, envOptions{})
		ch := e.makeChannel("nyaruka", models.ChannelSpec{Type: "EX", Name: "Gateway", Address: "+250788000100", Country: "RW", Schemes: []string{"tel"}})
		joe := e.makeContact("nyaruka", "Joe", "tel:+250788000001")

		e.clock.Step = 0
		base := fixtureStart.Add(2 * time.Hour)
		var made []*models.Msg
		for i := range 260 {
			if i%4 == 0 {
				e.clock.Set(base.Add(time.Duration(i) * time.Minute))
			}
			if i%10 == 0 { // some incoming, labelled
				made = append(made, e.receive("nyaruka", ch, "tel:+250788000001", fmt.Sprint("in ", i)))
			} else {
				made = append(made, e.sendTo("nyaruka", joe, &core.MsgContent{Text: fmt.Sprint("out ", i)}))
			}
		}
		var labels []int64
		for i := range 3 {
			l := e.makeLabel("nyaruka", fmt.Sprint("Label ", i))
			labels = append(labels, l.ID)
		}
		var incoming []int64
		for _, m := range made {
			if m.Direction == models.MsgIn {
				incoming = append(incoming, m.ID)
			}
		}
		for _, id := range labels {
			e.msgAction("nyaruka", models.MsgActionSpec{Action: models.MsgLabelAction, LabelID: id, MsgIDs: incoming})
		}
		// sent in the opposite order, in threes
		var sent []*models.Msg
		for i := len(made) - 1; i >= 0; i-- {
			if made[i].Direction == models.MsgOut {
				if len(sent)%3 == 0 {
					e.clock.Set(base.Add(24*time.Hour + time.Duration(len(sent))*time.Second))
				}
				e.report(ch, made[i], models.MsgWired)
				sent = append(sent, made[i])
			}
		}
		e.clock.Step = time.Second

		var newestFirst []listedMsg
		for i := len(made) - 1; i >= 0; i-- {
			newestFirst = append(newestFirst, listedMsg{UUID: made[i].UUID})
		}
		forward, backward, pages := e.walkMsgs(t, "/api/v2/messages.json", "admin")
		if uuidsOf(forward) != uuidsOf(newestFirst) || uuidsOf(backward) != uuidsOf(newestFirst) {
			t.Fatalf("walking all messages gave %d forwards, %d back, want %d in order", len(forward), len(backward), len(newestFirst))
		}
		if len(pages) != 2 || len(pages[0].Results) != 250 || pages[0].Previous != nil || pages[1].Next != nil {
			t.Fatalf("%d pages", len(pages))
		}
		for _, m := range forward {
			if m.Text[:2] == "in" && len(m.Labels) != 3 || m.Text[:3] == "out" && len(m.Labels) != 0 {
				t.Fatalf("message %q has labels %v", m.Text, m.Labels)
			}
		}

		// the sent folder: newest sent first (the burst sent last), ties by id
		type sending struct {
			uuid  string
			burst int
			id    int64
		}
		var sendings []sending
		for i, m := range sent {
			sendings = append(sendings, sending{m.UUID, i / 3, m.ID})
		}
		sort.Slice(sendings, func(i, j int) bool {
			if sendings[i].burst != sendings[j].burst {
				return sendings[i].burst > sendings[j].burst
			}
			return sendings[i].id > sendings[j].id
		})
		var lastSentFirst []listedMsg
		for _, s := range sendings {
			lastSentFirst = append(lastSentFirst, listedMsg{UUID: s.uuid})
		}
		forward, backward, _ = e.walkMsgs(t, "/api/v2/messages.json?folder=sent", "admin")
		if uuidsOf(forward) != uuidsOf(lastSentFirst) || uuidsOf(backward) != uuidsOf(lastSentFirst) {
			t.Fatalf("walking the sent folder gave %d forwards, %d back, want %d in order of sending", len(forward), len(backward), len(lastSentFirst))
		}

		n := e.countQueries()
		one := e.queriesFor(n, "/api/v2/messages.json?uuid="+made[0].UUID)
		full := e.queriesFor(n, "/api/v2/messages.json")
		if one != full {
			t.Errorf("a page of 250 messages takes %d queries, a page of one %d", full, one)
		}
		if one, all := e.queriesFor(n, "/api/v2/labels.json?name=Label%200"), e.queriesFor(n, "/api/v2/labels.json"); one != all {
			t.Errorf("a page of 3 labels takes %d queries, a page of one %d", all, one)
		}
		var counted struct {
			Results []struct {
				Count int `json:"count"`
			} `json:"results"`
		}
		e.must(json.Unmarshal(e.do(request{method: "GET", path: "/api/v2/labels.json", auth: "admin"}).body, &counted))
		for _, l := range counted.Results {
			if l.Count != len(incoming) {
				t.Errorf("a label counts %d messages, want %d", l.Count, len(incoming))
			}
		}

		// Weni's pages
		wa := e.makeChannel("weni", models.ChannelSpec{Type: "WAC", Name: "WhatsApp", Address: "5511999990000", Schemes: []string{"whatsapp"}})
		for i := range 120 {
			e.receive("weni", wa, "whatsapp:5511999990001", fmt.Sprint("oi ", i))
		}
		for _, c := range []struct {
			query string
			sizes []int
		}{{"", []int{100, 20}}, {"?limit=50", []int{50, 50, 20}}, {"?limit=5000", []int{120}}, {"?limit=0", []int{100, 20}}} {
			_, back, pages := e.walkMsgs(t, "/api/v2/messages.json"+c.query, "weni")
			var sizes []int
			for _, p := range pages {
				sizes = append(sizes, len(p.Results))
				if c.query != "" && p.Next != nil && !strings.Contains(*p.Next, c.query[1:]) {
					t.Errorf("next link %s lost %s", *p.Next, c.query)
				}
			}
			if fmt.Sprint(sizes) != fmt.Sprint(c.sizes) || len(back) != 120 {
				t.Errorf("weni%s: pages of %v (%d back), want %v", c.query, sizes, len(back), c.sizes)
			}
		}
	})
}

// TestMessagesFromFlows: what a flow sends and what it is answered with are listed with the flow, the
// channel and the contact's URN, in their folders; Weni calls both flow messages.
func TestMessagesFromFlows(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newEnv(t, d, envOptions{})
		const color = "0f200337-0277-4118-a064-eaebb8d055ac"
		e.makeChannel("nyaruka", models.ChannelSpec{Type: "EX", Name: "Gateway", Address: "+250788000100", Country: "RW", Schemes: []string{"tel"}})
		if resp := e.importExport(t, "admin", "messaging.json"); resp.status != 201 {
			t.Fatalf("import: %d %s", resp.status, resp.body)
		}
		status, ann := e.postJSON(t, "admin", "/api/v2/contacts.json", `{"name": "Ann", "urns": ["tel:+250788000001"]}`)
		if status != 201 {
			t.Fatalf("contact: %d %v", status, ann)
		}
		if status, start := e.postJSON(t, "admin", "/api/v2/flow_starts.json", fmt.Sprintf(`{"flow": %q, "contacts": [%q]}`, color, ann["uuid"])); status != 201 {
			t.Fatalf("start: %d %v", status, start)
		}
		e.drainStarts()

		outbox := msgsOf(t, e.getPage("/api/v2/messages.json?folder=outbox", "admin"))
		if len(outbox) != 1 || outbox[0].Flow == nil || outbox[0].Flow.UUID != color || outbox[0].Flow.Name != "Favorite Color" ||
			outbox[0].Channel == nil || outbox[0].Channel.Name != "Gateway" || outbox[0].Status != "queued" || !strings.HasPrefix(outbox[0].Text, "What is your favorite color?") {
			t.Fatalf("the outbox after the start: %+v", outbox)
		}

		_, err := e.host.HandleIncoming(context.Background(), e.ws["nyaruka"], flows.Incoming{URN: urns.URN("tel:+250788000001"), Text: "blue"})
		e.must(err)
		answered := msgsOf(t, e.getPage("/api/v2/messages.json?folder=flows", "admin"))
		if len(answered) != 1 || answered[0].Text != "blue" || answered[0].Flow == nil || answered[0].Flow.UUID != color {
			t.Fatalf("the flows folder after the answer: %+v", answered)
		}
		// (the engine times what flows send by its own clock, not the test's, so only the set is compared)
		var texts []string
		for _, m := range msgsOf(t, e.getPage(fmt.Sprintf("/api/v2/messages.json?contact=%s", ann["uuid"]), "admin")) {
			texts = append(texts, m.Text)
		}
		sort.Strings(texts)
		if fmt.Sprint(texts) != "[Great, Blue it is! What is your favorite color? Red, blue or green? blue]" {
			t.Fatalf("Ann's messages: %v", texts)
		}
		if inbox := msgsOf(t, e.getPage("/api/v2/messages.json?folder=inbox", "admin")); len(inbox) != 0 {
			t.Fatalf("the inbox has %+v", inbox)
		}

		// Weni: a keyword starts the flow; what it sends and what started it are both the flow's
		e.makeChannel("weni", models.ChannelSpec{Type: "WAC", Name: "WhatsApp", Address: "5511999990000", Schemes: []string{"whatsapp"}})
		if resp := e.importExport(t, "weni", "messaging.json"); resp.status != 201 {
			t.Fatalf("weni import: %d %s", resp.status, resp.body)
		}
		_, err = e.host.HandleIncoming(context.Background(), e.ws["weni"], flows.Incoming{URN: urns.URN("whatsapp:5511999990001"), Text: "color"})
		e.must(err)
		weni := msgsOf(t, e.getPage("/api/v2/messages.json", "weni"))
		if len(weni) != 2 || weni[0].Type != "flow" || weni[1].Type != "flow" || weni[0].Flow != nil || weni[1].Flow != nil {
			t.Fatalf("weni's messages: %+v", weni)
		}
	})
}

// TestMessageActionsLabelLimit: labelling with a new label_name at the workspace's limit of labels is a 409
// (Weni's 400), and labels nothing; an existing label is still found.
func TestMessageActionsLabelLimit(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newEnv(t, d, envOptions{})
		e.store.Limits = map[string]int{"labels": 1}
		ch := e.makeChannel("nyaruka", models.ChannelSpec{Type: "EX", Name: "Gateway", Address: "+250788000100", Country: "RW", Schemes: []string{"tel"}})
		m := e.receive("nyaruka", ch, "tel:+250788000001", "hi")
		e.makeLabel("nyaruka", "Existing")

		resp := e.do(request{method: "POST", path: "/api/v2/message_actions.json", auth: "admin", contentType: "application/json",
			body: fmt.Appendf(nil, `{"messages": [%q], "action": "label", "label_name": "New"}`, m.UUID)})
		if resp.status != 409 || string(resp.body) != `{"detail":"Cannot create object because workspace has reached limit."}` {
			t.Fatalf("label_name past the limit: %d %s", resp.status, resp.body)
		}
		if n := e.countRows("msg_labels", "1 = 1"); n != 0 {
			t.Fatalf("%d labellings written", n)
		}
		resp = e.do(request{method: "POST", path: "/api/v2/message_actions.json", auth: "admin", contentType: "application/json",
			body: fmt.Appendf(nil, `{"messages": [%d], "action": "label", "label_name": "existing"}`, m.ID)})
		if resp.status != 204 || e.countRows("msg_labels", "1 = 1") != 1 {
			t.Fatalf("label_name of an existing label at the limit: %d %s", resp.status, resp.body)
		}

		wa := e.makeChannel("weni", models.ChannelSpec{Type: "WAC", Name: "WhatsApp", Address: "5511999990000", Schemes: []string{"whatsapp"}})
		wm := e.receive("weni", wa, "whatsapp:5511999990001", "oi")
		e.makeLabel("weni", "Visto")
		resp = e.do(request{method: "POST", path: "/api/v2/message_actions.json", auth: "weni", contentType: "application/json",
			body: fmt.Appendf(nil, `{"messages": [%d], "action": "label", "label_name": "Novo"}`, wm.ID)})
		if resp.status != 400 || !strings.Contains(string(resp.body), "This org has 1 labels and the limit is 1.") {
			t.Fatalf("weni label_name past the limit: %d %s", resp.status, resp.body)
		}
	})
}

// TestMessageActionsLabelNameRace: requests labelling different messages with the same new label_name at
// once make one label, with every message on it.
func TestMessageActionsLabelNameRace(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newEnv(t, d, envOptions{})
		ch := e.makeChannel("nyaruka", models.ChannelSpec{Type: "EX", Name: "Gateway", Address: "+250788000100", Country: "RW", Schemes: []string{"tel"}})
		var msgs []*models.Msg
		for i := range 8 {
			msgs = append(msgs, e.receive("nyaruka", ch, fmt.Sprintf("tel:+25078800001%d", i), "hi"))
		}
		var wg sync.WaitGroup
		statuses := make([]int, len(msgs))
		for i, m := range msgs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req := request{method: "POST", path: "/api/v2/message_actions.json", auth: "admin", contentType: "application/json",
					body: fmt.Appendf(nil, `{"messages": [%q], "action": "label", "label_name": "Race"}`, m.UUID)}
				statuses[i] = e.do(req).status
			}()
		}
		wg.Wait()
		if fmt.Sprint(statuses) != "[204 204 204 204 204 204 204 204]" {
			t.Fatalf("statuses %v", statuses)
		}
		if n := e.countRows("labels", "name = 'Race' AND is_active"); n != 1 {
			t.Fatalf("%d labels named Race", n)
		}
		if n := e.countRows("msg_labels", "1 = 1"); n != int64(len(msgs)) {
			t.Fatalf("%d messages labelled", n)
		}
	})
}
