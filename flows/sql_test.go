package flows

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/testdb"
	"github.com/nyaruka/goflow/assets"
	"github.com/nyaruka/goflow/assets/static"
	"github.com/nyaruka/goflow/contactql"
	"github.com/nyaruka/goflow/core"
	"github.com/nyaruka/goflow/flows/engine"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// testContact is a contact for the differential test, with field values as given.
type testContact struct {
	name, language string
	urns           []string
	fields         map[string]string
	createdDay     int // days after 2025-01-01
	lastSeenDay    int // 0: never seen
	tickets        []models.TicketStatus
}

func differentialContacts() []testContact {
	names := []string{"Bob Smith", "bob smith", "Alice Smithers", "", "Jean-Pierre Habimana", "Ann", "Bobby Tables", "Ängel Ñuñez", "Mary Ann Smith", "X"}
	cities := []string{"Kigali", "kigali", "KIGALI", "Nairobi", "", "Dar es Salaam", "Kampala"}
	ages := []string{"30", "17", "18", "45.5", "", "abc", "100", "0", "29.99", "-3"}
	joined := []string{"2025-03-01 10:00", "2025-03-01 23:30", "2025-02-28 23:59", "", "2025-03-02", "not a date", "2025-03-01T00:00:00+02:00"}
	langs := []string{"eng", "kin", "", "fra"}
	var out []testContact
	for i := 0; i < 42; i++ {
		c := testContact{
			name:        names[i%len(names)],
			language:    langs[i%len(langs)],
			fields:      map[string]string{"age": ages[i%len(ages)], "city": cities[i%len(cities)], "joined": joined[i%len(joined)]},
			createdDay:  i % 12,
			lastSeenDay: (i * 7) % 5,
		}
		if i%3 != 0 {
			c.urns = append(c.urns, fmt.Sprintf("tel:+2507880%05d", i))
		}
		if i%4 == 0 {
			c.urns = append(c.urns, fmt.Sprintf("twitter:user%d", i))
		}
		if i%7 == 0 {
			c.tickets = append(c.tickets, models.TicketClosed)
		}
		if i%5 == 0 {
			c.tickets = append(c.tickets, models.TicketOpen) // at most one open, as the engine keeps them
		}
		out = append(out, c)
	}
	return out
}

var differentialQueries = []string{
	`age > 30`, `age >= 30`, `age < 30`, `age <= 30`, `age = 30`, `age != 30`, `age = ""`, `age != ""`, `age > 29.5`, `age < 0`,
	`city = kigali`, `city = "KIGALI"`, `city != kigali`, `city = ""`, `city != ""`, `city = "dar es salaam"`,
	`name = "bob smith"`, `name != "bob smith"`, `name ~ bob`, `name ~ sm`, `name ~ "smith habimana"`, `name ~ "ängel"`, `name = ""`, `name != ""`,
	`language = eng`, `language != eng`, `language = ""`, `language != ""`,
	`tel = +250788000001`, `tel ~ 00001`, `tel != +250788000001`, `tel = ""`, `tel != ""`, `urn ~ 78800`, `urn = ""`, `urn != ""`,
	`twitter = user4`, `twitter = USER4`, `twitter ~ ser`, `twitter != user4`,
	`joined = 2025-03-01`, `joined != 2025-03-01`, `joined > 2025-03-01`, `joined >= 2025-03-01`, `joined < 2025-03-01`, `joined <= 2025-03-01`, `joined = ""`, `joined != ""`,
	`created_on = 2025-01-05`, `created_on > 2025-01-05`, `created_on <= 2025-01-05`, `created_on != 2025-01-05`,
	`last_seen_on = ""`, `last_seen_on != ""`, `last_seen_on < 2025-01-03`, `last_seen_on >= 2025-01-03`,
	`tickets = 0`, `tickets > 0`, `tickets != 0`, `tickets = 1`, `tickets >= 1`, `tickets < 1`, `tickets > 0.5`, `tickets <= 2`,
	`age > 20 AND city = kigali`, `name ~ bob OR age < 10`, `(age > 20 OR city = nairobi) AND language = eng`,
	`age > 10 AND age < 50 AND city != ""`, `bob`, `+250788000001`, `Smith`,
}

// TestSQLMatchesEngine evaluates the same queries over the same contacts two ways: as SQL by flowsd, and by
// goflow's own evaluator on goflow contacts. Both must pick the same contacts, on SQLite and PostgreSQL.
// (status and group conditions aren't evaluable by goflow's evaluator, so they're tested through the API.)
func TestSQLMatchesEngine(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		ctx := context.Background()
		clock := testdb.NewClock(time.Date(2025, 1, 1, 8, 0, 0, 0, time.UTC), time.Second)
		db := testdb.New(t, d, clock.Now, (&testdb.UUIDSeq{}).Next)
		store := db.Store
		store.Rules = NewRules()
		ws, _, _, err := store.CreateWorkspace(ctx, models.WorkspaceSpec{Name: "Test", Country: "RW", Timezone: "Africa/Kigali", Languages: []string{"eng"}}, "a@b.co")
		if err != nil {
			t.Fatal(err)
		}
		fields := map[string]*models.Field{}
		for _, f := range [][2]string{{"Age", "number"}, {"City", "text"}, {"Joined", "datetime"}} {
			field, err := store.CreateField(ctx, ws.ID, f[0], f[1])
			if err != nil {
				t.Fatal(err)
			}
			fields[field.Key] = field
		}
		env := Environment(ws)
		var general models.Topic
		if err := db.Raw.Where("workspace_id = ? AND is_system", ws.ID).Take(&general).Error; err != nil {
			t.Fatal(err)
		}

		goflowContacts := map[string]*core.Contact{}
		ticketN := 0
		sa := sessionAssets(t, env, fields)
		for _, tc := range differentialContacts() {
			spec := models.ContactSpec{Name: &tc.name, Language: &tc.language, SetURNs: true, Fields: map[int64]*models.FieldValue{}}
			for _, u := range tc.urns {
				scheme, path, _ := strings.Cut(u, ":")
				spec.URNs = append(spec.URNs, models.URNSpec{Identity: u, Scheme: scheme, Path: path})
			}
			for key, text := range tc.fields {
				if text != "" {
					v := parseFieldValue(env, text)
					spec.Fields[fields[key].ID] = &v
				}
			}
			created := time.Date(2025, 1, 1+tc.createdDay, 9, 0, 0, 0, time.UTC)
			clock.Set(created)
			c, err := store.CreateContact(ctx, ws, spec)
			if err != nil {
				t.Fatal(err)
			}
			var lastSeen *time.Time
			if tc.lastSeenDay > 0 {
				ls := time.Date(2025, 1, 1+tc.lastSeenDay, 12, 0, 0, 0, time.UTC)
				lastSeen = &ls
				if err := db.Raw.Model(&models.Contact{}).Where("id = ?", c.ID).Update("last_seen_on", ls).Error; err != nil {
					t.Fatal(err)
				}
			}
			var ticketUUIDs []string
			for _, status := range tc.tickets {
				ticketN++
				tk := &models.Ticket{UUID: fmt.Sprintf("a1000000-0000-4000-8000-%012d", ticketN), WorkspaceID: ws.ID, ContactID: c.ID, TopicID: general.ID,
					Status: status, OpenedOn: created, ModifiedOn: created, LastActivityOn: created}
				if err := db.Raw.Create(tk).Error; err != nil {
					t.Fatal(err)
				}
				ticketUUIDs = append(ticketUUIDs, tk.UUID)
			}
			goflowContacts[c.UUID] = engineContact(t, sa, env, c, tc, created, lastSeen, fields, ticketUUIDs)
		}

		for _, text := range differentialQueries {
			q, bySQL := sqlPicks(t, db, ws, text)
			var byEngine []string
			for uuid, contact := range goflowContacts {
				if contactql.EvaluateQuery(env, q.parsed, contact) {
					byEngine = append(byEngine, uuid)
				}
			}
			sameContacts(t, text, bySQL, byEngine)
		}
	})
}

// sqlPicks parses a contact query in a workspace and gives it with the UUIDs of the active contacts its SQL
// picks, sorted.
func sqlPicks(t *testing.T, db *testdb.DB, ws *models.Workspace, text string) (*Query, []string) {
	t.Helper()
	q, err := ParseQuery(context.Background(), db.Store, ws, text)
	if err != nil {
		t.Fatalf("%s: %v", text, err)
	}
	cond, err := q.Condition()
	if err != nil {
		t.Fatalf("%s: %v", text, err)
	}
	var uuids []string
	err = db.Raw.Raw("SELECT c.uuid FROM contacts c WHERE c.workspace_id = ? AND c.is_active AND ("+cond.SQL+") ORDER BY c.uuid",
		append([]any{ws.ID}, cond.Args...)...).Scan(&uuids).Error
	if err != nil {
		t.Fatalf("%s: %v", text, err)
	}
	return q, uuids
}

// sameContacts fails the test unless SQL and the engine picked the same contacts.
func sameContacts(t *testing.T, query string, bySQL, byEngine []string) {
	t.Helper()
	sort.Strings(byEngine)
	if strings.Join(bySQL, ",") != strings.Join(byEngine, ",") {
		t.Errorf("%q: SQL picks %d contacts, the engine %d\n  sql    %v\n  engine %v", query, len(bySQL), len(byEngine), bySQL, byEngine)
	}
}

func sessionAssets(t *testing.T, env interface{}, fields map[string]*models.Field) core.Assets {
	var defs []any
	for _, f := range fields {
		defs = append(defs, map[string]any{"uuid": f.UUID, "key": f.Key, "name": f.Name, "type": f.ValueType})
	}
	src, err := static.NewSource(mustJSON(t, map[string]any{"fields": defs}))
	if err != nil {
		t.Fatal(err)
	}
	sa, err := engine.NewSessionAssets(Environment(&models.Workspace{Timezone: "Africa/Kigali"}), src, nil)
	if err != nil {
		t.Fatal(err)
	}
	return sa
}

// engineContact is the goflow contact the engine would hold for a test contact, its field values read by the
// engine itself.
func engineContact(t *testing.T, sa core.Assets, env interface{}, c *models.Contact, tc testContact, created time.Time, lastSeen *time.Time, fields map[string]*models.Field, ticketUUIDs []string) *core.Contact {
	values := map[string]*core.Value{}
	fieldValues := core.FieldValues{}
	for key, text := range tc.fields {
		if text == "" {
			continue
		}
		field := core.NewField(static.NewField(assets.FieldUUID(fields[key].UUID), key, fields[key].Name, assets.FieldType(fields[key].ValueType)))
		values[key] = fieldValues.Parse(Environment(&models.Workspace{Timezone: "Africa/Kigali", DateStyle: models.DayFirst, Country: strPtr("RW")}), nil, field, text)
	}
	envelope := map[string]any{
		"uuid": c.UUID, "name": tc.name, "status": "active", "created_on": created, "urns": tc.urns, "fields": values,
	}
	if tc.language != "" {
		envelope["language"] = tc.language
	}
	var tickets []map[string]any
	for i, status := range tc.tickets {
		tickets = append(tickets, map[string]any{"uuid": ticketUUIDs[i], "status": status})
	}
	envelope["tickets"] = tickets
	if lastSeen != nil {
		envelope["last_seen_on"] = lastSeen
	}
	contact, err := core.ReadContact(sa, mustJSON(t, envelope), assets.PanicOnMissing)
	if err != nil {
		t.Fatal(err)
	}
	return contact
}

func strPtr(s string) *string { return &s }

func mustJSON(t *testing.T, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
