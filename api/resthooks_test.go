package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flowsd/flowsd/flows"
	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/testdb"
)

// walk follows next links from path to the last page and gives every result with the pages' sizes; then it
// walks back from the last page with previous links and checks it meets the same results.
func (e *env) walk(t *testing.T, path, auth string) (results []json.RawMessage, sizes []int) {
	t.Helper()
	start := path
	var pages []pageOf
	for path != "" {
		p := e.getPage(path, auth)
		pages = append(pages, p)
		results = append(results, p.Results...)
		sizes = append(sizes, len(p.Results))
		path = ""
		if p.Next != nil {
			path = pathOf(t, *p.Next)
		}
	}
	last := pages[len(pages)-1]
	back := slices.Clone(last.Results)
	for p := last; p.Previous != nil; {
		p = e.getPage(pathOf(t, *p.Previous), auth)
		back = append(slices.Clone(p.Results), back...)
	}
	if len(back) != len(results) {
		t.Fatalf("%s: walking back gave %d results, forwards %d", start, len(back), len(results))
	}
	for i := range back {
		if string(back[i]) != string(results[i]) {
			t.Fatalf("%s: walking back differs at %d: %s, forwards %s", start, i, back[i], results[i])
		}
	}
	return results, sizes
}

// field reads one key of each result.
func field[T any](t *testing.T, results []json.RawMessage, key string) []T {
	t.Helper()
	out := make([]T, len(results))
	for i, r := range results {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(r, &obj); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(obj[key], &out[i]); err != nil {
			t.Fatalf("%s of %s: %v", key, r, err)
		}
	}
	return out
}

// TestResthookPaging walks more than a page of resthooks (both ways, and reversed), of subscribers and of
// events, many sharing a time: each is seen once, in order, the filters kept, and another workspace's rows,
// which it has as many of, never come in.
func TestResthookPaging(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newEnv(t, d, envOptions{})
		const n = 260
		var ours, theirs []*models.Resthook
		at := func(i int) time.Time { return hookAt(8, 0, 0).Add(time.Duration(i/4) * time.Second) } // four at a time: ids break the ties
		for i := range n {
			ours = append(ours, e.seedResthook("nyaruka", fmt.Sprintf("hook-%03d", i), true, at(i), at(i)))
			theirs = append(theirs, e.seedResthook("trileet", fmt.Sprintf("hook-%03d", i), true, at(i), at(i)))
		}
		for i := range n {
			e.seedSubscriber(ours[0], fmt.Sprintf("https://example.com/%03d", i), true, at(i))
			e.seedSubscriber(ours[1], fmt.Sprintf("https://other.example.com/%03d", i), true, at(i))
			e.seedSubscriber(theirs[0], fmt.Sprintf("https://example.com/%03d", i), true, at(i))
			e.seedResthookEvent(ours[0], fmt.Sprintf(`{"i": %d}`, i), at(i))
			e.seedResthookEvent(theirs[0], fmt.Sprintf(`{"i": %d}`, i), at(i))
		}
		e.seedResthook("nyaruka", "deleted", false, hookAt(9, 0, 0), hookAt(9, 0, 0))

		newestFirst := func(format string) []string {
			var want []string
			for i := n - 1; i >= 0; i-- {
				want = append(want, fmt.Sprintf(format, i))
			}
			return want
		}

		results, sizes := e.walk(t, "/api/v2/resthooks.json", "admin")
		if got := field[string](t, results, "resthook"); !slices.Equal(got, newestFirst("hook-%03d")) || !slices.Equal(sizes, []int{250, 10}) {
			t.Fatalf("resthooks: pages %v, %v…", sizes, got[:5])
		}
		results, sizes = e.walk(t, "/api/v2/resthooks.json?reverse=true", "admin")
		want := newestFirst("hook-%03d")
		slices.Reverse(want)
		if got := field[string](t, results, "resthook"); !slices.Equal(got, want) || !slices.Equal(sizes, []int{250, 10}) {
			t.Fatalf("reversed resthooks: pages %v, %v…", sizes, got[:5])
		}
		first := e.getPage("/api/v2/resthooks.json?reverse=true", "admin")
		if !strings.Contains(*first.Next, "reverse=true") {
			t.Fatalf("the next link %s lost reverse", *first.Next)
		}

		results, sizes = e.walk(t, "/api/v2/resthook_subscribers.json?resthook=hook-000", "admin")
		if got := field[string](t, results, "target_url"); !slices.Equal(got, newestFirst("https://example.com/%03d")) || !slices.Equal(sizes, []int{250, 10}) {
			t.Fatalf("subscribers: pages %v, %v…", sizes, got[:5])
		}
		if ids := field[int64](t, results, "id"); !slices.IsSortedFunc(ids, func(a, b int64) int { return int(b - a) }) {
			t.Fatalf("subscribers aren't newest first by id: %v…", ids[:5])
		}
		if first := e.getPage("/api/v2/resthook_subscribers.json?resthook=hook-000", "admin"); !strings.Contains(*first.Next, "resthook=hook-000") {
			t.Fatalf("the next link %s lost the filter", *first.Next)
		}
		if results, _ = e.walk(t, "/api/v2/resthook_subscribers.json", "admin"); len(results) != 2*n {
			t.Fatalf("%d subscribers in all, want %d", len(results), 2*n)
		}

		results, sizes = e.walk(t, "/api/v2/resthook_events.json?resthook=hook-000", "admin")
		data := field[map[string]int](t, results, "data")
		for i, d := range data {
			if d["i"] != n-1-i {
				t.Fatalf("event %d is %v", i, d)
			}
		}
		if !slices.Equal(sizes, []int{250, 10}) {
			t.Fatalf("events: pages %v", sizes)
		}
		if results, _ = e.walk(t, "/api/v2/resthook_events.json?resthook=hook-001", "admin"); len(results) != 0 {
			t.Fatalf("hook-001 has %d events", len(results))
		}
	})
}

// TestResthookSubscriptionsReachTheEngine: a resthook made by importing a flow is listed; subscribing and
// unsubscribing move the workspace's config version on, so the engine's cached assets see the change at once,
// while refused writes move nothing; a run of the flow records its payload, which resthook_events shows as
// the object stored, key order and all.
func TestResthookSubscriptionsReachTheEngine(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newEnv(t, d, envOptions{})
		ctx := context.Background()
		ws, other := e.ws["nyaruka"], e.ws["trileet"]
		if resp := e.importExport(t, "admin", "webhooks.json"); resp.status != 201 {
			t.Fatalf("import: %d %s", resp.status, resp.body)
		}
		hooks := e.getJSON(t, "admin", "/api/v2/resthooks.json")["results"].([]any)
		if len(hooks) != 1 || hooks[0].(map[string]any)["resthook"] != "new-registration" {
			t.Fatalf("resthooks after the import: %v", hooks)
		}

		cache := flows.NewAssetCache(e.store)
		subscribers := func() []string {
			t.Helper()
			a, err := cache.Get(ctx, ws)
			e.must(err)
			return a.Session.Resthooks().FindBySlug("new-registration").Subscribers()
		}
		version := func(id int64) int64 {
			t.Helper()
			v, err := e.store.ConfigVersion(ctx, id)
			e.must(err)
			return v
		}
		if got := subscribers(); len(got) != 0 {
			t.Fatalf("subscribers before any: %v", got)
		}

		v, theirs := version(ws.ID), version(other.ID)
		status, sub := e.postJSON(t, "admin", "/api/v2/resthook_subscribers.json", `{"resthook": "new-registration", "target_url": "https://hooks.example.com/a"}`)
		if status != 201 {
			t.Fatalf("subscribe: %d %v", status, sub)
		}
		if version(ws.ID) != v+1 || version(other.ID) != theirs {
			t.Fatalf("config versions after subscribing: %d (was %d), another workspace's %d (was %d)", version(ws.ID), v, version(other.ID), theirs)
		}
		if got := subscribers(); !slices.Equal(got, []string{"https://hooks.example.com/a"}) {
			t.Fatalf("the engine's subscribers after subscribing: %v", got)
		}

		// refusals move nothing
		for _, body := range []string{
			`{"resthook": "new-registration", "target_url": "https://hooks.example.com/a"}`,
			`{"resthook": "new-registration", "target_url": "javascript:alert(1)"}`,
			`{"resthook": "nope", "target_url": "https://hooks.example.com/b"}`,
		} {
			if status, _ := e.postJSON(t, "admin", "/api/v2/resthook_subscribers.json", body); status != 400 {
				t.Fatalf("%s: %d", body, status)
			}
		}
		for _, path := range []string{"?id=999", "?id=abc", ""} {
			if resp := e.do(request{method: "DELETE", path: "/api/v2/resthook_subscribers.json" + path, auth: "admin"}); resp.status == 204 {
				t.Fatalf("DELETE %s: %d", path, resp.status)
			}
		}
		if version(ws.ID) != v+1 {
			t.Fatalf("refused writes moved the config version to %d", version(ws.ID))
		}
		// another workspace can't delete it
		if resp := e.do(request{method: "DELETE", path: fmt.Sprintf("/api/v2/resthook_subscribers.json?id=%v", sub["id"]), auth: "admin2"}); resp.status != 404 {
			t.Fatalf("another workspace's DELETE: %d %s", resp.status, resp.body)
		}
		if version(ws.ID) != v+1 || version(other.ID) != theirs || !slices.Equal(subscribers(), []string{"https://hooks.example.com/a"}) {
			t.Fatal("another workspace's DELETE changed something")
		}

		if resp := e.do(request{method: "DELETE", path: fmt.Sprintf("/api/v2/resthook_subscribers.json?id=%v", sub["id"]), auth: "admin"}); resp.status != 204 {
			t.Fatalf("unsubscribe: %d %s", resp.status, resp.body)
		}
		if version(ws.ID) != v+2 {
			t.Fatalf("config version after unsubscribing: %d, want %d", version(ws.ID), v+2)
		}
		if got := subscribers(); len(got) != 0 {
			t.Fatalf("the engine's subscribers after unsubscribing: %v", got)
		}

		// a run of the flow, with no one subscribed, records the payload all the same
		c := e.makeContact("nyaruka", "Jo", "tel:+250788000300")
		status, start := e.postJSON(t, "admin", "/api/v2/flow_starts.json", fmt.Sprintf(`{"flow": "ac16a8a9-4d75-4acd-9938-cae62e016c3d", "contacts": [%q]}`, c.UUID))
		if status != 201 {
			t.Fatalf("start: %d %v", status, start)
		}
		e.drainStarts()
		resp := e.do(request{method: "GET", path: "/api/v2/resthook_events.json?resthook=new-registration", auth: "admin"})
		var events struct {
			Results []struct {
				Resthook  string          `json:"resthook"`
				Data      json.RawMessage `json:"data"`
				CreatedOn string          `json:"created_on"`
			}
		}
		e.must(json.Unmarshal(resp.body, &events))
		if len(events.Results) != 1 || events.Results[0].Resthook != "new-registration" {
			t.Fatalf("events: %s", resp.body)
		}
		var data struct {
			Contact struct{ UUID, Name string }
		}
		e.must(json.Unmarshal(events.Results[0].Data, &data))
		if data.Contact.UUID != c.UUID || data.Contact.Name != "Jo" {
			t.Fatalf("the payload is %s", events.Results[0].Data)
		}
		// exactly as stored, key order and all
		var stored models.ResthookEvent
		e.must(e.db.Raw.Where("workspace_id = ?", ws.ID).Take(&stored).Error)
		var compact bytes.Buffer
		e.must(json.Compact(&compact, []byte(stored.Data)))
		if string(events.Results[0].Data) != compact.String() {
			t.Fatalf("the payload is %s, stored %s", events.Results[0].Data, stored.Data)
		}
		if other := e.getJSON(t, "admin2", "/api/v2/resthook_events.json")["results"].([]any); len(other) != 0 {
			t.Fatalf("another workspace sees %d events", len(other))
		}
	})
}

// TestConcurrentSubscribes: of many requests subscribing one URL at once, one succeeds and the others are
// told it is subscribed already; exactly one subscriber is written.
func TestConcurrentSubscribes(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newEnv(t, d, envOptions{})
		seedResthookWorld(e)
		const n = 8
		statuses := make(chan int, n)
		for range n {
			go func() {
				resp := e.do(request{method: "POST", path: "/api/v2/resthook_subscribers.json", auth: "admin",
					body: []byte(`{"resthook": "new-father", "target_url": "https://race.example.com/"}`), contentType: "application/json"})
				statuses <- resp.status
			}()
		}
		created := 0
		for range n {
			switch s := <-statuses; s {
			case 201:
				created++
			case 400:
			default:
				t.Errorf("status %d", s)
			}
		}
		if created != 1 || e.countRows("resthook_subscribers", "target_url = ?", "https://race.example.com/") != 1 {
			t.Fatalf("%d created, %d written", created, e.countRows("resthook_subscribers", "target_url = ?", "https://race.example.com/"))
		}
	})
}
