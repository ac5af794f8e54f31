package flows

import (
	"testing"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/testdb"
	"github.com/nyaruka/goflow/assets"
	"github.com/nyaruka/goflow/core"
)

// TestOutgoingKeepsTemplating: a message the engine sends with a template keeps the template's UUID and name on
// its row, on both databases (Weni's contact_templates and filter_templates read them), and its templating; one
// sent without a template keeps none of them.
func TestOutgoingKeepsTemplating(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newHostEnv(t, d)
		c := e.contact("Ana", "whatsapp:5511999990001")
		a := &Assets{Workspace: e.ws}
		ref := assets.NewTemplateReference("44019537-9afe-4898-9626-a5c724d169ef", "order_shipped")
		templated := (&Outgoing{ContactID: c.ID, URN: "whatsapp:5511999990001", Content: &core.MsgContent{Text: "Your order has shipped"},
			Templating: core.NewMsgTemplating(ref, nil, nil), CreatedOn: e.store.Now()}).Msg(a, e.store.NewUUID)
		plain := (&Outgoing{ContactID: c.ID, URN: "whatsapp:5511999990001", Content: &core.MsgContent{Text: "Thanks"},
			CreatedOn: e.store.Now()}).Msg(a, e.store.NewUUID)
		must(t, e.store.Write(e.ctx, func(tx *models.Tx) error { return tx.InsertMsgs([]*models.Msg{templated, plain}) }))

		var rows []models.Msg
		must(t, e.db.Raw.Where("contact_id = ?", c.ID).Order("id").Find(&rows).Error)
		if len(rows) != 2 {
			t.Fatalf("%d messages", len(rows))
		}
		if got := rows[0]; got.TemplateUUID == nil || *got.TemplateUUID != string(ref.UUID) || got.TemplateName == nil || *got.TemplateName != "order_shipped" {
			t.Errorf("the templated message keeps %v %v", got.TemplateUUID, got.TemplateName)
		}
		// no translation in these assets: the templating is the engine's alone
		if got := rows[0]; got.Templating == nil || *got.Templating != `{"template":{"uuid":"`+string(ref.UUID)+`","name":"order_shipped"},"language":""}` {
			t.Errorf("the templated message keeps templating %v", got.Templating)
		}
		if got := rows[1]; got.TemplateUUID != nil || got.TemplateName != nil || got.Templating != nil {
			t.Errorf("the plain message keeps a template: %v %v", *got.TemplateUUID, *got.TemplateName)
		}
	})
}
