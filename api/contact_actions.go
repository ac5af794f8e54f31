package api

import (
	"net/http"
	"sort"
	"strings"

	"github.com/flowsd/flowsd/models"
)

var contactActionsDocs = OperationDocs{Title: "Update Multiple Contacts", Fields: []Param{
	{Name: "contacts", Required: true, Help: "The UUIDs or URNs of the contacts to act on (up to 100)", Type: "array"},
	{Name: "action", Required: true, Help: "One of add, remove, block, unblock, interrupt, archive_messages, delete (archive is an old name of archive_messages)"},
	{Name: "group", Help: "The UUID or name of a manual group, for add and remove"},
},
	Example: Example{Body: map[string]any{"contacts": []any{"tel:+250788123123"}, "action": "block"}, Status: http.StatusNoContent}}

var contactActions = []string{"add", "remove", "block", "unblock", "interrupt", "archive_messages", "delete", "archive"}

// contactActionsWithGroup are the actions that need a group, and the only ones that take one.
var contactActionsWithGroup = map[string]bool{"add": true, "remove": true}

// postContactActions performs one action on up to 100 contacts. As in RapidPro, every contact must exist
// and the answer is an empty 204.
func postContactActions(c *Ctx) error {
	ctx := c.Request().Context()
	store, ws := c.store(), c.ws()
	in, err := c.body()
	if err != nil {
		return err
	}
	v := &validation{}

	var contacts []*models.Contact
	if items, present, ok := in.list(v, "contacts", 100); !present {
		v.add("contacts", "This field is required.")
	} else if ok {
		contacts, err = resolveContacts(c, items, v)
		if err != nil {
			return err
		}
	}
	action, _, _ := in.choice(v, "action", true, contactActions...)

	var group *models.Group
	if raw, present := in.values["group"]; present {
		if raw == nil || raw == "" {
			v.add("group", "This field may not be null.")
		} else {
			g, msg, err := resolveGroup(ctx, c, raw, false)
			if err != nil {
				return err
			}
			if msg != "" {
				v.add("group", msg)
			}
			group = g
		}
	}
	if v.failed() {
		return errValidation(v)
	}

	switch {
	case contactActionsWithGroup[action] && group == nil:
		return errNonField(`For action "` + action + `" you should also specify a group`)
	case !contactActionsWithGroup[action] && group != nil:
		return errNonField(`For action "` + action + `" you should not specify a group`)
	}

	ids := make([]int64, len(contacts))
	for i, ct := range contacts {
		ids[i] = ct.ID
	}
	// RapidPro ends the flows of contacts it blocks or deletes, as well as of those it is told to interrupt
	if action == "block" || action == "delete" || action == "interrupt" {
		if err := c.flows().Interrupt(ctx, ws, ids); err != nil {
			return err
		}
	}
	switch action {
	case "add":
		var inactive []string
		for _, ct := range contacts {
			if ct.Status != models.ContactActive {
				inactive = append(inactive, ct.UUID)
			}
		}
		if len(inactive) > 0 {
			sort.Strings(inactive)
			return errNonField("Non-active contacts cannot be added to groups: " + strings.Join(inactive, ", "))
		}
		err = store.ChangeGroup(ctx, ws, group, ids, true)
	case "remove":
		err = store.ChangeGroup(ctx, ws, group, ids, false)
	case "block":
		err = store.SetStatus(ctx, ws, ids, models.ContactBlocked)
	case "unblock":
		err = store.SetStatus(ctx, ws, ids, models.ContactActive)
	case "delete":
		err = store.DeleteContacts(ctx, ws.ID, ids)
	case "archive_messages", "archive":
		err = store.ArchiveIncoming(ctx, ws.ID, ids)
	}
	if err != nil {
		return err
	}
	return c.noContent()
}
