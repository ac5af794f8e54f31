package models

import "context"

// Export is what a definitions export holds, as model values; package api writes it in RapidPro's format.
type Export struct {
	Flows     []Flow // definitions at the engine's spec version, carrying the flow's UUID, name, revision and expiry
	Campaigns []ExportedCampaign
	Triggers  []ExportedTrigger
	Fields    []Field
	Groups    []Group
}

// ExportedCampaign is a campaign with its group and active events.
type ExportedCampaign struct {
	Campaign
	Group  Group
	Events []ExportedEvent
}

// ExportedEvent is a campaign event with its date field and, for flow events, its flow.
type ExportedEvent struct {
	CampaignEvent
	RelativeTo Field
	Flow       *Flow
}

// ExportedTrigger is a trigger with its flow and groups.
type ExportedTrigger struct {
	Trigger
	Flow          Flow
	Groups        []Group
	ExcludeGroups []Group
}

// Exportables are everything of a workspace an export may hold: its active flows, campaigns (with their active
// events) and triggers, and its fields and groups by id (inactive ones too, which exports leave out).
type Exportables struct {
	Flows     []Flow
	Campaigns []Campaign
	Events    []CampaignEvent
	Triggers  []Trigger
	Fields    map[int64]*Field
	Groups    map[int64]*Group
}

// LoadExportables reads everything of a workspace an export may hold.
func (s *Store) LoadExportables(ctx context.Context, workspaceID int64) (*Exportables, error) {
	db := s.read(ctx)
	x := &Exportables{Fields: map[int64]*Field{}, Groups: map[int64]*Group{}}
	if err := db.Where("workspace_id = ? AND is_active", workspaceID).Order("id").Find(&x.Flows).Error; err != nil {
		return nil, err
	}
	if err := db.Where("workspace_id = ? AND is_active", workspaceID).Order("id").Find(&x.Campaigns).Error; err != nil {
		return nil, err
	}
	err := db.Model(&CampaignEvent{}).Joins("JOIN campaigns c ON c.id = campaign_events.campaign_id").
		Where("c.workspace_id = ? AND c.is_active AND campaign_events.is_active", workspaceID).
		Order("campaign_events.id").Find(&x.Events).Error
	if err != nil {
		return nil, err
	}
	if err := db.Where("workspace_id = ? AND is_active", workspaceID).Order("id").Find(&x.Triggers).Error; err != nil {
		return nil, err
	}
	var fields []Field
	if err := db.Where("workspace_id = ?", workspaceID).Find(&fields).Error; err != nil {
		return nil, err
	}
	for i := range fields {
		x.Fields[fields[i].ID] = &fields[i]
	}
	var groups []Group
	if err := db.Where("workspace_id = ?", workspaceID).Find(&groups).Error; err != nil {
		return nil, err
	}
	for i := range groups {
		x.Groups[groups[i].ID] = &groups[i]
	}
	return x, nil
}
