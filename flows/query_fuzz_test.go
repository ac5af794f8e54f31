package flows

import (
	"context"
	"errors"
	"flag"
	"strings"
	"testing"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/testdb"
)

// FuzzContactQuery checks that any text either fails to parse with a QueryError, or parses to a query whose
// SQL either runs on SQLite or is refused with a QueryError (anything else is a 500 in the API); that its
// SQL has one argument per placeholder; and that its canonical form (what smart groups store) parses again to
// itself.
func FuzzContactQuery(f *testing.F) {
	for _, q := range differentialQueries {
		f.Add(q)
	}
	for _, q := range []string{
		`state = "Kigali City"`, `district = Gasabo`, `ward != ""`, `group = Testers`, `group != "testers"`, `group = ""`,
		`status = active`, `status != blocked`, `uuid = 0df2f5f8-1a8d-4f6e-9a77-1d1f1f1f1f1f`, `id = 12`, `id = abc`,
		`ref = AB12`, `flow = "Registration"`, `history = "x"`, `tickets = abc`, `age = abc`, `joined = xx`,
		`created_on > 9999-12-31`, `created_on = 0001-01-01`, `joined < 1-1-1`, `age > 1e999`, `age = -0`,
		`tel > 5`, `urn < 3`, `name > bob`, `language ~ en`, `status ~ act`, `twitter ~ ""`, `name ~ ""`, `name ~ "%_\\"`,
		`nosuch = 1`, `(`, `)`, `"`, `""`, `a = "b`, `NOT age = 1`, `age = 1 OR`, `AND`, `((((age = 1))))`,
		"age = 1 AND (city = x OR (name ~ y AND tel != \"\"))", "\x00", "name = \"\x00\"", "name = \"\xff\"", "city = \xc3", "city = \u00e9\u0301",
		`age >= 12345678901234567890123456789`, `tickets > 99999999999999999999`, `created_on != ""`,
	} {
		f.Add(q)
	}

	// the SQL runs on SQLite; replaying the corpus (not fuzzing, where every execution counts) on PostgreSQL too
	dbs := []*queryDB{newQueryDB(f, models.SQLite)}
	if fuzzing := flag.Lookup("test.fuzz"); (fuzzing == nil || fuzzing.Value.String() == "") && testdb.PostgresAvailable() == nil {
		dbs = append(dbs, newQueryDB(f, models.Postgres))
	}

	f.Fuzz(func(t *testing.T, text string) {
		for _, db := range dbs {
			db.check(t, text)
		}
	})
}

// queryDB is a database with a workspace that has fields of every type and a group.
type queryDB struct {
	db    *testdb.DB
	ws    *models.Workspace
	scope *queryScope
}

func newQueryDB(f *testing.F, d models.Dialect) *queryDB {
	ctx := context.Background()
	db := testdb.New(f, d, testdb.NewClock(time.Date(2025, 1, 1, 8, 0, 0, 0, time.UTC), time.Second).Now, (&testdb.UUIDSeq{}).Next)
	db.Store.Rules = NewRules()
	ws, _, _, err := db.Store.CreateWorkspace(ctx, models.WorkspaceSpec{Name: "Test", Country: "RW", Timezone: "Africa/Kigali", Languages: []string{"eng"}}, "a@b.co")
	if err != nil {
		f.Fatal(err)
	}
	for _, fd := range [][2]string{{"Age", "number"}, {"City", "text"}, {"Joined", "datetime"}, {"State", "state"}, {"District", "district"}, {"Ward", "ward"}} {
		if _, err := db.Store.CreateField(ctx, ws.ID, fd[0], fd[1]); err != nil {
			f.Fatal(err)
		}
	}
	if _, err := db.Store.CreateGroup(ctx, ws.ID, "Testers"); err != nil {
		f.Fatal(err)
	}
	scope, err := loadScope(ctx, db.Store, ws)
	if err != nil {
		f.Fatal(err)
	}
	return &queryDB{db: db, ws: ws, scope: scope}
}

func (d *queryDB) check(t *testing.T, text string) {
	scope, db, ws := d.scope, d.db, d.ws
	q, err := scope.parse(text)
	if err != nil {
		var qerr *QueryError
		if !errors.As(err, &qerr) || q != nil {
			t.Fatalf("%q: parse gave %T %v", text, err, err)
		}
		return
	}

	cond, err := q.Condition()
	if err != nil {
		var qerr *QueryError
		if !errors.As(err, &qerr) {
			t.Fatalf("%q: Condition gave %T %v, not a QueryError", text, err, err)
		}
	} else {
		if n := strings.Count(cond.SQL, "?"); n != len(cond.Args) {
			t.Fatalf("%q: SQL has %d placeholders, %d args: %s", text, n, len(cond.Args), cond.SQL)
		}
		var count int64
		if err := db.Raw.Raw("SELECT COUNT(*) FROM contacts c WHERE c.workspace_id = ? AND ("+cond.SQL+")",
			append([]any{ws.ID}, cond.Args...)...).Scan(&count).Error; err != nil {
			t.Fatalf("%q: SQL %s %v doesn't run on %s: %v", text, cond.SQL, cond.Args, db.Dialect, err)
		}
	}

	// the canonical form is what a smart group stores and parses again later. It is a fixed point from its
	// second reading on: goflow keeps the case of an implicit URN's scheme ("TEL:1" is urns.TEL) but lowers
	// that of urns.TEL, as RapidPro does too
	canonical := q.String()
	for i := 0; i < 2; i++ {
		again, err := scope.parse(canonical)
		if err != nil {
			t.Fatalf("%q: canonical form %q doesn't parse: %v", text, canonical, err)
		}
		if i == 1 && again.String() != canonical {
			t.Fatalf("%q: canonical form %q parses to %q", text, canonical, again.String())
		}
		canonical = again.String()
	}
	q.AllowedAsGroup()
	q.FieldKeys()
}
