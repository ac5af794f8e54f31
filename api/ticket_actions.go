package api

import (
	"net/http"
	"slices"
	"strings"

	"github.com/flowsd/flowsd/flows"
	"github.com/flowsd/flowsd/models"
)

var ticketActionsDocs = OperationDocs{Title: "Update Multiple Tickets", Fields: []Param{
	{Name: "tickets", Required: true, Help: "The UUIDs of the tickets to act on (up to 100)", Type: "array"},
	{Name: "action", Required: true, Help: "One of assign, add_note, change_topic, close, reopen"},
	{Name: "assignee", Help: "The email of the workspace user to assign the tickets to, or null to unassign them, for assign"},
	{Name: "note", Help: "The note to add to the tickets, for add_note"},
	{Name: "topic", Help: "The UUID of the topic to move the tickets to, for change_topic"},
},
	Example: Example{Body: map[string]any{"tickets": []any{exampleTicket.UUID}, "action": "add_note", "note": "Called back, waiting for the invoice"},
		Status: http.StatusNoContent},
	Failures: true}

var ticketActions = []string{string(flows.TicketAssign), string(flows.TicketAddNote), string(flows.TicketChangeTopic),
	string(flows.TicketClose), string(flows.TicketReopen)}

// rolesAssigning are the roles that may assign tickets: all of flowsd's (RapidPro's viewers and surveyors,
// who may not, aren't roles here).
var rolesAssigning = []models.Role{models.RoleAdministrator, models.RoleEditor, models.RoleAgent}

// ticketActionFailures is the answer when some tickets were left as they were.
type ticketActionFailures struct {
	Failures []string `json:"failures"`
}

// postTicketActions performs one action on up to 100 tickets, as RapidPro's engine does: every ticket named
// must be the workspace's (else a 400), and those the action leaves as they were (already closed, already
// that assignee or topic, a reopen while the contact has another open ticket) come back in a 200's failures;
// when it changed them all, the answer is an empty 204.
func postTicketActions(c *Ctx) error {
	ctx := c.Request().Context()
	in, err := c.body()
	if err != nil {
		return err
	}
	v := &validation{}

	var tickets []string
	if items, present, ok := in.list(v, "tickets", 100); !present {
		v.add("tickets", "This field is required.")
	} else if ok {
		if tickets, err = resolveTickets(c, items, v); err != nil {
			return err
		}
	}
	action, _, _ := in.choice(v, "action", true, ticketActions...)

	spec := flows.TicketActionSpec{Action: flows.TicketAction(action), Tickets: tickets, By: c.principal.User.ID}
	raw, assigneeGiven := in.values["assignee"]
	if assigneeGiven {
		if in.form {
			raw = lastFormValue(raw)
		}
		if spec.Assignee, err = resolveAssignee(c, raw, v); err != nil {
			return err
		}
	}
	noteMax := models.MaxTicketNoteLen
	if c.weni() {
		noteMax = 4096 // RapidPro 8.3's and Weni's limit
	}
	note, _, _ := in.char(v, "note", charField{maxLen: noteMax})
	if raw, present := in.values["topic"]; present {
		if in.form {
			raw = lastFormValue(raw)
		}
		if spec.Topic, err = resolveTopic(c, raw, v); err != nil {
			return err
		}
	}
	if v.failed() {
		return errValidation(v)
	}

	switch {
	case spec.Action == flows.TicketAssign && !assigneeGiven:
		return errNonField(`For action "assign" you must specify the assignee`)
	case spec.Action == flows.TicketAddNote && note == nil:
		return errNonField(`For action "add_note" you must specify the note`)
	case spec.Action == flows.TicketChangeTopic && spec.Topic == nil:
		return errNonField(`For action "change_topic" you must specify the topic`)
	case spec.Action == flows.TicketAssign && !slices.Contains(rolesAssigning, c.principal.Role):
		return errNonField("You do not have permission to assign tickets.")
	}
	if note != nil {
		spec.Note = *note
	}

	changed, err := c.flows().ModifyTickets(ctx, c.ws(), spec)
	if err != nil {
		return err
	}
	failures := []string{}
	for _, uuid := range tickets {
		if !changed[uuid] {
			failures = append(failures, uuid)
		}
	}
	if len(failures) > 0 {
		return c.respond(http.StatusOK, ticketActionFailures{Failures: failures})
	}
	return c.noContent()
}

// resolveTickets finds the tickets a list names by UUID, each once, in the order given. The first that names
// none of the workspace's tickets (of its active contacts) fails the field, as RapidPro's ticket field does.
func resolveTickets(c *Ctx, items []any, v *validation) ([]string, error) {
	var uuids []string
	values := make([]string, len(items))
	for i, item := range items {
		if _, isString := item.(string); !isString && !isNumber(item) {
			v.add("tickets", "Must be a string or integer")
			return nil, nil
		}
		values[i] = inputText(item)
		if u, ok := normalizeUUID(values[i]); ok {
			uuids = append(uuids, u)
		}
	}
	found, err := c.store().Reader(c.Request().Context()).TicketsByUUID(c.ws().ID, uuids)
	if err != nil {
		return nil, err
	}
	known := map[string]bool{}
	for _, t := range found {
		known[t.UUID] = true
	}
	var out []string
	seen := map[string]bool{}
	for _, value := range values {
		u, ok := normalizeUUID(value)
		if !ok || !known[u] {
			v.add("tickets", "No such object: "+value)
			return nil, nil
		}
		if !seen[u] {
			seen[u] = true
			out = append(out, u)
		}
	}
	return out, nil
}

// resolveAssignee finds the member an assignee names by email, ignoring case; null (or "", which DRF reads
// as null for a relation) unassigns.
func resolveAssignee(c *Ctx, raw any, v *validation) (*models.User, error) {
	if raw == nil || raw == "" {
		return nil, nil
	}
	if _, isString := raw.(string); !isString && !isNumber(raw) {
		v.add("assignee", "Must be a string or integer")
		return nil, nil
	}
	value := inputText(raw)
	var found *models.Member
	if !strings.ContainsRune(value, 0) {
		var err error
		if found, err = c.store().Members(c.ws().ID).WithEmails([]string{value}).First(c.Request().Context()); err != nil {
			return nil, err
		}
	}
	if found == nil {
		v.add("assignee", "No such object: "+value)
		return nil, nil
	}
	return &found.User, nil
}

// resolveTopic finds the active topic a topic field names by UUID.
func resolveTopic(c *Ctx, raw any, v *validation) (*models.Topic, error) {
	if raw == nil {
		v.add("topic", "This field may not be null.")
		return nil, nil
	}
	if _, isString := raw.(string); !isString && !isNumber(raw) {
		v.add("topic", "Must be a string or integer")
		return nil, nil
	}
	value := inputText(raw)
	if value == "" {
		v.add("topic", "This field may not be null.")
		return nil, nil
	}
	if u, ok := normalizeUUID(value); ok {
		t, err := c.store().GetTopic(c.Request().Context(), c.ws().ID, u)
		if err == nil {
			return t, nil
		}
		if !models.IsNotFound(err) {
			return nil, err
		}
	}
	v.add("topic", "No such object: "+value)
	return nil, nil
}
