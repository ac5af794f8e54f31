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
	ID             int64 `gorm:"primaryKey"`
	UUID           string
	WorkspaceID    int64
	Name           string
	FlowType       FlowType
	SpecVersion    string
	Revision       int
	Definition     string
	ExpiresMinutes int
	IsArchived     bool
	IsActive       bool
	CreatedOn      time.Time
	ModifiedOn     time.Time
}

func (Flow) TableName() string { return "flows" }

// FlowQuery builds a listing of a workspace's active flows (archived ones too), ordered by when they were
// made.
type FlowQuery struct{ query[Flow] }

// Flows starts a listing of the workspace's flows.
func (s *Store) Flows(workspaceID int64) *FlowQuery {
	return &FlowQuery{activeIn(s, workspaceID, "flows", "created_on", func(x *Flow) Position { return Position{Time: x.CreatedOn, ID: x.ID} })}
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

// GetFlow finds an active flow by UUID.
func (s *Store) GetFlow(ctx context.Context, workspaceID int64, uuid string) (*Flow, error) {
	return getActive[Flow](ctx, s, workspaceID, "uuid", uuid)
}

// Flow reads a flow by id, deleted and archived ones too.
func (r *Reader) Flow(id int64) (*Flow, error) {
	f := &Flow{}
	return f, r.db.Take(f, id).Error
}

// FlowNames are the UUIDs and names of a workspace's flows among ids, by id.
func (s *Store) FlowNames(ctx context.Context, workspaceID int64, ids []int64) (map[int64]Ref, error) {
	return names(ctx, s, "flows", workspaceID, ids)
}

// names are the UUIDs and names of rows of a workspace's table among ids, by id.
func names(ctx context.Context, s *Store, table string, workspaceID int64, ids []int64) (map[int64]Ref, error) {
	refs := map[int64]Ref{}
	if len(ids) == 0 {
		return refs, nil
	}
	var rows []struct {
		ID   int64
		UUID string
		Name string
	}
	if err := s.read(ctx).Table(table).Select("id, uuid, name").Where("workspace_id = ? AND id IN ?", workspaceID, uniqueIDs(ids)).Scan(&rows).Error; err != nil {
		return nil, err
	}
	for _, r := range rows {
		refs[r.ID] = Ref{UUID: r.UUID, Name: r.Name}
	}
	return refs, nil
}
