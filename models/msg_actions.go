package models

import (
	"context"
	"time"
)

// MsgAction is what message_actions does to incoming messages.
type MsgAction string

const (
	MsgLabelAction   MsgAction = "label"
	MsgUnlabelAction MsgAction = "unlabel"
	MsgArchiveAction MsgAction = "archive"
	MsgRestoreAction MsgAction = "restore"
	MsgDeleteAction  MsgAction = "delete"
)

// actionableVisibilities are the messages an action may name: a deleted message is as gone as a missing one.
var actionableVisibilities = []MsgVisibility{MsgVisible, MsgArchived}

// ActionableMsgs finds the messages of a workspace that message actions may name, by id and by UUID: visible
// or archived ones, of active contacts (the listing shows no others). Any other is as missing.
func (s *Store) ActionableMsgs(ctx context.Context, workspaceID int64, ids []int64, uuids []string) ([]Msg, error) {
	var msgs []Msg
	if len(ids) == 0 && len(uuids) == 0 {
		return msgs, nil
	}
	if ids == nil {
		ids = []int64{}
	}
	if uuids == nil {
		uuids = []string{}
	}
	err := s.read(ctx).Table("msgs AS m").Select("m.*").Joins("JOIN contacts c ON c.id = m.contact_id").
		Where("m.workspace_id = ? AND m.visibility IN ? AND c.is_active AND (m.id IN ? OR m.uuid IN ?)", workspaceID, actionableVisibilities, ids, uuids).
		Find(&msgs).Error
	return msgs, err
}

// Referred keeps the label a reference names: by UUID (when uuid isn't ""), or by name ignoring case, as
// RapidPro's label fields find one.
func (q *LabelQuery) Referred(uuid, name string) *LabelQuery {
	q.l.and("uuid = ? OR LOWER(name) = LOWER(?)", uuid, name)
	return q
}

// MsgActionSpec is one action on a workspace's incoming messages.
type MsgActionSpec struct {
	Action MsgAction
	MsgIDs []int64
	// For label and unlabel, the label: LabelID, or else LabelName. Labelling finds the active label with that
	// name (ignoring case) or makes it; unlabelling finds the one with exactly that name, and does nothing
	// when there is none, as RapidPro's label_name does.
	LabelID   int64
	LabelName string
}

// ApplyMsgAction does an action to messages in one transaction. Only the workspace's visible or archived
// incoming messages are touched, whatever the ids name. Making a label moves the config version on and may
// find the workspace at its limit of labels (ErrLimitReached).
func (s *Store) ApplyMsgAction(ctx context.Context, workspaceID int64, spec MsgActionSpec) error {
	return s.Write(ctx, func(tx *Tx) error {
		ids, err := tx.incomingMsgs(workspaceID, spec.MsgIDs)
		// labelling with a new name makes the label even when no message is left to put it on, as in RapidPro
		if err != nil || len(ids) == 0 && spec.Action != MsgLabelAction {
			return err
		}
		now := s.now()
		msgs := tx.db.Model(&Msg{}).Where("id IN ?", ids)
		switch spec.Action {
		case MsgLabelAction:
			labelID := spec.LabelID
			if labelID == 0 {
				if labelID, err = tx.labelNamed(workspaceID, spec.LabelName); err != nil {
					return err
				}
			}
			return tx.toggleLabel(labelID, ids, true, now)
		case MsgUnlabelAction:
			labelID := spec.LabelID
			if labelID == 0 {
				var found []int64
				err := tx.db.Model(&Label{}).Where("workspace_id = ? AND is_active AND name = ?", workspaceID, spec.LabelName).Limit(1).Pluck("id", &found).Error
				if err != nil || len(found) == 0 {
					return err
				}
				labelID = found[0]
			}
			return tx.toggleLabel(labelID, ids, false, now)
		case MsgArchiveAction:
			return msgs.Where("visibility = ?", MsgVisible).Updates(map[string]any{"visibility": MsgArchived, "modified_on": now}).Error
		case MsgRestoreAction:
			return msgs.Where("visibility = ?", MsgArchived).Updates(map[string]any{"visibility": MsgVisible, "modified_on": now}).Error
		case MsgDeleteAction:
			// RapidPro's soft delete: the content goes, and the labels; the row stays, never shown again
			err := msgs.Updates(map[string]any{"visibility": MsgDeleted, "text": "", "attachments": StringList{}, "modified_on": now}).Error
			if err != nil {
				return err
			}
			return tx.db.Exec("DELETE FROM msg_labels WHERE msg_id IN ?", ids).Error
		}
		return nil
	})
}

// incomingMsgs keeps the ids of a workspace's visible or archived incoming messages.
func (tx *Tx) incomingMsgs(workspaceID int64, ids []int64) ([]int64, error) {
	var kept []int64
	if len(ids) == 0 {
		return kept, nil
	}
	err := tx.db.Model(&Msg{}).Where("workspace_id = ? AND id IN ? AND direction = ? AND visibility IN ?", workspaceID, uniqueIDs(ids), MsgIn, actionableVisibilities).
		Order("id").Pluck("id", &kept).Error
	return kept, err
}

// labelNamed finds the workspace's active label with a name, ignoring case, or makes it (within the limit).
func (tx *Tx) labelNamed(workspaceID int64, name string) (int64, error) {
	if err := tx.lockWorkspace(workspaceID); err != nil {
		return 0, err
	}
	var found []int64
	err := tx.db.Model(&Label{}).Where("workspace_id = ? AND is_active AND LOWER(name) = LOWER(?)", workspaceID, name).Limit(1).Pluck("id", &found).Error
	if err != nil {
		return 0, err
	}
	if len(found) > 0 {
		return found[0], nil
	}
	reached, err := tx.s.limitReached(tx.db, "labels", workspaceID)
	if err != nil {
		return 0, err
	}
	if reached {
		return 0, ErrLimitReached
	}
	now := tx.s.now()
	l := &Label{UUID: tx.s.NewUUID(), WorkspaceID: workspaceID, Name: name, IsActive: true, CreatedOn: now, ModifiedOn: now}
	if err := translateDuplicate(tx.db.Create(l).Error); err != nil {
		return 0, err
	}
	return l.ID, tx.bumpConfigVersion(workspaceID)
}

// toggleLabel puts a label on messages or takes it off; the messages it changes are modified now, as in
// RapidPro.
func (tx *Tx) toggleLabel(labelID int64, msgIDs []int64, add bool, now time.Time) error {
	if len(msgIDs) == 0 {
		return nil
	}
	has := "EXISTS (SELECT 1 FROM msg_labels ml WHERE ml.msg_id = msgs.id AND ml.label_id = ?)"
	if add {
		has = "NOT " + has
	}
	var changed []int64
	if err := tx.db.Model(&Msg{}).Where("id IN ? AND "+has, msgIDs, labelID).Order("id").Pluck("id", &changed).Error; err != nil || len(changed) == 0 {
		return err
	}
	if add {
		rows := make([]map[string]any, len(changed))
		for i, id := range changed {
			rows[i] = map[string]any{"msg_id": id, "label_id": labelID}
		}
		if err := tx.db.Table("msg_labels").Create(rows).Error; err != nil {
			return err
		}
	} else if err := tx.db.Exec("DELETE FROM msg_labels WHERE label_id = ? AND msg_id IN ?", labelID, changed).Error; err != nil {
		return err
	}
	return tx.db.Model(&Msg{}).Where("id IN ?", changed).Update("modified_on", now).Error
}
