package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/flowsd/flowsd/api"
	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/testdb"
	"github.com/getkin/kin-openapi/openapi3"
)

// loadOpenAPI fetches /api/v2/openapi.json without credentials and loads it with kin-openapi.
func loadOpenAPI(t *testing.T, e *env) (*openapi3.T, []byte) {
	t.Helper()
	resp := e.do(request{method: "GET", path: "/api/v2/openapi.json"})
	if resp.status != http.StatusOK || resp.header.Get("Content-Type") != "application/json" {
		t.Fatalf("openapi.json: %d %s: %.200s", resp.status, resp.header.Get("Content-Type"), resp.body)
	}
	doc, err := openapi3.NewLoader().LoadFromData(resp.body)
	if err != nil {
		t.Fatalf("loading openapi.json: %v", err)
	}
	return doc, resp.body
}

// TestOpenAPIValidates checks the document against the OpenAPI 3.1 rules kin-openapi knows, examples
// against their schemas included, and then what it can't: that it describes exactly the registry.
func TestOpenAPIValidates(t *testing.T) {
	e := newEnv(t, models.SQLite, envOptions{})
	doc, raw := loadOpenAPI(t, e)
	if err := doc.Validate(context.Background(), openapi3.EnableExamplesValidation()); err != nil {
		t.Fatalf("openapi.json does not validate: %v", err)
	}
	if !doc.IsOpenAPI31OrLater() || doc.OpenAPI != "3.1.0" {
		t.Errorf("version %q, want 3.1.0", doc.OpenAPI)
	}

	// the parts of 3.1 a validator may pass over, checked on the raw JSON
	var plain map[string]any
	if err := json.Unmarshal(raw, &plain); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"openapi", "info", "servers", "paths", "components", "security"} {
		if plain[key] == nil {
			t.Errorf("no %q", key)
		}
	}
	if url := doc.Servers[0].URL; url != "/api/v2" {
		t.Errorf("server %q, want the relative /api/v2", url)
	}

	schemes := doc.Components.SecuritySchemes
	if tok := schemes["token"]; tok == nil || tok.Value.Type != "apiKey" || tok.Value.In != "header" || tok.Value.Name != "Authorization" ||
		!strings.Contains(tok.Value.Description, "Token <key>") {
		t.Errorf("token scheme: %+v", tok)
	}
	if basic := schemes["basic"]; basic == nil || basic.Value.Type != "http" || basic.Value.Scheme != "basic" {
		t.Errorf("basic scheme: %+v", basic)
	}
	if len(doc.Security) != 2 {
		t.Errorf("security %v, want token or basic", doc.Security)
	}

	if got, want := doc.Paths.Len(), len(api.Registry); got != want {
		t.Errorf("%d paths, want one per endpoint (%d)", got, want)
	}
	for _, ep := range api.Registry {
		item := doc.Paths.Value("/" + ep.Name + ".json")
		if item == nil {
			t.Errorf("no path for %s", ep.Name)
			continue
		}
		if got := slices.Sorted(func(yield func(string) bool) {
			for m := range item.Operations() {
				if !yield(m) {
					return
				}
			}
		}); !slices.Equal(got, slices.Sorted(slices.Values(ep.Methods()))) {
			t.Errorf("%s: methods %v, want %v", ep.Name, got, ep.Methods())
		}
		for _, op := range ep.Operations() {
			checkOpenAPIOperation(t, ep, op, item.GetOperation(op.Method))
		}
	}
}

func checkOpenAPIOperation(t *testing.T, ep *api.Endpoint, op api.MethodOperation, o *openapi3.Operation) {
	t.Helper()
	where := ep.Name + " " + op.Method
	if o == nil {
		t.Errorf("%s: missing", where)
		return
	}
	if o.Summary != op.Docs.Title {
		t.Errorf("%s: summary %q, want %q", where, o.Summary, op.Docs.Title)
	}
	for _, p := range op.Docs.Params {
		param := o.Parameters.GetByInAndName("query", p.Name)
		if param == nil || param.Required != p.Required || param.Description != p.Help {
			t.Errorf("%s: parameter %s: %+v", where, p.Name, param)
		}
	}

	ex := op.Docs.Example
	if op.Method == http.MethodPost {
		body := o.RequestBody.Value.Content.Get("application/json")
		if op.Docs.Upload { // files go as a multipart form, which has no example to show
			body = o.RequestBody.Value.Content.Get("multipart/form-data")
		}
		if body == nil || !op.Docs.Upload && !sameJSONValue(body.Example, ex.BodyJSON()) {
			t.Errorf("%s: request body example %v, want %s", where, body, ex.BodyJSON())
		}
		for _, f := range op.Docs.Fields {
			if body.Schema.Value.Properties[f.Name] == nil || slices.Contains(body.Schema.Value.Required, f.Name) != f.Required {
				t.Errorf("%s: body field %s not described", where, f.Name)
			}
		}
	}

	success := o.Responses.Status(ex.Status)
	if success == nil {
		t.Fatalf("%s: no %d response", where, ex.Status)
	}
	if ex.Answer != nil {
		content := success.Value.Content.Get("application/json")
		if content == nil || !sameJSONValue(content.Example, ex.AnswerJSON()) {
			t.Errorf("%s: response example is not the docs' example", where)
		}
	}

	want := []int{400, 403, 404, 405, 429}
	if op.Method == http.MethodPost {
		want = append(want, 413, 415)
	}
	if op.Docs.Limited {
		want = append(want, 409)
	}
	for _, code := range want {
		r := o.Responses.Status(code)
		if r == nil || r.Value == nil || r.Value.Content.Get("application/json") == nil {
			t.Errorf("%s: no %d error response with a body", where, code)
		}
	}
	if r := o.Responses.Status(429); r != nil && r.Value.Headers["Retry-After"] == nil {
		t.Errorf("%s: 429 has no Retry-After header", where)
	}
	if r := o.Responses.Status(409); r != nil && !op.Docs.Limited {
		t.Errorf("%s: 409 on an operation that creates nothing limited", where)
	}
}

func sameJSONValue(v any, s string) bool {
	a, err := json.Marshal(v)
	if err != nil {
		return false
	}
	var x, y any
	return json.Unmarshal(a, &x) == nil && json.Unmarshal([]byte(s), &y) == nil && jsonEqual(a, []byte(s))
}

// TestOpenAPIDescribesRealAnswers validates real answers of every endpoint against the schemas the document
// gives them, on both databases: success answers, and a validation error.
func TestOpenAPIDescribesRealAnswers(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newEnv(t, d, envOptions{})
		doc, _ := loadOpenAPI(t, e)
		for _, ep := range api.Registry {
			for _, op := range ep.Operations() {
				ex := op.Docs.Example
				r := request{method: op.Method, path: "/api/v2/" + ep.Name + ".json", auth: exampleToken(ep)}
				if op.Method == http.MethodDelete {
					continue // a 204 has no body to check
				}
				if op.Method == http.MethodPost {
					r.body, r.contentType = []byte(ex.BodyJSON()), "application/json"
				}
				resp := e.do(r)
				checkAgainstSchema(t, doc, ep.Name, op.Method, resp)

				if op.Method == http.MethodPost {
					bad := e.do(request{method: "POST", path: r.path, auth: r.auth, body: []byte(`{}`), contentType: "application/json"})
					checkAgainstSchema(t, doc, ep.Name, op.Method, bad)
				}
			}
		}
		notFound := e.do(request{method: "GET", path: "/api/v2/groups.json?cursor=nope", auth: "admin"})
		checkAgainstSchema(t, doc, "groups", "GET", notFound)
		forbidden := e.do(request{method: "GET", path: "/api/v2/groups.json"})
		checkAgainstSchema(t, doc, "groups", "GET", forbidden)
	})
}

func checkAgainstSchema(t *testing.T, doc *openapi3.T, name, method string, resp response) {
	t.Helper()
	o := doc.Paths.Value("/" + name + ".json").GetOperation(method)
	r := o.Responses.Status(resp.status)
	if r == nil {
		t.Errorf("%s %s: status %d is not described (%s)", method, name, resp.status, resp.body)
		return
	}
	content := r.Value.Content.Get("application/json")
	if resp.status == http.StatusNoContent {
		if content != nil || len(resp.body) > 0 {
			t.Errorf("%s %s: a 204 has a body", method, name)
		}
		return
	}
	if content == nil {
		t.Errorf("%s %s: %d has no JSON content described", method, name, resp.status)
		return
	}
	var body any
	if err := json.Unmarshal(resp.body, &body); err != nil {
		t.Fatal(err)
	}
	if err := content.Schema.Value.VisitJSON(body); err != nil {
		t.Errorf("%s %s: %d answer doesn't match its schema: %v\n%s", method, name, resp.status, err, resp.body)
	}
}

// TestOpenAPIServing: no credentials needed, only reads, and indentation as for any JSON answer.
func TestOpenAPIServing(t *testing.T) {
	e := newEnv(t, models.SQLite, envOptions{})
	for _, tc := range []struct {
		method string
		status int
	}{{"GET", 200}, {"HEAD", 200}, {"POST", 405}, {"DELETE", 405}} {
		if resp := e.do(request{method: tc.method, path: "/api/v2/openapi.json"}); resp.status != tc.status {
			t.Errorf("%s openapi.json: %d, want %d", tc.method, resp.status, tc.status)
		}
	}
	indented := e.do(request{method: "GET", path: "/api/v2/openapi.json", headers: map[string]string{"Accept": "application/json; indent=2"}})
	if !strings.HasPrefix(string(indented.body), "{\n  \"") {
		t.Errorf("indent=2 gives %.20q", indented.body)
	}
	if limit := strconv.FormatInt(e.rt.Config.MaxBodyBytes, 10); !strings.Contains(string(indented.body), limit+" bytes") {
		t.Errorf("the 413 example doesn't name the configured body limit %s", limit)
	}
}

// typeMessages are what the endpoints' readers say of a body value of the wrong JSON type (a choice's of any
// value that isn't one of its strings).
var typeMessages = []string{"Not a valid string.", "Expected a list of items", "Expected a dictionary of items",
	"Must be a valid boolean.", "A valid integer is required.", "Must be a string or integer", "Must be a valid JSON object",
	"is not a valid choice.", "must be a list.", "must be an object.", "is not a version."}

// TestOpenAPIBodyTypesAreTheInputRules proves that the types openapi.json gives body fields are those the
// endpoints read: every documented field of every write, set in the example request to each JSON type, is
// refused for its type exactly when the document doesn't allow that type, and each example request validates
// against the document. A field typed as a string alone may also be given a number or a boolean, which DRF's
// fields read as text (CharField takes numbers, lookups any scalar).
func TestOpenAPIBodyTypesAreTheInputRules(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newEnv(t, d, envOptions{})
		doc, _ := loadOpenAPI(t, e)
		for _, ep := range api.Registry {
			op := ep.Post
			if op == nil || op.Docs.Upload {
				continue
			}
			schema := doc.Paths.Value("/" + ep.Name + ".json").Post.RequestBody.Value.Content.Get("application/json").Schema.Value
			example := decode(t, op.Docs.Example.BodyJSON()).(map[string]any)
			if err := schema.VisitJSON(example); err != nil {
				t.Errorf("%s POST: the example request doesn't validate against openapi.json: %v", ep.Name, err)
			}
			for _, f := range op.Docs.Fields {
				types := schema.Properties[f.Name].Value.Type
				text, ok := example[f.Name].(string)
				if !ok {
					text = "x"
				}
				samples := map[string]any{"string": text, "integer": 5, "boolean": true, "array": []any{}, "object": map[string]any{}}
				for kind, value := range samples {
					lenient := types.Is("string") && (kind == "integer" || kind == "boolean")
					if lenient {
						continue
					}
					body := map[string]any{}
					for k, v := range example {
						body[k] = v
					}
					body[f.Name] = value
					raw, _ := json.Marshal(body)
					resp := e.do(request{method: "POST", path: "/api/v2/" + ep.Name + ".json", auth: exampleToken(ep), body: raw, contentType: "application/json"})
					if resp.status >= 500 {
						t.Fatalf("%s POST %s: %d %s", ep.Name, raw, resp.status, resp.body)
					}
					refused := resp.status == http.StatusBadRequest && typeRefused(resp.body, f.Name)
					if allowed := types == nil || types.Includes(kind); refused == allowed {
						t.Errorf("%s POST: field %s typed %v, given %s %s: %d %.300s", ep.Name, f.Name, types.Slice(), kind, mustJSON(value), resp.status, resp.body)
					}
				}
			}
		}
	})
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// typeRefused reports whether an error answer refuses field for its type: in the field's messages, or in the
// detail of a document read whole (definitions), which names the field in quotes.
func typeRefused(body []byte, field string) bool {
	var errs map[string]any
	if json.Unmarshal(body, &errs) != nil {
		return false
	}
	msgs, _ := json.Marshal(errs[field])
	if detail, ok := errs["detail"].(string); ok && strings.Contains(detail, `"`+field+`"`) {
		msgs = []byte(detail)
	}
	for _, m := range typeMessages {
		if strings.Contains(string(msgs), m) {
			return true
		}
	}
	return false
}
