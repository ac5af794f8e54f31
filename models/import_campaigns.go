package models

import (
	"fmt"
)

func (imp *importer) campaign(spec *ImportCampaign) error {
	what := fmt.Sprintf("Campaign %q", spec.Name)
	group, err := imp.group(spec.Group, nil)
	if err != nil {
		return err
	}
	name := CleanName(spec.Name, MaxCampaignNameLen)
	var found []Campaign
	if err := imp.tx.db.Where("workspace_id = ? AND uuid = ?", imp.ws, spec.UUID).Find(&found).Error; err != nil {
		return err
	}
	if len(found) == 0 {
		err := imp.tx.db.Where("workspace_id = ? AND is_active AND LOWER(name) = LOWER(?)", imp.ws, name).Order("id").Limit(1).Find(&found).Error
		if err != nil {
			return err
		}
	}
	var c *Campaign
	if len(found) > 0 {
		c = &found[0]
		c.Name, c.GroupID, c.ModifiedOn = name, group.ID, imp.now
		if !c.IsActive {
			c.IsActive, c.IsArchived = true, false
		}
		err := imp.tx.db.Model(&Campaign{}).Where("id = ?", c.ID).Updates(map[string]any{
			"name": c.Name, "group_id": c.GroupID, "is_active": c.IsActive, "is_archived": c.IsArchived, "modified_on": c.ModifiedOn,
		}).Error
		if err != nil {
			return err
		}
	} else {
		uuid := spec.UUID
		if uuid == "" {
			uuid = imp.s.NewUUID()
		}
		c = &Campaign{UUID: uuid, WorkspaceID: imp.ws, Name: name, GroupID: group.ID, IsActive: true, CreatedOn: imp.now, ModifiedOn: imp.now}
		if err := imp.tx.db.Create(c).Error; err != nil {
			return err
		}
	}

	var events []CampaignEvent
	if err := imp.tx.db.Where("campaign_id = ?", c.ID).Find(&events).Error; err != nil {
		return err
	}
	byUUID := map[string]*CampaignEvent{}
	for i := range events {
		byUUID[events[i].UUID] = &events[i]
	}
	kept := map[int64]bool{}
	for i := range spec.Events {
		e := &spec.Events[i]
		row := CampaignEvent{CampaignID: c.ID, Offset: e.Offset, Unit: e.Unit, DeliveryHour: e.DeliveryHour, IsActive: true,
			StartMode: e.StartMode}
		if row.StartMode == "" {
			row.StartMode = StartInterrupt
		}
		if _, system := SystemDateNames[e.RelativeTo.Key]; system {
			key := e.RelativeTo.Key
			row.RelativeToSystem = &key
		} else {
			field, err := imp.field(e.RelativeTo.Key, e.RelativeTo.Name, FieldDatetime, true)
			if err != nil {
				return err
			}
			row.RelativeToID = &field.ID
		}
		if e.Flow != nil {
			flow, err := imp.flowFor(*e.Flow, what)
			if err != nil {
				return err
			}
			row.EventType, row.FlowID = EventFlow, &flow.ID
		} else {
			msg := translationsJSON(e.Message)
			row.EventType, row.Message = EventMessage, &msg
		}
		if existing := byUUID[e.UUID]; e.UUID != "" && existing != nil {
			kept[existing.ID] = true
			err := imp.tx.db.Model(&CampaignEvent{}).Where("id = ?", existing.ID).Updates(map[string]any{
				"relative_to_id": row.RelativeToID, "relative_to_system": row.RelativeToSystem, "event_offset": row.Offset,
				"unit": row.Unit, "delivery_hour": row.DeliveryHour, "event_type": row.EventType, "flow_id": row.FlowID,
				"message": row.Message, "start_mode": row.StartMode, "is_active": true,
			}).Error
			if err != nil {
				return err
			}
			continue
		}
		row.UUID, row.CreatedOn = e.UUID, imp.now
		if row.UUID == "" || byUUID[row.UUID] != nil {
			row.UUID = imp.s.NewUUID()
		}
		if err := imp.tx.db.Create(&row).Error; err != nil {
			return err
		}
		byUUID[row.UUID], kept[row.ID] = &row, true
	}
	for _, e := range events {
		if e.IsActive && !kept[e.ID] {
			if err := imp.tx.db.Model(&CampaignEvent{}).Where("id = ?", e.ID).Update("is_active", false).Error; err != nil {
				return err
			}
		}
	}
	imp.result.Campaigns = append(imp.result.Campaigns, Ref{UUID: c.UUID, Name: c.Name})
	// its events fire from now for the group's members (a smart group made by this import gets its members, and
	// so its fires, once it is evaluated)
	return imp.tx.RefreshCampaignFires(imp.ws, c.ID, imp.now)
}

// MaxCampaignNameLen bounds a campaign's name.
const MaxCampaignNameLen = 64
