package api

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/flowsd/flowsd/models"
)

var exampleBoundary = models.BoundaryListing{
	Boundary: models.Boundary{ID: 2, OSMID: "1708283", Name: "Kigali City", Level: models.LevelState, Path: "Rwanda > Kigali City",
		Aliases: `["Kigali","Kigari"]`, Geometry: ptr(`{"type":"MultiPolygon","coordinates":[[[[7.5251021,5.0504713],[7.5330272,5.0423498],[7.5251021,5.0504713]]]]}`),
		CreatedOn: time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)},
	ParentOSMID: ptr("171496"), ParentName: ptr("Rwanda"),
}

var boundariesListDocs = OperationDocs{Title: "List Administrative Boundaries",
	Params: []Param{{Name: "geometry", Help: "Whether to include the simplified geometry of each boundary (true or false, default false)"}},
	Example: Example{Query: "geometry=true", Status: http.StatusOK,
		Answer: listAnswer(convertBoundary, exampleBoundary)}}

// boundaryOut is RapidPro's boundary: geometry is null unless asked for (v8.3's rule, kept in both profiles).
type boundaryOut struct {
	OSMID    string           `json:"osm_id"`
	Name     string           `json:"name"`
	Parent   *boundaryRef     `json:"parent"`
	Level    int              `json:"level"`
	Aliases  []string         `json:"aliases"`
	Geometry *json.RawMessage `json:"geometry"`
}

type boundaryRef struct {
	OSMID string `json:"osm_id"`
	Name  string `json:"name"`
}

func convertBoundary(c *Ctx, b *models.BoundaryListing) any {
	out := boundaryOut{OSMID: b.OSMID, Name: b.Name, Level: int(b.Level), Aliases: b.AliasList()}
	if out.Aliases == nil {
		out.Aliases = []string{}
	}
	if b.ParentOSMID != nil && b.ParentName != nil {
		out.Parent = &boundaryRef{OSMID: *b.ParentOSMID, Name: *b.ParentName}
	}
	if b.Geometry != nil {
		raw := json.RawMessage(*b.Geometry)
		out.Geometry = &raw
	}
	return out
}

// listBoundaries answers a page of the workspace's boundaries, by OSM id. They are imported with flowsd
// boundaries import, which moves the config version, so the answer may be cached.
func listBoundaries(c *Ctx) error {
	q := c.store().Boundaries(c.ws().ID)
	if queryBool(c.query, "geometry") {
		q = q.WithGeometry()
	}
	return respondPage(c, order{ascending: true}, q.Page, convertEach(func(b *models.BoundaryListing) any { return convertBoundary(c, b) }))
}
