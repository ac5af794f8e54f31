package models

import (
	"context"
	"sort"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// A flow start is worked in two steps. Resolving turns its contacts, groups and query, less its exclusions,
// into recipient rows in one transaction, and queues it. Batches then start recipients a few at a time:
// each batch marks its recipients started in the same transaction that writes their sessions, so a start
// cut short by a crash picks up exactly where it stopped.

// LockPendingStart takes a start to resolve if it is still pending, locked so no other process resolves it
// too; nil if it isn't (or, on PostgreSQL, another process has it).
func (s *Store) LockPendingStart(tx *gorm.DB, id int64) (*FlowStart, error) {
	var starts []*FlowStart
	q := tx.Where("id = ? AND status = ?", id, StartPending)
	if s.Dialect == Postgres {
		q = q.Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"})
	}
	if err := q.Find(&starts).Error; err != nil || len(starts) == 0 {
		return nil, err
	}
	return starts[0], nil
}

// ResolveStart writes who a start is for: its contacts, its groups' members and those its query matches,
// active ones only, less anyone the exclusions leave out. The start is queued with its count, or completed
// straight away when nobody is left.
func (s *Store) ResolveStart(tx *gorm.DB, start *FlowStart, query *Condition) (int, error) {
	where := `(c.id IN (SELECT contact_id FROM flow_start_contacts WHERE start_id = ?)
		OR c.id IN (SELECT m.contact_id FROM contact_group_members m JOIN flow_start_groups g ON g.group_id = m.group_id WHERE g.start_id = ?)`
	args := []any{start.ID, start.WorkspaceID, start.ID, start.ID}
	if query != nil {
		where += " OR (" + query.SQL + ")"
		args = append(args, query.Args...)
	}
	where += ")"
	if start.ExcludeActive {
		where += " AND c.current_flow_id IS NULL"
	}
	if !start.RestartParticipants {
		where += " AND NOT EXISTS (SELECT 1 FROM flow_runs r WHERE r.contact_id = c.id AND r.flow_id = ?)"
		args = append(args, start.FlowID)
	}
	res := tx.Exec(`INSERT INTO flow_start_recipients (start_id, contact_id, started)
		SELECT ?, c.id, FALSE FROM contacts c WHERE c.workspace_id = ? AND c.is_active AND c.status = 'active' AND `+where, args...)
	if res.Error != nil {
		return 0, res.Error
	}
	count := int(res.RowsAffected)
	status := StartQueued
	if count == 0 {
		status = StartCompleted
	}
	start.Status, start.ContactCount = status, count
	return count, tx.Model(&FlowStart{}).Where("id = ?", start.ID).
		Updates(map[string]any{"status": status, "contact_count": count, "modified_on": s.now()}).Error
}

// FailStart marks a start that can't be worked (its flow is gone, its query no longer parses) as failed.
func (s *Store) FailStart(ctx context.Context, startID int64) error {
	return s.Write(ctx, func(tx *gorm.DB) error {
		return tx.Model(&FlowStart{}).Where("id = ? AND status IN ?", startID, []string{StartPending, StartQueued, StartStarted}).
			Updates(map[string]any{"status": StartFailed, "modified_on": s.now()}).Error
	})
}

// QueuedStarts are the starts with recipients left to start, oldest first.
func (s *Store) QueuedStarts(ctx context.Context) ([]*FlowStart, error) {
	var starts []*FlowStart
	err := s.Read(ctx).Where("status IN ?", []string{StartQueued, StartStarted}).Order("id").Find(&starts).Error
	return starts, err
}

// ClaimRecipients takes up to n of a start's recipients not yet started. On PostgreSQL it also marks them
// started, in the caller's transaction: other processes' batches pass the rows by (SKIP LOCKED) while it is
// open, and if it doesn't commit they are not started after all. On SQLite it only reads them, passing by
// exclude (those the process is starting already): the batch's write transaction marks them (MarkStarted).
func (s *Store) ClaimRecipients(tx *gorm.DB, startID int64, n int, exclude []int64) ([]int64, error) {
	var ids []int64
	if s.Dialect == Postgres {
		err := tx.Raw(`UPDATE flow_start_recipients SET started = TRUE WHERE start_id = ? AND contact_id IN (
			SELECT contact_id FROM flow_start_recipients WHERE start_id = ? AND NOT started ORDER BY contact_id LIMIT ? FOR UPDATE SKIP LOCKED
		) RETURNING contact_id`, startID, startID, n).Scan(&ids).Error
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
		return ids, err
	}
	q := tx.Table("flow_start_recipients").Select("contact_id").Where("start_id = ? AND NOT started", startID)
	if len(exclude) > 0 {
		q = q.Where("contact_id NOT IN ?", exclude)
	}
	return ids, q.Order("contact_id").Limit(n).Scan(&ids).Error
}

// MarkStarted marks recipients started. It answers how many it marked: fewer than asked means someone else
// started some of them first, and the caller's transaction must not commit.
func MarkStarted(tx *gorm.DB, startID int64, contactIDs []int64) (int64, error) {
	res := tx.Exec("UPDATE flow_start_recipients SET started = TRUE WHERE start_id = ? AND contact_id IN ? AND NOT started", startID, contactIDs)
	return res.RowsAffected, res.Error
}

// MarkStartStarted moves a queued start to started, as its first batch goes in.
func (s *Store) MarkStartStarted(tx *gorm.DB, startID int64) error {
	return tx.Model(&FlowStart{}).Where("id = ? AND status = ?", startID, StartQueued).
		Updates(map[string]any{"status": StartStarted, "modified_on": s.now()}).Error
}

// CompleteStart marks a start completed once none of its recipients is left to start, and lets its recipient
// rows go. Workers call it when they find nothing left to claim; an interrupted or failed start stays as it is.
func (s *Store) CompleteStart(tx *gorm.DB, startID int64) error {
	var left int64
	if err := tx.Table("flow_start_recipients").Where("start_id = ? AND NOT started", startID).Count(&left).Error; err != nil || left > 0 {
		return err
	}
	res := tx.Model(&FlowStart{}).Where("id = ? AND status IN ?", startID, []string{StartQueued, StartStarted}).
		Updates(map[string]any{"status": StartCompleted, "modified_on": s.now()})
	if res.Error != nil || res.RowsAffected == 0 {
		return res.Error
	}
	// a completed start's recipients have served their purpose: its runs say who was started
	return tx.Exec("DELETE FROM flow_start_recipients WHERE start_id = ?", startID).Error
}

// StartByID reads a start.
func (s *Store) StartByID(ctx context.Context, id int64) (*FlowStart, error) {
	start := &FlowStart{}
	return start, s.Read(ctx).Take(start, id).Error
}

// InsertFlowStartTx adds a start with its contacts and groups inside a transaction the caller holds.
func (s *Store) InsertFlowStartTx(tx *gorm.DB, start *FlowStart, contactIDs, groupIDs []int64) error {
	now := s.now()
	if start.UUID == "" {
		start.UUID = s.NewUUID()
	}
	start.CreatedOn, start.ModifiedOn = now, now
	if err := tx.Create(start).Error; err != nil {
		return err
	}
	var contacts []flowStartContact
	for _, id := range uniqueIDs(contactIDs) {
		contacts = append(contacts, flowStartContact{StartID: start.ID, ContactID: id})
	}
	var groups []flowStartGroup
	for _, id := range uniqueIDs(groupIDs) {
		groups = append(groups, flowStartGroup{StartID: start.ID, GroupID: id})
	}
	if len(contacts) > 0 {
		if err := tx.Create(&contacts).Error; err != nil {
			return err
		}
	}
	if len(groups) > 0 {
		return tx.Create(&groups).Error
	}
	return nil
}
