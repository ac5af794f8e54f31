package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/flowsd/flowsd/flows"
	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/testdb"
	"github.com/flowsd/flowsd/work"
	"github.com/nyaruka/gocommon/urns"
)

// drainStarts works flow starts as serve's workers do, until there is nothing left to do.
func (e *env) drainStarts() {
	w := &flows.Starts{Host: e.host, BatchSize: 2}
	e.must(work.Drain(context.Background(), w.WorkOnce))
}

func (e *env) getJSON(t *testing.T, auth, path string) map[string]any {
	t.Helper()
	resp := e.do(request{method: "GET", path: path, auth: auth})
	if resp.status != 200 {
		t.Fatalf("GET %s: %d %s", path, resp.status, resp.body)
	}
	var out map[string]any
	e.must(json.Unmarshal(resp.body, &out))
	return out
}

func (e *env) postJSON(t *testing.T, auth, path, body string) (int, map[string]any) {
	t.Helper()
	resp := e.do(request{method: "POST", path: path, auth: auth, body: []byte(body), contentType: "application/json"})
	var out map[string]any
	json.Unmarshal(resp.body, &out)
	return resp.status, out
}

// TestFlowStartsRun: a start made through the API is worked by the start workers: its progress counts its
// runs, the runs show each contact waiting in the flow, a reply shows in the run, contacts show their flow,
// and a start of an archived flow fails without starting anyone.
func TestFlowStartsRun(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newEnv(t, d, envOptions{})
		if resp := e.importExport(t, "admin", "messaging.json"); resp.status != 201 {
			t.Fatalf("import: %d %s", resp.status, resp.body)
		}
		const color = "0f200337-0277-4118-a064-eaebb8d055ac"
		_, group := e.postJSON(t, "admin", "/api/v2/groups.json", `{"name": "Testers"}`)
		var contacts []string
		for i, name := range []string{"Ann", "Bob"} {
			status, c := e.postJSON(t, "admin", "/api/v2/contacts.json", fmt.Sprintf(`{"name": %q, "urns": ["tel:+25078800000%d"], "groups": [%q]}`, name, i, group["uuid"]))
			if status != 201 {
				t.Fatalf("contact: %d %v", status, c)
			}
			contacts = append(contacts, c["uuid"].(string))
		}

		status, start := e.postJSON(t, "editor", "/api/v2/flow_starts.json",
			fmt.Sprintf(`{"flow": %q, "groups": [%q], "urns": ["tel:+250788000009"], "params": {"source": "api"}}`, color, group["uuid"]))
		if status != 201 || start["status"] != "pending" {
			t.Fatalf("start: %d %v", status, start)
		}
		e.drainStarts()

		starts := e.getJSON(t, "admin", "/api/v2/flow_starts.json")["results"].([]any)
		got := starts[0].(map[string]any)
		if got["status"] != "completed" || fmt.Sprint(got["progress"]) != "map[started:3 total:3]" {
			t.Fatalf("start after the workers: %v", got)
		}

		runs := e.getJSON(t, "admin", "/api/v2/runs.json?flow="+color)["results"].([]any)
		if len(runs) != 3 {
			t.Fatalf("%d runs, want 3", len(runs))
		}
		for _, r := range runs {
			run := r.(map[string]any)
			if run["exit_type"] != nil || run["exited_on"] != nil || run["responded"] != false || len(run["path"].([]any)) != 2 ||
				run["start"].(map[string]any)["uuid"] != start["uuid"] {
				t.Fatalf("run is %v", run)
			}
		}
		ann := e.getJSON(t, "admin", "/api/v2/contacts.json?uuid="+contacts[0])["results"].([]any)[0].(map[string]any)
		if flow, _ := ann["flow"].(map[string]any); flow == nil || flow["uuid"] != color {
			t.Fatalf("Ann's flow is %v", ann["flow"])
		}

		// Ann answers
		_, err := e.host.HandleIncoming(context.Background(), e.ws["nyaruka"], flows.Incoming{URN: urns.URN("tel:+250788000000"), Text: "blue"})
		e.must(err)
		annRuns := e.getJSON(t, "admin", "/api/v2/runs.json?contact="+contacts[0])["results"].([]any)
		run := annRuns[0].(map[string]any)
		value := run["values"].(map[string]any)["color"].(map[string]any)
		if run["exit_type"] != "completed" || run["responded"] != true || value["category"] != "Blue" || value["value"] != "blue" {
			t.Fatalf("Ann's run after her answer: %v", run)
		}
		if paths := e.getJSON(t, "admin", "/api/v2/runs.json?paths=false&contact="+contacts[0])["results"].([]any); fmt.Sprint(paths[0].(map[string]any)["path"]) != "[]" {
			t.Fatalf("paths=false gave %v", paths[0].(map[string]any)["path"])
		}
		// another workspace sees none of it
		if other := e.getJSON(t, "admin2", "/api/v2/runs.json")["results"].([]any); len(other) != 0 {
			t.Fatalf("another workspace sees %d runs", len(other))
		}

		// an archived flow takes the start and starts nobody
		e.must(e.db.Raw.Model(&models.Flow{}).Where("uuid = ?", color).Update("is_archived", true).Error)
		e.must(e.db.Raw.Exec("UPDATE workspaces SET config_version = config_version + 1").Error)
		status, archived := e.postJSON(t, "admin", "/api/v2/flow_starts.json", fmt.Sprintf(`{"flow": %q, "contacts": [%q]}`, color, contacts[1]))
		if status != 201 {
			t.Fatalf("start of an archived flow: %d %v", status, archived)
		}
		e.drainStarts()
		got = e.getJSON(t, "admin", "/api/v2/flow_starts.json?uuid="+archived["uuid"].(string))["results"].([]any)[0].(map[string]any)
		if got["status"] != "failed" || !strings.Contains(fmt.Sprint(got["progress"]), "started:0") {
			t.Fatalf("start of an archived flow after the workers: %v", got)
		}
	})
}

// TestContactActionsEndFlows: interrupt, block and delete end the contacts' waiting flows, and
// archive_messages archives what they sent; another workspace's contacts can't be named.
func TestContactActionsEndFlows(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newEnv(t, d, envOptions{})
		if resp := e.importExport(t, "admin", "messaging.json"); resp.status != 201 {
			t.Fatalf("import: %d %s", resp.status, resp.body)
		}
		ws := e.ws["nyaruka"]
		var uuids []string
		for _, urn := range []string{"tel:+250788000001", "tel:+250788000002", "tel:+250788000003"} {
			msg, err := e.host.HandleIncoming(context.Background(), ws, flows.Incoming{URN: urns.URN(urn), Text: "color"})
			e.must(err)
			var c models.Contact
			e.must(e.db.Raw.Take(&c, msg.ContactID).Error)
			uuids = append(uuids, c.UUID)
		}
		waiting := func(uuid string) bool {
			var c models.Contact
			e.must(e.db.Raw.Where("uuid = ?", uuid).Take(&c).Error)
			return c.CurrentSessionID != nil
		}
		for _, action := range []string{"interrupt", "block", "delete"} {
			i := map[string]int{"interrupt": 0, "block": 1, "delete": 2}[action]
			if !waiting(uuids[i]) {
				t.Fatalf("contact %d isn't waiting before %s", i, action)
			}
			if status, out := e.postJSON(t, "admin", "/api/v2/contact_actions.json", fmt.Sprintf(`{"action": %q, "contacts": [%q]}`, action, uuids[i])); status != 204 {
				t.Fatalf("%s: %d %v", action, status, out)
			}
			if waiting(uuids[i]) || e.countRows("flow_runs", "status = ? AND contact_id = (SELECT id FROM contacts WHERE uuid = ?)", models.RunInterrupted, uuids[i]) != 1 {
				t.Fatalf("%s left the contact in their flow", action)
			}
		}

		if status, out := e.postJSON(t, "admin", "/api/v2/contact_actions.json", fmt.Sprintf(`{"action": "archive_messages", "contacts": [%q]}`, uuids[0])); status != 204 {
			t.Fatalf("archive_messages: %d %v", status, out)
		}
		if n := e.countRows("msgs", "visibility = ? AND direction = ?", models.MsgArchived, models.MsgIn); n != 1 {
			t.Fatalf("%d messages archived, want the one contact's one", n)
		}
		// another workspace's administrator can't reach these contacts
		if status, _ := e.postJSON(t, "admin2", "/api/v2/contact_actions.json", fmt.Sprintf(`{"action": "interrupt", "contacts": [%q]}`, uuids[0])); status != 400 {
			t.Fatalf("another workspace's interrupt: %d", status)
		}
	})
}
