package api

import (
	"encoding/json"
	"fmt"

	"github.com/nyaruka/goflow/core"
)

// maxQuickReplies bounds a message's quick replies (RapidPro's Msg.MAX_QUICK_REPLIES).
const maxQuickReplies = 10

// How long a quick reply's text and extra may be.
const (
	maxQuickReplyText  = 64
	maxQuickReplyExtra = 1000
)

// readQuickReplies reads quick replies for messages and broadcasts as RapidPro's
// ListField(child=QuickReplySerializer()) does: a list of at most 10 objects, each of a type (text, the default,
// form, url or location), a text and an extra. Errors of items are keyed by index, every bad item's, before the
// list's length is checked. raw is the field's value as the body gave it (a form field's one or more values).
func readQuickReplies(raw any, form bool) ([]core.QuickReply, *fieldError) {
	if s, isString := raw.(string); isString && form {
		raw = []any{s} // a form field given once
	}
	items, isList := raw.([]any)
	switch {
	case raw == nil:
		return nil, fieldMessage("This field may not be null.")
	case !isList:
		return nil, fieldMessage(fmt.Sprintf("Expected a list of items but got type %q.", pythonType(raw)))
	}

	qrs := make([]core.QuickReply, 0, len(items))
	itemErrs := &keyedErrors{}
	for i, item := range items {
		qr, err := readQuickReply(item)
		if err != nil {
			itemErrs.set(fmt.Sprint(i), err)
			continue
		}
		qrs = append(qrs, qr)
	}
	if !itemErrs.empty() {
		return nil, &fieldError{items: itemErrs}
	}
	if len(qrs) > maxQuickReplies {
		return nil, fieldMessage(fmt.Sprintf("Ensure this field has no more than %d elements.", maxQuickReplies))
	}
	return qrs, nil
}

// readQuickReply reads one quick reply: RapidPro first checks what each type needs, on the values as sent,
// then the serializer checks each field.
func readQuickReply(item any) (core.QuickReply, json.Marshaler) {
	obj, isObject := item.(map[string]any)
	switch {
	case item == nil:
		return core.QuickReply{}, messageList{"This field may not be null."}
	case !isObject:
		v := &validation{}
		v.add(nonFieldErrors, fmt.Sprintf("Invalid data. Expected a dictionary, but got %s.", pythonType(item)))
		return core.QuickReply{}, v
	}

	typ, typeGiven := obj["type"]
	if !typeGiven {
		typ = "text"
	}
	text, extra := pythonTruthy(obj["text"]), pythonTruthy(obj["extra"])
	switch {
	case typ == "text" && !text:
		return core.QuickReply{}, messageList{"Quick replies of type 'text' require a 'text' value."}
	case (typ == "form" || typ == "url") && !(text && extra):
		return core.QuickReply{}, messageList{fmt.Sprintf("Quick replies of type '%s' require 'text' and 'extra' values.", typ)}
	case typ == "location" && extra:
		return core.QuickReply{}, messageList{"Quick replies of type 'location' cannot have an 'extra' value."}
	}

	in := &input{values: obj}
	v := &validation{}
	qr := core.QuickReply{Type: "text"}
	if typeGiven {
		qr.Type, _, _ = in.choice(v, "type", false, "text", "form", "url", "location")
	}
	if s, _, ok := in.char(v, "text", charField{allowNull: true, maxLen: maxQuickReplyText}); ok && s != nil {
		qr.Text = *s
	}
	if s, _, ok := in.char(v, "extra", charField{allowNull: true, maxLen: maxQuickReplyExtra}); ok && s != nil {
		qr.Extra = *s
	}
	if v.failed() {
		return core.QuickReply{}, v
	}
	return qr, nil
}

// pythonTruthy is whether a JSON value is true in Python: not null, false, 0, "", [] or {}.
func pythonTruthy(raw any) bool {
	switch t := raw.(type) {
	case nil:
		return false
	case bool:
		return t
	case string:
		return t != ""
	case []any:
		return len(t) > 0
	case map[string]any:
		return len(t) > 0
	}
	if n, ok := raw.(interface{ Float64() (float64, error) }); ok {
		f, err := n.Float64()
		return err != nil || f != 0
	}
	return true
}
