package models_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/testdb"
)

// TestConvertMetaTemplate: Meta's items become translations by RapidPro's rules: status and locale mapped,
// variables found in order and indexed across components, components in a fixed order, unknown parts make
// the translation unsupported, unknown statuses are not synced.
func TestConvertMetaTemplate(t *testing.T) {
	item := models.MetaTemplate{ID: "9", Name: "affirmation", Language: "en_US", Status: "APPROVED", Components: []models.MetaComponent{
		{Type: "BUTTONS", Buttons: []models.MetaButton{{Type: "URL", Text: "Go", URL: "https://x.com/{{1}}"}, {Type: "PHONE_NUMBER", Text: "Call", PhoneNumber: "+1234"}}},
		{Type: "BODY", Text: "Hi {{2}}, {{1}} who's an excellent {{2}}?"},
		{Type: "HEADER", Format: "IMAGE"},
		{Type: "FOOTER", Text: "bye"},
	}}
	c, ok := models.ConvertMetaTemplate(item)
	if !ok || c.Locale != "eng-US" || c.ExtLocale != "en_US" || c.Status != models.TemplateApproved || !c.IsSupported {
		t.Fatalf("converted %+v", c)
	}
	comps, _ := json.Marshal(c.Components)
	vars, _ := json.Marshal(c.Variables)
	wantComps := `[{"name":"header","type":"header/media","content":"","variables":{"1":0}},` +
		`{"name":"body","type":"body/text","content":"Hi {{2}}, {{1}} who's an excellent {{2}}?","variables":{"1":1,"2":2}},` +
		`{"name":"footer","type":"footer/text","content":"bye","variables":{}},` +
		`{"name":"button.0","type":"button/url","content":"https://x.com/{{1}}","display":"Go","variables":{"1":3}},` +
		`{"name":"button.1","type":"button/phone_number","content":"+1234","display":"Call","variables":{}}]`
	if string(comps) != wantComps {
		t.Fatalf("components\n%s\nwant\n%s", comps, wantComps)
	}
	if string(vars) != `[{"type":"image"},{"type":"text"},{"type":"text"},{"type":"text"}]` {
		t.Fatalf("variables %s", vars)
	}
	for code, want := range map[string]string{"en": "eng", "fil": "fil", "pt_BR": "por-BR", "xx_YY_ZZ": ""} {
		if got := models.TemplateLocale(code); got != want {
			t.Errorf("locale %s = %q, want %q", code, got, want)
		}
	}
	if _, ok := models.ConvertMetaTemplate(models.MetaTemplate{Name: "x", Language: "en", Status: "DELETED"}); ok {
		t.Fatal("a deleted template was synced")
	}
	for _, comps := range [][]models.MetaComponent{{{Type: "CAROUSEL"}}, {{Type: "HEADER", Format: "LOCATION"}}, {{Type: "BUTTONS", Buttons: []models.MetaButton{{Type: "OTP"}}}}} {
		c, ok := models.ConvertMetaTemplate(models.MetaTemplate{Name: "x", Language: "en", Status: "PENDING", Components: comps})
		if !ok || c.IsSupported {
			t.Fatalf("%+v: supported %v", comps, c.IsSupported)
		}
	}
}

// TestSyncTemplates: a sync upserts, deletes what Meta no longer lists, picks the base translation in the
// primary language and marks translations whose variables differ incompatible; usable listings keep only
// approved, supported, compatible translations, and workspaces don't see each other's templates.
func TestSyncTemplates(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		ctx := context.Background()
		db := testdb.New(t, d, nil, nil)
		store := db.Store
		ws, _ := testdb.Workspace(t, store, testdb.Nyaruka)
		other, _ := testdb.Workspace(t, store, testdb.Trileet)
		ch, err := store.CreateChannel(ctx, ws.ID, models.ChannelSpec{Type: "WAC", Name: "WA", Address: "123", Schemes: []string{"whatsapp"}})
		must(t, err)
		body := func(text string) []models.MetaComponent { return []models.MetaComponent{{Type: "BODY", Text: text}} }
		items := []models.MetaTemplate{
			{ID: "1", Name: "hello", Language: "fr", Status: "APPROVED", Components: body("Bonjour {{1}}")},
			{ID: "2", Name: "hello", Language: "en", Status: "APPROVED", Components: body("Hi {{1}} {{2}}")},
			{ID: "3", Name: "hello", Language: "es", Status: "APPROVED", Components: body("Hola {{1}} {{2}}")},
			{ID: "4", Name: "gone", Language: "en", Status: "DELETED", Components: body("x")},
			{ID: "5", Name: "bye", Language: "en", Status: "PENDING", Components: body("Bye")},
		}
		res, err := store.SyncTemplates(ctx, ch, items)
		must(t, err)
		if res.Created != 4 || res.Skipped != 1 || res.Deleted != 0 {
			t.Fatalf("first sync %+v", res)
		}
		hello, err := store.GetTemplateByName(ctx, ws.ID, "hello")
		must(t, err)
		compat := map[string]bool{}
		var baseLocale string
		for _, tr := range hello.Translations {
			compat[tr.Locale] = tr.IsCompatible
			if hello.BaseTranslationID != nil && *hello.BaseTranslationID == tr.ID {
				baseLocale = tr.Locale
			}
		}
		if baseLocale != "eng" || compat["fra"] || !compat["eng"] || !compat["spa"] {
			t.Fatalf("base %s, compatible %v", baseLocale, compat)
		}
		usable, err := store.Templates(ws.ID).Usable().All(ctx)
		must(t, err)
		if len(usable) != 1 || usable[0].Name != "hello" || len(usable[0].Translations) != 2 {
			t.Fatalf("usable %+v", usable)
		}
		// the one rule: the API's check of a template (UsableOn) keeps what the engine's listing keeps
		on := hello.UsableOn(0)
		if len(on) != 2 || on[0].ID != usable[0].Translations[0].ID || on[1].ID != usable[0].Translations[1].ID || len(hello.UsableOn(ch.ID)) != 2 || len(hello.UsableOn(ch.ID+1000)) != 0 {
			t.Fatalf("UsableOn %+v, listing %+v", on, usable[0].Translations)
		}
		bye, err := store.GetTemplateByName(ctx, ws.ID, "bye")
		must(t, err)
		if len(bye.Translations) != 1 || len(bye.UsableOn(0)) != 0 {
			t.Fatalf("a pending translation is usable: %+v", bye)
		}

		// English goes: the oldest (French) becomes the base and Spanish no longer matches it
		res, err = store.SyncTemplates(ctx, ch, []models.MetaTemplate{items[0], items[2]})
		must(t, err)
		if res.Updated != 2 || res.Deleted != 2 || res.Created != 0 {
			t.Fatalf("second sync %+v", res)
		}
		hello, err = store.GetTemplate(ctx, ws.ID, hello.UUID)
		must(t, err)
		if len(hello.Translations) != 2 || hello.BaseTranslationID == nil || *hello.BaseTranslationID != hello.Translations[0].ID ||
			hello.Translations[0].Locale != "fra" || !hello.Translations[0].IsCompatible || hello.Translations[1].IsCompatible {
			t.Fatalf("after second sync %+v", hello)
		}
		if _, err := store.GetTemplate(ctx, other.ID, hello.UUID); err != models.ErrNotFound {
			t.Fatalf("another workspace found it: %v", err)
		}
		if ts, err := store.Templates(other.ID).All(ctx); err != nil || len(ts) != 0 {
			t.Fatalf("another workspace lists %v %v", ts, err)
		}
	})
}
