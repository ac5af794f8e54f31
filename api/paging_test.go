package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/testdb"
)

type pageOf struct {
	Next     *string           `json:"next"`
	Previous *string           `json:"previous"`
	Results  []json.RawMessage `json:"results"`
}

func (e *env) getPage(path, auth string) pageOf {
	e.t.Helper()
	resp := e.do(request{method: "GET", path: path, auth: auth})
	if resp.status != 200 {
		e.t.Fatalf("GET %s: %d %s", path, resp.status, resp.body)
	}
	var p pageOf
	e.must(json.Unmarshal(resp.body, &p))
	return p
}

// pathOf turns an absolute next/previous link back into a path for the test server.
func pathOf(t *testing.T, link string) string {
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	if u.Host != "testserver" || u.Scheme != "http" {
		t.Fatalf("link %s is not absolute on the request's host", link)
	}
	return u.RequestURI()
}

func emailsOf(t *testing.T, p pageOf) []string {
	var out []string
	for _, r := range p.Results {
		var u struct{ Email string }
		if err := json.Unmarshal(r, &u); err != nil {
			t.Fatal(err)
		}
		out = append(out, u.Email)
	}
	return out
}

// TestPaging walks 600 users, many sharing a timestamp, forwards with next and back with previous: every
// user is seen exactly once each way, in order, and the links keep the request's filters.
func TestPaging(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		{
			e := newEnv(t, d, envOptions{})
			ctx := context.Background()
			ws := e.ws["nyaruka"]

			// 600 users joining in bursts of 7 within the same microsecond, so ties must break on id
			var want []string
			e.clock.Step = 0
			for i := 0; i < 600; i++ {
				if i%7 == 0 {
					e.clock.Set(fixtureStart.Add(2*time.Hour + time.Duration(i)*time.Minute))
				}
				email := fmt.Sprintf("user%03d@nyaruka.com", i)
				_, err := e.store.AddMember(ctx, ws.ID, email, models.RoleEditor)
				e.must(err)
				want = append([]string{email}, want...) // newest first
			}

			// forwards
			path := "/api/v2/users.json?role=editor&role=agent"
			var got []string
			var pages []pageOf
			for path != "" {
				p := e.getPage(path, "admin")
				pages = append(pages, p)
				got = append(got, emailsOf(t, p)...)
				path = ""
				if p.Next != nil {
					if !strings.Contains(*p.Next, "role=agent") || !strings.Contains(*p.Next, "role=editor") {
						t.Fatalf("next link %s lost the filters", *p.Next)
					}
					path = pathOf(t, *p.Next)
				}
			}
			// the fixture's editor and agent come last (oldest)
			want = append(want, "agent@nyaruka.com", "editor@nyaruka.com")
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Fatalf("forward walk gave %d users, want %d (first difference at %d)", len(got), len(want), firstDiff(got, want))
			}
			if len(pages) != 3 || len(pages[0].Results) != 250 || len(pages[1].Results) != 250 || len(pages[2].Results) != 102 {
				t.Fatalf("page sizes wrong: %d pages", len(pages))
			}
			if pages[0].Previous != nil || pages[2].Next != nil {
				t.Fatal("first page has a previous link or last page a next link")
			}

			// backwards from the last page
			back := emailsOf(t, pages[2])
			p := pages[2]
			for p.Previous != nil {
				p = e.getPage(pathOf(t, *p.Previous), "admin")
				back = append(emailsOf(t, p), back...)
			}
			if strings.Join(back, ",") != strings.Join(want, ",") {
				t.Fatalf("backward walk differs at %d", firstDiff(back, want))
			}
			if p.Next == nil {
				t.Fatal("a page reached backwards has no next link")
			}
		}
	})
}

// TestPagingReverseAndRange pages through globals oldest first within a before/after range.
func TestPagingReverseAndRange(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newEnv(t, d, envOptions{})
		ctx := context.Background()
		ws := e.ws["nyaruka"]
		e.store.Limits = map[string]int{"globals": 1000}
		e.clock.Set(time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC))
		e.clock.Step = time.Minute
		for i := 0; i < 300; i++ {
			_, _, err := e.store.CreateGlobal(ctx, ws.ID, fmt.Sprintf("G%03d", i), "v")
			e.must(err)
		}
		// minutes 10 to 289 inclusive: 280 globals, oldest first
		after := url.QueryEscape("2025-03-01T00:10:00+00:00")
		before := "2025-03-01T04:49:00.000000Z"
		path := "/api/v2/globals.json?reverse=1&after=" + after + "&before=" + before
		var keys []string
		for path != "" {
			p := e.getPage(path, "admin")
			for _, r := range p.Results {
				var g struct{ Key string }
				e.must(json.Unmarshal(r, &g))
				keys = append(keys, g.Key)
			}
			path = ""
			if p.Next != nil {
				path = pathOf(t, *p.Next)
			}
		}
		if len(keys) != 280 || keys[0] != "g010" || keys[279] != "g289" {
			t.Fatalf("got %d globals from %v to %v", len(keys), keys[0], keys[len(keys)-1])
		}
	})
}

func firstDiff(a, b []string) int {
	for i := range a {
		if i >= len(b) || a[i] != b[i] {
			return i
		}
	}
	return len(a)
}
