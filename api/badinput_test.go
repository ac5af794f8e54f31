package api_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flowsd/flowsd/api"
	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/testdb"
	"github.com/flowsd/flowsd/throttle"
)

// TestBadInput (R2) sends every operation of the registry, in the workspace of its profile, bad values for each
// documented query parameter and body field and bad bodies, through the real server: no answer may be a 500,
// every 4xx must have RapidPro's error shape, and a write that is refused must leave the database as it was.
// The figures go to docs/reliability.md's R2 section (-update rewrites it; otherwise it must be current).
func TestBadInput(t *testing.T) {
	figures := map[models.Dialect]*sweepFigures{}
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		// the sweep sends thousands of requests in one frozen hour: no scope may run out
		rates := map[throttle.Scope]throttle.Rate{}
		for scope := range throttle.DefaultRates {
			rates[scope] = throttle.Rate{N: 1 << 30, Per: time.Hour}
		}
		e := newEnv(t, d, envOptions{rates: rates})
		s := &sweep{t: t, e: e, figures: &sweepFigures{statuses: map[int]int{}}}
		s.before = s.fingerprint()
		start := time.Now()
		s.profile("admin", false)
		s.profile("weni", true)
		s.figures.elapsed = time.Since(start)
		figures[d] = s.figures
		t.Logf("%s: %d operations, %d requests, %d rejected writes checked, in %s", d, s.figures.operations, s.figures.requests, s.figures.rejectedWrites, s.figures.elapsed.Round(time.Second))
	})
	if t.Failed() || len(figures) == 0 {
		return
	}
	checkReliabilitySection(t, "R2", r2Section(figures))
}

// TestBadInputChecks proves the sweep's checks can fail: the fingerprint sees a change to one value of one row,
// and the error shape refuses what isn't RapidPro's.
func TestBadInputChecks(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newEnv(t, d, envOptions{})
		s := &sweep{t: t, e: e}
		before := s.fingerprint()
		if again := s.fingerprint(); again != before {
			t.Fatalf("the fingerprint of an unchanged database moved: %s", fingerprintDiff(before, again))
		}
		e.must(e.db.Raw.Exec("UPDATE workspaces SET name = name || 'x' WHERE id = ?", e.ws["nyaruka"].ID).Error)
		if diff := fingerprintDiff(before, s.fingerprint()); !strings.HasPrefix(diff, "workspaces:") {
			t.Fatalf("a renamed workspace: the fingerprint shows %q", diff)
		}
	})
	for body, ok := range map[string]bool{
		`{"detail":"Not found."}`: true, `{"name":["This field is required."]}`: true, `{"urns":{"0":["Invalid URN."]}}`: true,
		`Not found`: false, `[]`: false, `{}`: false, `{"detail":5}`: false, `{"detail":"x","extra":1}`: false,
		`{"name":"x"}`: false, `{"name":[]}`: false, `{"name":[5]}`: false, `{"urns":{}}`: false,
	} {
		if err := rapidProErrorShape([]byte(body)); (err == nil) != ok {
			t.Errorf("%s: %v, want ok=%v", body, err, ok)
		}
	}
}

// sweepFigures count what the sweep sent and what came back.
type sweepFigures struct {
	operations, requests                  int
	statuses                              map[int]int
	serverErrors, badShapes               int
	rejectedWrites, changedAfterRejection int
	acceptedWritesSeen                    int // accepted writes the fingerprint saw change the database
	elapsed                               time.Duration
}

type sweep struct {
	t       *testing.T
	e       *env
	figures *sweepFigures
	before  string // the database's fingerprint before the next write
	stale   bool   // a GET was sent since before was taken (some make rows, as archives' signing secret)
	auth    string // the fixture token the sweep sends
}

// profile sweeps the endpoints a workspace of a profile has, as the fixture token auth (RapidPro's for admin,
// Weni's for weni, which has the Profile endpoints too). Each endpoint's example objects are made first, as the
// examples test makes them, so that writes and deletes naming them get past their lookups to the bad values;
// deletes go last, in reverse, as later endpoints may use earlier ones' objects.
func (s *sweep) profile(auth string, weni bool) {
	s.auth = auth
	created := map[string]map[string]any{}
	var endpoints []*api.Endpoint
	for _, ep := range api.Registry {
		if ep.Profile == "" || (weni && ep.Profile == models.ProfileWeni) {
			endpoints = append(endpoints, ep)
		}
	}
	for _, ep := range endpoints {
		if !weni || ep.Profile != "" {
			s.e.seedExample(ep.Name, created)
			s.before = s.fingerprint()
		}
		if op := ep.Post; op != nil && !op.Docs.Upload {
			resp := s.e.do(request{method: "POST", path: "/api/v2/" + ep.Name + ".json?" + op.Docs.Example.Query, auth: auth,
				body: []byte(op.Docs.Example.BodyJSON()), contentType: "application/json"})
			var obj map[string]any
			if json.Unmarshal(resp.body, &obj) == nil && resp.status == 201 {
				created[ep.Name] = obj
			}
			s.before = s.fingerprint()
		}
		for _, op := range ep.Operations() {
			if op.Method != "DELETE" {
				s.operation(ep, op, op.Docs.Example.Query)
			}
		}
		for _, method := range []string{"PUT", "PATCH"} {
			s.send(ep, method, "/api/v2/"+ep.Name+".json", []byte(`{}`), "application/json", "method not allowed")
		}
	}
	for i := len(endpoints) - 1; i >= 0; i-- {
		ep := endpoints[i]
		if op := ep.Delete; op != nil {
			// the example names an object of its own; the sweep names the one the example write made
			q, _ := url.ParseQuery(op.Docs.Example.Query)
			for key := range q {
				if v, ok := created[ep.Name][key]; ok {
					q.Set(key, fmt.Sprint(v))
				}
			}
			s.operation(ep, api.MethodOperation{Method: "DELETE", Operation: op}, q.Encode())
		}
	}
}

// badQueryValues are sent to each documented query parameter, in place of the example's value.
var badQueryValues = []struct{ label, value string }{
	{"empty", ""},
	{"huge", strings.Repeat("a", 10000)},
	{"long list", strings.Repeat("x,", 2000)},
	{"NUL", "a\x00b"},
	{"invalid UTF-8", "\xff\xfe"},
	{"invalid UUID", "not-a-uuid"},
	{"unknown UUID", "00000000-0000-4000-8000-000000000000"},
	{"invalid date", "2025-13-45T25:61:00Z"},
	{"negative", "-1"},
	{"too big an integer", "99999999999999999999999"},
	{"SQL", "' OR 1=1 --"},
}

// invalidUTF8 stands in a JSON body for bytes that are not UTF-8, put in after encoding.
const invalidUTF8 = "\x00INVALID-UTF8\x00"

// badFieldValues are given to each documented body field of a write, in the example's body.
func badFieldValues(maxBody int64) []struct {
	label string
	value any
} {
	deep := func(open func(any) any) any {
		var v any = "x"
		for i := 0; i < 64; i++ {
			v = open(v)
		}
		return v
	}
	hugeList := make([]any, 5000)
	for i := range hugeList {
		hugeList[i] = "x"
	}
	return []struct {
		label string
		value any
	}{
		{"null", nil},
		{"integer", 5},
		{"float", 1.5},
		{"boolean", true},
		{"empty string", ""},
		{"empty array", []any{}},
		{"empty object", map[string]any{}},
		{"huge string", strings.Repeat("a", int(maxBody)*3/4)},
		{"huge list", hugeList},
		{"huge object", map[string]any{strings.Repeat("k", 1000): strings.Repeat("v", 1000)}},
		{"deep arrays", deep(func(v any) any { return []any{v} })},
		{"deep objects", deep(func(v any) any { return map[string]any{"a": v} })},
		{"NUL", "a\x00b"},
		{"NUL in a list", []any{"a\x00b"}},
		{"NUL key", map[string]any{"a\x00b": "c"}},
		{"invalid UTF-8", invalidUTF8},
		{"invalid UTF-8 in a list", []any{invalidUTF8}},
		{"invalid UUID", "not-a-uuid"},
		{"invalid UUIDs", []any{"not-a-uuid"}},
		{"unknown UUID", "00000000-0000-4000-8000-000000000000"},
		{"invalid date", "2025-02-30T25:00:00Z"},
		{"negative", -1},
		{"too big a number", json.Number("1e400")},
		{"too big an integer", json.Number("99999999999999999999999")},
	}
}

// operation sweeps one operation.
func (s *sweep) operation(ep *api.Endpoint, op api.MethodOperation, exampleQuery string) {
	s.figures.operations++
	path := "/api/v2/" + ep.Name + ".json"
	example, _ := url.ParseQuery(exampleQuery)
	params := slices.Clone(op.Docs.Params)
	if ep.List && op.Method == "GET" {
		params = append(params, api.Param{Name: "cursor"})
	}
	query := func(name string, values ...string) string {
		q := url.Values{}
		for k, v := range example {
			q[k] = v
		}
		q[name] = values
		return "?" + q.Encode()
	}
	body, contentType := []byte(nil), ""
	if op.Method == "POST" {
		body, contentType = []byte(op.Docs.Example.BodyJSON()), "application/json"
	}

	for _, p := range params {
		for _, v := range badQueryValues {
			s.send(ep, op.Method, path+query(p.Name, v.value), body, contentType, p.Name+"="+v.label)
		}
		s.send(ep, op.Method, path+query(p.Name, "a", "b"), body, contentType, p.Name+" repeated")
	}
	s.send(ep, op.Method, path+query("zzz_unknown", "1"), body, contentType, "unknown parameter")
	s.send(ep, op.Method, path+"?"+strings.Repeat("%zz&", 10), body, contentType, "malformed query")
	if op.Method != "POST" {
		return
	}

	maxBody := s.e.rt.Config.MaxBodyBytes
	base := map[string]any{}
	if op.Docs.Example.Body != nil {
		base = decode(s.t, op.Docs.Example.BodyJSON()).(map[string]any)
	}
	for _, f := range op.Docs.Fields {
		for _, v := range badFieldValues(maxBody) {
			b := map[string]any{}
			for k, x := range base {
				b[k] = x
			}
			b[f.Name] = v.value
			s.send(ep, "POST", path+query("zzz_none"), encodeBad(s.t, b), "application/json", f.Name+"="+v.label)
		}
	}

	withPath := path + query("zzz_none")
	deep := func(n int, open, close string) []byte {
		return []byte(strings.Repeat(open, n) + "1" + strings.Repeat(close, n))
	}
	oversized := map[string]any{}
	for k, x := range base {
		oversized[k] = x
	}
	oversized["zzz_padding"] = strings.Repeat("a", int(maxBody))
	form := url.Values{}
	for _, f := range op.Docs.Fields {
		form.Set(f.Name, "a\x00b")
	}
	invalidForm := url.Values{}
	for _, f := range op.Docs.Fields {
		invalidForm.Set(f.Name, "\xff\xfe")
	}
	bodies := []struct {
		label, contentType string
		body               []byte
	}{
		{"malformed JSON", "application/json", []byte(`{"a":`)},
		{"a JSON array", "application/json", []byte(`[{}]`)},
		{"a JSON string", "application/json", []byte(`"x"`)},
		{"JSON null", "application/json", []byte(`null`)},
		{"trailing data", "application/json", append([]byte(op.Docs.Example.BodyJSON()), " {}"...)},
		{"duplicate keys", "application/json", []byte(`{"a":1,"a":2}`)},
		{"64-deep objects", "application/json", deep(64, `{"a":`, `}`)},
		{"64-deep arrays", "application/json", deep(64, `[`, `]`)},
		{"20000-deep arrays", "application/json", deep(20000, `[`, `]`)},
		{"invalid UTF-8", "application/json", []byte("{\"a\":\"\xff\xfe\"}")},
		{"NUL byte outside strings", "application/json", []byte("{\"a\":\x00}")},
		{"lone surrogate", "application/json", []byte(`{"a":"\ud800"}`)},
		{"oversized", "application/json", encodeBad(s.t, oversized)},
		{"text/plain", "text/plain", body},
		{"XML", "application/xml", []byte(`<a>b</a>`)},
		{"no content type", "", body},
		{"malformed content type", "application/json; ;;=", body},
		{"form with NULs", "application/x-www-form-urlencoded", []byte(form.Encode())},
		{"form with invalid UTF-8", "application/x-www-form-urlencoded", []byte(invalidForm.Encode())},
		{"malformed form", "application/x-www-form-urlencoded", []byte("a=%zz&b=%")},
		{"multipart without boundary", "multipart/form-data", []byte("--x\r\n\r\n")},
		{"multipart malformed", "multipart/form-data; boundary=x", []byte("--x\r\nContent-Disposition: form-data\r\n\r\nv\r\n--y")},
	}
	for _, b := range bodies {
		s.send(ep, "POST", withPath, b.body, b.contentType, b.label)
	}
}

// encodeBad encodes a body, putting in the bytes that are not UTF-8 that json.Marshal can't write.
func encodeBad(t *testing.T, v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	marker, _ := json.Marshal(invalidUTF8)
	return bytes.ReplaceAll(bytes.TrimSpace(buf.Bytes()), marker[1:len(marker)-1], []byte("\xff\xfe"))
}

// send sends one request and checks its answer, and the database after a refused write.
func (s *sweep) send(ep *api.Endpoint, method, path string, body []byte, contentType, label string) {
	t := s.t
	s.figures.requests++
	if method == "GET" {
		s.stale = true
	} else if s.stale {
		s.before, s.stale = s.fingerprint(), false
	}
	resp := s.e.do(request{method: method, path: path, auth: s.auth, body: body, contentType: contentType})
	s.figures.statuses[resp.status]++
	where := fmt.Sprintf("%s %s as %s (%s)", method, ep.Name, s.auth, label)
	if resp.status >= 500 {
		s.figures.serverErrors++
		t.Errorf("%s: %d %.500s", where, resp.status, resp.body)
	} else if resp.status >= 400 && !weniEmptyRefusal(s.auth, ep, resp) {
		if err := rapidProErrorShape(resp.body); err != nil {
			s.figures.badShapes++
			t.Errorf("%s: %d answer %v: %.500s", where, resp.status, err, resp.body)
		}
	}
	if method == "GET" {
		return
	}
	after := s.fingerprint()
	if resp.status < 400 && after != s.before {
		s.figures.acceptedWritesSeen++
	}
	if resp.status >= 400 {
		s.figures.rejectedWrites++
		if after != s.before {
			s.figures.changedAfterRejection++
			t.Errorf("%s: refused with %d, but the database changed: %s", where, resp.status, fingerprintDiff(s.before, after))
		}
	}
	s.before = after
}

// weniEmptyRefusal is the one refusal whose shape is not RapidPro's on purpose: Weni's media endpoint answers
// an upload without its media_file or extension with a 400 and {} (docs/api.md, media).
func weniEmptyRefusal(auth string, ep *api.Endpoint, resp response) bool {
	return auth == "weni" && ep.Name == "media" && resp.status == 400 && string(resp.body) == "{}"
}

// rapidProErrorShape checks an error answer is RapidPro's: a JSON object, {"detail": "…"} or each field's list
// of messages (a list's or dict's children keyed by index or key, §5.1 of the spec).
func rapidProErrorShape(body []byte) error {
	var obj map[string]any
	if err := json.Unmarshal(body, &obj); err != nil {
		return fmt.Errorf("is not a JSON object (%v)", err)
	}
	if len(obj) == 0 {
		return errors.New("is an empty object")
	}
	if detail, ok := obj["detail"]; ok {
		if _, isText := detail.(string); !isText || len(obj) != 1 {
			return errors.New(`has a "detail" that is not text alone`)
		}
		return nil
	}
	var messages func(v any) bool
	messages = func(v any) bool {
		switch v := v.(type) {
		case []any:
			for _, m := range v {
				if _, ok := m.(string); !ok {
					return false
				}
			}
			return len(v) > 0
		case map[string]any:
			for _, c := range v {
				if !messages(c) {
					return false
				}
			}
			return len(v) > 0
		}
		return false
	}
	for field, v := range obj {
		if !messages(v) {
			return fmt.Errorf("has field %q without a list of messages", field)
		}
	}
	return nil
}

// fingerprint is a cheap summary of every row of every table: per table, its row count and an order-free
// sum of its rows' hashes.
func (s *sweep) fingerprint() string {
	db := s.e.db.Raw
	var tables []string
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`
	if s.e.db.Dialect == models.Postgres {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`
	}
	s.e.must(db.Raw(q).Scan(&tables).Error)
	var out strings.Builder
	for _, table := range tables {
		rows, err := db.Raw(`SELECT * FROM ` + table).Rows()
		s.e.must(err)
		cols, _ := rows.Columns()
		vals, ptrs := make([]any, len(cols)), make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		var n int
		var sum uint64
		for rows.Next() {
			s.e.must(rows.Scan(ptrs...))
			h := fnv.New64a()
			for _, v := range vals {
				if b, ok := v.([]byte); ok {
					v = string(b)
				}
				fmt.Fprintf(h, "%v\x1f", v)
			}
			n++
			sum += h.Sum64()
		}
		s.e.must(rows.Err())
		rows.Close()
		fmt.Fprintf(&out, "%s:%d:%x\n", table, n, sum)
	}
	return out.String()
}

// fingerprintDiff names the tables whose rows differ between two fingerprints.
func fingerprintDiff(before, after string) string {
	b := strings.Split(before, "\n")
	var changed []string
	for _, line := range strings.Split(after, "\n") {
		if !slices.Contains(b, line) {
			changed = append(changed, line)
		}
	}
	return strings.Join(changed, ", ")
}

const r2Intro = "## R2: bad input\n\n" +
	"`go test ./api -run TestBadInput` (api/badinput_test.go) sends every operation of the registry, in a RapidPro workspace\n" +
	"and again in a Weni one (with the Weni-profile endpoints; operations count once per workspace), each endpoint's example\n" +
	"objects made first: bad values for each documented query parameter (empty, huge, NUL, invalid UTF-8, invalid and\n" +
	"unknown UUIDs, invalid dates, out-of-range numbers, repeated, unknown, malformed escapes), PUT and PATCH, and for writes\n" +
	"bad values for each documented body field (every JSON type, huge strings, lists and objects, 64-deep nesting, NULs,\n" +
	"invalid UTF-8, invalid UUIDs and dates, out-of-range numbers) and bad bodies (malformed JSON, arrays and scalars,\n" +
	"trailing data, 64- and 20,000-deep nesting, a body over the server's limit, wrong, missing and malformed content\n" +
	"types, forms with NULs and invalid UTF-8, malformed forms and multipart bodies), through the real HTTP server on\n" +
	"SQLite and PostgreSQL. Every answer must be below 500, every 4xx RapidPro's error shape (Weni's media endpoint's\n" +
	"`{}` excepted, as Weni answers it), and after every refused POST or DELETE a fingerprint of every row of every\n" +
	"table must be unchanged. `-update` rewrites this section; otherwise the test checks it is current.\n\n"

// r2Section is the R2 section of docs/reliability.md, written from the sweep's figures.
func r2Section(figures map[models.Dialect]*sweepFigures) string {
	var b strings.Builder
	b.WriteString(r2Intro)
	b.WriteString("| database | operations | requests | 2xx | 4xx | >= 500 answers | 4xx not RapidPro's shape | refused writes checked | changed after refusal | accepted writes seen changing it |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|\n")
	for _, d := range []models.Dialect{models.SQLite, models.Postgres} {
		f := figures[d]
		if f == nil {
			continue
		}
		var ok, refused int
		for status, n := range f.statuses {
			if status < 400 {
				ok += n
			} else if status < 500 {
				refused += n
			}
		}
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %d | %d | %d | %d | %d | %d |\n", d, f.operations, f.requests, ok, refused,
			f.serverErrors, f.badShapes, f.rejectedWrites, f.changedAfterRejection, f.acceptedWritesSeen)
	}
	return b.String()
}

// checkReliabilitySection rewrites (-update) or checks the section of docs/reliability.md between
// <!-- name --> and <!-- /name -->, leaving the rest of the file, other tests' sections, alone.
func checkReliabilitySection(t *testing.T, name, section string) {
	const path = "../docs/reliability.md"
	open, end := "<!-- "+name+" -->", "<!-- /"+name+" -->"
	raw, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	doc := string(raw)
	block := open + "\n" + section + end
	re := regexp.MustCompile(`(?s)` + regexp.QuoteMeta(open) + `.*?` + regexp.QuoteMeta(end))
	current := re.FindString(doc)
	if current == block {
		return
	}
	if !*update {
		t.Fatalf("docs/reliability.md's %s section is not current: run go test ./api -run TestBadInput -update\nwant:\n%s", name, block)
	}
	switch {
	case current != "":
		doc = strings.Replace(doc, current, block, 1)
	case doc == "":
		doc = "# Reliability\n\nFigures the reliability tests write; each section is rewritten by its test's `-update`.\n\n" + block + "\n"
	default:
		doc = strings.TrimRight(doc, "\n") + "\n\n" + block + "\n"
	}
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
}
