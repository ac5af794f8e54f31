package api

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/flowsd/flowsd/models"
)

// Weni's whatsapp_broadcasts.json: a broadcast of its own type (W) whose msg object is kept whole as its
// metadata; the broadcast work expands it per contact into messages whose quick replies carry the WhatsApp
// interactive kinds (buttons, lists, CTA url, WhatsApp Flow, location request) for the WAC sender.

// Limits of Weni's WhatsappBroadcastWriteSerializer, and of WhatsApp's interactive messages.
const (
	maxWhatsAppQuickReplies = 10
	maxWhatsAppListItems    = 10
)

var whatsAppBroadcastQueues = []string{"wpp_broadcast_batch", "template_batch", "template_notification_batch"}

var exampleWhatsAppBroadcast = models.BroadcastListing{
	Broadcast: models.Broadcast{ID: 7, UUID: "0199877e-0ed2-790b-b474-35099cea4030", Status: models.BroadcastQueued,
		BroadcastType: models.BroadcastWhatsApp, URNs: models.StringList{"whatsapp:5511999990001"}, ContactCount: 1,
		Metadata:  strPtr(`{"text":"Olá @contact.first_name","quick_replies":["Sim","Não"],"queue":"wpp_broadcast_batch"}`),
		CreatedOn: time.Date(2025, 1, 13, 8, 30, 24, 922024000, time.UTC)},
	Contacts: []models.ContactRef{}, Groups: []models.GroupRef{{UUID: "9b8f5d1a-2c3e-4f50-8a6b-7c8d9e0f1a2b", Name: "Clientes"}},
}

func strPtr(s string) *string { return &s }

var whatsAppBroadcastsListDocs = OperationDocs{Title: "List WhatsApp Broadcasts",
	Params: []Param{
		{Name: "id", Help: "A broadcast id to filter by"},
		{Name: "before", Help: "Only return broadcasts created before this date, e.g. 2015-01-28T18:00:00.000"},
		{Name: "after", Help: "Only return broadcasts created after this date, e.g. 2015-01-28T18:00:00.000"},
	},
	Example: Example{Query: "after=2025-01-01T00:00:00.000", Status: http.StatusOK, Answer: listAnswer(convertWhatsAppBroadcast, exampleWhatsAppBroadcast)}}

var whatsAppBroadcastsWriteDocs = OperationDocs{Title: "Send WhatsApp Broadcasts",
	Fields: []Param{
		{Name: "msg", Help: "The message: text, attachments, template, buttons (the template's button parameters), header, footer, quick_replies (up to 10), list_message, cta_message, flow_message, interaction_type", Type: "object"},
		{Name: "urns", Help: "The URNs to send to (up to 1000); contacts are made for URNs nobody has", Type: "array"},
		{Name: "contacts", Help: "The UUIDs of the contacts to send to (up to 1000)", Type: "array"},
		{Name: "groups", Help: "The UUIDs or names of the contact groups to send to (up to 100)", Type: "array"},
		{Name: "channel", Help: "The UUID of the WhatsApp channel to send on (default: each contact's own)"},
		{Name: "queue", Help: "wpp_broadcast_batch (default), template_batch or template_notification_batch"},
		{Name: "name", Help: "A name for the broadcast"},
	},
	Example: Example{Body: map[string]any{"urns": []any{"whatsapp:5511999990001"}, "groups": []any{"9b8f5d1a-2c3e-4f50-8a6b-7c8d9e0f1a2b"},
		"queue": "wpp_broadcast_batch", "name": "Boas-vindas",
		"msg": map[string]any{"text": "Olá @contact.first_name", "quick_replies": []any{"Sim", "Não"}}},
		Status: http.StatusCreated, Answer: objectAnswer(convertWhatsAppBroadcast, justPosted(exampleWhatsAppBroadcast))}}

// whatsAppBroadcastOut is Weni's WhatsappBroadcastReadSerializer: text is null (these broadcasts have none of
// RapidPro's translations), channel is the raw foreign key and metadata is the msg object as given.
type whatsAppBroadcastOut struct {
	ID        int64           `json:"id"`
	URNs      []string        `json:"urns"`
	Contacts  []contactRefOut `json:"contacts"`
	Groups    []ref           `json:"groups"`
	Text      *jsonObject     `json:"text"`
	Status    string          `json:"status"`
	Channel   *int64          `json:"channel"`
	Metadata  any             `json:"metadata"`
	CreatedOn apiTime         `json:"created_on"`
}

func convertWhatsAppBroadcast(c *Ctx, b *models.BroadcastListing) any {
	var urnList []string // null in anonymous workspaces
	if !c.ws().IsAnon {
		urnList = append([]string{}, b.URNs...)
	}
	var metadata any = newJSONObject()
	if b.Metadata != nil {
		metadata = storedObject(*b.Metadata)
	}
	return whatsAppBroadcastOut{ID: b.ID, URNs: urnList, Contacts: contactRefsOut(b.Contacts), Groups: groupRefsOut(b.Groups),
		Status: weniBroadcastStatuses[b.Status], Channel: b.ChannelID, Metadata: metadata, CreatedOn: apiTime(b.CreatedOn)}
}

func listWhatsAppBroadcasts(c *Ctx) error {
	q := c.store().WhatsAppBroadcasts(c.ws().ID).CreatedIn(timeRange(c.query))
	id, err := intParam(c.query, "id")
	if err != nil {
		return err
	}
	if id != 0 {
		q = q.WithID(id)
	}
	return respondPage(c, order{}, q.Page, convertEach(func(b *models.BroadcastListing) any { return convertWhatsAppBroadcast(c, b) }))
}

func postWhatsAppBroadcast(c *Ctx) error {
	in, err := c.body()
	if err != nil {
		return err
	}
	spec, v, err := readWhatsAppBroadcast(c, in)
	if err != nil {
		return err
	}
	if v.failed() {
		return errValidation(v)
	}
	return createBroadcast(c, spec, c.store().WhatsAppBroadcasts(c.ws().ID), convertWhatsAppBroadcast)
}

// readWhatsAppBroadcast reads the body as Weni's serializer does: recipients, msg, channel, queue and name,
// then the checks across fields.
func readWhatsAppBroadcast(c *Ctx, in *input) (models.BroadcastSpec, *validation, error) {
	v := &validation{}
	spec := models.BroadcastSpec{CreatedByID: &c.principal.User.ID, Type: models.BroadcastWhatsApp, Translations: "{}", BaseLanguage: "base"}
	recipients, err := readBroadcastRecipients(c, in, v, &spec, maxWeniBroadcastRecipients, maxBroadcastRecipients)
	if err != nil {
		return spec, nil, err
	}
	raw, present := in.values["msg"]
	var msg *jsonObject
	switch t := raw.(type) {
	case nil:
		if present {
			v.add("msg", "This field may not be null.")
		} else {
			v.add("msg", "This field is required.")
		}
	case map[string]any:
		msg, _ = orderedBodyValue(in, "msg", t).(*jsonObject)
		for _, e := range checkWhatsAppMsg(t) {
			v.add("msg", e)
		}
	default:
		v.add("msg", fmt.Sprintf("Expected a dictionary of items but got type %q.", pyTypeName(raw)))
	}

	var channel *models.Channel
	if uuid, _, ok := in.char(v, "channel", charField{allowNull: true}); ok && uuid != nil {
		ch, err := c.store().Channels(c.ws().ID).WithUUID(*uuid).First(c.Request().Context())
		switch {
		case err != nil:
			return spec, nil, err
		case ch == nil:
			v.add("channel", "Channel not found")
		case ch.ChannelType != "WAC":
			v.add("channel", "Invalid channel type")
		default:
			channel = ch
			spec.ChannelID = &ch.ID
		}
	}
	queue := ""
	if q, _, ok := in.char(v, "queue", charField{allowNull: true}); ok && q != nil {
		queue = *q
		if !slices.Contains(whatsAppBroadcastQueues, queue) {
			v.add("queue", fmt.Sprintf("\"%s\" is not a valid choice.", queue))
		}
	}
	name := ""
	if n, _, ok := in.char(v, "name", charField{allowNull: true, allowBlank: true, maxLen: 255}); ok && n != nil {
		name = *n
	}
	if v.failed() {
		return spec, v, nil
	}
	if tmpl, ok := msg.get("template"); ok && tmpl != nil {
		if err := readWhatsAppTemplate(c, v, msg, tmpl, channel); err != nil {
			return spec, nil, err
		}
	}
	switch {
	case v.failed():
	case !recipients:
		v.add(nonFieldErrors, "Must provide either urns, contacts or groups")
	case queue == "template_batch" && (name == "" || len(spec.GroupIDs) == 0 || len(spec.ContactIDs) > 0):
		v.add(nonFieldErrors, "A template_batch broadcast needs a name and groups, and no contacts.")
	}
	if v.failed() {
		return spec, v, nil
	}
	if queue != "" {
		msg.set("queue", queue)
	}
	encoded, err := encodeJSON(msg, 0, false)
	if err != nil {
		return spec, nil, err
	}
	metadata := string(encoded)
	spec.Metadata = &metadata
	return spec, v, nil
}

// checkWhatsAppMsg checks a msg object's fields, as far as flowsd sends them; it answers the errors.
func checkWhatsAppMsg(m map[string]any) []string {
	var errs []string
	has := func(k string) bool { _, ok := m[k]; return ok }
	if !has("text") && !has("attachments") && !has("template") && !has("action_type") && !has("carousel") {
		return []string{"Must provide either text, attachments, template, action_type or carousel"}
	}
	if b, ok := m["buttons"]; ok && b != nil && m["template"] == nil {
		errs = append(errs, "buttons are a template's: the msg has no template.") // Weni would drop them silently
	}
	if t, ok := m["text"]; ok {
		if _, isString := t.(string); !isString {
			errs = append(errs, "text must be a string.")
		}
	}
	strings_ := func(key string) ([]string, bool) {
		raw, ok := m[key]
		if !ok {
			return nil, true
		}
		list, isList := raw.([]any)
		if !isList {
			return nil, false
		}
		out := make([]string, 0, len(list))
		for _, item := range list {
			s, isString := item.(string)
			if !isString {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	if atts, ok := strings_("attachments"); !ok {
		errs = append(errs, "attachments must be a list of strings.")
	} else {
		for _, a := range atts {
			if ct, url, found := strings.Cut(a, ":"); !found || !strings.Contains(ct, "/") || url == "" {
				errs = append(errs, fmt.Sprintf("Invalid attachment %q: expected content-type:url.", a))
				break
			}
		}
	}
	if qrs, ok := strings_("quick_replies"); !ok {
		errs = append(errs, "quick_replies must be a list of strings.")
	} else if len(qrs) > maxWhatsAppQuickReplies {
		errs = append(errs, fmt.Sprintf("Ensure quick_replies has no more than %d elements.", maxWhatsAppQuickReplies))
	}
	if raw, ok := m["header"]; ok {
		h, isObj := raw.(map[string]any)
		text, textOK := h["text"].(string)
		switch {
		case isObj && h["type"] == "text" && textOK && text != "":
		case isObj && h["type"] == "media" && hasMediaAttachment(toOrdered(m).(*jsonObject)):
		default:
			errs = append(errs, "header must be {\"type\": \"text\", \"text\": …}, or {\"type\": \"media\"} with an image, video or document attachment.")
		}
	}
	if raw, ok := m["footer"]; ok {
		if _, isString := raw.(string); !isString {
			errs = append(errs, "footer must be a string.")
		}
	}
	if raw, ok := m["list_message"]; ok {
		l, isObj := raw.(map[string]any)
		items, isList := l["list_items"].([]any)
		switch {
		case !isObj || !isList || len(items) == 0:
			errs = append(errs, "list_message must have list_items.")
		case len(items) > maxWhatsAppListItems:
			errs = append(errs, fmt.Sprintf("Ensure list_items has no more than %d elements.", maxWhatsAppListItems))
		default:
			for _, it := range items {
				item, _ := it.(map[string]any)
				if title, _ := item["title"].(string); title == "" {
					errs = append(errs, "Every list item needs a title.")
					break
				}
			}
		}
	}
	if raw, ok := m["cta_message"]; ok {
		cta, _ := raw.(map[string]any)
		u, _ := cta["url"].(string)
		d, _ := cta["display_text"].(string)
		if u == "" || d == "" {
			errs = append(errs, "cta_message needs url and display_text.")
		}
	}
	if raw, ok := m["flow_message"]; ok {
		f, _ := raw.(map[string]any)
		if id, _ := f["flow_id"].(string); id == "" {
			errs = append(errs, "flow_message needs a flow_id.")
		}
	}
	if raw, ok := m["interaction_type"]; ok {
		switch raw {
		case "flow_msg", "cta_url", "location":
		default:
			errs = append(errs, fmt.Sprintf("Unsupported interaction_type %v.", raw))
		}
	}
	return errs
}

// pyTypeName is the Python type name DRF's messages give a JSON value.
func pyTypeName(raw any) string {
	switch raw.(type) {
	case string:
		return "str"
	case bool:
		return "bool"
	case float64:
		return "float"
	case []any:
		return "list"
	}
	return "NoneType"
}

func objHas(o *jsonObject, k string) bool { _, ok := o.get(k); return ok }
