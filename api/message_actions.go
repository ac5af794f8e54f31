package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/flowsd/flowsd/models"
)

var messageActionsDocs = OperationDocs{Title: "Update Multiple Messages", Fields: []Param{
	{Name: "messages", Required: true, Help: "The UUIDs or ids of the incoming messages to act on (up to 100)", Type: "array"},
	{Name: "action", Required: true, Help: "One of label, unlabel, archive, restore, delete"},
	{Name: "label", Help: "The UUID or name of an existing label, for label and unlabel"},
	{Name: "label_name", Help: "The name of a label, for label (made when there is none) and unlabel (ignored when there is none)"},
},
	Example: Example{Body: map[string]any{"messages": []any{exampleIncomingMsgUUID}, "action": "label", "label": exampleLabel.Name},
		Status: http.StatusNoContent},
	Failures: true}

// exampleIncomingMsgUUID is the message the example labels, one a contact sent.
const exampleIncomingMsgUUID = "0199bb98-3637-778d-9dfc-0ab85c950d7c"

var msgActions = []string{"label", "unlabel", "archive", "restore", "delete"}

// msgActionsWithLabel are the actions that need a label, and the only ones that take one.
var msgActionsWithLabel = map[string]bool{"label": true, "unlabel": true}

// msgActionFailures is the answer when some messages named are gone: the values as they were given.
type msgActionFailures struct {
	Failures []any `json:"failures"`
}

// postMessageActions performs one action on up to 100 incoming messages, named by id or UUID (the official
// client sends UUIDs). Messages that are gone (deleted, or never the workspace's) aren't errors: a 200 lists
// them as they were given; when none is, the answer is an empty 204.
func postMessageActions(c *Ctx) error {
	ctx := c.Request().Context()
	in, err := c.body()
	if err != nil {
		return err
	}
	v := &validation{}

	var named []namedMsg
	if items, present, ok := in.list(v, "messages", 100); !present {
		v.add("messages", "This field is required.")
	} else if ok {
		if named, err = resolveMsgs(c, items, v); err != nil {
			return err
		}
	}
	action, _, _ := in.choice(v, "action", true, msgActions...)

	var label *models.Label
	if raw, present := in.values["label"]; present {
		if in.form {
			raw = lastFormValue(raw)
		}
		if label, err = resolveLabel(c, raw, v); err != nil {
			return err
		}
	}
	labelName, labelNamed, _ := in.char(v, "label_name", charField{maxLen: models.MaxLabelNameLen,
		validators: []func(string) []string{nameValidator(models.MaxLabelNameLen)}})
	if v.failed() {
		return errValidation(v)
	}

	hasLabel := label != nil || labelNamed
	switch {
	case label != nil && labelNamed:
		return errNonField("Can't specify both label and label_name.")
	case msgActionsWithLabel[action] && !hasLabel:
		return errNonField(`For action "` + action + `" you should also specify a label`)
	case !msgActionsWithLabel[action] && hasLabel:
		return errNonField(`For action "` + action + `" you should not specify a label`)
	}

	spec := models.MsgActionSpec{Action: models.MsgAction(action)}
	if label != nil {
		spec.LabelID = label.ID
	} else if labelName != nil {
		spec.LabelName = *labelName
	}
	failures := []any{}
	for _, n := range named {
		if n.msg == nil {
			failures = append(failures, n.given)
		} else {
			spec.MsgIDs = append(spec.MsgIDs, n.msg.ID)
		}
	}
	err = c.store().ApplyMsgAction(ctx, c.ws().ID, spec)
	switch {
	case errors.Is(err, models.ErrLimitReached):
		return limitReached(c, "labels")
	case err != nil:
		return writeError(err, "label_name")
	}
	if len(failures) > 0 {
		return c.respond(http.StatusOK, msgActionFailures{Failures: failures})
	}
	return c.noContent()
}

// namedMsg is one value of messages: as given, and the message it names (nil when it names none).
type namedMsg struct {
	given any
	msg   *models.Msg
}

// resolveMsgs finds the messages a list names by integer id or UUID (strings of digits are ids too: forms send
// nothing else). A value of any other type fails the field; a value naming nothing is a failure of the
// action, not an error. Every message found must be incoming.
func resolveMsgs(c *Ctx, items []any, v *validation) ([]namedMsg, error) {
	named := make([]namedMsg, len(items))
	ids, uuids := make([]int64, len(items)), make([]string, len(items))
	var idList []int64
	var uuidList []string
	for i, item := range items {
		named[i].given = item
		switch t := item.(type) {
		case string:
			if u, ok := normalizeUUID(t); ok {
				uuids[i] = u
				uuidList = append(uuidList, u)
			} else if pythonInt.MatchString(strings.TrimSpace(t)) {
				ids[i] = msgID(strings.ReplaceAll(strings.TrimSpace(t), "_", ""))
			}
		case json.Number:
			if strings.ContainsAny(t.String(), ".eE") {
				v.add("messages", "Must be a string or integer") // a float, to Python
				return nil, nil
			}
			ids[i] = msgID(t.String())
		default:
			v.add("messages", "Must be a string or integer")
			return nil, nil
		}
		if ids[i] > 0 {
			idList = append(idList, ids[i])
		}
	}
	found, err := c.store().ActionableMsgs(c.Request().Context(), c.ws().ID, idList, uuidList)
	if err != nil {
		return nil, err
	}
	byID, byUUID := map[int64]*models.Msg{}, map[string]*models.Msg{}
	for i := range found {
		byID[found[i].ID], byUUID[found[i].UUID] = &found[i], &found[i]
	}
	for i := range named {
		if uuids[i] != "" {
			named[i].msg = byUUID[uuids[i]]
		} else if ids[i] > 0 {
			named[i].msg = byID[ids[i]]
		}
		if m := named[i].msg; m != nil && m.Direction != models.MsgIn {
			v.add("messages", "Not an incoming message: "+strconv.FormatInt(m.ID, 10))
			return nil, nil
		}
	}
	return named, nil
}

// msgID reads an integer that may name a message: 0 when it can't be anyone's id.
func msgID(digits string) int64 {
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// resolveLabel finds the label a label field names, by UUID or name (ignoring case), as RapidPro's LabelField
// does; its errors go in v.
func resolveLabel(c *Ctx, raw any, v *validation) (*models.Label, error) {
	if _, isString := raw.(string); !isString && !isNumber(raw) {
		if raw == nil {
			v.add("label", "This field may not be null.")
		} else {
			v.add("label", "Must be a string or integer")
		}
		return nil, nil
	}
	value := inputText(raw)
	if value == "" {
		v.add("label", "This field may not be null.") // DRF reads "" given to a relation as null
		return nil, nil
	}
	var found *models.Label
	if !strings.ContainsRune(value, 0) {
		u, _ := normalizeUUID(value)
		var err error
		if found, err = c.store().Labels(c.ws().ID).Referred(u, value).First(c.Request().Context()); err != nil {
			return nil, err
		}
	}
	if found == nil {
		v.add("label", "No such object: "+value)
	}
	return found, nil
}
