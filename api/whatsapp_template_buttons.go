package api

import (
	"fmt"

	"github.com/flowsd/flowsd/flows"
)

// A template msg's buttons are Weni's: [{sub_type, parameters: [{type, text}]}], button i of the list being the
// template's button i (Weni's index is the position). They are checked against the template's buttons, so what
// Meta would refuse is a 400 here rather than a failed message later: no more than the template has, each of
// its sub_type, a URL with a variable given its one text parameter (also when buttons are left out: it would go
// out empty), a quick reply at most one payload, the others none. A quick reply's payload may be given as Weni
// takes it ({"type": "payload", "text": …}) or as Graph does ({"type": "payload", "payload": …}); the buttons
// are stored in Weni's shape, each parameter {type, text}, for the broadcast work to evaluate per contact.

// buttonParamType is the parameter type each kind of template button takes.
var buttonParamType = map[string]string{"url": "text", "quick_reply": "payload"}

// readTemplateButtons checks a template msg's buttons against the template's and normalises them in the msg;
// what is wrong goes in v.
func readTemplateButtons(v *validation, msg *jsonObject, name string, needs []flows.ButtonNeeds) {
	raw, given := msg.get("buttons")
	var list []any
	if given && raw != nil {
		l, isList := raw.([]any)
		if !isList {
			v.add("msg", "buttons must be a list of objects.")
			return
		}
		list = l
	}
	if len(list) > len(needs) {
		v.add("msg", fmt.Sprintf("Template %s has %d %s, got %d.", name, len(needs), plural(len(needs), "button", "buttons"), len(list)))
		return
	}
	normalised := make([]any, 0, len(list))
	for i, need := range needs {
		var params []any
		if i < len(list) {
			b, isObj := list[i].(*jsonObject)
			if !isObj {
				v.add("msg", "buttons must be a list of objects.")
				return
			}
			subType, _ := b.get("sub_type")
			if subType != need.SubType {
				v.add("msg", fmt.Sprintf("Template %s button %d is a %s button, got sub_type %v.", name, i, need.SubType, pyValue(subType)))
				return
			}
			var ok bool
			if params, ok = readButtonParams(v, b, name, i, need); !ok {
				return
			}
			out := newJSONObject()
			out.set("sub_type", need.SubType)
			out.set("parameters", params)
			normalised = append(normalised, out)
		}
		if len(params) < need.Variables {
			v.add("msg", fmt.Sprintf("Template %s button %d (%s) needs %d %s, got %d.", name, i, need.SubType, need.Variables,
				plural(need.Variables, "parameter", "parameters"), len(params)))
			return
		}
	}
	if given {
		msg.set("buttons", normalised)
	}
}

// readButtonParams reads a button's parameters as {type, text}: at most the button's variables (one for a quick
// reply's optional payload), each of the button's type and not blank; false when they are wrong (said in v).
func readButtonParams(v *validation, b *jsonObject, name string, i int, need flows.ButtonNeeds) ([]any, bool) {
	raw, _ := b.get("parameters")
	if raw == nil {
		return []any{}, true
	}
	list, isList := raw.([]any)
	if !isList {
		v.add("msg", fmt.Sprintf("Template %s button %d parameters must be a list of objects.", name, i))
		return nil, false
	}
	max := need.Variables
	if need.SubType == "quick_reply" {
		max = 1
	}
	if len(list) > max {
		v.add("msg", fmt.Sprintf("Template %s button %d (%s) takes %d %s, got %d.", name, i, need.SubType, max, plural(max, "parameter", "parameters"), len(list)))
		return nil, false
	}
	want := buttonParamType[need.SubType]
	out := make([]any, 0, len(list))
	for _, item := range list {
		p, isObj := item.(*jsonObject)
		if !isObj {
			v.add("msg", fmt.Sprintf("Template %s button %d parameters must be a list of objects.", name, i))
			return nil, false
		}
		typ, hasType := p.get("type")
		if hasType && typ != want {
			v.add("msg", fmt.Sprintf("Template %s button %d (%s) parameters are of type %s, got %v.", name, i, need.SubType, want, pyValue(typ)))
			return nil, false
		}
		text, _ := p.get("text")
		if payload, ok := p.get("payload"); ok && text == nil && want == "payload" {
			text = payload
		}
		s, isString := text.(string)
		if !isString || s == "" {
			v.add("msg", fmt.Sprintf("Template %s button %d (%s) parameter needs a %s.", name, i, need.SubType, want))
			return nil, false
		}
		param := newJSONObject()
		param.set("type", want)
		param.set("text", s)
		out = append(out, param)
	}
	return out, true
}

// plural is the noun for n things.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
