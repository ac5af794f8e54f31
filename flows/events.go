package flows

import (
	"context"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/nyaruka/goflow/core"
	"github.com/nyaruka/goflow/core/events"
)

// contactChanges are the parts of a contact its events changed, to write back from the engine's contact.
type contactChanges struct {
	name, language, status, urns, groups bool
	fields                               map[string]*core.Value // by key; nil clears
}

// applyEvents writes what the sprints' events did. Everything the engine has already done to its own copy of
// the contact (name, language, fields, groups, URNs, status) is copied back; the rest (messages, calls,
// tickets, new starts and broadcasts) is recorded.
func (h *Host) applyEvents(ctx context.Context, tx *models.Tx, a *Assets, scenes []*scene, now time.Time) error {
	var msgs []*models.Msg
	var logs []*models.HTTPLog
	var hookEvents []*models.ResthookEvent
	var deliveries []*models.ResthookDelivery
	for _, sc := range scenes {
		var hookEvent *models.ResthookEvent // the last resthook_called: the webhook_called events after it are its calls
		changes := &contactChanges{fields: map[string]*core.Value{}}
		changed, ticketsChanged := false, false
		for _, e := range sc.sprint.Events() {
			var flowID *int64
			if ref := flowOf(e); ref != nil {
				if id := a.FlowID(ref.UUID); id != 0 {
					flowID = &id
				}
			}
			switch evt := e.(type) {
			case *events.MsgCreated:
				o := &Outgoing{ContactID: sc.contact.ID, UUID: string(evt.UUID()), URN: evt.Msg.URN().Identity().String(),
					Content:    &core.MsgContent{Text: evt.Msg.Text(), Attachments: evt.Msg.Attachments(), QuickReplies: evt.Msg.QuickReplies()},
					Templating: evt.Msg.Templating(), Locale: evt.Msg.Locale(), Unsendable: evt.Msg.UnsendableReason(), FlowID: flowID, CreatedOn: evt.CreatedOn(),
					// what a contact's own message set off goes before bulk sends
					HighPriority: sc.input != nil, SessionStatus: sessionLetter(sc)}
				if ref := evt.Msg.Channel(); ref != nil {
					o.Channel = a.Channel(ref.UUID)
				}
				msgs = append(msgs, o.Msg(a, h.Store.NewUUID))
			case *events.ContactNameChanged:
				changes.name, changed = true, true
			case *events.ContactLanguageChanged:
				changes.language, changed = true, true
			case *events.ContactStatusChanged:
				changes.status, changed = true, true
			case *events.ContactURNsChanged:
				changes.urns, changed = true, true
			case *events.ContactGroupsChanged:
				changes.groups, changed = true, true
			case *events.ContactFieldChanged:
				changes.fields[evt.Field.Key], changed = evt.Value, true
			case *events.InputLabelsAdded:
				if sc.input != nil {
					if err := tx.LabelMsg(sc.input.ID, h.labelIDs(a, evt)); err != nil {
						return err
					}
				}
			case *events.WebhookCalled:
				logs = append(logs, httpLog(a, evt, flowID))
				if evt.Resthook != "" {
					if evt.Status == core.CallStatusSubscriberGone {
						if err := tx.UnsubscribeGone(a.Workspace.ID, evt.Resthook, evt.URL, now); err != nil {
							return err
						}
					}
					if d := h.delivery(a, evt, hookEvent, flowID, now); d != nil {
						deliveries = append(deliveries, d)
					}
				}
			case *events.ResthookCalled:
				hookEvent = nil
				if id, ok := a.resthooks[evt.Resthook]; ok {
					hookEvent = &models.ResthookEvent{WorkspaceID: a.Workspace.ID, ResthookID: id, Data: string(evt.Payload), CreatedOn: evt.CreatedOn().UTC()}
					hookEvents = append(hookEvents, hookEvent)
				}
			case *events.TicketOpened, *events.TicketNoteAdded, *events.TicketAssigneeChanged, *events.TicketTopicChanged,
				*events.TicketClosed, *events.TicketReopened:
				wrote, err := writeTicketEvents(tx, a, sc.contact.ID, []events.Event{e}, flowID, nil, now)
				if err != nil {
					return err
				}
				ticketsChanged = ticketsChanged || wrote
			case *events.SessionTriggered:
				if err := h.startFromFlow(ctx, tx, a, sc, evt, now); err != nil {
					return err
				}
			case *events.BroadcastCreated:
				sent, err := h.broadcast(ctx, tx, a, evt, flowID)
				if err != nil {
					return err
				}
				msgs = append(msgs, sent...)
			case *events.Error, *events.Failure:
				h.Log.Debug("flow engine reported a problem", "contact", sc.contact.UUID, "event", e)
			}
		}
		if changed {
			// writing the contact works out its smart groups again, "Open Tickets" with the tickets just written
			if err := h.writeContact(ctx, tx, a, sc, changes); err != nil {
				return err
			}
		} else if ticketsChanged {
			if err := tx.RefreshGroups(ctx, a.Workspace, []int64{sc.contact.ID}); err != nil {
				return err
			}
		}
	}
	if err := tx.InsertMsgs(msgs); err != nil {
		return err
	}
	if err := tx.InsertHTTPLogs(logs); err != nil {
		return err
	}
	return tx.InsertResthookEvents(hookEvents, deliveries)
}

// delivery is what a flow's call to one of a resthook's subscribers makes of its delivery: the first attempt,
// and when it failed in a way that may pass, when the next is due.
func (h *Host) delivery(a *Assets, evt *events.WebhookCalled, hook *models.ResthookEvent, flowID *int64, at time.Time) *models.ResthookDelivery {
	if hook == nil {
		return nil
	}
	sub, ok := subscriberOf(a, evt, hook)
	if !ok {
		return nil
	}
	code := evt.StatusCode
	if evt.Status == core.CallStatusConnectionError {
		code = 0
	}
	d := &models.ResthookDelivery{
		WorkspaceID: a.Workspace.ID, Event: hook, SubscriberID: sub.id, FlowID: flowID, TargetURL: sub.url,
		IdempotencyKey: models.DeliveryKey(sub.url, []byte(hook.Data)), Status: deliveryStatus(code), Attempts: 1,
		LastStatusCode: code, LastError: callError(code, nil), FirstAttemptOn: at, LastAttemptOn: at,
	}
	if d.Status == models.DeliveryRetrying {
		d.NextAttemptOn, d.Status, d.LastError = h.nextAttempt(at, 1, at, traceHeader(evt.Response, "Retry-After"), d.LastError)
	}
	return d
}

// sessionLetter is what {{session_status}} says of a sprint's session: W waiting, C completed.
func sessionLetter(sc *scene) string {
	if sc.row != nil && sc.row.Status == models.SessionWaiting {
		return "W"
	}
	return "C"
}

func httpLog(a *Assets, evt *events.WebhookCalled, flowID *int64) *models.HTTPLog {
	return &models.HTTPLog{
		WorkspaceID: a.Workspace.ID, FlowID: flowID, URL: evt.URL, Status: string(evt.Status), StatusCode: evt.StatusCode,
		Request: evt.Request, Response: evt.Response, ElapsedMS: evt.ElapsedMS, CreatedOn: evt.CreatedOn().UTC(),
	}
}

func (h *Host) labelIDs(a *Assets, evt *events.InputLabelsAdded) []int64 {
	var ids []int64
	for _, l := range evt.Labels {
		if id, ok := a.labels[l.UUID]; ok {
			ids = append(ids, id)
		}
	}
	return ids
}

// writeContact copies the engine's contact back to the database, the parts its events changed.
func (h *Host) writeContact(ctx context.Context, tx *models.Tx, a *Assets, sc *scene, ch *contactChanges) error {
	ec := sc.session.Contact()
	spec := models.ContactSpec{Fields: map[int64]*models.FieldValue{}}
	if ch.name {
		name := ec.Name()
		spec.Name = &name
	}
	if ch.language {
		lang := string(ec.Language())
		spec.Language = &lang
	}
	for key, v := range ch.fields {
		f := a.Field(key)
		if f == nil {
			continue
		}
		spec.Fields[f.ID] = storedValue(v)
	}
	if ch.groups {
		spec.SetGroup = true
		for _, g := range ec.Groups().All() {
			if row := a.Group(g.UUID()); row != nil && row.Query == nil {
				spec.Groups = append(spec.Groups, row.ID)
			}
		}
	}
	if ch.urns {
		var wanted []models.URNSpec
		for _, u := range ec.URNs() {
			wanted = append(wanted, models.URNSpec{Identity: string(u.Identity()), Scheme: u.Scheme, Path: u.Path, Display: u.Display})
		}
		// a URN another contact has stays theirs
		free, err := tx.FreeURNs(a.Workspace.ID, sc.contact.ID, wanted)
		if err != nil {
			return err
		}
		spec.URNs, spec.SetURNs = free, true
	}
	if err := tx.UpdateContact(ctx, a.Workspace, sc.contact, spec); err != nil {
		return err
	}
	if ch.status {
		return tx.SetStatus(ctx, a.Workspace, []int64{sc.contact.ID}, models.ContactStatus(ec.Status()))
	}
	return nil
}

// subscriberOf is the subscriber a resthook's call was made to: the one whose delivery's key the request
// carried (a redirect leaves the call's URL another's), else the one with the call's URL.
func subscriberOf(a *Assets, evt *events.WebhookCalled, hook *models.ResthookEvent) (subscriber, bool) {
	subs := a.subscribers[evt.Resthook]
	if key := traceHeader(evt.Request, "Idempotency-Key"); key != "" {
		for _, s := range subs {
			if models.DeliveryKey(s.url, []byte(hook.Data)) == key {
				return s, true
			}
		}
	}
	for _, s := range subs {
		if s.url == evt.URL {
			return s, true
		}
	}
	return subscriber{}, false
}
