package api

import (
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"testing"
)

const modelsPackage = "github.com/flowsd/flowsd/models"

// TestEveryOperationIsDocumented holds every operation of every endpoint to the docs the pages, the explorer
// and openapi.json are written from: a title, help for every parameter and field, and a complete example
// whose answer comes from model values through a converter.
func TestEveryOperationIsDocumented(t *testing.T) {
	for _, ep := range Registry {
		if ep.Title == "" || ep.Summary == "" || ep.Scope == "" {
			t.Errorf("%s: needs a title, a summary and a throttle scope", ep.Name)
		}
		if len(ep.Operations()) == 0 {
			t.Errorf("%s: has no operations", ep.Name)
		}
		for _, op := range ep.Operations() {
			t.Run(ep.Name+"/"+op.Method, func(t *testing.T) { checkOperationDocs(t, ep, op) })
		}
	}
}

func checkOperationDocs(t *testing.T, ep *Endpoint, op MethodOperation) {
	d, ex := op.Docs, op.Docs.Example
	if d.Title == "" {
		t.Error("no title")
	}
	for _, p := range slices.Concat(d.Params, d.Fields) {
		if p.Name == "" || p.Help == "" {
			t.Errorf("parameter %q has no help", p.Name)
		}
	}

	query, err := url.ParseQuery(ex.Query)
	if err != nil {
		t.Errorf("example query %q: %v", ex.Query, err)
	}
	for name := range query {
		if !slices.ContainsFunc(d.Params, func(p Param) bool { return p.Name == name }) {
			t.Errorf("example query uses %q, which isn't a documented parameter", name)
		}
	}
	for _, p := range d.Params {
		if p.Required && !query.Has(p.Name) {
			t.Errorf("example query lacks required parameter %q", p.Name)
		}
	}
	for name := range ex.Body {
		if !slices.ContainsFunc(d.Fields, func(p Param) bool { return p.Name == name }) {
			t.Errorf("example body uses %q, which isn't a documented field", name)
		}
	}
	for _, f := range d.Fields {
		if _, ok := ex.Body[f.Name]; f.Required && !ok {
			t.Errorf("example body lacks required field %q", f.Name)
		}
	}

	switch op.Method {
	case http.MethodGet:
		if ex.Status != http.StatusOK || ex.Answer == nil || ex.Answer.list != ep.List || ex.Body != nil {
			t.Errorf("a GET example answers 200 with a body (a list if the endpoint lists), and sends none")
		}
	case http.MethodPost:
		bulk := ex.Status == http.StatusNoContent && ex.Answer == nil // an action on many objects answers nothing
		if (!bulk && (ex.Status != http.StatusCreated && ex.Status != http.StatusOK)) || (!bulk && (ex.Answer == nil || ex.Answer.list)) || ex.Body == nil || len(d.Fields) == 0 {
			t.Errorf("a POST example sends a documented body and answers 201 or 200 with one object, or 204 for a bulk action")
		}
	case http.MethodDelete:
		if ex.Status != http.StatusNoContent || ex.Answer != nil || ex.Body != nil {
			t.Errorf("a DELETE example answers 204 with no body, and sends none")
		}
	}
	if ex.Answer != nil {
		checkAnswerFromModels(t, ex.Answer)
	}
}

// isModel reports whether t is a model, or the API's pairing of a model with what is written beside it (a
// group and its count): a struct whose first field embeds a model.
func isModel(t reflect.Type) bool {
	if t.PkgPath() == modelsPackage {
		return true
	}
	return t.Kind() == reflect.Struct && t.NumField() > 0 && t.Field(0).Anonymous && t.Field(0).Type.PkgPath() == modelsPackage
}

// checkAnswerFromModels proves an example answer is a converter's output: its inputs are model values, its
// JSON is exactly the converter's result, and that result is the API's own output type rather than raw JSON.
func checkAnswerFromModels(t *testing.T, a *ExampleAnswer) {
	if len(a.items) == 0 {
		t.Fatal("example answer has no model values")
	}
	for _, item := range a.items {
		if it := reflect.TypeOf(item); it.Kind() != reflect.Pointer || !isModel(it.Elem()) {
			t.Errorf("example answer is made from %s, not from a model", it)
		}
	}

	c := exampleCtx()
	var want any
	if a.list {
		var results []any
		for _, item := range a.items {
			results = append(results, a.convert(c, item))
		}
		want = map[string]any{"next": nil, "previous": nil, "results": results}
		if a.counted {
			want.(map[string]any)["count"] = len(results)
		}
	} else {
		want = a.convert(c, a.items[0])
	}
	out := reflect.TypeOf(a.convert(c, a.items[0]))
	if out.Kind() != reflect.Struct || out.PkgPath() != reflect.TypeFor[Endpoint]().PkgPath() {
		t.Errorf("converter returns %s, not one of the API's output structs", out)
	}

	wantJSON, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	if got := (Example{Answer: a}).AnswerJSON(); !sameJSON(got, string(wantJSON)) {
		t.Errorf("example answer\n%s\nis not what the converter gives:\n%s", got, wantJSON)
	}
}

func sameJSON(a, b string) bool {
	var x, y any
	return json.Unmarshal([]byte(a), &x) == nil && json.Unmarshal([]byte(b), &y) == nil && reflect.DeepEqual(x, y)
}

// TestReservedNames keeps endpoints off the paths the pages beside them use.
func TestReservedNames(t *testing.T) {
	seen := map[string]bool{}
	for _, ep := range Registry {
		for _, name := range append([]string{ep.Name}, ep.Aliases...) {
			if slices.Contains([]string{"explorer", "openapi", "static"}, name) {
				t.Errorf("endpoint name %q is taken by a page of the API", name)
			}
			if seen[name] {
				t.Errorf("endpoint name %q is used twice", name)
			}
			seen[name] = true
		}
	}
}
