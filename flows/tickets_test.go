package flows

import (
	"strings"
	"testing"

	"github.com/flowsd/flowsd/models"
)

// helpDeskExport has the keyword "help" start a flow that opens a ticket (topic Billing, assigned to the agent
// by email, a note from the message), says what @contact.tickets and the new ticket's local hold, waits for
// a reply and answers it; anything else goes to a catch-all flow.
const helpDeskExport = `{"version": "13", "site": "https://rapidpro.example.com", "flows": [
	{"uuid": "d1000000-0000-4000-8000-000000000001", "name": "Help Desk", "spec_version": "13.5.0", "language": "eng",
	 "type": "messaging", "revision": 1, "expire_after_minutes": 720, "localization": {},
	 "nodes": [
		{"uuid": "d1000000-0000-4000-8000-000000000010", "actions": [
			{"uuid": "d1000000-0000-4000-8000-000000000011", "type": "open_ticket",
			 "topic": {"uuid": "d2000000-0000-4000-8000-000000000001", "name": "Billing"},
			 "assignee": {"email": "agent@nyaruka.com"}, "note": "  Wants help: @input.text  "},
			{"uuid": "d1000000-0000-4000-8000-000000000012", "type": "send_msg",
			 "text": "ticket=@(if(locals._new_ticket, \"new\", \"none\")) open=@(count(contact.tickets)) topic=@(contact.tickets[0].topic.name) assignee=@(contact.tickets[0].assignee.email)"}],
		 "exits": [{"uuid": "d1000000-0000-4000-8000-000000000013", "destination_uuid": "d1000000-0000-4000-8000-000000000020"}]},
		{"uuid": "d1000000-0000-4000-8000-000000000020", "actions": [],
		 "router": {"type": "switch", "wait": {"type": "msg"}, "result_name": "Reply", "operand": "@input.text", "cases": [],
			"categories": [{"uuid": "d1000000-0000-4000-8000-000000000021", "name": "All Responses", "exit_uuid": "d1000000-0000-4000-8000-000000000022"}],
			"default_category_uuid": "d1000000-0000-4000-8000-000000000021"},
		 "exits": [{"uuid": "d1000000-0000-4000-8000-000000000022", "destination_uuid": "d1000000-0000-4000-8000-000000000030"}]},
		{"uuid": "d1000000-0000-4000-8000-000000000030", "actions": [
			{"uuid": "d1000000-0000-4000-8000-000000000031", "type": "send_msg", "text": "An agent will answer: @input.text"}],
		 "exits": [{"uuid": "d1000000-0000-4000-8000-000000000032", "destination_uuid": null}]}
	 ]},
	{"uuid": "d1000000-0000-4000-8000-000000000002", "name": "Catch All", "spec_version": "13.5.0", "language": "eng",
	 "type": "messaging", "revision": 1, "expire_after_minutes": 720, "localization": {},
	 "nodes": [
		{"uuid": "d1000000-0000-4000-8000-000000000040", "actions": [
			{"uuid": "d1000000-0000-4000-8000-000000000041", "type": "send_msg", "text": "caught: @input.text"}],
		 "exits": [{"uuid": "d1000000-0000-4000-8000-000000000042", "destination_uuid": null}]}
	 ]}],
	"campaigns": [], "fields": [], "groups": [],
	"triggers": [
		{"trigger_type": "K", "flow": {"uuid": "d1000000-0000-4000-8000-000000000001", "name": "Help Desk"},
		 "groups": [], "exclude_groups": [], "channel": null, "keywords": ["help"], "match_type": "F"},
		{"trigger_type": "C", "flow": {"uuid": "d1000000-0000-4000-8000-000000000002", "name": "Catch All"},
		 "groups": [], "exclude_groups": [], "channel": null}]}`

// helpDesk gives the workspace the agent and the help desk flows, and Ann: the start of every ticket test.
func (e *hostEnv) helpDesk() (*models.User, *models.Contact) {
	agent, err := e.store.AddMember(e.ctx, e.ws.ID, "agent@nyaruka.com", models.RoleAgent)
	must(e.t, err)
	e.importExport(helpDeskExport)
	return agent, e.contact("Ann", "tel:+250788000001")
}

func (e *hostEnv) importExport(export string) {
	spec, err := ParseExport([]byte(export))
	must(e.t, err)
	_, err = Import(e.ctx, e.store, e.ws, spec)
	must(e.t, err)
}

func (e *hostEnv) tickets(c *models.Contact) []models.Ticket {
	var ts []models.Ticket
	must(e.t, e.db.Raw.Where("contact_id = ?", c.ID).Order("id").Find(&ts).Error)
	return ts
}

func (e *hostEnv) inOpenTickets(c *models.Contact) bool {
	return e.count("contact_group_members", "contact_id = ? AND group_id = (SELECT id FROM contact_groups WHERE workspace_id = ? AND is_system)", c.ID, e.ws.ID) == 1
}

func TestTicketsThroughFlows(t *testing.T) {
	eachHostDialect(t, func(t *testing.T, e *hostEnv) {
		agent, ann := e.helpDesk()

		// the keyword opens a ticket: topic, assignee and note as the action says, in the flow it was opened in
		e.send("tel:+250788000001", "help my bill is wrong")
		e.wantLast(ann, "ticket=new open=1 topic=Billing assignee=agent@nyaruka.com")
		tickets := e.tickets(ann)
		if len(tickets) != 1 {
			t.Fatalf("%d tickets, want 1", len(tickets))
		}
		tk := tickets[0]
		var topic models.Topic
		must(t, e.db.Raw.Take(&topic, tk.TopicID).Error)
		helpDesk := e.flow("d1000000-0000-4000-8000-000000000001")
		if tk.Status != models.TicketOpen || topic.Name != "Billing" || tk.AssigneeID == nil || *tk.AssigneeID != agent.ID ||
			tk.OpenedInID == nil || *tk.OpenedInID != helpDesk.ID || tk.OpenedByID != nil || tk.WorkspaceID != e.ws.ID {
			t.Fatalf("ticket %+v", tk)
		}
		if n := e.count("ticket_events", "ticket_id = ? AND event_type = 'opened' AND assignee_id = ?", tk.ID, agent.ID); n != 1 {
			t.Errorf("%d opened events", n)
		}
		if n := e.count("ticket_events", "ticket_id = ? AND event_type = 'note_added' AND note = 'Wants help: help my bill is wrong'", tk.ID); n != 1 {
			t.Errorf("%d note events", n)
		}
		if !e.inOpenTickets(ann) {
			t.Error("Ann is not in Open Tickets")
		}

		// the reply goes to the flow that waits; the message is kept on the ticket
		reply := e.send("tel:+250788000001", "it says 300")
		e.wantLast(ann, "An agent will answer: it says 300")
		var stored models.Msg
		must(t, e.db.Raw.Take(&stored, reply.ID).Error)
		if stored.TicketID == nil || *stored.TicketID != tk.ID {
			t.Errorf("reply kept on ticket %v, want %d", stored.TicketID, tk.ID)
		}

		// with nothing waiting, the catch-all doesn't take a message from a contact with an open ticket
		sent := len(e.texts(ann))
		before := e.tickets(ann)[0].LastActivityOn
		more := e.send("tel:+250788000001", "hello?")
		if got := len(e.texts(ann)); got != sent {
			t.Errorf("the catch-all answered: %v", e.texts(ann))
		}
		stored = models.Msg{}
		must(t, e.db.Raw.Take(&stored, more.ID).Error)
		if stored.TicketID == nil || *stored.TicketID != tk.ID || stored.FlowID != nil {
			t.Errorf("message %+v, want it on ticket %d and no flow", stored, tk.ID)
		}
		if after := e.tickets(ann)[0].LastActivityOn; !after.After(before) {
			t.Errorf("last activity %s, not after %s", after, before)
		}

		// a keyword still starts its flow; a contact with an open ticket gets no second one
		e.send("tel:+250788000001", "help again")
		e.wantLast(ann, "ticket=none open=1 topic=Billing assignee=agent@nyaruka.com")
		if n := len(e.tickets(ann)); n != 1 {
			t.Errorf("%d tickets after a second open_ticket", n)
		}
		e.send("tel:+250788000001", "thanks")
		e.wantLast(ann, "An agent will answer: thanks")

		// the query attribute counts open tickets
		for query, want := range map[string]int64{"tickets > 0": 1, "tickets = 1": 1, "tickets = 0": 0, "tickets != 1": 0, "tickets >= 0.5": 1} {
			cond, err := mustParse(t, e, query).Condition()
			must(t, err)
			var n int64
			must(t, e.db.Raw.Raw("SELECT count(*) FROM contacts c WHERE c.workspace_id = ? AND ("+cond.SQL+")", append([]any{e.ws.ID}, cond.Args...)...).Scan(&n).Error)
			if n != want {
				t.Errorf("%s: %d contacts, want %d", query, n, want)
			}
		}

		// closing it (as ticket_actions does) takes Ann out of Open Tickets, and the catch-all has her again
		changed, err := e.host.ModifyTickets(e.ctx, e.ws, TicketActionSpec{Action: TicketClose, Tickets: []string{tk.UUID}, By: agent.ID})
		must(t, err)
		if !changed[tk.UUID] {
			t.Fatal("close changed nothing")
		}
		if e.inOpenTickets(ann) {
			t.Error("Ann is still in Open Tickets")
		}
		e.send("tel:+250788000001", "anyone?")
		e.wantLast(ann, "caught: anyone?")

		// a new keyword opens a new ticket, and reopening the old one then changes nothing
		e.send("tel:+250788000001", "help")
		e.wantLast(ann, "ticket=new open=1 topic=Billing assignee=agent@nyaruka.com")
		if !e.inOpenTickets(ann) {
			t.Error("Ann is not in Open Tickets again")
		}
		changed, err = e.host.ModifyTickets(e.ctx, e.ws, TicketActionSpec{Action: TicketReopen, Tickets: []string{tk.UUID}, By: agent.ID})
		must(t, err)
		if changed[tk.UUID] {
			t.Error("reopened a ticket while the contact has another open")
		}
		if n := e.count("tickets", "contact_id = ? AND status = 'open'", ann.ID); n != 1 {
			t.Errorf("%d open tickets", n)
		}
	})
}

// Starts to many contacts are batches, which can't open tickets.
func TestBatchStartsOpenNoTickets(t *testing.T) {
	eachHostDialect(t, func(t *testing.T, e *hostEnv) {
		_, ann := e.helpDesk()
		bob := e.contact("Bob", "tel:+250788000002")
		e.startNow("d1000000-0000-4000-8000-000000000001", ann, bob)
		if n := e.count("tickets", "workspace_id = ?", e.ws.ID); n != 0 {
			t.Errorf("%d tickets from a batch start", n)
		}
		if got := e.lastText(ann); !strings.HasPrefix(got, "ticket=none open=0") {
			t.Errorf("Ann was told %q", got)
		}
	})
}

func mustParse(t *testing.T, e *hostEnv, query string) *Query {
	t.Helper()
	q, err := ParseQuery(e.ctx, e.store, e.ws, query)
	must(t, err)
	return q
}

// A ticket whose assignee has left the workspace still shows them, and unassigning it changes it; assigning it
// to a member then works as ever.
func TestTicketOfAFormerMember(t *testing.T) {
	eachHostDialect(t, func(t *testing.T, e *hostEnv) {
		agent, ann := e.helpDesk()
		e.send("tel:+250788000001", "help")
		e.send("tel:+250788000001", "thanks") // the flow ends
		tk := e.tickets(ann)[0]
		must(t, e.store.RemoveMember(e.ctx, e.ws.ID, agent.ID))

		// the keyword flow's @contact.tickets still names the assignee
		e.send("tel:+250788000001", "help")
		e.wantLast(ann, "ticket=none open=1 topic=Billing assignee=agent@nyaruka.com")

		changed, err := e.host.ModifyTickets(e.ctx, e.ws, TicketActionSpec{Action: TicketAssign, Tickets: []string{tk.UUID}})
		must(t, err)
		if !changed[tk.UUID] {
			t.Fatal("unassigning a former member's ticket changed nothing")
		}
		if got := e.tickets(ann)[0]; got.AssigneeID != nil {
			t.Errorf("assignee %d, want none", *got.AssigneeID)
		}
		if n := e.count("ticket_events", "ticket_id = ? AND event_type = 'assigned' AND assignee_id IS NULL", tk.ID); n != 1 {
			t.Errorf("%d unassigned events", n)
		}
	})
}

// feedbackExport has a closed-ticket trigger start a flow that asks about the ticket.
const feedbackExport = `{"version": "13", "site": "https://rapidpro.example.com", "flows": [
	{"uuid": "d1000000-0000-4000-8000-000000000003", "name": "Feedback", "spec_version": "13.5.0", "language": "eng",
	 "type": "messaging", "revision": 1, "expire_after_minutes": 720, "localization": {},
	 "nodes": [{"uuid": "d1000000-0000-4000-8000-000000000050", "actions": [
		{"uuid": "d1000000-0000-4000-8000-000000000051", "type": "send_msg", "text": "How did we do with @trigger.ticket.topic.name? open=@(count(contact.tickets))"}],
		"exits": [{"uuid": "d1000000-0000-4000-8000-000000000052", "destination_uuid": null}]}]}],
	"campaigns": [], "fields": [], "groups": [],
	"triggers": [{"trigger_type": "T", "flow": {"uuid": "d1000000-0000-4000-8000-000000000003", "name": "Feedback"},
		"groups": [], "exclude_groups": [], "channel": null}]}`

// Closing a ticket starts the flow of a closed-ticket trigger, as mailroom does; a close that changes nothing
// starts nothing.
func TestClosedTicketTriggers(t *testing.T) {
	eachHostDialect(t, func(t *testing.T, e *hostEnv) {
		agent, ann := e.helpDesk()
		e.importExport(feedbackExport)
		if n := e.count("triggers", "workspace_id = ? AND trigger_type = ?", e.ws.ID, models.TriggerClosedTicket); n != 1 {
			t.Fatalf("%d closed-ticket triggers imported", n)
		}
		e.send("tel:+250788000001", "help") // the flow waits for a reply
		tk := e.tickets(ann)[0]

		changed, err := e.host.ModifyTickets(e.ctx, e.ws, TicketActionSpec{Action: TicketClose, Tickets: []string{tk.UUID}, By: agent.ID})
		must(t, err)
		if !changed[tk.UUID] {
			t.Fatal("close changed nothing")
		}
		e.wantLast(ann, "How did we do with Billing? open=0")
		feedback := e.flow("d1000000-0000-4000-8000-000000000003")
		if n := e.count("flow_runs", "contact_id = ? AND flow_id = ? AND status = 'completed'", ann.ID, feedback.ID); n != 1 {
			t.Errorf("%d feedback runs", n)
		}
		// the help desk flow that waited was interrupted by the trigger's flow, as a new flow always does
		helpDesk := e.flow("d1000000-0000-4000-8000-000000000001")
		if n := e.count("flow_runs", "contact_id = ? AND flow_id = ? AND status = 'interrupted'", ann.ID, helpDesk.ID); n != 1 {
			t.Errorf("%d interrupted help desk runs", n)
		}

		sent := len(e.texts(ann))
		_, err = e.host.ModifyTickets(e.ctx, e.ws, TicketActionSpec{Action: TicketClose, Tickets: []string{tk.UUID}, By: agent.ID})
		must(t, err)
		if got := len(e.texts(ann)); got != sent {
			t.Errorf("closing a closed ticket sent %v", e.texts(ann)[sent:])
		}
	})
}
