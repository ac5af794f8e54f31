package models

import (
	"context"
	"time"
)

// MaxTopicNameLen bounds a topic's name.
const MaxTopicNameLen = 64

// Topic is a ticket topic. Every workspace has one system topic.
type Topic struct {
	ID          int64 `gorm:"primaryKey"`
	UUID        string
	WorkspaceID int64
	Name        string
	IsSystem    bool
	IsActive    bool
	CreatedOn   time.Time
	ModifiedOn  time.Time
}

func (Topic) TableName() string { return "topics" }

// TopicQuery builds a listing of a workspace's active topics, ordered by when they were made.
type TopicQuery struct{ query[Topic] }

// Topics starts a listing of the workspace's topics.
func (s *Store) Topics(workspaceID int64) *TopicQuery {
	return &TopicQuery{activeIn(s, workspaceID, "topics", "created_on", func(x *Topic) Position { return Position{Time: x.CreatedOn, ID: x.ID} })}
}

// GetTopic finds an active topic by UUID.
func (s *Store) GetTopic(ctx context.Context, workspaceID int64, uuid string) (*Topic, error) {
	return getActive[Topic](ctx, s, workspaceID, "uuid", uuid)
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
	return s.rename(ctx, t.WorkspaceID, "topics", t.ID, name, &t.Name, &t.ModifiedOn)
}
