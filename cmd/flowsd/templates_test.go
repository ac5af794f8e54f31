package main_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/flowsd/flowsd/channels/wac/graphtest"
	"github.com/flowsd/flowsd/testdb"
)

// TestTemplatesSync: flowsd templates sync reads every page of the channel's templates and its WhatsApp Flows
// (with the screens and variables of each flow's JSON) from the (fake) Graph, stores them, prints a summary and keeps the calls as a channel log with the token
// redacted; when Graph refuses or fails, it says so and nothing changes.
func TestTemplatesSync(t *testing.T) {
	eachDB(t, func(t *testing.T, dbURL string) {
		g := graphtest.New("tok-5e1d")
		defer g.Close()
		g.PageSize = 2
		body := func(text string) []any { return []any{map[string]any{"type": "BODY", "text": text}} }
		g.SetTemplates("111",
			map[string]any{"id": "1", "name": "hello", "language": "en", "status": "APPROVED", "components": body("Hi {{1}}")},
			map[string]any{"id": "2", "name": "hello", "language": "fr", "status": "APPROVED", "components": body("Salut {{1}}")},
			map[string]any{"id": "3", "name": "gone", "language": "en", "status": "DELETED", "components": body("x")})
		g.SetFlows("111", map[string]any{"id": "f1", "name": "Signup", "status": "PUBLISHED", "categories": []string{"SIGN_UP"}})
		g.SetFlowJSON("f1", map[string]any{"screens": []any{map[string]any{"id": "JOIN", "data": map[string]any{"email": map[string]any{"type": "string"}}}}})
		ws := createNyaruka(t, dbURL)
		cfg := `{"wa_waba_id":"111","access_token":"tok-5e1d","app_secret":"sec","verify_token":"ver","graph_url":"` + g.URL + `","graph_version":"` + graphtest.Version + `"}`
		out, errOut, code := flowsd(t, nil, "channel", "create", "--workspace", ws.Workspace.UUID, "--type", "WAC", "--name", "WhatsApp",
			"--address", "106540352242922", "--config", cfg, "--db", dbURL)
		if code != 0 {
			t.Fatalf("channel create: %d %s", code, errOut)
		}
		var ch struct{ UUID string }
		must(t, json.Unmarshal([]byte(out), &ch))
		env := []string{"FLOWSD_WEBHOOKS_DENY="}

		out, errOut, code = flowsd(t, env, "templates", "sync", "--channel", ch.UUID, "--db", dbURL)
		if code != 0 {
			t.Fatalf("sync: %d %s", code, errOut)
		}
		want := `"channel":"` + ch.UUID + `","fetched":3,"skipped":1,"created":2,"updated":0,"deleted":0,"whatsapp_flows":1`
		if !strings.Contains(strings.ReplaceAll(strings.ReplaceAll(out, " ", ""), "\n", ""), want) {
			t.Fatalf("sync printed %s, want %s", out, want)
		}
		db := testdb.Raw(t, dbURL)
		count := func(q string) (n int64) {
			must(t, db.Raw(q).Scan(&n).Error)
			return n
		}
		if count("SELECT COUNT(*) FROM template_translations") != 2 || count("SELECT COUNT(*) FROM templates") != 1 || count("SELECT COUNT(*) FROM whatsapp_flows") != 1 {
			t.Fatal("not stored")
		}
		var assets string
		must(t, db.Raw("SELECT assets FROM whatsapp_flows WHERE external_id = 'f1'").Scan(&assets).Error)
		if assets != `{"screens":["JOIN"],"variables":["email"]}` {
			t.Errorf("the flow's assets %s", assets)
		}
		var logs []string
		must(t, db.Raw("SELECT http_logs FROM channel_logs WHERE log_type = 'template_sync'").Scan(&logs).Error)
		if len(logs) != 1 || strings.Contains(logs[0], "tok-5e1d") || strings.Count(logs[0], "message_templates") < 2 {
			t.Fatalf("logs %v", logs)
		}

		for _, f := range []graphtest.Failure{{Status: http.StatusUnauthorized, Code: 190, Message: "Invalid OAuth access token."}, {Status: http.StatusInternalServerError}} {
			g.SetTemplates("111")
			g.FailNext(f)
			_, errOut, code = flowsd(t, env, "templates", "sync", "--channel", ch.UUID, "--db", dbURL)
			if code != 1 || !strings.Contains(errOut, "Graph answered") {
				t.Fatalf("failing Graph: %d %s", code, errOut)
			}
			if count("SELECT COUNT(*) FROM template_translations") != 2 || count("SELECT COUNT(*) FROM whatsapp_flows") != 1 {
				t.Fatal("a failed sync changed what was stored")
			}
		}
	})
}

// TestTemplatesSyncJob: serve syncs every WhatsApp Cloud channel's templates and WhatsApp Flows every
// --templates-every (here a second), at once on start and again later, so that what Meta changes meanwhile
// arrives without anyone asking; templates.json then shows them.
func TestTemplatesSyncJob(t *testing.T) {
	eachDB(t, func(t *testing.T, dbURL string) {
		g := graphtest.New("tok-77ab")
		defer g.Close()
		body := func(text string) []any { return []any{map[string]any{"type": "BODY", "text": text}} }
		g.SetTemplates("222", map[string]any{"id": "1", "name": "hello", "language": "en", "status": "APPROVED", "components": body("Hi {{1}}")})
		g.SetFlows("222", map[string]any{"id": "f1", "name": "Signup", "status": "PUBLISHED", "categories": []string{"SIGN_UP"}})
		ws := createNyaruka(t, dbURL)
		cfg := `{"wa_waba_id":"222","access_token":"tok-77ab","app_secret":"sec","verify_token":"ver","graph_url":"` + g.URL + `","graph_version":"` + graphtest.Version + `"}`
		if _, errOut, code := flowsd(t, nil, "channel", "create", "--workspace", ws.Workspace.UUID, "--type", "WAC", "--name", "WhatsApp",
			"--address", "106540352242933", "--config", cfg, "--db", dbURL); code != 0 {
			t.Fatalf("channel create: %d %s", code, errOut)
		}
		db := testdb.Raw(t, dbURL)
		count := func(q string) (n int64) {
			must(t, db.Raw(q).Scan(&n).Error)
			return n
		}

		srv := startServer(t, []string{"FLOWSD_DB=" + dbURL, "FLOWSD_WEBHOOKS_DENY=", "FLOWSD_TEMPLATES_EVERY=1s"})
		defer srv.stop(t)
		waitFor(t, "the first sync", 30*time.Second, func() bool {
			return count("SELECT COUNT(*) FROM template_translations") == 1 && count("SELECT COUNT(*) FROM whatsapp_flows") == 1
		})
		// Meta gets a new translation and loses the flow: a later run of the job brings both changes
		g.SetTemplates("222",
			map[string]any{"id": "1", "name": "hello", "language": "en", "status": "APPROVED", "components": body("Hi {{1}}")},
			map[string]any{"id": "2", "name": "hello", "language": "pt_BR", "status": "APPROVED", "components": body("Oi {{1}}")})
		g.SetFlows("222")
		waitFor(t, "a later sync", 30*time.Second, func() bool {
			return count("SELECT COUNT(*) FROM template_translations") == 2 && count("SELECT COUNT(*) FROM whatsapp_flows") == 0
		})
		if n := count("SELECT COUNT(*) FROM channel_logs WHERE log_type = 'template_sync'"); n < 2 {
			t.Errorf("%d template sync logs, want one a run", n)
		}
		code, out := srv.get(t, "/api/v2/templates.json", ws.Token)
		if code != 200 || !strings.Contains(out, `"name":"hello"`) || !strings.Contains(out, `"locale":"por-BR"`) || !strings.Contains(out, `"content":"Oi {{1}}"`) {
			t.Errorf("templates.json after the job: %d %s", code, out)
		}
	})
}
