package flows

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/nyaruka/gocommon/stringsx"
	"github.com/nyaruka/gocommon/urns"
	"github.com/nyaruka/goflow/assets"
	"github.com/nyaruka/goflow/core"
	"github.com/nyaruka/goflow/core/events"
	"github.com/nyaruka/goflow/flows"
	"github.com/nyaruka/goflow/flows/engine"
	"github.com/nyaruka/goflow/flows/resumes"
	"github.com/nyaruka/goflow/flows/triggers"
	"github.com/nyaruka/goflow/utils"
)

// Incoming is a message from a contact, as the channel layer hands it over.
type Incoming struct {
	URN         urns.URN // normalized
	Text        string
	Attachments []string
	Channel     *models.Channel // the channel it came in on; nil from the command line
	ExternalID  string
	ReceivedOn  time.Time       // when the channel got it; zero for now
	Name        string          // the contact's name as the channel knows it: names a contact who has none
	Payload     json.RawMessage // structured data with it (a WhatsApp Flow's answers): @input.payload
}

// HandleIncoming takes a message from a contact: it is stored, and then, as in RapidPro, a keyword trigger it
// matches starts that flow (ending the one the contact was in), or else it is the reply the contact's waiting
// session wanted, or else (unless the contact has an open ticket, which keeps the message) a catch-all trigger
// starts a flow. A contact is created for a URN nobody has, and a
// stopped contact who writes in is active again; a blocked contact's message is kept, archived, and goes to no
// flow. The URN it came in on becomes the contact's first, tied to its channel, so the answers go back the way
// it came.
func (h *Host) HandleIncoming(ctx context.Context, ws *models.Workspace, in Incoming) (*models.Msg, error) {
	contact, err := h.Store.ContactForURN(ctx, ws, models.URNSpecFor(in.URN))
	if err != nil {
		return nil, err
	}
	release, a, err := h.lockWithAssets(ctx, ws, []int64{contact.ID})
	if err != nil {
		return nil, err
	}
	defer release()
	contacts, engineContacts, err := h.loadContacts(ctx, a, h.Store.Reader(ctx), []int64{contact.ID})
	if err != nil {
		return nil, err
	}
	if len(contacts) == 0 {
		return nil, fmt.Errorf("contact %s was deleted while their message arrived", contact.UUID)
	}
	contact = contacts[0]
	ec := engineContacts[contact.ID]
	if contact.Status == models.ContactStopped {
		ec.SetStatus(core.ContactStatusActive) // writing in undoes a stop
	}
	// the name the channel knows (WhatsApp's profile name) names a contact who has none, as courier names them
	var newName string
	if in.Name != "" && (contact.Name == nil || *contact.Name == "") {
		newName = stringsx.Truncate(strings.TrimSpace(in.Name), models.MaxContactNameLen)
		if newName != "" {
			ec.SetName(newName)
		}
	}

	now := h.Store.Now().UTC()
	urn := string(in.URN.Identity())
	if in.Channel != nil && in.ExternalID != "" {
		// a gateway's own id names the message: one delivered again (Meta retries until answered) gets the first
		// one back, nothing written and no flow seeing it twice
		dup, err := h.Store.Reader(ctx).IncomingByExternalID(in.Channel.ID, in.ExternalID)
		if err != nil || dup != nil {
			return dup, err
		}
	}
	if in.Channel != nil && in.ExternalID == "" {
		// a gateway that sends a message again (a retry, a user pressing send twice) gets the first one back, as
		// courier's dedup answers: nothing is written, and no flow sees it twice (messages with a gateway's id
		// are the types' own to recognise: EX has none)
		dup, err := h.Store.Reader(ctx).DuplicateIncoming(contact.ID, in.Channel.ID, urn, in.Text, nonNil(in.Attachments), now)
		if err != nil || dup != nil {
			return dup, err
		}
	}
	received := now
	if !in.ReceivedOn.IsZero() {
		received = in.ReceivedOn.UTC().Truncate(time.Microsecond)
	}
	msg := &models.Msg{
		UUID: h.Store.NewUUID(), WorkspaceID: ws.ID, ContactID: contact.ID, URN: &urn, Direction: models.MsgIn,
		Status: models.MsgHandled, Visibility: models.MsgVisible, Text: in.Text, Attachments: models.StringList(in.Attachments),
		QuickReplies: "[]", CreatedOn: now, ModifiedOn: now, SentOn: &received,
	}
	if msg.Attachments == nil {
		msg.Attachments = models.StringList{}
	}
	var channelRef *assets.ChannelReference
	if in.Channel != nil {
		msg.ChannelID = &in.Channel.ID
		channelRef = assets.NewChannelReference(assets.ChannelUUID(in.Channel.UUID), in.Channel.Name)
		if in.Channel.Sends() {
			// the engine answers on the URN and channel the message came in on, as the store will have them
			ec.SetAffinity(in.URN, a.Session.Channels().Get(assets.ChannelUUID(in.Channel.UUID)))
		}
	}
	if in.ExternalID != "" {
		msg.ExternalID = &in.ExternalID
	}
	attachments := make([]utils.Attachment, len(in.Attachments))
	for i, att := range in.Attachments {
		attachments[i] = utils.Attachment(att)
	}
	msgIn := core.NewMsgIn(in.URN, channelRef, in.Text, attachments, in.ExternalID, in.Payload)
	receivedEvt := events.NewMsgReceived(msgIn, "")

	var sc *scene
	var ticket *models.Ticket
	if contact.Status == models.ContactBlocked {
		msg.Visibility = models.MsgArchived // kept, but no flow hears from a blocked contact
	} else {
		r := h.Store.Reader(ctx)
		waiting, err := r.WaitingSession(contact.ID)
		if err != nil {
			return nil, err
		}
		// a contact with an open ticket is talking to a person: the message is kept on the ticket, and a
		// catch-all trigger doesn't take it (keywords and a waiting flow still do), as in RapidPro
		if ticket, err = r.OpenTicketOf(contact.ID); err != nil {
			return nil, err
		}
		if ticket != nil {
			msg.TicketID = &ticket.ID
		}
		if sc, err = h.sceneForMsg(ctx, a, contact, ec, waiting, ticket != nil, receivedEvt); err != nil {
			return nil, err
		}
	}

	if sc != nil {
		msg.FlowID, sc.input = sc.inputFlowID(a), msg
	}

	err = h.Store.Write(ctx, func(tx *models.Tx) error {
		if err := tx.InsertMsgs([]*models.Msg{msg}); err != nil {
			return err
		}
		if newName != "" {
			if err := tx.UpdateContact(ctx, ws, contact, models.ContactSpec{Name: &newName}); err != nil {
				return err
			}
		}
		if contact.Status == models.ContactStopped {
			if err := tx.SetStatus(ctx, ws, []int64{contact.ID}, models.ContactActive); err != nil {
				return err
			}
		}
		if err := tx.MarkSeen(ws.ID, contact.ID, now); err != nil {
			return err
		}
		if err := tx.SetURNAffinity(contact.ID, urn, in.Channel); err != nil {
			return err
		}
		if ticket != nil {
			if err := tx.TouchTicket(ticket.ID, now); err != nil {
				return err
			}
		}
		if sc == nil {
			return nil
		}
		if sc.stored == nil && sc.session.Type() != flows.FlowTypeMessagingBackground {
			if err := tx.InterruptWaiting([]int64{contact.ID}, now); err != nil {
				return err
			}
		}
		return h.commit(ctx, tx, a, []*scene{sc})
	})
	return msg, err
}

// inputFlowID is the flow a message went to: the one its session waited in, or the one it started.
func (sc *scene) inputFlowID(a *Assets) *int64 {
	if sc.stored != nil && sc.stored.CurrentFlowID != nil {
		return sc.stored.CurrentFlowID
	}
	if runs := sc.session.Runs(); len(runs) > 0 {
		if id := a.FlowID(runs[0].FlowReference().UUID); id != 0 {
			return &id
		}
	}
	return nil
}

// sceneForMsg decides what an incoming message does: start a keyword trigger's flow, resume the waiting
// session, or (for a contact with no open ticket) start a catch-all trigger's flow. nil when it does none of
// those.
func (h *Host) sceneForMsg(ctx context.Context, a *Assets, contact *models.Contact, ec *core.Contact, waiting *models.FlowSession, ticketed bool, received *events.MsgReceived) (*scene, error) {
	trigger, match, err := h.matchTrigger(ctx, a, contact, ec, received.Msg.Text(), waiting != nil || ticketed)
	if err != nil {
		return nil, err
	}
	if trigger != nil {
		flowRow := a.flowByID(trigger.FlowID)
		if flowRow != nil {
			flow, err := a.Session.Flows().Get(assets.FlowUUID(flowRow.UUID))
			if err == nil {
				tb := triggers.NewBuilder(flow.Reference(false)).MsgReceived(received)
				if match != nil {
					tb = tb.WithMatch(match)
				}
				began := time.Now()
				session, sprint, err := h.Engine.NewSession(ctx, a.Session, a.Env, ec, tb.Build(), nil)
				if err != nil {
					return nil, err
				}
				return &scene{contact: contact, session: session, sprint: sprint, began: began}, nil
			}
		}
	}
	if waiting == nil {
		return nil, nil
	}
	return h.resumeScene(ctx, a, contact, ec, waiting, resumes.NewMsg(received))
}

// matchTrigger finds the keyword trigger a message's first word (or only word) matches, or with no keyword
// matched and a catch-all allowed (no waiting session, no open ticket), a catch-all trigger. Triggers limited
// to groups only fire for their members.
func (h *Host) matchTrigger(ctx context.Context, a *Assets, contact *models.Contact, ec *core.Contact, text string, noCatchAll bool) (*models.Trigger, *triggers.KeywordMatch, error) {
	candidates, err := h.Store.MessageTriggers(ctx, a.Workspace.ID)
	if err != nil || len(candidates) == 0 {
		return nil, nil, err
	}
	applies := triggerApplies(a, ec)
	words := utils.TokenizeString(strings.ToLower(text))
	if len(words) > 0 {
		for _, t := range candidates {
			if t.TriggerType != models.TriggerKeyword || !applies(t) {
				continue
			}
			only := t.MatchType != nil && *t.MatchType == models.MatchOnlyWord
			if only && len(words) != 1 {
				continue
			}
			for _, k := range t.Keywords {
				if strings.ToLower(k) == words[0] {
					matchType := triggers.KeywordMatchTypeFirstWord
					if only {
						matchType = triggers.KeywordMatchTypeOnlyWord
					}
					return t, triggers.NewKeywordMatch(matchType, k), nil
				}
			}
		}
	}
	if !noCatchAll {
		for _, t := range candidates {
			if t.TriggerType == models.TriggerCatchAll && applies(t) {
				return t, nil, nil
			}
		}
	}
	return nil, nil, nil
}

// triggerApplies says whether a trigger fires for a contact: one limited to groups only for their members, and
// never for the members of the groups it excludes.
func triggerApplies(a *Assets, ec *core.Contact) func(t *models.Trigger) bool {
	inGroups := map[int64]bool{}
	for _, g := range ec.Groups().All() {
		if row := a.Group(g.UUID()); row != nil {
			inGroups[row.ID] = true
		}
	}
	return func(t *models.Trigger) bool {
		if len(t.GroupIDs) > 0 && !slices.ContainsFunc(t.GroupIDs, func(id int64) bool { return inGroups[id] }) {
			return false
		}
		return !slices.ContainsFunc(t.ExcludeIDs, func(id int64) bool { return inGroups[id] })
	}
}

// resumeScene reads a stored session back into the engine and resumes it.
func (h *Host) resumeScene(ctx context.Context, a *Assets, contact *models.Contact, ec *core.Contact, stored *models.FlowSession, resume flows.Resume) (*scene, error) {
	session, err := h.Engine.ReadSession(a.Session, []byte(stored.Output), a.Env, ec, nil, assets.IgnoreMissing)
	if err != nil {
		return nil, fmt.Errorf("reading session %s: %w", stored.UUID, err)
	}
	began := time.Now()
	sprint, err := session.Resume(ctx, resume)
	if err != nil {
		return nil, err
	}
	return &scene{contact: contact, session: session, sprint: sprint, stored: stored, readSprint: stored.LastSprintUUID, began: began}, nil
}

// resumeRejected reports the engine refusing a resume its wait doesn't take (a timeout the flow no longer
// has, say): the session just stays waiting.
func resumeRejected(err error) bool {
	var e *engine.Error
	return errors.As(err, &e) && (e.Code() == engine.ErrorResumeRejectedByWait || e.Code() == engine.ErrorResumeNonWaitingSession || e.Code() == engine.ErrorResumeNoWaitingRun)
}
