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
	"gorm.io/gorm"
)

// startFromFlow turns a start_session action into a flow start, worked like any other once this
// transaction commits.
func (h *Host) startFromFlow(ctx context.Context, tx *gorm.DB, a *Assets, sc *scene, evt *events.SessionTriggered, now time.Time) error {
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
		c, err := h.Store.CreateContactTx(ctx, tx, a.Workspace, models.ContactSpec{})
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
	if err := h.Store.InsertFlowStartTx(tx, start, contactIDs, h.groupIDs(a, evt.Groups)); err != nil {
		return err
	}
	h.startsMade.Store(true)
	return nil
}

// broadcast sends a send_broadcast action's message to its recipients, each in their language where the
// flow has it.
func (h *Host) broadcast(ctx context.Context, tx *gorm.DB, a *Assets, evt *events.BroadcastCreated, flowID *int64) ([]*models.Msg, error) {
	contactIDs, err := h.contactIDs(ctx, tx, a, evt.Contacts, evt.URNs)
	if err != nil {
		return nil, err
	}
	where := "c.id IN ? OR c.id IN (SELECT contact_id FROM contact_group_members WHERE group_id IN ?)"
	args := []any{append(contactIDs, 0), append(h.groupIDs(a, evt.Groups), 0)}
	if evt.ContactQuery != "" {
		parsed, err := ParseQuery(ctx, h.Store, a.Workspace, evt.ContactQuery)
		if err != nil {
			h.Log.Warn("send_broadcast query doesn't parse", "query", evt.ContactQuery, "error", err)
		} else if cond, err := parsed.Condition(); err == nil {
			where += " OR (" + cond.SQL + ")"
			args = append(args, cond.Args...)
		}
	}
	var recipients []struct {
		ID       int64
		Language *string
		URN      *string
	}
	err = tx.Table("contacts AS c").
		Select(`c.id AS id, c.language AS language,
			(SELECT u.identity FROM contact_urns u WHERE u.contact_id = c.id ORDER BY u.priority DESC, u.id LIMIT 1) AS urn`).
		Where("c.workspace_id = ? AND c.is_active AND c.status = ?", a.Workspace.ID, models.ContactActive).
		Where("("+where+")", args...).Order("c.id").Scan(&recipients).Error
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
		urn := ""
		if r.URN != nil {
			urn = *r.URN
		}
		// there are no channels to send through yet: the message fails as the engine's own would
		msgs = append(msgs, outgoingMsg(a, r.ID, h.Store.NewUUID(), urn, content, core.UnsendableReasonNoRoute, flowID, evt.CreatedOn()))
	}
	return msgs, nil
}

// contactIDs are the ids of the workspace's contacts that references and URNs name; a URN nobody has
// becomes a new contact.
func (h *Host) contactIDs(ctx context.Context, tx *gorm.DB, a *Assets, refs []*core.ContactReference, urnList []gurns.URN) ([]int64, error) {
	var ids []int64
	if len(refs) > 0 {
		uuids := make([]string, len(refs))
		for i, r := range refs {
			uuids[i] = string(r.UUID)
		}
		if err := tx.Model(&models.Contact{}).Where("workspace_id = ? AND is_active AND uuid IN ?", a.Workspace.ID, uuids).Order("id").Pluck("id", &ids).Error; err != nil {
			return nil, err
		}
	}
	for _, u := range urnList {
		id, err := h.Store.ContactForURN(ctx, tx, a.Workspace, models.URNSpecFor(u.Normalize()))
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
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
