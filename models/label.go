package models

import (
	"context"
	"time"
)

// MaxLabelNameLen bounds a label's name.
const MaxLabelNameLen = 64

// Label is a message label.
type Label struct {
	ID          int64 `gorm:"primaryKey"`
	UUID        string
	WorkspaceID int64
	Name        string
	IsActive    bool
	CreatedOn   time.Time
	ModifiedOn  time.Time
}

func (Label) TableName() string { return "labels" }

// LabelQuery builds a listing of a workspace's active labels, ordered by when they were made.
type LabelQuery struct{ query[Label] }

// Labels starts a listing of the workspace's labels.
func (s *Store) Labels(workspaceID int64) *LabelQuery {
	return &LabelQuery{activeIn(s, workspaceID, "labels", "created_on", func(x *Label) Position { return Position{Time: x.CreatedOn, ID: x.ID} })}
}

// WithUUID keeps the label with a UUID.
func (q *LabelQuery) WithUUID(uuid string) *LabelQuery { q.l.and("uuid = ?", uuid); return q }

// Named keeps the labels with a name, ignoring case.
func (q *LabelQuery) Named(name string) *LabelQuery {
	q.l.and("LOWER(name) = LOWER(?)", name)
	return q
}

// GetLabel finds an active label by UUID.
func (s *Store) GetLabel(ctx context.Context, workspaceID int64, uuid string) (*Label, error) {
	return getActive[Label](ctx, s, workspaceID, "uuid", uuid)
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
	return s.rename(ctx, l.WorkspaceID, "labels", l.ID, name, &l.Name, &l.ModifiedOn)
}

// DeleteLabel soft-deletes a label.
func (s *Store) DeleteLabel(ctx context.Context, l *Label) error {
	return s.release(ctx, l.WorkspaceID, "labels", l.ID)
}
