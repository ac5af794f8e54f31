package models

import (
	"context"
	"time"
)

// ChannelEvent is something a channel told us about a contact besides their messages: that they stopped, a
// new conversation, a referral… (RapidPro's words, with underscores: stop_contact).
type ChannelEvent struct {
	ID          int64 `gorm:"primaryKey"`
	UUID        string
	WorkspaceID int64
	ChannelID   int64
	ContactID   int64
	EventType   string
	Extra       string // a JSON object
	OccurredOn  time.Time
	CreatedOn   time.Time
}

func (ChannelEvent) TableName() string { return "channel_events" }

// AddChannelEvent records a channel event for its contact, made now if their URN is new to the workspace, and
// applies it: a stop_contact stops the contact (and ends the flow they were in), as mailroom does.
func (s *Store) AddChannelEvent(ctx context.Context, ws *Workspace, ch *Channel, u URNSpec, eventType, extra string, occurredOn time.Time) (*ChannelEvent, error) {
	var ev *ChannelEvent
	err := s.Write(ctx, func(tx *Tx) error {
		c, err := tx.ContactForURN(ctx, ws, u)
		if err != nil {
			return err
		}
		now := s.now()
		if occurredOn.IsZero() {
			occurredOn = now
		}
		if extra == "" {
			extra = "{}"
		}
		ev = &ChannelEvent{UUID: s.NewUUID(), WorkspaceID: ws.ID, ChannelID: ch.ID, ContactID: c.ID, EventType: eventType, Extra: extra,
			OccurredOn: occurredOn.UTC(), CreatedOn: now}
		if err := tx.db.Create(ev).Error; err != nil {
			return err
		}
		if err := tx.SetURNAffinity(c.ID, u.Identity, ch); err != nil {
			return err
		}
		if eventType == EventStopContact {
			if err := tx.InterruptWaiting([]int64{c.ID}, now); err != nil {
				return err
			}
			return tx.SetStatus(ctx, ws, []int64{c.ID}, ContactStopped)
		}
		return nil
	})
	return ev, err
}

// Channel event types that change the contact.
const EventStopContact = "stop_contact"

// ChannelEventQuery builds a listing of a workspace's channel events, ordered by when they were recorded.
type ChannelEventQuery struct {
	query[ChannelEventListing]
	workspaceID int64
}

// ChannelEventListing is a channel event with its contact and channel.
type ChannelEventListing struct {
	ChannelEvent
	ContactUUID string
	ContactName *string
	ChannelUUID string
	ChannelName string
}

// ChannelEvents starts a listing of the workspace's channel events.
func (s *Store) ChannelEvents(workspaceID int64) *ChannelEventQuery {
	q := &ChannelEventQuery{newQuery(s, "channel_events AS e", "e.created_on", "e.id",
		func(e *ChannelEventListing) Position { return Position{Time: e.CreatedOn, ID: e.ID} }), workspaceID}
	q.l.sel = "e.*, c.uuid AS contact_uuid, c.name AS contact_name, ch.uuid AS channel_uuid, ch.name AS channel_name"
	q.l.joins = []string{"JOIN contacts c ON c.id = e.contact_id", "JOIN channels ch ON ch.id = e.channel_id"}
	q.l.and("e.workspace_id = ?", workspaceID)
	return q
}

// WithID keeps the event with an id.
func (q *ChannelEventQuery) WithID(id int64) *ChannelEventQuery { q.l.and("e.id = ?", id); return q }

// OfContact keeps the events of the contact with a UUID.
func (q *ChannelEventQuery) OfContact(uuid string) *ChannelEventQuery {
	q.l.and("c.uuid = ?", uuid)
	return q
}

// CreatedIn keeps the events recorded within a range.
func (q *ChannelEventQuery) CreatedIn(r TimeRange) *ChannelEventQuery {
	q.l.within("e.created_on", r)
	return q
}
