package api_test

import (
	"context"
	"fmt"
	"time"

	"github.com/flowsd/flowsd/models"
)

// The world of the templates and whatsapp_flows truth files: WhatsApp channels of Nyaruka, Weni and Trileet
// with templates synced from Meta as the sync stores them (a translation in each status, one Meta's components
// flowsd can't send, one on a channel released since), and WhatsApp Flows of Weni's business accounts (one
// deprecated) and of Nyaruka's, which Weni must never see.

func init() {
	truthSeeds["templates"] = func(e *env) { seedTemplateWorld(e) }
	truthSeeds["whatsapp_flows"] = func(e *env) { seedTemplateWorld(e) }
}

type templateWorld struct {
	nyaruka, weni, weni2, trileet *models.Channel
}

// metaTemplate is an item of Meta's listing, components given as Meta writes them.
func metaTemplate(id, name, lang, status string, comps ...models.MetaComponent) models.MetaTemplate {
	return models.MetaTemplate{ID: id, Name: name, Language: lang, Status: status, Category: "UTILITY", Components: comps}
}

func metaBody(text string) models.MetaComponent {
	return models.MetaComponent{Type: "BODY", Text: text}
}

// syncTemplates stores what Meta lists for a channel, as the template sync does.
func (e *env) syncTemplates(ch *models.Channel, items ...models.MetaTemplate) {
	e.t.Helper()
	_, err := e.store.SyncTemplates(context.Background(), ch, items)
	e.must(err)
}

func (e *env) syncFlows(ch *models.Channel, items ...models.MetaFlow) {
	e.t.Helper()
	_, err := e.store.SyncWhatsAppFlows(context.Background(), ch, items)
	e.must(err)
}

// touchTemplate sets when a template was last changed, which a sync sets for all it touched at once.
func (e *env) touchTemplate(ws, name string, at time.Time) {
	e.t.Helper()
	e.must(e.db.Raw.Exec("UPDATE templates SET modified_on = ? WHERE workspace_id = ? AND name = ?", at, e.ws[ws].ID, name).Error)
}

func (e *env) touchFlow(externalID string, at time.Time) {
	e.t.Helper()
	e.must(e.db.Raw.Exec("UPDATE whatsapp_flows SET modified_on = ? WHERE external_id = ?", at, externalID).Error)
}

func tmplDay(d, hour int) time.Time { return time.Date(2025, 3, d, hour, 0, 0, 0, time.UTC) }

func seedTemplateWorld(e *env) *templateWorld {
	w := &templateWorld{}
	wa := []string{"whatsapp"}
	e.step(tmplDay(1, 9), 1100)
	w.nyaruka = e.makeChannel("nyaruka", models.ChannelSpec{Type: "WAC", Name: "WhatsApp", Address: "250788000200", Schemes: wa,
		Config: `{"wa_waba_id": "1001"}`})
	e.step(tmplDay(1, 10), 1200)
	w.weni = e.makeChannel("weni", models.ChannelSpec{Type: "WAC", Name: "WhatsApp", Address: "5511999990100", Schemes: wa,
		Config: `{"wa_waba_id": "2001"}`})
	e.step(tmplDay(1, 11), 1300)
	w.weni2 = e.makeChannel("weni", models.ChannelSpec{Type: "WAC", Name: "WhatsApp Vendas", Address: "5511999990200", Schemes: wa,
		Config: `{"wa_waba_id": "2002"}`})
	e.step(tmplDay(1, 12), 1400)
	w.trileet = e.makeChannel("trileet", models.ChannelSpec{Type: "WAC", Name: "WhatsApp", Address: "12025550300", Schemes: wa,
		Config: `{"wa_waba_id": "3001"}`})
	e.step(tmplDay(1, 13), 1500)
	retired := e.makeChannel("weni", models.ChannelSpec{Type: "WAC", Name: "Old WhatsApp", Address: "5511999990300", Schemes: wa,
		Config: `{"wa_waba_id": "2003"}`})

	e.step(tmplDay(2, 9), 2100)
	e.syncTemplates(w.nyaruka,
		metaTemplate("n1", "order_shipped", "en_US", "APPROVED", metaBody("Hi {{1}}, your order {{2}} is on its way."),
			models.MetaComponent{Type: "BUTTONS", Buttons: []models.MetaButton{{Type: "URL", Text: "Track", URL: "https://example.com/track/{{1}}"}}}),
		metaTemplate("n2", "order_shipped", "rw", "PENDING", metaBody("Muraho {{1}}, ibyo watumije {{2}} biri mu nzira.")),
		metaTemplate("n3", "welcome", "en", "APPROVED", models.MetaComponent{Type: "HEADER", Format: "TEXT", Text: "Welcome {{1}}"},
			metaBody("Thanks for joining, {{1}}. Your code is {{2}}."), models.MetaComponent{Type: "FOOTER", Text: "Reply STOP to stop"},
			models.MetaComponent{Type: "BUTTONS", Buttons: []models.MetaButton{{Type: "QUICK_REPLY", Text: "Yes"}, {Type: "PHONE_NUMBER", Text: "Call us", PhoneNumber: "+250788000000"}}}),
		metaTemplate("n4", "promo", "en", "REJECTED", metaBody("50% off today")),
		metaTemplate("n5", "catalog", "en", "APPROVED", metaBody("Our products"), models.MetaComponent{Type: "CAROUSEL"}))
	e.step(tmplDay(2, 10), 2200)
	e.syncTemplates(w.weni,
		metaTemplate("w1", "pedido_enviado", "pt_BR", "APPROVED", metaBody("Olá {{1}}, seu pedido foi enviado!")),
		metaTemplate("w2", "pedido_enviado", "en", "PENDING", metaBody("Hi {{1}}, your order was shipped!")),
		metaTemplate("w3", "boas_vindas", "pt_BR", "PENDING", metaBody("Bem-vindo, {{1}}")),
		metaTemplate("w4", "pausado", "pt_BR", "PAUSED", metaBody("Pausado")),
		metaTemplate("w5", "desativado", "pt_BR", "DISABLED", metaBody("Desativado")),
		metaTemplate("w6", "em_recurso", "pt_BR", "IN_APPEAL", metaBody("Em recurso")))
	e.step(tmplDay(2, 11), 2300)
	e.syncTemplates(w.weni2, metaTemplate("v1", "pedido_enviado", "es", "APPROVED", metaBody("Hola {{1}}, tu pedido fue enviado")))
	e.step(tmplDay(2, 12), 2400)
	e.syncTemplates(w.trileet, metaTemplate("t1", "trileet_secret", "en", "APPROVED", metaBody("Trileet's secret {{1}}")))
	e.step(tmplDay(2, 13), 2500)
	e.syncTemplates(retired, metaTemplate("r1", "retired_only", "pt_BR", "APPROVED", metaBody("Canal antigo")))

	e.step(tmplDay(3, 9), 3100)
	e.syncFlows(w.weni,
		models.MetaFlow{ID: "9001", Name: "Cadastro", Status: "PUBLISHED", Categories: []string{"SIGN_UP"},
			Assets: []byte(`{"screens":["DONE","WELCOME"],"variables":["email","nome"]}`)},
		models.MetaFlow{ID: "9002", Name: "Pesquisa de Satisfação", Status: "DRAFT", Categories: []string{"SURVEY"}},
		models.MetaFlow{ID: "9003", Name: "Antigo", Status: "DEPRECATED", Categories: []string{"OTHER"}})
	e.syncFlows(w.weni2, models.MetaFlow{ID: "9101", Name: "Agendamento", Status: "PUBLISHED", Categories: []string{"APPOINTMENT_BOOKING"}})
	e.syncFlows(w.nyaruka, models.MetaFlow{ID: "9201", Name: "Nyaruka Signup", Status: "PUBLISHED", Categories: []string{"SIGN_UP"}})
	e.syncFlows(retired, models.MetaFlow{ID: "9301", Name: "Cadastro Antigo", Status: "PUBLISHED"})

	// a channel released since: what is on it shows nowhere
	e.must(e.db.Raw.Model(&models.Channel{}).Where("id = ?", retired.ID).Update("is_active", false).Error)

	// distinct times of change, to show the order
	for i, name := range []string{"catalog", "promo", "welcome", "order_shipped"} {
		e.touchTemplate("nyaruka", name, tmplDay(4+i, 9))
	}
	for i, name := range []string{"em_recurso", "desativado", "pausado", "boas_vindas", "pedido_enviado"} {
		e.touchTemplate("weni", name, tmplDay(4+i, 10))
	}
	for i, id := range []string{"9003", "9002", "9101", "9001", "9201", "9301"} {
		e.touchFlow(id, tmplDay(4+i, 11))
	}
	// an agent of the Weni workspace, who may not read templates
	key, err := e.store.CreateToken(context.Background(), e.ws["weni"].ID, "agent@weni.ai", models.RoleAgent)
	e.must(err)
	e.tokens["weniagent"], e.emails["weniagent"] = key, "agent@weni.ai"

	e.step(tmplDay(20, 9), 9001)
	return w
}

// seedTemplateExample gives the templates and whatsapp_flows examples what they show: a WhatsApp channel of
// Nyaruka's with a template and a WhatsApp Flow synced (the walls' victim has them), and one of Weni's with a
// WhatsApp Flow, which its example finds.
func (e *env) seedTemplateExample(endpoint string) {
	e.t.Helper()
	switch endpoint {
	case "templates":
		ch := e.makeChannel("nyaruka", models.ChannelSpec{Type: "WAC", Name: "WhatsApp", Address: "250788000900", Schemes: []string{"whatsapp"},
			Config: `{"wa_waba_id": "1009"}`})
		e.syncTemplates(ch, metaTemplate("ex1", "order_shipped", "en_US", "APPROVED", models.MetaComponent{Type: "HEADER", Format: "TEXT", Text: "Order {{1}}"},
			metaBody("Hi {{1}}, your order is on its way.")))
		e.syncFlows(ch, models.MetaFlow{ID: "1111111111111111110", Name: "Nyaruka Flow", Status: "PUBLISHED"})
	case "whatsapp_flows":
		ch := e.makeChannel("weni", models.ChannelSpec{Type: "WAC", Name: "WhatsApp", Address: "5511999990900", Schemes: []string{"whatsapp"},
			Config: `{"wa_waba_id": "2009"}`})
		e.syncFlows(ch, models.MetaFlow{ID: "1111111111111111111", Name: "Flow Test", Status: "PUBLISHED",
			Assets: []byte(`{"screens":["MIDDLE","WELCOME"],"variables":["checkbox_source","question1Checkbox"]}`)})
	}
}

// seedAttackerTemplates gives another workspace a WhatsApp channel with a template and a WhatsApp Flow of its
// own, so that the walls' probes can name the caller's own beside Nyaruka's.
func (e *env) seedAttackerTemplates(ws string, n int) {
	e.t.Helper()
	ch := e.makeChannel(ws, models.ChannelSpec{Type: "WAC", Name: "WhatsApp of " + ws, Address: fmt.Sprintf("1202555%04d", 200+n),
		Schemes: []string{"whatsapp"}, Config: fmt.Sprintf(`{"wa_waba_id": "%d"}`, 5000+n)})
	e.syncTemplates(ch, metaTemplate(fmt.Sprintf("a%d", n), "template_of_"+ws, "en", "APPROVED", metaBody("Hello from "+ws+" {{1}}")))
	e.syncFlows(ch, models.MetaFlow{ID: fmt.Sprintf("%d", 7000+n), Name: "Flow of " + ws, Status: "PUBLISHED"})
}
