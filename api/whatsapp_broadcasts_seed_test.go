package api_test

import (
	"github.com/flowsd/flowsd/models"
)

// The world of whatsapp_broadcasts' truth file: the Weni world with templates synced from Meta on its WhatsApp
// channel (pedido: an image header and two body variables, in pt_BR and en_US; lembrete: one body variable;
// rascunho: still pending at Meta; rastreio: one body variable, a quick reply and a URL button with a variable),
// and a template of the Nyaruka workspace on a WhatsApp channel of its own,
// which Weni's requests must never reach. UUIDs: pedido 00000000-0000-4000-8000-000000001200, lembrete …1201,
// rascunho …1202, rastreio …1203, Nyaruka's foreign …1211.

func init() {
	truthSeeds["whatsapp_broadcasts"] = func(e *env) {
		w := seedWeniWorld(e)
		e.step(weniDay(10, 10, 0), 1200)
		e.syncTemplates(w.whatsapp,
			models.MetaTemplate{ID: "m1", Name: "pedido", Language: "pt_BR", Status: "APPROVED", Category: "UTILITY", Components: []models.MetaComponent{
				{Type: "HEADER", Format: "IMAGE"}, {Type: "BODY", Text: "Olá {{1}}, seu pedido {{2}} saiu."}}},
			models.MetaTemplate{ID: "m2", Name: "pedido", Language: "en_US", Status: "APPROVED", Category: "UTILITY", Components: []models.MetaComponent{
				{Type: "HEADER", Format: "IMAGE"}, {Type: "BODY", Text: "Hi {{1}}, your order {{2}} shipped."}}},
			models.MetaTemplate{ID: "m3", Name: "lembrete", Language: "pt_BR", Status: "APPROVED", Category: "MARKETING", Components: []models.MetaComponent{
				{Type: "BODY", Text: "Lembrete para {{1}}"}}},
			models.MetaTemplate{ID: "m4", Name: "rascunho", Language: "pt_BR", Status: "PENDING", Category: "UTILITY", Components: []models.MetaComponent{
				{Type: "BODY", Text: "Oi"}}},
			models.MetaTemplate{ID: "m5", Name: "rastreio", Language: "pt_BR", Status: "APPROVED", Category: "UTILITY", Components: []models.MetaComponent{
				{Type: "BODY", Text: "Seu pedido {{1}} está a caminho."},
				{Type: "BUTTONS", Buttons: []models.MetaButton{{Type: "QUICK_REPLY", Text: "Parar"}, {Type: "URL", Text: "Rastrear", URL: "https://weni.ai/r/{{1}}"}}}}})
		e.step(weniDay(10, 10, 30), 1210)
		nyaruka := e.makeChannel("nyaruka", models.ChannelSpec{Type: "WAC", Name: "Nyaruka WhatsApp", Address: "250788000200", Schemes: []string{"whatsapp"}})
		e.syncTemplates(nyaruka, models.MetaTemplate{ID: "n1", Name: "foreign", Language: "en", Status: "APPROVED", Components: []models.MetaComponent{
			{Type: "BODY", Text: "Hi {{1}}"}}})
		e.step(weniDay(11, 9, 0), 9001) // where the Weni world leaves the requests
	}
}
