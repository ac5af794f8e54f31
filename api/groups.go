package api

import (
	"net/http"

	"github.com/flowsd/flowsd/models"
)

var exampleGroup = models.Group{UUID: "5f05311e-8f81-4a67-a5b5-1501b6d6496a", Name: "Reporters", Status: models.GroupReady}

var groupsListDocs = OperationDocs{Title: "List Contact Groups",
	Params: []Param{
		{Name: "uuid", Help: "A contact group UUID to filter by"},
		{Name: "name", Help: "A contact group name to filter by (case-insensitive)"},
		{Name: "manual_only", Help: "Set to 1 to list only manual groups (no smart or system groups)"},
	},
	Example: Example{Query: "name=Reporters", Status: http.StatusOK, Answer: listAnswer(convertGroup, exampleGroup)}}

var groupsWriteDocs = OperationDocs{Title: "Add or Update Contact Groups",
	Params:  []Param{{Name: "uuid", Help: "The UUID of the contact group to update"}},
	Fields:  []Param{{Name: "name", Required: true, Help: "The name of the contact group"}},
	Example: Example{Body: map[string]any{"name": "Reporters"}, Status: http.StatusCreated, Answer: objectAnswer(convertGroup, exampleGroup)},
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

// convertGroup writes a group. Counts are of members; membership arrives with contacts, so there are none.
func convertGroup(c *Ctx, g *models.Group) any {
	if c.weni() {
		return groupOutWeni{UUID: g.UUID, Name: g.Name, Query: g.Query, Status: g.Status}
	}
	return groupOut{UUID: g.UUID, Name: g.Name, Query: g.Query, Status: g.Status, System: g.IsSystem}
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
		output:   convertGroup,
	}
}

func listGroups(c *Ctx) error {
	if err := exclusiveParams(c.query, "uuid", "name"); err != nil {
		return err
	}
	q := c.store().GroupsQuery(c.Request().Context(), c.ws().ID)
	uuid, err := uuidParam(c.query, "uuid")
	if err != nil {
		return err
	}
	if uuid != "" {
		q = q.Where("uuid = ?", uuid)
	}
	if name := c.query.Get("name"); name != "" {
		q = q.Where("LOWER(name) = LOWER(?)", name)
	}
	if queryBool(c.query, "manual_only") {
		q = q.Where("query IS NULL AND NOT is_system")
	}
	return respondPage(c, q, ordering{column: "contact_groups.created_on", idColumn: "contact_groups.id"},
		func(g *models.Group) models.Position { return models.Position{Time: g.CreatedOn, ID: g.ID} },
		convertEach(func(g *models.Group) any { return convertGroup(c, g) }))
}

func writeGroup(c *Ctx) error { return writeNamed(c, groupKind(c.store())) }

func deleteGroup(c *Ctx) error { return deleteNamed(c, groupKind(c.store()), c.store().DeleteGroup) }
