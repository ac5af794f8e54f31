package models

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// Flow types, as the API names them.
const (
	FlowMessage    = "message"
	FlowVoice      = "voice"
	FlowBackground = "background"
	FlowSurvey     = "survey"
)

// Flow is a flow definition, stored migrated to the engine's spec version.
type Flow struct {
	ID             int64     `gorm:"primaryKey"`
	UUID           string    `gorm:"column:uuid"`
	WorkspaceID    int64     `gorm:"column:workspace_id"`
	Name           string    `gorm:"column:name"`
	FlowType       string    `gorm:"column:flow_type"`
	SpecVersion    string    `gorm:"column:spec_version"`
	Revision       int       `gorm:"column:revision"`
	Definition     string    `gorm:"column:definition"`
	ExpiresMinutes int       `gorm:"column:expires_minutes"`
	IsArchived     bool      `gorm:"column:is_archived"`
	IsActive       bool      `gorm:"column:is_active"`
	CreatedOn      time.Time `gorm:"column:created_on"`
	ModifiedOn     time.Time `gorm:"column:modified_on"`
}

func (Flow) TableName() string { return "flows" }

// FlowsQuery selects a workspace's active flows.
func (s *Store) FlowsQuery(ctx context.Context, workspaceID int64) *gorm.DB {
	return s.Read(ctx).Model(&Flow{}).Where("workspace_id = ? AND is_active", workspaceID)
}

// GetFlow finds an active flow by UUID.
func (s *Store) GetFlow(ctx context.Context, workspaceID int64, uuid string) (*Flow, error) {
	f := &Flow{}
	return f, s.FlowsQuery(ctx, workspaceID).Where("uuid = ?", uuid).Take(f).Error
}

// Resthook is a named hook that flows call and outside services subscribe to.
type Resthook struct {
	ID          int64     `gorm:"primaryKey"`
	WorkspaceID int64     `gorm:"column:workspace_id"`
	Slug        string    `gorm:"column:slug"`
	IsActive    bool      `gorm:"column:is_active"`
	CreatedOn   time.Time `gorm:"column:created_on"`
	ModifiedOn  time.Time `gorm:"column:modified_on"`
}

func (Resthook) TableName() string { return "resthooks" }

// ResthookSubscriber is a URL a resthook's payloads are posted to.
type ResthookSubscriber struct {
	ID          int64     `gorm:"primaryKey"`
	WorkspaceID int64     `gorm:"column:workspace_id"`
	ResthookID  int64     `gorm:"column:resthook_id"`
	TargetURL   string    `gorm:"column:target_url"`
	IsActive    bool      `gorm:"column:is_active"`
	CreatedOn   time.Time `gorm:"column:created_on"`
	ModifiedOn  time.Time `gorm:"column:modified_on"`
}

func (ResthookSubscriber) TableName() string { return "resthook_subscribers" }

// Trigger types and keyword match types.
const (
	TriggerKeyword  = "keyword"
	TriggerCatchAll = "catch_all"
	MatchFirstWord  = "first_word"
	MatchOnlyWord   = "only_word"
)

// Trigger starts a flow when something happens: a keyword arrives, say.
type Trigger struct {
	ID          int64      `gorm:"primaryKey"`
	UUID        string     `gorm:"column:uuid"`
	WorkspaceID int64      `gorm:"column:workspace_id"`
	TriggerType string     `gorm:"column:trigger_type"`
	Keywords    StringList `gorm:"column:keywords"`
	MatchType   *string    `gorm:"column:match_type"`
	FlowID      int64      `gorm:"column:flow_id"`
	GroupIDs    Int64List  `gorm:"column:group_ids"`   // only contacts in these groups (all when empty)
	ExcludeIDs  Int64List  `gorm:"column:exclude_ids"` // never contacts in these groups
	IsArchived  bool       `gorm:"column:is_archived"`
	IsActive    bool       `gorm:"column:is_active"`
	CreatedOn   time.Time  `gorm:"column:created_on"`
	ModifiedOn  time.Time  `gorm:"column:modified_on"`
}

func (Trigger) TableName() string { return "triggers" }

// Campaign schedules flows and messages relative to a date field of the contacts of a group.
type Campaign struct {
	ID          int64     `gorm:"primaryKey"`
	UUID        string    `gorm:"column:uuid"`
	WorkspaceID int64     `gorm:"column:workspace_id"`
	Name        string    `gorm:"column:name"`
	GroupID     int64     `gorm:"column:group_id"`
	IsArchived  bool      `gorm:"column:is_archived"`
	IsActive    bool      `gorm:"column:is_active"`
	CreatedOn   time.Time `gorm:"column:created_on"`
	ModifiedOn  time.Time `gorm:"column:modified_on"`
}

func (Campaign) TableName() string { return "campaigns" }

// CampaignEvent is one thing a campaign does: start a flow or send a message, offset from a date field.
type CampaignEvent struct {
	ID           int64     `gorm:"primaryKey"`
	UUID         string    `gorm:"column:uuid"`
	CampaignID   int64     `gorm:"column:campaign_id"`
	RelativeToID int64     `gorm:"column:relative_to_id"`
	Offset       int       `gorm:"column:event_offset"`
	Unit         string    `gorm:"column:unit"` // minutes, hours, days, weeks
	DeliveryHour int       `gorm:"column:delivery_hour"`
	EventType    string    `gorm:"column:event_type"` // flow or message
	FlowID       *int64    `gorm:"column:flow_id"`
	Message      *string   `gorm:"column:message"` // translations as JSON: {"eng": "Hi"}
	IsActive     bool      `gorm:"column:is_active"`
	CreatedOn    time.Time `gorm:"column:created_on"`
}

func (CampaignEvent) TableName() string { return "campaign_events" }
