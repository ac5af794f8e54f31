package api_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/testdb"
)

// TestCampaignEventsMoveFires: an event made through the API has fires for its group's members with a date
// ahead, at the date plus the offset; retiming it moves them, a new message leaves them, DELETE takes them,
// and another workspace's contacts are never touched.
func TestCampaignEventsMoveFires(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newEnv(t, d, envOptions{})
		_, field := e.postJSON(t, "admin", "/api/v2/fields.json", `{"label": "Due Date", "value_type": "datetime"}`)
		_, group := e.postJSON(t, "admin", "/api/v2/groups.json", `{"name": "Mothers"}`)
		_, campaign := e.postJSON(t, "admin", "/api/v2/campaigns.json", fmt.Sprintf(`{"name": "Reminders", "group": %q}`, group["uuid"]))
		due := e.store.Now().Add(72 * time.Hour).Truncate(time.Minute)
		status, contact := e.postJSON(t, "admin", "/api/v2/contacts.json", fmt.Sprintf(`{"name": "Ann", "groups": [%q], "fields": {%q: %q}}`,
			group["uuid"], field["key"], due.Format(time.RFC3339)))
		if status != 201 {
			t.Fatalf("contact: %d %v", status, contact)
		}
		fires := func() []models.CampaignFire {
			var out []models.CampaignFire
			e.must(e.db.Raw.Order("id").Find(&out).Error)
			return out
		}
		status, ev := e.postJSON(t, "admin", "/api/v2/campaign_events.json", fmt.Sprintf(`{"campaign": %q, "relative_to": %q,
			"offset": -1, "unit": "days", "delivery_hour": -1, "message": "Tomorrow!"}`, campaign["uuid"], field["key"]))
		if status != 201 {
			t.Fatalf("event: %d %v", status, ev)
		}
		f := fires()
		if len(f) != 1 || !f[0].FireOn.Equal(due.Add(-24*time.Hour)) {
			t.Fatalf("fires after the event was made: %+v", f)
		}
		path := "/api/v2/campaign_events.json?uuid=" + ev["uuid"].(string)
		// a new message leaves the fire as it is
		if status, out := e.postJSON(t, "admin", path, fmt.Sprintf(`{"campaign": %q, "relative_to": %q, "offset": -1, "unit": "days",
			"delivery_hour": -1, "message": "Tomorrow, Ann!"}`, campaign["uuid"], field["key"])); status != 200 {
			t.Fatalf("update: %d %v", status, out)
		}
		if again := fires(); len(again) != 1 || again[0].ID != f[0].ID || !again[0].FireOn.Equal(f[0].FireOn) {
			t.Fatalf("fires after a new message: %+v, were %+v", again, f)
		}
		if status, out := e.postJSON(t, "admin", path, fmt.Sprintf(`{"campaign": %q, "relative_to": %q, "offset": -2, "unit": "hours",
			"delivery_hour": -1, "message": "Soon!"}`, campaign["uuid"], field["key"])); status != 200 {
			t.Fatalf("update: %d %v", status, out)
		}
		if f := fires(); len(f) != 1 || !f[0].FireOn.Equal(due.Add(-2*time.Hour)) {
			t.Fatalf("fires after the event was retimed: %+v", f)
		}
		// the field is used: fields.json says so, and its type can't change away from datetime
		for _, f := range e.getJSON(t, "admin", "/api/v2/fields.json?key="+field["key"].(string))["results"].([]any) {
			if n := f.(map[string]any)["usages"].(map[string]any)["campaign_events"]; n != float64(1) {
				t.Fatalf("usages.campaign_events is %v", n)
			}
		}
		status, out := e.postJSON(t, "admin", "/api/v2/fields.json?key="+field["key"].(string), `{"name": "Due Date", "type": "text"}`)
		if errs, _ := out["non_field_errors"].([]any); status != 400 || len(errs) != 1 || errs[0] != "Can't change type of date field being used by campaign events." {
			t.Fatalf("retyping a field campaigns use: %d %v", status, out)
		}
		var stored models.Field
		e.must(e.db.Raw.Where("key = ?", field["key"]).Take(&stored).Error)
		if stored.ValueType != models.FieldDatetime {
			t.Fatalf("the field was retyped: %+v", stored)
		}
		if resp := e.do(request{method: "DELETE", path: path, auth: "admin2"}); resp.status != 404 || len(fires()) != 1 {
			t.Fatalf("another workspace's DELETE: %d, fires %+v", resp.status, fires())
		}
		if resp := e.do(request{method: "DELETE", path: path, auth: "admin"}); resp.status != 204 || len(fires()) != 0 {
			t.Fatalf("DELETE: %d, fires %+v", resp.status, fires())
		}
	})
}
