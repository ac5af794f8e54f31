package api_test

import (
	"context"
	"os"
	"path/filepath"

	"github.com/flowsd/flowsd/models"
)

// The world of boundaries.json: Nyaruka has Rwanda's tree from the test GeoJSON files (testdata/boundaries),
// Trileet the United States', imported as flowsd boundaries import does; Weni has none.

func init() {
	truthSeeds["boundaries"] = func(e *env) {
		e.importBoundaries("nyaruka", "R171496admin0_simplified.json", "R171496admin1_simplified.json",
			"R171496admin2_simplified.json", "R171496admin3_simplified.json")
		e.importBoundaries("trileet", "us_levels.json")
	}
}

// importBoundaries imports test GeoJSON files into a fixture workspace.
func (e *env) importBoundaries(ws string, files ...string) {
	e.t.Helper()
	var specs []models.BoundarySpec
	for _, name := range files {
		path := filepath.Join("..", "testdata", "boundaries", name)
		data, err := os.ReadFile(path)
		e.must(err)
		got, err := models.ParseBoundaryFile(path, data)
		e.must(err)
		specs = append(specs, got...)
	}
	_, err := e.store.ImportBoundaries(context.Background(), e.ws[ws].ID, specs)
	e.must(err)
}

func init() {
	truthSeeds["contacts_locations"] = truthSeeds["boundaries"]
}
