package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/urns"
	"github.com/nyaruka/goflow/core"
	"github.com/nyaruka/goflow/utils"
)

// maxMsgText bounds a message's text (RapidPro's Msg.MAX_TEXT_LEN).
const maxMsgText = 4096

// exampleSentMsg is what the send example answers: the example contact's message, queued on the example
// channel (the docs examples run against a server with both).
var exampleSentMsg = func() models.MsgListing {
	urn, channelName := "tel:+250788123456", exampleChannel.Name
	created := time.Date(2025, 3, 4, 10, 42, 17, 503118000, time.UTC)
	return models.MsgListing{
		Msg: models.Msg{ID: 1, UUID: "0199bb9c-1e42-7c6a-8a0e-5b3f1d2c9e71", URN: &urn, Direction: models.MsgOut,
			Status: models.MsgQueued, Visibility: models.MsgVisible, Text: "Hi Ben, your order is ready. Shall we deliver it?",
			Attachments: models.StringList{}, QuickReplies: `[{"type":"text","text":"Yes"},{"type":"text","text":"No"}]`,
			CreatedOn: created, ModifiedOn: created},
		ContactUUID: exampleContact.UUID, ContactName: exampleContact.Name, ChannelUUID: &exampleChannel.UUID, ChannelName: &channelName,
		Labels: []models.Ref{},
	}
}()

var messagesWriteDocs = OperationDocs{Title: "Send Messages",
	Fields: []Param{
		{Name: "contact", Required: true, Help: "The UUID or URN of the contact to send to"},
		{Name: "text", Help: "The text of the message (at most 4096 characters)"},
		{Name: "attachments", Help: "Up to 10 attachments: UUIDs of uploaded media, or their content-type:url", Type: "array"},
		{Name: "quick_replies", Help: `Up to 10 quick replies, objects with a type (text, form, url or location; text when left out), a text and an extra`, Type: "array"},
	},
	Example: Example{Body: map[string]any{"contact": exampleContact.UUID, "text": exampleSentMsg.Text,
		"quick_replies": []any{map[string]any{"text": "Yes"}, map[string]any{"text": "No"}}},
		Status: http.StatusCreated, Answer: objectAnswer(convertMsg, exampleSentMsg)}}

// sendMsg sends one message to a contact, as RapidPro's POST messages.json does (through mailroom, at once):
// queued on the channel it goes out on, or failed when it can't go (the contact is blocked, stopped or
// archived, or has no URN a channel sends on). The answer is the message as GET shows it.
func sendMsg(c *Ctx) error {
	if c.weni() {
		return errMethod(http.MethodPost) // Weni's messages endpoint only lists
	}
	in, err := c.body()
	if err != nil {
		return err
	}
	contact, content, v, err := readMsgSend(c, in)
	if err != nil {
		return err
	}
	if v.failed() {
		return errValidation(v)
	}
	msg, err := c.flows().SendMessage(c.Request().Context(), c.ws(), contact, content, c.principal.User.ID)
	if err != nil {
		return err
	}
	answer, err := msgAnswer(c, msg.ID)
	if err != nil {
		return err
	}
	return c.respond(http.StatusCreated, answer)
}

// readMsgSend reads a message to send; field errors come in the order RapidPro's serializer declares its
// fields, and the check that there is something to send only once every field is valid.
func readMsgSend(c *Ctx, in *input) (*models.Contact, *core.MsgContent, *validation, error) {
	v := &validation{}
	contact, err := readContactRef(c, in, v, "contact")
	if err != nil {
		return nil, nil, nil, err
	}
	content := &core.MsgContent{}
	if text, _, ok := in.char(v, "text", charField{maxLen: maxMsgText}); ok && text != nil {
		content.Text = *text
	}
	if raw, present := in.values["attachments"]; present {
		attachments, problem, err := resolveAttachments(c, raw, in.form)
		if err != nil {
			return nil, nil, nil, err
		}
		v.addField("attachments", problem)
		for _, a := range attachments {
			content.Attachments = append(content.Attachments, utils.Attachment(a))
		}
	}
	if raw, present := in.values["quick_replies"]; present {
		qrs, problem := readQuickReplies(raw, in.form)
		v.addField("quick_replies", problem)
		content.QuickReplies = qrs
	}
	if !v.failed() && content.Text == "" && len(content.Attachments) == 0 {
		v.add(nonFieldErrors, "Must provide either text or attachments.")
	}
	return contact, content, v, nil
}

// readContactRef reads a field naming one active contact of the workspace by UUID or URN (normalized without
// the workspace's country), as RapidPro's ContactField does. Blocked and stopped contacts are found too.
func readContactRef(c *Ctx, in *input, v *validation, name string) (*models.Contact, error) {
	raw, present := in.values[name]
	if !present {
		v.add(name, "This field is required.")
		return nil, nil
	}
	if in.form {
		raw = lastFormValue(raw)
	}
	var value string
	switch t := raw.(type) {
	case nil:
		v.add(name, "This field may not be null.")
		return nil, nil
	case string:
		if t == "" {
			v.add(name, "This field may not be null.") // relation fields read "" as null
			return nil, nil
		}
		value = t
	case bool: // a Python bool is an int, so it gets as far as the lookup
		value = map[bool]string{true: "True", false: "False"}[t]
	case json.Number:
		if pythonType(t) != "int" {
			v.add(name, "Must be a string or integer")
			return nil, nil
		}
		value = t.String()
	default:
		v.add(name, "Must be a string or integer")
		return nil, nil
	}

	var uuids, identities []string
	u, isUUID := normalizeUUID(value)
	identity, isURN := urns.ReferenceIdentity(value)
	switch {
	case strings.ContainsRune(value, 0): // no contact has it, and PostgreSQL can't compare it
	case isUUID:
		uuids = []string{u}
	case isURN:
		identities = []string{string(identity)}
	}
	byUUID, byIdentity, err := c.store().FindContacts(c.Request().Context(), c.ws().ID, uuids, identities)
	if err != nil {
		return nil, err
	}
	contact := byUUID[u]
	if contact == nil && isURN {
		contact = byIdentity[string(identity)]
	}
	if contact == nil {
		v.add(name, "No such object: "+value)
	}
	return contact, nil
}
