package wac_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/flowsd/flowsd/channels"
	. "github.com/flowsd/flowsd/channels/channeltest"
	"github.com/flowsd/flowsd/channels/wac/graphtest"
)

// TestFetchTemplates: the listing is followed page by page with the bearer token; Graph's refusals and
// failures are errors that name the status, and return nothing.
func TestFetchTemplates(t *testing.T) {
	g := graphtest.New(token)
	defer g.Close()
	g.PageSize = 2
	g.SetTemplates("waba1",
		map[string]any{"id": "1", "name": "a", "language": "en", "status": "APPROVED"},
		map[string]any{"id": "2", "name": "b", "language": "en", "status": "APPROVED"},
		map[string]any{"id": "3", "name": "c", "language": "fr", "status": "PENDING"})
	g.SetFlows("waba1", map[string]any{"id": "f1", "name": "Signup", "status": "PUBLISHED", "categories": []string{"SIGN_UP"}})
	ch := NewChannel(channels.Get("wac"), "", channels.Config{"access_token": token, "graph_url": g.URL, "wa_waba_id": "waba1"})

	lister := channels.Get("wac").(channels.TemplateLister)
	items, err := lister.FetchTemplates(t.Context(), ch, g.Client())
	if err != nil || len(items) != 3 || !strings.Contains(string(items[2]), `"name":"c"`) {
		t.Fatalf("items %s, %v", items, err)
	}
	reqs := g.Requests()
	if len(reqs) != 2 || reqs[0].Path != "/v25.0/waba1/message_templates?limit=255" || reqs[0].Authorization != "Bearer "+token ||
		!strings.Contains(reqs[1].Path, "after=2") {
		t.Fatalf("requests %+v", reqs)
	}
	flows, err := lister.FetchFlows(t.Context(), ch, g.Client())
	if err != nil || len(flows) != 1 || !strings.Contains(g.Requests()[2].Path, "fields=id%2Cname%2Cstatus%2Ccategories") {
		t.Fatalf("flows %s, %v", flows, err)
	}
	// a flow without an asset has no screens or variables; one with its JSON has those of its screens
	if !strings.Contains(string(flows[0]), `"assets":{"screens":[],"variables":[]}`) {
		t.Fatalf("a flow without its JSON: %s", flows[0])
	}
	g.SetFlowJSON("f1", map[string]any{"version": "6.0", "screens": []any{
		map[string]any{"id": "WELCOME", "data": map[string]any{"name": map[string]any{"type": "string"}}, "layout": map[string]any{}},
		map[string]any{"id": "DONE", "terminal": true, "data": map[string]any{"name": map[string]any{}, "email": map[string]any{}}}}})
	before := len(g.Requests())
	flows, err = lister.FetchFlows(t.Context(), ch, g.Client())
	if err != nil || len(flows) != 1 || !strings.Contains(string(flows[0]), `"assets":{"screens":["DONE","WELCOME"],"variables":["email","name"]}`) ||
		!strings.Contains(string(flows[0]), `"name":"Signup"`) {
		t.Fatalf("a flow with its JSON: %s, %v", flows, err)
	}
	reqs = g.Requests()[before:]
	if len(reqs) != 3 || reqs[1].Path != "/v25.0/f1/assets" || reqs[1].Authorization != "Bearer "+token ||
		reqs[2].Path != "/flowjson/f1" || reqs[2].Authorization != "" {
		t.Fatalf("requests for the flow's JSON %+v", reqs)
	}

	for _, f := range []graphtest.Failure{{Status: http.StatusUnauthorized, Code: 190, Message: "Invalid OAuth access token."}, {Status: http.StatusInternalServerError}} {
		g.FailNext(f)
		items, err := lister.FetchTemplates(t.Context(), ch, g.Client())
		if err == nil || items != nil || !strings.Contains(err.Error(), "answered") {
			t.Fatalf("%d: items %s, err %v", f.Status, items, err)
		}
	}
	// a token Graph refuses
	wrong := NewChannel(channels.Get("wac"), "", channels.Config{"access_token": "nope", "graph_url": g.URL, "wa_waba_id": "waba1"})
	if _, err := lister.FetchTemplates(t.Context(), wrong, g.Client()); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("wrong token: %v", err)
	}
	if _, err := lister.FetchTemplates(t.Context(), NewChannel(channels.Get("wac"), "", channels.Config{"access_token": token}), g.Client()); err == nil {
		t.Fatal("no WABA id, no error")
	}
}
