package models

import (
	"context"
	"time"
)

// MaxTopicNameLen bounds a topic's name.
const MaxTopicNameLen = 64

// Topic is a ticket topic. Every workspace has one system topic.
type Topic struct {
	ID          int64     `gorm:"primaryKey"`
	UUID        string    `gorm:"column:uuid"`
	WorkspaceID int64     `gorm:"column:workspace_id"`
	Name        string    `gorm:"column:name"`
	IsSystem    bool      `gorm:"column:is_system"`
	IsActive    bool      `gorm:"column:is_active"`
	CreatedOn   time.Time `gorm:"column:created_on"`
	ModifiedOn  time.Time `gorm:"column:modified_on"`
}

func (Topic) TableName() string { return "topics" }

// TopicQuery builds a listing of a workspace's active topics, ordered by when they were made.
type TopicQuery struct {
	s *Store
	l listing
}

// Topics starts a listing of the workspace's topics.
func (s *Store) Topics(workspaceID int64) *TopicQuery {
	q := &TopicQuery{s: s, l: newListing("topics", "created_on", "id")}
	q.l.and("workspace_id = ? AND is_active", workspaceID)
	return q
}

// Page reads one page of the listing.
func (q *TopicQuery) Page(ctx context.Context, spec PageSpec) (*Page[Topic], error) {
	return readPage(ctx, q.s.db, q.l, spec, func(t *Topic) Position { return Position{Time: t.CreatedOn, ID: t.ID} })
}

// All reads every topic of the listing, oldest first.
func (q *TopicQuery) All(ctx context.Context) ([]Topic, error) {
	return readAll[Topic](ctx, q.s.db, q.l)
}

// GetTopic finds an active topic by UUID.
func (s *Store) GetTopic(ctx context.Context, workspaceID int64, uuid string) (*Topic, error) {
	t := &Topic{}
	return t, s.read(ctx).Where("workspace_id = ? AND is_active AND uuid = ?", workspaceID, uuid).Take(t).Error
}

// TopicNameTaken reports whether another active topic has name (ignoring case).
func (s *Store) TopicNameTaken(ctx context.Context, workspaceID int64, name string, exceptID int64) (bool, error) {
	return s.nameTaken(ctx, "topics", workspaceID, "name", name, exceptID)
}

// CreateTopic makes a topic.
func (s *Store) CreateTopic(ctx context.Context, workspaceID int64, name string) (*Topic, error) {
	now := s.now()
	t := &Topic{UUID: s.NewUUID(), WorkspaceID: workspaceID, Name: name, IsActive: true, CreatedOn: now, ModifiedOn: now}
	return t, s.createLimited(ctx, "topics", workspaceID, t)
}

// RenameTopic changes a topic's name.
func (s *Store) RenameTopic(ctx context.Context, t *Topic, name string) error {
	now := s.now()
	if err := s.updateColumns(ctx, t.WorkspaceID, "topics", t.ID, map[string]any{"name": name, "modified_on": now}); err != nil {
		return err
	}
	t.Name, t.ModifiedOn = name, now
	return nil
}
