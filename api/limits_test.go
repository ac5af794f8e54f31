package api_test

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/testdb"
)

// TestLimits fills each limited kind to its limit: the next create is a 409 (Weni: a 400) and writes
// nothing; system objects don't count, and updates are still allowed.
func TestLimits(t *testing.T) {
	kinds := []struct {
		kind, endpoint string
		body           func(i int) string
		update         string
	}{
		{"fields", "fields", func(i int) string { return fmt.Sprintf(`{"name":"Field %d","type":"text"}`, i) }, "?key=field_0"},
		{"globals", "globals", func(i int) string { return fmt.Sprintf(`{"name":"Global %d","value":"v"}`, i) }, "?key=global_0"},
		{"groups", "groups", func(i int) string { return fmt.Sprintf(`{"name":"Group %d"}`, i) }, ""},
		{"labels", "labels", func(i int) string { return fmt.Sprintf(`{"name":"Label %d"}`, i) }, ""},
		{"topics", "topics", func(i int) string { return fmt.Sprintf(`{"name":"Topic %d"}`, i) }, ""},
	}
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newEnv(t, d, envOptions{})
		e.store.Limits = map[string]int{}
		for _, k := range kinds {
			e.store.Limits[k.kind] = 3
		}
		for _, k := range kinds {
			t.Run(k.kind, func(t *testing.T) {
				path := "/api/v2/" + k.endpoint + ".json"
				var first string
				for i := 0; i < 3; i++ {
					resp := e.do(request{method: "POST", path: path, auth: "admin", body: []byte(k.body(i)), contentType: "application/json"})
					if resp.status != 201 {
						t.Fatalf("create %d: %d %s", i, resp.status, resp.body)
					}
					if i == 0 {
						var obj struct{ UUID string }
						json.Unmarshal(resp.body, &obj)
						first = obj.UUID
					}
				}
				resp := e.do(request{method: "POST", path: path, auth: "admin", body: []byte(k.body(3)), contentType: "application/json"})
				if resp.status != 409 || string(resp.body) != `{"detail":"Cannot create object because workspace has reached limit."}` {
					t.Fatalf("create past the limit: %d %s", resp.status, resp.body)
				}
				// the limit is checked before the body, as in RapidPro
				resp = e.do(request{method: "POST", path: path, auth: "admin", body: []byte(`{}`), contentType: "application/json"})
				if resp.status != 409 {
					t.Fatalf("empty create past the limit: %d %s", resp.status, resp.body)
				}
				// updates still work at the limit
				update := k.update
				if update == "" {
					update = "?uuid=" + first
				}
				resp = e.do(request{method: "POST", path: path + update, auth: "admin", body: []byte(k.body(0)), contentType: "application/json"})
				if resp.status != 200 {
					t.Fatalf("update at the limit: %d %s", resp.status, resp.body)
				}
				// Weni answers 400 with its own message
				for i := 0; i < 3; i++ {
					e.do(request{method: "POST", path: path, auth: "weni", body: []byte(k.body(i)), contentType: "application/json"})
				}
				resp = e.do(request{method: "POST", path: path, auth: "weni", body: []byte(k.body(3)), contentType: "application/json"})
				if resp.status != 400 {
					t.Fatalf("weni create past the limit: %d %s", resp.status, resp.body)
				}
			})
		}
	})
}

// TestConcurrentCreates races 20 creates of distinct names against a limit of 5, and 20 creates of one name:
// the limit and the uniqueness hold, every refusal is a clean 4xx.
func TestConcurrentCreates(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newEnv(t, d, envOptions{})
		e.store.Limits = map[string]int{"labels": 5}

		statuses := func(body func(i int) string) map[int]int {
			var mu sync.Mutex
			counts := map[int]int{}
			var wg sync.WaitGroup
			for i := 0; i < 20; i++ {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					resp := e.do(request{method: "POST", path: "/api/v2/labels.json", auth: "admin", body: []byte(body(i)), contentType: "application/json"})
					mu.Lock()
					counts[resp.status]++
					mu.Unlock()
				}(i)
			}
			wg.Wait()
			return counts
		}

		counts := statuses(func(i int) string { return fmt.Sprintf(`{"name":"Label %d"}`, i) })
		if counts[201] != 5 || counts[409] != 15 {
			t.Fatalf("distinct names against a limit of 5: %v", counts)
		}
		var n int64
		e.must(e.db.Raw.Model(&models.Label{}).Where("workspace_id = ?", e.ws["nyaruka"].ID).Count(&n).Error)
		if n != 5 {
			t.Fatalf("%d labels stored, want 5", n)
		}

		e.store.Limits = map[string]int{"labels": 100}
		counts = statuses(func(int) string { return `{"name":"Same"}` })
		if counts[201] != 1 || counts[400] != 19 {
			t.Fatalf("one name 20 times: %v", counts)
		}
	})
}

// TestConcurrentURNClaims races 10 creates of contacts with one URN: exactly one gets it, the others a clean
// 400 on that URN, and nothing else is written.
func TestConcurrentURNClaims(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newEnv(t, d, envOptions{})
		var mu sync.Mutex
		counts := map[int]int{}
		var wg sync.WaitGroup
		for i := 0; i < 10; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				body := fmt.Sprintf(`{"name":"Racer %d","urns":["tel:+250788111111"]}`, i)
				resp := e.do(request{method: "POST", path: "/api/v2/contacts.json", auth: "admin", body: []byte(body), contentType: "application/json"})
				if resp.status == 400 && string(resp.body) != `{"urns":{"0":["URN is in use by another contact."]}}` {
					t.Errorf("refusal: %s", resp.body)
				}
				mu.Lock()
				counts[resp.status]++
				mu.Unlock()
			}(i)
		}
		wg.Wait()
		if counts[201] != 1 || counts[400] != 9 {
			t.Fatalf("10 claims of one URN: %v", counts)
		}
		var n int64
		e.must(e.db.Raw.Model(&models.Contact{}).Where("workspace_id = ?", e.ws["nyaruka"].ID).Count(&n).Error)
		if n != 1 {
			t.Fatalf("%d contacts written, want 1", n)
		}
	})
}
