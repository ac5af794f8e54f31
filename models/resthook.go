package models

import (
	"context"
	"time"
)

// Resthook is a named hook that flows call and outside services subscribe to.
type Resthook struct {
	ID          int64 `gorm:"primaryKey"`
	WorkspaceID int64
	Slug        string
	IsActive    bool
	CreatedOn   time.Time
	ModifiedOn  time.Time
}

func (Resthook) TableName() string { return "resthooks" }

// ResthookSubscriber is a URL a resthook's payloads are posted to.
type ResthookSubscriber struct {
	ID          int64 `gorm:"primaryKey"`
	WorkspaceID int64
	ResthookID  int64
	TargetURL   string
	IsActive    bool
	CreatedOn   time.Time
	ModifiedOn  time.Time
}

func (ResthookSubscriber) TableName() string { return "resthook_subscribers" }

// ResthookEvent is a payload a flow gave a resthook.
type ResthookEvent struct {
	ID          int64 `gorm:"primaryKey"`
	WorkspaceID int64
	ResthookID  int64
	Data        string
	CreatedOn   time.Time
}

func (ResthookEvent) TableName() string { return "resthook_events" }

// Subscriptions is an active resthook with its active subscribers' URLs.
type Subscriptions struct {
	ID            int64
	Slug          string
	Targets       []string
	SubscriberIDs []int64 // of Targets, in the same order
}

// ResthookSubscriptions lists a workspace's active resthooks with their subscribers, by slug, each one's
// subscribers by URL: the order mailroom calls them in.
func (s *Store) ResthookSubscriptions(ctx context.Context, workspaceID int64) ([]Subscriptions, error) {
	var rows []struct {
		ID           int64
		Slug         string
		SubscriberID *int64
		TargetURL    *string
	}
	err := s.read(ctx).Table("resthooks AS r").Select("r.id AS id, r.slug AS slug, s.id AS subscriber_id, s.target_url AS target_url").
		Joins("LEFT JOIN resthook_subscribers s ON s.resthook_id = r.id AND s.is_active").
		Where("r.workspace_id = ? AND r.is_active", workspaceID).Order("r.slug, s.target_url, s.id").Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	var out []Subscriptions
	for _, r := range rows {
		if len(out) == 0 || out[len(out)-1].ID != r.ID {
			out = append(out, Subscriptions{ID: r.ID, Slug: r.Slug, Targets: []string{}})
		}
		if r.TargetURL != nil {
			last := &out[len(out)-1]
			last.Targets = append(last.Targets, *r.TargetURL)
			last.SubscriberIDs = append(last.SubscriberIDs, *r.SubscriberID)
		}
	}
	return out, nil
}

// UnsubscribeGone deactivates a resthook's subscriber that answered 410 Gone, as RapidPro does. The resthook's
// subscribers are part of the workspace's configuration the engine caches, so the version moves on.
func (tx *Tx) UnsubscribeGone(workspaceID int64, slug, targetURL string, now time.Time) error {
	hook := tx.db.Table("resthooks").Select("id").Where("workspace_id = ? AND slug = ?", workspaceID, slug)
	res := tx.db.Model(&ResthookSubscriber{}).Where("resthook_id IN (?) AND target_url = ? AND is_active", hook, targetURL).
		Updates(map[string]any{"is_active": false, "modified_on": now})
	if res.Error != nil || res.RowsAffected == 0 {
		return res.Error
	}
	return tx.bumpConfigVersion(workspaceID)
}
