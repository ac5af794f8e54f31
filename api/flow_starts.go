package api

import (
	"net/http"
	"time"

	"github.com/flowsd/flowsd/models"
)

var exampleFlowRef = ref{UUID: "f5901b62-ba76-4003-9c62-72fdacc1b7b7", Name: "Registration"}

var exampleStart = models.StartListing{
	FlowStart: models.FlowStart{ID: 1, UUID: "93a624ad-5440-415e-b49f-17bf42754acb", Status: models.StartPending,
		Params: `{"first_name":"Ryan","last_name":"Lewis"}`, RestartParticipants: true, ContactCount: -1,
		CreatedOn: exampleTime.Add(2 * time.Hour), ModifiedOn: exampleTime.Add(2 * time.Hour)},
	FlowUUID: exampleFlowRef.UUID, FlowName: exampleFlowRef.Name,
	Contacts: []models.ContactRef{{UUID: exampleContact.UUID, Name: exampleContact.Name}},
	Groups:   []models.GroupRef{},
}

var flowStartsListDocs = OperationDocs{Title: "List Flow Starts",
	Params: []Param{
		{Name: "uuid", Help: "A flow start UUID to filter by"},
		{Name: "id", Help: "A flow start id to filter by (deprecated)"},
		{Name: "before", Help: "Only return flow starts modified before this date, e.g. 2015-01-28T18:00:00.000"},
		{Name: "after", Help: "Only return flow starts modified after this date, e.g. 2015-01-28T18:00:00.000"},
		{Name: "reverse", Help: "Set to true to list the least recently modified first"},
	},
	Example: Example{Query: "after=2016-01-01T00:00:00.000", Status: http.StatusOK, Answer: listAnswer(convertStart, exampleStart)}}

var flowStartsWriteDocs = OperationDocs{Title: "Start Contacts in a Flow",
	Fields: []Param{
		{Name: "flow", Required: true, Help: "The UUID of the flow to start"},
		{Name: "groups", Help: "The UUIDs or names of the contact groups to start (up to 100)", Type: "array"},
		{Name: "contacts", Help: "The UUIDs or URNs of the contacts to start (up to 100)", Type: "array"},
		{Name: "urns", Help: "The URNs to start (up to 100); contacts are created for URNs nobody has", Type: "array"},
		{Name: "restart_participants", Help: "Whether to restart contacts who were already in the flow (default true)", Type: "boolean"},
		{Name: "exclude_active", Help: "Whether to leave out contacts who are in a flow now (default false)", Type: "boolean"},
		{Name: "params", Help: "An object the flow reads as @trigger.params (at most 10,000 characters as JSON)", Type: "object"},
		{Name: "extra", Help: "The old name of params (deprecated)", Type: "object"},
	},
	Example: Example{Body: map[string]any{"flow": exampleFlowRef.UUID, "contacts": []any{exampleContact.UUID},
		"params": map[string]any{"first_name": "Ryan", "last_name": "Lewis"}},
		Status: http.StatusCreated, Answer: objectAnswer(convertStart, exampleStart)}}

type startProgress struct {
	Total   int   `json:"total"`
	Started int64 `json:"started"`
}

// contactRefOut is a contact as other objects refer to it; its name may be null.
type contactRefOut struct {
	UUID string  `json:"uuid"`
	Name *string `json:"name"`
}

// contactRefsOut and groupRefsOut write the contacts and groups a start or broadcast was given: lists, never null.
func contactRefsOut(refs []models.ContactRef) []contactRefOut {
	out := make([]contactRefOut, len(refs))
	for i, ct := range refs {
		out[i] = contactRefOut{UUID: ct.UUID, Name: ct.Name}
	}
	return out
}

func groupRefsOut(refs []models.GroupRef) []ref {
	out := make([]ref, len(refs))
	for i, g := range refs {
		out[i] = ref{UUID: g.UUID, Name: g.Name}
	}
	return out
}

// flowStartOut is RapidPro's flow start, with its deprecated fields.
type flowStartOut struct {
	UUID                string          `json:"uuid"`
	Flow                ref             `json:"flow"`
	Status              string          `json:"status"`
	Progress            startProgress   `json:"progress"`
	Groups              []ref           `json:"groups"`
	Contacts            []contactRefOut `json:"contacts"`
	Params              *jsonObject     `json:"params"`
	CreatedOn           apiTime         `json:"created_on"`
	ModifiedOn          apiTime         `json:"modified_on"`
	ID                  int64           `json:"id"`
	Extra               *jsonObject     `json:"extra"`
	RestartParticipants bool            `json:"restart_participants"`
	ExcludeActive       bool            `json:"exclude_active"`
}

// flowStartOutWeni is Weni's: no progress, and the old status words.
type flowStartOutWeni struct {
	ID                  int64           `json:"id"`
	UUID                string          `json:"uuid"`
	Flow                ref             `json:"flow"`
	Status              string          `json:"status"`
	Groups              []ref           `json:"groups"`
	Contacts            []contactRefOut `json:"contacts"`
	RestartParticipants bool            `json:"restart_participants"`
	ExcludeActive       bool            `json:"exclude_active"`
	Extra               *jsonObject     `json:"extra"`
	Params              *jsonObject     `json:"params"`
	CreatedOn           apiTime         `json:"created_on"`
	ModifiedOn          apiTime         `json:"modified_on"`
}

// weniStartStatuses are RapidPro 7's words, which Weni speaks; it never interrupts a start, so an interrupted
// one has failed.
var weniStartStatuses = map[models.StartStatus]string{
	models.StartPending: "pending", models.StartQueued: "starting", models.StartStarted: "starting",
	models.StartCompleted: "complete", models.StartFailed: "failed", models.StartInterrupted: "failed",
}

func convertStart(c *Ctx, s *models.StartListing) any {
	flow := ref{UUID: s.FlowUUID, Name: s.FlowName}
	groups, contacts := groupRefsOut(s.Groups), contactRefsOut(s.Contacts)
	params := storedObject(s.Params)

	if c.weni() {
		return flowStartOutWeni{ID: s.ID, UUID: s.UUID, Flow: flow, Status: weniStartStatuses[s.Status], Groups: groups,
			Contacts: contacts, RestartParticipants: s.RestartParticipants, ExcludeActive: s.ExcludeActive, Extra: params,
			Params: params, CreatedOn: apiTime(s.CreatedOn), ModifiedOn: apiTime(s.ModifiedOn)}
	}
	// RapidPro shows a total of 0 as -1 too (contact_count or -1)
	total := s.ContactCount
	if total <= 0 {
		total = -1
	}
	return flowStartOut{UUID: s.UUID, Flow: flow, Status: string(s.Status), Progress: startProgress{Total: total, Started: s.RunCount},
		Groups: groups, Contacts: contacts, Params: params, CreatedOn: apiTime(s.CreatedOn), ModifiedOn: apiTime(s.ModifiedOn),
		ID: s.ID, Extra: params, RestartParticipants: s.RestartParticipants, ExcludeActive: s.ExcludeActive}
}

// storedObject reads a JSON object the store holds, keeping its key order; anything else reads as {}.
func storedObject(text string) *jsonObject {
	if v, err := decodeOrdered([]byte(text)); err == nil {
		if obj, ok := v.(*jsonObject); ok {
			return obj
		}
	}
	return newJSONObject()
}

func listFlowStarts(c *Ctx) error {
	q, err := filterUUIDAndID(c, c.store().Starts(c.ws().ID).ModifiedIn(timeRange(c.query)))
	if err != nil {
		return err
	}
	return respondPage(c, order{reversible: true}, q.Page, convertEach(func(s *models.StartListing) any { return convertStart(c, s) }))
}
