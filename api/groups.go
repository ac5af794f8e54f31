package api

import (
	"errors"
	"net/http"

	"github.com/flowsd/flowsd/flows"
	"github.com/flowsd/flowsd/models"
)

var exampleGroup = models.Group{UUID: "5f05311e-8f81-4a67-a5b5-1501b6d6496a", Name: "Reporters", Status: models.GroupReady}

// countedGroup is a group with its member count, as groups are written.
type countedGroup struct {
	models.Group
	Count int64
}

func convertCountedGroup(c *Ctx, g *countedGroup) any { return convertGroup(c, &g.Group, g.Count) }

var groupsListDocs = OperationDocs{Title: "List Contact Groups",
	Params: []Param{
		{Name: "uuid", Help: "A contact group UUID to filter by"},
		{Name: "name", Help: "A contact group name to filter by (case-insensitive)"},
		{Name: "manual_only", Help: "Set to 1 to list only manual groups (no smart or system groups)"},
	},
	Example: Example{Query: "name=Reporters", Status: http.StatusOK, Answer: listAnswer(convertCountedGroup, countedGroup{Group: exampleGroup, Count: 315})}}

var groupsWriteDocs = OperationDocs{Title: "Add or Update Contact Groups",
	Params: []Param{{Name: "uuid", Help: "The UUID of the contact group to update"}},
	Fields: []Param{
		{Name: "name", Required: true, Help: "The name of the contact group"},
		{Name: "query", Help: "For a smart group, the contact query its members match, e.g. age > 18 (a flowsd extension)"},
	},
	Example: Example{Body: map[string]any{"name": "Reporters"}, Status: http.StatusCreated, Answer: objectAnswer(convertCountedGroup, countedGroup{Group: exampleGroup})},
	Limited: true}

var groupsDeleteDocs = OperationDocs{Title: "Delete Contact Groups",
	Params:  []Param{{Name: "uuid", Required: true, Help: "The UUID of the contact group to delete"}},
	Example: Example{Query: "uuid=" + exampleGroup.UUID, Status: http.StatusNoContent}}

type groupOut struct {
	UUID   string  `json:"uuid"`
	Name   string  `json:"name"`
	Query  *string `json:"query"`
	Status string  `json:"status"`
	System bool    `json:"system"`
	Count  int64   `json:"count"`
}

// groupOutWeni is Weni's shape: no system flag.
type groupOutWeni struct {
	UUID   string  `json:"uuid"`
	Name   string  `json:"name"`
	Query  *string `json:"query"`
	Status string  `json:"status"`
	Count  int64   `json:"count"`
}

// convertGroup writes a group with its member count.
func convertGroup(c *Ctx, g *models.Group, count int64) any {
	if c.weni() {
		return groupOutWeni{UUID: g.UUID, Name: g.Name, Query: g.Query, Status: string(g.Status), Count: count}
	}
	return groupOut{UUID: g.UUID, Name: g.Name, Query: g.Query, Status: string(g.Status), System: g.IsSystem, Count: count}
}

// convertGroupCounted writes one group, counting its members.
func convertGroupCounted(c *Ctx, g *models.Group) any {
	counts, _ := c.store().GroupCounts(c.Request().Context(), []int64{g.ID})
	return convertGroup(c, g, counts[g.ID])
}

func groupKind(s *models.Store) namedKind[models.Group] {
	return namedKind[models.Group]{
		limit:    "groups",
		maxLen:   models.MaxGroupNameLen,
		get:      s.GetGroup,
		id:       func(g *models.Group) int64 { return g.ID },
		isSystem: func(g *models.Group) bool { return g.IsSystem },
		taken:    s.GroupNameTaken,
		create:   s.CreateGroup,
		rename:   s.RenameGroup,
		output:   convertGroupCounted,
	}
}

func listGroups(c *Ctx) error {
	q, err := filterUUIDOrName(c, c.store().Groups(c.ws().ID))
	if err != nil {
		return err
	}
	if queryBool(c.query, "manual_only") {
		q = q.ManualOnly()
	}
	return respondPage(c, order{}, q.Page,
		func(groups []models.Group) ([]any, error) {
			ids := make([]int64, len(groups))
			for i := range groups {
				ids[i] = groups[i].ID
			}
			counts, err := c.store().GroupCounts(c.Request().Context(), ids)
			if err != nil {
				return nil, err
			}
			out := make([]any, len(groups))
			for i := range groups {
				out[i] = convertGroup(c, &groups[i], counts[groups[i].ID])
			}
			return out, nil
		})
}

// writeGroup creates or renames a manual group; with a query (our extension) it creates or updates a smart
// group, whose members are then worked out in the background (status evaluating, then ready).
func writeGroup(c *Ctx) error {
	kind := groupKind(c.store())
	group, err := lookupForWrite(c, kind)
	if err != nil {
		return err
	}
	in, err := c.body()
	if err != nil {
		return err
	}
	if raw, hasQuery := in.values["query"]; !hasQuery || raw == nil {
		return saveNamed(c, kind, group, in)
	}
	return saveSmartGroup(c, group, in)
}

func saveSmartGroup(c *Ctx, group *models.Group, in *input) error {
	ctx := c.Request().Context()
	store, ws := c.store(), c.ws()
	var err error
	var exceptID int64
	if group != nil {
		exceptID = group.ID
	}

	var dbErr error
	v := &validation{}
	name, _, _ := in.char(v, "name", charField{required: true, maxLen: models.MaxGroupNameLen,
		validators: []func(string) []string{nameValidator(models.MaxGroupNameLen), uniqueName(c, store.GroupNameTaken, exceptID, &dbErr)}})
	text, _, queryOK := in.char(v, "query", charField{required: true, maxLen: 10000})
	if dbErr != nil {
		return dbErr
	}
	var canonical string
	if queryOK && text != nil {
		switch q, err := flows.ParseQuery(ctx, store, ws, *text); {
		case err != nil:
			var invalid *flows.QueryError
			if !errors.As(err, &invalid) {
				return err
			}
			v.add("query", err.Error())
		case !q.AllowedAsGroup():
			v.add("query", `You cannot create a smart group based on "id" or "group".`)
		default:
			canonical = q.String()
		}
	}
	if group != nil && group.Query == nil {
		v.add("query", "A manual group can't be given a query.")
	}
	if v.failed() {
		return errValidation(v)
	}

	status := http.StatusOK
	if group == nil {
		group, err = store.CreateSmartGroup(ctx, ws.ID, *name, canonical)
		status = http.StatusCreated
	} else {
		err = store.UpdateSmartGroup(ctx, group, *name, canonical)
	}
	if err := writeError(err, "name"); err != nil {
		return err
	}
	return c.respond(status, convertGroup(c, group, 0))
}

// reevaluateGroups sets smart groups evaluating: the group workers work out their members again.
func reevaluateGroups(c *Ctx, groups []models.Group) error {
	ids := make([]int64, len(groups))
	for i := range groups {
		ids[i] = groups[i].ID
	}
	if err := c.store().MarkGroupsEvaluating(c.Request().Context(), c.ws().ID, ids); err != nil {
		return err
	}
	for i := range groups {
		groups[i].Status = models.GroupEvaluating
	}
	return nil
}

func deleteGroup(c *Ctx) error { return deleteNamed(c, groupKind(c.store()), c.store().DeleteGroup) }
