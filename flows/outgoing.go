package flows

import (
	"encoding/json"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/nyaruka/gocommon/i18n"
	"github.com/nyaruka/goflow/assets"
	"github.com/nyaruka/goflow/core"
)

// Every outgoing message, whatever made it (a flow, a broadcast, the API), is written here: queued with the
// channel and URN it goes out on, chosen as the engine chooses them, or failed with RapidPro's reason when it
// can't be sent.

// Outgoing is a message to write.
type Outgoing struct {
	ContactID     int64
	UUID          string // "" for a new one
	URN           string // the URN identity it goes to, "" when none
	Channel       *models.Channel
	Content       *core.MsgContent
	Templating    *core.MsgTemplating // the template a flow sends it with, kept on the row (models.MsgTemplating)
	Locale        i18n.Locale         // the message's locale: a templated message's is its translation's
	Unsendable    core.UnsendableReason
	FlowID        *int64
	BroadcastID   *int64
	CreatedByID   *int64
	HighPriority  bool    // a reply to a contact who wrote in
	SessionStatus string  // W or C for a flow's messages
	Metadata      *string // channels.MsgExtras as JSON: a whatsapp_broadcasts message's header, footer, list button
	CreatedOn     time.Time
}

// Msg makes the row of an outgoing message: queued when it has a channel, else failed (no_route when nothing
// more precise is known).
func (o *Outgoing) Msg(a *Assets, uuid func() string) *models.Msg {
	m := &models.Msg{
		UUID: o.UUID, WorkspaceID: a.Workspace.ID, ContactID: o.ContactID, Direction: models.MsgOut,
		Status: models.MsgQueued, Visibility: models.MsgVisible, Text: o.Content.Text, Attachments: models.StringList{},
		QuickReplies: "[]", Metadata: o.Metadata, FlowID: o.FlowID, BroadcastID: o.BroadcastID, CreatedByID: o.CreatedByID, HighPriority: o.HighPriority,
		CreatedOn: o.CreatedOn.UTC(), ModifiedOn: o.CreatedOn.UTC(),
	}
	if m.UUID == "" {
		m.UUID = uuid()
	}
	if o.SessionStatus != "" {
		status := o.SessionStatus
		m.SessionStatus = &status
	}
	for _, att := range o.Content.Attachments {
		m.Attachments = append(m.Attachments, string(att))
	}
	if t := a.Templating(o.Templating, o.Channel, o.Locale); t != nil {
		uuid, name, stored := t.Template.UUID, t.Template.Name, t.JSON()
		m.TemplateUUID, m.TemplateName, m.Templating = &uuid, &name, &stored
	}
	if len(o.Content.QuickReplies) > 0 {
		m.QuickReplies = quickRepliesJSON(o.Content.QuickReplies)
	}
	unsendable := o.Unsendable
	if unsendable == "" && o.Channel == nil {
		unsendable = core.UnsendableReasonNoRoute
	}
	if unsendable == "" {
		urn := o.URN
		m.URN, m.ChannelID = &urn, &o.Channel.ID
		return m
	}
	reason := string(unsendable)
	m.Status, m.FailedReason = models.MsgFailed, &reason
	if o.URN != "" {
		urn := o.URN
		m.URN = &urn
	}
	return m
}

// Route is the URN and channel a message to a contact goes out on, as the engine chooses them (RapidPro's
// routing): the contact's URNs in priority order, the first with a channel that sends on its scheme (the
// channel it is tied to first; for phone numbers, one of the number's country, the one whose address shares
// the longest prefix with it), or none.
func (a *Assets) Route(urnsByPriority []models.ContactURN) (string, *models.Channel) {
	set := a.Session.Channels()
	for i := range urnsByPriority {
		u, err := core.ParseURN(set, a.engineURN(&urnsByPriority[i]), assets.IgnoreMissing)
		if err != nil {
			continue
		}
		if ch := set.GetForURN(u, assets.ChannelRoleSend); ch != nil {
			return urnsByPriority[i].Identity, a.channels[ch.UUID()]
		}
	}
	return "", nil
}

// Unsendable is why a message to a contact of this status can't go out, "" when it can.
func Unsendable(status models.ContactStatus) core.UnsendableReason {
	switch status {
	case models.ContactBlocked:
		return core.UnsendableReasonContactBlocked
	case models.ContactStopped:
		return core.UnsendableReasonContactStopped
	case models.ContactArchived:
		return core.UnsendableReasonContactArchived
	}
	return ""
}

// storedQuickReply is how messages keep quick replies: objects, whatever the engine writes them as.
type storedQuickReply struct {
	Type  string `json:"type"`
	Text  string `json:"text"`
	Extra string `json:"extra,omitempty"`
}

func quickRepliesJSON(qrs []core.QuickReply) string {
	out := make([]storedQuickReply, len(qrs))
	for i, q := range qrs {
		out[i] = storedQuickReply{Type: q.Type, Text: q.Text, Extra: q.Extra}
		if out[i].Type == "" {
			out[i].Type = "text"
		}
	}
	b, err := json.Marshal(out)
	if err != nil {
		return "[]"
	}
	return string(b)
}
