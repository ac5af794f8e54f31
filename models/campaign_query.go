package models

import (
	"context"
)

// What the API's campaigns and campaign_events endpoints read and write. Every query is scoped to one
// workspace; campaign events have no workspace of their own, so they are reached through their campaign, and
// the joins to groups, fields and flows keep to the campaign's workspace, so no row of another's can come in.
// Every write moves the workspace's config version on, as the engine's assets include campaigns.

// CampaignListing is an active campaign with its group.
type CampaignListing struct {
	Campaign
	GroupUUID string
	GroupName string
}

// CampaignQuery builds a listing of a workspace's active, unarchived campaigns, ordered by when they were made.
type CampaignQuery struct{ query[CampaignListing] }

// Campaigns starts a listing of the workspace's active, unarchived campaigns.
func (s *Store) Campaigns(workspaceID int64) *CampaignQuery {
	q := &CampaignQuery{newQuery(s, "campaigns AS c", "c.created_on", "c.id",
		func(x *CampaignListing) Position { return Position{Time: x.CreatedOn, ID: x.ID} })}
	q.l.sel = "c.*, g.uuid AS group_uuid, g.name AS group_name"
	q.l.joins = []string{"JOIN contact_groups g ON g.id = c.group_id AND g.workspace_id = c.workspace_id"}
	q.l.and("c.workspace_id = ? AND c.is_active AND NOT c.is_archived", workspaceID)
	return q
}

// WithUUID keeps the campaign with a UUID.
func (q *CampaignQuery) WithUUID(uuid string) *CampaignQuery { q.l.and("c.uuid = ?", uuid); return q }

// GetCampaign finds the workspace's active, unarchived campaign with a UUID; ErrNotFound if it has none.
func (s *Store) GetCampaign(ctx context.Context, workspaceID int64, uuid string) (*CampaignListing, error) {
	c, err := s.Campaigns(workspaceID).WithUUID(uuid).First(ctx)
	if err == nil && c == nil {
		err = ErrNotFound
	}
	return c, err
}

// FindCampaign finds the workspace's active campaign (archived or not) that a reference names: by UUID when
// it is one, else by exact name; nil when none is. The oldest wins when several share the name.
func (s *Store) FindCampaign(ctx context.Context, workspaceID int64, uuid, name string) (*Campaign, error) {
	db := s.read(ctx).Where("workspace_id = ? AND is_active", workspaceID)
	if uuid != "" {
		db = db.Where("uuid = ? OR name = ?", uuid, name)
	} else {
		db = db.Where("name = ?", name)
	}
	var found []Campaign
	if err := db.Order("id").Limit(1).Find(&found).Error; err != nil || len(found) == 0 {
		return nil, err
	}
	return &found[0], nil
}

// CampaignNameTaken reports whether another active campaign of the workspace has name (ignoring case).
func (s *Store) CampaignNameTaken(ctx context.Context, workspaceID int64, name string, exceptID int64) (bool, error) {
	return s.nameTaken(ctx, "campaigns", workspaceID, "name", name, exceptID)
}

// campaignNameTaken is CampaignNameTaken inside a write holding the workspace.
func (tx *Tx) campaignNameTaken(workspaceID int64, name string, exceptID int64) (bool, error) {
	var n int64
	err := tx.db.Table("campaigns").
		Where("workspace_id = ? AND is_active AND LOWER(name) = LOWER(?) AND id <> ?", workspaceID, name, exceptID).
		Count(&n).Error
	return n > 0, err
}

// CreateCampaign makes a campaign on one of the workspace's groups. The name is checked again in the
// transaction, which holds the workspace: ErrNameTaken if another request took it since.
func (s *Store) CreateCampaign(ctx context.Context, workspaceID int64, name string, group *Group) (*CampaignListing, error) {
	now := s.now()
	c := &CampaignListing{Campaign: Campaign{UUID: s.NewUUID(), WorkspaceID: workspaceID, Name: name, GroupID: group.ID,
		IsActive: true, CreatedOn: now, ModifiedOn: now}, GroupUUID: group.UUID, GroupName: group.Name}
	err := s.writeConfig(ctx, func(tx *Tx) error {
		if err := tx.lockWorkspace(workspaceID); err != nil {
			return err
		}
		if taken, err := tx.campaignNameTaken(workspaceID, name, 0); err != nil || taken {
			if taken {
				return ErrNameTaken
			}
			return err
		}
		return tx.db.Create(&c.Campaign).Error
	}, workspaceID)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// UpdateCampaign renames a campaign and moves it to a group. When the group changes, every event of the
// campaign fires for other contacts: their fires are worked out again.
func (s *Store) UpdateCampaign(ctx context.Context, c *CampaignListing, name string, group *Group) error {
	now := s.now()
	err := s.writeConfig(ctx, func(tx *Tx) error {
		if err := tx.lockWorkspace(c.WorkspaceID); err != nil {
			return err
		}
		if taken, err := tx.campaignNameTaken(c.WorkspaceID, name, c.ID); err != nil || taken {
			if taken {
				return ErrNameTaken
			}
			return err
		}
		res := tx.db.Model(&Campaign{}).Where("id = ? AND workspace_id = ? AND is_active AND NOT is_archived", c.ID, c.WorkspaceID).
			Updates(map[string]any{"name": name, "group_id": group.ID, "modified_on": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		if group.ID != c.GroupID {
			return tx.RefreshCampaignFires(c.WorkspaceID, c.ID, now)
		}
		return nil
	}, c.WorkspaceID)
	if err != nil {
		return err
	}
	c.Name, c.GroupID, c.GroupUUID, c.GroupName, c.ModifiedOn = name, group.ID, group.UUID, group.Name, now
	return nil
}

// EventListing is an active campaign event with its campaign, its date (a field, or a system date) and its flow.
type EventListing struct {
	CampaignEvent
	CampaignUUID string
	CampaignName string
	FieldKey     *string // nil for a system date
	FieldName    *string
	FlowUUID     *string // nil for a message event
	FlowName     *string
}

// RelativeToKey and RelativeToName are the key and name of the date the event is relative to.
func (e *EventListing) RelativeToKey() string {
	if e.RelativeToSystem != nil {
		return *e.RelativeToSystem
	}
	if e.FieldKey != nil {
		return *e.FieldKey
	}
	return ""
}

func (e *EventListing) RelativeToName() string {
	if e.RelativeToSystem != nil {
		return SystemDateNames[*e.RelativeToSystem]
	}
	if e.FieldName != nil {
		return *e.FieldName
	}
	return ""
}

// EventQuery builds a listing of the active events of a workspace's active campaigns (archived ones
// included), ordered by when they were made.
type EventQuery struct{ query[EventListing] }

// CampaignEvents starts a listing of the workspace's campaign events.
func (s *Store) CampaignEvents(workspaceID int64) *EventQuery {
	q := &EventQuery{newQuery(s, "campaign_events AS e", "e.created_on", "e.id",
		func(x *EventListing) Position { return Position{Time: x.CreatedOn, ID: x.ID} })}
	q.l.sel = "e.*, c.uuid AS campaign_uuid, c.name AS campaign_name, f.key AS field_key, f.name AS field_name," +
		" fl.uuid AS flow_uuid, fl.name AS flow_name"
	q.l.joins = []string{
		"JOIN campaigns c ON c.id = e.campaign_id",
		"LEFT JOIN contact_fields f ON f.id = e.relative_to_id AND f.workspace_id = c.workspace_id",
		"LEFT JOIN flows fl ON fl.id = e.flow_id AND fl.workspace_id = c.workspace_id",
	}
	q.l.and("c.workspace_id = ? AND c.is_active AND e.is_active", workspaceID)
	return q
}

// WithUUID keeps the event with a UUID.
func (q *EventQuery) WithUUID(uuid string) *EventQuery { q.l.and("e.uuid = ?", uuid); return q }

// OfCampaign keeps the events of a campaign.
func (q *EventQuery) OfCampaign(campaignID int64) *EventQuery {
	q.l.and("e.campaign_id = ?", campaignID)
	return q
}

// GetCampaignEvent finds the workspace's active event with a UUID; ErrNotFound if it has none.
func (s *Store) GetCampaignEvent(ctx context.Context, workspaceID int64, uuid string) (*EventListing, error) {
	e, err := s.CampaignEvents(workspaceID).WithUUID(uuid).First(ctx)
	if err == nil && e == nil {
		err = ErrNotFound
	}
	return e, err
}

// getEvent reads one event of the workspace's as a listing, inside a write.
func (tx *Tx) getEvent(workspaceID, id int64) (*EventListing, error) {
	q := tx.s.CampaignEvents(workspaceID)
	q.l.and("e.id = ?", id)
	var rows []EventListing
	if err := q.l.query(tx.db).Find(&rows).Error; err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, ErrNotFound
	}
	return &rows[0], nil
}

// activeCampaignOf checks, inside a write, that a campaign is still one of the workspace's active,
// unarchived ones: ErrNotFound if not.
func (tx *Tx) activeCampaignOf(workspaceID, campaignID int64) error {
	var n int64
	err := tx.db.Model(&Campaign{}).Where("id = ? AND workspace_id = ? AND is_active AND NOT is_archived", campaignID, workspaceID).
		Count(&n).Error
	if err == nil && n == 0 {
		err = ErrNotFound
	}
	return err
}

// CreateCampaignEvent makes an event of one of the workspace's campaigns from ev (its campaign, date, timing,
// flow or message and start mode), with its fires.
func (s *Store) CreateCampaignEvent(ctx context.Context, workspaceID int64, ev *CampaignEvent) (*EventListing, error) {
	var out *EventListing
	err := s.writeConfig(ctx, func(tx *Tx) error {
		if err := tx.activeCampaignOf(workspaceID, ev.CampaignID); err != nil {
			return err
		}
		var err error
		out, err = tx.insertEvent(workspaceID, ev.CampaignID, ev, nil)
		return err
	}, workspaceID)
	return out, err
}

// insertEvent makes a new event of a campaign from ev and works its fires out (and those of replaced, events
// it takes the place of) from now.
func (tx *Tx) insertEvent(workspaceID, campaignID int64, ev *CampaignEvent, replaced []int64) (*EventListing, error) {
	row := *ev
	row.ID, row.UUID, row.CampaignID, row.IsActive, row.CreatedOn = 0, tx.s.NewUUID(), campaignID, true, tx.s.now()
	if err := tx.db.Create(&row).Error; err != nil {
		return nil, err
	}
	if err := tx.RefreshEventFires(workspaceID, append(replaced, row.ID), row.CreatedOn); err != nil {
		return nil, err
	}
	return tx.getEvent(workspaceID, row.ID)
}

// UpdateCampaignEvent changes an event's date, timing, flow or message in place. Its fires are worked out again
// when its timing changes (a new date, offset, unit or delivery hour), not when only what it sends does.
func (s *Store) UpdateCampaignEvent(ctx context.Context, workspaceID int64, old *EventListing, ev *CampaignEvent) (*EventListing, error) {
	var out *EventListing
	err := s.writeConfig(ctx, func(tx *Tx) error {
		if err := tx.activeCampaignOf(workspaceID, old.CampaignID); err != nil {
			return err
		}
		retimed := timingChanged(&old.CampaignEvent, ev)
		res := tx.db.Model(&CampaignEvent{}).Where("id = ? AND campaign_id = ? AND is_active", old.ID, old.CampaignID).Updates(map[string]any{
			"relative_to_id": ev.RelativeToID, "relative_to_system": ev.RelativeToSystem, "event_offset": ev.Offset,
			"unit": ev.Unit, "delivery_hour": ev.DeliveryHour, "event_type": ev.EventType, "flow_id": ev.FlowID,
			"message": ev.Message,
		})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		if retimed {
			if err := tx.RefreshEventFires(workspaceID, []int64{old.ID}, s.now()); err != nil {
				return err
			}
		}
		var err error
		out, err = tx.getEvent(workspaceID, old.ID)
		return err
	}, workspaceID)
	return out, err
}

// ReplaceCampaignEvent is how v7.1 and v8.3 RapidPro (and so Weni) update an event: the old one is released
// and a new one, with a new UUID, made from ev in its place.
func (s *Store) ReplaceCampaignEvent(ctx context.Context, workspaceID int64, old *EventListing, ev *CampaignEvent) (*EventListing, error) {
	var out *EventListing
	err := s.writeConfig(ctx, func(tx *Tx) error {
		if err := tx.activeCampaignOf(workspaceID, old.CampaignID); err != nil {
			return err
		}
		res := tx.db.Model(&CampaignEvent{}).Where("id = ? AND campaign_id = ? AND is_active", old.ID, old.CampaignID).
			Update("is_active", false)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		var err error
		out, err = tx.insertEvent(workspaceID, old.CampaignID, ev, []int64{old.ID})
		return err
	}, workspaceID)
	return out, err
}

// DeleteCampaignEvent soft-deletes one of the workspace's active events by UUID; ErrNotFound if it has none. Of
// two requests deleting one event, one deletes it and the other finds nothing.
func (s *Store) DeleteCampaignEvent(ctx context.Context, workspaceID int64, uuid string) error {
	return s.writeConfig(ctx, func(tx *Tx) error {
		res := tx.db.Exec(`UPDATE campaign_events SET is_active = ? WHERE uuid = ? AND is_active AND campaign_id IN
			(SELECT id FROM campaigns WHERE workspace_id = ? AND is_active)`, false, uuid, workspaceID)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		return tx.db.Exec(`DELETE FROM campaign_fires WHERE workspace_id = ? AND event_id IN
			(SELECT e.id FROM campaign_events e JOIN campaigns c ON c.id = e.campaign_id WHERE e.uuid = ? AND c.workspace_id = ?)`,
			workspaceID, uuid, workspaceID).Error
	}, workspaceID)
}
