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

// Msg directions, statuses and visibilities.
const (
	MsgIn  MsgDirection = "in"
	MsgOut MsgDirection = "out"

	MsgQueued  MsgStatus = "queued"
	MsgHandled MsgStatus = "handled"
	MsgFailed  MsgStatus = "failed"

	MsgVisible  MsgVisibility = "visible"
	MsgArchived MsgVisibility = "archived"
)

// Msg is a message to or from a contact.
type Msg struct {
	ID           int64 `gorm:"primaryKey"`
	UUID         string
	WorkspaceID  int64
	ContactID    int64
	URN          *string
	Direction    MsgDirection
	Status       MsgStatus
	Visibility   MsgVisibility
	Text         string
	Attachments  StringList
	QuickReplies string // JSON list of quick reply objects
	FlowID       *int64
	FailedReason *string
	CreatedOn    time.Time
	ModifiedOn   time.Time
	SentOn       *time.Time
}

func (Msg) TableName() string { return "msgs" }

// InsertMsgs adds messages, filling in their ids.
func (tx *Tx) InsertMsgs(msgs []*Msg) error { return insertAll(tx, msgs) }

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
