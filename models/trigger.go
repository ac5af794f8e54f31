package models

import (
	"context"
	"time"
)

// TriggerType is what makes a trigger start its flow.
type TriggerType string

// Trigger types and keyword match types.
const (
	TriggerKeyword  TriggerType = "keyword"
	TriggerCatchAll TriggerType = "catch_all"
	MatchFirstWord              = "first_word"
	MatchOnlyWord               = "only_word"
)

// Trigger starts a flow when something happens: a keyword arrives, say.
type Trigger struct {
	ID          int64       `gorm:"primaryKey"`
	UUID        string      `gorm:"column:uuid"`
	WorkspaceID int64       `gorm:"column:workspace_id"`
	TriggerType TriggerType `gorm:"column:trigger_type"`
	Keywords    StringList  `gorm:"column:keywords"`
	MatchType   *string     `gorm:"column:match_type"`
	FlowID      int64       `gorm:"column:flow_id"`
	GroupIDs    Int64List   `gorm:"column:group_ids"`   // only contacts in these groups (all when empty)
	ExcludeIDs  Int64List   `gorm:"column:exclude_ids"` // never contacts in these groups
	IsArchived  bool        `gorm:"column:is_archived"`
	IsActive    bool        `gorm:"column:is_active"`
	CreatedOn   time.Time   `gorm:"column:created_on"`
	ModifiedOn  time.Time   `gorm:"column:modified_on"`
}

func (Trigger) TableName() string { return "triggers" }

// MessageTriggers are a workspace's triggers that an incoming message can fire (keyword and catch-all), not
// archived, oldest first.
func (s *Store) MessageTriggers(ctx context.Context, workspaceID int64) ([]*Trigger, error) {
	var triggers []*Trigger
	err := s.read(ctx).Where("workspace_id = ? AND is_active AND NOT is_archived AND trigger_type IN ?", workspaceID,
		[]TriggerType{TriggerKeyword, TriggerCatchAll}).Order("id").Find(&triggers).Error
	return triggers, err
}
