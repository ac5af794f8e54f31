package models

import "context"

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
		Status string
		N      int64
	}
	err := s.Read(ctx).Raw(`SELECT flow_id, status, COUNT(*) AS n FROM flow_runs WHERE workspace_id = ? AND flow_id IN ? GROUP BY flow_id, status`,
		workspaceID, flowIDs).Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		c := out[r.FlowID]
		if c == nil {
			continue
		}
		switch r.Status {
		case RunActive:
			c.Active += r.N
		case RunWaiting:
			c.Waiting += r.N
		case RunCompleted:
			c.Completed += r.N
		case RunInterrupted:
			c.Interrupted += r.N
		case RunExpired:
			c.Expired += r.N
		case RunFailed:
			c.Failed += r.N
		}
	}
	return out, nil
}
