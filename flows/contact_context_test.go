package flows

import (
	"testing"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/testdb"
)

func TestReadsOwnPropertiesOnly(t *testing.T) {
	for tpl, want := range map[string]bool{
		"Hi @contact.first_name":                       true,
		"@CONTACT.First_Name and @contact.uuid":        true,
		"@(upper(contact.name)) @(contact.created_on)": true,
		"@fields.age @urns.tel @globals.org":           true, // not @contact: each its own lazy context
		"no expression":                                true,
		"Hi @contact":                                  false, // the formatted URN or name
		"@(contact)":                                   false,
		"@contact.urn":                                 false,
		"@contact.fields.age":                          false,
		"@(join(contact.groups, \", \"))":              false,
		"@contact.channel.name":                        false,
		"@contact.tickets":                             false,
		"@contact.no_such_property":                    false, // left to goflow, which says what it says
	} {
		if got := readsOwnPropertiesOnly([]string{"plain", tpl}); got != want {
			t.Errorf("%q: got %v, want %v", tpl, got, want)
		}
	}
}

// TestOwnContactContext checks that a context of the contact's own properties evaluates every expression it is
// used for exactly as goflow's whole contact context does, for contacts with and without what may be missing.
func TestOwnContactContext(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newHostEnv(t, d)
		seen := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
		full := e.contact("Ana María da Silva", "tel:+250788123123")
		e.setLanguage(full, "por")
		must(t, e.db.Raw.Model(&models.Contact{}).Where("id = ?", full.ID).Update("last_seen_on", seen).Error)
		nameless := e.contact("", "tel:+250788123124")
		single := e.contact("Bob", "")

		a, err := e.host.Assets.Get(e.ctx, e.ws)
		must(t, err)
		_, ecs, err := e.host.loadContacts(e.ctx, a, e.store.Reader(e.ctx), []int64{full.ID, nameless.ID, single.ID})
		must(t, err)
		if len(ecs) != 3 {
			t.Fatalf("loaded %d contacts, want 3", len(ecs))
		}
		templates := []string{
			"Hi @contact.first_name!",
			"@contact.name|@contact.uuid|@contact.ref|@contact.language|@contact.status|@contact.id",
			"@contact.created_on|@contact.last_seen_on|@contact.timezone",
			"@(upper(contact.first_name)) @(default(contact.last_seen_on, \"never\")) @(format_date(contact.created_on))",
			"@CONTACT.First_Name @(word_count(contact.name))",
			"@(contact.first_name & \"!\") @(contact[\"name\"])",
		}
		if !readsOwnPropertiesOnly(templates) {
			t.Fatal("the templates read more than the contact's own properties")
		}
		for id, ec := range ecs {
			own, whole := e.host.broadcastEvaluator(e.ctx, a, ec, true), e.host.broadcastEvaluator(e.ctx, a, ec, false)
			for _, tpl := range templates {
				if got, want := own(tpl), whole(tpl); got != want {
					t.Errorf("contact %d, %q: own context gives %q, goflow's %q", id, tpl, got, want)
				}
			}
		}
		// and it is what is sent: a broadcast to the three reads as goflow would have it
		if got := e.host.broadcastEvaluator(e.ctx, a, ecs[full.ID], true)("Oi @contact.first_name"); got != "Oi Ana" {
			t.Errorf("got %q", got)
		}
	})
}
