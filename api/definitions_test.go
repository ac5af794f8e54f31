package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/testdb"
)

const exportsDir = "../testdata/exports"

var testExports = []string{"messaging.json", "webhooks.json", "contacts.json", "subflows.json", "legacy_v11.json", "campaign.json"}

func (e *env) importExport(t *testing.T, auth, name string) response {
	t.Helper()
	body, err := os.ReadFile(filepath.Join(exportsDir, name))
	e.must(err)
	return e.do(request{method: "POST", path: "/api/v2/definitions.json", auth: auth, body: body, contentType: "application/json"})
}

// TestExportImportRoundTrip: everything the test exports hold, exported from one server and imported into
// another, exports the same again (but for the revisions, which every import moves on). Importing an export
// into the workspace it came from changes nothing.
func TestExportImportRoundTrip(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		src := newEnv(t, d, envOptions{})
		for _, f := range testExports {
			if resp := src.importExport(t, "admin", f); resp.status != 201 {
				t.Fatalf("import %s: %d %s", f, resp.status, resp.body)
			}
		}
		var flows struct{ Results []struct{ UUID string } }
		resp := src.do(request{method: "GET", path: "/api/v2/flows.json", auth: "admin"})
		e := json.Unmarshal(resp.body, &flows)
		src.must(e)
		q := url.Values{"campaign": {"2affcaf3-5cb9-47ca-b699-6fc4bbf37e53"}}
		for _, f := range flows.Results {
			q.Add("flow", f.UUID)
		}
		path := "/api/v2/definitions.json?" + q.Encode()
		export := src.do(request{method: "GET", path: path, auth: "admin"})
		if export.status != 200 {
			t.Fatalf("export: %d %s", export.status, export.body)
		}
		var x struct {
			Flows, Campaigns, Triggers, Fields, Groups []any
		}
		src.must(json.Unmarshal(export.body, &x))
		if len(x.Flows) != 12 || len(x.Campaigns) != 1 || len(x.Triggers) != 5 || len(x.Fields) != 4 || len(x.Groups) != 3 {
			t.Fatalf("export has %d flows, %d campaigns, %d triggers, %d fields, %d groups", len(x.Flows), len(x.Campaigns), len(x.Triggers), len(x.Fields), len(x.Groups))
		}

		// (Adults, a smart group no flow or campaign uses, is not a dependency of anything: RapidPro leaves it out too)

		// into a fresh server
		dst := newEnv(t, d, envOptions{})
		if resp := dst.do(request{method: "POST", path: "/api/v2/definitions.json", auth: "admin", body: export.body, contentType: "application/json"}); resp.status != 201 {
			t.Fatalf("import of the export: %d %s", resp.status, resp.body)
		}
		again := dst.do(request{method: "GET", path: path, auth: "admin"})
		if diff := exportDiff(export.body, again.body); diff != "" {
			t.Errorf("the export of the import differs: %s", diff)
		}

		// into the workspace it came from: nothing new
		before := src.configCounts(t)
		if resp := src.do(request{method: "POST", path: "/api/v2/definitions.json", auth: "admin", body: export.body, contentType: "application/json"}); resp.status != 201 {
			t.Fatalf("import of the export into its workspace: %d %s", resp.status, resp.body)
		}
		if after := src.configCounts(t); !reflect.DeepEqual(before, after) {
			t.Errorf("importing an export into its own workspace changed counts: %v -> %v", before, after)
		}
		if diff := exportDiff(export.body, src.do(request{method: "GET", path: path, auth: "admin"}).body); diff != "" {
			t.Errorf("re-importing changed the export: %s", diff)
		}
	})
}

// exportDiff compares two exports but for the flows' revisions.
func exportDiff(a, b []byte) string {
	var x, y map[string]any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return "not JSON"
	}
	for _, m := range []map[string]any{x, y} {
		for _, f := range m["flows"].([]any) {
			delete(f.(map[string]any), "revision")
		}
	}
	for _, k := range []string{"version", "site", "flows", "campaigns", "triggers", "fields", "groups"} {
		if !reflect.DeepEqual(x[k], y[k]) {
			xa, _ := json.Marshal(x[k])
			ya, _ := json.Marshal(y[k])
			return fmt.Sprintf("%s:\n%.2000s\n%.2000s", k, xa, ya)
		}
	}
	return ""
}

func (e *env) configCounts(t *testing.T) map[string]int64 {
	out := map[string]int64{}
	for _, table := range []string{"flows", "contact_fields", "contact_groups", "campaigns", "campaign_events", "triggers", "resthooks", "labels", "topics"} {
		var n int64
		e.must(e.db.Raw.Raw("SELECT COUNT(*) FROM " + table).Scan(&n).Error)
		out[table] = n
	}
	return out
}

// TestImportLimits: an import that would take the workspace past a limit is a 409 (Weni: a 400) and writes
// nothing; one that only matches what exists is fine at the limit.
func TestImportLimits(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newEnv(t, d, envOptions{})
		e.store.Limits = map[string]int{"fields": 2}
		before := e.configCounts(t)
		resp := e.importExport(t, "admin", "contacts.json")
		if resp.status != 409 || string(resp.body) != `{"detail":"Cannot create object because workspace has reached limit."}` {
			t.Fatalf("past the field limit: %d %s", resp.status, resp.body)
		}
		resp = e.importExport(t, "weni", "contacts.json")
		if resp.status != 400 || !strings.Contains(string(resp.body), "This org has 2 contact fields and the limit is 2.") {
			t.Fatalf("Weni past the field limit: %d %s", resp.status, resp.body)
		}
		if after := e.configCounts(t); !reflect.DeepEqual(before, after) {
			t.Errorf("refused imports wrote: %v -> %v", before, after)
		}

		e.store.Limits = map[string]int{"fields": 3, "groups": 3}
		if resp := e.importExport(t, "admin", "contacts.json"); resp.status != 201 {
			t.Fatalf("at the limits: %d %s", resp.status, resp.body)
		}
		if resp := e.importExport(t, "admin", "contacts.json"); resp.status != 201 {
			t.Fatalf("again at the limits, making nothing: %d %s", resp.status, resp.body)
		}
		if resp := e.importExport(t, "admin", "legacy_v11.json"); resp.status != 409 {
			t.Fatalf("a new field past the limit: %d %s", resp.status, resp.body)
		}
	})
}

// TestImportBodyLimit: an export over the server's body limit is a 413.
func TestImportBodyLimit(t *testing.T) {
	e := newEnv(t, models.SQLite, envOptions{})
	body := []byte(`{"version": "13", "flows": [], "site": "` + strings.Repeat("x", int(e.rt.Config.MaxBodyBytes)) + `"}`)
	resp := e.do(request{method: "POST", path: "/api/v2/definitions.json", auth: "admin", body: body, contentType: "application/json"})
	if resp.status != 413 || !bytes.Contains(resp.body, []byte("Request body exceeds the limit")) {
		t.Fatalf("%d %s", resp.status, resp.body)
	}
}

// TestFlowRunCounts: flows.json counts a flow's runs by status, whoever wrote them.
func TestFlowRunCounts(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newEnv(t, d, envOptions{})
		if resp := e.importExport(t, "admin", "messaging.json"); resp.status != 201 {
			t.Fatalf("import: %d %s", resp.status, resp.body)
		}
		ctx := context.Background()
		ws := e.ws["nyaruka"]
		flow, err := e.store.GetFlow(ctx, ws.ID, "0f200337-0277-4118-a064-eaebb8d055ac")
		e.must(err)
		other, err := e.store.GetFlow(ctx, ws.ID, "cca23ee0-4491-4f6e-970f-e51ef9c9e334")
		e.must(err)
		contact, err := e.store.CreateContact(ctx, ws, models.ContactSpec{})
		e.must(err)
		now := time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC)
		session := &models.FlowSession{UUID: e.store.NewUUID(), WorkspaceID: ws.ID, ContactID: contact.ID, Status: models.SessionWaiting, Output: "{}", CreatedOn: now}
		e.must(e.db.Raw.Create(session).Error)
		statuses := map[models.RunStatus]int{models.RunActive: 1, models.RunWaiting: 2, models.RunCompleted: 3, models.RunInterrupted: 4, models.RunExpired: 5, models.RunFailed: 6}
		for status, n := range statuses {
			for i := 0; i < n; i++ {
				run := &models.FlowRun{UUID: e.store.NewUUID(), WorkspaceID: ws.ID, FlowID: flow.ID, ContactID: contact.ID, SessionID: session.ID,
					Status: status, Results: "{}", Path: "[]", CreatedOn: now, ModifiedOn: now}
				e.must(e.db.Raw.Create(run).Error)
			}
		}
		e.must(e.db.Raw.Create(&models.FlowRun{UUID: e.store.NewUUID(), WorkspaceID: ws.ID, FlowID: other.ID, ContactID: contact.ID,
			SessionID: session.ID, Status: models.RunCompleted, Results: "{}", Path: "[]", CreatedOn: now, ModifiedOn: now}).Error)

		resp := e.do(request{method: "GET", path: "/api/v2/flows.json?uuid=" + flow.UUID, auth: "admin"})
		want := `"runs":{"active":1,"waiting":2,"completed":3,"expired":5,"interrupted":4,"failed":6}`
		if resp.status != 200 || !strings.Contains(string(resp.body), want) {
			t.Errorf("runs: %d %s, want %s", resp.status, resp.body, want)
		}
		resp = e.do(request{method: "GET", path: "/api/v2/flows.json?uuid=" + other.UUID, auth: "admin"})
		if !strings.Contains(string(resp.body), `"runs":{"active":0,"waiting":0,"completed":1,"expired":0,"interrupted":0,"failed":0}`) {
			t.Errorf("other flow's runs: %s", resp.body)
		}
	})
}

// TestConcurrentImports: the same export imported five times at once makes everything once.
func TestConcurrentImports(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newEnv(t, d, envOptions{})
		body, err := os.ReadFile(filepath.Join(exportsDir, "contacts.json"))
		e.must(err)
		var wg sync.WaitGroup
		statuses := make([]int, 5)
		for i := range statuses {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = e.do(request{method: "POST", path: "/api/v2/definitions.json", auth: "admin", body: body, contentType: "application/json"}).status
			}()
		}
		wg.Wait()
		for i, s := range statuses {
			if s != 201 {
				t.Errorf("import %d: %d", i, s)
			}
		}
		counts := e.configCounts(t)
		// 2 flows; 3 fields and 3 groups (plus Trileet's field and group, and each workspace's system group)
		if counts["flows"] != 2 || counts["contact_fields"] != 4 || counts["contact_groups"] != 3+1+4 {
			t.Errorf("after concurrent imports: %v", counts)
		}
	})
}
