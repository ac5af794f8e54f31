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
	ID             int64 `gorm:"primaryKey"`
	UUID           string
	WorkspaceID    int64
	ContactID      int64
	Status         SessionStatus
	CurrentFlowID  *int64
	Output         string
	LastSprintUUID *string
	TimeoutOn      *time.Time
	ExpiresOn      *time.Time
	CreatedOn      time.Time
	EndedOn        *time.Time
}

func (FlowSession) TableName() string { return "flow_sessions" }

// What the flow engine did in a sprint is written by the Tx methods here and in run.go, msg.go, http_log.go
// and resthook.go, inside one transaction: the session, its runs, the contact's current session, and the
// messages, logs and events of the sprint.

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
	if err := tx.endWaiting("contact_id IN ?", contactIDs, SessionInterrupted, RunInterrupted, now); err != nil {
		return err
	}
	return tx.db.Model(&Contact{}).Where("id IN ? AND current_session_id IS NOT NULL", contactIDs).
		Updates(map[string]any{"current_session_id": nil, "current_flow_id": nil}).Error
}

// endWaiting ends the waiting sessions where where holds, and their unfinished runs; the caller lets their
// contacts go.
func (tx *Tx) endWaiting(where string, arg any, session SessionStatus, run RunStatus, now time.Time) error {
	waiting := tx.db.Table("flow_sessions").Select("id").Where(where+" AND status = ?", arg, SessionWaiting)
	err := tx.db.Model(&FlowRun{}).Where("session_id IN (?) AND status IN ?", waiting, []RunStatus{RunActive, RunWaiting}).
		Updates(map[string]any{"status": run, "exited_on": now, "modified_on": now, "current_node_uuid": nil}).Error
	if err != nil {
		return err
	}
	return tx.db.Model(&FlowSession{}).Where(where+" AND status = ?", arg, SessionWaiting).
		Updates(map[string]any{"status": session, "ended_on": now, "timeout_on": nil, "expires_on": nil}).Error
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
	var contactIDs []int64
	if err := tx.db.Model(&FlowSession{}).Where("id = ?", sessionID).Pluck("contact_id", &contactIDs).Error; err != nil {
		return err
	}
	if err := tx.endWaiting("id = ?", sessionID, SessionFailed, RunFailed, now); err != nil {
		return err
	}
	return tx.db.Model(&Contact{}).Where("id IN ? AND current_session_id = ?", contactIDs, sessionID).
		Updates(map[string]any{"current_session_id": nil, "current_flow_id": nil}).Error
}
