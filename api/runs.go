package api

import (
	"fmt"
	"net/http"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/urns"
)

var exampleRun = func() models.RunListing {
	at := time.Date(2015, 11, 11, 13, 5, 57, 576056000, time.UTC)
	startUUID := exampleStart.UUID
	return models.RunListing{
		FlowRun: models.FlowRun{ID: 12345678, UUID: "0199c5c0-8f9b-76ea-a955-193ad8ed8606", Status: models.RunCompleted, Responded: true,
			Results: `{"color": {"name": "Color", "value": "blue", "category": "Blue", "node_uuid": "fc32aeb0-ac3e-42a8-9ea7-10248fdf52a1",
				"input": "it is blue", "created_on": "2015-11-11T13:03:51.635662Z"}}`,
			Path: `[{"node": "27a86a1b-6cc4-4ae3-b73d-89650966a82f", "time": "2015-11-11T13:03:50.457742Z"},
				{"node": "fc32aeb0-ac3e-42a8-9ea7-10248fdf52a1", "time": "2015-11-11T13:03:51.635662Z"}]`,
			CreatedOn: at.Add(-2 * time.Minute), ModifiedOn: at, ExitedOn: &at},
		FlowUUID: exampleFlowRef.UUID, FlowName: exampleFlowRef.Name,
		ContactUUID: exampleContact.UUID, ContactName: exampleContact.Name, StartUUID: &startUUID,
		URN: &models.ContactURN{Identity: "tel:+250788123123", Scheme: "tel", Path: "+250788123123"},
	}
}()

var runsListDocs = OperationDocs{Title: "List Flow Runs",
	Params: []Param{
		{Name: "uuid", Help: "A run UUID to filter by"},
		{Name: "id", Help: "A run id to filter by (deprecated)"},
		{Name: "flow", Help: "A flow UUID to filter by, e.g. f5901b62-ba76-4003-9c62-72fdacc1b7b7"},
		{Name: "contact", Help: "A contact UUID to filter by (deprecated; not with flow)"},
		{Name: "responded", Help: "Set to true to list only runs with responses from their contacts"},
		{Name: "before", Help: "Only return runs modified before this date, e.g. 2015-01-28T18:00:00.000"},
		{Name: "after", Help: "Only return runs modified after this date, e.g. 2015-01-28T18:00:00.000"},
		{Name: "reverse", Help: "Set to true to list the least recently modified first"},
		{Name: "paths", Help: "Set to false to leave out the runs' paths (path is then an empty list)"},
	},
	Example: Example{Query: "flow=" + exampleFlowRef.UUID, Status: http.StatusOK, Answer: listAnswer(convertRun, exampleRun)}}

// runContactOut is a run's contact: its highest priority URN, and in anonymous workspaces its reference.
type runContactOut struct {
	UUID        string  `json:"uuid"`
	Name        *string `json:"name"`
	URN         *string `json:"urn"`
	URNDisplay  *string `json:"urn_display"`
	Ref         *string `json:"ref,omitempty"`
	AnonDisplay *string `json:"anon_display,omitempty"`
}

// runContactOutWeni is Weni's: the URN's identity, and no URN at all in anonymous workspaces.
type runContactOutWeni struct {
	UUID string  `json:"uuid"`
	URN  *string `json:"urn"`
	Name *string `json:"name"`
}

type startRef struct {
	UUID string `json:"uuid"`
}

type runStep struct {
	Node string  `json:"node"`
	Time apiTime `json:"time"`
}

// runValue is a result of a run. Input is RapidPro 8's, kept for the clients of that time.
type runValue struct {
	Name     *string `json:"name"`
	Value    any     `json:"value"`
	Category *string `json:"category"`
	Node     string  `json:"node"`
	Time     apiTime `json:"time"`
	Input    *string `json:"input"`
}

// runValueWeni has Weni's key order.
type runValueWeni struct {
	Value    any     `json:"value"`
	Category *string `json:"category"`
	Node     string  `json:"node"`
	Time     apiTime `json:"time"`
	Input    *string `json:"input"`
	Name     *string `json:"name"`
}

// runOut is RapidPro's run, with its deprecated id.
type runOut struct {
	UUID       string              `json:"uuid"`
	Flow       ref                 `json:"flow"`
	Contact    runContactOut       `json:"contact"`
	Start      *startRef           `json:"start"`
	Responded  bool                `json:"responded"`
	Path       *[]runStep          `json:"path"`
	Values     map[string]runValue `json:"values"`
	CreatedOn  apiTime             `json:"created_on"`
	ModifiedOn apiTime             `json:"modified_on"`
	ExitedOn   *apiTime            `json:"exited_on"`
	ExitType   *string             `json:"exit_type"`
	ID         int64               `json:"id"`
}

// runOutWeni is Weni's: id first, and always a path.
type runOutWeni struct {
	ID         int64                   `json:"id"`
	UUID       string                  `json:"uuid"`
	Flow       ref                     `json:"flow"`
	Contact    any                     `json:"contact"`
	Start      *startRef               `json:"start"`
	Responded  bool                    `json:"responded"`
	Path       []runStep               `json:"path"`
	Values     map[string]runValueWeni `json:"values"`
	CreatedOn  apiTime                 `json:"created_on"`
	ModifiedOn apiTime                 `json:"modified_on"`
	ExitedOn   *apiTime                `json:"exited_on"`
	ExitType   *string                 `json:"exit_type"`
}

// runExitTypes are how runs that ended ended; a run still going has none.
var runExitTypes = map[models.RunStatus]string{
	models.RunCompleted: "completed", models.RunInterrupted: "interrupted", models.RunExpired: "expired", models.RunFailed: "failed",
}

// convertRun writes a run with its path. The examples show it; listRuns may leave the path out.
func convertRun(c *Ctx, r *models.RunListing) any {
	out, err := writeRun(c, r, true)
	if err != nil {
		panic(err) // only examples come this way, and they are fixed values
	}
	return out
}

func writeRun(c *Ctx, r *models.RunListing, withPath bool) (any, error) {
	var results map[string]models.RunResult
	if err := models.DecodeRunJSON(r.Results, &results); err != nil {
		return nil, fmt.Errorf("results of run %d: %w", r.ID, err)
	}
	var steps []models.RunStep
	if err := models.DecodeRunJSON(r.Path, &steps); err != nil {
		return nil, fmt.Errorf("path of run %d: %w", r.ID, err)
	}
	path := make([]runStep, len(steps))
	for i, s := range steps {
		t, err := parseISO8601(s.Time)
		if err != nil {
			return nil, fmt.Errorf("path of run %d: %w", r.ID, err)
		}
		path[i] = runStep{Node: s.Node, Time: apiTime(t)}
	}

	flow := ref{UUID: r.FlowUUID, Name: r.FlowName}
	var start *startRef
	if r.StartUUID != nil {
		start = &startRef{UUID: *r.StartUUID}
	}
	var exitedOn *apiTime
	if r.ExitedOn != nil {
		t := apiTime(*r.ExitedOn)
		exitedOn = &t
	}
	var exitType *string
	if t, ok := runExitTypes[r.Status]; ok {
		exitType = &t
	}

	if c.weni() {
		values := make(map[string]runValueWeni, len(results))
		for key, res := range results {
			t, err := parseISO8601(res.CreatedOn)
			if err != nil {
				return nil, fmt.Errorf("result %q of run %d: %w", key, r.ID, err)
			}
			values[key] = runValueWeni{Value: res.Value, Category: res.Category, Node: res.NodeUUID, Time: apiTime(t), Input: res.Input, Name: res.Name}
		}
		return runOutWeni{ID: r.ID, UUID: r.UUID, Flow: flow, Contact: runContactWeni(c, r), Start: start, Responded: r.Responded,
			Path: path, Values: values, CreatedOn: apiTime(r.CreatedOn), ModifiedOn: apiTime(r.ModifiedOn), ExitedOn: exitedOn, ExitType: exitType}, nil
	}

	values := make(map[string]runValue, len(results))
	for key, res := range results {
		t, err := parseISO8601(res.CreatedOn)
		if err != nil {
			return nil, fmt.Errorf("result %q of run %d: %w", key, r.ID, err)
		}
		values[key] = runValue{Name: res.Name, Value: res.Value, Category: res.Category, Node: res.NodeUUID, Time: apiTime(t), Input: res.Input}
	}
	out := runOut{UUID: r.UUID, Flow: flow, Contact: runContact(c, r), Start: start, Responded: r.Responded, Values: values,
		CreatedOn: apiTime(r.CreatedOn), ModifiedOn: apiTime(r.ModifiedOn), ExitedOn: exitedOn, ExitType: exitType, ID: r.ID}
	if !withPath {
		// RapidPro answers null, which the official Python client (get_runs(paths=False)) fails on: an
		// empty list serves it and every other client
		path = []runStep{}
	}
	out.Path = &path
	return out, nil
}

// runContact is the run's contact as RapidPro summarizes it: its top URN and how it reads, masked in
// anonymous workspaces, which show the contact's reference instead.
func runContact(c *Ctx, r *models.RunListing) runContactOut {
	out := runContactOut{UUID: r.ContactUUID, Name: r.ContactName}
	anon := c.ws().IsAnon
	if r.URN != nil {
		u := urns.FromParts(r.URN.Scheme, r.URN.Path, "", deref(r.URN.Display))
		s := urns.ForAPI(u, anon, false)
		out.URN = &s
		if !anon {
			d := urns.Display(u)
			out.URNDisplay = &d
		}
	}
	if anon {
		anonRef := contactRef(c.ws(), r.ContactID)
		out.Ref, out.AnonDisplay = &anonRef, &anonRef
	}
	return out
}

func runContactWeni(c *Ctx, r *models.RunListing) any {
	if c.ws().IsAnon {
		return contactRefOut{UUID: r.ContactUUID, Name: r.ContactName}
	}
	out := runContactOutWeni{UUID: r.ContactUUID, Name: r.ContactName}
	if r.URN != nil {
		identity := r.URN.Identity
		out.URN = &identity
	}
	return out
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func listRuns(c *Ctx) error {
	if err := exclusiveParams(c.query, "contact", "flow"); err != nil {
		return err
	}
	q, err := filterUUIDAndID(c, c.store().Runs(c.ws().ID).ModifiedIn(timeRange(c.query)))
	if err != nil {
		return err
	}
	flow, err := uuidParam(c.query, "flow")
	if err != nil {
		return err
	}
	if flow != "" {
		q = q.InFlow(flow)
	}
	if vals := c.query["contact"]; len(vals) > 0 && vals[len(vals)-1] != "" {
		// RapidPro fails on a contact that isn't a UUID; no contact has it, so nothing matches
		u, _ := normalizeUUID(vals[len(vals)-1])
		q = q.OfContact(u)
	}
	if queryBool(c.query, "responded") {
		q = q.Responded()
	}

	withPath := c.weni() || !c.query.Has("paths") || queryBool(c.query, "paths")
	return respondPage(c, order{reversible: true}, q.Page,
		func(rows []models.RunListing) ([]any, error) {
			out := make([]any, len(rows))
			for i := range rows {
				var err error
				if out[i], err = writeRun(c, &rows[i], withPath); err != nil {
					return nil, err
				}
			}
			return out, nil
		})
}
