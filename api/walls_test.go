package api_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/flowsd/flowsd/api"
	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/testdb"
)

// reliabilityDoc is where the R1 figures are written (-update) and checked.
const reliabilityDoc = "../docs/reliability.md"

// TestWorkspacesAreWalls (R1) seeds the victim workspace, Nyaruka, with one of everything the docs examples
// make, collects its identifiers, and has other workspaces' callers (Trileet's administrator and Weni's, by
// token and by Basic auth) send them in every documented query parameter and body field of every operation in
// the registry. No answer may be a 5xx or show a victim identifier the request did not carry itself, and the
// victim's rows must be unchanged.
func TestWorkspacesAreWalls(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newEnv(t, d, envOptions{})
		seedVictim(t, e)
		victim := e.ws["nyaruka"].ID
		schema := readSchema(t, e)
		victimIDs := schema.identifiers(t, e, victim)
		for _, owner := range []string{"admin", "editor", "agent", "former", "inactive", "revoked"} {
			victimIDs.add("email", e.emails[owner])
		}
		for _, kind := range slices.Sorted(maps.Keys(victimIDs.kinds)) {
			t.Logf("%d %s identifiers of Nyaruka", len(victimIDs.kinds[kind]), kind)
		}
		// the check can fail: Nyaruka's own answers show its identifiers
		for _, path := range []string{"/api/v2/contacts.json", "/api/v2/workspace.json", "/api/v2/flows.json"} {
			if resp := e.do(request{method: "GET", path: path, auth: "admin"}); len((wallProbe{}).leaks(resp.body, victimIDs, nil)) == 0 {
				t.Fatalf("%s: Nyaruka's own answer shows none of its identifiers: %s", path, resp.body)
			}
		}
		before := schema.snapshot(t, e, victim)
		// and a change to Nyaruka's rows is seen
		if resp := e.do(request{method: "POST", path: "/api/v2/labels.json", auth: "admin", body: []byte(`{"name":"Wall check"}`), contentType: "application/json"}); resp.status != 201 {
			t.Fatalf("creating a label: %d %s", resp.status, resp.body)
		}
		if after := schema.snapshot(t, e, victim); maps.Equal(after, before) {
			t.Fatal("a new label of Nyaruka's changes none of its rows' hashes")
		} else {
			before = after
		}

		var figures []wallFigure
		for _, ep := range api.Registry {
			for _, op := range ep.Operations() {
				fig := wallFigure{endpoint: ep.Name, method: op.Method}
				for _, attacker := range wallAttackers(ep) {
					own := func() map[string]bool {
						ids := schema.identifiers(t, e, e.ws[attacker.workspace].ID)
						ids.add("email", e.emails[attacker.token])
						return ids.all()
					}
					attackerOwn := own()
					for _, auth := range []string{attacker.token, "basic " + attacker.token} {
						for _, probe := range wallProbes(ep, op, victimIDs) {
							r := probe.request(t, ep, op.Method, auth)
							resp := e.do(r)
							fig.requests++
							if resp.status >= 500 {
								t.Errorf("%s %s as %s: status %d: %s", r.method, r.path, auth, resp.status, resp.body)
							}
							leaked := probe.leaks(resp.body, victimIDs, attackerOwn)
							if len(leaked) > 0 { // what the attacker wrote is its own: look again with its rows now
								attackerOwn = own()
								leaked = probe.leaks(resp.body, victimIDs, attackerOwn)
							}
							if len(leaked) > 0 {
								fig.leaks++
								t.Errorf("%s %s as %s (body %s): the answer shows the other workspace's %q: %s", r.method, r.path, auth, r.body, leaked, resp.body)
							}
						}
					}
				}
				after := schema.snapshot(t, e, victim)
				for table, h := range before {
					if after[table] != h {
						fig.changes++
						t.Errorf("%s %s: the other workspace's %s rows changed", op.Method, ep.Name, table)
					}
				}
				before = after
				figures = append(figures, fig)
			}
		}
		checkReliabilityDoc(t, "R1", wallsSection(figures), *update && d == models.SQLite)
	})
}

// seedVictim gives Nyaruka one of everything: what each endpoint's example needs and what its write example
// makes, as TestExamplesAreWhatTheServerAnswers does (Weni's examples seed the Weni workspace).
func seedVictim(t *testing.T, e *env) {
	created := map[string]map[string]any{}
	for _, ep := range api.Registry {
		e.seedExample(ep.Name, created)
		if op := ep.Post; op != nil {
			if obj, ok := e.runExample(t, ep, exampleToken(ep), "POST", op.Docs.Example, op.Docs.Example.Query).(map[string]any); ok {
				created[ep.Name] = obj
			}
		}
	}
}

type wallAttacker struct{ token, workspace string }

// wallAttackers are the callers of other workspaces who have the endpoint.
func wallAttackers(ep *api.Endpoint) []wallAttacker {
	weni := wallAttacker{"weni", "weni"}
	if ep.Profile == models.ProfileWeni {
		return []wallAttacker{weni}
	}
	return []wallAttacker{{"admin2", "trileet"}, weni}
}

// wallIDs are a workspace's identifiers by kind (uuid, id, name, urn, key, slug, email), each kind's in order,
// and the UUIDs by table.
type wallIDs struct {
	kinds   map[string][]string
	byTable map[string][]string
}

func (w *wallIDs) add(kind, v string) {
	if v != "" && !slices.Contains(w.kinds[kind], v) {
		w.kinds[kind] = append(w.kinds[kind], v)
	}
}

func (w *wallIDs) all() map[string]bool {
	all := map[string]bool{}
	for _, vs := range w.kinds {
		for _, v := range vs {
			all[v] = true
		}
	}
	return all
}

// wallKinds are the identifier kinds, and the columns they are read from.
var wallKinds = map[string][]string{
	"uuid": {"uuid"}, "name": {"name"}, "urn": {"identity", "path"}, "key": {"key"}, "slug": {"slug"}, "email": {"email"},
}

// wallSchema is the database's tables, columns and foreign keys, read from the database itself so that new
// tables are covered as they come.
type wallSchema struct {
	tables  []string
	columns map[string][]string
	fks     map[string][][2]string // table -> (column, parent table)
}

func readSchema(t *testing.T, e *env) *wallSchema {
	s := &wallSchema{columns: map[string][]string{}, fks: map[string][][2]string{}}
	raw := e.db.Raw
	if e.db.Dialect == models.SQLite {
		e.must(raw.Raw("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'goose_db_version' ORDER BY name").Scan(&s.tables).Error)
		for _, table := range s.tables {
			var cols []struct{ Name string }
			e.must(raw.Raw("SELECT name FROM pragma_table_info(?)", table).Scan(&cols).Error)
			for _, c := range cols {
				s.columns[table] = append(s.columns[table], c.Name)
			}
			var fks []struct{ From, Table string }
			e.must(raw.Raw(`SELECT "from", "table" FROM pragma_foreign_key_list(?)`, table).Scan(&fks).Error)
			for _, fk := range fks {
				s.fks[table] = append(s.fks[table], [2]string{fk.From, fk.Table})
			}
		}
		return s
	}
	e.must(raw.Raw("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> 'goose_db_version' ORDER BY table_name").Scan(&s.tables).Error)
	var cols []struct{ TableName, ColumnName string }
	e.must(raw.Raw("SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position").Scan(&cols).Error)
	for _, c := range cols {
		s.columns[c.TableName] = append(s.columns[c.TableName], c.ColumnName)
	}
	var fks []struct{ Child, Col, Parent string }
	e.must(raw.Raw(`SELECT kcu.table_name AS child, kcu.column_name AS col, ccu.table_name AS parent
		FROM information_schema.table_constraints tc
		JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = tc.constraint_name AND kcu.table_schema = tc.table_schema
		JOIN information_schema.constraint_column_usage ccu ON ccu.constraint_name = tc.constraint_name AND ccu.table_schema = tc.table_schema
		WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_schema = current_schema() ORDER BY 1, 2`).Scan(&fks).Error)
	for _, fk := range fks {
		s.fks[fk.Child] = append(s.fks[fk.Child], [2]string{fk.Col, fk.Parent})
	}
	return s
}

// owned is the condition selecting a workspace's rows of a table: its own workspace_id, or for child tables a
// reference to an owned row of a parent, a few levels up. "" when the table holds nothing of a workspace.
func (s *wallSchema) owned(table string, ws int64, depth int) string {
	if table == "workspaces" {
		return fmt.Sprintf("id = %d", ws)
	}
	if slices.Contains(s.columns[table], "workspace_id") {
		return fmt.Sprintf("workspace_id = %d", ws)
	}
	if depth >= 3 {
		return ""
	}
	var conds []string
	for _, fk := range s.fks[table] {
		if parent := s.owned(fk[1], ws, depth+1); parent != "" {
			conds = append(conds, fmt.Sprintf("%s IN (SELECT id FROM %s WHERE %s)", fk[0], fk[1], parent))
		}
	}
	return strings.Join(conds, " OR ")
}

// rows gives a workspace's rows of a table as text, in a stable order.
func (s *wallSchema) rows(t *testing.T, e *env, table string, ws int64) []map[string]any {
	cond := s.owned(table, ws, 0)
	if cond == "" {
		return nil
	}
	order := strings.Join(s.columns[table], ", ")
	if slices.Contains(s.columns[table], "id") {
		order = "id"
	}
	var rows []map[string]any
	e.must(e.db.Raw.Raw(fmt.Sprintf("SELECT * FROM %s WHERE %s ORDER BY %s", table, cond, order)).Scan(&rows).Error)
	return rows
}

// snapshot hashes a workspace's rows of every table.
func (s *wallSchema) snapshot(t *testing.T, e *env, ws int64) map[string]string {
	hashes := map[string]string{}
	for _, table := range s.tables {
		if s.owned(table, ws, 0) == "" {
			continue
		}
		h := sha256.New()
		for _, row := range s.rows(t, e, table, ws) {
			for _, col := range s.columns[table] {
				fmt.Fprintf(h, "%s=%v\x00", col, row[col])
			}
			h.Write([]byte{'\n'})
		}
		hashes[table] = fmt.Sprintf("%x", h.Sum(nil))
	}
	return hashes
}

// identifiers collects a workspace's identifiers from its rows.
func (s *wallSchema) identifiers(t *testing.T, e *env, ws int64) *wallIDs {
	w := &wallIDs{kinds: map[string][]string{}, byTable: map[string][]string{}}
	for _, table := range s.tables {
		for _, row := range s.rows(t, e, table, ws) {
			if id, ok := row["id"]; ok && slices.Contains(s.columns[table], "workspace_id") {
				w.add("id", fmt.Sprint(id))
			}
			for kind, cols := range wallKinds {
				for _, col := range cols {
					v := wallText(row[col])
					// too short to tell apart from other text, or a document
					if len(v) < 4 || len(v) > 200 || strings.HasPrefix(v, "[") || strings.HasPrefix(v, "{") {
						continue
					}
					w.add(kind, v)
					if kind == "uuid" {
						w.byTable[table] = append(w.byTable[table], v)
					}
				}
			}
		}
	}
	return w
}

func wallText(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case []byte:
		return string(v)
	}
	return ""
}

// wallProbe is one request: the operation's example with one parameter or field given the victim's
// identifiers of one kind.
type wallProbe struct {
	query url.Values
	body  map[string]any
	sent  string // every value the request carries, to tell echoes from leaks
}

// wallProbes are the requests for an operation: for each documented query parameter and body field, and each
// identifier kind, the example's request with that one parameter set to the victim's identifier (a list of
// them for lists), the rest left as the example has them.
func wallProbes(ep *api.Endpoint, op api.MethodOperation, ids *wallIDs) []wallProbe {
	docs := op.Docs
	base := func() (url.Values, map[string]any) {
		q, _ := url.ParseQuery(docs.Example.Query)
		body := map[string]any{}
		if op.Method == "POST" && !docs.Upload {
			for k, v := range docs.Example.Body {
				body[k] = v
			}
		}
		return q, body
	}
	kinds := []string{"uuid", "id", "name", "urn", "key", "slug", "email"}
	q, body := base()
	probes := []wallProbe{{query: q, body: body}} // the example as it is, which names Nyaruka's objects
	for i, p := range docs.Params {
		for _, kind := range kinds {
			v := ids.pick(kind, wallTable(ep, p.Name), i)
			if v == "" {
				continue
			}
			q, body := base()
			q.Set(p.Name, v)
			probes = append(probes, wallProbe{query: q, body: body})
		}
	}
	if op.Method == "POST" && !docs.Upload {
		for i, f := range docs.Fields {
			for _, kind := range kinds {
				v := ids.pick(kind, wallTable(ep, f.Name), i)
				if v == "" {
					continue
				}
				q, body := base()
				body[f.Name] = wallValue(f.Type, v, ids.kinds[kind])
				probes = append(probes, wallProbe{query: q, body: body})
			}
		}
	}
	for i := range probes {
		var sent []string
		for _, vs := range probes[i].query {
			sent = append(sent, vs...)
		}
		probes[i].sent = strings.Join(wallStrings(probes[i].body, sent), "\n")
	}
	return probes
}

// wallStrings adds the strings of a JSON value, keys and values, as they are before any escaping.
func wallStrings(v any, to []string) []string {
	switch v := v.(type) {
	case string:
		return append(to, v)
	case []string:
		return append(to, v...)
	case []any:
		for _, item := range v {
			to = wallStrings(item, to)
		}
	case map[string]any:
		for k, item := range v {
			to = wallStrings(item, append(to, k))
		}
	default:
		return append(to, fmt.Sprint(v))
	}
	return to
}

// pick gives one identifier of a kind: for UUIDs, one of the table the parameter names when there is one;
// the n-th otherwise, so that the parameters of an operation try different objects.
func (w *wallIDs) pick(kind, table string, n int) string {
	vs := w.kinds[kind]
	if kind == "uuid" && len(w.byTable[table]) > 0 {
		vs = w.byTable[table]
	}
	if len(vs) == 0 {
		return ""
	}
	return vs[n%len(vs)]
}

// wallTable guesses the table a parameter refers to from its name ("contact", "groups", "flow") or, for
// "uuid", the endpoint's name.
func wallTable(ep *api.Endpoint, param string) string {
	stem := param
	if stem == "uuid" || stem == "uuids" {
		stem = ep.Name
	}
	stem = strings.TrimSuffix(strings.TrimSuffix(stem, "_uuid"), "s")
	switch stem {
	case "group":
		return "contact_groups"
	case "message", "msg":
		return "msgs"
	}
	return stem + "s"
}

// wallValue types a body field's value as the field is documented: lists get every identifier of the kind,
// objects one keyed by it.
func wallValue(typ, v string, all []string) any {
	switch strings.Split(typ, ",")[0] {
	case "array":
		return all[:min(len(all), 100)]
	case "object":
		return map[string]any{v: v}
	case "integer":
		var n json.Number = json.Number(v)
		if _, err := n.Int64(); err == nil {
			return n
		}
	}
	return v
}

func (p wallProbe) request(t *testing.T, ep *api.Endpoint, method, auth string) request {
	r := request{method: method, path: "/api/v2/" + ep.Name + ".json", auth: auth}
	if len(p.query) > 0 {
		r.path += "?" + p.query.Encode()
	}
	if method == "POST" && ep.Post.Docs.Upload {
		r.body, r.contentType = exampleUpload(t, ep.Post.Docs.Example)
	} else if method == "POST" {
		r.body, _ = json.Marshal(p.body)
		r.contentType = "application/json"
	}
	return r
}

// leaks are the victim's identifiers an answer shows which the request did not carry and the attacker's
// workspace does not have itself.
func (p wallProbe) leaks(body []byte, victim *wallIDs, own map[string]bool) []string {
	var leaked []string
	for kind, vs := range victim.kinds {
		if kind == "id" { // numbers are in every answer; ids are only sent
			continue
		}
		for _, v := range vs {
			if !own[v] && !strings.Contains(p.sent, v) && bytes.Contains(body, []byte(v)) {
				leaked = append(leaked, v)
			}
		}
	}
	slices.Sort(leaked)
	return leaked
}

type wallFigure struct {
	endpoint, method         string
	requests, leaks, changes int
}

// wallsSection is R1's part of docs/reliability.md: what it checks, how to run it, and the figures.
func wallsSection(figures []wallFigure) string {
	var b strings.Builder
	total := wallFigure{}
	for _, f := range figures {
		total.requests += f.requests
		total.leaks += f.leaks
		total.changes += f.changes
	}
	b.WriteString(`## R1: workspaces are walls

` + "`TestWorkspacesAreWalls`" + ` (api/walls_test.go) seeds the Nyaruka workspace with one of everything the docs
examples need and make, reads its identifiers from its rows (UUIDs of every object, ids, names, URNs, field keys,
resthook slugs, its users' emails), then, for every operation of every endpoint in ` + "`api.Registry`" + `, has the
administrators of Trileet and of Weni (Weni-profile endpoints: Weni only), by token and by Basic auth, send the
operation's example with each documented query parameter and body field in turn given Nyaruka's identifiers of
each kind (lists get all of them, objects one keyed by it). It checks that no answer is a 5xx, that no answer
shows a Nyaruka identifier the request did not carry and the caller's workspace does not have itself, and that
Nyaruka's rows (every table with a workspace_id, and their children through foreign keys, three levels down)
hash the same after each operation as before. It runs on SQLite and PostgreSQL; the table below is rewritten by
` + "`go test ./api -run TestWorkspacesAreWalls -update`" + ` and otherwise checked to be current.

Integer ids are sent but not looked for in answers: numbers are in every answer.

| endpoint | method | requests | leaks | changes |
|---|---|---:|---:|---:|
`)
	for _, f := range figures {
		fmt.Fprintf(&b, "| %s | %s | %d | %d | %d |\n", f.endpoint, f.method, f.requests, f.leaks, f.changes)
	}
	fmt.Fprintf(&b, "| **all** | | **%d** | **%d** | **%d** |\n", total.requests, total.leaks, total.changes)
	return b.String()
}

// checkReliabilityDoc rewrites (rewrite) or checks a section of docs/reliability.md, the part between
// <!-- name --> and <!-- /name -->.
func checkReliabilityDoc(t *testing.T, name, section string, rewrite bool) {
	open, close := "<!-- "+name+" -->", "<!-- /"+name+" -->"
	raw, err := os.ReadFile(reliabilityDoc)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	doc := string(raw)
	start, end := strings.Index(doc, open), strings.Index(doc, close)
	current := ""
	if start >= 0 && end > start {
		current = doc[start+len(open) : end]
	}
	want := "\n" + section
	if rewrite {
		if start >= 0 && end > start {
			doc = doc[:start+len(open)] + want + doc[end:]
		} else {
			if doc == "" {
				doc = "# Reliability\n\nThe reliability suites of issue 14, each regenerating its own section.\n"
			}
			doc += "\n" + open + want + close + "\n"
		}
		if err := os.WriteFile(reliabilityDoc, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if current != want {
		t.Errorf("docs/reliability.md's %s section is not current: run go test ./api -run TestWorkspacesAreWalls -update", name)
	}
}
