package api_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/flowsd/flowsd/api"
	"github.com/flowsd/flowsd/models"
)

// benchContactCount is how many contacts the contacts benchmarks seed (FLOWSD_BENCH_CONTACTS overrides).
func benchContactCount() int {
	if n, err := strconv.Atoi(os.Getenv("FLOWSD_BENCH_CONTACTS")); err == nil && n > 0 {
		return n
	}
	return 100_000
}

// seedContacts bulk-inserts n contacts into the Nyaruka workspace, in SQL: each with a name, a tel URN, five
// field values (age, score and joined typed, city and nick text) and one to three of three manual groups.
func seedContacts(b *testing.B, e *env, n int) {
	ctx := context.Background()
	ws := e.ws["nyaruka"]
	e.store.Limits = map[string]int{"fields": 250, "groups": 250}
	fieldIDs := map[string]int64{}
	for _, f := range []struct{ name, typ string }{{"Age", "number"}, {"Score", "number"}, {"Joined", "datetime"}, {"City", "text"}, {"Nick", "text"}} {
		field, err := e.store.CreateField(ctx, ws.ID, f.name, f.typ)
		e.must(err)
		fieldIDs[field.Key] = field.ID
	}
	var groupIDs []int64
	for _, name := range []string{"Farmers", "Teachers", "Nurses"} {
		g, err := e.store.CreateGroup(ctx, ws.ID, name)
		e.must(err)
		groupIDs = append(groupIDs, g.ID)
	}

	series := fmt.Sprintf("SELECT n FROM generate_series(1, %d) AS n", n)
	pad := func(expr string, width int) string {
		return fmt.Sprintf("lpad(CAST(%s AS TEXT), %d, '0')", expr, width)
	}
	if e.store.Dialect == models.SQLite {
		series = fmt.Sprintf("WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < %d) SELECT n FROM s", n)
		pad = func(expr string, width int) string { return fmt.Sprintf("printf('%%0%dd', %s)", width, expr) }
	}
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	// a second apart so that ordering by modified_on is total, like real traffic
	stmts := []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO contacts (uuid, workspace_id, name, name_lower, name_tokens, language, status, is_active, created_on, modified_on)
		  SELECT '10000000-0000-4000-8000-' || ` + pad("n", 12) + `, ?, 'Contact ' || n, 'contact ' || n, ' contact ' || n || ' ',
		         'eng', 'active', ` + boolSQL(e, true) + `, ?, ?
		    FROM (` + series + `) AS s`, []any{ws.ID, base, base}},
		{`UPDATE contacts SET modified_on = created_on WHERE workspace_id = ?`, []any{ws.ID}},
	}
	for _, st := range stmts {
		e.must(e.db.Raw.Exec(st.sql, st.args...).Error)
	}
	// spread modified_on: id order, a second apart
	if e.store.Dialect == models.SQLite {
		e.must(e.db.Raw.Exec(`UPDATE contacts SET created_on = datetime(?, '+' || id || ' seconds'), modified_on = datetime(?, '+' || id || ' seconds') WHERE workspace_id = ?`,
			base.Format("2006-01-02 15:04:05"), base.Format("2006-01-02 15:04:05"), ws.ID).Error)
	} else {
		e.must(e.db.Raw.Exec(`UPDATE contacts SET created_on = CAST(? AS TIMESTAMPTZ) + id * interval '1 second', modified_on = CAST(? AS TIMESTAMPTZ) + id * interval '1 second' WHERE workspace_id = ?`, base, base, ws.ID).Error)
	}
	e.must(e.db.Raw.Exec(`INSERT INTO contact_urns (workspace_id, contact_id, identity, scheme, path, priority)
		SELECT c.workspace_id, c.id, 'tel:+2507' || `+pad("c.id", 8)+`, 'tel', '+2507' || `+pad("c.id", 8)+`, 1000 FROM contacts c WHERE c.workspace_id = ?`, ws.ID).Error)
	// text, text lowercased, number, datetime
	for key, expr := range map[string]string{
		"age":    "CAST(c.id % 90 AS TEXT), CAST(c.id % 90 AS TEXT), c.id % 90, NULL",
		"score":  "CAST(c.id % 1000 AS TEXT), CAST(c.id % 1000 AS TEXT), c.id % 1000, NULL",
		"city":   "'City ' || (c.id % 10), 'city ' || (c.id % 10), NULL, NULL",
		"nick":   "'nick' || c.id, 'nick' || c.id, NULL, NULL",
		"joined": "'joined', 'joined', NULL, c.created_on",
	} {
		e.must(e.db.Raw.Exec(`INSERT INTO contact_field_values (contact_id, field_id, text_value, text_lower, number_value, datetime_value)
			SELECT c.id, ?, `+expr+` FROM contacts c WHERE c.workspace_id = ?`, fieldIDs[key], ws.ID).Error)
	}
	for i, g := range groupIDs {
		e.must(e.db.Raw.Exec(`INSERT INTO contact_group_members (group_id, contact_id)
			SELECT ?, c.id FROM contacts c WHERE c.workspace_id = ? AND c.id % ? = 0`, g, ws.ID, i+1).Error)
	}
	if e.store.Dialect == models.Postgres {
		e.must(e.db.Raw.Exec("ANALYZE").Error)
	}
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return s[len(s)/2]
}

func boolSQL(e *env, v bool) string {
	if e.store.Dialect == models.SQLite {
		if v {
			return "1"
		}
		return "0"
	}
	return strconv.FormatBool(v)
}

// rawPage fetches the same page as GET contacts.json in the least SQL that can: the contacts, then their
// URNs, groups and field values, scanned into plain values. It is the baseline the endpoint is measured
// against.
func rawPage(b *testing.B, db *sql.DB, workspaceID int64, before time.Time, beforeID int64) int {
	rows, err := db.Query(`SELECT id, uuid, name, language, status, created_on, modified_on, last_seen_on FROM contacts
		WHERE workspace_id = $1 AND is_active AND (modified_on, id) < ($2, $3)
		ORDER BY modified_on DESC, id DESC LIMIT 251`, workspaceID, before, beforeID)
	if err != nil {
		b.Fatal(err)
	}
	var ids []any
	for rows.Next() {
		var id int64
		var uuid, status string
		var name, lang sql.NullString
		var created, modified time.Time
		var seen sql.NullTime
		if err := rows.Scan(&id, &uuid, &name, &lang, &status, &created, &modified, &seen); err != nil {
			b.Fatal(err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	in := "$1"
	for i := 2; i <= len(ids); i++ {
		in += ",$" + strconv.Itoa(i)
	}
	for _, q := range []string{
		`SELECT contact_id, identity, scheme, path, display FROM contact_urns WHERE contact_id IN (` + in + `) ORDER BY priority DESC, id`,
		`SELECT m.contact_id, g.uuid, g.name FROM contact_group_members m JOIN contact_groups g ON g.id = m.group_id WHERE m.contact_id IN (` + in + `) ORDER BY g.id`,
		`SELECT contact_id, field_id, text_value, number_value, datetime_value FROM contact_field_values WHERE contact_id IN (` + in + `)`,
	} {
		rows, err := db.Query(q, ids...)
		if err != nil {
			b.Fatal(err)
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		for i := range vals {
			vals[i] = new(any)
		}
		for rows.Next() {
			if err := rows.Scan(vals...); err != nil {
				b.Fatal(err)
			}
		}
		rows.Close()
	}
	return len(ids)
}

// BenchmarkContacts seeds 100,000 contacts on PostgreSQL and reports, in one run:
//
//   - GET contacts.json, first page and a page deep in the cursor, against the raw SQL fetching the same 250
//     contacts with their URNs, groups and fields ("x-raw" is the endpoint's time over the raw SQL's);
//
//   - ?query= on a number field and on a name;
//
//   - the evaluation of a smart group over all the contacts.
//
//     go test ./api -run x -bench Contacts -benchtime 20x
func BenchmarkContacts(b *testing.B) {
	if err := testdbPostgres(); err != nil {
		b.Skip(err)
	}
	e := newEnv(b, models.Postgres, envOptions{})
	n := benchContactCount()
	start := time.Now()
	seedContacts(b, e, n)
	b.Logf("seeded %d contacts in %s", n, time.Since(start).Round(time.Millisecond))
	sqlDB, _ := e.db.Raw.DB()
	ws := e.ws["nyaruka"]

	get := func(path string) (int, string) {
		resp := e.do(request{method: "GET", path: path, auth: "admin"})
		if resp.status != 200 {
			b.Fatalf("GET %s: %d %s", path, resp.status, resp.body)
		}
		var p struct {
			Next    *string
			Results []json.RawMessage
		}
		e.must(json.Unmarshal(resp.body, &p))
		next := ""
		if p.Next != nil {
			u, _ := url.Parse(*p.Next)
			next = u.RequestURI()
		}
		return len(p.Results), next
	}

	// a cursor half way down the listing
	var mid models.Contact
	e.must(e.db.Raw.Where("workspace_id = ?", ws.ID).Order("modified_on DESC, id DESC").Offset(n / 2).Limit(1).Take(&mid).Error)
	deepPath := "/api/v2/contacts.json?cursor=" + url.QueryEscape(api.EncodeCursorForTest(mid.ModifiedOn, mid.ID))

	timeIt := func(name string, fn func()) time.Duration {
		fn() // warm
		const reps = 20
		t0 := time.Now()
		for i := 0; i < reps; i++ {
			fn()
		}
		d := time.Since(t0) / reps
		b.ReportMetric(float64(d.Microseconds())/1000, name+"-ms")
		return d
	}
	// pair measures the endpoint and its raw SQL baseline in alternating rounds, so drift in the machine's load
	// falls on both, and reports the median of each and of the rounds' ratios
	pair := func(name string, endpoint, raw func()) {
		endpoint()
		raw()
		const rounds, reps = 9, 10
		var ours, base, ratios []float64
		for r := 0; r < rounds; r++ {
			t0 := time.Now()
			for i := 0; i < reps; i++ {
				endpoint()
			}
			e := time.Since(t0).Seconds() * 1000 / reps
			t0 = time.Now()
			for i := 0; i < reps; i++ {
				raw()
			}
			rw := time.Since(t0).Seconds() * 1000 / reps
			ours, base, ratios = append(ours, e), append(base, rw), append(ratios, e/rw)
		}
		b.ReportMetric(median(ours), name+"-ms")
		b.ReportMetric(median(base), name+"-raw-ms")
		b.ReportMetric(median(ratios), name+"-x-raw")
	}
	far := time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)

	for i := 0; i < b.N; i++ {
		pair("first-page", func() {
			if got, _ := get("/api/v2/contacts.json"); got != 250 {
				b.Fatalf("first page has %d contacts", got)
			}
		}, func() { rawPage(b, sqlDB, ws.ID, far, 1<<62) })
		pair("deep-page", func() {
			if got, _ := get(deepPath); got != 250 {
				b.Fatalf("deep page has %d contacts", got)
			}
		}, func() { rawPage(b, sqlDB, ws.ID, mid.ModifiedOn, mid.ID) })

		timeIt("query-field", func() { get("/api/v2/contacts.json?query=" + url.QueryEscape("age > 45 AND score < 500")) })
		timeIt("query-name", func() { get("/api/v2/contacts.json?query=" + url.QueryEscape(`name ~ "contact 7777"`)) })
		timeIt("query-field-rare", func() { get("/api/v2/contacts.json?query=" + url.QueryEscape("score = 999 AND age = 9")) })

		ctx := context.Background()
		g, err := e.store.CreateSmartGroup(ctx, ws.ID, fmt.Sprintf("Adults %d", i), "fields.age >= 18 AND fields.city = \"City 3\"")
		e.must(err)
		t0 := time.Now()
		e.settle()
		b.ReportMetric(time.Since(t0).Seconds(), "group-eval-s")
		counts, _ := e.store.GroupCounts(ctx, []int64{g.ID})
		b.ReportMetric(float64(counts[g.ID]), "group-members")
	}
}
