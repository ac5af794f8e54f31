package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"mime/multipart"
	"net/textproto"
	"net/url"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/flowsd/flowsd/api"
	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/testdb"
)

// generatedKeys hold values the server makes up (ids, UUIDs, times, URLs holding them), which no example can
// predict.
var generatedKeys = []string{"id", "uuid", "created_on", "modified_on", "url"}

// TestExamplesAreWhatTheServerAnswers runs every endpoint's examples against a real server, as the docs
// show them and the explorer sends them: the write's example creates its object, the GET's example finds it,
// the DELETE's removes it. Each answer must have the status the example shows and the same shape; the
// object a write creates must be the example's, but for its UUID and times.
func TestExamplesAreWhatTheServerAnswers(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newEnv(t, d, envOptions{})
		created := map[string]map[string]any{}
		for _, ep := range api.Registry {
			e.seedExample(ep.Name, created)
			auth := exampleToken(ep)
			if op := ep.Post; op != nil {
				answer := e.runExample(t, ep, auth, "POST", op.Docs.Example, op.Docs.Example.Query)
				if obj, ok := answer.(map[string]any); ok {
					created[ep.Name] = obj
					if diff := jsonDiff(decode(t, op.Docs.Example.AnswerJSON()), obj, true); diff != "" {
						t.Errorf("%s POST: the example answer is not what the server created: %s", ep.Name, diff)
					}
				}
			}
			if op := ep.Get; op != nil {
				answer := e.runExample(t, ep, auth, "GET", op.Docs.Example, op.Docs.Example.Query)
				if ep.List && ep.Profile == "" && !unconfigurable[ep.Name] && len(answer.(map[string]any)["results"].([]any)) == 0 {
					t.Errorf("%s GET: the example query %q finds nothing after the example write", ep.Name, op.Docs.Example.Query)
				}
			}
		}
		// deletes last, as later examples may use what earlier ones made (a contact action, its contact)
		for i := len(api.Registry) - 1; i >= 0; i-- {
			ep := api.Registry[i]
			if op := ep.Delete; op != nil {
				// the example names an object of its own; delete the one the example write made, by the key it names
				q, _ := url.ParseQuery(op.Docs.Example.Query)
				key := "uuid"
				if q.Has("id") {
					key = "id"
				}
				q.Set(key, fmt.Sprint(created[ep.Name][key]))
				e.runExample(t, ep, exampleToken(ep), "DELETE", op.Docs.Example, q.Encode())
			}
		}
	})
}

// nullableKeys are the keys of listed objects that are null on some (a boundaries' country has no parent):
// there the example's value stands in for the shape check.
var nullableKeys = map[string][]string{"boundaries": {"parent"}}

func fillNulls(want, got any, keys []string) {
	w, _ := want.(map[string]any)
	g, _ := got.(map[string]any)
	wr, _ := w["results"].([]any)
	gr, _ := g["results"].([]any)
	if len(wr) == 0 {
		return
	}
	example, _ := wr[0].(map[string]any)
	for _, item := range gr {
		obj, _ := item.(map[string]any)
		for _, k := range keys {
			if v, ok := obj[k]; ok && v == nil {
				obj[k] = example[k]
			}
		}
	}
}

// unconfigurable are the listings of things flowsd has no way to add yet: their examples find nothing.
var unconfigurable = map[string]bool{"classifiers": true, "ticketers": true}

// exampleToken is the fixture token whose workspace has the endpoint.
func exampleToken(ep *api.Endpoint) string {
	if ep.Profile == models.ProfileWeni {
		return "weni"
	}
	return "admin"
}

// runExample sends an example as an administrator and checks the answer's status and shape.
func (e *env) runExample(t *testing.T, ep *api.Endpoint, auth, method string, ex api.Example, query string) any {
	t.Helper()
	r := request{method: method, path: "/api/v2/" + ep.Name + ".json", auth: auth}
	if query != "" {
		r.path += "?" + query
	}
	if method == "POST" && ep.Post.Docs.Upload {
		r.body, r.contentType = exampleUpload(t, ex)
	} else if ex.Body != nil {
		r.body, r.contentType = []byte(ex.BodyJSON()), "application/json"
	}
	resp := e.do(r)
	if resp.status != ex.Status {
		t.Fatalf("%s %s: status %d, the example shows %d; body %s", method, r.path, resp.status, ex.Status, resp.body)
	}
	if ex.Answer == nil {
		if len(resp.body) != 0 {
			t.Errorf("%s %s: the example shows no body, the server answers %s", method, r.path, resp.body)
		}
		return nil
	}
	got, want := decode(t, string(resp.body)), decode(t, ex.AnswerJSON())
	if key := documents[ep.Name]; key != "" && method == "GET" {
		topLevelKeysOnly(want, key)
		topLevelKeysOnly(got, key)
	}
	fillNulls(want, got, nullableKeys[ep.Name])
	if diff := shapeDiff(want, got); diff != "" {
		t.Errorf("%s %s: the answer's shape is not the example's: %s\nexample %s\nanswer  %s", method, r.path, diff, ex.AnswerJSON(), resp.body)
	}
	return got
}

// documents name the values of an endpoint's GET answer that are documents with shapes of their own (the flow
// definitions of an export follow the engine's spec, and no two nodes need have the same keys): of those, only
// the top-level keys are compared.
var documents = map[string]string{"definitions": "flows"}

func topLevelKeysOnly(answer any, key string) {
	obj, _ := answer.(map[string]any)
	items, _ := obj[key].([]any)
	for i, item := range items {
		if doc, ok := item.(map[string]any); ok {
			keys := map[string]any{}
			for k := range doc {
				keys[k] = true
			}
			items[i] = keys
		}
	}
}

func decode(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("%v: %s", err, s)
	}
	return v
}

// shapeDiff compares the JSON structure of an example and a real answer: the same keys everywhere, the
// same kinds of values; every item of a real list is compared with the example's first.
func shapeDiff(want, got any) string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Sprintf("an object, got %T", got)
		}
		if wk, gk := sortedKeys(w), sortedKeys(g); !slices.Equal(wk, gk) {
			return fmt.Sprintf("keys %v, got %v", wk, gk)
		}
		for k := range w {
			if d := shapeDiff(w[k], g[k]); d != "" {
				return k + ": " + d
			}
		}
	case []any:
		g, ok := got.([]any)
		if !ok {
			return fmt.Sprintf("an array, got %T", got)
		}
		if len(w) > 0 {
			for i := range g {
				if d := shapeDiff(w[0], g[i]); d != "" {
					return fmt.Sprintf("[%d]: %s", i, d)
				}
			}
		}
	default:
		if reflect.TypeOf(want) != reflect.TypeOf(got) {
			return fmt.Sprintf("%T (%v), got %T (%v)", want, want, got, got)
		}
	}
	return ""
}

// jsonDiff compares values exactly, except generated keys when skipGenerated.
func jsonDiff(want, got any, skipGenerated bool) string {
	w, wok := want.(map[string]any)
	g, gok := got.(map[string]any)
	if !wok || !gok {
		if !reflect.DeepEqual(want, got) {
			return fmt.Sprintf("%v, got %v", want, got)
		}
		return ""
	}
	for _, k := range sortedKeys(w) {
		if skipGenerated && slices.Contains(generatedKeys, k) {
			continue
		}
		if d := jsonDiff(w[k], g[k], skipGenerated); d != "" {
			return k + ": " + d
		}
	}
	return ""
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// exampleUpload is an upload example's body as a client sends it: a multipart form with each field a file of
// the name the example gives, as big as the example's answer says.
func exampleUpload(t *testing.T, ex api.Example) ([]byte, string) {
	size := 0
	if answer, ok := decode(t, ex.AnswerJSON()).(map[string]any); ok {
		if n, ok := answer["size"].(float64); ok {
			size = int(n)
		}
	}
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, field := range sortedKeys(ex.Body) {
		name := fmt.Sprint(ex.Body[field])
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, field, name))
		h.Set("Content-Type", mime.TypeByExtension(filepath.Ext(name)))
		part, err := w.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		part.Write(bytes.Repeat([]byte{0xff}, size))
	}
	w.Close()
	return buf.Bytes(), w.FormDataContentType()
}
