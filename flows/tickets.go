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
	"github.com/nyaruka/goflow/flows/triggers"
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
	rows, contacts, err := h.loadContacts(ctx, a, r, contactIDs)
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
	scenes, err := h.closedTicketScenes(ctx, a, rows, contacts, evts)
	if err != nil {
		return nil, err
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
		if err := tx.RefreshGroups(ctx, ws, touched); err != nil {
			return err
		}
		for _, sc := range scenes {
			if sc.session.Type() != flows.FlowTypeMessagingBackground {
				if err := tx.InterruptWaiting([]int64{sc.contact.ID}, now); err != nil {
					return err
				}
			}
		}
		return h.commit(ctx, tx, a, scenes)
	})
	return changed, err
}

// closedTicketScenes start the flows of closed-ticket triggers for the contacts whose tickets were closed, as
// mailroom does once a close commits (here in its transaction): the first trigger that applies to the contact
// (its groups as the close left them), with the ticket as @trigger.ticket.
func (h *Host) closedTicketScenes(ctx context.Context, a *Assets, rows []*models.Contact, contacts map[int64]*core.Contact, evts map[int64][]events.Event) ([]*scene, error) {
	var candidates []*models.Trigger
	var scenes []*scene
	for _, row := range rows {
		for _, e := range evts[row.ID] {
			closed, ok := e.(*events.TicketClosed)
			if !ok {
				continue
			}
			if candidates == nil {
				var err error
				if candidates, err = h.Store.ClosedTicketTriggers(ctx, a.Workspace.ID); err != nil || len(candidates) == 0 {
					return nil, err
				}
			}
			ec := contacts[row.ID]
			sc, err := h.triggeredScene(ctx, a, row, ec, candidates, func(b *triggers.Builder) flows.Trigger {
				return b.TicketClosed(closed, ec.Tickets().Find(closed.TicketUUID)).Build()
			})
			if err != nil {
				return nil, err
			}
			if sc != nil {
				scenes = append(scenes, sc)
				break // one flow a contact
			}
		}
	}
	return scenes, nil
}

// triggeredScene starts the flow of the first of triggers that applies to a contact, with the trigger build
// makes; nil when none applies (or its flow is gone).
func (h *Host) triggeredScene(ctx context.Context, a *Assets, row *models.Contact, ec *core.Contact, candidates []*models.Trigger, build func(*triggers.Builder) flows.Trigger) (*scene, error) {
	applies := triggerApplies(a, ec)
	for _, t := range candidates {
		flowRow := a.flowByID(t.FlowID)
		if flowRow == nil || !applies(t) {
			continue
		}
		flow, err := a.Session.Flows().Get(assets.FlowUUID(flowRow.UUID))
		if err != nil {
			continue
		}
		began := time.Now()
		session, sprint, err := h.Engine.NewSession(ctx, a.Session, a.Env, ec, build(triggers.NewBuilder(flow.Reference(false))), nil)
		if err != nil {
			return nil, err
		}
		return &scene{contact: row, session: session, sprint: sprint, began: began}, nil
	}
	return nil, nil
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
