package flows

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/testdb"
	"github.com/nyaruka/goflow/contactql"
)

// importTestBoundaries imports Rwanda's test boundaries (testdata/boundaries) into a workspace.
func importTestBoundaries(t *testing.T, store *models.Store, ws *models.Workspace) {
	t.Helper()
	var specs []models.BoundarySpec
	for _, level := range []string{"0", "1", "2", "3"} {
		path := filepath.Join("..", "testdata", "boundaries", "R171496admin"+level+"_simplified.json")
		data, err := os.ReadFile(path)
		must(t, err)
		got, err := models.ParseBoundaryFile(path, data)
		must(t, err)
		specs = append(specs, got...)
	}
	_, err := store.ImportBoundaries(context.Background(), ws.ID, specs)
	must(t, err)
}

// TestLocationFields: location field values are resolved against the workspace's boundaries as the engine
// resolves them (names, aliases, paths; districts within the contact's state, wards within its district), kept
// as paths, and contact queries over them pick the contacts goflow's own evaluator picks, on both databases.
// Another workspace, without boundaries, resolves nothing.
func TestLocationFields(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		ctx := context.Background()
		db := testdb.New(t, d, testdb.NewClock(time.Date(2025, 1, 1, 8, 0, 0, 0, time.UTC), time.Second).Now, (&testdb.UUIDSeq{}).Next)
		store := db.Store
		store.Rules = NewRules()
		ws, _, _, err := store.CreateWorkspace(ctx, models.WorkspaceSpec{Name: "Test", Country: "RW", Timezone: "Africa/Kigali", Languages: []string{"eng"}}, "a@b.co")
		must(t, err)
		other, _, _, err := store.CreateWorkspace(ctx, models.WorkspaceSpec{Name: "Other", Country: "RW", Timezone: "Africa/Kigali", Languages: []string{"eng"}}, "b@b.co")
		must(t, err)
		importTestBoundaries(t, store, ws)
		cache := NewAssetCache(store)

		fieldIDs := map[*models.Workspace]map[string]int64{}
		for _, w := range []*models.Workspace{ws, other} {
			fieldIDs[w] = map[string]int64{}
			for _, f := range [][2]string{{"State", models.FieldState}, {"District", models.FieldDistrict}, {"Ward", models.FieldWard}, {"Home", models.FieldText}} {
				field, err := store.CreateField(ctx, w.ID, f[0], f[1])
				must(t, err)
				fieldIDs[w][field.Key] = field.ID
			}
		}
		write := func(w *models.Workspace, c *models.Contact, values map[string]string) *models.Contact {
			t.Helper()
			a, err := cache.Get(ctx, w)
			must(t, err)
			given := map[int64]*string{}
			for key, text := range values {
				given[fieldIDs[w][key]] = &text
			}
			var current map[int64]*models.FieldValue
			if c != nil {
				details, err := store.LoadEngineDetails(ctx, []int64{c.ID})
				must(t, err)
				current = details[c.ID].Fields
			}
			spec := models.ContactSpec{Fields: a.ParseFieldValues(current, given)}
			if c == nil {
				c, err = store.CreateContact(ctx, w, spec)
			} else {
				err = store.UpdateContact(ctx, w, c, spec)
			}
			must(t, err)
			return c
		}
		stored := func(c *models.Contact, key string) models.FieldValue {
			t.Helper()
			details, err := store.LoadEngineDetails(ctx, []int64{c.ID})
			must(t, err)
			v := details[c.ID].Fields[fieldIDs[ws][key]]
			if v == nil {
				return models.FieldValue{}
			}
			return models.FieldValue{Text: v.Text, State: v.State, District: v.District, Ward: v.Ward}
		}

		cases := []struct {
			values map[string]string
			key    string
			want   models.FieldValue
		}{
			{map[string]string{"state": "kigali"}, "state", models.FieldValue{Text: "kigali", State: "Rwanda > Kigali City"}}, // an alias
			{map[string]string{"state": "Eastern Province", "district": "kayonza"}, "district", // the state of the same write
				models.FieldValue{Text: "kayonza", State: "Rwanda > Eastern Province", District: "Rwanda > Eastern Province > Kayônza"}},
			{map[string]string{"district": "Gasabo"}, "district", models.FieldValue{Text: "Gasabo"}}, // no state to look in
			{map[string]string{"state": "Kigali City", "district": "Gasabo", "ward": "gisozi"}, "ward",
				models.FieldValue{Text: "gisozi", State: "Rwanda > Kigali City", District: "Rwanda > Kigali City > Gasabo", Ward: "Rwanda > Kigali City > Gasabo > Gisozi"}},
			{map[string]string{"state": "Mars", "home": "Kigali"}, "state", models.FieldValue{Text: "Mars"}},
			{map[string]string{"district": "rwanda > southern province > huye"}, "district", // a path
				models.FieldValue{Text: "rwanda > southern province > huye", State: "Rwanda > Southern Province", District: "Rwanda > Southern Province > Huye"}},
			{map[string]string{"state": "I live in Kigali City."}, "state", models.FieldValue{Text: "I live in Kigali City.", State: "Rwanda > Kigali City"}}, // fuzzy, as the engine
			{map[string]string{"district": "Rwamagana", "ward": "Gisozi"}, "ward", models.FieldValue{Text: "Gisozi"}},
			{map[string]string{}, "state", models.FieldValue{}},
		}
		var contacts []*models.Contact
		for i, tc := range cases {
			c := write(ws, nil, tc.values)
			if got := stored(c, tc.key); got != tc.want {
				t.Errorf("case %d %v: %s is %+v, want %+v", i, tc.values, tc.key, got, tc.want)
			}
			contacts = append(contacts, c)
		}
		// a district written later is looked up in the state the contact has
		write(ws, contacts[2], map[string]string{"state": "Kigali City"})
		write(ws, contacts[2], map[string]string{"district": "nyarugenge"})
		if got := stored(contacts[2], "district"); got.District != "Rwanda > Kigali City > Nyarugenge" {
			t.Errorf("a district under the contact's state: %+v", got)
		}
		// without boundaries nothing resolves
		c := write(other, nil, map[string]string{"state": "Kigali City"})
		details, err := store.LoadEngineDetails(ctx, []int64{c.ID})
		must(t, err)
		if v := details[c.ID].Fields[fieldIDs[other]["state"]]; v == nil || v.State != "" || v.Text != "Kigali City" {
			t.Errorf("another workspace's state: %+v", v)
		}

		a, err := cache.Get(ctx, ws)
		must(t, err)
		fields := a.FieldsByID()
		contactRows, err := store.Contacts(ws.ID, false).All(ctx)
		must(t, err)
		var ids []int64
		for _, c := range contactRows {
			ids = append(ids, c.ID)
		}
		allDetails, err := store.LoadEngineDetails(ctx, ids)
		must(t, err)
		queries := []string{`state = "kigali city"`, `state = "KIGALI CITY"`, `state = kigali`, `state != "Kigali City"`, `state = ""`, `state != ""`,
			`district = "kayônza"`, `district = "KAYÔNZA"`, `district = kayonza`, `district != kayônza`, `district = ""`, `district != ""`,
			`district = huye`, `ward = gisozi`, `ward = ""`, `ward != gisozi`, `state = "eastern province" AND district = "kayônza"`,
			`state = mars`, `home = kigali`, `district = nyarugenge OR ward = gisozi`}
		for _, text := range queries {
			q, bySQL := sqlPicks(t, db, ws, text)
			var byEngine []string
			for i := range contactRows {
				ec, err := EngineContact(a, &contactRows[i], allDetails[contactRows[i].ID], fields)
				must(t, err)
				if contactql.EvaluateQuery(a.Env, q.parsed, ec) {
					byEngine = append(byEngine, contactRows[i].UUID)
				}
			}
			sameContacts(t, text, bySQL, byEngine)
			if text == `state = "kigali city"` && len(bySQL) != 4 {
				t.Errorf("%q picks %d contacts, want the 4 in Kigali City", text, len(bySQL))
			}
		}
	})
}

// TestLocationsInFlows: a flow's has_state and has_district tests and its set_contact_field actions resolve
// against the workspace's boundaries, and what they set is stored as the API writes it: paths, queryable.
func TestLocationsInFlows(t *testing.T) {
	eachHostDialect(t, func(t *testing.T, e *hostEnv) {
		importTestBoundaries(t, e.store, e.ws)
		e.importFile("locations.json")
		ann := e.contact("Ann", "tel:+250788000011")
		e.send("tel:+250788000011", "home")
		e.wantLast(ann, "Which province do you live in?")
		e.send("tel:+250788000011", "Mars")
		e.wantLast(ann, "Which province do you live in?")
		e.send("tel:+250788000011", "I live in Kigari")
		e.wantLast(ann, "Which district of Rwanda > Kigali City?")
		e.send("tel:+250788000011", "gasabo")
		e.wantLast(ann, "Saved: Rwanda > Kigali City > Gasabo in Rwanda > Kigali City.")

		details, err := e.store.LoadContactDetails(e.ctx, []int64{ann.ID})
		must(t, err)
		var fields []models.Field
		must(t, e.db.Raw.Where("workspace_id = ?", e.ws.ID).Find(&fields).Error)
		for _, f := range fields {
			v := details[ann.ID].Fields[f.ID]
			switch f.Key {
			case "state":
				if v == nil || v.State != "Rwanda > Kigali City" {
					t.Errorf("state is %+v", v)
				}
			case "district":
				if v == nil || v.Text != "gasabo" || v.District != "Rwanda > Kigali City > Gasabo" {
					t.Errorf("district is %+v", v)
				}
			}
		}
		if _, found := sqlPicks(t, e.db, e.ws, `district = gasabo AND state = "kigali city"`); len(found) != 1 || found[0] != ann.UUID {
			t.Errorf("the query found %v, want Ann", found)
		}
	})
}
