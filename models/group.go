package models

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// Group statuses: a smart group is evaluating while its members are being worked out.
const (
	GroupInitializing = "initializing"
	GroupEvaluating   = "evaluating"
	GroupReady        = "ready"
	GroupInvalid      = "invalid"
)

// MaxGroupNameLen bounds a group's name.
const MaxGroupNameLen = 64

// Group is a contact group: manual (members added and removed) or smart (members match its query).
type Group struct {
	ID          int64     `gorm:"primaryKey"`
	UUID        string    `gorm:"column:uuid"`
	WorkspaceID int64     `gorm:"column:workspace_id"`
	Name        string    `gorm:"column:name"`
	Query       *string   `gorm:"column:query"`
	Status      string    `gorm:"column:status"`
	IsSystem    bool      `gorm:"column:is_system"`
	IsActive    bool      `gorm:"column:is_active"`
	CreatedOn   time.Time `gorm:"column:created_on"`
	ModifiedOn  time.Time `gorm:"column:modified_on"`
}

func (Group) TableName() string { return "contact_groups" }

// GroupsQuery selects the workspace's active groups, except those still initializing.
func (s *Store) GroupsQuery(ctx context.Context, workspaceID int64) *gorm.DB {
	return s.Read(ctx).Model(&Group{}).
		Where("workspace_id = ? AND is_active AND status <> ?", workspaceID, GroupInitializing)
}

// GetGroup finds an active group by UUID.
func (s *Store) GetGroup(ctx context.Context, workspaceID int64, uuid string) (*Group, error) {
	g := &Group{}
	return g, s.Read(ctx).Where("workspace_id = ? AND is_active AND uuid = ?", workspaceID, uuid).Take(g).Error
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
	now := s.now()
	if err := s.updateColumns(ctx, g.WorkspaceID, "contact_groups", g.ID, map[string]any{"name": name, "modified_on": now}); err != nil {
		return err
	}
	g.Name, g.ModifiedOn = name, now
	return nil
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
	return g, s.createLimited(ctx, "groups", workspaceID, g)
}

// UpdateSmartGroup renames a smart group and gives it a new query, to be evaluated again.
func (s *Store) UpdateSmartGroup(ctx context.Context, g *Group, name, query string) error {
	now := s.now()
	err := s.updateColumns(ctx, g.WorkspaceID, "contact_groups", g.ID, map[string]any{
		"name": name, "query": query, "status": GroupEvaluating, "modified_on": now,
	})
	if err == nil {
		g.Name, g.Query, g.Status, g.ModifiedOn = name, &query, GroupEvaluating, now
	}
	return err
}

// SetGroupStatus changes a group's status.
func (s *Store) SetGroupStatus(ctx context.Context, g *Group, status string) error {
	err := s.updateColumns(ctx, g.WorkspaceID, "contact_groups", g.ID, map[string]any{"status": status})
	if err == nil {
		g.Status = status
	}
	return err
}

// MarkGroupsEvaluating sets smart groups evaluating again, after a change to what their queries use.
func (s *Store) MarkGroupsEvaluating(ctx context.Context, workspaceID int64, groupIDs []int64) error {
	if len(groupIDs) == 0 {
		return nil
	}
	return s.writeConfig(ctx, func(tx *gorm.DB) error {
		return tx.Model(&Group{}).Where("workspace_id = ? AND id IN ?", workspaceID, groupIDs).Update("status", GroupEvaluating).Error
	}, workspaceID)
}

// SmartGroups lists a workspace's active smart groups (not system ones).
func (s *Store) SmartGroups(ctx context.Context, workspaceID int64) ([]Group, error) {
	var groups []Group
	return groups, s.Read(ctx).Where("workspace_id = ? AND is_active AND query IS NOT NULL AND NOT is_system", workspaceID).Find(&groups).Error
}

// GroupsEvaluating lists the smart groups of every workspace that are waiting to be evaluated.
func (s *Store) GroupsEvaluating(ctx context.Context) ([]Group, error) {
	var groups []Group
	return groups, s.Read(ctx).Where("is_active AND status = ?", GroupEvaluating).Order("id").Find(&groups).Error
}
