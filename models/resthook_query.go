package models

import (
	"context"
	"errors"
	"time"
)

// What the API's resthooks, resthook_subscribers and resthook_events endpoints read and write. Every query is
// scoped to one workspace; the joins to resthooks are too, so no row of another workspace's can come in.

// ResthookQuery builds a listing of a workspace's active resthooks, ordered by when they last changed.
type ResthookQuery struct{ query[Resthook] }

// Resthooks starts a listing of the workspace's resthooks.
func (s *Store) Resthooks(workspaceID int64) *ResthookQuery {
	return &ResthookQuery{activeIn(s, workspaceID, "resthooks", "modified_on",
		func(r *Resthook) Position { return Position{Time: r.ModifiedOn, ID: r.ID} })}
}

// SubscriberListing is an active subscriber with its resthook's slug.
type SubscriberListing struct {
	ResthookSubscriber
	Slug string
}

// SubscriberQuery builds a listing of a workspace's active resthook subscribers, ordered by when they were made.
type SubscriberQuery struct{ query[SubscriberListing] }

// ResthookSubscribers starts a listing of the workspace's active subscribers, of any of its resthooks.
func (s *Store) ResthookSubscribers(workspaceID int64) *SubscriberQuery {
	q := &SubscriberQuery{newQuery(s, "resthook_subscribers AS s", "s.created_on", "s.id",
		func(x *SubscriberListing) Position { return Position{Time: x.CreatedOn, ID: x.ID} })}
	q.l.sel = "s.*, r.slug AS slug"
	q.l.joins = []string{"JOIN resthooks r ON r.id = s.resthook_id AND r.workspace_id = s.workspace_id"}
	q.l.and("s.workspace_id = ? AND s.is_active", workspaceID)
	return q
}

// WithID keeps the subscriber with an id.
func (q *SubscriberQuery) WithID(id int64) *SubscriberQuery { q.l.and("s.id = ?", id); return q }

// OfResthook keeps the subscribers of the resthook with a slug.
func (q *SubscriberQuery) OfResthook(slug string) *SubscriberQuery {
	q.l.and("r.slug = ?", slug)
	return q
}

// ResthookEventListing is a payload a resthook was given, with the resthook's slug.
type ResthookEventListing struct {
	ResthookEvent
	Slug       string
	Deliveries []DeliveryListing `gorm:"-"` // filled by WithDeliveries
}

// ResthookEventQuery builds a listing of a workspace's resthook events, ordered by when they were recorded.
type ResthookEventQuery struct{ query[ResthookEventListing] }

// ResthookEvents starts a listing of the workspace's resthook events, of any of its resthooks.
func (s *Store) ResthookEvents(workspaceID int64) *ResthookEventQuery {
	q := &ResthookEventQuery{newQuery(s, "resthook_events AS e", "e.created_on", "e.id",
		func(x *ResthookEventListing) Position { return Position{Time: x.CreatedOn, ID: x.ID} })}
	q.l.sel = "e.*, r.slug AS slug"
	q.l.joins = []string{"JOIN resthooks r ON r.id = e.resthook_id AND r.workspace_id = e.workspace_id"}
	q.l.and("e.workspace_id = ?", workspaceID)
	return q
}

// OfResthook keeps the events of the resthook with a slug.
func (q *ResthookEventQuery) OfResthook(slug string) *ResthookEventQuery {
	q.l.and("r.slug = ?", slug)
	return q
}

// ActiveResthook finds the workspace's active resthook with a slug; ErrNotFound if it has none.
func (s *Store) ActiveResthook(ctx context.Context, workspaceID int64, slug string) (*Resthook, error) {
	return getActive[Resthook](ctx, s, workspaceID, "slug", slug)
}

// ErrSubscribed is returned when a URL is already an active subscriber of the resthook.
var ErrSubscribed = errors.New("URL is already subscribed to the resthook")

// Subscribe makes targetURL an active subscriber of the workspace's active resthook with slug, and moves the
// resthook's modified time on, as RapidPro does. ErrNotFound: the workspace has no such resthook; ErrSubscribed:
// the URL is subscribed already. The check and the insert are one transaction holding the workspace, so two
// requests can't both subscribe a URL. Subscribers are part of what the engine caches per config version, so
// the version moves on.
func (s *Store) Subscribe(ctx context.Context, workspaceID int64, slug, targetURL string) (*SubscriberListing, error) {
	now := s.now()
	var sub *SubscriberListing
	err := s.Write(ctx, func(tx *Tx) error {
		if err := tx.lockWorkspace(workspaceID); err != nil {
			return err
		}
		var hook Resthook
		if err := tx.db.Where("workspace_id = ? AND slug = ? AND is_active", workspaceID, slug).Take(&hook).Error; err != nil {
			return err
		}
		var n int64
		if err := tx.db.Model(&ResthookSubscriber{}).
			Where("workspace_id = ? AND resthook_id = ? AND target_url = ? AND is_active", workspaceID, hook.ID, targetURL).
			Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return ErrSubscribed
		}
		row := ResthookSubscriber{WorkspaceID: workspaceID, ResthookID: hook.ID, TargetURL: targetURL, IsActive: true,
			CreatedOn: now, ModifiedOn: now}
		if err := tx.db.Create(&row).Error; err != nil {
			return err
		}
		if err := tx.touchResthook(workspaceID, hook.ID, now); err != nil {
			return err
		}
		sub = &SubscriberListing{ResthookSubscriber: row, Slug: hook.Slug}
		return tx.bumpConfigVersion(workspaceID)
	})
	if err != nil {
		return nil, err
	}
	return sub, nil
}

// Unsubscribe soft-deletes the workspace's active subscriber with an id, and moves its resthook's modified
// time on; ErrNotFound if the workspace has no such subscriber. Of two requests deleting one subscriber, one
// deletes it and the other finds nothing.
func (s *Store) Unsubscribe(ctx context.Context, workspaceID, id int64) error {
	now := s.now()
	return s.Write(ctx, func(tx *Tx) error {
		res := tx.db.Model(&ResthookSubscriber{}).Where("id = ? AND workspace_id = ? AND is_active", id, workspaceID).
			Updates(map[string]any{"is_active": false, "modified_on": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		var sub ResthookSubscriber
		if err := tx.db.Where("id = ? AND workspace_id = ?", id, workspaceID).Take(&sub).Error; err != nil {
			return err
		}
		if err := tx.touchResthook(workspaceID, sub.ResthookID, now); err != nil {
			return err
		}
		return tx.bumpConfigVersion(workspaceID)
	})
}

// touchResthook moves a resthook's modified time on.
func (tx *Tx) touchResthook(workspaceID, id int64, now time.Time) error {
	return tx.db.Model(&Resthook{}).Where("id = ? AND workspace_id = ?", id, workspaceID).Update("modified_on", now).Error
}
