package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/testdb"
	"github.com/flowsd/flowsd/throttle"
)

// countQueries counts the statements the store runs from now on.
func (e *env) countQueries() *atomic.Int64 {
	e.t.Helper()
	return e.db.CountQueries(e.t)
}

// queriesFor is how many statements one GET runs.
func (e *env) queriesFor(n *atomic.Int64, path string) int64 {
	e.t.Helper()
	before := n.Load()
	e.getPage(path, "admin")
	return n.Load() - before
}

// TestListingsQueryPerPage: a page of 250 starts or runs takes as many queries as a page of one; their
// contacts, groups, URNs and run counts are loaded for the whole page at once.
func TestListingsQueryPerPage(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newEnv(t, d, envOptions{})
		w := seedFlowWorld(e)
		for i := range 260 {
			at := seedAt(14, 0).Add(time.Duration(i/3) * time.Second) // threes share a time
			c := e.seedContact("nyaruka", seedUUID('c', 100+i), fmt.Sprint("Contact ", i), fmt.Sprintf("tel:+2507881%05d", i))
			s := e.seedStart(startSeed{ws: "nyaruka", uuid: seedUUID('5', 100+i), by: "admin", flow: w.flow, status: models.StartStarted,
				count: 1, contacts: []*models.Contact{c, w.joe}, groups: []*models.Group{w.customers}, modified: at})
			e.seedRun(runSeed{uuid: seedUUID('e', 100+i), flow: w.flow, contact: c, start: s, status: models.RunWaiting, modified: at})
		}
		n := e.countQueries()
		for _, endpoint := range []string{"flow_starts", "runs"} {
			one := e.queriesFor(n, "/api/v2/"+endpoint+".json?after=2025-01-01T14:01:26Z")
			full := e.queriesFor(n, "/api/v2/"+endpoint+".json")
			if one != full {
				t.Errorf("%s: a page of 250 takes %d queries, a page of one %d", endpoint, full, one)
			}
		}

		// every start and run comes once, newest first, across pages
		for _, endpoint := range []string{"flow_starts", "runs"} {
			seen := map[string]bool{}
			var last string
			path := "/api/v2/" + endpoint + ".json?after=2025-01-01T14:00:00Z"
			pages := 0
			for path != "" {
				p := e.getPage(path, "admin")
				pages++
				for _, r := range p.Results {
					var item struct {
						UUID       string `json:"uuid"`
						ModifiedOn string `json:"modified_on"`
					}
					e.must(json.Unmarshal(r, &item))
					if seen[item.UUID] {
						t.Errorf("%s: %s seen twice", endpoint, item.UUID)
					}
					if last != "" && item.ModifiedOn > last {
						t.Errorf("%s: %s out of order", endpoint, item.UUID)
					}
					seen[item.UUID], last = true, item.ModifiedOn
				}
				path = ""
				if p.Next != nil {
					path = pathOf(t, *p.Next)
				}
			}
			if len(seen) != 260 || pages != 2 {
				t.Errorf("%s: %d items on %d pages, want 260 on 2", endpoint, len(seen), pages)
			}
		}
	})
}

// TestFlowStartURNRace: starts made at once with the same new URN make one contact between them.
func TestFlowStartURNRace(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newEnv(t, d, envOptions{})
		w := seedFlowWorld(e)
		body := fmt.Sprintf(`{"flow": %q, "urns": ["tel:+250788555555", "tel:+250788555556"]}`, w.flow.UUID)
		var wg sync.WaitGroup
		statuses := make([]int, 6)
		for i := range statuses {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = e.do(request{method: "POST", path: "/api/v2/flow_starts.json", auth: "admin", body: []byte(body), contentType: "application/json"}).status
			}()
		}
		wg.Wait()
		for i, s := range statuses {
			if s != http.StatusCreated {
				t.Errorf("start %d: status %d", i, s)
			}
		}
		if n := e.countRows("contact_urns", "identity IN ?", []string{"tel:+250788555555", "tel:+250788555556"}); n != 2 {
			t.Errorf("%d URNs, want one contact each", n)
		}
		if n := e.countRows("flow_start_contacts", "contact_id IN (SELECT contact_id FROM contact_urns WHERE identity = 'tel:+250788555555')"); n != 6 {
			t.Errorf("the contact is in %d starts, want 6", n)
		}
	})
}

// TestCreateFlowStartIsAtomic: a start that fails part way leaves nothing behind, not even the contacts made
// for its URNs.
func TestCreateFlowStartIsAtomic(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newEnv(t, d, envOptions{})
		w := seedFlowWorld(e)
		ws := e.ws["nyaruka"]
		starts, contacts := e.countRows("flow_starts", "1 = 1"), e.countRows("contacts", "1 = 1")
		_, err := e.store.CreateFlowStart(context.Background(), ws, models.FlowStartSpec{
			FlowID: w.flow.ID, StartType: models.StartTypeAPI, ContactIDs: []int64{w.joe.ID},
			GroupIDs:    []int64{999999}, // no such group: the last insert fails
			URNs:        []models.URNSpec{{Identity: "tel:+250788777777", Scheme: "tel", Path: "+250788777777"}},
			Params:      "{}",
			CreatedByID: e.userID("admin"),
		})
		if err == nil {
			t.Fatal("a start with a group that doesn't exist was written")
		}
		if n := e.countRows("flow_starts", "1 = 1"); n != starts {
			t.Errorf("%d starts, want %d", n, starts)
		}
		if n := e.countRows("contacts", "1 = 1"); n != contacts {
			t.Errorf("%d contacts, want %d: the URN's contact outlived the failed start", n, contacts)
		}
		if n := e.countRows("flow_start_contacts", "contact_id = ?", w.joe.ID); n != 1 {
			t.Errorf("joe is in %d starts, want only the seeded one", n)
		}
	})
}

// TestFlowStartWakesWorkers: a new start wakes this process's start workers once it commits; a refused one doesn't.
func TestFlowStartWakesWorkers(t *testing.T) {
	e := newEnv(t, models.SQLite, envOptions{})
	w := seedFlowWorld(e)
	woken := func() bool {
		select {
		case <-e.rt.Signals.C(models.WorkStarts):
			return true
		default:
			return false
		}
	}
	post := func(body string) int {
		return e.do(request{method: "POST", path: "/api/v2/flow_starts.json", auth: "admin", body: []byte(body), contentType: "application/json"}).status
	}
	if s := post(`{"flow": "nope", "contacts": ["` + w.joe.UUID + `"]}`); s != http.StatusBadRequest {
		t.Errorf("refused start: %d", s)
	} else if woken() {
		t.Error("a refused start woke the workers")
	}
	if s := post(`{"flow": "` + w.flow.UUID + `", "contacts": ["` + w.joe.UUID + `"]}`); s != http.StatusCreated {
		t.Errorf("new start: %d", s)
	} else if !woken() {
		t.Error("a new start didn't wake the workers")
	}
}

// TestFlowStartOversizedBody: a body past the configured limit is a 413 and writes nothing.
func TestFlowStartOversizedBody(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newEnv(t, d, envOptions{})
		w := seedFlowWorld(e)
		big := fmt.Sprintf(`{"flow": %q, "contacts": [%q], "params": {"x": %q}}`, w.flow.UUID, w.joe.UUID, strings.Repeat("a", int(e.rt.Config.MaxBodyBytes)))
		before := e.countRows("flow_starts", "1 = 1")
		resp := e.do(request{method: "POST", path: "/api/v2/flow_starts.json", auth: "admin", body: []byte(big), contentType: "application/json"})
		if resp.status != http.StatusRequestEntityTooLarge || !bytes.Contains(resp.body, []byte("Request body exceeds the limit")) {
			t.Errorf("oversized body: %d %s", resp.status, resp.body)
		}
		if n := e.countRows("flow_starts", "1 = 1"); n != before {
			t.Errorf("%d starts, want %d", n, before)
		}
	})
}

// TestFlowStartAndRunScopes: runs count against v2.runs; flow starts against v2, but v2.flowstart in Weni
// workspaces, as Weni throttles them.
func TestFlowStartAndRunScopes(t *testing.T) {
	e := newEnv(t, models.SQLite, envOptions{rates: map[throttle.Scope]throttle.Rate{
		"v2": {N: 10, Per: time.Hour}, "v2.runs": {N: 20, Per: time.Hour}, "v2.flowstart": {N: 30, Per: time.Hour}}})
	for _, tc := range []struct{ auth, path, limit string }{
		{"admin", "/api/v2/flow_starts.json", "10"},
		{"weni", "/api/v2/flow_starts.json", "30"},
		{"admin", "/api/v2/runs.json", "20"},
		{"weni", "/api/v2/runs.json", "20"},
	} {
		resp := e.do(request{method: "GET", path: tc.path, auth: tc.auth})
		if got := resp.header.Get("X-RateLimit-Limit"); resp.status != http.StatusOK || got != tc.limit {
			t.Errorf("%s %s: %d, limit %s, want %s", tc.auth, tc.path, resp.status, got, tc.limit)
		}
	}
}

// TestFlowStartURNsFollowTheRules: the contacts a start finds or makes for its URNs are started under the same
// rules as the contacts it is given (active ones only, less its exclusions), though a listing shows only the
// contacts it was given.
func TestFlowStartURNsFollowTheRules(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newEnv(t, d, envOptions{})
		if resp := e.importExport(t, "admin", "messaging.json"); resp.status != 201 {
			t.Fatalf("import: %d %s", resp.status, resp.body)
		}
		const color = "0f200337-0277-4118-a064-eaebb8d055ac"
		var uuids []string
		for i, name := range []string{"Ann", "Bob"} {
			status, c := e.postJSON(t, "admin", "/api/v2/contacts.json", fmt.Sprintf(`{"name": %q, "urns": ["tel:+25078800000%d"]}`, name, i))
			if status != 201 {
				t.Fatalf("contact: %d %v", status, c)
			}
			uuids = append(uuids, c["uuid"].(string))
		}
		if status, out := e.postJSON(t, "admin", "/api/v2/contact_actions.json", fmt.Sprintf(`{"contacts": [%q], "action": "block"}`, uuids[1])); status != 204 {
			t.Fatalf("block: %d %v", status, out)
		}

		status, start := e.postJSON(t, "admin", "/api/v2/flow_starts.json",
			fmt.Sprintf(`{"flow": %q, "urns": ["tel:+250788000000", "tel:+250788000001", "tel:+250788000009"]}`, color))
		if status != 201 || fmt.Sprint(start["contacts"]) != "[]" {
			t.Fatalf("start: %d %v", status, start)
		}
		e.drainStarts()
		got := e.getJSON(t, "admin", "/api/v2/flow_starts.json?uuid="+start["uuid"].(string))["results"].([]any)[0].(map[string]any)
		if got["status"] != "completed" || fmt.Sprint(got["progress"]) != "map[started:2 total:2]" || fmt.Sprint(got["contacts"]) != "[]" {
			t.Fatalf("start after the workers: %v (Ann and the new contact started, not blocked Bob)", got)
		}
		if n := e.countRows("flow_runs", "contact_id = (SELECT id FROM contacts WHERE uuid = ?)", uuids[1]); n != 0 {
			t.Errorf("blocked Bob has %d runs", n)
		}

		status, again := e.postJSON(t, "admin", "/api/v2/flow_starts.json",
			fmt.Sprintf(`{"flow": %q, "urns": ["tel:+250788000000"], "restart_participants": false}`, color))
		if status != 201 {
			t.Fatalf("second start: %d %v", status, again)
		}
		e.drainStarts()
		got = e.getJSON(t, "admin", "/api/v2/flow_starts.json?uuid="+again["uuid"].(string))["results"].([]any)[0].(map[string]any)
		if got["status"] != "completed" || fmt.Sprint(got["progress"]) != "map[started:0 total:-1]" {
			t.Fatalf("a start of someone already in the flow, without restarting: %v", got)
		}
	})
}
