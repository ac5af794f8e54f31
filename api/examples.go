package api

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/flowsd/flowsd/models"
)

// Example is one call of an operation: the docs pages show it, the explorer starts from it and openapi.json
// carries it.
type Example struct {
	Query  string         // the query string, without "?"
	Body   map[string]any // the request body, sent as JSON; nil for none
	Status int            // the status of the answer
	Answer *ExampleAnswer // the body of the answer; nil when it has none (a 204)
}

// ExampleAnswer is an example answer made the way the server makes real ones: example model values put
// through the endpoint's own converter. Its JSON can't be written by hand, so the docs can't drift from
// what the server sends.
type ExampleAnswer struct {
	items   []any // the model values, a *T each
	convert func(c *Ctx, item any) any
	list    bool // wrapped in the list envelope
	counted bool // the list envelope of limit/offset paging, with a count
}

// listAnswer is the example answer of a list GET: items through convert, as one page.
func listAnswer[T any](convert func(*Ctx, *T) any, items ...T) *ExampleAnswer {
	a := &ExampleAnswer{convert: typedConverter(convert), list: true}
	for i := range items {
		a.items = append(a.items, &items[i])
	}
	return a
}

// countedListAnswer is the example answer of a list paged by limit and offset: one page with its count.
func countedListAnswer[T any](convert func(*Ctx, *T) any, items ...T) *ExampleAnswer {
	a := listAnswer(convert, items...)
	a.counted = true
	return a
}

// objectAnswer is the example answer of one object: item through convert.
func objectAnswer[T any](convert func(*Ctx, *T) any, item T) *ExampleAnswer {
	return &ExampleAnswer{items: []any{&item}, convert: typedConverter(convert)}
}

func typedConverter[T any](convert func(*Ctx, *T) any) func(*Ctx, any) any {
	return func(c *Ctx, item any) any { return convert(c, item.(*T)) }
}

// exampleCtx is what examples are converted in: a workspace of the default profile, with no request and no
// database, which converters don't need.
func exampleCtx() *Ctx {
	return &Ctx{principal: &models.Principal{Workspace: models.Workspace{APIProfile: models.ProfileDefault}}}
}

// value is the answer as the endpoint's converter gives it.
func (a *ExampleAnswer) value(c *Ctx) any {
	if !a.list {
		return a.convert(c, a.items[0])
	}
	results := make([]any, len(a.items))
	for i, item := range a.items {
		results[i] = a.convert(c, item)
	}
	if a.counted {
		return offsetPage[any]{Count: int64(len(results)), Results: results}
	}
	return page[any]{Results: results}
}

// item is one converted object: the answer itself, or the first result of a list.
func (a *ExampleAnswer) item(c *Ctx) any { return a.convert(c, a.items[0]) }

// exampleIndent is how examples are indented, as the explorer asks answers to be.
const exampleIndent = 4

// URL is the example's path and query on endpoint name.
func (e Example) URL(name string) string {
	u := "/api/v2/" + name + ".json"
	if e.Query != "" {
		u += "?" + e.Query
	}
	return u
}

// BodyJSON is the request body, indented; "" when there is none.
func (e Example) BodyJSON() string {
	if e.Body == nil {
		return ""
	}
	return mustIndent(e.Body)
}

// UploadText describes an upload's multipart body, a field a line with the file it sends, as curl's -F
// takes them: file=@photo.jpg.
func (e Example) UploadText() string {
	lines := make([]string, 0, len(e.Body))
	for field, file := range e.Body {
		lines = append(lines, fmt.Sprintf("%s=@%v", field, file))
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

// AnswerJSON is the answer's body as the server writes it, indented; "" when there is none.
func (e Example) AnswerJSON() string {
	if e.Answer == nil {
		return ""
	}
	return mustIndent(e.Answer.value(exampleCtx()))
}

// StatusLine is the answer's status, e.g. "201 Created".
func (e Example) StatusLine() string {
	return strconv.Itoa(e.Status) + " " + http.StatusText(e.Status)
}

// mustIndent writes v as the server would; examples are fixed values, so a failure is a programming error.
func mustIndent(v any) string {
	b, err := encodeJSON(v, exampleIndent, false)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// ptr is a pointer to v, for the optional values of example models.
func ptr[T any](v T) *T { return &v }
