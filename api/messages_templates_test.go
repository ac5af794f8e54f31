package api_test

import (
	"fmt"
	"testing"

	"github.com/flowsd/flowsd/flows"
	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/testdb"
)

// TestTemplatedFlowMessage: a flow's send_msg with a WhatsApp template, started through flow_starts.json and
// run by the engine on the synced template, shows in messages.json as the template's preview (text, header
// media, buttons as quick replies) queued on the WhatsApp channel; another workspace sees none of it.
func TestTemplatedFlowMessage(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newEnv(t, d, envOptions{})
		ws := e.ws["nyaruka"]
		ch, err := e.store.CreateChannel(t.Context(), ws.ID, models.ChannelSpec{Type: "WAC", Name: "WhatsApp", Address: "106540352242922",
			Schemes: []string{"whatsapp"}, Config: `{"access_token":"tok","wa_waba_id":"waba1"}`})
		e.must(err)
		_, err = e.store.SyncTemplates(t.Context(), ch, []models.MetaTemplate{{ID: "tpl-1", Name: "shipped", Language: "pt_BR", Status: "APPROVED",
			Components: []models.MetaComponent{{Type: "HEADER", Format: "DOCUMENT"}, {Type: "BODY", Text: "Olá {{1}}, seu pedido saiu."},
				{Type: "BUTTONS", Buttons: []models.MetaButton{{Type: "QUICK_REPLY", Text: "Obrigado"}}}}}})
		e.must(err)
		tpl, err := e.store.GetTemplateByName(t.Context(), ws.ID, "shipped")
		e.must(err)
		const flowUUID = "3b1c7d52-6f0e-4f57-9a61-2f9d0c1e7a02"
		export := `{"version": "13", "site": "https://rapidpro.example.com", "campaigns": [], "fields": [], "groups": [], "triggers": [],
 "flows": [{"uuid": "` + flowUUID + `", "name": "Shipped", "spec_version": "14.4.2", "language": "eng", "type": "messaging", "revision": 1,
   "expire_after_minutes": 60, "localization": {}, "nodes": [{"uuid": "0b7b2f5e-1c1d-4d0e-8f0a-6e2c3b4a5d02", "actions": [
     {"uuid": "a1c4e0d2-3b5f-4a6e-9c7d-8e9f0a1b2c03", "type": "send_msg", "text": "Your order shipped",
      "template": {"uuid": "` + tpl.UUID + `", "name": "shipped"}, "template_variables": ["application/pdf:https://x.example/nota.pdf", "@contact.name"]}],
    "exits": [{"uuid": "c7d8e9f0-1a2b-4c3d-8e4f-5a6b7c8d9e02"}]}]}]}`
		spec, err := flows.ParseExports(flows.Document{Name: "shipped.json", Data: []byte(export)})
		e.must(err)
		_, err = flows.Import(t.Context(), e.store, ws, spec)
		e.must(err)
		status, contact := e.postJSON(t, "admin", "/api/v2/contacts.json", `{"name": "Ana", "urns": ["whatsapp:5511999990001"]}`)
		if status != 201 {
			t.Fatalf("contact: %d %v", status, contact)
		}
		if status, start := e.postJSON(t, "admin", "/api/v2/flow_starts.json", fmt.Sprintf(`{"flow": %q, "contacts": [%q]}`, flowUUID, contact["uuid"])); status != 201 {
			t.Fatalf("start: %d %v", status, start)
		}
		e.drainStarts()

		msgs := e.getJSON(t, "admin", "/api/v2/messages.json?contact="+contact["uuid"].(string))["results"].([]any)
		if len(msgs) != 1 {
			t.Fatalf("%d messages, want the template", len(msgs))
		}
		m := msgs[0].(map[string]any)
		if m["text"] != "Olá Ana, seu pedido saiu." || m["status"] != "queued" || m["urn"] != "whatsapp:5511999990001" || m["direction"] != "out" ||
			m["channel"].(map[string]any)["uuid"] != ch.UUID || m["flow"].(map[string]any)["uuid"] != flowUUID ||
			fmt.Sprint(m["attachments"]) != "[map[content_type:application/pdf url:https://x.example/nota.pdf]]" ||
			fmt.Sprint(m["quick_replies"]) != "[map[text:Obrigado type:text]]" {
			t.Errorf("messages.json shows %v", m)
		}
		var stored models.Msg
		e.must(e.db.Raw.Where("uuid = ?", m["uuid"]).Take(&stored).Error)
		if tm, err := models.ParseTemplating(stored.Templating); err != nil || tm == nil || tm.Language != "pt_BR" || tm.Locale != "por-BR" || len(tm.Variables) != 2 {
			t.Errorf("stored templating %v (%v)", stored.Templating, err)
		}
		if other := e.getJSON(t, "admin2", "/api/v2/messages.json")["results"].([]any); len(other) != 0 {
			t.Errorf("another workspace sees %d messages", len(other))
		}
	})
}
