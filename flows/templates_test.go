package flows

import (
	"testing"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/testdb"
	"github.com/nyaruka/goflow/assets"
)

// TestTemplateAssets: the engine's templates are the workspace's usable translations (approved and supported),
// on their channels in their locales with goflow's components and variables; a sync moves the config version
// on, so the cached assets see what it changed; another workspace's templates are never its.
func TestTemplateAssets(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newHostEnv(t, d)
		ch, err := e.store.CreateChannel(e.ctx, e.ws.ID, models.ChannelSpec{Type: "WAC", Name: "WhatsApp", Address: "1065", Schemes: []string{"whatsapp"}, Config: `{}`})
		must(t, err)
		other, _ := testdb.Workspace(t, e.store, testdb.Trileet)
		otherCh, err := e.store.CreateChannel(e.ctx, other.ID, models.ChannelSpec{Type: "WAC", Name: "Theirs", Address: "2065", Schemes: []string{"whatsapp"}, Config: `{}`})
		must(t, err)
		body := func(text string) []models.MetaComponent { return []models.MetaComponent{{Type: "BODY", Text: text}} }
		_, err = e.store.SyncTemplates(e.ctx, otherCh, []models.MetaTemplate{{ID: "9", Name: "theirs", Language: "en", Status: "APPROVED", Components: body("Theirs {{1}}")}})
		must(t, err)

		cache := e.host.Assets
		a, err := cache.Get(e.ctx, e.ws)
		must(t, err)
		if n := len(a.templates); n != 0 {
			t.Fatalf("%d templates before any sync", n)
		}

		_, err = e.store.SyncTemplates(e.ctx, ch, []models.MetaTemplate{
			{ID: "1", Name: "greeting", Language: "en_US", Status: "APPROVED", Components: body("Hi {{1}}")},
			{ID: "2", Name: "greeting", Language: "pt_BR", Status: "PENDING", Components: body("Oi {{1}}")},
			{ID: "3", Name: "carousel", Language: "en", Status: "APPROVED", Components: []models.MetaComponent{{Type: "CAROUSEL"}}}})
		must(t, err)
		a, err = cache.Get(e.ctx, e.ws)
		must(t, err)
		greeting, err := e.store.GetTemplateByName(e.ctx, e.ws.ID, "greeting")
		must(t, err)
		tpl := a.Session.Templates().Get(assets.TemplateUUID(greeting.UUID))
		if len(a.templates) != 1 || tpl == nil || tpl.Name() != "greeting" {
			t.Fatalf("templates %v, want greeting alone (the carousel isn't supported)", a.templates)
		}
		trs := tpl.Translations()
		if len(trs) != 1 || trs[0].Locale() != "eng-US" || trs[0].Channel().UUID != assets.ChannelUUID(ch.UUID) {
			t.Fatalf("translations %+v, want the approved eng-US on the channel", trs)
		}
		comps, vars := trs[0].Components(), trs[0].Variables()
		if len(comps) != 1 || comps[0].Name() != "body" || comps[0].Type() != "body/text" || comps[0].Content() != "Hi {{1}}" || comps[0].Variables()["1"] != 0 ||
			len(vars) != 1 || vars[0].Type() != "text" {
			t.Errorf("components %+v variables %+v", comps, vars)
		}
		row := a.Translation(tpl.UUID(), ch, "eng-US")
		if row == nil || row.ExternalLocale != "en_US" || row.ExternalID != "1" {
			t.Errorf("the translation's row %+v", row)
		}

		// the template is withdrawn at Meta: the next sync takes it from the engine
		_, err = e.store.SyncTemplates(e.ctx, ch, nil)
		must(t, err)
		a, err = cache.Get(e.ctx, e.ws)
		must(t, err)
		if n := len(a.templates); n != 0 || a.Session.Templates().Get(tpl.UUID()) != nil {
			t.Errorf("%d templates after they were withdrawn", n)
		}
	})
}
