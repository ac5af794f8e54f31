package models

import (
	"context"
	"time"
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

// LabelQuery builds a listing of a workspace's active labels, ordered by when they were made.
type LabelQuery struct {
	s *Store
	l listing
}

// Labels starts a listing of the workspace's labels.
func (s *Store) Labels(workspaceID int64) *LabelQuery {
	q := &LabelQuery{s: s, l: newListing("labels", "created_on", "id")}
	q.l.and("workspace_id = ? AND is_active", workspaceID)
	return q
}

// WithUUID keeps the label with a UUID.
func (q *LabelQuery) WithUUID(uuid string) *LabelQuery { q.l.and("uuid = ?", uuid); return q }

// Named keeps the labels with a name, ignoring case.
func (q *LabelQuery) Named(name string) *LabelQuery {
	q.l.and("LOWER(name) = LOWER(?)", name)
	return q
}

// Page reads one page of the listing.
func (q *LabelQuery) Page(ctx context.Context, spec PageSpec) (*Page[Label], error) {
	return readPage(ctx, q.s.db, q.l, spec, func(l *Label) Position { return Position{Time: l.CreatedOn, ID: l.ID} })
}

// All reads every label of the listing, oldest first.
func (q *LabelQuery) All(ctx context.Context) ([]Label, error) {
	return readAll[Label](ctx, q.s.db, q.l)
}

// GetLabel finds an active label by UUID.
func (s *Store) GetLabel(ctx context.Context, workspaceID int64, uuid string) (*Label, error) {
	l := &Label{}
	return l, s.read(ctx).Where("workspace_id = ? AND is_active AND uuid = ?", workspaceID, uuid).Take(l).Error
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
