package api

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

const nonFieldErrors = "non_field_errors"

// validation collects serializer errors: field -> messages, in the order fields were checked.
type validation struct {
	order  []string
	errs   map[string][]string
	nested map[string]json.Marshaler // fields whose errors are per item: {"urns": {"0": ["msg"]}}
}

func (v *validation) add(field string, msgs ...string) {
	if len(msgs) == 0 {
		return
	}
	if v.errs == nil {
		v.errs = map[string][]string{}
	}
	if _, seen := v.errs[field]; !seen {
		v.order = append(v.order, field)
	}
	v.errs[field] = append(v.errs[field], msgs...)
}

func (v *validation) failed() bool { return len(v.order) > 0 }

func (v *validation) MarshalJSON() ([]byte, error) {
	k := &keyedErrors{}
	for _, field := range v.order {
		if items, ok := v.nested[field]; ok {
			k.set(field, items)
		} else {
			k.set(field, messageList(v.errs[field]))
		}
	}
	return k.MarshalJSON()
}

// charField describes a DRF CharField: whitespace trimmed, then its validators run in DRF's order (the
// field's own validators, then length, then null characters, then those of its type), every failure reported.
type charField struct {
	required   bool
	allowNull  bool
	allowBlank bool
	maxLen     int
	minLen     int
	validators []func(string) []string
	// typeValidators are those a subclass of CharField adds after the length and null checks (URLField's)
	typeValidators []func(string) []string
}

// char reads name as a charField. present is false when the key is absent; value is nil for an allowed null.
// ok is false when the field failed (its errors are in v).
func (in *input) char(v *validation, name string, f charField) (value *string, present, ok bool) {
	raw, present := in.values[name]
	if !present {
		if f.required {
			v.add(name, "This field is required.")
			return nil, false, false
		}
		return nil, false, true
	}
	if in.form {
		raw = lastFormValue(raw)
	}
	if raw == nil {
		if f.allowNull {
			return nil, true, true
		}
		v.add(name, "This field may not be null.")
		return nil, true, false
	}

	var s string
	switch t := raw.(type) {
	case string:
		s = t
	case json.Number:
		s = t.String()
	default:
		v.add(name, "Not a valid string.")
		return nil, true, false
	}

	s = strings.TrimSpace(s)
	if s == "" {
		if f.allowBlank {
			return &s, true, true
		}
		v.add(name, "This field may not be blank.")
		return nil, true, false
	}

	var msgs []string
	for _, validate := range f.validators {
		msgs = append(msgs, validate(s)...)
	}
	if f.maxLen > 0 && utf8.RuneCountInString(s) > f.maxLen {
		msgs = append(msgs, fmt.Sprintf("Ensure this field has no more than %d characters.", f.maxLen))
	}
	if f.minLen > 0 && utf8.RuneCountInString(s) < f.minLen {
		msgs = append(msgs, fmt.Sprintf("Ensure this field has at least %d characters.", f.minLen))
	}
	if strings.ContainsRune(s, 0) {
		msgs = append(msgs, "Null characters are not allowed.")
	}
	for _, validate := range f.typeValidators {
		msgs = append(msgs, validate(s)...)
	}
	if len(msgs) > 0 {
		v.add(name, msgs...)
		return nil, true, false
	}
	return &s, true, true
}

// choice reads name as a DRF ChoiceField.
func (in *input) choice(v *validation, name string, required bool, choices ...string) (value string, present, ok bool) {
	raw, present := in.values[name]
	if !present {
		if required {
			v.add(name, "This field is required.")
			return "", false, false
		}
		return "", false, true
	}
	if in.form {
		raw = lastFormValue(raw)
	}
	if raw == nil {
		v.add(name, "This field may not be null.")
		return "", true, false
	}
	s := inputText(raw)
	for _, c := range choices {
		if s == c {
			return s, true, true
		}
	}
	v.add(name, fmt.Sprintf("%q is not a valid choice.", s))
	return "", true, false
}

// inputText is how a value reads when quoted back in an error.
func inputText(raw any) string {
	switch t := raw.(type) {
	case string:
		return t
	case json.Number:
		return t.String()
	}
	b, _ := json.Marshal(raw)
	return string(b)
}

// lastFormValue is what a form field holds when read as a single value: the last one given.
func lastFormValue(raw any) any {
	if list, ok := raw.([]any); ok && len(list) > 0 {
		return list[len(list)-1]
	}
	return raw
}

// nameValidator is RapidPro's rule for the names of groups, labels, topics and the like. Like RapidPro's, it
// stops at the first problem.
func nameValidator(maxLen int) func(string) []string {
	return func(s string) []string {
		switch {
		case utf8.RuneCountInString(s) > maxLen:
			return []string{fmt.Sprintf("Cannot be longer than %d characters.", maxLen)}
		case s != strings.TrimSpace(s):
			return []string{"Cannot begin or end with whitespace."}
		case strings.Contains(s, `"`):
			return []string{`Cannot contain the character: "`}
		case strings.Contains(s, `\`):
			return []string{`Cannot contain the character: \`}
		case strings.ContainsRune(s, 0):
			return []string{"Cannot contain null characters."}
		}
		return nil
	}
}

// list reads name as a DRF ListField: absent, or a list of at most maxLen items (form fields give a list
// when repeated, or a one-item list). ok is false when the field failed.
func (in *input) list(v *validation, name string, maxLen int) (items []any, present, ok bool) {
	raw, present := in.values[name]
	if !present {
		return nil, false, true
	}
	switch t := raw.(type) {
	case []any:
		items = t
	case string:
		if !in.form {
			v.add(name, `Expected a list of items but got type "str".`)
			return nil, true, false
		}
		items = []any{t}
	case nil:
		v.add(name, "This field may not be null.")
		return nil, true, false
	default:
		v.add(name, fmt.Sprintf("Expected a list of items but got type %q.", pythonType(raw)))
		return nil, true, false
	}
	if maxLen > 0 && len(items) > maxLen {
		v.add(name, fmt.Sprintf("Ensure this field has no more than %d elements.", maxLen))
		return nil, true, false
	}
	return items, true, true
}

// dict reads name as a DRF DictField of at most maxLen entries.
func (in *input) dict(v *validation, name string, maxLen int) (entries map[string]any, present, ok bool) {
	raw, present := in.values[name]
	if !present {
		return nil, false, true
	}
	switch t := raw.(type) {
	case map[string]any:
		entries = t
	case nil:
		v.add(name, "This field may not be null.")
		return nil, true, false
	default:
		v.add(name, fmt.Sprintf("Expected a dictionary of items but got type %q.", pythonType(raw)))
		return nil, true, false
	}
	if maxLen > 0 && len(entries) > maxLen {
		v.add(name, fmt.Sprintf("Ensure this field has no more than %d elements.", maxLen))
		return nil, true, false
	}
	return entries, true, true
}

// pythonType names a JSON value's type as Python would, for DRF's messages.
func pythonType(raw any) string {
	switch raw.(type) {
	case string:
		return "str"
	case json.Number:
		if strings.ContainsAny(raw.(json.Number).String(), ".eE") {
			return "float"
		}
		return "int"
	case bool:
		return "bool"
	case []any:
		return "list"
	case map[string]any:
		return "dict"
	}
	return "NoneType"
}

// addNested records per-item errors under field (a *keyedErrors, or any object of them); they are written
// as an object, not a list.
func (v *validation) addNested(field string, items json.Marshaler) {
	if v.nested == nil {
		v.nested = map[string]json.Marshaler{}
	}
	if _, seen := v.errs[field]; !seen {
		if _, seenNested := v.nested[field]; !seenNested {
			v.order = append(v.order, field)
		}
	}
	v.nested[field] = items
}

// boolean reads name as a DRF BooleanField, def when absent. DRF reads a boolean missing from a form as false.
func (in *input) boolean(v *validation, name string, def bool) (value, ok bool) {
	raw, present := in.values[name]
	if !present {
		if in.form {
			return false, true
		}
		return def, true
	}
	if in.form {
		raw = lastFormValue(raw)
	}
	switch t := raw.(type) {
	case nil:
		v.add(name, "This field may not be null.")
		return def, false
	case bool:
		return t, true
	case string:
		switch t {
		case "t", "T", "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", "1":
			return true, true
		case "f", "F", "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF", "0":
			return false, true
		}
	case json.Number:
		// Python compares 1, 1.0 and True alike
		if f, err := t.Float64(); err == nil && (f == 0 || f == 1) {
			return f == 1, true
		}
	}
	v.add(name, "Must be a valid boolean.")
	return def, false
}
