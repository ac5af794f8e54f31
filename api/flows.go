package api

import (
	"net/http"
	"time"

	"github.com/flowsd/flowsd/flows"
	"github.com/flowsd/flowsd/models"
)

var exampleTime = time.Date(2025, 3, 4, 10, 15, 30, 123000000, time.UTC)

var flowsListDocs = OperationDocs{Title: "List Flows",
	Params: []Param{
		{Name: "uuid", Help: "A flow UUID to filter by"},
		{Name: "type", Help: "A flow type to filter by: message, voice, background or survey"},
		{Name: "archived", Help: "Set to true to list only archived flows, false for only active ones"},
		{Name: "before", Help: "Only return flows modified before this date, e.g. 2017-01-28T18:00:00.000"},
		{Name: "after", Help: "Only return flows modified after this date, e.g. 2017-01-28T18:00:00.000"},
	},
	Example: Example{Query: "uuid=" + exampleFlowUUID, Status: http.StatusOK, Answer: listAnswer(convertFlow, inspectedFlow{Flow: exampleFlow,
		Runs: models.RunCounts{Active: 12, Waiting: 31, Completed: 245, Interrupted: 3, Expired: 17, Failed: 1}, Info: flows.InspectFlow(&exampleFlow)})}}

// inspectedFlow is a flow with its run counts and what the engine's inspection of it says.
type inspectedFlow struct {
	models.Flow
	Runs models.RunCounts
	Info *flows.FlowInfo
}

type flowOut struct {
	UUID       string          `json:"uuid"`
	Name       string          `json:"name"`
	Type       string          `json:"type"`
	Archived   bool            `json:"archived"`
	Labels     []ref           `json:"labels"`
	Expires    int             `json:"expires"`
	Runs       flowRunsOut     `json:"runs"`
	Results    []flowResultOut `json:"results"`
	ParentRefs []string        `json:"parent_refs"`
	CreatedOn  apiTime         `json:"created_on"`
	ModifiedOn apiTime         `json:"modified_on"`
}

// flowRunsOut counts runs by status, the keys in RapidPro's order.
type flowRunsOut struct {
	Active      int64 `json:"active"`
	Waiting     int64 `json:"waiting"`
	Completed   int64 `json:"completed"`
	Expired     int64 `json:"expired"`
	Interrupted int64 `json:"interrupted"`
	Failed      int64 `json:"failed"`
}

// flowRunsOutWeni is Weni's (RapidPro 7's) counts: active includes waiting, and there is no failed.
type flowRunsOutWeni struct {
	Active      int64 `json:"active"`
	Completed   int64 `json:"completed"`
	Interrupted int64 `json:"interrupted"`
	Expired     int64 `json:"expired"`
}

type flowResultOut struct {
	Key        string   `json:"key"`
	Name       string   `json:"name"`
	Categories []string `json:"categories"`
	NodeUUIDs  []string `json:"node_uuids"`
}

type flowOutWeni struct {
	UUID       string          `json:"uuid"`
	Name       string          `json:"name"`
	Type       string          `json:"type"`
	Archived   bool            `json:"archived"`
	Labels     []ref           `json:"labels"`
	Expires    int             `json:"expires"`
	Runs       flowRunsOutWeni `json:"runs"`
	Results    []flowResultOut `json:"results"`
	ParentRefs []string        `json:"parent_refs"`
	CreatedOn  apiTime         `json:"created_on"`
	ModifiedOn apiTime         `json:"modified_on"`
}

// convertFlow writes a flow with its run counts, results and parent refs. Flows have no labels yet.
func convertFlow(c *Ctx, f *inspectedFlow) any {
	results := []flowResultOut{}
	parentRefs := []string{}
	if f.Info != nil {
		for _, r := range f.Info.Results {
			results = append(results, flowResultOut{Key: r.Key, Name: r.Name, Categories: r.Categories, NodeUUIDs: r.NodeUUIDs})
		}
		parentRefs = f.Info.ParentRefs
	}
	r := f.Runs
	if c.weni() {
		return flowOutWeni{UUID: f.UUID, Name: f.Name, Type: string(f.FlowType), Archived: f.IsArchived, Labels: []ref{}, Expires: f.ExpiresMinutes,
			Runs:    flowRunsOutWeni{Active: r.Active + r.Waiting, Completed: r.Completed, Interrupted: r.Interrupted, Expired: r.Expired},
			Results: results, ParentRefs: parentRefs, CreatedOn: apiTime(f.CreatedOn), ModifiedOn: apiTime(f.ModifiedOn)}
	}
	return flowOut{UUID: f.UUID, Name: f.Name, Type: string(f.FlowType), Archived: f.IsArchived, Labels: []ref{}, Expires: f.ExpiresMinutes,
		Runs:    flowRunsOut{Active: r.Active, Waiting: r.Waiting, Completed: r.Completed, Expired: r.Expired, Interrupted: r.Interrupted, Failed: r.Failed},
		Results: results, ParentRefs: parentRefs, CreatedOn: apiTime(f.CreatedOn), ModifiedOn: apiTime(f.ModifiedOn)}
}

// listFlows lists flows newest first. As in RapidPro, before and after filter on modified_on while the listing
// is ordered by created_on.
func listFlows(c *Ctx) error {
	ctx := c.Request().Context()
	q, err := filterUUID(c, c.store().Flows(c.ws().ID).ModifiedIn(timeRange(c.query)))
	if err != nil {
		return err
	}
	if t := c.query.Get("type"); t != "" {
		q = q.OfType(models.FlowType(t))
	}
	if c.query.Get("archived") != "" {
		q = q.Archived(queryBool(c.query, "archived"))
	}
	return respondPage(c, order{}, q.Page,
		func(rows []models.Flow) ([]any, error) {
			ids := make([]int64, len(rows))
			for i := range rows {
				ids[i] = rows[i].ID
			}
			counts, err := c.store().FlowRunCounts(ctx, c.ws().ID, ids)
			if err != nil {
				return nil, err
			}
			out := make([]any, len(rows))
			for i := range rows {
				out[i] = convertFlow(c, &inspectedFlow{Flow: rows[i], Runs: *counts[rows[i].ID], Info: flows.InspectFlow(&rows[i])})
			}
			return out, nil
		})
}
