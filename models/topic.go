package models

import (
	"context"
	"time"

	"gorm.io/gorm"
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

// TopicsQuery selects the workspace's active topics.
func (s *Store) TopicsQuery(ctx context.Context, workspaceID int64) *gorm.DB {
	return s.Read(ctx).Model(&Topic{}).Where("workspace_id = ? AND is_active", workspaceID)
}

// GetTopic finds an active topic by UUID.
func (s *Store) GetTopic(ctx context.Context, workspaceID int64, uuid string) (*Topic, error) {
	t := &Topic{}
	return t, s.TopicsQuery(ctx, workspaceID).Where("uuid = ?", uuid).Take(t).Error
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
