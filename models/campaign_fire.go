package models

import (
	"context"
	"time"

	"github.com/flowsd/flowsd/schedules"
)

// Campaign fires. Each active event of an active, unarchived campaign fires for every active contact of the
// campaign's group with a value to go by (its field's, or created_on or last_seen_on), at the time package
// schedules computes in the workspace's zone. The fires are rows, kept true in the transaction of every change
// that moves them: a contact's fields, status, groups (smart ones included), deletion; an event or campaign
// made, changed, archived or deleted; a smart group evaluated. A time already past is never made a fire (as in
// RapidPro, nothing is fired retroactively), but a fire already due and not yet worked is kept while its time
// stays the same. The fire workers claim the due rows and delete each in the transaction that does its work.

// CampaignFire is when an event fires for a contact.
type CampaignFire struct {
	ID          int64 `gorm:"primaryKey"`
	WorkspaceID int64
	EventID     int64
	ContactID   int64
	FireOn      time.Time
}

func (CampaignFire) TableName() string { return "campaign_fires" }

// fireEvent is an event that fires, with what its fires are computed from.
type fireEvent struct {
	ID           int64
	GroupID      int64
	FieldID      int64
	FieldKey     string
	Offset       int
	Unit         string
	DeliveryHour int
}

// fireEvents are a workspace's events that fire (all of them, or those of eventIDs).
func (tx *Tx) fireEvents(workspaceID int64, eventIDs []int64) ([]fireEvent, error) {
	// a system date (created_on, last_seen_on) has no field; a field must still be there
	q := tx.db.Table("campaign_events AS e").
		Select("e.id, c.group_id, COALESCE(e.relative_to_id, 0) AS field_id, COALESCE(e.relative_to_system, f.key) AS field_key, "+
			"e.event_offset AS offset, e.unit, e.delivery_hour").
		Joins("JOIN campaigns c ON c.id = e.campaign_id").
		Joins("LEFT JOIN contact_fields f ON f.id = e.relative_to_id").
		Where("c.workspace_id = ? AND c.is_active AND NOT c.is_archived AND e.is_active AND (e.relative_to_system IS NOT NULL OR f.is_active)", workspaceID)
	if eventIDs != nil {
		q = q.Where("e.id IN ?", eventIDs)
	}
	var evs []fireEvent
	return evs, q.Order("e.id").Scan(&evs).Error
}

// timezone is a workspace's zone (UTC if it names none this machine knows).
func (tx *Tx) timezone(workspaceID int64) (*time.Location, error) {
	var names []string
	if err := tx.db.Model(&Workspace{}).Where("id = ?", workspaceID).Pluck("timezone", &names).Error; err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return time.UTC, nil
	}
	tz, err := time.LoadLocation(names[0])
	if err != nil {
		return time.UTC, nil
	}
	return tz, nil
}

// anchor is a contact's value an event goes by: nil when it has none.
type anchor struct {
	ContactID int64
	At        *time.Time
}

// anchors reads the values an event goes by of its group's active members (those of contactIDs, or all).
func (tx *Tx) anchors(ev fireEvent, contactIDs []int64) ([]anchor, error) {
	q := tx.db.Table("contact_group_members AS m").Joins("JOIN contacts c ON c.id = m.contact_id").
		Where("m.group_id = ? AND c.is_active AND c.status = ?", ev.GroupID, ContactActive)
	switch ev.FieldKey {
	case SystemCreatedOn:
		q = q.Select("c.id AS contact_id, c.created_on AS at")
	case SystemLastSeenOn:
		q = q.Select("c.id AS contact_id, c.last_seen_on AS at")
	default:
		q = q.Select("c.id AS contact_id, v.datetime_value AS at").
			Joins("JOIN contact_field_values v ON v.contact_id = c.id AND v.field_id = ?", ev.FieldID)
	}
	if contactIDs != nil {
		q = q.Where("m.contact_id IN ?", contactIDs)
	}
	var rows []anchor
	return rows, q.Scan(&rows).Error
}

// refreshFires makes the fires of events true for contacts (contactIDs, or every member of each event's group
// when nil) at now: fires whose time moved or that no longer qualify go, new ones come (not in the past), and
// those whose time stays are kept (even when due: they are still to be worked).
func (tx *Tx) refreshFires(workspaceID int64, evs []fireEvent, contactIDs []int64, now time.Time) error {
	if len(evs) == 0 {
		return nil
	}
	tz, err := tx.timezone(workspaceID)
	if err != nil {
		return err
	}
	var inserts []*CampaignFire
	for _, ev := range evs {
		anchors, err := tx.anchors(ev, contactIDs)
		if err != nil {
			return err
		}
		want := make(map[int64]time.Time, len(anchors))
		for _, a := range anchors {
			if a.At == nil {
				continue
			}
			// the time whatever now is: a due fire whose time stays is kept
			at, _ := schedules.CampaignFire(*a.At, ev.Offset, schedules.Unit(ev.Unit), ev.DeliveryHour, tz, time.Time{})
			want[a.ContactID] = at.UTC()
		}
		var have []CampaignFire
		q := tx.db.Where("event_id = ?", ev.ID)
		if contactIDs != nil {
			q = q.Where("contact_id IN ?", contactIDs)
		}
		if err := q.Find(&have).Error; err != nil {
			return err
		}
		var gone []int64
		for _, f := range have {
			if at, ok := want[f.ContactID]; ok && at.Equal(f.FireOn) {
				delete(want, f.ContactID)
				continue
			}
			gone = append(gone, f.ID)
		}
		if err := tx.deleteFires(gone); err != nil {
			return err
		}
		for contactID, at := range want {
			if !at.Before(now) {
				inserts = append(inserts, &CampaignFire{WorkspaceID: workspaceID, EventID: ev.ID, ContactID: contactID, FireOn: at})
			}
		}
	}
	if len(inserts) == 0 {
		return nil
	}
	return tx.db.CreateInBatches(inserts, 1000).Error
}

func (tx *Tx) deleteFires(ids []int64) error {
	for from := 0; from < len(ids); from += 1000 {
		if err := tx.db.Where("id IN ?", ids[from:min(from+1000, len(ids))]).Delete(&CampaignFire{}).Error; err != nil {
			return err
		}
	}
	return nil
}

// lockFiresOf takes contacts' fires (PostgreSQL) before a change to them takes their rows: a fire worker
// holds the fires it claimed while it writes to its contacts' rows, so a change that took a contact's row first
// and its fires after could wait on the worker while it waits on the change. Taken first, the change waits
// for the worker to finish.
func (tx *Tx) lockFiresOf(contactIDs []int64) error {
	if tx.s.Dialect != Postgres || len(contactIDs) == 0 {
		return nil
	}
	var ids []int64
	return tx.db.Raw("SELECT id FROM campaign_fires WHERE contact_id IN ? ORDER BY id FOR UPDATE", contactIDs).Scan(&ids).Error
}

// refreshContactFires makes contacts' fires true after a change to them: their fires of events that no longer
// fire go, and every event that fires is worked out again for them.
func (tx *Tx) refreshContactFires(workspaceID int64, contactIDs []int64, now time.Time) error {
	if len(contactIDs) == 0 {
		return nil
	}
	evs, err := tx.fireEvents(workspaceID, nil)
	if err != nil || len(evs) == 0 {
		return err // an event that stops firing takes its fires with it: with none firing, there are none
	}
	ids := make([]int64, len(evs))
	for i, ev := range evs {
		ids[i] = ev.ID
	}
	stale := tx.db.Where("workspace_id = ? AND contact_id IN ? AND event_id NOT IN ?", workspaceID, contactIDs, ids)
	if err := stale.Delete(&CampaignFire{}).Error; err != nil {
		return err
	}
	return tx.refreshFires(workspaceID, evs, contactIDs, now)
}

// refreshGroupFires makes the fires of the events of the campaigns on a group true for all its members, after
// the group's members were worked out again.
func (tx *Tx) refreshGroupFires(workspaceID, groupID int64) error {
	evs, err := tx.fireEvents(workspaceID, nil)
	if err != nil {
		return err
	}
	var onGroup []fireEvent
	for _, ev := range evs {
		if ev.GroupID == groupID {
			onGroup = append(onGroup, ev)
		}
	}
	if len(onGroup) == 0 {
		return nil
	}
	return tx.refreshFires(workspaceID, onGroup, nil, tx.s.now())
}

// refreshSeenFires moves a contact's fires of events relative to when they were last seen.
func (tx *Tx) refreshSeenFires(workspaceID, contactID int64, now time.Time) error {
	evs, err := tx.fireEvents(workspaceID, nil)
	if err != nil {
		return err
	}
	var seen []fireEvent
	for _, ev := range evs {
		if ev.FieldKey == SystemLastSeenOn {
			seen = append(seen, ev)
		}
	}
	return tx.refreshFires(workspaceID, seen, []int64{contactID}, now)
}

// RefreshEventFires makes the fires of events true for every member of their campaigns' groups, after the
// events or their campaigns were made or changed: an event that no longer fires (deleted, its campaign archived
// or deleted) loses them all.
func (tx *Tx) RefreshEventFires(workspaceID int64, eventIDs []int64, now time.Time) error {
	if len(eventIDs) == 0 {
		return nil
	}
	evs, err := tx.fireEvents(workspaceID, eventIDs)
	if err != nil {
		return err
	}
	firing := map[int64]bool{}
	for _, ev := range evs {
		firing[ev.ID] = true
	}
	var stopped []int64
	for _, id := range eventIDs {
		if !firing[id] {
			stopped = append(stopped, id)
		}
	}
	if len(stopped) > 0 {
		if err := tx.db.Where("workspace_id = ? AND event_id IN ?", workspaceID, stopped).Delete(&CampaignFire{}).Error; err != nil {
			return err
		}
	}
	return tx.refreshFires(workspaceID, evs, nil, now)
}

// RefreshCampaignFires is RefreshEventFires for every event a campaign has had.
func (tx *Tx) RefreshCampaignFires(workspaceID, campaignID int64, now time.Time) error {
	var ids []int64
	err := tx.db.Model(&CampaignEvent{}).Joins("JOIN campaigns c ON c.id = campaign_events.campaign_id").
		Where("c.workspace_id = ? AND c.id = ?", workspaceID, campaignID).Pluck("campaign_events.id", &ids).Error
	if err != nil {
		return err
	}
	return tx.RefreshEventFires(workspaceID, ids, now)
}

// ContactFires lists a contact's fires, soonest first.
func (s *Store) ContactFires(ctx context.Context, contactID int64) ([]CampaignFire, error) {
	var fires []CampaignFire
	return fires, s.read(ctx).Where("contact_id = ?", contactID).Order("fire_on, id").Find(&fires).Error
}

// DueFire is a claimed fire, with its contact.
type DueFire struct {
	ID        int64
	EventID   int64
	ContactID int64
}

// FiringEvent is an event whose fires are being worked, with what firing it needs.
type FiringEvent struct {
	CampaignEvent
	WorkspaceID  int64
	CampaignUUID string
	CampaignName string
	Fires        bool // false when the event or its campaign no longer fires: its fires are dropped
}

// ClaimDueFires claims fires due at now of one event (the one due first), up to messages of them for a message
// event and flows for a flow event (each of whose contacts runs the engine in the batch), and hands them to do
// with that event; the batch's write deletes them.
// Events in passing are not looked at (a worker passes by an event whose contacts were all busy).
func (s *Store) ClaimDueFires(ctx context.Context, now time.Time, messages, flows int, passing []int64, do func(b *Batch, ev *FiringEvent, fires []DueFire) error) (int, error) {
	var next []struct {
		EventID   int64
		EventType string
	}
	q := s.read(ctx).Table("campaign_fires AS f").Select("f.event_id, e.event_type").Joins("JOIN campaign_events e ON e.id = f.event_id").
		Where("f.fire_on <= ?", now)
	if len(passing) > 0 {
		q = q.Where("f.event_id NOT IN ?", passing)
	}
	err := q.Order("f.fire_on, f.id").Limit(1).Scan(&next).Error
	if err != nil || len(next) == 0 {
		return 0, err
	}
	eventID, n := next[0].EventID, messages
	if next[0].EventType == EventFlow {
		n = flows
	}
	return s.claim(ctx, s.claimers.dueFires, "event_id = ? AND fire_on <= ?", []any{eventID, now}, n, func(b *Batch) error {
		var fires []DueFire
		if err := b.Read.db.Model(&CampaignFire{}).Where("id IN ?", b.Keys).Order("contact_id").Find(&fires).Error; err != nil {
			return err
		}
		var evs []FiringEvent
		err := b.Read.db.Table("campaign_events AS e").
			Select("e.*, c.workspace_id, c.uuid AS campaign_uuid, c.name AS campaign_name, "+
				"(e.is_active AND c.is_active AND NOT c.is_archived) AS fires").
			Joins("JOIN campaigns c ON c.id = e.campaign_id").Where("e.id = ?", eventID).Scan(&evs).Error
		if err != nil {
			return err
		}
		if len(evs) == 0 {
			evs = []FiringEvent{{CampaignEvent: CampaignEvent{ID: eventID}}}
		}
		ev := &evs[0]
		if ev.StartMode == "" {
			ev.StartMode = StartInterrupt
		}
		return do(b, ev, fires)
	})
}

// DeleteFires removes claimed fires that were worked, in the write of their work: ErrClaimLost (and nothing
// written) when any of them went meanwhile (on SQLite a change to the contact may move a fire between its
// claim and this write; on PostgreSQL the claim holds them).
func (tx *Tx) DeleteFires(ids []int64) error {
	res := tx.db.Where("id IN ?", ids).Delete(&CampaignFire{})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected != int64(len(ids)) {
		return ErrClaimLost
	}
	return nil
}

// CampaignEventsUsingFields counts a workspace's active campaign events by the field they are relative to.
func (s *Store) CampaignEventsUsingFields(ctx context.Context, workspaceID int64) (map[int64]int64, error) {
	var rows []struct {
		FieldID int64
		N       int64
	}
	err := s.read(ctx).Table("campaign_events AS e").Select("e.relative_to_id AS field_id, COUNT(*) AS n").
		Joins("JOIN campaigns c ON c.id = e.campaign_id").
		Where("c.workspace_id = ? AND c.is_active AND e.is_active AND e.relative_to_id IS NOT NULL", workspaceID).
		Group("e.relative_to_id").Scan(&rows).Error
	out := make(map[int64]int64, len(rows))
	for _, r := range rows {
		out[r.FieldID] = r.N
	}
	return out, err
}
