package models

import (
	"context"
	"time"

	"gorm.io/gorm/clause"
)

// SessionStatus is where a contact's session stands.
type SessionStatus string

// Session statuses (the API's words).
const (
	SessionWaiting     SessionStatus = "waiting"
	SessionCompleted   SessionStatus = "completed"
	SessionInterrupted SessionStatus = "interrupted"
	SessionExpired     SessionStatus = "expired"
	SessionFailed      SessionStatus = "failed"
)

// FlowSession is a contact's time in flows: the engine's session, stored as its JSON between sprints.
type FlowSession struct {
	ID             int64         `gorm:"primaryKey"`
	UUID           string        `gorm:"column:uuid"`
	WorkspaceID    int64         `gorm:"column:workspace_id"`
	ContactID      int64         `gorm:"column:contact_id"`
	Status         SessionStatus `gorm:"column:status"`
	CurrentFlowID  *int64        `gorm:"column:current_flow_id"`
	Output         string        `gorm:"column:output"`
	LastSprintUUID *string       `gorm:"column:last_sprint_uuid"`
	TimeoutOn      *time.Time    `gorm:"column:timeout_on"`
	ExpiresOn      *time.Time    `gorm:"column:expires_on"`
	CreatedOn      time.Time     `gorm:"column:created_on"`
	EndedOn        *time.Time    `gorm:"column:ended_on"`
}

func (FlowSession) TableName() string { return "flow_sessions" }

// What the flow engine did in a sprint is written by the Tx methods here and in run.go, msg.go, http_log.go
// and resthook.go, inside one transaction: the session, its runs, the contact's current session, and the
// messages, logs and events of the sprint.

// insertAll adds rows, filling in their ids; none is nothing to do.
func insertAll[T any](tx *Tx, rows []*T) error {
	if len(rows) == 0 {
		return nil
	}
	return tx.db.Create(rows).Error
}

// InsertSessions adds new sessions.
func (tx *Tx) InsertSessions(sessions []*FlowSession) error { return insertAll(tx, sessions) }

// UpdateSession writes a resumed session back, as long as nobody else has moved it on since it was read:
// false means it had (its last sprint is not the one read), and nothing was written.
func (tx *Tx) UpdateSession(s *FlowSession, readSprint *string) (bool, error) {
	q := tx.db.Model(&FlowSession{}).Where("id = ?", s.ID)
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

// SetCurrentSessions points contacts at the session waiting for them (nil: none) and its flow.
func (tx *Tx) SetCurrentSessions(sessions []*FlowSession) error {
	for _, s := range sessions {
		var sessionID *int64
		if s.Status == SessionWaiting {
			sessionID = &s.ID
		}
		q := tx.db.Model(&Contact{}).Where("id = ?", s.ContactID)
		if sessionID == nil {
			q = q.Where("current_session_id = ?", s.ID) // leave a newer session alone
		}
		if err := q.Updates(map[string]any{"current_session_id": sessionID, "current_flow_id": s.CurrentFlowID}).Error; err != nil {
			return err
		}
	}
	return nil
}

// InterruptWaiting ends the waiting sessions of contacts, and their unfinished runs, as interrupted: a
// contact is in one flow at a time, so starting another ends the one they were in.
func (tx *Tx) InterruptWaiting(contactIDs []int64, now time.Time) error {
	if len(contactIDs) == 0 {
		return nil
	}
	waiting := tx.db.Table("flow_sessions").Select("id").Where("contact_id IN ? AND status = ?", contactIDs, SessionWaiting)
	err := tx.db.Model(&FlowRun{}).Where("session_id IN (?) AND status IN ?", waiting, []RunStatus{RunActive, RunWaiting}).
		Updates(map[string]any{"status": RunInterrupted, "exited_on": now, "modified_on": now, "current_node_uuid": nil}).Error
	if err != nil {
		return err
	}
	err = tx.db.Model(&FlowSession{}).Where("contact_id IN ? AND status = ?", contactIDs, SessionWaiting).
		Updates(map[string]any{"status": SessionInterrupted, "ended_on": now, "timeout_on": nil, "expires_on": nil}).Error
	if err != nil {
		return err
	}
	return tx.db.Model(&Contact{}).Where("id IN ? AND current_session_id IS NOT NULL", contactIDs).
		Updates(map[string]any{"current_session_id": nil, "current_flow_id": nil}).Error
}

// InterruptContacts ends the waiting sessions of those of contactIDs that belong to the workspace.
func (tx *Tx) InterruptContacts(workspaceID int64, contactIDs []int64, now time.Time) error {
	owned, err := tx.ownedContacts(workspaceID, contactIDs)
	if err != nil {
		return err
	}
	return tx.InterruptWaiting(owned, now)
}

// WaitingSession is the contact's session waiting for them, nil if none.
func (r *Reader) WaitingSession(contactID int64) (*FlowSession, error) {
	var sessions []*FlowSession
	err := r.db.Where("contact_id = ? AND status = ?", contactID, SessionWaiting).Order("id DESC").Limit(1).Find(&sessions).Error
	if err != nil || len(sessions) == 0 {
		return nil, err
	}
	return sessions[0], nil
}

// Sessions reads sessions by id, in id order.
func (r *Reader) Sessions(ids []int64) ([]*FlowSession, error) {
	var sessions []*FlowSession
	return sessions, r.db.Where("id IN ?", ids).Order("id").Find(&sessions).Error
}

// ClaimDueSessions claims up to n waiting sessions, of any workspace, whose wait's timeout or flow's expiry
// has come by now, and hands them to do (see claim.go).
func (s *Store) ClaimDueSessions(ctx context.Context, now time.Time, n int, do func(b *Batch) error) (int, error) {
	return s.claim(ctx, s.claimers.dueSessions, "status = ? AND (timeout_on <= ? OR expires_on <= ?)",
		[]any{SessionWaiting, now, now}, n, do)
}

// ClearTimeout takes the timeout off a waiting session whose wait no longer has one: it waits on, for a reply
// or its expiry.
func (tx *Tx) ClearTimeout(sessionID int64) error {
	return tx.db.Model(&FlowSession{}).Where("id = ?", sessionID).Update("timeout_on", nil).Error
}

// upsertRuns inserts runs and updates the ones already stored (by UUID).
func (tx *Tx) upsertRuns(runs []*FlowRun) error {
	if len(runs) == 0 {
		return nil
	}
	return tx.db.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "uuid"}},
		DoUpdates: clause.AssignmentColumns([]string{"status", "responded", "results", "path", "current_node_uuid", "modified_on", "exited_on"}),
	}).Create(runs).Error
}

// FailSession ends a waiting session the engine can't resume, and its unfinished runs, as failed.
func (tx *Tx) FailSession(sessionID int64, now time.Time) error {
	err := tx.db.Model(&FlowRun{}).Where("session_id = ? AND status IN ?", sessionID, []RunStatus{RunActive, RunWaiting}).
		Updates(map[string]any{"status": RunFailed, "exited_on": now, "modified_on": now, "current_node_uuid": nil}).Error
	if err != nil {
		return err
	}
	err = tx.db.Model(&FlowSession{}).Where("id = ? AND status = ?", sessionID, SessionWaiting).
		Updates(map[string]any{"status": SessionFailed, "ended_on": now, "timeout_on": nil, "expires_on": nil}).Error
	if err != nil {
		return err
	}
	return tx.db.Model(&Contact{}).Where("current_session_id = ?", sessionID).
		Updates(map[string]any{"current_session_id": nil, "current_flow_id": nil}).Error
}
