package models

import (
	"context"
	"time"
)

// TicketStatus is whether a ticket waits for a person (open) or is done with (closed).
type TicketStatus string

const (
	TicketOpen   TicketStatus = "open"
	TicketClosed TicketStatus = "closed"
)

// MaxTicketNoteLen bounds a note on a ticket, as RapidPro and goflow's open_ticket do.
const MaxTicketNoteLen = 10000

// Ticket hands a contact's conversation to a person: opened by a flow's open_ticket (or reopened by the API),
// with a topic and perhaps an assignee. A contact has at most one open ticket (a partial unique index).
type Ticket struct {
	ID             int64 `gorm:"primaryKey"`
	UUID           string
	WorkspaceID    int64
	ContactID      int64
	TopicID        int64
	Status         TicketStatus
	AssigneeID     *int64
	OpenedOn       time.Time
	OpenedByID     *int64
	OpenedInID     *int64 // the flow that opened it
	ModifiedOn     time.Time
	ClosedOn       *time.Time
	LastActivityOn time.Time // moved by its notes, status changes and the contact's messages, as RapidPro's
}

func (Ticket) TableName() string { return "tickets" }

// TicketEventType is what happened to a ticket.
type TicketEventType string

const (
	TicketEventOpened       TicketEventType = "opened"
	TicketEventAssigned     TicketEventType = "assigned"
	TicketEventNoteAdded    TicketEventType = "note_added"
	TicketEventTopicChanged TicketEventType = "topic_changed"
	TicketEventClosed       TicketEventType = "closed"
	TicketEventReopened     TicketEventType = "reopened"
)

// TicketEvent is one thing that happened to a ticket, by a flow (CreatedByID nil) or a user. Notes live only
// here: flowsd keeps no contact history besides.
type TicketEvent struct {
	ID          int64 `gorm:"primaryKey"`
	WorkspaceID int64
	TicketID    int64
	ContactID   int64
	EventType   TicketEventType
	Note        *string
	TopicID     *int64 // the new topic, for topic_changed
	AssigneeID  *int64 // the new assignee (nil: unassigned), for assigned
	CreatedByID *int64
	CreatedOn   time.Time
}

func (TicketEvent) TableName() string { return "ticket_events" }

// TicketListing is a ticket as the API lists it: with its contact, topic, assignee, opener and flow.
type TicketListing struct {
	Ticket
	ContactUUID    string
	ContactName    *string
	TopicUUID      string
	TopicName      string
	AssigneeEmail  *string
	AssigneeFirst  *string
	AssigneeLast   *string
	OpenerEmail    *string
	OpenerFirst    *string
	OpenerLast     *string
	OpenedInUUID   *string
	OpenedInName   *string
	OpenedInActive *bool
}

// TicketQuery builds a listing of a workspace's tickets, ordered by when they last changed. Tickets of
// deleted contacts are left out, as RapidPro deletes them with the contact.
type TicketQuery struct {
	query[TicketListing]
	workspaceID int64
}

// Tickets starts a listing of the workspace's tickets.
func (s *Store) Tickets(workspaceID int64) *TicketQuery {
	q := &TicketQuery{newQuery(s, "tickets AS t", "t.modified_on", "t.id", func(t *TicketListing) Position { return Position{Time: t.ModifiedOn, ID: t.ID} }), workspaceID}
	q.l.sel = "t.*, c.uuid AS contact_uuid, c.name AS contact_name, tp.uuid AS topic_uuid, tp.name AS topic_name, " +
		"a.email AS assignee_email, a.first_name AS assignee_first, a.last_name AS assignee_last, " +
		"ob.email AS opener_email, ob.first_name AS opener_first, ob.last_name AS opener_last, " +
		"f.uuid AS opened_in_uuid, f.name AS opened_in_name, f.is_active AS opened_in_active"
	q.l.joins = []string{
		"JOIN contacts c ON c.id = t.contact_id AND c.is_active",
		"JOIN topics tp ON tp.id = t.topic_id",
		"LEFT JOIN users a ON a.id = t.assignee_id",
		"LEFT JOIN users ob ON ob.id = t.opened_by_id",
		"LEFT JOIN flows f ON f.id = t.opened_in_id",
	}
	q.l.and("t.workspace_id = ?", workspaceID)
	return q
}

// WithUUIDs keeps the tickets with any of the UUIDs.
func (q *TicketQuery) WithUUIDs(uuids []string) *TicketQuery { q.l.and("t.uuid IN ?", uuids); return q }

// OfContact keeps the tickets of the active contact with a UUID.
func (q *TicketQuery) OfContact(uuid string) *TicketQuery {
	q.l.and("t.contact_id = (SELECT id FROM contacts WHERE workspace_id = ? AND uuid = ? AND is_active)", q.workspaceID, uuid)
	return q
}

// ModifiedIn keeps the tickets last changed within a range.
func (q *TicketQuery) ModifiedIn(r TimeRange) *TicketQuery { q.l.within("t.modified_on", r); return q }

// TopicCount is how many open and closed tickets a topic has.
type TopicCount struct{ Open, Closed int64 }

// TopicCounts counts the tickets of topics by status, by topic id; tickets of deleted contacts don't count.
func (s *Store) TopicCounts(ctx context.Context, workspaceID int64, topicIDs []int64) (map[int64]TopicCount, error) {
	counts := map[int64]TopicCount{}
	if len(topicIDs) == 0 {
		return counts, nil
	}
	var rows []struct {
		TopicID int64
		Status  TicketStatus
		N       int64
	}
	err := s.read(ctx).Table("tickets AS t").Select("t.topic_id, t.status, COUNT(*) AS n").
		Joins("JOIN contacts c ON c.id = t.contact_id AND c.is_active").
		Where("t.workspace_id = ? AND t.topic_id IN ?", workspaceID, topicIDs).Group("t.topic_id, t.status").Scan(&rows).Error
	for _, r := range rows {
		c := counts[r.TopicID]
		if r.Status == TicketOpen {
			c.Open = r.N
		} else {
			c.Closed = r.N
		}
		counts[r.TopicID] = c
	}
	return counts, err
}

// EngineTicket is a ticket as the engine is given it: with its topic's UUID and its assignee's UUID, email and
// name.
type EngineTicket struct {
	Ticket
	TopicUUID     string
	AssigneeUUID  *string
	AssigneeEmail *string
	AssigneeFirst *string
	AssigneeLast  *string
}

// OpenTickets reads the open tickets of contacts (one each at most), by contact id: what @contact.tickets
// shows and the `tickets` attribute counts.
func (r *Reader) OpenTickets(contactIDs []int64) (map[int64][]EngineTicket, error) {
	return r.engineTickets("t.contact_id IN ? AND t.status = ?", contactIDs, TicketOpen)
}

// TicketsByUUID reads a workspace's tickets of active contacts by UUID, for the engine to act on.
func (r *Reader) TicketsByUUID(workspaceID int64, uuids []string) ([]EngineTicket, error) {
	byContact, err := r.engineTickets("t.workspace_id = ? AND t.uuid IN ?", workspaceID, uuids)
	var out []EngineTicket
	for _, ts := range byContact {
		out = append(out, ts...)
	}
	return out, err
}

func (r *Reader) engineTickets(cond string, args ...any) (map[int64][]EngineTicket, error) {
	var rows []EngineTicket
	err := r.db.Table("tickets AS t").Select("t.*, tp.uuid AS topic_uuid, u.uuid AS assignee_uuid, u.email AS assignee_email, u.first_name AS assignee_first, u.last_name AS assignee_last").
		Joins("JOIN contacts c ON c.id = t.contact_id AND c.is_active").
		Joins("JOIN topics tp ON tp.id = t.topic_id").
		Joins("LEFT JOIN users u ON u.id = t.assignee_id").
		Where(cond, args...).Order("t.id").Find(&rows).Error
	out := map[int64][]EngineTicket{}
	for _, t := range rows {
		out[t.ContactID] = append(out[t.ContactID], t)
	}
	return out, err
}

// OpenTicketOf is a contact's open ticket, nil when they have none.
func (r *Reader) OpenTicketOf(contactID int64) (*Ticket, error) {
	var found []Ticket
	err := r.db.Where("contact_id = ? AND status = ?", contactID, TicketOpen).Limit(1).Find(&found).Error
	if err != nil || len(found) == 0 {
		return nil, err
	}
	return &found[0], nil
}

// TicketChange is what an engine event did to one ticket, to write: a new ticket (Opened), or a change to the
// ticket with TicketUUID. Only the fields of its event type are read.
type TicketChange struct {
	Type       TicketEventType
	Opened     *Ticket // for opened: the new ticket, its UUID the engine's
	TicketUUID string
	Note       string
	TopicID    int64
	AssigneeID *int64
	By         *int64 // the user who made the change; nil for a flow
	At         time.Time
}

// ApplyTicketChange writes one change to a workspace's ticket and its event. A change to a ticket that is not
// the workspace's writes nothing. Callers refresh the contact's smart groups after (RefreshGroups): whether
// they have an open ticket is what "Open Tickets" asks.
func (tx *Tx) ApplyTicketChange(workspaceID, contactID int64, ch TicketChange) error {
	at := ch.At.UTC()
	var t Ticket
	if ch.Type == TicketEventOpened {
		t = *ch.Opened
		t.WorkspaceID, t.ContactID, t.Status, t.OpenedOn, t.ModifiedOn, t.LastActivityOn = workspaceID, contactID, TicketOpen, at, at, at
		if err := tx.db.Create(&t).Error; err != nil {
			return err
		}
		*ch.Opened = t
	} else {
		var found []Ticket
		if err := tx.db.Where("workspace_id = ? AND contact_id = ? AND uuid = ?", workspaceID, contactID, ch.TicketUUID).Limit(1).Find(&found).Error; err != nil || len(found) == 0 {
			return err
		}
		t = found[0]
		updates := map[string]any{"modified_on": at}
		switch ch.Type {
		case TicketEventAssigned:
			updates["assignee_id"] = ch.AssigneeID
		case TicketEventTopicChanged:
			updates["topic_id"] = ch.TopicID
		case TicketEventNoteAdded:
			updates["last_activity_on"] = at
		case TicketEventClosed:
			updates["status"], updates["closed_on"], updates["last_activity_on"] = TicketClosed, at, at
		case TicketEventReopened:
			updates["status"], updates["closed_on"], updates["last_activity_on"] = TicketOpen, nil, at
		}
		if err := tx.db.Model(&Ticket{}).Where("id = ?", t.ID).Updates(updates).Error; err != nil {
			return err
		}
	}
	e := &TicketEvent{WorkspaceID: workspaceID, TicketID: t.ID, ContactID: contactID, EventType: ch.Type, CreatedByID: ch.By, CreatedOn: at}
	switch ch.Type {
	case TicketEventNoteAdded:
		e.Note = &ch.Note
	case TicketEventTopicChanged:
		e.TopicID = &ch.TopicID
	case TicketEventAssigned, TicketEventOpened:
		e.AssigneeID = t.AssigneeID
		if ch.Type == TicketEventAssigned {
			e.AssigneeID = ch.AssigneeID
		}
	}
	return tx.db.Create(e).Error
}

// RefreshGroups puts contacts in exactly the smart groups they match now, "Open Tickets" among them, and
// moves their campaign fires accordingly: for changes made to what the groups ask of them besides the
// contacts' own rows (their tickets).
func (tx *Tx) RefreshGroups(ctx context.Context, ws *Workspace, contactIDs []int64) error {
	if err := tx.reevaluateSmartGroups(ctx, ws, contactIDs); err != nil {
		return err
	}
	return tx.refreshContactFires(ws.ID, contactIDs, tx.s.now())
}

// TouchTicket moves a ticket's last activity: a message from its contact was kept on it, as RapidPro
// records a contact's reply on their open ticket.
func (tx *Tx) TouchTicket(ticketID int64, at time.Time) error {
	return tx.db.Model(&Ticket{}).Where("id = ?", ticketID).Update("last_activity_on", at.UTC()).Error
}
