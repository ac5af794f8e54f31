package flows

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/testdb"
	"github.com/nyaruka/goflow/assets"
	"github.com/nyaruka/goflow/flows/definition"
)

// exportsDir holds the test exports, written in RapidPro's export format (see its README.md).
const exportsDir = "../testdata/exports"

func readExport(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(exportsDir, name))
	must(t, err)
	return data
}

func parseExport(t *testing.T, name string) *models.ImportSpec {
	t.Helper()
	spec, err := ParseExport(readExport(t, name))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return spec
}

// TestTestdataExports: every flow of every test export is read by the engine at its spec version, with the
// type, expiry and dependencies the README describes.
func TestTestdataExports(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(exportsDir, "*.json"))
	must(t, err)
	if len(files) < 6 {
		t.Fatalf("only %d test exports", len(files))
	}
	byName := map[string]models.ImportFlow{}
	for _, f := range files {
		spec := parseExport(t, filepath.Base(f))
		for _, fl := range spec.Flows {
			if _, err := definition.ReadFlow([]byte(fl.Definition), nil); err != nil {
				t.Errorf("%s: %s: stored definition doesn't read: %v", f, fl.Name, err)
			}
			if fl.SpecVersion != definition.CurrentSpecVersion.String() {
				t.Errorf("%s: spec version %s", fl.Name, fl.SpecVersion)
			}
			byName[fl.Name] = fl
		}
	}
	want := map[string]struct {
		flowType models.FlowType
		expires  int
		check    func(f models.ImportFlow) bool
	}{
		"Favorite Color":       {models.FlowMessage, 10080, nil},
		"Age Check":            {models.FlowMessage, 720, nil},
		"Keyword Menu":         {models.FlowMessage, 60, nil},
		"Webhook Lookup":       {models.FlowMessage, 10080, func(f models.ImportFlow) bool { return strings.Contains(f.Definition, "@webhook.json.name") }},
		"Resthook Notify":      {models.FlowMessage, 10080, func(f models.ImportFlow) bool { return slices.Equal(f.Resthooks, []string{"new-registration"}) }},
		"Profile Update":       {models.FlowMessage, 10080, func(f models.ImportFlow) bool { return len(f.Fields) == 3 && len(f.Groups) == 2 }},
		"Tag Reporter":         {models.FlowBackground, 0, func(f models.ImportFlow) bool { return len(f.Groups) == 1 }},
		"Registration":         {models.FlowMessage, 10080, func(f models.ImportFlow) bool { return len(f.Flows) == 1 && f.Flows[0].Name == "Age Question" }},
		"Age Question":         {models.FlowMessage, 10080, nil},
		"Invite Reporters":     {models.FlowMessage, 10080, func(f models.ImportFlow) bool { return len(f.Flows) == 1 && len(f.Groups) == 1 }},
		"Legacy Cheese Survey": {models.FlowMessage, 10080, func(f models.ImportFlow) bool { return len(f.Fields) == 1 && f.Fields[0].Key == "likes_cheese" }},
		"Reporter Follow Up":   {models.FlowMessage, 10080, nil},
		"Hello":                {models.FlowMessage, 10080, nil},
	}
	for name, w := range want {
		f, ok := byName[name]
		if !ok {
			t.Errorf("no flow %q in the test exports", name)
			continue
		}
		if f.FlowType != w.flowType || f.ExpiresMinutes != w.expires || (w.check != nil && !w.check(f)) {
			t.Errorf("%s: type %s, expires %d, fields %v, groups %v, flows %v, resthooks %v", name, f.FlowType, f.ExpiresMinutes, f.Fields, f.Groups, f.Flows, f.Resthooks)
		}
	}
	if len(byName) != len(want) {
		t.Errorf("%d flows in the test exports, the test knows %d", len(byName), len(want))
	}
}

// TestParseExportErrors: every way a file can be wrong is an ImportError that says what and where.
func TestParseExportErrors(t *testing.T) {
	flow := func(mutate func(m map[string]any)) string {
		var exp map[string]any
		must(t, json.Unmarshal(readExport(t, "messaging.json"), &exp))
		f := exp["flows"].([]any)[0].(map[string]any)
		mutate(f)
		exp["flows"] = []any{f}
		exp["triggers"] = []any{}
		b, _ := json.Marshal(exp)
		return string(b)
	}
	legacy := func(version string) string {
		var exp map[string]any
		must(t, json.Unmarshal(readExport(t, "legacy_v11.json"), &exp))
		exp["flows"].([]any)[0].(map[string]any)["version"] = version
		b, _ := json.Marshal(exp)
		return string(b)
	}
	cases := []struct{ name, export, msg string }{
		{"malformed", `{"version": "13", "flows": [`, "not valid JSON"},
		{"not an object", `[1, 2]`, "must be a JSON object"},
		{"null", `null`, "must be a JSON object"},
		{"no version", `{"flows": []}`, `has no "version"`},
		{"bad version", `{"version": "thirteen", "flows": []}`, "is not a version"},
		{"too new", `{"version": "14", "flows": []}`, "Export version 14 is not supported"},
		{"too old", `{"version": 10.1, "flows": []}`, "Export version 10.1 is not supported"},
		{"no flows", `{"version": "13"}`, `has no "flows"`},
		{"flows not a list", `{"version": "13", "flows": {}}`, `"flows" must be a list`},
		{"flow not an object", `{"version": "13", "flows": [3]}`, "Flow 1 of the export is not a flow definition"},
		{"newer spec", flow(func(f map[string]any) { f["spec_version"] = "15.0.0" }), `Flow "Favorite Color" (0f200337-0277-4118-a064-eaebb8d055ac) has spec version 15.0.0, newer than this server's engine supports (14.4.2)`},
		{"newer minor spec", flow(func(f map[string]any) { f["spec_version"] = "14.5.0" }), "has spec version 14.5.0, newer"},
		{"invalid flow", flow(func(f map[string]any) { delete(f, "language") }), `Flow "Favorite Color" (0f200337-0277-4118-a064-eaebb8d055ac) is not a valid flow`},
		{"invalid node", flow(func(f map[string]any) { f["nodes"].([]any)[0].(map[string]any)["exits"] = []any{} }), "is not a valid flow"},
		{"unknown action", flow(func(f map[string]any) {
			f["nodes"].([]any)[0].(map[string]any)["actions"].([]any)[0].(map[string]any)["type"] = "launch_rocket"
		}), "is not a valid flow"},
		{"no uuid", flow(func(f map[string]any) { delete(f, "uuid") }), `Flow "Favorite Color" can't be migrated`},
		{"legacy too old", legacy("7"), `Flow "Legacy Cheese Survey" (dbad43de-8461-4ea8-8d0b-81fe814cd40a) is a legacy definition of version 7`},
		{"twice", `{"version": "13", "flows": [` + flowJSON(t) + `,` + flowJSON(t) + `]}`, "is in the export twice"},
		{"field type", `{"version": "13", "flows": [], "fields": [{"key": "age", "name": "Age", "type": "integer"}]}`, `Field "age" has the type "integer"`},
		{"field without key", `{"version": "13", "flows": [], "fields": [{"name": "Age", "type": "text"}]}`, "Field 1 of the export needs a key"},
		{"group without name", `{"version": "13", "flows": [], "groups": [{"uuid": "2f7d208a-c2d5-4a3c-ac53-56e13ad7a641"}]}`, "Group 1 of the export needs a name"},
		{"trigger type", `{"version": "13", "flows": [], "triggers": [{"trigger_type": "X", "flow": {"uuid": "2f7d208a-c2d5-4a3c-ac53-56e13ad7a641"}}]}`, `"X" is not a valid trigger type`},
		{"trigger keyword", `{"version": "13", "flows": [], "triggers": [{"trigger_type": "K", "keywords": ["two words"], "flow": {"uuid": "2f7d208a-c2d5-4a3c-ac53-56e13ad7a641", "name": "F"}}]}`, `"two words" is not a valid keyword`},
		{"trigger no keywords", `{"version": "13", "flows": [], "triggers": [{"trigger_type": "K", "flow": {"uuid": "2f7d208a-c2d5-4a3c-ac53-56e13ad7a641", "name": "F"}}]}`, "Field 'keywords' is required"},
		{"trigger no flow", `{"version": "13", "flows": [], "triggers": [{"trigger_type": "C"}]}`, "Field 'flow' is required"},
		{"campaign unit", campaignWith(t, func(e map[string]any) { e["unit"] = "Y" }), `Campaign "Reporter Follow Up": event 1 has the unit "Y"`},
		{"campaign start mode", campaignWith(t, func(e map[string]any) { e["start_mode"] = "X" }), `has the start mode "X"`},
		{"campaign event type", campaignWith(t, func(e map[string]any) { e["event_type"] = "Z" }), `has the event type "Z"`},
		{"campaign delivery hour", campaignWith(t, func(e map[string]any) { e["delivery_hour"] = 24 }), "invalid delivery hour"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseExport([]byte(c.export))
			var ie *models.ImportError
			if !errors.As(err, &ie) || !strings.Contains(err.Error(), c.msg) {
				t.Errorf("error %v, want an ImportError containing %q", err, c.msg)
			}
		})
	}

	// scheduled triggers and those of channel events are left out, as RapidPro leaves scheduled ones out
	spec, err := ParseExport([]byte(`{"version": "13", "flows": [], "triggers": [{"trigger_type": "S", "flow": {"uuid": "2f7d208a-c2d5-4a3c-ac53-56e13ad7a641"}}, {"trigger_type": "N", "flow": {"uuid": "2f7d208a-c2d5-4a3c-ac53-56e13ad7a641"}}]}`))
	if err != nil || len(spec.Triggers) != 0 {
		t.Errorf("skipped triggers: %v %v", spec, err)
	}
}

func flowJSON(t *testing.T) string {
	var exp struct{ Flows []json.RawMessage }
	must(t, json.Unmarshal(readExport(t, "messaging.json"), &exp))
	return string(exp.Flows[0])
}

func campaignWith(t *testing.T, mutate func(e map[string]any)) string {
	var exp map[string]any
	must(t, json.Unmarshal(readExport(t, "campaign.json"), &exp))
	mutate(exp["campaigns"].([]any)[0].(map[string]any)["events"].([]any)[0].(map[string]any))
	b, _ := json.Marshal(exp)
	return string(b)
}

// importEnv is a fresh database with one workspace to import into.
type importEnv struct {
	store *models.Store
	db    *testdb.DB
	ws    *models.Workspace
}

func newImportEnv(t *testing.T, d models.Dialect) *importEnv {
	db := testdb.New(t, d, testdb.NewClock(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Second).Now, (&testdb.UUIDSeq{}).Next)
	db.Store.Rules = NewRules()
	ws, _, _, err := db.Store.CreateWorkspace(context.Background(), models.WorkspaceSpec{Name: "W", Timezone: "UTC", Languages: []string{"eng", "fra"}}, "a@b.co")
	must(t, err)
	return &importEnv{store: db.Store, db: db, ws: ws}
}

func (e *importEnv) countEvaluating(t *testing.T) int64 {
	var n int64
	must(t, e.db.Raw.Raw("SELECT COUNT(*) FROM contact_groups WHERE workspace_id = ? AND status = ?", e.ws.ID, models.GroupEvaluating).Scan(&n).Error)
	return n
}

// importFiles imports test exports in one transaction and evaluates the smart groups it made.
func (e *importEnv) importFiles(t *testing.T, names ...string) (*models.ImportResult, error) {
	t.Helper()
	var specs []*models.ImportSpec
	for _, n := range names {
		specs = append(specs, parseExport(t, n))
	}
	return e.importSpec(t, MergeSpecs(specs...))
}

func (e *importEnv) importSpec(t *testing.T, spec *models.ImportSpec) (*models.ImportResult, error) {
	t.Helper()
	ctx := context.Background()
	res, err := Import(ctx, e.store, e.ws, spec)
	if err != nil {
		return nil, err
	}
	evaluateGroups(t, e.store)
	return res, nil
}

// counts are how many rows of each kind the workspace has, for proving what an import wrote.
func (e *importEnv) counts(t *testing.T) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for name, q := range map[string]string{
		"flows":           "SELECT COUNT(*) FROM flows WHERE workspace_id = ? AND is_active",
		"fields":          "SELECT COUNT(*) FROM contact_fields WHERE workspace_id = ? AND is_active",
		"groups":          "SELECT COUNT(*) FROM contact_groups WHERE workspace_id = ? AND is_active",
		"campaigns":       "SELECT COUNT(*) FROM campaigns WHERE workspace_id = ? AND is_active",
		"campaign_events": "SELECT COUNT(*) FROM campaign_events e JOIN campaigns c ON c.id = e.campaign_id WHERE c.workspace_id = ? AND e.is_active",
		"triggers":        "SELECT COUNT(*) FROM triggers WHERE workspace_id = ? AND is_active AND NOT is_archived",
		"resthooks":       "SELECT COUNT(*) FROM resthooks WHERE workspace_id = ? AND is_active",
		"version":         "SELECT config_version FROM workspaces WHERE id = ?",
	} {
		var n int64
		must(t, e.db.Raw.Raw(q, e.ws.ID).Scan(&n).Error)
		out[name] = n
	}
	return out
}

var allExports = []string{"messaging.json", "webhooks.json", "contacts.json", "subflows.json", "legacy_v11.json", "campaign.json"}

// TestImportIdempotent: importing the test exports makes everything they hold; importing them again (one by
// one, or all at once) updates what is there and makes nothing more.
func TestImportIdempotent(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newImportEnv(t, d)
		ctx := context.Background()
		before := e.counts(t)
		var specs []*models.ImportSpec
		for _, f := range allExports {
			specs = append(specs, parseExport(t, f))
		}
		res, err := Import(ctx, e.store, e.ws, MergeSpecs(specs...))
		must(t, err)
		after := e.counts(t)
		if after["version"] != before["version"]+1 {
			t.Errorf("config version %d -> %d: one import moves it once", before["version"], after["version"])
		}
		if g := res.NewSmartGroups; len(g) != 1 || g[0].Name != "Adults" || g[0].Status != models.GroupEvaluating {
			t.Errorf("new smart groups: %+v", g)
		}
		if n := e.countEvaluating(t); n != 1 {
			t.Errorf("%d groups evaluating after the import, want 1", n)
		}
		evaluateGroups(t, e.store)
		if n := e.countEvaluating(t); n != 0 {
			t.Errorf("%d groups evaluating once the workers are done, want 0", n)
		}

		// 12 flows; fields age, nick_name, registered_on, likes_cheese; groups Adults, Reporters, Spammers, Cheese
		// Lovers (and the system group); keyword triggers color, age, join, cheese and one catch-all
		want := map[string]int64{"flows": 12, "fields": 4, "groups": 5, "campaigns": 1, "campaign_events": 2, "triggers": 5, "resthooks": 1}
		for k, n := range want {
			if after[k] != n {
				t.Errorf("%s: %d after the import, want %d", k, after[k], n)
			}
		}
		if len(res.Flows) != 12 || len(res.Campaigns) != 1 || len(res.Fields) != 4 || len(res.Groups) != 4 {
			t.Errorf("result: %+v", res)
		}

		// the smart group was evaluated, with its canonical query; the field types are the export's
		adults, err := e.store.GetGroup(ctx, e.ws.ID, "444baee9-a984-4fc8-bfdb-531921d19bf1")
		must(t, err)
		if adults.Status != models.GroupReady || adults.Query == nil || *adults.Query != "fields.age >= 18" {
			t.Errorf("Adults: %+v %v", adults, *adults.Query)
		}
		age, err := e.store.GetField(ctx, e.ws.ID, "age")
		must(t, err)
		registered, err := e.store.GetField(ctx, e.ws.ID, "registered_on")
		must(t, err)
		cheese, err := e.store.GetField(ctx, e.ws.ID, "likes_cheese")
		must(t, err)
		if age.ValueType != models.FieldNumber || registered.ValueType != models.FieldDatetime || cheese.Name != "Likes Cheese" || cheese.ValueType != models.FieldText {
			t.Errorf("fields: %+v %+v %+v", age, registered, cheese)
		}

		// the flows are what the engine reads, with their UUIDs kept
		color, err := e.store.GetFlow(ctx, e.ws.ID, "0f200337-0277-4118-a064-eaebb8d055ac")
		must(t, err)
		if color.Name != "Favorite Color" || color.Revision != 1 || color.SpecVersion != "14.4.2" || color.FlowType != models.FlowMessage || color.ExpiresMinutes != 10080 {
			t.Errorf("Favorite Color: %+v", color)
		}
		a, err := LoadAssets(ctx, e.store, e.ws)
		must(t, err)
		for _, r := range res.Flows {
			f, err := a.Session.Flows().Get(assetsFlowUUID(r.UUID))
			if err != nil {
				t.Errorf("%s: the engine can't load it: %v", r.Name, err)
				continue
			}
			for _, dep := range f.Inspect(a.Session).Dependencies {
				if dep.Missing() && dep.Type() != "channel" {
					t.Errorf("%s: missing %s %s", r.Name, dep.Type(), dep.Reference().Identity())
				}
			}
		}

		// again, file by file: the same objects, updated
		for _, f := range allExports {
			_, err := e.importFiles(t, f)
			must(t, err)
		}
		again := e.counts(t)
		for k, n := range want {
			if again[k] != n {
				t.Errorf("%s: %d after importing again, want %d", k, again[k], n)
			}
		}
		color, err = e.store.GetFlow(ctx, e.ws.ID, "0f200337-0277-4118-a064-eaebb8d055ac")
		must(t, err)
		if color.Revision != 2 {
			t.Errorf("Favorite Color: revision %d after a second import, want 2", color.Revision)
		}

		// an archived flow comes back; a renamed field gets its export name again; a deleted event comes back
		must(t, e.db.Raw.Exec("UPDATE flows SET is_archived = ? WHERE id = ?", true, color.ID).Error)
		must(t, e.store.UpdateField(ctx, age, "Years", models.FieldText))
		must(t, e.db.Raw.Exec("UPDATE campaign_events SET is_active = ? WHERE uuid = ?", false, "a6df2fb7-f81a-445f-875f-ccc5ff027468").Error)
		res, err = e.importFiles(t, allExports...)
		must(t, err)
		color, _ = e.store.GetFlow(ctx, e.ws.ID, color.UUID)
		age, _ = e.store.GetField(ctx, e.ws.ID, "age")
		if color.IsArchived || age.Name != "Age" || age.ValueType != models.FieldNumber || !slices.Contains(res.RetypedFields, "age") {
			t.Errorf("after re-import: flow archived %v, field %+v, retyped %v", color.IsArchived, age, res.RetypedFields)
		}
		if final := e.counts(t); final["campaign_events"] != 2 || final["triggers"] != 5 {
			t.Errorf("after re-import: %v", final)
		}
		adults, _ = e.store.GetGroup(ctx, e.ws.ID, adults.UUID)
		if adults.Status != models.GroupReady {
			t.Errorf("Adults uses the retyped field: status %s after its evaluation", adults.Status)
		}
	})
}

// TestImportAllOrNothing: an import that fails anywhere (a flow naming a flow that doesn't exist, a campaign
// changing a date field used elsewhere, a limit) writes nothing at all.
func TestImportAllOrNothing(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newImportEnv(t, d)
		before := e.counts(t)

		// Registration enters Age Question: without it, nothing of the file (nor of the others) lands
		spec := MergeSpecs(parseExport(t, "messaging.json"), parseExport(t, "contacts.json"), parseExport(t, "subflows.json"))
		spec.Flows = slices.DeleteFunc(spec.Flows, func(f models.ImportFlow) bool { return f.Name == "Age Question" })
		_, err := e.importSpec(t, spec)
		var ie *models.ImportError
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), `Flow "Registration" (92e06538-fd60-485a-9541-e61c685c8e1f) uses the flow "Age Question"`) {
			t.Fatalf("error %v", err)
		}
		if after := e.counts(t); !mapsEqual(before, after) {
			t.Errorf("a failed import wrote: %v -> %v", before, after)
		}

		// a trigger on a flow that is nowhere
		spec = parseExport(t, "messaging.json")
		spec.Flows = spec.Flows[1:]
		if _, err := e.importSpec(t, spec); err == nil || !strings.Contains(err.Error(), `The trigger on keyword "color" uses the flow "Favorite Color"`) {
			t.Errorf("error %v", err)
		}

		// past the limit of groups: the fields and flows before it don't land either
		e.store.Limits = map[string]int{"groups": 2}
		if _, err := e.importFiles(t, "contacts.json"); !errors.Is(err, models.ErrLimitReached) {
			t.Errorf("over the group limit: %v", err)
		}
		e.store.Limits = nil
		if after := e.counts(t); !mapsEqual(before, after) {
			t.Errorf("failed imports wrote: %v -> %v", before, after)
		}

		// a field a campaign counts on being a date can't become text
		_, err = e.importFiles(t, "campaign.json")
		must(t, err)
		mid := e.counts(t)
		spec = parseExport(t, "contacts.json")
		for i := range spec.Fields {
			if spec.Fields[i].Key == "registered_on" {
				spec.Fields[i].Type = models.FieldText
			}
		}
		if _, err := e.importSpec(t, spec); err == nil || !strings.Contains(err.Error(), "Cannot change type for field 'registered_on' while it is used in campaigns.") {
			t.Errorf("error %v", err)
		}
		if after := e.counts(t); !mapsEqual(mid, after) {
			t.Errorf("a failed import wrote: %v -> %v", mid, after)
		}
	})
}

// TestImportMatching: groups are found by UUID, then by name; a group UUID another workspace has is replaced,
// and the flows using it are rewritten; triggers are matched rather than duplicated, and conflicting ones
// archived.
func TestImportMatching(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newImportEnv(t, d)
		ctx := context.Background()
		other, _, _, err := e.store.CreateWorkspace(ctx, models.WorkspaceSpec{Name: "Other", Timezone: "UTC"}, "o@b.co")
		must(t, err)

		// the other workspace has Reporters' UUID; this one has a group named "spammers"
		must(t, e.db.Raw.Create(&models.Group{UUID: "2f7d208a-c2d5-4a3c-ac53-56e13ad7a641", WorkspaceID: other.ID, Name: "Theirs", Status: models.GroupReady, IsActive: true, CreatedOn: time.Now(), ModifiedOn: time.Now()}).Error)
		spammers, err := e.store.CreateGroup(ctx, e.ws.ID, "spammers")
		must(t, err)

		res, err := e.importFiles(t, "contacts.json")
		must(t, err)
		var reporters *models.Group
		for _, g := range res.Groups {
			if g.Name == "Reporters" {
				reporters, err = e.store.GetGroup(ctx, e.ws.ID, g.UUID)
				must(t, err)
			}
			if g.Name == "spammers" && g.UUID != spammers.UUID {
				t.Errorf("Spammers matched by name: %v", g)
			}
		}
		if reporters == nil || reporters.UUID == "2f7d208a-c2d5-4a3c-ac53-56e13ad7a641" {
			t.Fatalf("Reporters kept a UUID another workspace has: %+v", reporters)
		}
		profile, err := e.store.GetFlow(ctx, e.ws.ID, "5ef9c93b-266f-4b7b-8bb9-f233d4d0630a")
		must(t, err)
		if strings.Contains(profile.Definition, "2f7d208a-c2d5-4a3c-ac53-56e13ad7a641") || !strings.Contains(profile.Definition, reporters.UUID) ||
			strings.Contains(profile.Definition, "2d2254f2-27cb-4c8a-a7af-9afb3667a9f0") || !strings.Contains(profile.Definition, spammers.UUID) {
			t.Errorf("Profile Update still refers to the export's group UUIDs")
		}
		a, err := LoadAssets(ctx, e.store, e.ws)
		must(t, err)
		f, err := a.Session.Flows().Get(assetsFlowUUID(profile.UUID))
		must(t, err)
		for _, dep := range f.Inspect(a.Session).Dependencies {
			if dep.Missing() {
				t.Errorf("Profile Update: missing %s", dep.Reference().Identity())
			}
		}

		// a second import finds Reporters by name
		_, err = e.importFiles(t, "subflows.json", "contacts.json")
		must(t, err)
		if c := e.counts(t); c["groups"] != 4 || c["triggers"] != 1 {
			t.Errorf("after the second import: %v", c)
		}

		// a trigger for the same keyword and another flow takes over: the old one is archived
		spec := parseExport(t, "subflows.json")
		spec.Triggers[0].Flow = models.Ref{UUID: "08ba04c7-4dd2-4541-b637-c560767e27f8", Name: "Invite Reporters"}
		_, err = e.importSpec(t, spec)
		must(t, err)
		var archived, active int64
		must(t, e.db.Raw.Raw("SELECT COUNT(*) FROM triggers WHERE workspace_id = ? AND is_archived", e.ws.ID).Scan(&archived).Error)
		must(t, e.db.Raw.Raw("SELECT COUNT(*) FROM triggers WHERE workspace_id = ? AND NOT is_archived", e.ws.ID).Scan(&active).Error)
		if archived != 1 || active != 1 {
			t.Errorf("triggers: %d archived, %d active", archived, active)
		}

		// a trigger on a background flow is refused
		spec = parseExport(t, "contacts.json")
		spec.Triggers = []models.ImportTrigger{{Type: models.TriggerKeyword, Keywords: []string{"tag"}, MatchType: models.MatchFirstWord,
			Flow: models.Ref{UUID: "38fcf72c-f480-42d7-ac70-a05e9c6d0e54", Name: "Tag Reporter"}}}
		if _, err := e.importSpec(t, spec); err == nil || !strings.Contains(err.Error(), "a background flow") {
			t.Errorf("trigger on a background flow: %v", err)
		}
	})
}

func mapsEqual(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func assetsFlowUUID(s string) assets.FlowUUID { return assets.FlowUUID(s) }

// TestEachExportOnItsOwn: every test export imports into an empty workspace by itself, and then the engine finds
// nothing missing and no other issue in any of its flows.
func TestEachExportOnItsOwn(t *testing.T) {
	for _, name := range allExports {
		t.Run(name, func(t *testing.T) {
			e := newImportEnv(t, models.SQLite)
			res, err := e.importFiles(t, name)
			must(t, err)
			a, err := LoadAssets(context.Background(), e.store, e.ws)
			must(t, err)
			for _, r := range res.Flows {
				f, err := a.Session.Flows().Get(assetsFlowUUID(r.UUID))
				must(t, err)
				if issues := f.Inspect(a.Session).Issues; len(issues) > 0 {
					b, _ := json.Marshal(issues)
					t.Errorf("%s: %s", r.Name, b)
				}
			}
		})
	}
}

// TestImportDetails: flow types, labels flows use, resthook slugs, unique flow names.
func TestImportDetails(t *testing.T) {
	flowOf := func(name, uuid, flowType string, actions ...map[string]any) map[string]any {
		acts := []any{}
		for _, a := range actions {
			acts = append(acts, a)
		}
		return map[string]any{"uuid": uuid, "name": name, "spec_version": "14.4.2", "language": "eng", "type": flowType,
			"nodes": []any{map[string]any{"uuid": "b1d2c3e4-5f60-4718-9a2b-3c4d5e6f7081", "actions": acts,
				"exits": []any{map[string]any{"uuid": "d3e4f506-7182-4930-9c4d-5e6f708192a3"}}}}}
	}
	export := func(flows ...map[string]any) []byte {
		list := []any{}
		for _, f := range flows {
			list = append(list, f)
		}
		b, _ := json.Marshal(map[string]any{"version": "13", "flows": list})
		return b
	}
	say := map[string]any{"uuid": "c2d3e4f5-6071-4829-8b3c-4d5e6f708192", "type": "say_msg", "text": "Hello"}
	send := map[string]any{"uuid": "c2d3e4f5-6071-4829-8b3c-4d5e6f708192", "type": "send_msg", "text": "Hello"}
	label := map[string]any{"uuid": "e2d3e4f5-6071-4829-8b3c-4d5e6f708192", "type": "add_input_labels",
		"labels": []any{map[string]any{"uuid": "f1e2d3c4-b5a6-4978-8a9b-0c1d2e3f4a5b", "name": "Colors"}}}
	hook := map[string]any{"uuid": "a2d3e4f5-6071-4829-8b3c-4d5e6f708192", "type": "call_resthook", "resthook": " New-Lead "}

	spec, err := ParseExport(export(
		flowOf("Call", "11111111-1111-4111-8111-111111111111", "voice", say),
		flowOf("Survey", "22222222-2222-4222-8222-222222222222", "messaging_offline", send),
		flowOf("Labeller", "33333333-3333-4333-8333-333333333333", "messaging", send, label),
		flowOf("Hook", "44444444-4444-4444-8444-444444444444", "messaging_background", hook),
	))
	must(t, err)
	types := []models.FlowType{}
	for _, f := range spec.Flows {
		types = append(types, f.FlowType)
	}
	if !slices.Equal(types, []models.FlowType{models.FlowVoice, models.FlowSurvey, models.FlowMessage, models.FlowBackground}) {
		t.Errorf("types %v", types)
	}
	if spec.Flows[0].ExpiresMinutes != 5 || !slices.Equal(spec.Flows[3].Resthooks, []string{"new-lead"}) || len(spec.Flows[2].Labels) != 1 {
		t.Errorf("voice expiry %d, resthooks %v, labels %v", spec.Flows[0].ExpiresMinutes, spec.Flows[3].Resthooks, spec.Flows[2].Labels)
	}

	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newImportEnv(t, d)
		ctx := context.Background()
		// a flow of another UUID already has the name Labeller
		must(t, e.db.Raw.Create(&models.Flow{UUID: "55555555-5555-4555-8555-555555555555", WorkspaceID: e.ws.ID, Name: "labeller",
			FlowType: models.FlowMessage, SpecVersion: "14.4.2", Revision: 1, Definition: "{}", IsActive: true,
			CreatedOn: time.Now(), ModifiedOn: time.Now()}).Error)
		for i := 0; i < 2; i++ {
			spec, err := ParseExport(export(flowOf("Labeller", "33333333-3333-4333-8333-333333333333", "messaging", send, label),
				flowOf("Hook", "44444444-4444-4444-8444-444444444444", "messaging_background", hook)))
			must(t, err)
			res, err := e.importSpec(t, spec)
			must(t, err)
			if res.Flows[0].Name != "Labeller 2" {
				t.Errorf("import %d: the flow is named %q", i, res.Flows[0].Name)
			}
		}
		var labels, hooks int64
		must(t, e.db.Raw.Raw("SELECT COUNT(*) FROM labels WHERE workspace_id = ? AND name = 'Colors' AND uuid = 'f1e2d3c4-b5a6-4978-8a9b-0c1d2e3f4a5b'", e.ws.ID).Scan(&labels).Error)
		must(t, e.db.Raw.Raw("SELECT COUNT(*) FROM resthooks WHERE workspace_id = ? AND slug = 'new-lead'", e.ws.ID).Scan(&hooks).Error)
		if labels != 1 || hooks != 1 {
			t.Errorf("%d labels, %d resthooks", labels, hooks)
		}
		f, err := e.store.GetFlow(ctx, e.ws.ID, "33333333-3333-4333-8333-333333333333")
		must(t, err)
		var def struct {
			Name     string
			Revision int
		}
		must(t, json.Unmarshal([]byte(f.Definition), &def))
		if def.Name != "Labeller 2" || def.Revision != 2 || f.Revision != 2 {
			t.Errorf("the stored definition says %+v, the row revision %d", def, f.Revision)
		}
	})
}

// TestImportFlowUUIDsUniqueOnServer: an export imported into a second workspace gives its flows UUIDs of that
// workspace's own, as RapidPro's flow UUIDs are unique on the server, with the flows that call them, campaign
// events and triggers following; importing it again there finds them, and the first workspace keeps its own.
func TestImportFlowUUIDsUniqueOnServer(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newImportEnv(t, d)
		ctx := context.Background()
		first, err := e.importFiles(t, allExports...)
		must(t, err)
		other, _, _, err := e.store.CreateWorkspace(ctx, models.WorkspaceSpec{Name: "Other", Timezone: "UTC", Languages: []string{"eng", "fra"}}, "o@b.co")
		must(t, err)
		e2 := &importEnv{store: e.store, db: e.db, ws: other}
		second, err := e2.importFiles(t, allExports...)
		must(t, err)

		exportUUIDs := map[string]string{} // name -> the export's UUID, which the first workspace keeps
		for _, f := range first.Flows {
			exportUUIDs[f.Name] = f.UUID
		}
		secondUUIDs := map[string]string{}
		for _, f := range second.Flows {
			secondUUIDs[f.Name] = f.UUID
			if f.UUID == exportUUIDs[f.Name] {
				t.Errorf("flow %q kept the UUID the first workspace holds", f.Name)
			}
		}
		if len(second.Flows) != len(first.Flows) {
			t.Fatalf("second import: %d flows, first %d", len(second.Flows), len(first.Flows))
		}
		var shared int64
		must(t, e.db.Raw.Raw("SELECT COUNT(*) FROM flows a JOIN flows b ON a.uuid = b.uuid AND a.workspace_id < b.workspace_id").Scan(&shared).Error)
		if shared != 0 {
			t.Errorf("%d flow UUIDs are held by two workspaces", shared)
		}

		// the flow that calls Age Question calls the second workspace's, and the engine finds all it uses
		reg, err := e.store.GetFlow(ctx, other.ID, secondUUIDs["Registration"])
		must(t, err)
		if strings.Contains(reg.Definition, exportUUIDs["Age Question"]) || !strings.Contains(reg.Definition, secondUUIDs["Age Question"]) ||
			!strings.Contains(reg.Definition, `"uuid":"`+secondUUIDs["Registration"]+`"`) {
			t.Errorf("Registration still refers to the export's flow UUIDs: %s", reg.Definition)
		}
		a, err := LoadAssets(ctx, e.store, other)
		must(t, err)
		for _, ref := range second.Flows {
			f, err := a.Session.Flows().Get(assetsFlowUUID(ref.UUID))
			must(t, err)
			for _, dep := range f.Inspect(a.Session).Dependencies {
				if dep.Missing() {
					t.Errorf("%s: missing %s", ref.Name, dep.Reference().Identity())
				}
			}
		}
		// the campaign event and the triggers start the second workspace's flows
		for what, q := range map[string]string{
			"campaign events": "SELECT COUNT(*) FROM campaign_events e JOIN campaigns c ON c.id = e.campaign_id JOIN flows f ON f.id = e.flow_id WHERE c.workspace_id = ? AND f.workspace_id = c.workspace_id AND f.uuid = ?",
			"triggers":        "SELECT COUNT(*) FROM triggers t JOIN flows f ON f.id = t.flow_id WHERE t.workspace_id = ? AND f.workspace_id = t.workspace_id AND f.uuid = ?",
		} {
			flow := map[string]string{"campaign events": "Reporter Follow Up", "triggers": "Registration"}[what]
			var n int64
			must(t, e.db.Raw.Raw(q, other.ID, secondUUIDs[flow]).Scan(&n).Error)
			if n != 1 {
				t.Errorf("%s starting the second workspace's %q: %d", what, flow, n)
			}
		}

		// importing again finds what each import made
		before, beforeFirst := e2.counts(t), e.counts(t)
		again, err := e2.importFiles(t, allExports...)
		must(t, err)
		for _, f := range again.Flows {
			if f.UUID != secondUUIDs[f.Name] {
				t.Errorf("again: %q is %s, was %s", f.Name, f.UUID, secondUUIDs[f.Name])
			}
		}
		again, err = e.importFiles(t, allExports...)
		must(t, err)
		for _, f := range again.Flows {
			if f.UUID != exportUUIDs[f.Name] {
				t.Errorf("again in the first: %q is %s, was %s", f.Name, f.UUID, exportUUIDs[f.Name])
			}
		}
		after, afterFirst := e2.counts(t), e.counts(t)
		for _, c := range []struct{ before, after map[string]int64 }{{before, after}, {beforeFirst, afterFirst}} {
			c.after["version"], c.before["version"] = 0, 0
			if !mapsEqual(c.before, c.after) {
				t.Errorf("importing again made more: %v -> %v", c.before, c.after)
			}
		}
	})
}

// TestImportFlowUUIDsRacing: workspaces importing one export at the same moment still end with flow UUIDs of
// their own (on PostgreSQL the imports take turns deciding them).
func TestImportFlowUUIDsRacing(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newImportEnv(t, d)
		ctx := context.Background()
		envs := []*importEnv{e}
		for i := 0; i < 3; i++ {
			ws, _, _, err := e.store.CreateWorkspace(ctx, models.WorkspaceSpec{Name: fmt.Sprintf("W%d", i), Timezone: "UTC", Languages: []string{"eng", "fra"}}, fmt.Sprintf("w%d@b.co", i))
			must(t, err)
			envs = append(envs, &importEnv{store: e.store, db: e.db, ws: ws})
		}
		specs := make([]*models.ImportSpec, len(envs))
		for i := range specs {
			specs[i] = parseExport(t, "subflows.json")
		}
		var wg sync.WaitGroup
		errs := make([]error, len(envs))
		for i, env := range envs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = Import(ctx, env.store, env.ws, specs[i])
			}()
		}
		wg.Wait()
		for _, err := range errs {
			must(t, err)
		}
		var flows, distinct int64
		must(t, e.db.Raw.Raw("SELECT COUNT(*), COUNT(DISTINCT uuid) FROM flows").Row().Scan(&flows, &distinct))
		if flows != 12 || distinct != 12 {
			t.Errorf("%d flows with %d UUIDs, want 12 of each", flows, distinct)
		}
	})
}
