package api_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/testdb"
)

// TestTemplatesPaging walks 300 templates synced at once (so they share their modified_on and ties break on
// id) in pages of 250, newest first, and for Weni oldest first with reverse and its status filter kept in the
// links: every template is seen once, in order, each page's translations its own.
func TestTemplatesPaging(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newEnv(t, d, envOptions{})
		names := map[string][]string{}
		for _, ws := range []string{"nyaruka", "weni"} {
			ch := e.makeChannel(ws, models.ChannelSpec{Type: "WAC", Name: "WhatsApp", Address: "wa-" + ws, Schemes: []string{"whatsapp"}, Config: `{"wa_waba_id": "1"}`})
			var items []models.MetaTemplate
			for i := 0; i < 300; i++ {
				name := fmt.Sprintf("%s_%03d", ws, i)
				items = append(items, metaTemplate(name, name, "en", "APPROVED", metaBody(name+" {{1}}")),
					metaTemplate(name+"p", name, "pt_BR", "PENDING", metaBody(name+" pt {{1}}")))
				names[ws] = append(names[ws], name)
			}
			e.syncTemplates(ch, items...)
		}
		walk := func(path, auth string) []string {
			var got []string
			pages := 0
			for path != "" {
				p := e.getPage(path, auth)
				pages++
				for _, r := range p.Results {
					var tmpl struct {
						Name         string
						Translations []struct{ Content string }
					}
					e.must(json.Unmarshal(r, &tmpl))
					if len(tmpl.Translations) != 2 || !strings.HasPrefix(tmpl.Translations[0].Content, tmpl.Name+" ") {
						t.Fatalf("%s: %s has translations %+v", path, tmpl.Name, tmpl.Translations)
					}
					got = append(got, tmpl.Name)
				}
				path = ""
				if p.Next != nil {
					path = pathOf(t, *p.Next)
				}
			}
			if pages != 2 {
				t.Errorf("%d pages, want 2", pages)
			}
			return got
		}
		// SyncTemplates made them in order, so ids (the tie-breaker) rise with the names
		newest := slices.Clone(names["nyaruka"])
		slices.Reverse(newest)
		if got := walk("/api/v2/templates.json", "admin"); !slices.Equal(got, newest) {
			t.Errorf("nyaruka: %d templates, first difference at %d", len(got), firstDiff(got, newest))
		}
		if got := walk("/api/v2/templates.json?reverse=true&status=P", "weni"); !slices.Equal(got, names["weni"]) {
			t.Errorf("weni: %d templates, first difference at %d", len(got), firstDiff(got, names["weni"]))
		}
	})
}
