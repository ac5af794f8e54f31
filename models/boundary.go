package models

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// BoundaryLevel is how deep a boundary is in its country's tree: RapidPro's (and the engine's) levels.
type BoundaryLevel int

const (
	LevelCountry  BoundaryLevel = 0
	LevelState    BoundaryLevel = 1
	LevelDistrict BoundaryLevel = 2
	LevelWard     BoundaryLevel = 3
)

// MaxBoundaryLevel is the deepest level the engine resolves locations at (a ward).
const MaxBoundaryLevel = LevelWard

// Bounds of a boundary's OSM id, name and aliases (RapidPro's column sizes).
const (
	MaxBoundaryOSMIDLen = 15
	MaxBoundaryNameLen  = 128
)

// PathSeparator joins the names of a boundary's path: "Rwanda > Kigali City", the engine's location paths.
const PathSeparator = " > "

// Boundary is one of a workspace's administrative boundaries. Its path is the names from the country down,
// which is how location field values refer to it.
type Boundary struct {
	ID          int64 `gorm:"primaryKey"`
	WorkspaceID int64
	OSMID       string `gorm:"column:osm_id"`
	Name        string
	Level       BoundaryLevel
	ParentID    *int64
	Path        string
	Aliases     string  // a JSON list of names, sorted
	Geometry    *string // a GeoJSON MultiPolygon
	CreatedOn   time.Time
	ModifiedOn  time.Time
}

func (Boundary) TableName() string { return "boundaries" }

// AliasList is the boundary's aliases.
func (b *Boundary) AliasList() []string {
	var out []string
	_ = json.Unmarshal([]byte(b.Aliases), &out)
	return out
}

// BoundaryListing is a boundary with its parent's OSM id and name.
type BoundaryListing struct {
	Boundary
	ParentOSMID *string `gorm:"column:parent_osm_id"`
	ParentName  *string
}

// BoundaryQuery builds a listing of a workspace's boundaries, ordered by OSM id as RapidPro orders them.
type BoundaryQuery struct {
	query[BoundaryListing]
}

// Boundaries starts a listing of the workspace's boundaries. Their geometry is left out unless asked for.
func (s *Store) Boundaries(workspaceID int64) *BoundaryQuery {
	q := &BoundaryQuery{newQuery(s, "boundaries AS b", "b.osm_id", "b.id",
		func(b *BoundaryListing) Position { return Position{Key: b.OSMID, ID: b.ID} })}
	q.l.textKey = true
	q.l.sel = "b.id, b.workspace_id, b.osm_id, b.name, b.level, b.parent_id, b.path, b.aliases, NULL AS geometry, b.created_on, b.modified_on, " +
		"p.osm_id AS parent_osm_id, p.name AS parent_name"
	q.l.joins = []string{"LEFT JOIN boundaries p ON p.id = b.parent_id"}
	q.l.and("b.workspace_id = ?", workspaceID)
	return q
}

// WithGeometry reads the boundaries' geometry too.
func (q *BoundaryQuery) WithGeometry() *BoundaryQuery {
	q.l.sel = strings.Replace(q.l.sel, "NULL AS geometry", "b.geometry", 1)
	return q
}

// BoundarySpec is one boundary of an import: who its parent is, by OSM id.
type BoundarySpec struct {
	OSMID       string
	Name        string
	Level       BoundaryLevel
	ParentOSMID string // "" for the country
	Aliases     []string
	Geometry    *string
}

// BoundaryImport is what an import did: how many boundaries each level has now, and how many were added,
// updated (anything about them changed or not) and removed.
type BoundaryImport struct {
	Levels  map[BoundaryLevel]int
	Added   int
	Updated int
	Removed int
}

// CheckBoundaryTree checks that boundaries make one country's tree: one country, every other boundary's parent
// in the tree one level up, no OSM id twice. It answers the boundaries parents first.
func CheckBoundaryTree(specs []BoundarySpec) ([]BoundarySpec, error) {
	byOSM := map[string]*BoundarySpec{}
	countries := 0
	for i := range specs {
		b := &specs[i]
		if byOSM[b.OSMID] != nil {
			return nil, fmt.Errorf("boundary %s (%s) is given twice", b.OSMID, b.Name)
		}
		byOSM[b.OSMID] = b
		if b.Level == LevelCountry {
			countries++
		}
	}
	if countries != 1 {
		return nil, fmt.Errorf("the boundaries must hold exactly one country (level 0), they hold %d", countries)
	}
	for _, b := range specs {
		if b.Level == LevelCountry {
			continue
		}
		p := byOSM[b.ParentOSMID]
		if p == nil {
			return nil, fmt.Errorf("boundary %s (%s) has parent %q, which is not among the boundaries", b.OSMID, b.Name, b.ParentOSMID)
		}
		if p.Level != b.Level-1 {
			return nil, fmt.Errorf("boundary %s (%s) is at level %d but its parent %s is at level %d", b.OSMID, b.Name, b.Level, p.OSMID, p.Level)
		}
	}
	sorted := slices.Clone(specs)
	slices.SortStableFunc(sorted, func(x, y BoundarySpec) int { return int(x.Level - y.Level) })
	return sorted, nil
}

// ImportBoundaries makes a workspace's boundaries those given (a checked tree, see CheckBoundaryTree), in one
// transaction that moves the config version on: boundaries are matched by OSM id and updated, new ones made,
// and those no longer given removed, as RapidPro's import removes what it didn't see.
func (s *Store) ImportBoundaries(ctx context.Context, workspaceID int64, specs []BoundarySpec) (*BoundaryImport, error) {
	specs, err := CheckBoundaryTree(specs)
	if err != nil {
		return nil, err
	}
	res := &BoundaryImport{Levels: map[BoundaryLevel]int{}}
	err = s.writeConfig(ctx, func(tx *Tx) error {
		var existing []Boundary
		if err := tx.db.Select("id, osm_id, created_on").Where("workspace_id = ?", workspaceID).Find(&existing).Error; err != nil {
			return err
		}
		old := make(map[string]Boundary, len(existing))
		for _, b := range existing {
			old[b.OSMID] = b
		}
		now := s.now()
		saved := make(map[string]*Boundary, len(specs))
		for _, spec := range specs {
			aliases, _ := json.Marshal(cleanAliases(spec.Aliases))
			b := &Boundary{WorkspaceID: workspaceID, OSMID: spec.OSMID, Name: spec.Name, Level: spec.Level, Path: spec.Name,
				Aliases: string(aliases), Geometry: spec.Geometry, CreatedOn: now, ModifiedOn: now}
			if p := saved[spec.ParentOSMID]; p != nil && spec.Level != LevelCountry {
				b.ParentID, b.Path = &p.ID, p.Path+PathSeparator+spec.Name
			}
			if prev, ok := old[spec.OSMID]; ok {
				b.ID, b.CreatedOn = prev.ID, prev.CreatedOn
				err = tx.db.Model(b).Select("name", "level", "parent_id", "path", "aliases", "geometry", "modified_on").Updates(b).Error
				res.Updated++
			} else {
				err = tx.db.Create(b).Error
				res.Added++
			}
			if err != nil {
				return err
			}
			saved[spec.OSMID] = b
			res.Levels[spec.Level]++
		}
		// what wasn't given goes, deepest first so no boundary outlives its parent
		var gone []int64
		for i := len(existing) - 1; i >= 0; i-- {
			if saved[existing[i].OSMID] == nil {
				gone = append(gone, existing[i].ID)
			}
		}
		res.Removed = len(gone)
		for level := MaxBoundaryLevel; level >= LevelCountry && len(gone) > 0; level-- {
			if err := tx.db.Where("id IN ? AND level = ?", gone, level).Delete(&Boundary{}).Error; err != nil {
				return err
			}
		}
		return nil
	}, workspaceID)
	if err != nil {
		return nil, err
	}
	return res, nil
}

// cleanAliases trims aliases, drops empty ones and repeats (ignoring case) and sorts them by name, as
// boundaries.json lists them.
func cleanAliases(aliases []string) []string {
	out := []string{}
	seen := map[string]bool{}
	for _, a := range aliases {
		a = strings.TrimSpace(a)
		if a == "" || seen[strings.ToLower(a)] {
			continue
		}
		seen[strings.ToLower(a)] = true
		out = append(out, a)
	}
	slices.Sort(out)
	return out
}

// BoundaryTree reads all of a workspace's boundaries without their geometry, parents before children: what the
// engine resolves locations with.
func (s *Store) BoundaryTree(ctx context.Context, workspaceID int64) ([]Boundary, error) {
	var rows []Boundary
	err := s.read(ctx).Select("id, osm_id, name, level, parent_id, path, aliases").Where("workspace_id = ?", workspaceID).
		Order("level, osm_id, id").Find(&rows).Error
	return rows, err
}
