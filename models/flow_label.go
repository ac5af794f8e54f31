package models

import (
	"context"
	"time"
)

// MaxFlowLabelNameLen bounds a flow label's name, as Weni's.
const MaxFlowLabelNameLen = 64

// FlowLabel is one of Weni's flow labels: a folder for flows, inside another when it has a parent. RapidPro
// exports carry none, so nothing makes them yet but CreateFlowLabel.
type FlowLabel struct {
	ID          int64 `gorm:"primaryKey"`
	UUID        string
	WorkspaceID int64
	Name        string
	ParentID    *int64
	CreatedOn   time.Time

	ParentName *string `gorm:"->;-:migration"` // read by the listing's join
}

func (FlowLabel) TableName() string { return "flow_labels" }

// FlowLabelQuery builds a listing of a workspace's flow labels, newest first, each with its parent's name.
type FlowLabelQuery struct{ query[FlowLabel] }

// FlowLabels starts a listing of the workspace's flow labels.
func (s *Store) FlowLabels(workspaceID int64) *FlowLabelQuery {
	q := newQuery(s, "flow_labels AS l", "l.created_on", "l.id", func(x *FlowLabel) Position { return Position{Time: x.CreatedOn, ID: x.ID} })
	q.l.sel = "l.*, p.name AS parent_name"
	q.l.joins = []string{"LEFT JOIN flow_labels AS p ON p.id = l.parent_id"}
	q.l.and("l.workspace_id = ?", workspaceID)
	return &FlowLabelQuery{q}
}

// CreateFlowLabel makes a flow label, inside parent when it isn't nil (a label of the same workspace).
func (s *Store) CreateFlowLabel(ctx context.Context, workspaceID int64, name string, parent *FlowLabel) (*FlowLabel, error) {
	l := &FlowLabel{UUID: s.NewUUID(), WorkspaceID: workspaceID, Name: name, CreatedOn: s.now()}
	if parent != nil {
		l.ParentID, l.ParentName = &parent.ID, &parent.Name
	}
	return l, s.Write(ctx, func(tx *Tx) error { return tx.db.Omit("ParentName").Create(l).Error })
}
