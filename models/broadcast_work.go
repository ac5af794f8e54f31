package models

import "context"

// A broadcast is worked as a flow start is (start_work.go), in two claimed steps: resolving writes who it is
// for, contacts made for its URNs included, in one transaction and queues it; batches then make the messages of
// a few recipients at a time, marking them sent in the transaction that writes their messages, so a broadcast
// cut short by a crash goes on exactly where it stopped and nobody gets its message twice.

// ClaimPendingBroadcasts claims up to n broadcasts waiting to be resolved, of any workspace.
func (s *Store) ClaimPendingBroadcasts(ctx context.Context, n int, do func(b *Batch) error) (int, error) {
	return s.claim(ctx, s.claimers.pendingBroadcasts, "status = ? AND is_active", []any{BroadcastPending}, n, do)
}

// Broadcast reads a broadcast by id.
func (r *Reader) Broadcast(id int64) (*Broadcast, error) {
	b := &Broadcast{}
	return b, r.db.Take(b, id).Error
}

// ResolveBroadcast writes who a pending broadcast is for: its contacts, the contacts of its URNs and its
// groups' members, active ones only (blocked, stopped and archived contacts get nothing). It is queued with
// its count, or completed at once when nobody is left; a broadcast no longer pending is left as it is (false).
func (tx *Tx) ResolveBroadcast(b *Broadcast, urnContactIDs []int64) (bool, error) {
	res := tx.db.Model(&Broadcast{}).Where("id = ? AND status = ?", b.ID, BroadcastPending).
		Updates(map[string]any{"status": BroadcastQueued, "modified_on": tx.s.now()})
	if res.Error != nil || res.RowsAffected == 0 {
		return false, res.Error
	}
	res = tx.db.Exec(`INSERT INTO broadcast_recipients (broadcast_id, contact_id, sent)
		SELECT ?, c.id, FALSE FROM contacts c WHERE c.workspace_id = ? AND c.is_active AND c.status = 'active' AND (
			c.id IN (SELECT contact_id FROM broadcast_contacts WHERE broadcast_id = ?)
			OR c.id IN (SELECT m.contact_id FROM contact_group_members m JOIN broadcast_groups g ON g.group_id = m.group_id WHERE g.broadcast_id = ?)
			OR c.id IN ?)`, b.ID, b.WorkspaceID, b.ID, b.ID, append(urnContactIDs, 0))
	if res.Error != nil {
		return false, res.Error
	}
	count := int(res.RowsAffected)
	status := BroadcastQueued
	if count == 0 {
		status = BroadcastCompleted
	}
	b.Status, b.ContactCount = status, count
	if count > 0 {
		tx.Signal(WorkBroadcasts)
		if tx.s.Dialect == Postgres {
			// as for starts: the recipients arrive at once, and batches need the planner to know it
			tx.afterCommit = append(tx.afterCommit, func(ctx context.Context) {
				tx.s.db.WithContext(ctx).Exec("ANALYZE broadcast_recipients")
			})
		}
	}
	return true, tx.db.Model(&Broadcast{}).Where("id = ?", b.ID).
		Updates(map[string]any{"status": status, "contact_count": count}).Error
}

// FailBroadcast marks a broadcast that can't be worked as failed.
func (tx *Tx) FailBroadcast(id int64) error {
	return tx.db.Model(&Broadcast{}).Where("id = ? AND status IN ?", id, []BroadcastStatus{BroadcastPending, BroadcastQueued, BroadcastStarted}).
		Updates(map[string]any{"status": BroadcastFailed, "modified_on": tx.s.now()}).Error
}

// QueuedBroadcasts are the broadcasts with recipients left, oldest first.
func (s *Store) QueuedBroadcasts(ctx context.Context) ([]*Broadcast, error) {
	var out []*Broadcast
	err := s.read(ctx).Where("status IN ? AND is_active", []BroadcastStatus{BroadcastQueued, BroadcastStarted}).Order("id").Find(&out).Error
	return out, err
}

// ClaimBroadcastRecipients claims up to n of a broadcast's recipients without their message yet; the batch's
// write marks them sent.
func (s *Store) ClaimBroadcastRecipients(ctx context.Context, broadcastID int64, n int, do func(b *Batch) error) (int, error) {
	return s.claim(ctx, s.claimers.broadcastRecipients, "broadcast_id = ? AND NOT sent", []any{broadcastID}, n, do)
}

// MarkBroadcastStarted moves a queued broadcast to started, as its first batch goes in.
func (tx *Tx) MarkBroadcastStarted(id int64) error {
	return tx.db.Model(&Broadcast{}).Where("id = ? AND status = ?", id, BroadcastQueued).
		Updates(map[string]any{"status": BroadcastStarted, "modified_on": tx.s.now()}).Error
}

// CompleteBroadcast marks a broadcast completed once every recipient has their message, and lets its
// recipient rows go (its messages say who it went to).
func (s *Store) CompleteBroadcast(ctx context.Context, id int64) error {
	return s.Write(ctx, func(tx *Tx) error {
		var left int64
		if err := tx.db.Table("broadcast_recipients").Where("broadcast_id = ? AND NOT sent", id).Count(&left).Error; err != nil || left > 0 {
			return err
		}
		res := tx.db.Model(&Broadcast{}).Where("id = ? AND status IN ?", id, []BroadcastStatus{BroadcastQueued, BroadcastStarted}).
			Updates(map[string]any{"status": BroadcastCompleted, "modified_on": s.now()})
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		return tx.db.Exec("DELETE FROM broadcast_recipients WHERE broadcast_id = ?", id).Error
	})
}
