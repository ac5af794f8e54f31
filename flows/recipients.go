package flows

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/nyaruka/gocommon/i18n"
	gurns "github.com/nyaruka/gocommon/urns"
	"github.com/nyaruka/goflow/assets"
	"github.com/nyaruka/goflow/core"
	"github.com/nyaruka/goflow/core/events"
)

// startFromFlow turns a start_session action into a flow start, worked like any other once this
// transaction commits.
func (h *Host) startFromFlow(ctx context.Context, tx *models.Tx, a *Assets, sc *scene, evt *events.SessionTriggered, now time.Time) error {
	flowID := a.FlowID(evt.Flow.UUID)
	if flowID == 0 {
		h.Log.Warn("start_session names a flow that is gone", "flow", evt.Flow.UUID)
		return nil
	}
	contactIDs, err := h.contactIDs(ctx, tx, a, evt.Contacts, evt.URNs)
	if err != nil {
		return err
	}
	if evt.CreateContact {
		c, err := tx.CreateContact(ctx, a.Workspace, models.ContactSpec{})
		if err != nil {
			return err
		}
		contactIDs = append(contactIDs, c.ID)
	}
	history, err := json.Marshal(evt.History)
	if err != nil {
		return err
	}
	summary, historyText := string(evt.RunSummary), string(history)
	start := &models.FlowStart{
		WorkspaceID: a.Workspace.ID, FlowID: flowID, StartType: models.StartTypeFlow, Status: models.StartPending,
		Params: "{}", RestartParticipants: true, ExcludeActive: evt.Exclusions.InAFlow, ContactCount: -1,
		ParentSummary: &summary, SessionHistory: &historyText,
	}
	if evt.ContactQuery != "" {
		query := evt.ContactQuery
		start.Query = &query
	}
	return tx.InsertFlowStart(start, contactIDs, h.groupIDs(a, evt.Groups))
}

// broadcast sends a send_broadcast action's message to its recipients, each in their language where the
// flow has it.
func (h *Host) broadcast(ctx context.Context, tx *models.Tx, a *Assets, evt *events.BroadcastCreated, flowID *int64) ([]*models.Msg, error) {
	contactIDs, err := h.contactIDs(ctx, tx, a, evt.Contacts, evt.URNs)
	if err != nil {
		return nil, err
	}
	var query *models.Condition
	if evt.ContactQuery != "" {
		parsed, err := ParseQuery(ctx, h.Store, a.Workspace, evt.ContactQuery)
		if err != nil {
			h.Log.Warn("send_broadcast query doesn't parse", "query", evt.ContactQuery, "error", err)
		} else if cond, err := parsed.Condition(); err == nil {
			query = &cond
		}
	}
	recipients, err := tx.BroadcastRecipients(a.Workspace.ID, contactIDs, h.groupIDs(a, evt.Groups), query)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(recipients))
	for i, r := range recipients {
		ids[i] = r.ID
	}
	urnsOf, err := tx.URNsOf(ids)
	if err != nil {
		return nil, err
	}
	allowed := a.Env.AllowedLanguages()
	msgs := make([]*models.Msg, 0, len(recipients))
	for _, r := range recipients {
		content := evt.Translations[evt.BaseLanguage]
		if r.Language != nil && slices.Contains(allowed, i18n.Language(*r.Language)) {
			if t := evt.Translations[i18n.Language(*r.Language)]; t != nil {
				content = t
			}
		}
		if content == nil {
			continue
		}
		urn, ch := a.Route(urnsOf[r.ID])
		o := &Outgoing{ContactID: r.ID, URN: urn, Channel: ch, Content: content, FlowID: flowID, CreatedOn: evt.CreatedOn()}
		msgs = append(msgs, o.Msg(a, h.Store.NewUUID))
	}
	return msgs, nil
}

// contactIDs are the ids of the workspace's contacts that references and URNs name; a URN nobody has
// becomes a new contact.
func (h *Host) contactIDs(ctx context.Context, tx *models.Tx, a *Assets, refs []*core.ContactReference, urnList []gurns.URN) ([]int64, error) {
	uuids := make([]string, len(refs))
	for i, r := range refs {
		uuids[i] = string(r.UUID)
	}
	ids, err := tx.ContactIDs(a.Workspace.ID, uuids)
	if err != nil {
		return nil, err
	}
	for _, u := range urnList {
		c, err := tx.ContactForURN(ctx, a.Workspace, models.URNSpecFor(u.Normalize()))
		if err != nil {
			return nil, err
		}
		ids = append(ids, c.ID)
	}
	return ids, nil
}

func (h *Host) groupIDs(a *Assets, refs []*assets.GroupReference) []int64 {
	var ids []int64
	for _, r := range refs {
		if g := a.Group(r.UUID); g != nil {
			ids = append(ids, g.ID)
		}
	}
	return ids
}
