package models

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// MaxLabelNameLen bounds a label's name.
const MaxLabelNameLen = 64

// Label is a message label.
type Label struct {
	ID          int64     `gorm:"primaryKey"`
	UUID        string    `gorm:"column:uuid"`
	WorkspaceID int64     `gorm:"column:workspace_id"`
	Name        string    `gorm:"column:name"`
	IsActive    bool      `gorm:"column:is_active"`
	CreatedOn   time.Time `gorm:"column:created_on"`
	ModifiedOn  time.Time `gorm:"column:modified_on"`
}

func (Label) TableName() string { return "labels" }

// LabelsQuery selects the workspace's active labels.
func (s *Store) LabelsQuery(ctx context.Context, workspaceID int64) *gorm.DB {
	return s.Read(ctx).Model(&Label{}).Where("workspace_id = ? AND is_active", workspaceID)
}

// GetLabel finds an active label by UUID.
func (s *Store) GetLabel(ctx context.Context, workspaceID int64, uuid string) (*Label, error) {
	l := &Label{}
	return l, s.LabelsQuery(ctx, workspaceID).Where("uuid = ?", uuid).Take(l).Error
}

// LabelNameTaken reports whether another active label has name (ignoring case).
func (s *Store) LabelNameTaken(ctx context.Context, workspaceID int64, name string, exceptID int64) (bool, error) {
	return s.nameTaken(ctx, "labels", workspaceID, "name", name, exceptID)
}

// CreateLabel makes a label.
func (s *Store) CreateLabel(ctx context.Context, workspaceID int64, name string) (*Label, error) {
	now := s.now()
	l := &Label{UUID: s.NewUUID(), WorkspaceID: workspaceID, Name: name, IsActive: true, CreatedOn: now, ModifiedOn: now}
	return l, s.createLimited(ctx, "labels", workspaceID, l)
}

// RenameLabel changes a label's name.
func (s *Store) RenameLabel(ctx context.Context, l *Label, name string) error {
	now := s.now()
	if err := s.updateColumns(ctx, l.WorkspaceID, "labels", l.ID, map[string]any{"name": name, "modified_on": now}); err != nil {
		return err
	}
	l.Name, l.ModifiedOn = name, now
	return nil
}

// DeleteLabel soft-deletes a label.
func (s *Store) DeleteLabel(ctx context.Context, l *Label) error {
	return s.release(ctx, l.WorkspaceID, "labels", l.ID)
}
