package gateway_test

// Templates sent from flows over WhatsApp Cloud: templates synced from the fake Graph server become the engine's
// assets, a flow's send_msg with a template is started for a contact through the real engine, and the sender
// posts the template to Graph, on both databases.

import (
	"fmt"
	"strings"
	"testing"

	"github.com/flowsd/flowsd/channels/wac/graphtest"
	"github.com/flowsd/flowsd/flows"
	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/testdb"
)

// affirmation is Meta's listing of a template in en_US with every kind of component: a media header, a body
// with two variables, a footer, a URL button with a variable and a phone button.
var affirmation = map[string]any{"id": "tpl-1", "name": "affirmation", "language": "en_US", "status": "APPROVED", "category": "UTILITY",
	"components": []any{
		map[string]any{"type": "HEADER", "format": "IMAGE"},
		map[string]any{"type": "BODY", "text": "Hi {{1}}, who's an excellent {{2}}?"},
		map[string]any{"type": "FOOTER", "text": "Reply STOP to stop"},
		map[string]any{"type": "BUTTONS", "buttons": []any{
			map[string]any{"type": "URL", "text": "Track", "url": "https://x.example/{{1}}"},
			map[string]any{"type": "PHONE_NUMBER", "text": "Call us", "phone_number": "+15550001"}}}}}

// affirmationRW is its translation in Kinyarwanda (locale kin-RW), with the same variables.
var affirmationRW = map[string]any{"id": "tpl-2", "name": "affirmation", "language": "rw_RW", "status": "APPROVED", "category": "UTILITY",
	"components": []any{
		map[string]any{"type": "HEADER", "format": "IMAGE"},
		map[string]any{"type": "BODY", "text": "Muraho {{1}}, {{2}}!"},
		map[string]any{"type": "BUTTONS", "buttons": []any{map[string]any{"type": "URL", "text": "Reba", "url": "https://x.example/{{1}}"}}}}}

// templateFlow is a flow that sends a template (falling back to a text of its own), then a plain message.
func templateFlow(templateUUID string) string {
	return `{"version": "13", "site": "https://rapidpro.example.com", "campaigns": [], "fields": [], "groups": [], "triggers": [],
 "flows": [{"uuid": "3b1c7d52-6f0e-4f57-9a61-2f9d0c1e7a01", "name": "Affirm", "spec_version": "14.4.2", "language": "eng",
   "type": "messaging", "revision": 1, "expire_after_minutes": 60, "localization": {},
   "nodes": [{"uuid": "0b7b2f5e-1c1d-4d0e-8f0a-6e2c3b4a5d01", "actions": [
     {"uuid": "a1c4e0d2-3b5f-4a6e-9c7d-8e9f0a1b2c01", "type": "send_msg", "text": "Fallback for @contact.name",
      "template": {"uuid": "` + templateUUID + `", "name": "affirmation"},
      "template_variables": ["image/jpeg:https://x.example/cat.jpg", "@contact.name", "boy", "order/42"]},
     {"uuid": "a1c4e0d2-3b5f-4a6e-9c7d-8e9f0a1b2c02", "type": "send_msg", "text": "Thanks @contact.name"}],
    "exits": [{"uuid": "c7d8e9f0-1a2b-4c3d-8e4f-5a6b7c8d9e01"}]}]}]}`
}

// templateEnv is a WAC env whose channel has the affirmation template synced from Graph and the Affirm flow
// sending it; the window check is on (a contact who never wrote in is outside it).
func newTemplateEnv(t *testing.T, d models.Dialect) (*wacEnv, *models.TemplateWithTranslations) {
	w := newWACEnv(t, d, nil)
	w.graph.SetTemplates("waba1", affirmation, affirmationRW)
	_, err := w.gw.SyncTemplates(w.ctx, w.wac)
	w.must(err)
	tpl, err := w.store.GetTemplateByName(w.ctx, w.ws.ID, "affirmation")
	w.must(err)
	importTemplateFlow(w, tpl)
	return w, tpl
}

func (w *wacEnv) waContact(name, waID string) *models.Contact {
	w.t.Helper()
	c, err := w.store.CreateContact(w.ctx, w.ws, models.ContactSpec{Name: &name, SetURNs: true,
		URNs: []models.URNSpec{{Identity: "whatsapp:" + waID, Scheme: "whatsapp", Path: waID}}})
	w.must(err)
	return c
}

// TestWACTemplateFromFlow: the flow's template reaches Graph as the template payload courier builds (the
// translation's Meta language, a parameter for each variable of each component), the row keeps the templating
// with what the sender needs, the text is the engine's preview; outside the 24-hour window the template goes
// and the plain message after it fails for the window.
func TestWACTemplateFromFlow(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		w, tpl := newTemplateEnv(t, d)
		kerry := w.waContact("Kerry", kerryWaID)
		w.startFlow("Affirm", []*models.Contact{kerry})
		out := w.outgoing(kerry.ID)
		if len(out) != 2 {
			t.Fatalf("%d messages, want the template and the plain one", len(out))
		}
		m := w.msgByID(out[0].ID)
		wantTemplating := `{"template":{"uuid":"` + tpl.UUID + `","name":"affirmation"},"components":[` +
			`{"name":"header","type":"header/media","variables":{"1":0}},{"name":"body","type":"body/text","variables":{"1":1,"2":2}},` +
			`{"name":"button.0","type":"button/url","variables":{"1":3}}],"variables":[{"type":"image","value":"image/jpeg:https://x.example/cat.jpg"},` +
			`{"type":"text","value":"Kerry"},{"type":"text","value":"boy"},{"type":"text","value":"order/42"}],"locale":"eng-US","language":"en_US","external_id":"tpl-1"}`
		if deref(m.Templating) != wantTemplating {
			t.Errorf("templating\n%v, want\n%s", deref(m.Templating), wantTemplating)
		}
		if deref(m.TemplateUUID) != tpl.UUID || deref(m.TemplateName) != "affirmation" {
			t.Errorf("template %v %v", deref(m.TemplateUUID), deref(m.TemplateName))
		}
		if m.Text != "Hi Kerry, who's an excellent boy?\n\nReply STOP to stop" || len(m.Attachments) != 1 || m.Attachments[0] != "image/jpeg:https://x.example/cat.jpg" {
			t.Errorf("the message is %q %q, want the template's preview", m.Text, m.Attachments)
		}
		if plain := w.msgByID(out[1].ID); plain.Templating != nil || plain.TemplateName != nil {
			t.Errorf("the plain message has templating %v", deref(plain.Templating))
		}

		w.work(w.sender())
		want := `{"messaging_product":"whatsapp","recipient_type":"individual","to":"` + kerryWaID + `","type":"template","template":{"name":"affirmation",` +
			`"language":{"policy":"deterministic","code":"en_US"},"components":[{"type":"header","parameters":[{"type":"image","image":{"link":"https://x.example/cat.jpg"}}]},` +
			`{"type":"body","parameters":[{"type":"text","text":"Kerry"},{"type":"text","text":"boy"}]},` +
			`{"type":"button","sub_type":"url","index":"0","parameters":[{"type":"text","text":"order/42"}]}]}}`
		if sends := w.graph.Sends(); len(sends) != 1 || sends[0] != want {
			t.Fatalf("Graph got %q, want only\n%s", sends, want)
		}
		if got := w.msgByID(out[0].ID); got.Status != models.MsgWired || deref(got.ExternalID) != graphtest.MessageID(1) {
			t.Errorf("the template is %s (%v)", got.Status, deref(got.ExternalID))
		}
		// Kerry never wrote in: the plain message is outside the window
		if got := w.msgByID(out[1].ID); got.Status != models.MsgFailed || deref(got.FailedReason) != models.FailedSessionWindow {
			t.Errorf("the plain message is %s (%v), want failed for the window", got.Status, deref(got.FailedReason))
		}

		// a contact who speaks Kinyarwanda gets that translation, named by Meta's code
		name, kin := "Aline", "kin"
		aline, err := w.store.CreateContact(w.ctx, w.ws, models.ContactSpec{Name: &name, Language: &kin, SetURNs: true,
			URNs: []models.URNSpec{{Identity: "whatsapp:250788000777", Scheme: "whatsapp", Path: "250788000777"}}})
		w.must(err)
		w.startFlow("Affirm", []*models.Contact{aline})
		w.work(w.sender())
		want = `{"messaging_product":"whatsapp","recipient_type":"individual","to":"250788000777","type":"template","template":{"name":"affirmation",` +
			`"language":{"policy":"deterministic","code":"rw_RW"},"components":[{"type":"header","parameters":[{"type":"image","image":{"link":"https://x.example/cat.jpg"}}]},` +
			`{"type":"body","parameters":[{"type":"text","text":"Aline"},{"type":"text","text":"boy"}]},` +
			`{"type":"button","sub_type":"url","index":"0","parameters":[{"type":"text","text":"order/42"}]}]}}`
		if sends := w.graph.Sends(); len(sends) != 2 || sends[1] != want {
			t.Fatalf("Graph got %q, want then\n%s", sends, want)
		}
		if m := w.msgByID(w.outgoing(aline.ID)[0].ID); m.Text != "Muraho Aline, boy!" || !strings.Contains(deref(m.Templating).(string), `"locale":"kin-RW","language":"rw_RW","external_id":"tpl-2"`) {
			t.Errorf("Aline's message %q %v", m.Text, deref(m.Templating))
		}
	})
}

// TestWACTemplateNoTranslation: a template with no translation on the channel the contact is routed to is
// sent as goflow decides, as the action's own text in a session message, within the window.
func TestWACTemplateNoTranslation(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		w := newWACEnv(t, d, nil)
		// the template is on a second number only; contacts are routed to the first (the oldest)
		second, err := w.store.CreateChannel(w.ctx, w.ws.ID, models.ChannelSpec{Type: "WAC", Name: "Second", Address: "2220002", Schemes: []string{"whatsapp"},
			Config: `{"access_token":"` + wacToken + `","graph_url":"` + w.graph.URL + `","graph_version":"` + graphtest.Version + `","wa_waba_id":"waba2"}`})
		w.must(err)
		w.graph.SetTemplates("waba2", affirmation)
		_, err = w.gw.SyncTemplates(w.ctx, second)
		w.must(err)
		tpl, err := w.store.GetTemplateByName(w.ctx, w.ws.ID, "affirmation")
		w.must(err)
		importTemplateFlow(w, tpl)

		w.post(w.text("wamid.in1", "hello")) // within the window; the catch-all flow answers
		kerry := w.contactOf(w.ws, "whatsapp:"+kerryWaID)
		before := len(w.outgoing(kerry.ID))
		w.startFlow("Affirm", []*models.Contact{kerry})
		out := w.outgoing(kerry.ID)[before:]
		if len(out) != 2 {
			t.Fatalf("%d messages from the flow", len(out))
		}
		m := w.msgByID(out[0].ID)
		if m.Templating != nil || m.TemplateName != nil || m.Text != "Fallback for Kerry Fisher" || deref(m.ChannelID) != w.wac.ID {
			t.Fatalf("the message is %q on %v with templating %v, want the action's text on the first number", m.Text, deref(m.ChannelID), deref(m.Templating))
		}
		w.work(w.sender())
		sends := w.graph.Sends()
		want := `{"messaging_product":"whatsapp","recipient_type":"individual","to":"` + kerryWaID + `","type":"text","text":{"body":"Fallback for Kerry Fisher","preview_url":false}}`
		found := false
		for _, s := range sends {
			found = found || s == want
			if strings.Contains(s, `"type":"template"`) {
				t.Errorf("a template was sent: %s", s)
			}
		}
		if !found {
			t.Errorf("Graph got %q, want %s among them", sends, want)
		}
	})
}

// TestWACTemplateGraphErrors: Graph's errors on a template send are classed as for any send: a refused
// template fails with Meta's code, throttling is tried again.
func TestWACTemplateGraphErrors(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		w, _ := newTemplateEnv(t, d)
		s := w.sender()
		for i, c := range []struct {
			failure    graphtest.Failure
			wantStatus models.MsgStatus
			wantReason string
		}{
			{graphtest.Failure{Code: 132001, Message: "Template name does not exist in the translation"}, models.MsgFailed, "132001"},
			{graphtest.Failure{Code: 132000, Message: "Number of parameters does not match the expected number of params"}, models.MsgFailed, "132000"},
			{graphtest.Failure{Code: 131056, Message: "Pair rate limit hit"}, models.MsgErrored, ""},
			{graphtest.Failure{Status: 500}, models.MsgErrored, ""},
		} {
			contact := w.waContact(fmt.Sprintf("Contact %d", i), fmt.Sprintf("55119000000%02d", i))
			w.startFlow("Affirm", []*models.Contact{contact})
			w.graph.FailNext(c.failure)
			w.work(s)
			m := w.msgByID(w.outgoing(contact.ID)[0].ID)
			if m.Templating == nil || m.Status != c.wantStatus || fmt.Sprint(deref(m.FailedReason)) != fmt.Sprint(map[bool]any{true: c.wantReason, false: nil}[c.wantReason != ""]) {
				t.Errorf("after %+v the template is %s (%v), want %s %q", c.failure, m.Status, deref(m.FailedReason), c.wantStatus, c.wantReason)
			}
			var log models.ChannelLog
			w.must(w.db.Raw.Where("msg_id = ?", m.ID).Order("id DESC").Take(&log).Error)
			if c.failure.Code != 0 && !strings.Contains(log.Errors, fmt.Sprintf(`"ext_code":"%d"`, c.failure.Code)) {
				t.Errorf("log errors %s, want Meta's code %d", log.Errors, c.failure.Code)
			}
			if !strings.Contains(log.HTTPLogs, `\"type\":\"template\"`) && !strings.Contains(log.HTTPLogs, `"type":"template"`) {
				t.Errorf("the log doesn't show the template request: %.300s", log.HTTPLogs)
			}
		}

		// a templating no writer of ours makes fails its message unsent, never a session message in its place
		contact := w.waContact("Broken", "5511900000099")
		m := w.queue(contact, "hello")
		w.must(w.db.Raw.Model(&models.Msg{}).Where("id = ?", m.ID).Update("templating", `{"template":`).Error)
		sends := len(w.graph.Sends())
		w.work(s)
		if got := w.msgByID(m.ID); got.Status != models.MsgFailed || deref(got.FailedReason) != models.FailedSend || len(w.graph.Sends()) != sends {
			t.Errorf("a message with broken templating is %s (%v) after %d sends", got.Status, deref(got.FailedReason), len(w.graph.Sends())-sends)
		}
	})
}

// importTemplateFlow imports the flow that sends tpl (templateFlow) into w's workspace.
func importTemplateFlow(w *wacEnv, tpl *models.TemplateWithTranslations) {
	w.t.Helper()
	spec, err := flows.ParseExports(flows.Document{Name: "affirm.json", Data: []byte(templateFlow(tpl.UUID))})
	w.must(err)
	_, err = flows.Import(w.ctx, w.store, w.ws, spec)
	w.must(err)
}
