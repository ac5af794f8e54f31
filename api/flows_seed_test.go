package api_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/flowsd/flowsd/api"
	"github.com/flowsd/flowsd/models"
)

// Rows of flows, starts, sessions and runs, written straight into the database: the engine host and the flow
// import that write them in earnest are built elsewhere.

// seedAt is a time of day on the fixture's date, in UTC.
func seedAt(hour, min int) time.Time { return time.Date(2025, 1, 1, hour, min, 0, 0, time.UTC) }

func (e *env) insert(rows ...any) {
	e.t.Helper()
	for _, r := range rows {
		e.must(e.db.Raw.Create(r).Error)
	}
}

// seedFlow adds a flow with a minimal definition.
func (e *env) seedFlow(ws, uuid, name string, archived, active bool) *models.Flow {
	e.t.Helper()
	def := fmt.Sprintf(`{"uuid": %q, "name": %q, "spec_version": "13.5.0", "language": "eng", "type": "messaging", "nodes": []}`, uuid, name)
	f := &models.Flow{UUID: uuid, WorkspaceID: e.ws[ws].ID, Name: name, FlowType: models.FlowMessage, SpecVersion: "13.5.0",
		Revision: 1, Definition: def, ExpiresMinutes: 10080, IsArchived: archived, IsActive: active,
		CreatedOn: seedAt(8, 0), ModifiedOn: seedAt(8, 0)}
	e.insert(f)
	return f
}

// seedContact adds a contact with a name ("" for none) and URNs (scheme:path, or scheme:path#display).
func (e *env) seedContact(ws, uuid, name string, urnList ...string) *models.Contact {
	e.t.Helper()
	c := &models.Contact{UUID: uuid, WorkspaceID: e.ws[ws].ID, Status: models.ContactActive, IsActive: true,
		CreatedOn: seedAt(8, 0), ModifiedOn: seedAt(8, 0)}
	if name != "" {
		lower := strings.ToLower(name)
		c.Name, c.NameLower = &name, &lower
	}
	e.insert(c)
	for i, u := range urnList {
		identity, display, _ := strings.Cut(u, "#")
		scheme, path, _ := strings.Cut(identity, ":")
		row := &models.ContactURN{WorkspaceID: c.WorkspaceID, ContactID: c.ID, Identity: identity, Scheme: scheme, Path: path, Priority: 1000 - i}
		if display != "" {
			row.Display = &display
		}
		e.insert(row)
	}
	return c
}

// deactivate soft-deletes a seeded contact, flow or group.
func (e *env) deactivate(model any, id int64) {
	e.t.Helper()
	e.must(e.db.Raw.Model(model).Where("id = ?", id).Update("is_active", false).Error)
}

// seedGroup adds a group, smart when query isn't "", with members.
func (e *env) seedGroup(ws, uuid, name, query string, members ...*models.Contact) *models.Group {
	e.t.Helper()
	g := &models.Group{UUID: uuid, WorkspaceID: e.ws[ws].ID, Name: name, Status: models.GroupReady, IsActive: true,
		CreatedOn: seedAt(8, 0), ModifiedOn: seedAt(8, 0)}
	if query != "" {
		g.Query = &query
	}
	e.insert(g)
	for _, c := range members {
		e.must(e.db.Raw.Exec("INSERT INTO contact_group_members (group_id, contact_id) VALUES (?, ?)", g.ID, c.ID).Error)
	}
	return g
}

// userID is the id of a fixture user by token name.
func (e *env) userID(token string) int64 {
	e.t.Helper()
	var u models.User
	e.must(e.db.Raw.Where("email = ?", e.emails[token]).Take(&u).Error)
	return u.ID
}

// startSeed is a flow start to add: by user token name, or by a flow or trigger when by is "".
type startSeed struct {
	ws, uuid, by  string
	flow          *models.Flow
	status        models.StartStatus
	count         int
	params        string
	restart       bool
	excludeActive bool
	contacts      []*models.Contact
	groups        []*models.Group
	modified      time.Time
}

func (e *env) seedStart(s startSeed) *models.FlowStart {
	e.t.Helper()
	start := &models.FlowStart{UUID: s.uuid, WorkspaceID: e.ws[s.ws].ID, FlowID: s.flow.ID, StartType: models.StartTypeAPI,
		Status: s.status, Params: s.params, RestartParticipants: s.restart, ExcludeActive: s.excludeActive, ContactCount: s.count,
		CreatedOn: s.modified.Add(-time.Minute), ModifiedOn: s.modified}
	if start.Params == "" {
		start.Params = "{}"
	}
	if s.by != "" {
		id := e.userID(s.by)
		start.CreatedByID = &id
	} else {
		start.StartType = models.StartTypeTrigger
	}
	e.insert(start)
	for _, c := range s.contacts {
		e.must(e.db.Raw.Exec("INSERT INTO flow_start_contacts (start_id, contact_id) VALUES (?, ?)", start.ID, c.ID).Error)
	}
	for _, g := range s.groups {
		e.must(e.db.Raw.Exec("INSERT INTO flow_start_groups (start_id, group_id) VALUES (?, ?)", start.ID, g.ID).Error)
	}
	return start
}

// runSeed is a run to add, in a session of its own.
type runSeed struct {
	uuid      string
	flow      *models.Flow
	contact   *models.Contact
	start     *models.FlowStart
	status    models.RunStatus
	responded bool
	results   string // JSON, {} when ""
	path      string // JSON, [] when ""
	modified  time.Time
}

func (e *env) seedRun(r runSeed) *models.FlowRun {
	e.t.Helper()
	flowID := r.flow.ID
	session := &models.FlowSession{UUID: "5e55" + r.uuid[4:], WorkspaceID: r.flow.WorkspaceID, ContactID: r.contact.ID,
		Status: models.SessionWaiting, CurrentFlowID: &flowID, Output: "{}", CreatedOn: r.modified.Add(-time.Hour)}
	run := &models.FlowRun{UUID: r.uuid, WorkspaceID: r.flow.WorkspaceID, FlowID: r.flow.ID, ContactID: r.contact.ID,
		Status: r.status, Responded: r.responded, Results: r.results, Path: r.path,
		CreatedOn: r.modified.Add(-time.Hour), ModifiedOn: r.modified}
	if run.Results == "" {
		run.Results = "{}"
	}
	if run.Path == "" {
		run.Path = "[]"
	}
	if _, ended := map[models.RunStatus]bool{models.RunCompleted: true, models.RunInterrupted: true, models.RunExpired: true, models.RunFailed: true}[r.status]; ended {
		exited := r.modified
		run.ExitedOn = &exited
		session.Status = models.SessionStatus(r.status)
		session.EndedOn = &exited
	}
	e.insert(session)
	run.SessionID = session.ID
	if r.start != nil {
		run.StartID = &r.start.ID
	}
	e.insert(run)
	return run
}

// countRows counts rows of a table matching a condition.
func (e *env) countRows(table, where string, args ...any) int64 {
	e.t.Helper()
	var n int64
	e.must(e.db.Raw.Table(table).Where(where, args...).Count(&n).Error)
	return n
}

// seedExample adds what the docs examples of an endpoint need before they run (TestExamplesAreWhatTheServerAnswers):
// the example flow and contact for flow_starts, and for runs a run of the start the flow_starts example made.
func (e *env) seedExample(endpoint string, created map[string]map[string]any) {
	switch endpoint {
	case "archives":
		e.seedArchiveExample()
	case "broadcasts":
		ben := e.seedExampleContact()
		e.seedGroup("nyaruka", "04a4752b-0f49-480e-ae60-3a3f2bea485c", "Subscribers", "", ben)
	case "flow_starts":
		e.seedFlow("nyaruka", "f5901b62-ba76-4003-9c62-72fdacc1b7b7", "Registration", false, true)
		e.seedExampleContact()
	case "campaigns": // the broadcasts example's group, which the campaigns example is for
		if e.countRows("contact_groups", "uuid = ?", "04a4752b-0f49-480e-ae60-3a3f2bea485c") == 0 {
			e.seedGroup("nyaruka", "04a4752b-0f49-480e-ae60-3a3f2bea485c", "Subscribers", "")
		}
	case "campaign_events": // the campaign the campaigns example made, with the UUID the examples name
		e.must(e.db.Raw.Exec("UPDATE campaigns SET uuid = ? WHERE uuid = ?", "f14e4ff0-724d-43fe-a953-1d16aefd1c00", created["campaigns"]["uuid"]).Error)
	case "tickets":
		e.seedExampleTicket()
	case "resthooks": // as importing a flow that calls it makes it
		e.seedResthook("nyaruka", "new-mother", true, seedAt(9, 0), seedAt(9, 0))
	case "resthook_events":
		var hook models.Resthook
		e.must(e.db.Raw.Where("workspace_id = ? AND slug = ?", e.ws["nyaruka"].ID, "new-mother").Take(&hook).Error)
		e.seedResthookEvent(&hook, examplePayload(e), seedAt(9, 5)) // a payload of the example's shape, as a flow gives one
	case "channels", "channel_events", "message_actions":
		e.seedMessagingExample(endpoint)
	case "templates", "whatsapp_flows":
		e.seedTemplateExample(endpoint)
	case "analytics/contacts", "contacts_elastic", "whatsapp_broadcasts":
		e.seedWeniExample(endpoint)
	case "boundaries":
		e.importBoundaries("nyaruka", "R171496admin0_simplified.json", "R171496admin1_simplified.json")
	case "messages":
		// the send example goes out on the example channel, which the channels example may have made already
		e.must(e.db.Raw.Exec(`INSERT INTO channels (uuid, workspace_id, channel_type, name, address, country, schemes, role, config, is_active, created_on, modified_on)
			SELECT ?, id, 'EX', 'Gateway', '+250788123123', 'RW', '["tel"]', 'SR', '{}', TRUE, ?, ? FROM workspaces
			WHERE name = 'Nyaruka' AND NOT EXISTS (SELECT 1 FROM channels WHERE uuid = ?)`,
			"9a8b001e-a913-486c-80f4-1356e23f582e", seedAt(12, 0), seedAt(12, 0), "9a8b001e-a913-486c-80f4-1356e23f582e").Error)
		e.must(e.db.Raw.Exec("UPDATE workspaces SET config_version = config_version + 1").Error)
	case "runs":
		var flow models.Flow
		var contact models.Contact
		var start models.FlowStart
		e.must(e.db.Raw.Where("uuid = ?", "f5901b62-ba76-4003-9c62-72fdacc1b7b7").Take(&flow).Error)
		e.must(e.db.Raw.Where("uuid = ?", "09d23a05-47fe-11e4-bfe9-b8f6b119e9ab").Take(&contact).Error)
		e.must(e.db.Raw.Where("uuid = ?", created["flow_starts"]["uuid"]).Take(&start).Error)
		e.seedRun(runSeed{uuid: "0199c5c0-8f9b-76ea-a955-193ad8ed8606", flow: &flow, contact: &contact, start: &start,
			status: models.RunCompleted, responded: true, modified: seedAt(13, 5),
			results: `{"color": {"name": "Color", "value": "blue", "category": "Blue", "node_uuid": "fc32aeb0-ac3e-42a8-9ea7-10248fdf52a1", "input": "it is blue", "created_on": "2025-01-01T13:03:51.635662Z"}}`,
			path:    `[{"node": "27a86a1b-6cc4-4ae3-b73d-89650966a82f", "time": "2025-01-01T13:03:50.457742Z"}]`})
	}
}

// seedExampleContact adds the contact examples name, once.
func (e *env) seedExampleContact() *models.Contact {
	c := &models.Contact{}
	if e.countRows("contacts", "uuid = ?", "09d23a05-47fe-11e4-bfe9-b8f6b119e9ab") > 0 {
		e.must(e.db.Raw.Where("uuid = ?", "09d23a05-47fe-11e4-bfe9-b8f6b119e9ab").Take(c).Error)
		return c
	}
	return e.seedContact("nyaruka", "09d23a05-47fe-11e4-bfe9-b8f6b119e9ab", "Ben Haggerty", "tel:+250788123456")
}

// flowWorld is what the flow_starts and runs truth files start from: flows, contacts, groups, starts and runs
// in every fixture workspace, with ones that must stay hidden (deleted, another workspace's, made by
// triggers).
type flowWorld struct {
	flow, archived, deleted         *models.Flow
	joe, frank, gone, nameless      *models.Contact
	customers, adults, goneGroup    *models.Group
	started, interrupted            *models.FlowStart
	trileetFlow, weniFlow, anonFlow *models.Flow
}

func init() {
	truthSeeds["flow_starts"] = func(e *env) { seedFlowWorld(e) }
	truthSeeds["runs"] = func(e *env) { seedFlowWorld(e) }
}

// seed UUIDs are readable in the truth files: f… flows, c… contacts, a… groups, 5… starts, e… runs
func seedUUID(kind byte, n int) string { return fmt.Sprintf("%c1000000-0000-4000-8000-%012d", kind, n) }

func seedFlowWorld(e *env) *flowWorld {
	w := &flowWorld{}
	w.flow = e.seedFlow("nyaruka", seedUUID('f', 1), "Registration", false, true)
	w.archived = e.seedFlow("nyaruka", seedUUID('f', 2), "Old Survey", true, true)
	w.deleted = e.seedFlow("nyaruka", seedUUID('f', 3), "Deleted Flow", false, false)
	w.trileetFlow = e.seedFlow("trileet", seedUUID('f', 4), "Trileet Flow", false, true)
	w.weniFlow = e.seedFlow("weni", seedUUID('f', 5), "Weni Flow", false, true)
	w.anonFlow = e.seedFlow("anon", seedUUID('f', 6), "Anon Flow", false, true)

	w.joe = e.seedContact("nyaruka", seedUUID('c', 1), "Joe Blow", "tel:+250788000001", "twitter:joeblow")
	w.frank = e.seedContact("nyaruka", seedUUID('c', 2), "Frank", "tel:+250788000002")
	w.gone = e.seedContact("nyaruka", seedUUID('c', 3), "Gone")
	w.nameless = e.seedContact("nyaruka", seedUUID('c', 7), "")
	trileetContact := e.seedContact("trileet", seedUUID('c', 4), "Trileet Contact", "tel:+250788000001")
	weniContact := e.seedContact("weni", seedUUID('c', 5), "Weni Contact", "whatsapp:5511999990001#Weni")
	anonContact := e.seedContact("anon", seedUUID('c', 6), "Anon Contact", "tel:+250788000009")

	w.customers = e.seedGroup("nyaruka", seedUUID('a', 1), "Customers", "", w.joe)
	w.adults = e.seedGroup("nyaruka", seedUUID('a', 2), "Adults", "age > 18")
	w.goneGroup = e.seedGroup("nyaruka", seedUUID('a', 3), "Gone Group", "")
	trileetGroup := e.seedGroup("trileet", seedUUID('a', 4), "Trileet Group", "", trileetContact)
	e.deactivate(&models.Group{}, w.goneGroup.ID)

	w.started = e.seedStart(startSeed{ws: "nyaruka", uuid: seedUUID('5', 1), by: "admin", flow: w.flow, status: models.StartStarted,
		count: 2, restart: true, contacts: []*models.Contact{w.joe}, groups: []*models.Group{w.customers}, modified: seedAt(9, 0)})
	e.seedStart(startSeed{ws: "nyaruka", uuid: seedUUID('5', 2), flow: w.flow, status: models.StartCompleted, count: 1,
		contacts: []*models.Contact{w.frank}, modified: seedAt(10, 0)})
	e.seedStart(startSeed{ws: "trileet", uuid: seedUUID('5', 3), by: "admin2", flow: w.trileetFlow, status: models.StartPending,
		count: -1, restart: true, contacts: []*models.Contact{trileetContact}, groups: []*models.Group{trileetGroup}, modified: seedAt(9, 30)})
	e.seedStart(startSeed{ws: "weni", uuid: seedUUID('5', 4), by: "weni", flow: w.weniFlow, status: models.StartCompleted,
		count: 1, restart: true, params: `{"source":"crm"}`, contacts: []*models.Contact{weniContact}, modified: seedAt(9, 0)})
	w.interrupted = e.seedStart(startSeed{ws: "nyaruka", uuid: seedUUID('5', 5), by: "editor", flow: w.archived,
		status: models.StartInterrupted, count: 0, excludeActive: true, params: `{"b":1,"a":{"z":[true,null]}}`,
		contacts: []*models.Contact{w.gone, w.nameless}, groups: []*models.Group{w.adults, w.goneGroup}, modified: seedAt(8, 30)})

	color := `"color": {"name": "Color", "value": "blue", "category": "Blue", "category_localized": "Bleu",
		"node_uuid": "fc32aeb0-ac3e-42a8-9ea7-10248fdf52a1", "input": "it is blue", "created_on": "2025-01-01T09:58:01.5Z"}`
	reason := `"reason": {"name": "Reason", "value": "Because", "category": null, "node_uuid": "4c9cb68d-474f-4b9a-b65e-c2aa593a3466",
		"created_on": "2025-01-01T09:59:00+02:00"}`
	steps := `[{"node": "27a86a1b-6cc4-4ae3-b73d-89650966a82f", "time": "2025-01-01T09:58:00.123456Z"},
		{"node": "fc32aeb0-ac3e-42a8-9ea7-10248fdf52a1", "time": "2025-01-01T09:58:01.5Z"}]`
	e.seedRun(runSeed{uuid: seedUUID('e', 1), flow: w.flow, contact: w.joe, start: w.started, status: models.RunCompleted,
		responded: true, results: "{" + color + ", " + reason + "}", path: steps, modified: seedAt(10, 0)})
	e.seedRun(runSeed{uuid: seedUUID('e', 2), flow: w.flow, contact: w.frank, start: w.started, status: models.RunWaiting,
		path: `[{"node": "27a86a1b-6cc4-4ae3-b73d-89650966a82f", "time": "2025-01-01T10:59:00Z"}]`, modified: seedAt(11, 0)})
	e.seedRun(runSeed{uuid: seedUUID('e', 3), flow: w.archived, contact: w.joe, status: models.RunInterrupted, modified: seedAt(9, 0)})
	e.seedRun(runSeed{uuid: seedUUID('e', 4), flow: w.flow, contact: w.gone, status: models.RunCompleted, modified: seedAt(12, 0)})
	e.seedRun(runSeed{uuid: seedUUID('e', 5), flow: w.deleted, contact: w.joe, status: models.RunCompleted, modified: seedAt(12, 0)})
	e.seedRun(runSeed{uuid: seedUUID('e', 6), flow: w.flow, contact: w.nameless, status: models.RunExpired, modified: seedAt(8, 0)})
	e.seedRun(runSeed{uuid: seedUUID('e', 7), flow: w.archived, contact: w.frank, status: models.RunFailed, responded: true, modified: seedAt(7, 0)})
	e.seedRun(runSeed{uuid: seedUUID('e', 8), flow: w.trileetFlow, contact: trileetContact, status: models.RunCompleted, modified: seedAt(12, 0)})
	e.seedRun(runSeed{uuid: seedUUID('e', 9), flow: w.weniFlow, contact: weniContact, status: models.RunCompleted, responded: true,
		results: "{" + color + "}", path: steps, modified: seedAt(10, 0)})
	e.seedRun(runSeed{uuid: seedUUID('e', 10), flow: w.anonFlow, contact: anonContact, status: models.RunActive, modified: seedAt(10, 0)})

	// deleted after their runs and starts were made, as a contact is
	e.deactivate(&models.Contact{}, w.gone.ID)
	return w
}

// examplePayload is the payload the resthook_events example shows.
func examplePayload(e *env) string {
	e.t.Helper()
	for _, ep := range api.Registry {
		if ep.Name == "resthook_events" {
			var answer struct {
				Results []struct{ Data json.RawMessage }
			}
			e.must(json.Unmarshal([]byte(ep.Get.Docs.Example.AnswerJSON()), &answer))
			return string(answer.Results[0].Data)
		}
	}
	e.t.Fatal("no resthook_events endpoint")
	return ""
}
