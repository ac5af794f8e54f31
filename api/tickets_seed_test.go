package api_test

import (
	"context"
	"time"

	"github.com/flowsd/flowsd/models"
)

// The world of the ticket truth files (tickets, ticket_actions, topics): tickets as flows' open_ticket and
// ticket_actions leave them, written straight into the database with UUIDs and times the files can read (the
// engine's own ticket UUIDs are random; flows/tickets_test.go opens tickets through a real flow). Contacts
// with an open ticket are in "Open Tickets", as the engine leaves them. Every workspace has tickets, so each
// listing shows it keeps to its own.
//
// Nyaruka: topics General (system), Billing and Weather; Ann has an open General ticket assigned to the agent,
// opened by the flow Support; Bob a closed Billing one the admin opened; Cat an open Billing one (unassigned)
// and a closed General one; Dan, deleted, an open one (never shown). Trileet's Tom and Weni's Wes have one each.

func init() {
	for _, name := range []string{"tickets", "ticket_actions", "topics"} {
		truthSeeds[name] = func(e *env) { seedTicketWorld(e) }
	}
}

// Ticket UUIDs of the world.
const (
	ticketAnn       = "a1000000-0000-4000-8000-000000000001"
	ticketBob       = "a1000000-0000-4000-8000-000000000002"
	ticketCat       = "a1000000-0000-4000-8000-000000000003"
	ticketCatClosed = "a1000000-0000-4000-8000-000000000004"
	ticketDan       = "a1000000-0000-4000-8000-000000000005"
	ticketTom       = "a1000000-0000-4000-8000-000000000006"
	ticketWes       = "a1000000-0000-4000-8000-000000000007"
)

// ticketSeed is a ticket to add, with the event that opened it (and closed it, when closed).
type ticketSeed struct {
	uuid              string
	contact           *models.Contact
	topic             *models.Topic
	assignee, opener  string // emails of fixture users, "" for none
	flow              *models.Flow
	opened, modified  time.Time
	closed            *time.Time
	lastActivityDelta time.Duration
}

func (e *env) seedTicket(s ticketSeed) *models.Ticket {
	e.t.Helper()
	t := &models.Ticket{UUID: s.uuid, WorkspaceID: s.contact.WorkspaceID, ContactID: s.contact.ID, TopicID: s.topic.ID,
		Status: models.TicketOpen, OpenedOn: s.opened, ModifiedOn: s.modified, LastActivityOn: s.modified.Add(s.lastActivityDelta)}
	if s.assignee != "" {
		id := e.userIDByEmail(s.assignee)
		t.AssigneeID = &id
	}
	if s.opener != "" {
		id := e.userIDByEmail(s.opener)
		t.OpenedByID = &id
	}
	if s.flow != nil {
		t.OpenedInID = &s.flow.ID
	}
	if s.closed != nil {
		t.Status, t.ClosedOn = models.TicketClosed, s.closed
	}
	e.insert(t)
	e.insert(&models.TicketEvent{WorkspaceID: t.WorkspaceID, TicketID: t.ID, ContactID: t.ContactID, EventType: models.TicketEventOpened,
		AssigneeID: t.AssigneeID, CreatedByID: t.OpenedByID, CreatedOn: s.opened})
	if s.closed != nil {
		e.insert(&models.TicketEvent{WorkspaceID: t.WorkspaceID, TicketID: t.ID, ContactID: t.ContactID, EventType: models.TicketEventClosed,
			CreatedOn: *s.closed})
	} else {
		e.must(e.db.Raw.Exec(`INSERT INTO contact_group_members (group_id, contact_id)
			SELECT id, ? FROM contact_groups WHERE workspace_id = ? AND is_system AND name = ?`, t.ContactID, t.WorkspaceID, models.OpenTicketsGroupName).Error)
	}
	return t
}

func (e *env) userIDByEmail(email string) int64 {
	e.t.Helper()
	var u models.User
	e.must(e.db.Raw.Where("email = ?", email).Take(&u).Error)
	return u.ID
}

// seedExampleTicket adds the ticket the docs examples name: the example contact's, opened by the example flow
// (the flow_starts example's) and assigned to the example user.
func (e *env) seedExampleTicket() {
	e.t.Helper()
	_, err := e.store.AddMember(context.Background(), e.ws["nyaruka"].ID, "bob@example.com", models.RoleAgent)
	e.must(err)
	var flow models.Flow
	e.must(e.db.Raw.Where("uuid = ?", "f5901b62-ba76-4003-9c62-72fdacc1b7b7").Take(&flow).Error)
	e.seedTicket(ticketSeed{uuid: "01968a3e-a4c2-7a5a-8d50-5c3f5d3cbe0e", contact: e.seedExampleContact(), topic: e.systemTopic("nyaruka"),
		assignee: "bob@example.com", flow: &flow, opened: seedAt(12, 0), modified: seedAt(12, 0)})
}

// systemTopic is a workspace's "General".
func (e *env) systemTopic(ws string) *models.Topic {
	e.t.Helper()
	t := &models.Topic{}
	e.must(e.db.Raw.Where("workspace_id = ? AND is_system", e.ws[ws].ID).Take(t).Error)
	return t
}

func (e *env) seedTopic(ws, uuid, name string, created time.Time) *models.Topic {
	e.t.Helper()
	t := &models.Topic{UUID: uuid, WorkspaceID: e.ws[ws].ID, Name: name, IsActive: true, CreatedOn: created, ModifiedOn: created}
	e.insert(t)
	return t
}

func seedTicketWorld(e *env) {
	general := e.systemTopic("nyaruka")
	billing := e.seedTopic("nyaruka", "b1000000-0000-4000-8000-000000000001", "Billing", seedAt(8, 10))
	e.seedTopic("nyaruka", "b1000000-0000-4000-8000-000000000002", "Weather", seedAt(8, 20))
	support := e.seedFlow("nyaruka", "f2000000-0000-4000-8000-000000000001", "Support", false, true)

	ann := e.seedContact("nyaruka", "c2000000-0000-4000-8000-000000000001", "Ann", "tel:+250788000101")
	bob := e.seedContact("nyaruka", "c2000000-0000-4000-8000-000000000002", "Bob", "tel:+250788000102")
	cat := e.seedContact("nyaruka", "c2000000-0000-4000-8000-000000000003", "Cat", "tel:+250788000103")
	dan := e.seedContact("nyaruka", "c2000000-0000-4000-8000-000000000004", "Dan", "tel:+250788000104")
	closedAt := func(h, m int) *time.Time { t := seedAt(h, m); return &t }

	e.seedTicket(ticketSeed{uuid: ticketAnn, contact: ann, topic: general, assignee: "agent@nyaruka.com", flow: support,
		opened: seedAt(9, 0), modified: seedAt(9, 30), lastActivityDelta: 5 * time.Minute})
	e.seedTicket(ticketSeed{uuid: ticketBob, contact: bob, topic: billing, opener: "admin@nyaruka.com",
		opened: seedAt(9, 5), modified: seedAt(10, 0), closed: closedAt(10, 0)})
	e.seedTicket(ticketSeed{uuid: ticketCatClosed, contact: cat, topic: general, flow: support,
		opened: seedAt(8, 30), modified: seedAt(8, 45), closed: closedAt(8, 45)})
	e.seedTicket(ticketSeed{uuid: ticketCat, contact: cat, topic: billing, flow: support,
		opened: seedAt(9, 10), modified: seedAt(9, 30)}) // Ann's was modified at the same time: the id breaks the tie
	e.seedTicket(ticketSeed{uuid: ticketDan, contact: dan, topic: general, opened: seedAt(9, 15), modified: seedAt(9, 15)})
	e.deactivate(&models.Contact{}, dan.ID)
	e.must(e.db.Raw.Exec("DELETE FROM contact_group_members WHERE contact_id = ?", dan.ID).Error) // as deleting a contact leaves them

	tom := e.seedContact("trileet", "c2000000-0000-4000-8000-000000000005", "Tom", "tel:+12025550101")
	var trileetTopic models.Topic
	e.must(e.db.Raw.Where("workspace_id = ? AND name = ?", e.ws["trileet"].ID, "Trileet Topic").Take(&trileetTopic).Error)
	e.seedTicket(ticketSeed{uuid: ticketTom, contact: tom, topic: &trileetTopic, assignee: "admin2@trileet.com",
		opened: seedAt(9, 20), modified: seedAt(9, 20)})

	wes := e.seedContact("weni", "c2000000-0000-4000-8000-000000000006", "Wes", "whatsapp:5511999990001")
	e.seedTicket(ticketSeed{uuid: ticketWes, contact: wes, topic: e.systemTopic("weni"), assignee: "weni@weni.ai",
		opened: seedAt(9, 25), modified: seedAt(9, 25)})
}
