package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/flowsd/flowsd/models"
)

// maxStartRecipients bounds each of a start's groups, contacts and URNs.
const maxStartRecipients = 100

// maxStartParams is how long params may be as Python writes them as JSON (default profile).
const maxStartParams = 10000

// postFlowStart starts contacts, groups and URNs in a flow, with RapidPro's rules and messages. The start is
// written pending, with its recipients, in one transaction; start workers are woken once it commits.
func postFlowStart(c *Ctx) error {
	in, err := c.body()
	if err != nil {
		return err
	}
	if c.weni() {
		mergeWeniQuery(c, in)
	}
	spec, v, err := readFlowStart(c, in)
	if err != nil {
		return err
	}
	if v.failed() {
		return errValidation(v)
	}

	ctx := c.Request().Context()
	start, err := c.store().CreateFlowStart(ctx, c.ws(), spec)
	if err != nil {
		return err
	}
	listed, err := c.store().Starts(c.ws().ID).WithID(start.ID).First(ctx)
	if err != nil {
		return err
	}
	if listed == nil {
		return fmt.Errorf("flow start %d not found after creating it", start.ID)
	}
	// the answer is the start as made: workers woken by the commit may have moved it on already
	listed.Status, listed.ContactCount, listed.RunCount, listed.ModifiedOn = start.Status, start.ContactCount, 0, start.ModifiedOn
	return c.respond(http.StatusCreated, convertStart(c, listed))
}

// mergeWeniQuery puts query parameters over the body, as Weni does: groups, contacts and urns as lists.
func mergeWeniQuery(c *Ctx, in *input) {
	for key, vals := range c.query {
		switch key {
		case "groups", "contacts", "urns":
			list := make([]any, len(vals))
			for i, s := range vals {
				list[i] = s
			}
			in.values[key] = list
		default:
			in.values[key] = vals[len(vals)-1]
		}
	}
}

// readFlowStart reads a start's body; field errors come in the order RapidPro's serializer declares its
// fields, and the check that there is someone to start only once every field is valid.
func readFlowStart(c *Ctx, in *input) (models.FlowStartSpec, *validation, error) {
	v := &validation{}
	spec := models.FlowStartSpec{StartType: models.StartTypeAPI, CreatedByID: c.principal.User.ID}
	if strings.Contains(c.Request().UserAgent(), "Zapier") {
		spec.StartType = models.StartTypeZapier
	}

	flow, err := readFlowRef(c, in, v)
	if err != nil {
		return spec, nil, err
	}
	if flow != nil {
		spec.FlowID = flow.ID
	}

	r, err := readRecipients(c, in, v, []string{"contacts", "groups", "urns"},
		map[string]int{"contacts": maxStartRecipients, "groups": maxStartRecipients, "urns": maxStartRecipients})
	if err != nil {
		return spec, nil, err
	}
	spec.ContactIDs, spec.GroupIDs, spec.URNs = r.contactIDs, r.groupIDs, r.urns

	spec.RestartParticipants, _ = in.boolean(v, "restart_participants", true)
	spec.ExcludeActive, _ = in.boolean(v, "exclude_active", false)
	extra := readJSONObject(in, v, "extra")
	if extra != nil {
		extra = normalizeExtra(extra)
	}
	params := readJSONObject(in, v, "params")
	switch {
	case params == nil:
	case c.weni():
		params = normalizeExtra(params) // Weni, like RapidPro 8, normalizes params as extra
	case pyJSONLen(params) > maxStartParams:
		v.add("params", "Cannot exceed 10,000 characters encoded.")
	}

	if !v.failed() && !r.given {
		v.add(nonFieldErrors, "Must specify at least one group, contact or URN")
	}
	if v.failed() {
		return spec, v, nil
	}

	// as RapidPro's "params or extra": empty params give way to extra
	chosen := newJSONObject()
	if params != nil && params.len() > 0 {
		chosen = params
	} else if extra != nil {
		chosen = extra
	}
	b, err := encodeJSON(chosen, 0, false)
	if err != nil {
		return spec, nil, err
	}
	spec.Params = string(b)
	return spec, v, nil
}

// readFlowRef reads the flow to start, by UUID: any active flow of the workspace, archived ones too, as
// RapidPro's FlowField finds them.
func readFlowRef(c *Ctx, in *input, v *validation) (*models.Flow, error) {
	raw, present := in.values["flow"]
	if !present {
		v.add("flow", "This field is required.")
		return nil, nil
	}
	if in.form {
		raw = lastFormValue(raw)
	}
	if raw == nil || raw == "" {
		v.add("flow", "This field may not be null.")
		return nil, nil
	}
	var value string
	switch t := raw.(type) {
	case string:
		value = t
	case bool: // Python's bool is an int, so it gets as far as the lookup
		value = map[bool]string{true: "True", false: "False"}[t]
	case json.Number:
		if pythonType(t) != "int" {
			v.add("flow", "Must be a string or integer")
			return nil, nil
		}
		value = t.String()
	default:
		v.add("flow", "Must be a string or integer")
		return nil, nil
	}
	if u, ok := normalizeUUID(value); ok {
		flow, err := c.store().GetFlow(c.Request().Context(), c.ws().ID, u)
		if err == nil {
			return flow, nil
		} else if !models.IsNotFound(err) {
			return nil, err
		}
	}
	v.add("flow", "No such object: "+value)
	return nil, nil
}

// readJSONObject reads a DRF JSONField that must hold an object, keeping its key order. A form field holds
// JSON text, which DRF decodes.
func readJSONObject(in *input, v *validation, name string) *jsonObject {
	raw, present := in.values[name]
	if !present {
		return nil
	}
	if in.form {
		raw = lastFormValue(raw)
		text, isText := raw.(string)
		if !isText {
			v.add(name, "Must be a valid JSON object")
			return nil
		}
		decoded, err := decodeOrdered([]byte(text))
		if err != nil {
			v.add(name, "Value must be valid JSON.")
			return nil
		}
		raw = decoded
	} else if raw == nil {
		v.add(name, "This field may not be null.")
		return nil
	} else {
		raw = orderedBodyValue(in, name, raw)
	}
	obj, ok := raw.(*jsonObject)
	if !ok {
		v.add(name, "Must be a valid JSON object")
		return nil
	}
	return obj
}

// orderedBodyValue is a JSON body's value for name with its objects' key order, read again from the body as
// sent; a value that didn't come from the body (Weni's query parameters) is taken as it is.
func orderedBodyValue(in *input, name string, raw any) any {
	if _, isObject := raw.(map[string]any); !isObject || in.raw == nil {
		return toOrdered(raw)
	}
	body, err := decodeOrdered(in.raw)
	if err != nil {
		return toOrdered(raw)
	}
	if obj, ok := body.(*jsonObject); ok {
		if val, ok := obj.get(name); ok {
			return val
		}
	}
	return toOrdered(raw)
}

// toOrdered converts a decoded value whose key order is lost, ordering keys by name.
func toOrdered(raw any) any {
	switch t := raw.(type) {
	case map[string]any:
		obj := newJSONObject()
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			obj.set(k, toOrdered(t[k]))
		}
		return obj
	case []any:
		out := make([]any, len(t))
		for i, item := range t {
			out[i] = toOrdered(item)
		}
		return out
	}
	return raw
}
