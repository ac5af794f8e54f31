package api_test

import (
	"context"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/nyaruka/goflow/core"
)

// The world of the Weni extras' truth files (analytics_contacts, channel_stats, contact_templates,
// contact_templates_new, contacts_elastic, filter_templates, filter_templates_new, flows_labels, products):
// contacts of the Weni workspace made on two days, in a group, one blocked, one stopped, one deleted; a
// WhatsApp channel that carried messages, some sent with templates, and wrote an error log; flow labels; and
// the same things in the Nyaruka workspace, which Weni's requests must never see. Rows are written by the
// store (templated messages as a flow's send writes them, statuses as a gateway reports them); only group
// membership, which no store call makes from a list yet, is inserted by the seed helpers.

type weniWorld struct {
	whatsapp, web, nyarukaGateway *models.Channel
	ana, bia, caio, dora, foreign *models.Contact
	clientes                      *models.Group
}

func init() {
	for _, name := range []string{"analytics_contacts", "channel_stats", "contact_templates", "contact_templates_new", "contacts_elastic",
		"filter_templates", "filter_templates_new", "flows_labels", "products"} {
		truthSeeds[name] = func(e *env) { seedWeniWorld(e) }
	}
}

func weniDay(d, hour, min int) time.Time { return time.Date(2025, 1, d, hour, min, 0, 0, time.UTC) }

// sendTemplate writes an outgoing message sent with a template, as the engine's send does when a flow sends one.
func (e *env) sendTemplate(ws string, ch *models.Channel, c *models.Contact, urn, name, uuid, text string) *models.Msg {
	e.t.Helper()
	now := e.store.Now().UTC()
	m := &models.Msg{UUID: e.store.NewUUID(), WorkspaceID: e.ws[ws].ID, ContactID: c.ID, URN: &urn, ChannelID: &ch.ID, Direction: models.MsgOut,
		Status: models.MsgQueued, Visibility: models.MsgVisible, Text: text, Attachments: models.StringList{}, QuickReplies: "[]",
		TemplateUUID: &uuid, TemplateName: &name, CreatedOn: now, ModifiedOn: now}
	e.must(e.store.Write(context.Background(), func(tx *models.Tx) error { return tx.InsertMsgs([]*models.Msg{m}) }))
	return m
}

func (e *env) errorLog(ch *models.Channel) {
	e.t.Helper()
	log := &models.ChannelLog{UUID: e.store.NewUUID(), ChannelID: ch.ID, LogType: "msg_send", HTTPLogs: "[]",
		Errors: `[{"code": "13", "message": "timed out"}]`, CreatedOn: e.store.Now().UTC()}
	e.must(e.store.Write(context.Background(), func(tx *models.Tx) error { return tx.AddChannelLogs([]*models.ChannelLog{log}) }))
}

func (e *env) flowLabel(ws, name string, parent *models.FlowLabel) *models.FlowLabel {
	e.t.Helper()
	l, err := e.store.CreateFlowLabel(context.Background(), e.ws[ws].ID, name, parent)
	e.must(err)
	return l
}

const (
	tmplShipped = "44019537-9afe-4898-9626-a5c724d169ef"
	tmplWelcome = "6f0c1c2e-5d3b-4f4e-9a1b-2c3d4e5f6a7b"
)

func seedWeniWorld(e *env) *weniWorld {
	w := &weniWorld{}
	wa := []string{"whatsapp"}
	e.step(time.Date(2024, 12, 15, 9, 0, 0, 0, time.UTC), 310)
	w.whatsapp = e.makeChannel("weni", models.ChannelSpec{Type: "WAC", Name: "WhatsApp", Address: "5511999990000", Schemes: wa})
	e.step(time.Date(2024, 12, 16, 9, 0, 0, 0, time.UTC), 320)
	w.web = e.makeChannel("weni", models.ChannelSpec{Type: "WWC", Name: "Web Chat", Address: "weni-web", Schemes: []string{"ext"}})
	e.step(time.Date(2024, 12, 17, 9, 0, 0, 0, time.UTC), 330)
	w.nyarukaGateway = e.makeChannel("nyaruka", models.ChannelSpec{Type: "EX", Name: "Gateway", Address: "+250788000100", Country: "RW", Schemes: []string{"tel"}})
	e.step(time.Date(2024, 12, 18, 9, 0, 0, 0, time.UTC), 340)
	retired := e.makeChannel("weni", models.ChannelSpec{Type: "WAC", Name: "Old WhatsApp", Address: "5511999990009", Schemes: wa})
	e.must(e.db.Raw.Model(&models.Channel{}).Where("id = ?", retired.ID).Update("is_active", false).Error)

	e.step(weniDay(2, 9, 0), 410)
	marketing := e.flowLabel("weni", "Marketing", nil)
	e.step(weniDay(3, 9, 0), 420)
	e.flowLabel("weni", "Campaigns", marketing)
	e.step(weniDay(3, 9, 5), 430)
	e.flowLabel("weni", "Support", nil)
	e.step(weniDay(3, 9, 10), 440)
	e.flowLabel("nyaruka", "Nyaruka Secret", nil)

	e.step(weniDay(6, 10, 0), 510)
	w.ana = e.makeContact("weni", "Ana Souza", "whatsapp:5511999990001")
	e.step(weniDay(6, 11, 0), 520)
	w.dora = e.makeContact("weni", "Dora Lima", "whatsapp:5511999990004")
	e.step(weniDay(7, 10, 0), 530)
	w.bia = e.makeContact("weni", "Bia Santos", "whatsapp:5511999990002")
	e.step(weniDay(7, 11, 0), 540)
	w.caio = e.makeContact("weni", "Caio Souza", "whatsapp:5511988880003")
	e.step(weniDay(7, 12, 0), 550)
	w.foreign = e.makeContact("nyaruka", "Ana Souza", "tel:+5511999990001")
	e.step(weniDay(7, 12, 30), 560)
	w.clientes = e.seedGroup("weni", "9b8f5d1a-2c3e-4f50-8a6b-7c8d9e0f1a2b", "Clientes", "", w.ana, w.bia)
	e.seedGroup("nyaruka", "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f", "Clientes", "", w.foreign)

	// messages: one in, templated ones out (delivered, sent, still queued), a plain one out, and the same template
	// sent in Nyaruka and to a contact deleted since
	e.step(weniDay(8, 9, 0), 1010)
	e.receive("weni", w.whatsapp, "whatsapp:5511999990001", "oi")
	e.step(weniDay(8, 10, 0), 1020)
	shipped := e.sendTemplate("weni", w.whatsapp, w.ana, "whatsapp:5511999990001", "order_shipped", tmplShipped, "Ana, seu pedido foi enviado")
	e.step(weniDay(8, 10, 1), 1025)
	e.report(w.whatsapp, shipped, models.MsgDelivered)
	e.step(weniDay(8, 11, 0), 1030)
	e.errorLog(w.whatsapp)
	e.step(weniDay(9, 10, 0), 1040)
	bia := e.sendTemplate("weni", w.whatsapp, w.bia, "whatsapp:5511999990002", "order_shipped", tmplShipped, "Bia, seu pedido foi enviado")
	e.step(weniDay(9, 10, 1), 1045)
	e.report(w.whatsapp, bia, models.MsgSent)
	e.step(weniDay(9, 11, 0), 1050)
	e.sendTemplate("weni", w.whatsapp, w.ana, "whatsapp:5511999990001", "welcome", tmplWelcome, "Bem-vinda, Ana")
	e.step(weniDay(9, 12, 0), 1060)
	e.sendTo("weni", w.caio, &core.MsgContent{Text: "Obrigado"})
	e.step(weniDay(9, 13, 0), 1070)
	e.sendTemplate("weni", w.whatsapp, w.dora, "whatsapp:5511999990004", "order_shipped", tmplShipped, "Dora, seu pedido foi enviado")
	e.step(weniDay(9, 14, 0), 1080)
	e.sendTemplate("nyaruka", w.nyarukaGateway, w.foreign, "tel:+5511999990001", "order_shipped", tmplShipped, "Secret shipment")

	e.step(weniDay(10, 9, 0), 1110)
	e.must(e.store.SetStatus(context.Background(), e.ws["weni"], []int64{w.bia.ID}, models.ContactBlocked))
	e.step(weniDay(10, 9, 1), 1120)
	e.must(e.store.SetStatus(context.Background(), e.ws["weni"], []int64{w.caio.ID}, models.ContactStopped))
	e.step(weniDay(10, 9, 2), 1130)
	e.must(e.store.DeleteContacts(context.Background(), e.ws["weni"].ID, []int64{w.dora.ID}))

	// an agent of the Weni workspace, who may read contacts but not channels, flows or products
	key, err := e.store.CreateToken(context.Background(), e.ws["weni"].ID, "agent@weni.ai", models.RoleAgent)
	e.must(err)
	e.tokens["weniagent"], e.emails["weniagent"] = key, "agent@weni.ai"

	// what the truth files' requests do starts a day later
	e.step(weniDay(11, 9, 0), 9001)
	return w
}

// seedWeniExample gives the Weni extras' docs examples what they show: contacts made on the example's days,
// and the Weni workspace's UUID as the search example names it.
func (e *env) seedWeniExample(endpoint string) {
	e.t.Helper()
	switch endpoint {
	case "analytics/contacts":
		e.step(time.Date(2025, 1, 6, 9, 0, 0, 0, time.UTC), 8010)
		e.makeContact("weni", "Ben Haggerty", "whatsapp:5511999990001")
		e.step(time.Date(2025, 1, 7, 9, 0, 0, 0, time.UTC), 8020)
		e.makeContact("weni", "Mary Lambert", "whatsapp:5511999990002")
	case "whatsapp_broadcasts": // the group the example sends to
		e.seedGroup("weni", "9b8f5d1a-2c3e-4f50-8a6b-7c8d9e0f1a2b", "Clientes", "")
	case "contacts_elastic":
		e.must(e.db.Raw.Exec("UPDATE workspaces SET uuid = ?, config_version = config_version + 1 WHERE id = ?", "6a3bd7b0-7c3f-4a6f-9a7c-8f3e2b1d0c9e", e.ws["weni"].ID).Error)
	}
}
