package api_test

import (
	"context"
	"strings"
	"testing"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/testdb"
)

// TestCachesAcrossProcesses runs two servers, each with its own caches, on one database: whatever one
// changes, the other shows on its very next request.
func TestCachesAcrossProcesses(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		a := newEnv(t, d, envOptions{})
		b := a.twin()
		ctx := context.Background()
		nyaruka := a.ws["nyaruka"]

		get := func(e *env, path, auth string) response {
			t.Helper()
			return e.do(request{method: "GET", path: path, auth: auth})
		}
		post := func(e *env, path, auth, body string) response {
			t.Helper()
			return e.do(request{method: "POST", path: path, auth: auth, body: []byte(body), contentType: "application/json"})
		}
		expect := func(resp response, status int, contains string) {
			t.Helper()
			if resp.status != status || !strings.Contains(string(resp.body), contains) {
				t.Fatalf("got %d %s, want %d containing %q", resp.status, resp.body, status, contains)
			}
		}

		// warm A's caches, then change things through B
		expect(get(a, "/api/v2/fields.json", "admin"), 200, `"results":[]`)
		expect(get(a, "/api/v2/fields.json", "admin"), 200, `"results":[]`)
		expect(post(b, "/api/v2/fields.json", "admin", `{"name":"Age","type":"number"}`), 201, `"key":"age"`)
		expect(get(a, "/api/v2/fields.json", "admin"), 200, `"key":"age"`)

		expect(get(a, "/api/v2/labels.json", "editor"), 200, `"results":[]`)
		expect(post(b, "/api/v2/labels.json", "admin", `{"name":"Spam"}`), 201, `Spam`)
		expect(get(a, "/api/v2/labels.json", "editor"), 200, `Spam`)

		expect(get(a, "/api/v2/globals.json?key=org", "admin"), 200, `"results":[]`)
		expect(post(b, "/api/v2/globals.json", "admin", `{"name":"Org","value":"One"}`), 201, `One`)
		expect(get(a, "/api/v2/globals.json?key=org", "admin"), 200, `One`)
		expect(post(b, "/api/v2/globals.json?key=org", "admin", `{"value":"Two"}`), 200, `Two`)
		expect(get(a, "/api/v2/globals.json?key=org", "admin"), 200, `Two`)

		// a token revoked by B stops working at A at once
		expect(get(a, "/api/v2/workspace.json", "editor"), 200, `Nyaruka`)
		a.must(b.store.RevokeToken(ctx, a.tokens["editor"]))
		expect(get(a, "/api/v2/workspace.json", "editor"), 403, `Invalid token`)

		// a role changed by B applies at A at once
		expect(get(a, "/api/v2/labels.json", "admin"), 200, `Spam`)
		_, err := b.store.AddMember(ctx, nyaruka.ID, "admin@nyaruka.com", models.RoleAgent)
		a.must(err)
		expect(get(a, "/api/v2/labels.json", "admin"), 403, `permission`)
		expect(get(a, "/api/v2/users.json?role=agent", "agent"), 200, `admin@nyaruka.com`)

		// a member removed by B can do nothing at A
		var agent models.User
		a.must(a.db.Raw.Where("email = ?", "agent@nyaruka.com").Take(&agent).Error)
		a.must(b.store.RemoveMember(ctx, nyaruka.ID, agent.ID))
		expect(get(a, "/api/v2/fields.json", "agent"), 403, `permission`)

		// a user deactivated by B is refused at A, in every workspace
		expect(get(a, "/api/v2/workspace.json", "admin2"), 200, `Trileet`)
		var admin2 models.User
		a.must(a.db.Raw.Where("email = ?", "admin2@trileet.com").Take(&admin2).Error)
		a.must(b.store.SetUserActive(ctx, admin2.ID, false))
		expect(get(a, "/api/v2/workspace.json", "admin2"), 403, `Invalid token`)

		// rates changed by B apply at A
		expect(get(a, "/api/v2/workspace.json", "weni"), 200, `Weni`)
		a.must(b.store.SetWorkspaceRates(ctx, a.ws["weni"].ID, map[string]string{"v2": "7/hour"}))
		if resp := get(a, "/api/v2/workspace.json", "weni"); resp.header.Get("X-RateLimit-Limit") != "7" {
			t.Fatalf("rate limit after B's change: %v", resp.header)
		}

		// one workspace's change leaves another's answers alone, and never shows them
		expect(get(a, "/api/v2/fields.json", "weni"), 200, `"results":[]`)
	})
}
