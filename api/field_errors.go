package api

import (
	"bytes"
	"encoding/json"
)

// fieldError is why one field's value was refused, as DRF reports it: the field's own messages
// (["Ensure this field has no more than 10 elements."]), or its items', keyed by index or language
// ({"0": ["…"]}, {"0": {"text": ["…"]}}). Helpers shared by endpoints give one, for the caller to put under
// whatever name (or language) the value came in.
type fieldError struct {
	msgs  []string
	items *keyedErrors
}

func fieldMessage(msg string) *fieldError { return &fieldError{msgs: []string{msg}} }

func (e *fieldError) MarshalJSON() ([]byte, error) {
	if e.items != nil {
		return e.items.MarshalJSON()
	}
	return json.Marshal(e.msgs)
}

// addField records a field's error under name; nil is no error.
func (v *validation) addField(name string, e *fieldError) {
	switch {
	case e == nil:
	case e.items != nil:
		v.addNested(name, e.items)
	default:
		v.add(name, e.msgs...)
	}
}

// keyedErrors are errors of a list's items or a dict's entries, keyed by index or key as DRF reports them
// ({"0": ["msg"]}), in the order they were found: each a list of messages, or an object of an item's own
// fields' messages (a *validation).
type keyedErrors struct {
	order []string
	vals  map[string]json.Marshaler
}

type messageList []string

func (m messageList) MarshalJSON() ([]byte, error) { return json.Marshal([]string(m)) }

// add records messages for key, after any it has already.
func (k *keyedErrors) add(key string, msgs ...string) {
	if had, ok := k.vals[key].(messageList); ok {
		msgs = append(append([]string{}, had...), msgs...)
	}
	k.set(key, messageList(msgs))
}

// set records an error of any shape for key.
func (k *keyedErrors) set(key string, err json.Marshaler) {
	if k.vals == nil {
		k.vals = map[string]json.Marshaler{}
	}
	if _, seen := k.vals[key]; !seen {
		k.order = append(k.order, key)
	}
	k.vals[key] = err
}

func (k *keyedErrors) empty() bool { return len(k.order) == 0 }

func (k *keyedErrors) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, key := range k.order {
		if i > 0 {
			buf.WriteByte(',')
		}
		name, _ := json.Marshal(key)
		val, err := k.vals[key].MarshalJSON()
		if err != nil {
			return nil, err
		}
		buf.Write(name)
		buf.WriteByte(':')
		buf.Write(val)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}
