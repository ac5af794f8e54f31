package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flowsd/flowsd/api"
	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/testdb"
	"github.com/flowsd/flowsd/throttle"
	"github.com/nyaruka/gocommon/uuids"
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
		// rates no run reaches: every probe must get to its handler
		rates := map[throttle.Scope]throttle.Rate{}
		for scope := range throttle.DefaultRates {
			rates[scope] = throttle.Rate{N: 1 << 20, Per: time.Hour}
		}
		e := newEnv(t, d, envOptions{rates: rates})
		seedVictim(t, e)
		victim := e.ws["nyaruka"].ID
		schema := readSchema(t, e)
		victimIDs := schema.identifiers(t, e, victim)
		for _, owner := range []string{"admin", "editor", "agent", "former", "inactive", "revoked"} {
			victimIDs.add("email", e.emails[owner])
		}
		for i, a := range []string{"trileet", "weni"} {
			seedAttacker(e, a, i+1)
		}
		for _, kind := range slices.Sorted(maps.Keys(victimIDs.kinds)) {
			t.Logf("%d %s identifiers of Nyaruka", len(victimIDs.kinds[kind]), kind)
		}
		// the check can fail: Nyaruka's own answers show its identifiers
		for _, path := range []string{"/api/v2/contacts.json", "/api/v2/workspace.json", "/api/v2/flows.json"} {
			if resp := e.do(request{method: "GET", path: path, auth: "admin"}); len((wallProbe{}).leaks(resp.body, victimIDs, "")) == 0 {
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

		w := &wallRun{t: t, e: e, schema: schema, victim: victimIDs, before: before, sent: map[string]*strings.Builder{}, seeded: map[string]string{}}
		for _, a := range []string{"trileet", "weni"} {
			w.seeded[a] = schema.text(t, e, e.ws[a].ID)
		}
		// deletes last, so that the callers' own objects the translated examples name are there for the rest
		for _, method := range []string{"GET", "POST", "DELETE"} {
			for _, ep := range api.Registry {
				for _, op := range ep.Operations() {
					if op.Method == method {
						w.operation(ep, op)
					}
				}
			}
		}
		w.copies()
		checkReliabilityDoc(t, "R1", wallsSection(w.figures, w.copied), *update && d == models.SQLite)
	})
}

// wallRun is one database's run of R1.
type wallRun struct {
	t       *testing.T
	e       *env
	schema  *wallSchema
	victim  *wallIDs
	before  map[string]string           // the hashes of Nyaruka's rows, by table
	sent    map[string]*strings.Builder // every string each caller's workspace sent
	seeded  map[string]string           // what each caller's workspace held before the first request
	figures []wallFigure
	copied  int
}

// operation sends an operation's probes as every caller of another workspace, by token and Basic auth, and
// checks the answers and Nyaruka's rows.
func (w *wallRun) operation(ep *api.Endpoint, op api.MethodOperation) {
	t, e := w.t, w.e
	fig := wallFigure{endpoint: ep.Name, method: op.Method}
	for _, attacker := range wallAttackers(ep) {
		wsID := e.ws[attacker.workspace].ID
		// what the caller knows: everything its workspace's rows hold, which includes whatever of Nyaruka's it
		// wrote there itself, as a field's value or a message's text (copies() checks it wrote it)
		own := func() string { return e.emails[attacker.token] + "\n" + w.schema.text(t, e, wsID) }
		known := own()
		probes := wallProbes(ep, op, w.victim, nil, false)
		// and the same with the example's objects the caller's own, so that only the one parameter is foreign
		theirs := w.schema.identifiers(t, e, wsID)
		probes = append(probes, wallProbes(ep, op, w.victim, theirs, true)...)
		if op.Method == "POST" {
			probes = append(probes, wallProbes(ep, op, w.victim, theirs, false)...)
		}
		sent := w.sent[attacker.workspace]
		if sent == nil {
			sent = &strings.Builder{}
			w.sent[attacker.workspace] = sent
		}
		for _, auth := range []string{attacker.token, "basic " + attacker.token} {
			for _, probe := range probes {
				r := probe.request(t, ep, op.Method, auth)
				sent.WriteString(probe.sent + "\n")
				resp := e.do(r)
				fig.requests++
				if resp.status == http.StatusTooManyRequests {
					t.Fatalf("%s %s as %s: throttled, so the handler was never reached", r.method, r.path, auth)
				}
				if resp.status >= 200 && resp.status < 300 {
					fig.accepted++
				}
				if resp.status >= 500 {
					t.Errorf("%s %s as %s: status %d: %s", r.method, r.path, auth, resp.status, resp.body)
				}
				leaked := probe.leaks(resp.body, w.victim, known)
				if len(leaked) > 0 { // what the caller wrote is its own: look again with its rows now
					known = own()
					leaked = probe.leaks(resp.body, w.victim, known)
				}
				if len(leaked) > 0 {
					fig.leaks++
					t.Errorf("%s %s as %s (body %s): the answer shows the other workspace's %q: %s", r.method, r.path, auth, r.body, leaked, resp.body)
				}
			}
		}
	}
	after := w.schema.snapshot(t, e, w.e.ws["nyaruka"].ID)
	for _, table := range slices.Sorted(maps.Keys(w.before)) {
		if after[table] != w.before[table] {
			fig.changes++
			t.Errorf("%s %s: the other workspace's %s rows changed", op.Method, ep.Name, table)
		}
	}
	w.before = after
	w.figures = append(w.figures, fig)
}

// copies checks that no caller's workspace came to hold a Nyaruka identifier it neither had nor sent: one
// copied over from a Nyaruka object the caller named.
func (w *wallRun) copies() {
	for _, ws := range slices.Sorted(maps.Keys(w.sent)) {
		held, sent := w.schema.text(w.t, w.e, w.e.ws[ws].ID), w.sent[ws].String()
		for _, kind := range slices.Sorted(maps.Keys(w.victim.kinds)) {
			if kind == "id" {
				continue
			}
			for _, v := range w.victim.kinds[kind] {
				if strings.Contains(held, v) && !strings.Contains(w.seeded[ws], v) && !strings.Contains(sent, v) {
					w.copied++
					w.t.Errorf("%s's rows hold Nyaruka's %s %q, which it never sent", ws, kind, v)
				}
			}
		}
	}
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
	byTable map[string][]string // UUIDs by table
	// byTableKind are the identifiers by table and kind ("contacts/name"), to put the caller's own in for them
	byTableKind map[string][]string
}

// translation maps each of w's identifiers to the other workspace's newest of the same table and kind (the
// newest: system groups come first and cannot be named); names too when withNames, else they stay as new
// names for creates.
func (w *wallIDs) translation(other *wallIDs, withNames bool) map[string]string {
	tr := map[string]string{}
	for _, key := range slices.Sorted(maps.Keys(w.byTableKind)) {
		if strings.HasSuffix(key, "/id") || (!withNames && strings.HasSuffix(key, "/name")) {
			continue // ids are numbers any query may hold
		}
		if theirs := other.byTableKind[key]; len(theirs) > 0 {
			for _, v := range w.byTableKind[key] {
				if _, done := tr[v]; !done {
					tr[v] = theirs[len(theirs)-1]
				}
			}
		}
	}
	return tr
}

// translate puts the translation's values in for the strings of a JSON value (whole strings, and keys).
func translate(v any, tr map[string]string) any {
	switch v := v.(type) {
	case string:
		if t, ok := tr[v]; ok {
			return t
		}
	case []any:
		out := make([]any, len(v))
		for i, item := range v {
			out[i] = translate(item, tr)
		}
		return out
	case []string:
		out := make([]any, len(v))
		for i, item := range v {
			out[i] = translate(item, tr)
		}
		return out
	case map[string]any:
		out := map[string]any{}
		for k, item := range v {
			out[translate(k, tr).(string)] = translate(item, tr)
		}
		return out
	}
	return v
}

func (w *wallIDs) add(kind, v string) {
	if v != "" && !slices.Contains(w.kinds[kind], v) {
		w.kinds[kind] = append(w.kinds[kind], v)
	}
}

// wallKinds are the identifier kinds, and the columns they are read from.
var wallKinds = map[string][]string{
	"uuid": {"uuid"}, "name": {"name"}, "content": {"text", "value"}, // content is only looked for, never sent
	"urn": {"identity", "path"}, "key": {"key"}, "slug": {"slug"}, "email": {"email"},
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

// text is everything a workspace's rows hold, as text.
func (s *wallSchema) text(t *testing.T, e *env, ws int64) string {
	var b strings.Builder
	for _, table := range s.tables {
		for _, row := range s.rows(t, e, table, ws) {
			for _, col := range s.columns[table] {
				if v := wallText(row[col]); v != "" {
					b.WriteString(v)
				} else {
					fmt.Fprint(&b, row[col])
				}
				b.WriteByte('\n')
			}
		}
	}
	return b.String()
}

// identifiers collects a workspace's identifiers from its rows.
func (s *wallSchema) identifiers(t *testing.T, e *env, ws int64) *wallIDs {
	w := &wallIDs{kinds: map[string][]string{}, byTable: map[string][]string{}, byTableKind: map[string][]string{}}
	for _, table := range s.tables {
		for _, row := range s.rows(t, e, table, ws) {
			if id, ok := row["id"]; ok && slices.Contains(s.columns[table], "workspace_id") {
				w.add("id", fmt.Sprint(id))
				w.byTableKind[table+"/id"] = append(w.byTableKind[table+"/id"], fmt.Sprint(id))
			}
			for kind, cols := range wallKinds {
				for _, col := range cols {
					v := wallText(row[col])
					// too short to tell apart from other text, or a document
					if len(v) < 4 || len(v) > 200 || strings.HasPrefix(v, "[") || strings.HasPrefix(v, "{") {
						continue
					}
					w.add(kind, v)
					w.byTableKind[table+"/"+kind] = append(w.byTableKind[table+"/"+kind], v)
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
func wallProbes(ep *api.Endpoint, op api.MethodOperation, ids, theirs *wallIDs, withNames bool) []wallProbe {
	docs := op.Docs
	var tr map[string]string
	if theirs != nil {
		tr = ids.translation(theirs, withNames)
	}
	base := func() (url.Values, map[string]any) {
		q, _ := url.ParseQuery(docs.Example.Query)
		for k, vs := range q {
			for i := range vs {
				if t, ok := tr[vs[i]]; ok {
					vs[i] = t
				} else if own := theirs.uuidsOf(wallTable(ep, k)); len(own) > 0 && uuids.Is(vs[i]) {
					vs[i] = own[len(own)-1] // an object of the example's own, which Nyaruka has not: the caller's
				}
			}
		}
		body := map[string]any{}
		if op.Method == "POST" && !docs.Upload {
			for k, v := range docs.Example.Body {
				body[k] = translate(v, tr)
			}
		}
		return q, body
	}
	kinds := []string{"uuid", "id", "name", "urn", "key", "slug", "email"}
	q, body := base()
	probes := []wallProbe{{query: q, body: body}} // the example as it is, which names Nyaruka's objects
	// each of params, each kind: the example with that one given the victim's identifier
	each := func(params []api.Param, set func(q url.Values, body map[string]any, p api.Param, v string, kind string)) {
		for i, p := range params {
			for _, kind := range kinds {
				if v := ids.pick(kind, wallTable(ep, p.Name), i); v != "" {
					q, body := base()
					set(q, body, p, v, kind)
					probes = append(probes, wallProbe{query: q, body: body})
				}
			}
		}
	}
	each(docs.Params, func(q url.Values, _ map[string]any, p api.Param, v, _ string) { q.Set(p.Name, v) })
	if op.Method == "POST" && !docs.Upload {
		each(docs.Fields, func(_ url.Values, body map[string]any, p api.Param, v, kind string) {
			body[p.Name] = wallValue(p.Type, v, ids.kinds[kind])
		})
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

func (w *wallIDs) uuidsOf(table string) []string {
	if w == nil {
		return nil
	}
	return w.byTable[table]
}

// pick gives one identifier of a kind: for UUIDs and ids, one of the table the parameter names when there is one;
// the n-th otherwise, so that the parameters of an operation try different objects.
func (w *wallIDs) pick(kind, table string, n int) string {
	vs := w.kinds[kind]
	if kind == "uuid" && len(w.byTable[table]) > 0 {
		vs = w.byTable[table]
	} else if kind == "id" && len(w.byTableKind[table+"/id"]) > 0 {
		vs = w.byTableKind[table+"/id"]
	}
	if len(vs) == 0 {
		return ""
	}
	return vs[n%len(vs)]
}

// wallTable guesses the table a parameter refers to from its name ("contact", "groups", "flow") or, for
// "uuid" and "id", the endpoint's name.
func wallTable(ep *api.Endpoint, param string) string {
	stem := param
	if stem == "uuid" || stem == "uuids" || stem == "id" {
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
func (p wallProbe) leaks(body []byte, victim *wallIDs, own string) []string {
	var leaked []string
	for kind, vs := range victim.kinds {
		if kind == "id" { // numbers are in every answer; ids are only sent
			continue
		}
		for _, v := range vs {
			if bytes.Contains(body, []byte(v)) && !strings.Contains(p.sent, v) && !strings.Contains(own, v) {
				leaked = append(leaked, v)
			}
		}
	}
	slices.Sort(leaked)
	return leaked
}

type wallFigure struct {
	endpoint, method                   string
	requests, accepted, leaks, changes int
}

// wallsSection is R1's part of docs/reliability.md: what it checks, how to run it, and the figures.
func wallsSection(figures []wallFigure, copied int) string {
	var b strings.Builder
	total := wallFigure{}
	for _, f := range figures {
		total.requests += f.requests
		total.accepted += f.accepted
		total.leaks += f.leaks
		total.changes += f.changes
	}
	b.WriteString(`## R1: workspaces are walls

` + "`TestWorkspacesAreWalls`" + ` (api/walls_test.go) is driven by ` + "`api.Registry`" + `, so a new endpoint is covered
as it is added. It seeds the Nyaruka workspace with one of everything the docs examples need and make, gives
Trileet and Weni a flow, contact, group, date field, campaign and event, channel and message, resthook, topic and
ticket of their own, and reads Nyaruka's identifiers from its rows (the UUIDs of every object, ids, names, URNs,
field keys, resthook slugs, its users' emails; message texts and global values too, which are only looked for).
Then for every operation (GET, POST, DELETE; deletes last) the
administrators of Trileet and of Weni (Weni-profile endpoints: Weni's only), by token and by Basic auth
(email:token), send the operation's example three ways: as the docs give it (naming Nyaruka's objects); with its
objects translated to the caller's own, so that only one parameter is foreign; and, for writes, translated but
for names, so that creates make new objects. Each way is sent as it is and once more for every documented query
parameter and body field and every identifier kind, that one given Nyaruka's identifier of the kind (one of the
table the parameter names when it names one; lists get all of the kind, objects one keyed by it).

It checks that
- no answer is a 5xx (nor a 429: rates are raised so that every request reaches its handler);
- no answer shows a Nyaruka identifier that the request did not carry and the caller's workspace does not hold;
- no caller's workspace came to hold a Nyaruka identifier it never sent (copied over from a Nyaruka object);
- Nyaruka's rows are unchanged: every table with a workspace_id, and their children through foreign keys (read
  from the database's schema, so new tables are covered), hashed before and after every operation.

The test first proves its checks can fail: Nyaruka's own answers show its identifiers, and a label of its own
moves its hashes. Taking the workspace out of the resthook events query, or out of unsubscribing, makes it fail
(a leak, a change). Integer ids are sent but not looked for in answers (numbers are in every answer).

It runs on SQLite and PostgreSQL in ` + "`go test ./api`" + ` (about 10 s on SQLite, 30 s on PostgreSQL):
` + "`go test ./api -run TestWorkspacesAreWalls -update`" + ` rewrites the table below from SQLite's run (PostgreSQL's
must then agree), and otherwise the test fails when the table is not current. "accepted" counts the 2xx answers:
how many requests got past validation to do what they asked.

`)
	b.WriteString(`| endpoint | method | requests | accepted (2xx) | leaks | changes |
|---|---|---:|---:|---:|---:|
`)
	for _, f := range figures {
		fmt.Fprintf(&b, "| %s | %s | %d | %d | %d | %d |\n", f.endpoint, f.method, f.requests, f.accepted, f.leaks, f.changes)
	}
	fmt.Fprintf(&b, "| **all** | | **%d** | **%d** | **%d** | **%d** |\n\n", total.requests, total.accepted, total.leaks, total.changes)
	fmt.Fprintf(&b, "Nyaruka identifiers copied into a caller's workspace that the caller never sent: %d.\n", copied)
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

// seedAttacker gives a caller's workspace objects of its own, of the kinds the examples name, for the examples
// to be translated to: a flow, a contact with a URN, a group, a date field, a campaign and its event, a channel
// with a message, a resthook, a topic and a ticket.
func seedAttacker(e *env, ws string, n int) {
	uuid := func(k int) string { return fmt.Sprintf("9%07d-0000-4000-8000-%012d", n, k) }
	flow := e.seedFlow(ws, uuid(1), "Flow of "+ws, false, true)
	urn := fmt.Sprintf("tel:+1202555%04d", n)
	contact := e.seedContact(ws, uuid(2), "Contact of "+ws, urn)
	group := e.seedGroup(ws, uuid(3), "Group of "+ws, "", contact)
	field := e.seedDateField(ws, "date_of_"+ws, "Date of "+ws, models.FieldDatetime)
	campaign := e.seedCampaign(ws, uuid(4), "Campaign of "+ws, group, false, true, seedAt(8, 0))
	e.seedEvent(eventSeed{uuid: uuid(5), campaign: campaign, field: field, offset: 1, unit: "D", deliveryHour: -1, flow: flow, active: true, created: seedAt(8, 0)})
	ch := e.makeChannel(ws, models.ChannelSpec{Type: "EX", Name: "Gateway of " + ws, Address: fmt.Sprintf("+1202555%04d", 100+n), Country: "US", Schemes: []string{"tel"}})
	e.receive(ws, ch, urn, "hello from "+ws)
	e.seedResthook(ws, "hook-of-"+ws, true, seedAt(9, 0), seedAt(9, 0))
	topic, err := e.store.CreateTopic(context.Background(), e.ws[ws].ID, "Topic of "+ws)
	e.must(err)
	e.seedTicket(ticketSeed{uuid: uuid(6), contact: contact, topic: topic, opened: seedAt(9, 0), modified: seedAt(9, 0)})
	e.seedAttackerTemplates(ws, n)
}
