package gateway_test

import (
	"testing"

	"github.com/flowsd/flowsd/flows"
	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/testdb"
	"github.com/nyaruka/gocommon/urns"
)

// whatsAppBroadcast writes a W broadcast of a msg object to URNs, as POST whatsapp_broadcasts.json does, and
// works it into messages.
func (w *wacEnv) whatsAppBroadcast(msg string, forced bool, to ...string) {
	w.t.Helper()
	spec := models.BroadcastSpec{Type: models.BroadcastWhatsApp, Translations: "{}", BaseLanguage: "base", Metadata: &msg}
	if forced {
		spec.ChannelID = &w.wac.ID
	}
	for _, u := range to {
		spec.URNs = append(spec.URNs, models.URNSpecFor(urns.URN(u)))
	}
	_, err := w.store.CreateBroadcast(w.ctx, w.ws, spec)
	w.must(err)
	w.drainBroadcasts()
}

// drainBroadcasts works the broadcasts until none has anything left to do, as a broadcast worker would.
func (w *wacEnv) drainBroadcasts() {
	w.t.Helper()
	b := &flows.Broadcasts{Host: w.host, BatchSize: 100}
	for {
		worked, err := b.WorkOnce(w.ctx)
		w.must(err)
		if !worked {
			return
		}
	}
}

// TestWACWhatsAppBroadcasts: whatsapp_broadcasts' interactive kinds reach Graph as WhatsApp's payloads, each
// contact's expressions evaluated for them: a list (rows with descriptions, Weni's row ids and the list's
// button), a CTA url, a WhatsApp Flow, a location request, reply buttons; a text header and a footer on each
// kind that shows them (a location request shows neither), a media header on a CTA url.
func TestWACWhatsAppBroadcasts(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		// broadcasts go to contacts who never wrote in: a template's job, so the 24-hour check is off here
		w := newWACEnv(t, d, map[string]any{"session_window": false})
		s := w.sender()
		cases := []struct {
			msg  string
			want string
		}{
			{`{"text":"Escolha, @urns.whatsapp","list_message":{"button_text":"Opções","list_items":[{"title":"Pizza","description":"grande","uuid":"a1"},{"title":"Salada","uuid":"a2"}]}}`,
				`{"messaging_product":"whatsapp","recipient_type":"individual","to":"5511999990001","type":"interactive","interactive":{"type":"list","body":{"text":"Escolha, whatsapp:5511999990001"},"action":{"button":"Opções","sections":[{"rows":[{"id":"a1","title":"Pizza","description":"grande"},{"id":"a2","title":"Salada"}]}]}}}`},
			{`{"text":"Veja","cta_message":{"url":"https://weni.ai","display_text":"Abrir"}}`,
				`{"messaging_product":"whatsapp","recipient_type":"individual","to":"5511999990001","type":"interactive","interactive":{"type":"cta_url","body":{"text":"Veja"},"action":{"name":"cta_url","parameters":{"display_text":"Abrir","url":"https://weni.ai"}}}}`},
			{`{"text":"Cadastro","flow_message":{"flow_id":"29287612","flow_screen":"WELCOME","flow_cta":"Começar","flow_token":"tok1"}}`,
				`{"messaging_product":"whatsapp","recipient_type":"individual","to":"5511999990001","type":"interactive","interactive":{"type":"flow","body":{"text":"Cadastro"},"action":{"name":"flow","parameters":{"flow_message_version":"3","flow_id":"29287612","flow_cta":"Começar","flow_action":"navigate","flow_action_payload":{"screen":"WELCOME"},"flow_token":"tok1"}}}}`},
			{`{"text":"Onde?","interaction_type":"location"}`,
				`{"messaging_product":"whatsapp","recipient_type":"individual","to":"5511999990001","type":"interactive","interactive":{"type":"location_request_message","body":{"text":"Onde?"},"action":{"name":"send_location"}}}`},
			{`{"text":"Sim?","quick_replies":["Sim","Não"]}`,
				`{"messaging_product":"whatsapp","recipient_type":"individual","to":"5511999990001","type":"interactive","interactive":{"type":"button","body":{"text":"Sim?"},"action":{"buttons":[{"type":"reply","reply":{"id":"0","title":"Sim"}},{"type":"reply","reply":{"id":"1","title":"Não"}}]}}}`},
			// header and footer (expressions evaluated per contact), on each kind that shows them
			{`{"text":"Sim?","header":{"type":"text","text":"Oi @urns.whatsapp"},"footer":"Weni @(upper(\"ai\"))","quick_replies":["Sim","Não"]}`,
				`{"messaging_product":"whatsapp","recipient_type":"individual","to":"5511999990001","type":"interactive","interactive":{"type":"button","header":{"type":"text","text":"Oi whatsapp:5511999990001"},"body":{"text":"Sim?"},"footer":{"text":"Weni AI"},"action":{"buttons":[{"type":"reply","reply":{"id":"0","title":"Sim"}},{"type":"reply","reply":{"id":"1","title":"Não"}}]}}}`},
			{`{"text":"Escolha","header":{"type":"text","text":"Cardápio"},"footer":"Weni","list_message":{"list_items":[{"title":"Pizza"},{"title":"Salada"}]}}`,
				`{"messaging_product":"whatsapp","recipient_type":"individual","to":"5511999990001","type":"interactive","interactive":{"type":"list","header":{"type":"text","text":"Cardápio"},"body":{"text":"Escolha"},"footer":{"text":"Weni"},"action":{"button":"Menu","sections":[{"rows":[{"id":"0","title":"Pizza"},{"id":"1","title":"Salada"}]}]}}}`},
			{`{"text":"Veja","attachments":["image/jpeg:https://weni.ai/a.jpg"],"header":{"type":"media"},"footer":"Weni","cta_message":{"url":"https://weni.ai","display_text":"Abrir"}}`,
				`{"messaging_product":"whatsapp","recipient_type":"individual","to":"5511999990001","type":"interactive","interactive":{"type":"cta_url","header":{"type":"image","image":{"link":"https://weni.ai/a.jpg"}},"body":{"text":"Veja"},"footer":{"text":"Weni"},"action":{"name":"cta_url","parameters":{"display_text":"Abrir","url":"https://weni.ai"}}}}`},
			{`{"text":"Cadastro","header":{"type":"text","text":"Bem-vindo"},"footer":"Weni","flow_message":{"flow_id":"29287612","flow_cta":"Começar"}}`,
				`{"messaging_product":"whatsapp","recipient_type":"individual","to":"5511999990001","type":"interactive","interactive":{"type":"flow","header":{"type":"text","text":"Bem-vindo"},"body":{"text":"Cadastro"},"footer":{"text":"Weni"},"action":{"name":"flow","parameters":{"flow_message_version":"3","flow_id":"29287612","flow_cta":"Começar","flow_action":"navigate"}}}}`},
			{`{"text":"Onde?","footer":"Weni","interaction_type":"location"}`,
				`{"messaging_product":"whatsapp","recipient_type":"individual","to":"5511999990001","type":"interactive","interactive":{"type":"location_request_message","body":{"text":"Onde?"},"action":{"name":"send_location"}}}`},
		}
		for i, c := range cases {
			w.whatsAppBroadcast(c.msg, i%2 == 0, "whatsapp:5511999990001")
			for w.work(s) {
			}
			sends := w.graph.Sends()
			if len(sends) != i+1 || sends[i] != c.want {
				t.Fatalf("case %d: Graph got %q, want %s", i, sends[i:], c.want)
			}
		}
	})
}
