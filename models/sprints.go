package models

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// What the flow engine did in a sprint is written by these, inside one transaction the caller holds: the
// session, its runs, the contact's current session, and the messages, logs and events of the sprint.

// InterruptWaiting ends the waiting sessions of contacts, and their unfinished runs, as interrupted: a
// contact is in one flow at a time, so starting another ends the one they were in.
func InterruptWaiting(tx *gorm.DB, contactIDs []int64, now time.Time) error {
	if len(contactIDs) == 0 {
		return nil
	}
	waiting := tx.Table("flow_sessions").Select("id").Where("contact_id IN ? AND status = ?", contactIDs, SessionWaiting)
	err := tx.Model(&FlowRun{}).Where("session_id IN (?) AND status IN ?", waiting, []string{RunActive, RunWaiting}).
		Updates(map[string]any{"status": RunInterrupted, "exited_on": now, "modified_on": now, "current_node_uuid": nil}).Error
	if err != nil {
		return err
	}
	err = tx.Model(&FlowSession{}).Where("contact_id IN ? AND status = ?", contactIDs, SessionWaiting).
		Updates(map[string]any{"status": SessionInterrupted, "ended_on": now, "timeout_on": nil, "expires_on": nil}).Error
	if err != nil {
		return err
	}
	return tx.Model(&Contact{}).Where("id IN ? AND current_session_id IS NOT NULL", contactIDs).
		Updates(map[string]any{"current_session_id": nil, "current_flow_id": nil}).Error
}

// InsertAll adds rows (new sessions, runs, messages, logs, resthook events), filling in their ids; none is
// nothing to do.
func InsertAll[T any](tx *gorm.DB, rows []*T) error {
	if len(rows) == 0 {
		return nil
	}
	return tx.Create(rows).Error
}

// UpdateSession writes a resumed session back, as long as nobody else has moved it on since it was read:
// false means it had (its last sprint is not the one read), and nothing was written.
func UpdateSession(tx *gorm.DB, s *FlowSession, readSprint *string) (bool, error) {
	q := tx.Model(&FlowSession{}).Where("id = ?", s.ID)
	if readSprint == nil {
		q = q.Where("last_sprint_uuid IS NULL")
	} else {
		q = q.Where("last_sprint_uuid = ?", *readSprint)
	}
	res := q.Updates(map[string]any{
		"status": s.Status, "current_flow_id": s.CurrentFlowID, "output": s.Output, "last_sprint_uuid": s.LastSprintUUID,
		"timeout_on": s.TimeoutOn, "expires_on": s.ExpiresOn, "ended_on": s.EndedOn,
	})
	return res.RowsAffected == 1, res.Error
}

// SaveRuns inserts new runs and updates the ones already stored (by UUID).
func SaveRuns(tx *gorm.DB, runs []*FlowRun) error {
	if len(runs) == 0 {
		return nil
	}
	return tx.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "uuid"}},
		DoUpdates: clause.AssignmentColumns([]string{"status", "responded", "results", "path", "current_node_uuid", "modified_on", "exited_on"}),
	}).Create(runs).Error
}

// SetCurrentSessions points contacts at the session waiting for them (nil: none) and its flow.
func SetCurrentSessions(tx *gorm.DB, sessions []*FlowSession) error {
	for _, s := range sessions {
		var sessionID *int64
		if s.Status == SessionWaiting {
			sessionID = &s.ID
		}
		q := tx.Model(&Contact{}).Where("id = ?", s.ContactID)
		if sessionID == nil {
			q = q.Where("current_session_id = ?", s.ID) // leave a newer session alone
		}
		if err := q.Updates(map[string]any{"current_session_id": sessionID, "current_flow_id": s.CurrentFlowID}).Error; err != nil {
			return err
		}
	}
	return nil
}

// LabelMsg puts labels on a message.
func LabelMsg(tx *gorm.DB, msgID int64, labelIDs []int64) error {
	for _, l := range labelIDs {
		err := tx.Exec("INSERT INTO msg_labels (msg_id, label_id) SELECT ?, ? WHERE NOT EXISTS (SELECT 1 FROM msg_labels WHERE msg_id = ? AND label_id = ?)", msgID, l, msgID, l).Error
		if err != nil {
			return err
		}
	}
	return nil
}

// UnsubscribeGone deactivates a resthook's subscriber that answered 410 Gone, as RapidPro does. The resthook's
// subscribers are part of the workspace's configuration the engine caches, so the version moves on.
func UnsubscribeGone(tx *gorm.DB, workspaceID int64, slug, targetURL string, now time.Time) error {
	hook := tx.Table("resthooks").Select("id").Where("workspace_id = ? AND slug = ?", workspaceID, slug)
	res := tx.Model(&ResthookSubscriber{}).Where("resthook_id IN (?) AND target_url = ? AND is_active", hook, targetURL).
		Updates(map[string]any{"is_active": false, "modified_on": now})
	if res.Error != nil || res.RowsAffected == 0 {
		return res.Error
	}
	return bumpConfigVersion(tx, workspaceID)
}

// ArchiveIncoming archives the messages contacts sent, as contact_actions archive_messages does.
func (s *Store) ArchiveIncoming(ctx context.Context, workspaceID int64, contactIDs []int64) error {
	return s.Write(ctx, func(tx *gorm.DB) error {
		return tx.Model(&Msg{}).Where("workspace_id = ? AND contact_id IN ? AND direction = ? AND visibility = ?", workspaceID, contactIDs, MsgIn, MsgVisible).
			Updates(map[string]any{"visibility": MsgArchived, "modified_on": s.now()}).Error
	})
}
