package models

import (
	"cmp"
	"context"
	"net/url"
	"slices"
	"time"

	"github.com/flowsd/flowsd/work"
	"github.com/google/uuid"
	"gorm.io/gorm"
)

// Resthook deliveries. A flow's call_resthook posts its payload to every subscriber at once, inside the flow's
// sprint (goflow makes the calls, and @webhook is their outcome). Each of those calls is a delivery, written
// in the sprint's transaction: delivered, gone (410: the subscriber is removed in the same transaction),
// failed, or retrying when it failed in a way that may pass (no connection, a timeout, 5xx, 429). Retrying
// deliveries are leased by the retry workers (work.Lease, as messages are) and attempted again from the stored
// payload, on work.Schedule's backoff, until they are delivered or given up.

// DeliveryStatus is where a delivery stands.
type DeliveryStatus string

const (
	DeliveryDelivered DeliveryStatus = "delivered"
	DeliveryRetrying  DeliveryStatus = "retrying"
	DeliveryGone      DeliveryStatus = "gone"   // the subscriber answered 410 Gone and was removed
	DeliveryFailed    DeliveryStatus = "failed" // refused for good (4xx), given up, or its subscriber removed
)

// ResthookDelivery is one subscriber's delivery of one resthook event.
type ResthookDelivery struct {
	ID             int64 `gorm:"primaryKey"`
	WorkspaceID    int64
	EventID        int64
	SubscriberID   int64
	FlowID         *int64
	TargetURL      string
	IdempotencyKey string
	Status         DeliveryStatus
	Attempts       int
	LastStatusCode int
	LastError      string
	FirstAttemptOn time.Time
	LastAttemptOn  time.Time
	NextAttemptOn  *time.Time
	ClaimedUntil   *time.Time

	Event *ResthookEvent `gorm:"-"` // the event being written with it, whose ID it takes
}

func (ResthookDelivery) TableName() string { return "resthook_deliveries" }

// deliveryKeys is the namespace of idempotency keys (a version 5 UUID of its own).
var deliveryKeys = uuid.MustParse("6f1b7c3e-5a0f-5d3b-9c41-1f0e6a7b2d90")

// DeliveryKey is the Idempotency-Key of the delivery of payload to targetURL: derived from the two, so that the
// flow's own call (made by the engine, which can't be handed a key) and every retry made from the stored row
// carry the same one. A payload holds its run's UUID and the time its step was reached, so no two deliveries
// share a key.
func DeliveryKey(targetURL string, payload []byte) string {
	return uuid.NewSHA1(deliveryKeys, append([]byte(NormalizeTargetURL(targetURL)+"\n"), payload...)).String()
}

// NormalizeTargetURL is a subscriber's URL as an HTTP request made to it gives it back, so that a call the
// engine reports can be matched to its subscriber.
func NormalizeTargetURL(target string) string {
	u, err := url.Parse(target)
	if err != nil {
		return target
	}
	return u.String()
}

// InsertResthookEvents adds resthook events and then the deliveries made of them (each delivery takes its
// event's ID).
func (tx *Tx) InsertResthookEvents(events []*ResthookEvent, deliveries []*ResthookDelivery) error {
	if err := insertAll(tx, events); err != nil {
		return err
	}
	for _, d := range deliveries {
		if d.Event != nil {
			d.EventID = d.Event.ID
		}
	}
	return insertAll(tx, deliveries)
}

func newDeliveryLease(d Dialect) *work.Lease {
	return &work.Lease{Table: "resthook_deliveries", Key: "id", Order: "next_attempt_on, id", Until: "claimed_until", SkipLocked: d == Postgres}
}

// DueDelivery is a leased delivery with what its retry needs.
type DueDelivery struct {
	ResthookDelivery
	Payload          string
	Slug             string
	SubscriberActive bool
}

// LeaseDueDeliveries leases up to n deliveries whose retry is due at now, until until, earliest due first.
func (s *Store) LeaseDueDeliveries(ctx context.Context, now, until time.Time, n int) ([]*DueDelivery, error) {
	var ids []int64
	err := s.Write(ctx, func(tx *Tx) error {
		var err error
		ids, err = s.deliveryLease.Claim(ctx, &tx.Reader, "status = ? AND next_attempt_on <= ?", []any{DeliveryRetrying, now}, n, now, until)
		return err
	})
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	var due []*DueDelivery
	err = s.read(ctx).Table("resthook_deliveries AS d").
		Select("d.*, e.data AS payload, r.slug AS slug, (sub.is_active AND r.is_active) AS subscriber_active").
		Joins("JOIN resthook_events e ON e.id = d.event_id").
		Joins("JOIN resthook_subscribers sub ON sub.id = d.subscriber_id").
		Joins("JOIN resthooks r ON r.id = sub.resthook_id").
		Where("d.id IN ?", ids).Order("d.next_attempt_on, d.id").Scan(&due).Error
	return due, err
}

// DeliveryOutcome is what became of one leased delivery's attempt.
type DeliveryOutcome struct {
	Delivery   *DueDelivery
	Attempted  bool // false when no call was made (its subscriber was removed meanwhile)
	Status     DeliveryStatus
	StatusCode int
	Error      string
	NextAt     *time.Time // for DeliveryRetrying
	AttemptOn  time.Time
	Log        *HTTPLog
}

// RecordDeliveries writes what became of leased deliveries, in one transaction that ends their leases. An
// outcome whose lease another worker has since taken (it ran out) is dropped: that worker's attempt counts. A
// subscriber that answered 410 is removed, as it is when the flow's own call gets one.
func (s *Store) RecordDeliveries(ctx context.Context, outcomes []DeliveryOutcome) error {
	return s.Write(ctx, func(tx *Tx) error {
		var logs []*HTTPLog
		gone := map[int64][]int64{} // subscriber IDs by workspace
		for _, o := range outcomes {
			d := o.Delivery
			updates := map[string]any{"status": o.Status, "claimed_until": nil, "next_attempt_on": o.NextAt}
			if o.Attempted {
				updates["attempts"] = gorm.Expr("attempts + 1")
				updates["last_status_code"], updates["last_attempt_on"] = o.StatusCode, o.AttemptOn
			}
			updates["last_error"] = o.Error
			res := tx.db.Model(&ResthookDelivery{}).Where("id = ? AND status = ? AND claimed_until = ?", d.ID, DeliveryRetrying, d.ClaimedUntil).Updates(updates)
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 0 {
				continue
			}
			if o.Log != nil {
				logs = append(logs, o.Log)
			}
			if o.Status == DeliveryGone {
				gone[d.WorkspaceID] = append(gone[d.WorkspaceID], d.SubscriberID)
			}
		}
		for workspaceID, ids := range gone {
			res := tx.db.Model(&ResthookSubscriber{}).Where("workspace_id = ? AND id IN ? AND is_active", workspaceID, ids).
				Updates(map[string]any{"is_active": false, "modified_on": s.now()})
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected > 0 {
				if err := tx.bumpConfigVersion(workspaceID); err != nil {
					return err
				}
			}
		}
		return tx.InsertHTTPLogs(logs)
	})
}

// DeliveryListing is a delivery with its resthook's slug.
type DeliveryListing struct {
	ResthookDelivery
	Slug string
}

// DeliveryQuery builds a listing of a workspace's resthook deliveries, ordered by their first attempt.
type DeliveryQuery struct {
	query[DeliveryListing]
}

// ResthookDeliveries starts a listing of a workspace's resthook deliveries.
func (s *Store) ResthookDeliveries(workspaceID int64) *DeliveryQuery {
	q := &DeliveryQuery{newQuery(s, "resthook_deliveries AS d", "d.first_attempt_on", "d.id",
		func(d *DeliveryListing) Position { return Position{Time: d.FirstAttemptOn, ID: d.ID} })}
	q.l.sel = "d.*, r.slug AS slug"
	q.l.joins = []string{"JOIN resthook_events e ON e.id = d.event_id", "JOIN resthooks r ON r.id = e.resthook_id"}
	q.l.and("d.workspace_id = ?", workspaceID)
	return q
}

// OfResthook keeps the deliveries of the resthook with a slug.
func (q *DeliveryQuery) OfResthook(slug string) *DeliveryQuery { q.l.and("r.slug = ?", slug); return q }

// WithStatus keeps the deliveries that stand where status says.
func (q *DeliveryQuery) WithStatus(status DeliveryStatus) *DeliveryQuery {
	q.l.and("d.status = ?", status)
	return q
}

// OfEvents keeps the deliveries of some events.
func (q *DeliveryQuery) OfEvents(eventIDs []int64) *DeliveryQuery {
	q.l.and("d.event_id IN ?", eventIDs)
	return q
}

// WithDeliveries fills in the deliveries of a page of events (each event's in the order they were made), in one
// read scoped to the workspace.
func (s *Store) WithDeliveries(ctx context.Context, workspaceID int64, events []ResthookEventListing) error {
	if len(events) == 0 {
		return nil
	}
	ids := make([]int64, len(events))
	for i, e := range events {
		ids[i] = e.ID
	}
	q := s.ResthookDeliveries(workspaceID).OfEvents(ids)
	rows, err := q.All(ctx)
	if err != nil {
		return err
	}
	slices.SortFunc(rows, func(a, b DeliveryListing) int { return cmp.Compare(a.ID, b.ID) })
	byEvent := map[int64][]DeliveryListing{}
	for _, d := range rows {
		byEvent[d.EventID] = append(byEvent[d.EventID], d)
	}
	for i := range events {
		events[i].Deliveries = byEvent[events[i].ID]
	}
	return nil
}
