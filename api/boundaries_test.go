package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/testdb"
)

// TestBoundariesPaging walks a tree of 600 boundaries forwards with next and back with previous: each is seen
// once each way, in OSM id order (as text: R10 before R9), and another workspace's never.
func TestBoundariesPaging(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newEnv(t, d, envOptions{})
		ctx := context.Background()
		specs := []models.BoundarySpec{{OSMID: "R1", Name: "Country", Level: models.LevelCountry}}
		for i := 0; i < 599; i++ {
			specs = append(specs, models.BoundarySpec{OSMID: fmt.Sprintf("R%d", 2+i), Name: fmt.Sprintf("State %d", i),
				Level: models.LevelState, ParentOSMID: "R1"})
		}
		_, err := e.store.ImportBoundaries(ctx, e.ws["nyaruka"].ID, specs)
		e.must(err)
		_, err = e.store.ImportBoundaries(ctx, e.ws["trileet"].ID, []models.BoundarySpec{
			{OSMID: "R1", Name: "Theirs", Level: models.LevelCountry}, {OSMID: "R20", Name: "Their State", Level: models.LevelState, ParentOSMID: "R1"}})
		e.must(err)
		var want []string
		for _, s := range specs {
			want = append(want, s.OSMID)
		}
		slices.Sort(want)

		osmIDs := func(p pageOf) []string {
			var out []string
			for _, r := range p.Results {
				var b struct {
					OSMID string `json:"osm_id"`
					Name  string
				}
				e.must(json.Unmarshal(r, &b))
				if b.Name == "Theirs" || b.Name == "Their State" {
					t.Fatalf("another workspace's boundary listed: %s", r)
				}
				out = append(out, b.OSMID)
			}
			return out
		}
		var got []string
		var pages []pageOf
		const path0 = "/api/v2/boundaries.json"
		path := path0
		for path != "" {
			p := e.getPage(path, "admin")
			pages = append(pages, p)
			got = append(got, osmIDs(p)...)
			path = ""
			if p.Next != nil {
				path = pathOf(t, *p.Next)
			}
		}
		if len(pages) != 3 || !slices.Equal(got, want) {
			t.Fatalf("forwards: %d pages, %d boundaries, want 3 pages of the %d in order", len(pages), len(got), len(want))
		}
		var back []string
		for p := pages[len(pages)-1]; p.Previous != nil; {
			p = e.getPage(pathOf(t, *p.Previous), "admin")
			back = append(osmIDs(p), back...)
		}
		if !slices.Equal(back, want[:500]) {
			t.Fatalf("backwards from the last page: %d boundaries, want the first 500 in order", len(back))
		}

		// importing again replaces this workspace's tree, never another's
		res, err := e.store.ImportBoundaries(ctx, e.ws["nyaruka"].ID, specs[:2])
		e.must(err)
		if res.Updated != 2 || res.Removed != 598 || res.Added != 0 {
			t.Fatalf("re-import: %+v", res)
		}
		if n := e.countRows("boundaries", "workspace_id = ?", e.ws["trileet"].ID); n != 2 {
			t.Fatalf("another workspace's boundaries: %d, want its 2", n)
		}
		if got := osmIDs(e.getPage(path0, "admin")); !slices.Equal(got, []string{"R1", "R2"}) {
			t.Fatalf("after the re-import: %v", got)
		}
	})
}
