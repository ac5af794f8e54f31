package models

import (
	"context"
	"time"
)

// FlowType is what kind of flow a flow is, as the API names it.
type FlowType string

// Flow types.
const (
	FlowMessage    FlowType = "message"
	FlowVoice      FlowType = "voice"
	FlowBackground FlowType = "background"
	FlowSurvey     FlowType = "survey"
)

// Flow is a flow definition, stored migrated to the engine's spec version.
type Flow struct {
	ID             int64     `gorm:"primaryKey"`
	UUID           string    `gorm:"column:uuid"`
	WorkspaceID    int64     `gorm:"column:workspace_id"`
	Name           string    `gorm:"column:name"`
	FlowType       FlowType  `gorm:"column:flow_type"`
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

// FlowQuery builds a listing of a workspace's active flows (archived ones too), ordered by when they were
// made.
type FlowQuery struct {
	s *Store
	l listing
}

// Flows starts a listing of the workspace's flows.
func (s *Store) Flows(workspaceID int64) *FlowQuery {
	q := &FlowQuery{s: s, l: newListing("flows", "created_on", "id")}
	q.l.and("workspace_id = ? AND is_active", workspaceID)
	return q
}

// WithUUID keeps the flow with a UUID.
func (q *FlowQuery) WithUUID(uuid string) *FlowQuery { q.l.and("uuid = ?", uuid); return q }

// OfType keeps the flows of a type; a type that isn't one matches nothing.
func (q *FlowQuery) OfType(t FlowType) *FlowQuery { q.l.and("flow_type = ?", t); return q }

// Archived keeps the archived flows, or with false the others.
func (q *FlowQuery) Archived(archived bool) *FlowQuery {
	q.l.and("is_archived = ?", archived)
	return q
}

// ModifiedIn keeps the flows last changed within a range.
func (q *FlowQuery) ModifiedIn(r TimeRange) *FlowQuery { q.l.within("modified_on", r); return q }

// Page reads one page of the listing.
func (q *FlowQuery) Page(ctx context.Context, spec PageSpec) (*Page[Flow], error) {
	return readPage(ctx, q.s.db, q.l, spec, func(f *Flow) Position { return Position{Time: f.CreatedOn, ID: f.ID} })
}

// All reads every flow of the listing, oldest first.
func (q *FlowQuery) All(ctx context.Context) ([]Flow, error) { return readAll[Flow](ctx, q.s.db, q.l) }

// GetFlow finds an active flow by UUID.
func (s *Store) GetFlow(ctx context.Context, workspaceID int64, uuid string) (*Flow, error) {
	f := &Flow{}
	return f, s.read(ctx).Where("workspace_id = ? AND is_active AND uuid = ?", workspaceID, uuid).Take(f).Error
}

// Flow reads a flow by id, deleted and archived ones too.
func (r *Reader) Flow(id int64) (*Flow, error) {
	f := &Flow{}
	return f, r.db.Take(f, id).Error
}

// FlowNames are the UUIDs and names of a workspace's flows among ids, by id.
func (s *Store) FlowNames(ctx context.Context, workspaceID int64, ids []int64) (map[int64]Ref, error) {
	refs := map[int64]Ref{}
	if len(ids) == 0 {
		return refs, nil
	}
	var rows []Flow
	if err := s.read(ctx).Select("id, uuid, name").Where("workspace_id = ? AND id IN ?", workspaceID, ids).Find(&rows).Error; err != nil {
		return nil, err
	}
	for _, f := range rows {
		refs[f.ID] = Ref{UUID: f.UUID, Name: f.Name}
	}
	return refs, nil
}
