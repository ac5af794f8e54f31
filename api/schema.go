package api

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// object is a JSON object being built: the OpenAPI document and the schemas in it.
type object = map[string]any

// jsonSchema describes the JSON that a value of type t encodes to, read off the Go type the converters
// return, so openapi.json can't disagree with what the server writes. Every struct field is written
// (required) unless tagged omitempty; a pointer may be null.
func jsonSchema(t reflect.Type) object {
	if t == reflect.TypeFor[apiTime]() {
		return object{"type": "string", "format": "date-time"}
	}
	if t == reflect.TypeFor[json.RawMessage]() {
		return object{"type": "object"} // a document written as it is stored: a flow definition, translations
	}
	switch t.Kind() {
	case reflect.Pointer:
		return nullable(jsonSchema(t.Elem()))
	case reflect.Struct:
		properties, required := object{}, []string{}
		addStructFields(t, properties, &required)
		return object{"type": "object", "properties": properties, "required": required}
	case reflect.Slice, reflect.Array:
		return object{"type": "array", "items": jsonSchema(t.Elem())}
	case reflect.Map:
		return object{"type": "object", "additionalProperties": jsonSchema(t.Elem())}
	case reflect.String:
		return object{"type": "string"}
	case reflect.Bool:
		return object{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return object{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return object{"type": "number"}
	case reflect.Interface:
		return object{}
	}
	panic(fmt.Sprintf("no JSON schema for %s", t))
}

// addStructFields adds t's JSON fields as encoding/json writes them, embedded structs flattened.
func addStructFields(t reflect.Type, properties object, required *[]string) {
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			addStructFields(f.Type, properties, required)
			continue
		}
		if name == "" {
			name = f.Name
		}
		properties[name] = jsonSchema(f.Type)
		if !strings.Contains(opts, "omitempty") {
			*required = append(*required, name)
		}
	}
}

// nullable lets a schema be null too, as OpenAPI 3.1 (JSON Schema 2020-12) writes it.
func nullable(s object) object {
	switch t := s["type"].(type) {
	case string:
		out := object{}
		for k, v := range s {
			out[k] = v
		}
		out["type"] = []string{t, "null"}
		return out
	case nil:
		return s // no type: anything, null included
	}
	return object{"oneOf": []any{s, object{"type": "null"}}}
}
