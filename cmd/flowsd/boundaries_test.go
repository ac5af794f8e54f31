package main_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/flowsd/flowsd/testdb"
)

var rwandaFiles = []string{"R171496admin0_simplified.json", "R171496admin1_simplified.json", "R171496admin2_simplified.json", "R171496admin3_simplified.json"}

func boundaryPaths(names ...string) []string {
	var paths []string
	for _, n := range names {
		paths = append(paths, filepath.Join("..", "..", "testdata", "boundaries", n))
	}
	return paths
}

type boundariesOutput struct {
	Levels                  map[string]int
	Added, Updated, Removed int
}

// boundaryRows reads a database's boundaries as osm id -> path.
func boundaryRows(t *testing.T, dbURL string) map[string]string {
	t.Helper()
	var rows []struct{ OSMID, Path string }
	if err := testdb.Raw(t, dbURL).Raw("SELECT osm_id AS osm_id, path FROM boundaries").Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range rows {
		out[r.OSMID] = r.Path
	}
	return out
}

// TestBoundariesImport: flowsd boundaries import reads RapidPro's GeoJSON files and prints the count per level;
// importing again updates in place; an update renames, moves and removes boundaries (paths follow); a bad
// file among good ones writes nothing; the server lists the tree.
func TestBoundariesImport(t *testing.T) {
	eachDB(t, func(t *testing.T, dbURL string) {
		out, errOut, code := flowsd(t, nil, "workspace", "create", "--name", "Nyaruka", "--email", "admin@nyaruka.com", "--country", "RW", "--db", dbURL)
		if code != 0 {
			t.Fatalf("workspace create: %s", errOut)
		}
		var ws created
		json.Unmarshal([]byte(out), &ws)
		importArgs := func(files ...string) []string {
			return append([]string{"boundaries", "import", "--workspace", ws.Workspace.UUID, "--db", dbURL}, files...)
		}
		run := func(files ...string) boundariesOutput {
			t.Helper()
			out, errOut, code := flowsd(t, nil, importArgs(files...)...)
			if code != 0 {
				t.Fatalf("boundaries import: exit %d, %s", code, errOut)
			}
			var res boundariesOutput
			if err := json.Unmarshal([]byte(out), &res); err != nil {
				t.Fatalf("output %q: %v", out, err)
			}
			return res
		}

		first := run(boundaryPaths(rwandaFiles...)...)
		want := boundariesOutput{Levels: map[string]int{"0": 1, "1": 3, "2": 5, "3": 2}, Added: 11}
		if !reflect.DeepEqual(first, want) {
			t.Fatalf("first import: %+v, want %+v", first, want)
		}
		rows := boundaryRows(t, dbURL)
		if rows["R3963734"] != "Rwanda > Kigali City > Gasabo > Gisozi" || rows["R171115"] != "Rwanda > Eastern Province > Kayônza" || len(rows) != 11 {
			t.Fatalf("after the import: %v", rows)
		}

		// again: everything updated, nothing added or removed
		again := run(boundaryPaths(rwandaFiles...)...)
		if want := (boundariesOutput{Levels: first.Levels, Updated: 11}); !reflect.DeepEqual(again, want) {
			t.Fatalf("second import: %+v, want %+v", again, want)
		}

		// an update: Gasabo renamed, Huye gone, Kicukiro new, Nyarugenge moved to the Southern Province
		dir := t.TempDir()
		admin2, err := os.ReadFile(boundaryPaths(rwandaFiles[2])[0])
		if err != nil {
			t.Fatal(err)
		}
		var fc map[string]any
		json.Unmarshal(admin2, &fc)
		var features []any
		for _, f := range fc["features"].([]any) {
			props := f.(map[string]any)["properties"].(map[string]any)
			switch props["osm_id"] {
			case "R171117":
				continue
			case "R1711131":
				props["name"] = "Gasabo District"
			case "R1711142":
				props["is_in_state"] = "R171114"
			}
			features = append(features, f)
		}
		features = append(features, map[string]any{"type": "Feature", "geometry": nil,
			"properties": map[string]any{"osm_id": 1711200, "name": "Kicukiro", "parent_id": "R1708283"}})
		fc["features"] = features
		updated, _ := json.Marshal(fc)
		newAdmin2 := filepath.Join(dir, rwandaFiles[2])
		os.WriteFile(newAdmin2, updated, 0o644)
		files := append(boundaryPaths(rwandaFiles[0], rwandaFiles[1], rwandaFiles[3]), newAdmin2)

		// with a bad file among them, nothing changes
		bad := filepath.Join(dir, "R171496admin4.json")
		os.WriteFile(bad, []byte(`{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"osm_id": "R9", "name": "Deep", "parent_id": "R3963734"}, "geometry": null}]}`), 0o644)
		_, errOut, code = flowsd(t, nil, importArgs(append(files, bad)...)...)
		if code != 1 || !strings.Contains(errOut, "R171496admin4.json: feature 0: admin level 4 is not one of 0 (country), 1 (state), 2 (district), 3 (ward)") {
			t.Fatalf("bad file: exit %d, %s", code, errOut)
		}
		if after := boundaryRows(t, dbURL); !reflect.DeepEqual(after, rows) {
			t.Fatalf("a failed import wrote: %v -> %v", rows, after)
		}

		third := run(files...)
		if want := (boundariesOutput{Levels: first.Levels, Added: 1, Updated: 10, Removed: 1}); !reflect.DeepEqual(third, want) {
			t.Fatalf("update: %+v, want %+v", third, want)
		}
		rows = boundaryRows(t, dbURL)
		if _, ok := rows["R171117"]; ok || rows["1711200"] != "Rwanda > Kigali City > Kicukiro" ||
			rows["R3963734"] != "Rwanda > Kigali City > Gasabo District > Gisozi" || rows["R1711142"] != "Rwanda > Southern Province > Nyarugenge" {
			t.Fatalf("after the update: %v", rows)
		}

		srv := startServer(t, []string{"FLOWSD_DB=" + dbURL})
		defer srv.stop(t)
		code, body := srv.get(t, "/api/v2/boundaries.json", ws.Token)
		if code != 200 || !strings.Contains(body, `{"osm_id":"R1711142","name":"Nyarugenge","parent":{"osm_id":"R171114","name":"Southern Province"},"level":2,"aliases":[],"geometry":null}`) {
			t.Fatalf("boundaries.json: %d %s", code, body)
		}
	})
}

// TestBoundariesImportErrors: every mistake in a file is refused with what and where, and nothing is written.
func TestBoundariesImportErrors(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "flowsd.db")
	out, _, _ := flowsd(t, nil, "workspace", "create", "--name", "W", "--email", "a@b.co", "--db", db)
	var ws created
	json.Unmarshal([]byte(out), &ws)
	dir := t.TempDir()
	written := 0
	write := func(name, content string) string { // each in a directory of its own: the names say the level
		written++
		path := filepath.Join(dir, strconv.Itoa(written), name)
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	feature := func(props, geometry string) string {
		return `{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": ` + props + `, "geometry": ` + geometry + `}]}`
	}
	big := filepath.Join(dir, "big.json")
	f, _ := os.Create(big)
	f.Truncate(64<<20 + 1)
	f.Close()
	country := boundaryPaths(rwandaFiles[0])[0]
	imp := func(files ...string) []string {
		return append([]string{"boundaries", "import", "--workspace", ws.Workspace.UUID, "--db", db}, files...)
	}

	cases := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"boundaries", "import", "--db", db, country}, 2, "--workspace is required"},
		{[]string{"boundaries", "export"}, 2, `use "flowsd boundaries import"`},
		{imp(), 2, "no GeoJSON file given"},
		{[]string{"boundaries", "import", "--workspace", "00000000-0000-4000-8000-000000000000", "--db", db, country}, 1, "no workspace with UUID"},
		{imp(filepath.Join(dir, "missing.json")), 1, "no such file"},
		{imp(big), 1, "big.json: larger than 64 MB"},
		{imp(write("admin_level_0.json", `{"type": "FeatureCollection", "features": [`)), 1, "admin_level_0.json: not GeoJSON"},
		{imp(write("R1admin0.json", `{"type": "Feature"}`)), 1, "R1admin0.json: not a GeoJSON FeatureCollection"},
		{imp(write("plain.json", feature(`{"osm_id": "R1", "name": "X"}`, "null"))), 1, "plain.json: feature 0: no admin level"},
		{imp(write("R1admin0.json", feature(`{"name": "X"}`, "null"))), 1, "R1admin0.json: feature 0: no osm_id"},
		{imp(write("R1admin0.json", feature(`{"osm_id": "R1234567890123456"}`, "null"))), 1, "is longer than 15 characters"},
		{imp(write("R1admin0.json", feature(`{"osm_id": "R1"}`, "null"))), 1, "R1admin0.json: feature 0: R1: name is missing"},
		{imp(write("R1admin0.json", feature(`{"osm_id": "R1", "name": "A > B"}`, "null"))), 1, "contains >, which separates the names"},
		{imp(write("R1admin0.json", feature(`{"osm_id": "R1", "name": "A", "aliases": "B"}`, "null"))), 1, "R1 (A): aliases must be a list of names"},
		{imp(write("R1admin0.json", feature(`{"osm_id": "R1", "name": "A"}`, `{"type": "Point", "coordinates": [1, 2]}`))), 1, `geometry of type "Point"`},
		{imp(write("R1admin0.json", feature(`{"osm_id": "R1", "name": "A"}`, `{"type": "Polygon", "coordinates": [[1, 2]]}`))), 1, "the Polygon's coordinates are not lists of positions"},
		{imp(write("R1admin1.json", feature(`{"osm_id": "R2", "name": "A"}`, "null"))), 1, "R2 (A): no parent_id"},
		{imp(country, write("R1admin1.json", feature(`{"osm_id": "R2", "name": "A", "parent_id": "R404"}`, "null"))), 1,
			`boundary R2 (A) has parent "R404", which is not among the boundaries`},
		{imp(country, write("R1admin2.json", feature(`{"osm_id": "R2", "name": "A", "parent_id": "R171496"}`, "null"))), 1,
			"boundary R2 (A) is at level 2 but its parent R171496 is at level 0"},
		{imp(country, write("R2admin0.json", feature(`{"osm_id": "R2", "name": "Burundi"}`, "null"))), 1, "exactly one country (level 0), they hold 2"},
		{imp(country, country), 1, "boundary R171496 (Rwanda) is given twice"},
		{imp(boundaryPaths(rwandaFiles[1])...), 1, "exactly one country (level 0), they hold 0"},
	}
	for _, c := range cases {
		_, errOut, code := flowsd(t, nil, c.args...)
		if code != c.code || !strings.Contains(errOut, c.msg) {
			t.Errorf("flowsd %s: exit %d (want %d), stderr %q (want %q)", strings.Join(c.args, " "), code, c.code, errOut, c.msg)
		}
	}
	if rows := boundaryRows(t, db); len(rows) != 0 {
		t.Errorf("failed imports wrote: %v", rows)
	}
}
