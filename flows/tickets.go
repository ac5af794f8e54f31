package flows

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/nyaruka/goflow/assets"
	"github.com/nyaruka/goflow/core"
	"github.com/nyaruka/goflow/core/events"
	"github.com/nyaruka/goflow/flows"
	"github.com/nyaruka/goflow/flows/modifiers"
)

// Tickets are opened by flows (goflow's open_ticket) and changed by ticket_actions; both go through the
// engine, which decides what changes (one open ticket a contact; a reopen only when the contact has no other
// open one; nothing for an assignee or topic the ticket already has) and says so in events. Every ticket
// event is written here, with the ticket's row, in the transaction of what made it, and the contact's smart
// groups ("Open Tickets" among them) are worked out again in it.

// TicketAction is what ticket_actions does to tickets.
type TicketAction string

const (
	TicketAssign      TicketAction = "assign"
	TicketAddNote     TicketAction = "add_note"
	TicketChangeTopic TicketAction = "change_topic"
	TicketClose       TicketAction = "close"
	TicketReopen      TicketAction = "reopen"
)

// TicketActionSpec is one action on a workspace's tickets, by a user.
type TicketActionSpec struct {
	Action  TicketAction
	Tickets []string // UUIDs
	// Assignee is the member to assign (nil unassigns), Note the note to add, Topic the topic to change to
	Assignee *models.User
	Note     string
	Topic    *models.Topic
	By       int64 // the user acting; 0 for none
}

// ModifyTickets does an action to tickets as RapidPro does: with the engine's ticket modifiers, each
// contact's under their lock, and everything they changed written in one transaction. It answers the UUIDs
// of the tickets it changed; any other (not the workspace's, of a deleted contact, or left as it was) is not.
func (h *Host) ModifyTickets(ctx context.Context, ws *models.Workspace, spec TicketActionSpec) (map[string]bool, error) {
	changed := map[string]bool{}
	found, err := h.Store.Reader(ctx).TicketsByUUID(ws.ID, spec.Tickets)
	if err != nil || len(found) == 0 {
		return changed, err
	}
	var contactIDs []int64
	for _, t := range found {
		if !slices.Contains(contactIDs, t.ContactID) {
			contactIDs = append(contactIDs, t.ContactID)
		}
	}
	release, a, err := h.lockWithAssets(ctx, ws, contactIDs)
	if err != nil {
		return nil, err
	}
	defer release()
	// read again under the locks: what the tickets are now
	r := h.Store.Reader(ctx)
	if found, err = r.TicketsByUUID(ws.ID, spec.Tickets); err != nil {
		return nil, err
	}
	_, contacts, err := h.loadContacts(ctx, a, r, contactIDs)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(found, func(x, y models.EngineTicket) int { return cmp.Compare(x.ID, y.ID) })

	evts := map[int64][]events.Event{}
	for i := range found {
		t := &found[i]
		ec := contacts[t.ContactID]
		if ec == nil {
			continue
		}
		if ec.Tickets().Find(core.TicketUUID(t.UUID)) == nil {
			ec.Tickets().Add(engineTicket(a, t)) // a closed one: the contact's list holds only the open
		}
		mod := ticketModifier(a, spec, core.TicketUUID(t.UUID))
		if mod == nil {
			continue
		}
		log := func(e events.Event) { evts[t.ContactID] = append(evts[t.ContactID], e) }
		ok, err := modifiers.Apply(ctx, h.Engine, a.Env, a.Session, ec, mod, log)
		if err != nil {
			return nil, err
		}
		if ok {
			changed[t.UUID] = true
		}
	}
	if len(changed) == 0 {
		return changed, nil
	}
	now := h.Store.Now().UTC()
	var by *int64
	if spec.By != 0 {
		by = &spec.By
	}
	err = h.Store.Write(ctx, func(tx *models.Tx) error {
		var touched []int64
		for _, id := range contactIDs {
			wrote, err := writeTicketEvents(tx, a, id, evts[id], nil, by, now)
			if err != nil {
				return err
			}
			if wrote {
				touched = append(touched, id)
			}
		}
		return tx.RefreshGroups(ctx, ws, touched)
	})
	return changed, err
}

// ticketModifier is the engine's modifier for an action on one ticket.
func ticketModifier(a *Assets, spec TicketActionSpec, uuid core.TicketUUID) flows.Modifier {
	switch spec.Action {
	case TicketAssign:
		var user *core.User
		if spec.Assignee != nil {
			if user = a.Session.Users().Get(assets.UserUUID(spec.Assignee.UUID)); user == nil {
				return nil // no longer a member since the request was read
			}
		}
		return modifiers.NewTicketAssignee(uuid, user)
	case TicketAddNote:
		return modifiers.NewTicketNote(uuid, spec.Note)
	case TicketChangeTopic:
		topic := a.Session.Topics().Get(assets.TopicUUID(spec.Topic.UUID))
		if topic == nil {
			return nil
		}
		return modifiers.NewTicketTopic(uuid, topic)
	case TicketClose:
		return modifiers.NewTicketClose(uuid)
	case TicketReopen:
		return modifiers.NewTicketReopen(uuid)
	}
	return nil
}

// writeTicketEvents writes what a contact's ticket events did: new tickets, and changes to theirs. flowID is
// the flow they happened in, by the user who made them (nil for a flow). It reports whether any was a ticket
// event.
func writeTicketEvents(tx *models.Tx, a *Assets, contactID int64, evts []events.Event, flowID, by *int64, now time.Time) (bool, error) {
	wrote := false
	for _, e := range evts {
		ch, ok := ticketChange(a, e, flowID, by, now)
		if !ok {
			continue
		}
		if err := tx.ApplyTicketChange(a.Workspace.ID, contactID, ch); err != nil {
			return wrote, err
		}
		wrote = true
	}
	return wrote, nil
}

// ticketChange is the change a ticket event makes; false for any other event, and for a ticket whose topic
// the workspace doesn't have (the engine falls back to "General", which every workspace has).
func ticketChange(a *Assets, e events.Event, flowID, by *int64, now time.Time) (models.TicketChange, bool) {
	ch := models.TicketChange{By: by, At: now}
	switch evt := e.(type) {
	case *events.TicketOpened:
		t := &models.Ticket{UUID: string(evt.Ticket.UUID), OpenedInID: flowID, OpenedByID: by}
		if evt.Ticket.Topic != nil {
			t.TopicID = a.TopicID(evt.Ticket.Topic.UUID)
		}
		if t.TopicID == 0 {
			return ch, false
		}
		if ref := evt.Ticket.Assignee; ref != nil {
			if id := a.UserID(ref.UUID); id != 0 {
				t.AssigneeID = &id
			}
		}
		ch.Type, ch.Opened = models.TicketEventOpened, t
	case *events.TicketNoteAdded:
		ch.Type, ch.TicketUUID, ch.Note = models.TicketEventNoteAdded, string(evt.TicketUUID), evt.Note
	case *events.TicketAssigneeChanged:
		ch.Type, ch.TicketUUID = models.TicketEventAssigned, string(evt.TicketUUID)
		if evt.Assignee != nil {
			if id := a.UserID(evt.Assignee.UUID); id != 0 {
				ch.AssigneeID = &id
			}
		}
	case *events.TicketTopicChanged:
		ch.Type, ch.TicketUUID, ch.TopicID = models.TicketEventTopicChanged, string(evt.TicketUUID), a.TopicID(evt.Topic.UUID)
		if ch.TopicID == 0 {
			return ch, false
		}
	case *events.TicketClosed:
		ch.Type, ch.TicketUUID = models.TicketEventClosed, string(evt.TicketUUID)
	case *events.TicketReopened:
		ch.Type, ch.TicketUUID = models.TicketEventReopened, string(evt.TicketUUID)
	default:
		return ch, false
	}
	return ch, true
}
