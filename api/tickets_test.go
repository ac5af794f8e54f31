package api_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/testdb"
)

// ticketFlowExport has the keyword "agent" open a ticket on the topic Complaints, assigned to the fixture's agent.
const ticketFlowExport = `{"version": "13", "site": "https://rapidpro.example.com", "flows": [{
	"uuid": "e3000000-0000-4000-8000-000000000001", "name": "Talk To Agent", "spec_version": "13.5.0", "language": "eng",
	"type": "messaging", "revision": 1, "expire_after_minutes": 720, "localization": {},
	"nodes": [{"uuid": "e3000000-0000-4000-8000-000000000010", "actions": [
		{"uuid": "e3000000-0000-4000-8000-000000000011", "type": "open_ticket",
		 "topic": {"uuid": "e3000000-0000-4000-8000-000000000020", "name": "Complaints"},
		 "assignee": {"email": "agent@nyaruka.com"}, "note": "@input.text"}],
		"exits": [{"uuid": "e3000000-0000-4000-8000-000000000012", "destination_uuid": null}]}]}],
	"campaigns": [], "fields": [], "groups": [],
	"triggers": [{"trigger_type": "K", "flow": {"uuid": "e3000000-0000-4000-8000-000000000001", "name": "Talk To Agent"},
		"groups": [], "exclude_groups": [], "channel": null, "keywords": ["agent"], "match_type": "F"}]}`

// TestTicketsEndToEnd: a ticket a real flow opens is listed by tickets.json as the flow made it, counted by
// its topic and put its contact in "Open Tickets"; ticket_actions closes it, and all three follow; another
// workspace sees none of it.
func TestTicketsEndToEnd(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newEnv(t, d, envOptions{})
		if resp := e.do(request{method: "POST", path: "/api/v2/definitions.json", auth: "admin", body: []byte(ticketFlowExport), contentType: "application/json"}); resp.status != 201 {
			t.Fatalf("import: %d %s", resp.status, resp.body)
		}
		msg := e.receive("nyaruka", nil, "tel:+250788000301", "agent please, my order is late")

		var contact models.Contact
		e.must(e.db.Raw.Take(&contact, msg.ContactID).Error)
		list := e.getJSON(t, "admin", "/api/v2/tickets.json?contact="+contact.UUID)["results"].([]any)
		if len(list) != 1 {
			t.Fatalf("%d tickets", len(list))
		}
		tk := list[0].(map[string]any)
		want := map[string]any{"status": "open", "topic": map[string]any{"uuid": "e3000000-0000-4000-8000-000000000020", "name": "Complaints"},
			"assignee": map[string]any{"email": "agent@nyaruka.com", "name": ""}, "opened_by": nil,
			"opened_in": map[string]any{"uuid": "e3000000-0000-4000-8000-000000000001", "name": "Talk To Agent"}, "closed_on": nil, "body": nil}
		for k, v := range want {
			if got, _ := json.Marshal(tk[k]); string(got) != mustJSON(v) {
				t.Errorf("%s = %s, want %s", k, got, mustJSON(v))
			}
		}
		uuid := tk["uuid"].(string)
		if n := e.countRows("ticket_events", "event_type = 'note_added' AND note = ?", "agent please, my order is late"); n != 1 {
			t.Errorf("%d notes", n)
		}
		checkCounts := func(open, closed, members int) {
			t.Helper()
			topics := e.getJSON(t, "admin", "/api/v2/topics.json")["results"].([]any)
			found := false
			for _, x := range topics {
				if tp := x.(map[string]any); tp["name"] == "Complaints" {
					found = true
					if got, want := mustJSON(tp["counts"]), fmt.Sprintf(`{"closed":%d,"open":%d}`, closed, open); got != want {
						t.Errorf("topic counts %s, want %s", got, want)
					}
				}
			}
			if !found {
				t.Error("the flow's topic is not listed")
			}
			groups := e.getJSON(t, "admin", "/api/v2/groups.json?name=Open%20Tickets")["results"].([]any)
			if got := groups[0].(map[string]any)["count"]; got != float64(members) {
				t.Errorf("Open Tickets has %v members, want %d", got, members)
			}
		}
		checkCounts(1, 0, 1)

		// another workspace sees nothing and can't act
		if got := e.getJSON(t, "admin2", "/api/v2/tickets.json")["results"].([]any); len(got) != 0 {
			t.Errorf("Trileet sees %v", got)
		}
		if status, body := e.postJSON(t, "admin2", "/api/v2/ticket_actions.json", `{"tickets": ["`+uuid+`"], "action": "close"}`); status != 400 {
			t.Errorf("Trileet closing: %d %v", status, body)
		}
		checkCounts(1, 0, 1)

		if status, body := e.postJSON(t, "agent", "/api/v2/ticket_actions.json", `{"tickets": ["`+uuid+`"], "action": "close"}`); status != 204 {
			t.Fatalf("closing: %d %v", status, body)
		}
		checkCounts(0, 1, 0)
		closed := e.getJSON(t, "admin", "/api/v2/tickets.json?uuid="+uuid)["results"].([]any)[0].(map[string]any)
		if closed["status"] != "closed" || closed["closed_on"] == nil {
			t.Errorf("closed ticket %v", closed)
		}
		if n := e.countRows("ticket_events", "event_type = 'closed' AND created_by_id = ?", e.userID("agent")); n != 1 {
			t.Errorf("%d closed events by the agent", n)
		}
	})
}
