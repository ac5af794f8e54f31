package models

import (
	"context"
	"time"
)

// GroupStatus says whether a group's members are known: a smart group is evaluating while they are being
// worked out.
type GroupStatus string

// Group statuses.
const (
	GroupInitializing GroupStatus = "initializing"
	GroupEvaluating   GroupStatus = "evaluating"
	GroupReady        GroupStatus = "ready"
	GroupInvalid      GroupStatus = "invalid"
)

// MaxGroupNameLen bounds a group's name.
const MaxGroupNameLen = 64

// Group is a contact group: manual (members added and removed) or smart (members match its query).
type Group struct {
	ID          int64 `gorm:"primaryKey"`
	UUID        string
	WorkspaceID int64
	Name        string
	Query       *string
	Status      GroupStatus
	IsSystem    bool
	IsActive    bool
	CreatedOn   time.Time
	ModifiedOn  time.Time
}

func (Group) TableName() string { return "contact_groups" }

// GroupQuery builds a listing of a workspace's active groups, except those still initializing.
type GroupQuery struct{ query[Group] }

// Groups starts a listing of the workspace's groups, ordered by when they were made.
func (s *Store) Groups(workspaceID int64) *GroupQuery {
	q := &GroupQuery{newQuery(s, "contact_groups", "created_on", "id", func(x *Group) Position { return Position{Time: x.CreatedOn, ID: x.ID} })}
	q.l.and("workspace_id = ? AND is_active AND status <> ?", workspaceID, GroupInitializing)
	return q
}

// WithUUID keeps the group with a UUID.
func (q *GroupQuery) WithUUID(uuid string) *GroupQuery { q.l.and("uuid = ?", uuid); return q }

// Named keeps the groups with a name, ignoring case.
func (q *GroupQuery) Named(name string) *GroupQuery {
	q.l.and("LOWER(name) = LOWER(?)", name)
	return q
}

// Referred keeps the group a reference names: its UUID, when it is one, or its name (exactly, or ignoring
// case).
func (q *GroupQuery) Referred(uuid, name string, ignoreCase bool) *GroupQuery {
	byName := "name = ?"
	if ignoreCase {
		byName = "LOWER(name) = LOWER(?)"
	}
	if uuid != "" {
		q.l.and("uuid = ? OR "+byName, uuid, name)
	} else {
		q.l.and(byName, name)
	}
	return q
}

// ManualOnly keeps manual groups: no smart or system ones.
func (q *GroupQuery) ManualOnly() *GroupQuery { q.l.and("query IS NULL AND NOT is_system"); return q }

// NotSystem leaves out the system groups.
func (q *GroupQuery) NotSystem() *GroupQuery { q.l.and("NOT is_system"); return q }

// GetGroup finds an active group by UUID.
func (s *Store) GetGroup(ctx context.Context, workspaceID int64, uuid string) (*Group, error) {
	return getActive[Group](ctx, s, workspaceID, "uuid", uuid)
}

// GroupNameTaken reports whether another active group has name (ignoring case).
func (s *Store) GroupNameTaken(ctx context.Context, workspaceID int64, name string, exceptID int64) (bool, error) {
	return s.nameTaken(ctx, "contact_groups", workspaceID, "name", name, exceptID)
}

// CreateGroup makes a manual group.
func (s *Store) CreateGroup(ctx context.Context, workspaceID int64, name string) (*Group, error) {
	now := s.now()
	g := &Group{UUID: s.NewUUID(), WorkspaceID: workspaceID, Name: name, Status: GroupReady, IsActive: true,
		CreatedOn: now, ModifiedOn: now}
	return g, s.createLimited(ctx, "groups", workspaceID, g)
}

// RenameGroup changes a group's name.
func (s *Store) RenameGroup(ctx context.Context, g *Group, name string) error {
	return s.rename(ctx, g.WorkspaceID, "contact_groups", g.ID, name, &g.Name, &g.ModifiedOn)
}

// DeleteGroup soft-deletes a group.
func (s *Store) DeleteGroup(ctx context.Context, g *Group) error {
	return s.release(ctx, g.WorkspaceID, "contact_groups", g.ID)
}

// CreateSmartGroup makes a group whose members are the contacts matching query; it starts evaluating.
func (s *Store) CreateSmartGroup(ctx context.Context, workspaceID int64, name, query string) (*Group, error) {
	now := s.now()
	g := &Group{UUID: s.NewUUID(), WorkspaceID: workspaceID, Name: name, Query: &query, Status: GroupEvaluating,
		IsActive: true, CreatedOn: now, ModifiedOn: now}
	return g, s.createLimited(ctx, "groups", workspaceID, g, WorkGroups)
}

// UpdateSmartGroup renames a smart group and gives it a new query, to be evaluated again.
func (s *Store) UpdateSmartGroup(ctx context.Context, g *Group, name, query string) error {
	now := s.now()
	err := s.updateColumns(ctx, g.WorkspaceID, "contact_groups", g.ID, map[string]any{
		"name": name, "query": query, "status": GroupEvaluating, "modified_on": now,
	}, WorkGroups)
	if err == nil {
		g.Name, g.Query, g.Status, g.ModifiedOn = name, &query, GroupEvaluating, now
	}
	return err
}

// MarkGroupsEvaluating sets smart groups evaluating again, after a change to what their queries use; the
// group workers are woken once it commits.
func (s *Store) MarkGroupsEvaluating(ctx context.Context, workspaceID int64, groupIDs []int64) error {
	if len(groupIDs) == 0 {
		return nil
	}
	return s.writeConfig(ctx, func(tx *Tx) error { return tx.markGroupsEvaluating(workspaceID, groupIDs) }, workspaceID)
}

func (tx *Tx) markGroupsEvaluating(workspaceID int64, groupIDs []int64) error {
	if len(groupIDs) == 0 {
		return nil
	}
	tx.Signal(WorkGroups)
	return tx.db.Model(&Group{}).Where("workspace_id = ? AND id IN ? AND query IS NOT NULL", workspaceID, groupIDs).Update("status", GroupEvaluating).Error
}

// SmartGroups lists a workspace's active smart groups (not system ones).
func (s *Store) SmartGroups(ctx context.Context, workspaceID int64) ([]Group, error) {
	var groups []Group
	return groups, s.read(ctx).Where("workspace_id = ? AND is_active AND query IS NOT NULL AND NOT is_system", workspaceID).Order("id").Find(&groups).Error
}
