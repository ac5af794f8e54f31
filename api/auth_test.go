package api_test

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/testdb"
)

// TestAuthForms covers the credential forms a truth file can't spell, as they carry the fixture's keys.
func TestAuthForms(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newEnv(t, d, envOptions{})
		key := e.tokens["admin"]
		cases := []struct {
			header string
			status int
			detail string
		}{
			{"Token " + key, 200, ""},
			{"token " + key, 200, ""},
			{"TOKEN   " + key + "  ", 200, ""},
			{"Token " + strings.ToLower(key), 403, "Invalid token"},
			{"Token " + key + "x", 403, "Invalid token"},
			{"Token \xff\xfe", 403, "Invalid token header. Token string should not contain invalid characters."},
			{"Basic " + base64.StdEncoding.EncodeToString([]byte("admin@nyaruka.com:"+key)), 200, ""},
			{"Basic " + base64.StdEncoding.EncodeToString([]byte("ADMIN@nyaruka.com:"+key)), 200, ""},
			{"basic " + base64.StdEncoding.EncodeToString([]byte("editor@nyaruka.com:"+key)), 403, "Invalid token or email"},
			{"Basic " + base64.StdEncoding.EncodeToString([]byte("admin@nyaruka.com:"+e.tokens["revoked"])), 403, "Invalid token or email"},
			{"Bearer " + key, 403, "Authentication credentials were not provided."},
		}
		for _, c := range cases {
			resp := e.do(request{method: "GET", path: "/api/v2/workspace.json", headers: map[string]string{"Authorization": c.header}})
			if resp.status != c.status {
				t.Errorf("%q: %d %s, want %d", c.header, resp.status, resp.body, c.status)
			}
			if c.detail != "" && string(resp.body) != `{"detail":"`+c.detail+`"}` {
				t.Errorf("%q: body %s, want detail %q", c.header, resp.body, c.detail)
			}
			if resp.header.Get("WWW-Authenticate") != "" {
				t.Errorf("%q: sent WWW-Authenticate", c.header)
			}
		}

		// tokens are stored hashed: the database holds nothing that authenticates
		var hashes []string
		e.must(e.db.Raw.Model(&models.APIToken{}).Pluck("key_hash", &hashes).Error)
		for _, h := range hashes {
			if h == key || len(h) != 64 {
				t.Fatalf("stored token %q is not a SHA-256 hash", h)
			}
			resp := e.do(request{method: "GET", path: "/api/v2/workspace.json", headers: map[string]string{"Authorization": "Token " + h}})
			if resp.status != 403 {
				t.Fatalf("a stored hash authenticated: %d", resp.status)
			}
		}
	})
}

// TestRendering checks the bytes of answers: compact JSON by default, indented on request, no HTML
// escaping, raw UTF-8, and a bare 204.
func TestRendering(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newEnv(t, d, envOptions{})
		resp := e.do(request{method: "POST", path: "/api/v2/labels.json", auth: "admin", body: []byte(`{"name":"<b>Café</b> & co"}`), contentType: "application/json"})
		if resp.status != 201 || string(resp.body) != `{"uuid":"00000000-0000-4000-8000-000000000101","name":"<b>Café</b> & co","count":0}` {
			t.Fatalf("compact: %d %s", resp.status, resp.body)
		}
		if ct := resp.header.Get("Content-Type"); ct != "application/json" {
			t.Fatalf("content type %q", ct)
		}

		resp = e.do(request{method: "GET", path: "/api/v2/workspace.json", auth: "admin", headers: map[string]string{"Accept": "application/json; indent=4"}})
		if !strings.HasPrefix(string(resp.body), "{\n    \"uuid\": ") {
			t.Fatalf("indented: %s", resp.body)
		}

		resp = e.do(request{method: "DELETE", path: "/api/v2/labels.json?uuid=00000000-0000-4000-8000-000000000101", auth: "admin"})
		if resp.status != 204 || len(resp.body) != 0 {
			t.Fatalf("delete: %d %q", resp.status, resp.body)
		}

		resp = e.do(request{method: "HEAD", path: "/api/v2/workspace.json", auth: "admin"})
		if resp.status != 200 || len(resp.body) != 0 || resp.header.Get("X-Temba-Workspace") == "" {
			t.Fatalf("HEAD: %d %q", resp.status, resp.body)
		}
	})
}
