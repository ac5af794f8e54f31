package models

import (
	"context"
	"time"
)

// TriggerType is what makes a trigger start its flow.
type TriggerType string

// Trigger types and keyword match types.
const (
	TriggerKeyword      TriggerType = "keyword"
	TriggerCatchAll     TriggerType = "catch_all"
	TriggerClosedTicket TriggerType = "closed_ticket" // a ticket of the contact's is closed
	MatchFirstWord                  = "first_word"
	MatchOnlyWord                   = "only_word"
)

// Trigger starts a flow when something happens: a keyword arrives, say.
type Trigger struct {
	ID          int64 `gorm:"primaryKey"`
	UUID        string
	WorkspaceID int64
	TriggerType TriggerType
	Keywords    StringList
	MatchType   *string
	FlowID      int64
	GroupIDs    Int64List // only contacts in these groups (all when empty)
	ExcludeIDs  Int64List // never contacts in these groups
	IsArchived  bool
	IsActive    bool
	CreatedOn   time.Time
	ModifiedOn  time.Time
}

func (Trigger) TableName() string { return "triggers" }

// MessageTriggers are a workspace's triggers that an incoming message can fire (keyword and catch-all), not
// archived, oldest first.
func (s *Store) MessageTriggers(ctx context.Context, workspaceID int64) ([]*Trigger, error) {
	return s.triggersOf(ctx, workspaceID, TriggerKeyword, TriggerCatchAll)
}

// ClosedTicketTriggers are a workspace's triggers that closing a ticket fires, not archived, oldest first.
func (s *Store) ClosedTicketTriggers(ctx context.Context, workspaceID int64) ([]*Trigger, error) {
	return s.triggersOf(ctx, workspaceID, TriggerClosedTicket)
}

func (s *Store) triggersOf(ctx context.Context, workspaceID int64, types ...TriggerType) ([]*Trigger, error) {
	var triggers []*Trigger
	err := s.read(ctx).Where("workspace_id = ? AND is_active AND NOT is_archived AND trigger_type IN ?", workspaceID, types).
		Order("id").Find(&triggers).Error
	return triggers, err
}
