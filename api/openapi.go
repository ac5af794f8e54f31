package api

import (
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"unicode"

	"github.com/labstack/echo/v4"
)

// openAPI answers /api/v2/openapi.json: an OpenAPI 3.1 document of every endpoint, written from the registry
// like the routes, the docs pages and the explorer. It needs no authentication, as the docs pages don't.
func (s *server) openAPI(c echo.Context) error {
	if m := c.Request().Method; m != http.MethodGet && m != http.MethodHead {
		return errMethod(m)
	}
	s.openAPIOnce.Do(func() { s.openAPIDoc = buildOpenAPI(s.rt.Config.MaxBodyBytes) })
	return writeJSON(c, http.StatusOK, s.openAPIDoc, false)
}

// openAPIBuilder collects the named schemas of the endpoints' objects while operations are written.
type openAPIBuilder struct {
	schemas object
	types   map[string]reflect.Type
}

func buildOpenAPI(maxBodyBytes int64) object {
	b := &openAPIBuilder{schemas: object{
		"Detail": object{"type": "object", "required": []string{"detail"},
			"properties":  object{"detail": object{"type": "string"}},
			"description": "An error, explained for people."},
		"ValidationErrors": object{"type": "object",
			"additionalProperties": object{"type": "array", "items": object{"type": "string"}},
			"description":          "Invalid fields, each with its messages; `non_field_errors` for the request as a whole."},
	}, types: map[string]reflect.Type{}}

	paths, tags := object{}, []object{}
	for _, ep := range Registry {
		item := object{}
		for _, op := range ep.Operations() {
			item[strings.ToLower(op.Method)] = b.operation(ep, op)
		}
		paths["/"+ep.Name+".json"] = item
		tags = append(tags, object{"name": ep.Title, "description": fmt.Sprintf("`/api/v2/%s.json` %s.", ep.Name, ep.Summary)})
	}

	return object{
		"openapi": "3.1.0",
		"info": object{
			"title":   "flowsd API v2",
			"version": "2",
			"description": "RapidPro's REST API v2, as flowsd serves it. Every endpoint is `/api/v2/<name>.json`; " +
				"`/api/v2/<name>` is its documentation page and `/api/v2/explorer/` tries operations live.",
			"license": object{"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"},
		},
		"servers":  []object{{"url": "/api/v2", "description": "this server"}},
		"security": []object{{"token": []string{}}, {"basic": []string{}}},
		"tags":     tags,
		"paths":    paths,
		"components": object{
			"schemas":         b.schemas,
			"responses":       errorResponses(maxBodyBytes),
			"headers":         rateLimitHeaders(),
			"securitySchemes": securitySchemes(),
		},
	}
}

func securitySchemes() object {
	return object{
		"token": object{"type": "apiKey", "in": "header", "name": "Authorization",
			"description": "Your API token after the word Token: `Authorization: Token <key>`."},
		"basic": object{"type": "http", "scheme": "basic",
			"description": "Your email as the user name and your API token as the password."},
	}
}

func rateLimitHeaders() object {
	integer := func(help string) object { return object{"description": help, "schema": object{"type": "integer"}} }
	return object{
		"X-RateLimit-Limit":     integer("How many requests the workspace may make in this throttle scope per period."),
		"X-RateLimit-Remaining": integer("How many of them are left now."),
		"X-RateLimit-Reset":     integer("The Unix time at which the limit is fully available again."),
		"Retry-After":           integer("Seconds to wait before trying again."),
		"X-Temba-Workspace": object{"description": "The UUID of the workspace the token belongs to.",
			"schema": object{"type": "string", "format": "uuid"}},
	}
}

// errorResponses are the answers any operation may give besides success, with RapidPro's bodies, made by the
// same constructors the handlers use.
func errorResponses(maxBodyBytes int64) object {
	detailRef := object{"$ref": "#/components/schemas/Detail"}
	detailResponse := func(help string, example *apiError) object {
		return object{"description": help, "content": object{"application/json": object{"schema": detailRef, "example": example.body}}}
	}
	invalid := &validation{}
	invalid.add("name", "This field is required.")

	tooMany := detailResponse("The rate limit of the throttle scope is used up: wait `Retry-After` seconds.",
		errDetail(http.StatusTooManyRequests, "Request was throttled. Expected available in 42 seconds."))
	tooMany["headers"] = object{
		"Retry-After":           object{"$ref": "#/components/headers/Retry-After"},
		"X-RateLimit-Limit":     object{"$ref": "#/components/headers/X-RateLimit-Limit"},
		"X-RateLimit-Remaining": object{"$ref": "#/components/headers/X-RateLimit-Remaining"},
		"X-RateLimit-Reset":     object{"$ref": "#/components/headers/X-RateLimit-Reset"},
	}
	return object{
		"BadRequest": object{
			"description": "The request is invalid: field errors (`{\"field\": [\"message\"]}`), or a `detail` for a bad query parameter or body.",
			"content": object{"application/json": object{
				"schema": object{"oneOf": []any{object{"$ref": "#/components/schemas/ValidationErrors"}, detailRef}},
				"examples": object{
					"fields": object{"summary": "Invalid fields", "value": errValidation(invalid).body},
					"detail": object{"summary": "Invalid query", "value": errQuery("Param 'uuid': 1234 is not a valid UUID.").body},
				},
			}},
		},
		"Forbidden":        detailResponse("Missing or invalid credentials, or the token's role may not do this.", errPermission()),
		"NotFound":         detailResponse("Nothing matches the lookup, or the cursor is invalid.", errNotFound()),
		"MethodNotAllowed": detailResponse("The endpoint doesn't answer this method.", errMethod(http.MethodPut)),
		"Conflict":         detailResponse("The workspace has as many of these as it may have.", errLimitReached()),
		"PayloadTooLarge": detailResponse("The request body is larger than the server accepts.",
			errDetail(http.StatusRequestEntityTooLarge, fmt.Sprintf("Request body exceeds the limit of %d bytes.", maxBodyBytes))),
		"UnsupportedMediaType": detailResponse("The body is neither JSON, form-encoded nor multipart.",
			errDetail(http.StatusUnsupportedMediaType, `Unsupported media type "text/plain" in request.`)),
		"TooManyRequests": tooMany,
	}
}

func (b *openAPIBuilder) operation(ep *Endpoint, op MethodOperation) object {
	d := op.Docs
	out := object{
		"operationId": ep.Name + "_" + strings.ToLower(op.Method),
		"summary":     d.Title,
		"description": fmt.Sprintf("Allowed for: %s. Throttle scope: `%s`. Documentation: [/api/v2/%s](/api/v2/%s).",
			roleNames(op.Roles), ep.Scope, ep.Name, ep.Name),
		"tags":             []string{ep.Title},
		"x-throttle-scope": ep.Scope,
	}
	if params := b.parameters(d); len(params) > 0 {
		out["parameters"] = params
	}
	if op.Method == http.MethodPost {
		out["requestBody"] = requestBody(d)
	}
	out["responses"] = b.responses(ep, op)
	return out
}

func (b *openAPIBuilder) parameters(d OperationDocs) []object {
	example, _ := url.ParseQuery(d.Example.Query)
	var params []object
	for _, p := range d.Params {
		param := object{"name": p.Name, "in": "query", "required": p.Required, "description": p.Help, "schema": object{"type": "string"}}
		if v, ok := example[p.Name]; ok {
			param["example"] = v[0]
		}
		params = append(params, param)
	}
	return params
}

// requestBody describes a write's body from its documented fields; a field's type is that of its value in
// the example body (text when the example leaves it out).
func requestBody(d OperationDocs) object {
	properties, required := object{}, []string{}
	for _, f := range d.Fields {
		kind := "string"
		if v, ok := d.Example.Body[f.Name]; ok {
			kind = jsonKind(v)
		}
		properties[f.Name] = object{"type": kind, "description": f.Help}
		if f.Required {
			required = append(required, f.Name)
		}
	}
	schema := object{"type": "object", "properties": properties, "required": required}
	if d.Upload {
		for _, f := range d.Fields {
			properties[f.Name] = object{"type": "string", "format": "binary", "description": f.Help}
		}
		return object{"required": true, "content": object{"multipart/form-data": object{"schema": schema}}}
	}
	content := object{"application/json": object{"schema": schema}}
	if !d.JSONOnly {
		content["application/x-www-form-urlencoded"] = object{"schema": schema}
		content["multipart/form-data"] = object{"schema": schema}
	}
	if d.Example.Body != nil {
		content["application/json"].(object)["example"] = d.Example.Body
	}
	return object{"required": true, "content": content}
}

func (b *openAPIBuilder) responses(ep *Endpoint, op MethodOperation) object {
	ex := op.Docs.Example
	success := func(help string) object {
		r := object{"description": help, "headers": object{
			"X-RateLimit-Limit":     object{"$ref": "#/components/headers/X-RateLimit-Limit"},
			"X-RateLimit-Remaining": object{"$ref": "#/components/headers/X-RateLimit-Remaining"},
			"X-RateLimit-Reset":     object{"$ref": "#/components/headers/X-RateLimit-Reset"},
			"X-Temba-Workspace":     object{"$ref": "#/components/headers/X-Temba-Workspace"},
		}}
		if ex.Answer != nil {
			r["content"] = object{"application/json": object{"schema": b.answerSchema(ex.Answer), "example": ex.Answer.value(exampleCtx())}}
		}
		return r
	}
	ref := func(name string) object { return object{"$ref": "#/components/responses/" + name} }

	out := object{}
	switch op.Method {
	case http.MethodGet:
		if ep.List {
			out["200"] = success("A page of results, newest first; follow `next` for more.")
		} else {
			out["200"] = success("The object.")
		}
	case http.MethodPost:
		if ex.Status == http.StatusNoContent {
			out["204"] = success("Done: every object was acted on.")
			if op.Docs.Failures {
				out["200"] = failuresResponse(success("Done, but for objects that are gone: their references, as given."))
			}
			break
		}
		out["201"] = success("Created: the new object.")
		out["200"] = success("Updated (the query string named the object): the object as it now is.")
	case http.MethodDelete:
		out["204"] = success("Deleted.")
	}
	if code := strconv.Itoa(ex.Status); out[code] == nil {
		out[code] = success(http.StatusText(ex.Status))
	}

	out["400"], out["403"], out["404"], out["405"], out["429"] = ref("BadRequest"), ref("Forbidden"), ref("NotFound"), ref("MethodNotAllowed"), ref("TooManyRequests")
	if op.Method == http.MethodPost {
		out["413"], out["415"] = ref("PayloadTooLarge"), ref("UnsupportedMediaType")
	}
	if op.Docs.Limited {
		out["409"] = ref("Conflict")
	}
	return out
}

// failuresResponse is a bulk action's answer when some objects it was given are gone.
func failuresResponse(r object) object {
	r["content"] = object{"application/json": object{"schema": object{"type": "object", "required": []string{"failures"},
		"properties": object{"failures": object{"type": "array", "items": object{"type": []string{"string", "integer"}}}}}}}
	return r
}

// answerSchema is the schema of an example answer: its object, named in components.schemas after the
// converter's type (fieldOut is Field), in the list envelope for lists.
func (b *openAPIBuilder) answerSchema(a *ExampleAnswer) object {
	t := reflect.TypeOf(a.item(exampleCtx()))
	name := schemaName(t)
	if known, ok := b.types[name]; ok && known != t {
		panic(fmt.Sprintf("two types are both schema %s: %s and %s", name, known, t))
	}
	b.types[name], b.schemas[name] = t, jsonSchema(t)
	ref := object{"$ref": "#/components/schemas/" + name}
	if !a.list {
		return ref
	}
	link := object{"type": []string{"string", "null"}, "format": "uri"}
	if a.counted {
		return object{"type": "object", "required": []string{"count", "next", "previous", "results"}, "properties": object{
			"count": object{"type": "integer"}, "next": link, "previous": link, "results": object{"type": "array", "items": ref},
		}}
	}
	return object{"type": "object", "required": []string{"next", "previous", "results"}, "properties": object{
		"next": link, "previous": link, "results": object{"type": "array", "items": ref},
	}}
}

func schemaName(t reflect.Type) string {
	name := strings.TrimSuffix(t.Name(), "Out")
	r := []rune(name)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}
