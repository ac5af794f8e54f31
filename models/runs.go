package models

import (
	"context"

	"gorm.io/gorm"
)

// RunListing is a run as the API lists it: with its flow, its contact and the contact's highest priority URN,
// and the start that made it.
type RunListing struct {
	FlowRun
	FlowUUID    string      `gorm:"column:flow_uuid"`
	FlowName    string      `gorm:"column:flow_name"`
	ContactUUID string      `gorm:"column:contact_uuid"`
	ContactName *string     `gorm:"column:contact_name"`
	StartUUID   *string     `gorm:"column:start_uuid"`
	URN         *ContactURN `gorm:"-"`
}

// RunsQuery selects a workspace's runs (as r) with their flows, contacts and starts, in one query. Runs of
// deleted contacts and flows are left out: RapidPro deletes them with their contact or flow. Fill in the URNs
// with LoadRunURNs.
func (s *Store) RunsQuery(ctx context.Context, workspaceID int64) *gorm.DB {
	return s.Read(ctx).Table("flow_runs AS r").
		Select("r.*, f.uuid AS flow_uuid, f.name AS flow_name, c.uuid AS contact_uuid, c.name AS contact_name, st.uuid AS start_uuid").
		Joins("JOIN flows f ON f.id = r.flow_id AND f.is_active").
		Joins("JOIN contacts c ON c.id = r.contact_id AND c.is_active").
		Joins("LEFT JOIN flow_starts st ON st.id = r.start_id").
		Where("r.workspace_id = ?", workspaceID)
}

// LoadRunURNs fills in the highest priority URN of each run's contact, in one query.
func (s *Store) LoadRunURNs(ctx context.Context, runs []RunListing) error {
	if len(runs) == 0 {
		return nil
	}
	contactIDs := make([]int64, len(runs))
	for i := range runs {
		contactIDs[i] = runs[i].ContactID
	}
	var urns []ContactURN
	err := s.Read(ctx).Where("contact_id IN ?", uniqueIDs(contactIDs)).Order("contact_id, priority DESC, id").Find(&urns).Error
	if err != nil {
		return err
	}
	top := map[int64]*ContactURN{}
	for i := range urns {
		if top[urns[i].ContactID] == nil {
			top[urns[i].ContactID] = &urns[i]
		}
	}
	for i := range runs {
		runs[i].URN = top[runs[i].ContactID]
	}
	return nil
}
