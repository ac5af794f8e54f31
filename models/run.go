package models

import (
	"context"
	"encoding/json"
	"strings"
	"time"
)

// RunStatus is where a run stands.
type RunStatus string

// Run statuses (the API's words).
const (
	RunActive      RunStatus = "active"
	RunWaiting     RunStatus = "waiting"
	RunCompleted   RunStatus = "completed"
	RunInterrupted RunStatus = "interrupted"
	RunExpired     RunStatus = "expired"
	RunFailed      RunStatus = "failed"
)

// FlowRun is one contact's run through one flow.
//
// Results is a JSON object keyed by result key: {"color": {"name": "Color", "value": "red", "category":
// "Red", "node_uuid": "…", "input": "I like red", "created_on": "…"}}. Path is a JSON list of the nodes
// visited: [{"node": "…", "time": "…"}].
type FlowRun struct {
	ID              int64 `gorm:"primaryKey"`
	UUID            string
	WorkspaceID     int64
	FlowID          int64
	ContactID       int64
	SessionID       int64
	StartID         *int64 // only on the first run of a session started by a flow start
	Status          RunStatus
	Responded       bool
	Results         string
	Path            string
	CurrentNodeUUID *string
	CreatedOn       time.Time
	ModifiedOn      time.Time
	ExitedOn        *time.Time
}

func (FlowRun) TableName() string { return "flow_runs" }

// RunResult is one result as a run's Results keeps it, by key; RunStep one node of its Path.
type RunResult struct {
	Name      *string `json:"name"`
	Value     any     `json:"value"`
	Category  *string `json:"category"`
	NodeUUID  string  `json:"node_uuid"`
	Input     *string `json:"input"`
	CreatedOn string  `json:"created_on"`
}

type RunStep struct {
	Node string `json:"node"`
	Time string `json:"time"`
}

// DecodeRunJSON decodes a run's stored Results (into a map[string]RunResult) or Path (into a []RunStep),
// numbers as written; empty text decodes as nothing.
func DecodeRunJSON(text string, v any) error {
	if text == "" {
		return nil
	}
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	return dec.Decode(v)
}

// InsertRuns adds the runs of new sessions.
func (tx *Tx) InsertRuns(runs []*FlowRun) error { return insertAll(tx, runs) }

// SaveRuns writes the runs a resumed session touched: new ones are inserted, the others updated.
func (tx *Tx) SaveRuns(runs []*FlowRun) error { return tx.upsertRuns(runs) }

// RunListing is a run as the API lists it: with its flow, its contact and the contact's highest priority URN,
// and the start that made it.
type RunListing struct {
	FlowRun
	FlowUUID    string
	FlowName    string
	ContactUUID string
	ContactName *string
	StartUUID   *string
	URN         *ContactURN `gorm:"-"`
}

// RunQuery builds a listing of a workspace's runs with their flows, contacts and starts, ordered by when they
// last changed. Runs of deleted contacts and flows are left out: RapidPro deletes them with their contact or
// flow.
type RunQuery struct {
	query[RunListing]
	workspaceID int64
}

// Runs starts a listing of the workspace's runs.
func (s *Store) Runs(workspaceID int64) *RunQuery {
	q := &RunQuery{newQuery(s, "flow_runs AS r", "r.modified_on", "r.id", func(r *RunListing) Position { return Position{Time: r.ModifiedOn, ID: r.ID} }), workspaceID}
	q.l.sel = "r.*, f.uuid AS flow_uuid, f.name AS flow_name, c.uuid AS contact_uuid, c.name AS contact_name, st.uuid AS start_uuid"
	q.l.joins = []string{
		"JOIN flows f ON f.id = r.flow_id AND f.is_active",
		"JOIN contacts c ON c.id = r.contact_id AND c.is_active",
		"LEFT JOIN flow_starts st ON st.id = r.start_id",
	}
	q.l.and("r.workspace_id = ?", workspaceID)
	return q
}

// WithUUID keeps the run with a UUID.
func (q *RunQuery) WithUUID(uuid string) *RunQuery { q.l.and("r.uuid = ?", uuid); return q }

// WithID keeps the run with an id.
func (q *RunQuery) WithID(id int64) *RunQuery { q.l.and("r.id = ?", id); return q }

// InFlow keeps the runs of the active flow with a UUID. It compares ids, so the index on the run's flow
// serves it.
func (q *RunQuery) InFlow(uuid string) *RunQuery {
	q.l.and("r.flow_id = (SELECT id FROM flows WHERE workspace_id = ? AND uuid = ? AND is_active)", q.workspaceID, uuid)
	return q
}

// OfContact keeps the runs of the active contact with a UUID.
func (q *RunQuery) OfContact(uuid string) *RunQuery {
	q.l.and("r.contact_id = (SELECT id FROM contacts WHERE workspace_id = ? AND uuid = ? AND is_active)", q.workspaceID, uuid)
	return q
}

// Responded keeps the runs their contacts answered in.
func (q *RunQuery) Responded() *RunQuery { q.l.and("r.responded"); return q }

// ModifiedIn keeps the runs last changed within a range.
func (q *RunQuery) ModifiedIn(r TimeRange) *RunQuery { q.l.within("r.modified_on", r); return q }

// Page reads one page of the listing, with the highest priority URN of each run's contact (one more query).
func (q *RunQuery) Page(ctx context.Context, spec PageSpec) (*Page[RunListing], error) {
	p, err := q.query.Page(ctx, spec)
	if err != nil {
		return nil, err
	}
	return p, q.s.loadRunURNs(ctx, p.Rows)
}

// loadRunURNs fills in the highest priority URN of each run's contact, in one query.
func (s *Store) loadRunURNs(ctx context.Context, runs []RunListing) error {
	if len(runs) == 0 {
		return nil
	}
	contactIDs := make([]int64, len(runs))
	for i := range runs {
		contactIDs[i] = runs[i].ContactID
	}
	var urns []ContactURN
	err := s.read(ctx).Where("contact_id IN ?", uniqueIDs(contactIDs)).Order("contact_id, priority DESC, id").Find(&urns).Error
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

// RunCounts are how many of a flow's runs are in each status.
type RunCounts struct {
	Active      int64
	Waiting     int64
	Completed   int64
	Interrupted int64
	Expired     int64
	Failed      int64
}

// FlowRunCounts counts the runs of flows by status, by flow id; a flow without runs has zero counts.
func (s *Store) FlowRunCounts(ctx context.Context, workspaceID int64, flowIDs []int64) (map[int64]*RunCounts, error) {
	out := make(map[int64]*RunCounts, len(flowIDs))
	for _, id := range flowIDs {
		out[id] = &RunCounts{}
	}
	if len(flowIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		FlowID int64
		Status RunStatus
		N      int64
	}
	err := s.read(ctx).Raw(`SELECT flow_id, status, COUNT(*) AS n FROM flow_runs WHERE workspace_id = ? AND flow_id IN ? GROUP BY flow_id, status`,
		workspaceID, flowIDs).Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		c := out[r.FlowID]
		if c == nil {
			continue
		}
		if n := c.of(r.Status); n != nil {
			*n += r.N
		}
	}
	return out, nil
}

// of is the count of a status.
func (c *RunCounts) of(status RunStatus) *int64 {
	switch status {
	case RunActive:
		return &c.Active
	case RunWaiting:
		return &c.Waiting
	case RunCompleted:
		return &c.Completed
	case RunInterrupted:
		return &c.Interrupted
	case RunExpired:
		return &c.Expired
	case RunFailed:
		return &c.Failed
	}
	return nil
}

// uniqueIDs keeps the first of each id, in order.
func uniqueIDs(ids []int64) []int64 {
	seen := map[int64]bool{}
	var out []int64
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
