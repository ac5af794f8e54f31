package models

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// MaxBoundaryFileSize bounds one GeoJSON file of boundaries (a country's simplified districts are a few MB).
const MaxBoundaryFileSize = 64 << 20

// The file names RapidPro's import_geojson reads, which say the level of every feature in them:
// R171496admin1_simplified.json (posm extracts) and admin_level_1_simplified.json.
var (
	posmFileName  = regexp.MustCompile(`^\w*?\d+admin(\d)(_simplified)?\.json$`)
	levelFileName = regexp.MustCompile(`^admin_level_(\d)(_simplified)?\.json$`)
)

// geoFeature is the part of a GeoJSON feature a boundary is read from.
type geoFeature struct {
	Type       string                     `json:"type"`
	Properties map[string]json.RawMessage `json:"properties"`
	Geometry   *struct {
		Type        string          `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
	} `json:"geometry"`
}

// ParseBoundaryFile reads the boundaries of one GeoJSON FeatureCollection in the format RapidPro's boundary
// import reads (posm extracts): each feature's properties give its osm_id, name (name_en for a country, or
// when name is missing), its parent's OSM id (parent_id; or is_in_country, is_in_state, is_in_district by
// level) and optionally aliases (a list of names); its geometry is a Polygon or MultiPolygon, or null. The
// level comes from the file's name (R171496admin1_simplified.json, admin_level_1.json) or else each
// feature's admin_level (0 country, 1 state, 2 district, 3 ward). An error says which feature is wrong.
func ParseBoundaryFile(name string, data []byte) ([]BoundarySpec, error) {
	if len(data) > MaxBoundaryFileSize {
		return nil, fmt.Errorf("%s: larger than %d MB", name, MaxBoundaryFileSize>>20)
	}
	fileLevel := -1
	base := name[strings.LastIndexAny(name, `/\`)+1:]
	if m := posmFileName.FindStringSubmatch(base); m != nil {
		fileLevel, _ = strconv.Atoi(m[1])
	} else if m := levelFileName.FindStringSubmatch(base); m != nil {
		fileLevel, _ = strconv.Atoi(m[1])
	}

	var fc struct {
		Type     string       `json:"type"`
		Features []geoFeature `json:"features"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&fc); err != nil {
		return nil, fmt.Errorf("%s: not GeoJSON: %v", name, err)
	}
	if fc.Type != "FeatureCollection" {
		return nil, fmt.Errorf("%s: not a GeoJSON FeatureCollection", name)
	}
	specs := make([]BoundarySpec, 0, len(fc.Features))
	for i, f := range fc.Features {
		b, err := parseFeature(f, fileLevel)
		if err != nil {
			return nil, fmt.Errorf("%s: feature %d: %v", name, i, err)
		}
		specs = append(specs, b)
	}
	return specs, nil
}

func parseFeature(f geoFeature, level int) (BoundarySpec, error) {
	var b BoundarySpec
	if f.Type != "Feature" {
		return b, fmt.Errorf("not a Feature")
	}
	props := f.Properties
	if level < 0 {
		n, ok := propInt(props["admin_level"])
		if !ok {
			return b, fmt.Errorf("no admin level: give each feature an admin_level, or name the file as RapidPro does (R171496admin1_simplified.json)")
		}
		level = n
	}
	if level < int(LevelCountry) || level > int(MaxBoundaryLevel) {
		return b, fmt.Errorf("admin level %d is not one of 0 (country), 1 (state), 2 (district), 3 (ward)", level)
	}
	b.Level = BoundaryLevel(level)

	b.OSMID = propString(props["osm_id"])
	if b.OSMID == "" {
		return b, fmt.Errorf("no osm_id")
	}
	if len(b.OSMID) > MaxBoundaryOSMIDLen {
		return b, fmt.Errorf("osm_id %q is longer than %d characters", b.OSMID, MaxBoundaryOSMIDLen)
	}

	// as RapidPro: a country goes by its English name, anything else by its local name if it has one
	b.Name = propString(props["name"])
	if en := propString(props["name_en"]); en != "" && (b.Name == "" || b.Level == LevelCountry) {
		b.Name = en
	}
	if err := checkBoundaryName(b.Name); err != nil {
		return b, fmt.Errorf("%s: name %v", b.OSMID, err)
	}

	if b.Level != LevelCountry {
		b.ParentOSMID = propString(props["parent_id"])
		if b.ParentOSMID == "" {
			b.ParentOSMID = propString(props[[]string{"", "is_in_country", "is_in_state", "is_in_district"}[b.Level]])
		}
		if b.ParentOSMID == "" {
			return b, fmt.Errorf("%s (%s): no parent_id", b.OSMID, b.Name)
		}
	}

	if raw, ok := props["aliases"]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &b.Aliases); err != nil {
			return b, fmt.Errorf("%s (%s): aliases must be a list of names", b.OSMID, b.Name)
		}
		for _, a := range b.Aliases {
			if a = strings.TrimSpace(a); a == "" {
				continue // cleaned away on import
			}
			if err := checkBoundaryName(a); err != nil {
				return b, fmt.Errorf("%s (%s): alias %v", b.OSMID, b.Name, err)
			}
		}
	}

	geometry, err := multiPolygon(f)
	if err != nil {
		return b, fmt.Errorf("%s (%s): %v", b.OSMID, b.Name, err)
	}
	b.Geometry = geometry
	return b, nil
}

// checkBoundaryName checks a boundary's name or alias: it must be there, fit and not hold the path separator.
func checkBoundaryName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("is missing")
	case len(name) > MaxBoundaryNameLen:
		return fmt.Errorf("%q is longer than %d characters", name, MaxBoundaryNameLen)
	case strings.Contains(name, ">"):
		return fmt.Errorf("%q contains >, which separates the names of a location's path", name)
	}
	return nil
}

// multiPolygon is a feature's geometry as boundaries.json shows it: a MultiPolygon (a Polygon becomes one).
func multiPolygon(f geoFeature) (*string, error) {
	g := f.Geometry
	if g == nil || len(g.Coordinates) == 0 || string(g.Coordinates) == "null" {
		return nil, nil
	}
	var coords [][][][]float64
	switch g.Type {
	case "MultiPolygon":
		if err := json.Unmarshal(g.Coordinates, &coords); err != nil {
			return nil, fmt.Errorf("the MultiPolygon's coordinates are not lists of positions")
		}
	case "Polygon":
		var poly [][][]float64
		if err := json.Unmarshal(g.Coordinates, &poly); err != nil {
			return nil, fmt.Errorf("the Polygon's coordinates are not lists of positions")
		}
		coords = [][][][]float64{poly}
	default:
		return nil, fmt.Errorf("geometry of type %q: only Polygon and MultiPolygon are boundaries", g.Type)
	}
	out, _ := json.Marshal(struct {
		Type        string          `json:"type"`
		Coordinates [][][][]float64 `json:"coordinates"`
	}{"MultiPolygon", coords})
	s := string(out)
	return &s, nil
}

// propString is a property as text: posm extracts give ids as strings or numbers, and "None" for none.
func propString(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		s = strings.TrimSpace(s)
		if s == "None" {
			return ""
		}
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

func propInt(raw json.RawMessage) (int, bool) {
	n, err := strconv.Atoi(propString(raw))
	return n, err == nil
}
