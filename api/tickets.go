package api

import (
	"net/http"
	"time"

	"github.com/flowsd/flowsd/models"
)

var exampleTicket = func() models.TicketListing {
	at := time.Date(2025, 4, 2, 9, 30, 12, 154000000, time.UTC)
	name, email, first, last := "Ben Haggerty", "bob@example.com", "Bob", "McFlow"
	flowUUID, flowName, active := exampleFlowRef.UUID, exampleFlowRef.Name, true
	return models.TicketListing{
		Ticket: models.Ticket{UUID: "01968a3e-a4c2-7a5a-8d50-5c3f5d3cbe0e", Status: models.TicketOpen, OpenedOn: at,
			ModifiedOn: at.Add(5 * time.Minute), LastActivityOn: at.Add(5 * time.Minute)},
		ContactUUID: exampleContact.UUID, ContactName: &name, TopicUUID: exampleTopic.UUID, TopicName: exampleTopic.Name,
		AssigneeEmail: &email, AssigneeFirst: &first, AssigneeLast: &last,
		OpenedInUUID: &flowUUID, OpenedInName: &flowName, OpenedInActive: &active,
	}
}()

var ticketsListDocs = OperationDocs{Title: "List Tickets",
	Params: []Param{
		{Name: "uuid", Help: "Only return the tickets with this UUID (repeatable, up to 100)"},
		{Name: "contact", Help: "Only return the tickets of the contact with this UUID"},
		{Name: "before", Help: "Only return tickets modified before this date, e.g. 2015-01-28T18:00:00.000"},
		{Name: "after", Help: "Only return tickets modified after this date, e.g. 2015-01-28T18:00:00.000"},
		{Name: "reverse", Help: "Set to true to list the least recently modified first"},
	},
	Example: Example{Query: "contact=" + exampleContact.UUID, Status: http.StatusOK, Answer: listAnswer(convertTicket, exampleTicket)}}

// userRefOut is how tickets name a user.
type userRefOut struct {
	Email string `json:"email"`
	Name  string `json:"name"`
}

type ticketOut struct {
	UUID       string        `json:"uuid"`
	Contact    contactRefOut `json:"contact"`
	Status     string        `json:"status"`
	Topic      ref           `json:"topic"`
	Body       *string       `json:"body"` // deprecated, always null
	Assignee   *userRefOut   `json:"assignee"`
	OpenedOn   apiTime       `json:"opened_on"`
	OpenedBy   *userRefOut   `json:"opened_by"`
	OpenedIn   *ref          `json:"opened_in"`
	ModifiedOn apiTime       `json:"modified_on"`
	ClosedOn   *apiTime      `json:"closed_on"`
}

// ticketOutWeni is Weni's (RapidPro 7's) shape: a ticketer, which flowsd has none of (null), and no opener.
type ticketOutWeni struct {
	UUID     string        `json:"uuid"`
	Ticketer *ref          `json:"ticketer"`
	Contact  contactRefOut `json:"contact"`
	Status   string        `json:"status"`
	Topic    ref           `json:"topic"`
	Body     *string       `json:"body"`
	Assignee *userRefOut   `json:"assignee"`
	OpenedOn apiTime       `json:"opened_on"`
	ClosedOn *apiTime      `json:"closed_on"`
}

func userRef(email, first, last *string) *userRefOut {
	if email == nil {
		return nil
	}
	u := models.User{Email: *email, FirstName: deref(first), LastName: deref(last)}
	return &userRefOut{Email: u.Email, Name: u.Name()}
}

func convertTicket(c *Ctx, t *models.TicketListing) any {
	contact := contactRefOut{UUID: t.ContactUUID, Name: t.ContactName}
	topic := ref{UUID: t.TopicUUID, Name: t.TopicName}
	assignee := userRef(t.AssigneeEmail, t.AssigneeFirst, t.AssigneeLast)
	var closedOn *apiTime
	if t.ClosedOn != nil {
		at := apiTime(*t.ClosedOn)
		closedOn = &at
	}
	if c.weni() {
		return ticketOutWeni{UUID: t.UUID, Contact: contact, Status: string(t.Status), Topic: topic, Assignee: assignee,
			OpenedOn: apiTime(t.OpenedOn), ClosedOn: closedOn}
	}
	var openedIn *ref
	if t.OpenedInUUID != nil && t.OpenedInActive != nil && *t.OpenedInActive {
		openedIn = &ref{UUID: *t.OpenedInUUID, Name: deref(t.OpenedInName)}
	}
	return ticketOut{UUID: t.UUID, Contact: contact, Status: string(t.Status), Topic: topic, Assignee: assignee,
		OpenedOn: apiTime(t.OpenedOn), OpenedBy: userRef(t.OpenerEmail, t.OpenerFirst, t.OpenerLast), OpenedIn: openedIn,
		ModifiedOn: apiTime(t.ModifiedOn), ClosedOn: closedOn}
}

func listTickets(c *Ctx) error {
	q := c.store().Tickets(c.ws().ID).ModifiedIn(timeRange(c.query))
	uuids, err := uuidParams(c.query, "uuid")
	if err != nil {
		return err
	}
	if len(uuids) > 0 {
		q = q.WithUUIDs(uuids)
	}
	if vals := c.query["contact"]; len(vals) > 0 && vals[len(vals)-1] != "" {
		// a contact that isn't a UUID is nobody's: nothing matches, as an unknown one
		u, _ := normalizeUUID(vals[len(vals)-1])
		q = q.OfContact(u)
	}
	return respondPage(c, order{reversible: true}, q.Page, convertEach(func(t *models.TicketListing) any { return convertTicket(c, t) }))
}
