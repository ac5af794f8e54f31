package flows

import (
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/netguard"
	"github.com/flowsd/flowsd/runtime"
)

// TestWebhooksDenied: with the runtime's client on the default deny list, a flow's webhook and a resthook's
// subscriber on loopback are never called: each call is a connection_error in the HTTP logs and the flow goes
// down its Failure route; the subscriber, which didn't answer 410, stays subscribed.
func TestWebhooksDenied(t *testing.T) {
	eachHostDialect(t, func(t *testing.T, e *hostEnv) {
		rt, err := runtime.New(e.ctx, &runtime.Config{WebhookTimeout: 5 * time.Second, WebhooksDeny: netguard.Default()},
			runtime.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		must(t, err)
		t.Cleanup(func() { rt.Close() })
		e.host = NewHost(e.store, rt.Log, EngineOptions{HTTPClient: rt.HTTP, UserAgent: "flowsd"})
		e.host.LockWait = 5 * time.Second

		hooks := newHookServer(t)
		e.importFile("webhooks.json", "https://api.example.com/", hooks.URL+"/")
		var hook models.Resthook
		must(t, e.db.Raw.Where("workspace_id = ? AND slug = ?", e.ws.ID, "new-registration").Take(&hook).Error)
		now := e.store.Now()
		must(t, e.db.Raw.Create(&models.ResthookSubscriber{WorkspaceID: e.ws.ID, ResthookID: hook.ID, TargetURL: hooks.URL + "/hook",
			IsActive: true, CreatedOn: now, ModifiedOn: now}).Error)
		must(t, e.db.Raw.Exec("UPDATE workspaces SET config_version = config_version + 1 WHERE id = ?", e.ws.ID).Error)

		jo := e.contact("Jo", "tel:+250788000300")
		e.startNow(webhookLookup, jo)
		e.wantLast(jo, "Sorry, we couldn't look you up.")
		runs := e.runs(jo)
		if len(runs) != 1 || e.results(runs[0])["lookup"]["category"] != "Failure" {
			t.Fatalf("runs are %+v", runs)
		}
		e.startNow(resthookFlow, jo)
		e.wantLast(jo, "We couldn't reach the team, sorry.")

		var logs []models.HTTPLog
		must(t, e.db.Raw.Where("workspace_id = ?", e.ws.ID).Order("id").Find(&logs).Error)
		if len(logs) != 2 {
			t.Fatalf("http logs are %+v", logs)
		}
		for i, want := range []string{hooks.URL + "/lookup?urn=", hooks.URL + "/hook"} {
			l := logs[i]
			if l.Status != "connection_error" || l.StatusCode != 0 || !strings.HasPrefix(l.URL, want) || l.Request == "" || l.Response != "" ||
				l.FlowID == nil {
				t.Errorf("http log %d is %+v, want a connection_error calling %s", i, l, want)
			}
		}
		hooks.mu.Lock()
		defer hooks.mu.Unlock()
		if len(hooks.bodies) != 0 {
			t.Fatalf("the server was called past the deny list: %v", hooks.bodies)
		}
		var active int64
		must(t, e.db.Raw.Model(&models.ResthookSubscriber{}).Where("resthook_id = ? AND is_active", hook.ID).Count(&active).Error)
		if active != 1 {
			t.Fatalf("%d active subscribers, want the denied one still", active)
		}
	})
}
