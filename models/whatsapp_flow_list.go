package models

import "strings"

// WhatsAppFlowQuery builds the whatsapp_flows.json listing of a workspace: the WhatsApp Flows synced from its
// active channels' business accounts, newest first. Deprecated flows are left out, as Weni deactivates them.
type WhatsAppFlowQuery struct{ query[WhatsAppFlow] }

// WhatsAppFlows starts the listing of the workspace's WhatsApp Flows.
func (s *Store) WhatsAppFlows(workspaceID int64) *WhatsAppFlowQuery {
	q := newQuery(s, "whatsapp_flows AS f", "f.modified_on", "f.id", func(x *WhatsAppFlow) Position { return Position{Time: x.ModifiedOn, ID: x.ID} })
	q.l.sel = "f.*"
	q.l.joins = []string{"JOIN channels AS fc ON fc.id = f.channel_id"}
	q.l.and("f.workspace_id = ? AND fc.workspace_id = ? AND fc.is_active AND f.status <> 'DEPRECATED'", workspaceID, workspaceID)
	return &WhatsAppFlowQuery{q}
}

// WithExternalID keeps the flow with Meta's id.
func (q *WhatsAppFlowQuery) WithExternalID(id string) *WhatsAppFlowQuery {
	q.l.and("f.external_id = ?", id)
	return q
}

// NameContains keeps the flows whose name contains s, ignoring case (of ASCII letters only on SQLite).
func (q *WhatsAppFlowQuery) NameContains(s string) *WhatsAppFlowQuery {
	q.l.and(`LOWER(f.name) LIKE ? ESCAPE '\'`, "%"+EscapeLike(strings.ToLower(s))+"%")
	return q
}

// OnChannel keeps the flows of one channel's business account.
func (q *WhatsAppFlowQuery) OnChannel(channelID int64) *WhatsAppFlowQuery {
	q.l.and("f.channel_id = ?", channelID)
	return q
}

// ModifiedIn keeps the flows synced within a range.
func (q *WhatsAppFlowQuery) ModifiedIn(r TimeRange) *WhatsAppFlowQuery {
	q.l.within("f.modified_on", r)
	return q
}
