package models

import (
	"context"
)

// A smart group's members are materialized: worked out from scratch when the group is evaluated (a kind of
// background work, claimed like any other), and for a contact in the same transaction as every change to it.

// reevaluateSmartGroups puts contacts in exactly the smart groups whose queries they match.
func (tx *Tx) reevaluateSmartGroups(ctx context.Context, ws *Workspace, contactIDs []int64) error {
	s := tx.s
	if s.Rules == nil || len(contactIDs) == 0 {
		return nil
	}
	var groups []Group
	// the system group "Open Tickets" is one of them: it asks whether the contact has an open ticket
	if err := tx.db.Where("workspace_id = ? AND is_active AND query IS NOT NULL", ws.ID).Find(&groups).Error; err != nil {
		return err
	}
	if len(groups) == 0 {
		return nil
	}
	conds, err := s.Rules.GroupConditions(ctx, s, ws, groups)
	if err != nil {
		return err
	}
	for _, g := range groups {
		cond, ok := conds[g.ID]
		if !ok {
			continue
		}
		if err := tx.db.Where("group_id = ? AND contact_id IN ?", g.ID, contactIDs).Delete(&groupMember{}).Error; err != nil {
			return err
		}
		args := append([]any{g.ID, contactIDs}, cond.Args...)
		err := tx.db.Exec(`INSERT INTO contact_group_members (group_id, contact_id)
			SELECT ?, c.id FROM contacts c WHERE c.id IN ? AND c.is_active AND c.status = 'active' AND (`+cond.SQL+`)`, args...).Error
		if err != nil {
			return err
		}
	}
	return nil
}

// EvaluateGroup works out a smart group's members from scratch and marks it ready. On PostgreSQL a workspace
// whose configuration another transaction is changing makes it ErrBusy at once: that transaction (an import)
// may be waiting for the group this one holds, and the group is evaluated again once it commits.
func (tx *Tx) EvaluateGroup(ws *Workspace, g *Group, cond Condition) error {
	if err := tx.db.Where("group_id = ?", g.ID).Delete(&groupMember{}).Error; err != nil {
		return err
	}
	args := append([]any{g.ID, ws.ID}, cond.Args...)
	err := tx.db.Exec(`INSERT INTO contact_group_members (group_id, contact_id)
			SELECT ?, c.id FROM contacts c WHERE c.workspace_id = ? AND c.is_active AND c.status = 'active' AND (`+cond.SQL+`)`, args...).Error
	if err != nil {
		return err
	}
	if err := tx.db.Model(&Group{}).Where("id = ? AND status = ?", g.ID, GroupEvaluating).Update("status", GroupReady).Error; err != nil {
		return err
	}
	if err := tx.refreshGroupFires(ws.ID, g.ID); err != nil {
		return err
	}
	// last, so that the workspace is held only for the commit
	if err := tx.lockWorkspaceNowait(ws.ID); err != nil {
		return err
	}
	return tx.bumpConfigVersion(ws.ID)
}

// GroupCounts counts the members of groups, by group id.
func (s *Store) GroupCounts(ctx context.Context, groupIDs []int64) (map[int64]int64, error) {
	counts := map[int64]int64{}
	if len(groupIDs) == 0 {
		return counts, nil
	}
	var rows []struct {
		GroupID int64
		N       int64
	}
	err := s.read(ctx).Table("contact_group_members").Select("group_id, COUNT(*) AS n").
		Where("group_id IN ?", groupIDs).Group("group_id").Scan(&rows).Error
	for _, r := range rows {
		counts[r.GroupID] = r.N
	}
	return counts, err
}

// ClaimEvaluatingGroups claims up to n smart groups waiting to be evaluated, of any workspace, and hands
// them to do (see claim.go). A group set evaluating again while it is being evaluated is claimed again after.
func (s *Store) ClaimEvaluatingGroups(ctx context.Context, n int, do func(b *Batch) error) (int, error) {
	return s.claim(ctx, s.claimers.evaluatingGroups, "is_active AND status = ?", []any{GroupEvaluating}, n, do)
}

// Group reads a group by id.
func (r *Reader) Group(id int64) (*Group, error) {
	g := &Group{}
	return g, r.db.Take(g, id).Error
}

// SetGroupStatus changes a group's status; like EvaluateGroup, it is ErrBusy while another transaction changes
// the workspace's configuration.
func (tx *Tx) SetGroupStatus(g *Group, status GroupStatus) error {
	if err := tx.lockWorkspaceNowait(g.WorkspaceID); err != nil {
		return err
	}
	if err := tx.db.Model(&Group{}).Where("id = ? AND workspace_id = ?", g.ID, g.WorkspaceID).Update("status", status).Error; err != nil {
		return err
	}
	g.Status = status
	return tx.bumpConfigVersion(g.WorkspaceID)
}
