package models

import (
	"context"
	"time"
)

// MsgDirection, MsgStatus and MsgVisibility say which way a message went, where it stands and who sees it.
type (
	MsgDirection  string
	MsgStatus     string
	MsgVisibility string
)

// Msg directions, statuses (the API's words) and visibilities.
const (
	MsgIn  MsgDirection = "in"
	MsgOut MsgDirection = "out"

	MsgPending   MsgStatus = "pending" // incoming, not yet handled
	MsgHandled   MsgStatus = "handled" // incoming, handled
	MsgQueued    MsgStatus = "queued"  // outgoing, waiting for a sender
	MsgWired     MsgStatus = "wired"   // the gateway took it
	MsgSent      MsgStatus = "sent"
	MsgDelivered MsgStatus = "delivered"
	MsgRead      MsgStatus = "read"
	MsgErrored   MsgStatus = "errored" // a send failed and will be tried again
	MsgFailed    MsgStatus = "failed"

	MsgVisible  MsgVisibility = "visible"
	MsgArchived MsgVisibility = "archived"
	MsgDeleted  MsgVisibility = "deleted"
)

// Why outgoing messages fail, RapidPro's reasons (courier's and mailroom's words).
const (
	FailedNoRoute        = "no_route"         // no URN of the contact has a channel that sends on its scheme
	FailedContactBlocked = "contact_blocked"  // the contact is blocked
	FailedContactStopped = "contact_stopped"  // the contact is stopped
	FailedArchived       = "contact_archived" // the contact is archived
	FailedRetries        = "error_limit"      // the third send errored
	FailedSend           = "send_failed"      // the gateway refused it for good
	FailedChannelRemoved = "channel_removed"
	FailedSessionWindow  = "session_window" // a free-form message to a contact outside the channel's window (WhatsApp's 24 hours)
)

// Msg is a message to or from a contact.
type Msg struct {
	ID            int64 `gorm:"primaryKey"`
	UUID          string
	WorkspaceID   int64
	ContactID     int64
	URN           *string
	ChannelID     *int64
	BroadcastID   *int64
	CreatedByID   *int64
	Direction     MsgDirection
	Status        MsgStatus
	Visibility    MsgVisibility
	Text          string
	Attachments   StringList
	QuickReplies  string // JSON list of quick reply objects
	FlowID        *int64
	TicketID      *int64 // the open ticket an incoming message was kept on
	FailedReason  *string
	HighPriority  bool
	SessionStatus *string // W or C, for a flow's messages
	ExternalID    *string
	ErrorCount    int
	NextAttempt   *time.Time
	ClaimedUntil  *time.Time
	CreatedOn     time.Time
	ModifiedOn    time.Time
	SentOn        *time.Time
	// the template it was sent with, when a flow sent it with one (goflow's msg templating)
	TemplateUUID *string
	TemplateName *string
	// the message's templating as JSON (MsgTemplating: goflow's msg templating with the chosen translation's
	// locale, Meta language, namespace and external id), what the sender builds the channel's template payload
	// from; nil without a template
	Templating *string
	// Metadata is room for the WhatsApp extras of a whatsapp_broadcasts message (header, footer, list ids), JSON;
	// not written or read yet
	Metadata *string
}

func (Msg) TableName() string { return "msgs" }

// InsertMsgs adds messages, filling in their ids; the senders are woken for the queued ones once the
// transaction commits.
func (tx *Tx) InsertMsgs(msgs []*Msg) error {
	for _, m := range msgs {
		if m.Status == MsgQueued {
			tx.Signal(WorkSends)
			break
		}
	}
	return insertAll(tx, msgs)
}

// LabelMsg puts labels on a message.
func (tx *Tx) LabelMsg(msgID int64, labelIDs []int64) error {
	for _, l := range labelIDs {
		err := tx.db.Exec("INSERT INTO msg_labels (msg_id, label_id) SELECT ?, ? WHERE NOT EXISTS (SELECT 1 FROM msg_labels WHERE msg_id = ? AND label_id = ?)", msgID, l, msgID, l).Error
		if err != nil {
			return err
		}
	}
	return nil
}

// ArchiveIncoming archives the messages contacts sent, as contact_actions archive_messages does.
func (s *Store) ArchiveIncoming(ctx context.Context, workspaceID int64, contactIDs []int64) error {
	return s.Write(ctx, func(tx *Tx) error {
		return tx.db.Model(&Msg{}).Where("workspace_id = ? AND contact_id IN ? AND direction = ? AND visibility = ?", workspaceID, contactIDs, MsgIn, MsgVisible).
			Updates(map[string]any{"visibility": MsgArchived, "modified_on": s.now()}).Error
	})
}

// RepliesTo are the texts of the messages sent to a message's contact after it, in order.
func (s *Store) RepliesTo(ctx context.Context, msg *Msg) ([]string, error) {
	replies := []string{}
	err := s.read(ctx).Model(&Msg{}).Where("workspace_id = ? AND contact_id = ? AND direction = ? AND id > ?", msg.WorkspaceID, msg.ContactID, MsgOut, msg.ID).
		Order("id").Pluck("text", &replies).Error
	return replies, err
}

// MsgByUUID finds a message of a workspace by UUID.
func (s *Store) MsgByUUID(ctx context.Context, workspaceID int64, uuid string) (*Msg, error) {
	m := &Msg{}
	return m, s.read(ctx).Where("workspace_id = ? AND uuid = ?", workspaceID, uuid).Take(m).Error
}
