package models

import (
	"context"
)

// A flow start is worked in two steps, each claimed (claim.go). Resolving turns its contacts, groups and
// query, less its exclusions, into recipient rows in one transaction, and queues it. Batches then start
// recipients a few at a time: each batch marks its recipients started in the same transaction that writes
// their sessions, so a start cut short by a crash picks up exactly where it stopped.

// ClaimPendingStarts claims up to n starts waiting to be resolved, of any workspace, and hands them to do.
func (s *Store) ClaimPendingStarts(ctx context.Context, n int, do func(b *Batch) error) (int, error) {
	return s.claim(ctx, s.claimers.pendingStarts, "status = ?", []any{StartPending}, n, do)
}

// FlowStart reads a start by id.
func (r *Reader) FlowStart(id int64) (*FlowStart, error) {
	start := &FlowStart{}
	return start, r.db.Take(start, id).Error
}

// FlowStart reads a start by id.
func (s *Store) FlowStart(ctx context.Context, id int64) (*FlowStart, error) {
	return s.Reader(ctx).FlowStart(id)
}

// ResolveStart writes who a pending start is for: its contacts (its URNs' contacts among them), its groups'
// members and those its query matches, active ones only, less anyone the exclusions leave out. The start is
// queued with its count, or completed straight away when nobody is left; a start no longer pending is left as it is (false).
func (tx *Tx) ResolveStart(start *FlowStart, query *Condition) (bool, error) {
	res := tx.db.Model(&FlowStart{}).Where("id = ? AND status = ?", start.ID, StartPending).
		Updates(map[string]any{"status": StartQueued, "modified_on": tx.s.now()})
	if res.Error != nil || res.RowsAffected == 0 {
		return false, res.Error
	}
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
	res = tx.db.Exec(`INSERT INTO flow_start_recipients (start_id, contact_id, started)
		SELECT ?, c.id, FALSE FROM contacts c WHERE c.workspace_id = ? AND c.is_active AND c.status = 'active' AND `+where, args...)
	if res.Error != nil {
		return false, res.Error
	}
	count := int(res.RowsAffected)
	status := StartQueued
	if count == 0 {
		status = StartCompleted
	}
	start.Status, start.ContactCount = status, count
	if count > 0 {
		tx.Signal(WorkStarts)
		if tx.s.Dialect == Postgres {
			// a start's recipients arrive all at once: without fresh statistics the planner would sort every
			// recipient left for each batch instead of reading the next few off the index
			tx.afterCommit = append(tx.afterCommit, func(ctx context.Context) {
				tx.s.db.WithContext(ctx).Exec("ANALYZE flow_start_recipients")
			})
		}
	}
	return true, tx.db.Model(&FlowStart{}).Where("id = ?", start.ID).
		Updates(map[string]any{"status": status, "contact_count": count}).Error
}

// FailStart marks a start that can't be worked (its flow is gone, its query no longer parses) as failed.
func (s *Store) FailStart(ctx context.Context, startID int64) error {
	return s.Write(ctx, func(tx *Tx) error { return tx.FailStart(startID) })
}

// FailStart marks a start that can't be worked as failed.
func (tx *Tx) FailStart(startID int64) error {
	return tx.db.Model(&FlowStart{}).Where("id = ? AND status IN ?", startID, []StartStatus{StartPending, StartQueued, StartStarted}).
		Updates(map[string]any{"status": StartFailed, "modified_on": tx.s.now()}).Error
}

// QueuedStarts are the starts with recipients left to start, oldest first.
func (s *Store) QueuedStarts(ctx context.Context) ([]*FlowStart, error) {
	var starts []*FlowStart
	err := s.read(ctx).Where("status IN ?", []StartStatus{StartQueued, StartStarted}).Order("id").Find(&starts).Error
	return starts, err
}

// ClaimRecipients claims up to n of a start's recipients not yet started and hands them to do: the batch's
// write marks them started (see claim.go).
func (s *Store) ClaimRecipients(ctx context.Context, startID int64, n int, do func(b *Batch) error) (int, error) {
	return s.claim(ctx, s.claimers.recipients, "start_id = ? AND NOT started", []any{startID}, n, do)
}

// MarkStartStarted moves a queued start to started, as its first batch goes in.
func (tx *Tx) MarkStartStarted(startID int64) error {
	return tx.db.Model(&FlowStart{}).Where("id = ? AND status = ?", startID, StartQueued).
		Updates(map[string]any{"status": StartStarted, "modified_on": tx.s.now()}).Error
}

// CompleteStart marks a start completed once none of its recipients is left to start, and lets its recipient
// rows go. Workers call it when they find nothing left to claim; an interrupted or failed start stays as it is.
func (s *Store) CompleteStart(ctx context.Context, startID int64) error {
	return s.Write(ctx, func(tx *Tx) error {
		var left int64
		if err := tx.db.Table("flow_start_recipients").Where("start_id = ? AND NOT started", startID).Count(&left).Error; err != nil || left > 0 {
			return err
		}
		res := tx.db.Model(&FlowStart{}).Where("id = ? AND status IN ?", startID, []StartStatus{StartQueued, StartStarted}).
			Updates(map[string]any{"status": StartCompleted, "modified_on": s.now()})
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		// a completed start's recipients have served their purpose: its runs say who was started
		return tx.db.Exec("DELETE FROM flow_start_recipients WHERE start_id = ?", startID).Error
	})
}
