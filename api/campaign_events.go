package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/flowsd/flowsd/models"
)

// maxEventMessageLen bounds each translation of a message event, as RapidPro's message length does.
const maxEventMessageLen = 4096

var (
	exampleEventField = models.SystemCreatedOn
	exampleEventMsg   = `{"eng":"Don't forget to register","kin":"Ntiwibagirwe kwiyandikisha"}`
	exampleEvent      = models.EventListing{CampaignEvent: models.CampaignEvent{UUID: "6a6d7531-6b44-4c45-8c33-957ddd8dfabc",
		Offset: 12, Unit: "days", DeliveryHour: 9, EventType: models.EventMessage, Message: &exampleEventMsg,
		StartMode: models.StartInterrupt, IsActive: true, CreatedOn: exampleCampaignTime.Add(time.Minute),
		RelativeToSystem: &exampleEventField}, CampaignUUID: exampleCampaign.UUID, CampaignName: exampleCampaign.Name}
)

var campaignEventsListDocs = OperationDocs{Title: "List Campaign Events",
	Params: []Param{
		{Name: "uuid", Help: "A campaign event UUID to filter by"},
		{Name: "campaign", Help: "A campaign UUID or name to filter by"},
	},
	Example: Example{Query: "campaign=" + exampleCampaign.UUID, Status: http.StatusOK, Answer: listAnswer(convertCampaignEvent, exampleEvent)}}

var campaignEventsWriteDocs = OperationDocs{Title: "Add or Update Campaign Events",
	Params: []Param{{Name: "uuid", Help: "The UUID of the campaign event to update"}},
	Fields: []Param{
		{Name: "campaign", Required: true, Help: "The UUID of the campaign the event belongs to (it can't change)"},
		{Name: "relative_to", Required: true, Help: "The key of the date field the event is relative to: a datetime contact field, created_on or last_seen_on"},
		{Name: "offset", Required: true, Help: "How many units before (negative) or after the date the event fires", Type: "integer"},
		{Name: "unit", Required: true, Help: "The unit of the offset: minutes, hours, days or weeks"},
		{Name: "delivery_hour", Required: true, Help: "The hour of the day (0 to 23) the event fires at, or -1 for the hour of the date", Type: "integer"},
		{Name: "message", Help: "The message to send: text, or text by language, which must include the workspace's default language (4096 characters each at most)", Type: "string,object"},
		{Name: "flow", Help: "The UUID of the flow to start; give either a message or a flow"},
	},
	Example: Example{Body: map[string]any{"campaign": exampleCampaign.UUID, "relative_to": exampleEventField, "offset": 12,
		"unit": "days", "delivery_hour": 9, "message": map[string]any{"eng": "Don't forget to register", "kin": "Ntiwibagirwe kwiyandikisha"}},
		Status: http.StatusCreated, Answer: objectAnswer(convertCampaignEvent, exampleEvent)}}

var campaignEventsDeleteDocs = OperationDocs{Title: "Delete Campaign Events",
	Params:  []Param{{Name: "uuid", Required: true, Help: "The UUID of the campaign event to delete"}},
	Example: Example{Query: "uuid=" + exampleEvent.UUID, Status: http.StatusNoContent}}

type relativeToOut struct {
	Key   string `json:"key"`
	Name  string `json:"name"`
	Label string `json:"label"` // deprecated: the name
}

// campaignEventOut is RapidPro's campaign event.
type campaignEventOut struct {
	UUID         string        `json:"uuid"`
	Campaign     ref           `json:"campaign"`
	RelativeTo   relativeToOut `json:"relative_to"`
	Offset       int           `json:"offset"`
	Unit         string        `json:"unit"`
	DeliveryHour int           `json:"delivery_hour"`
	Flow         *ref          `json:"flow"`
	Message      *jsonObject   `json:"message"`
	CreatedOn    apiTime       `json:"created_on"`
}

type relativeToOutWeni struct {
	Key   string `json:"key"`
	Label string `json:"label"`
}

// campaignEventOutWeni is RapidPro 7's shape, which Weni speaks: relative_to has a label and no name, and the
// message comes before the flow.
type campaignEventOutWeni struct {
	UUID         string            `json:"uuid"`
	Campaign     ref               `json:"campaign"`
	RelativeTo   relativeToOutWeni `json:"relative_to"`
	Offset       int               `json:"offset"`
	Unit         string            `json:"unit"`
	DeliveryHour int               `json:"delivery_hour"`
	Message      *jsonObject       `json:"message"`
	Flow         *ref              `json:"flow"`
	CreatedOn    apiTime           `json:"created_on"`
}

func convertCampaignEvent(c *Ctx, e *models.EventListing) any {
	var flow *ref
	if e.EventType == models.EventFlow && e.FlowUUID != nil {
		flow = &ref{UUID: *e.FlowUUID, Name: *e.FlowName}
	}
	var msg *jsonObject
	if e.EventType == models.EventMessage && e.Message != nil {
		msg = storedObject(*e.Message)
	}
	campaign := ref{UUID: e.CampaignUUID, Name: e.CampaignName}
	if c.weni() {
		return campaignEventOutWeni{UUID: e.UUID, Campaign: campaign, RelativeTo: relativeToOutWeni{Key: e.RelativeToKey(), Label: e.RelativeToName()},
			Offset: e.Offset, Unit: e.Unit, DeliveryHour: e.DeliveryHour, Message: msg, Flow: flow, CreatedOn: apiTime(e.CreatedOn)}
	}
	return campaignEventOut{UUID: e.UUID, Campaign: campaign,
		RelativeTo: relativeToOut{Key: e.RelativeToKey(), Name: e.RelativeToName(), Label: e.RelativeToName()},
		Offset:     e.Offset, Unit: e.Unit, DeliveryHour: e.DeliveryHour, Flow: flow, Message: msg, CreatedOn: apiTime(e.CreatedOn)}
}

// listCampaignEvents answers a page of the events of active campaigns, the newest first. A ?campaign= naming
// no campaign gives an empty page.
func listCampaignEvents(c *Ctx) error {
	ctx := c.Request().Context()
	q, err := filterUUID(c, c.store().CampaignEvents(c.ws().ID))
	if err != nil {
		return err
	}
	if value := c.query.Get("campaign"); value != "" {
		u, _ := normalizeUUID(value)
		var campaign *models.Campaign
		if !strings.ContainsRune(value, 0) {
			if campaign, err = c.store().FindCampaign(ctx, c.ws().ID, u, value); err != nil {
				return err
			}
		}
		if campaign == nil {
			q = q.OfCampaign(0)
		} else {
			q = q.OfCampaign(campaign.ID)
		}
	}
	return respondPage(c, order{}, q.Page, convertEach(func(e *models.EventListing) any { return convertCampaignEvent(c, e) }))
}

// writeCampaignEvent creates an event (201), or with ?uuid= updates it (200): in place, its fires moving when
// its timing changes; in Weni workspaces, as RapidPro 7 and 8 do, by replacing it with a new event of
// a new UUID.
func writeCampaignEvent(c *Ctx) error {
	ctx, store, ws := c.Request().Context(), c.store(), c.ws()
	_, uuid, err := lookup(c.query, "uuid")
	if err != nil {
		return err
	}
	var existing *models.EventListing
	if uuid != "" {
		existing, err = store.GetCampaignEvent(ctx, ws.ID, uuid)
		if models.IsNotFound(err) {
			return errNotFound()
		}
		if err != nil {
			return err
		}
	}
	in, err := c.body()
	if err != nil {
		return err
	}

	v := &validation{}
	ev := &models.CampaignEvent{StartMode: models.StartInterrupt}

	if raw, ok := in.relation(v, "campaign", true); ok {
		var campaign *models.CampaignListing
		if u, isUUID := normalizeUUID(inputText(raw)); isUUID {
			if campaign, err = store.GetCampaign(ctx, ws.ID, u); err != nil && !errNoSuchObject(err) {
				return err
			}
		}
		switch {
		case campaign == nil:
			v.add("campaign", noSuchObject(raw))
		case existing != nil && campaign.ID != existing.CampaignID:
			v.add("campaign", "Cannot change campaign for existing events")
		default:
			ev.CampaignID = campaign.ID
		}
	}

	if raw, ok := in.relation(v, "relative_to", true); ok {
		key := strings.TrimSpace(inputText(raw))
		if _, system := models.SystemDateNames[key]; system {
			ev.RelativeToSystem = &key
		} else {
			var field *models.Field
			if !strings.ContainsRune(key, 0) {
				if field, err = store.GetField(ctx, ws.ID, key); err != nil && !errNoSuchObject(err) {
					return err
				}
			}
			switch {
			case field == nil || field.ID == 0:
				v.add("relative_to", noSuchObject(raw))
			case field.ValueType != models.FieldDatetime:
				v.add("relative_to", "Contact field must be of type datetime: "+key)
			default:
				ev.RelativeToID = &field.ID
			}
		}
	}

	if n, ok := in.integer(v, "offset", true, nil, nil); ok {
		ev.Offset = n
	}
	if unit, _, ok := in.choice(v, "unit", true, models.EventUnits...); ok {
		ev.Unit = unit
	}
	if n, ok := in.integer(v, "delivery_hour", true, ptr(-1), ptr(23)); ok {
		ev.DeliveryHour = n
	}

	var message *translated
	if raw, present := in.values["message"]; present && raw != nil {
		isText := func(raw any) bool { _, s := raw.(string); return s }
		t, _, ok, err := readTranslated(c, in, v, "message", isText, translatedText(maxEventMessageLen))
		if err != nil {
			return err
		}
		if ok && !t.has(defaultLanguage(c)) {
			v.add("message", "Message text in default flow language is required.")
		} else if ok {
			message = t
		}
	}

	var flow *models.Flow
	if raw, present := in.values["flow"]; present && raw != nil {
		if raw, ok := in.relation(v, "flow", false); ok {
			if u, isUUID := normalizeUUID(inputText(raw)); isUUID {
				if flow, err = store.GetFlow(ctx, ws.ID, u); err != nil && !errNoSuchObject(err) {
					return err
				}
			}
			if flow == nil || flow.ID == 0 {
				v.add("flow", noSuchObject(raw))
				flow = nil
			}
		}
	}
	if c.weni() {
		in.boolean(v, "new_expressions", false) // RapidPro 7's input; flowsd's messages always evaluate expressions
	}
	if v.failed() {
		return errValidation(v)
	}
	if (message == nil) == (flow == nil) {
		return errNonField("Flow or a message text required.")
	}
	if flow != nil {
		ev.EventType, ev.FlowID = models.EventFlow, &flow.ID
	} else {
		ev.EventType = models.EventMessage
		stored := translationsText(message, defaultLanguage(c))
		ev.Message = &stored
	}

	var out *models.EventListing
	status := http.StatusOK
	switch {
	case existing == nil:
		out, err = store.CreateCampaignEvent(ctx, ws.ID, ev)
		status = http.StatusCreated
	case c.weni():
		out, err = store.ReplaceCampaignEvent(ctx, ws.ID, existing, ev)
	default:
		out, err = store.UpdateCampaignEvent(ctx, ws.ID, existing, ev)
	}
	if models.IsNotFound(err) { // the event or its campaign went since they were read
		return errNotFound()
	}
	if err != nil {
		return err
	}
	return c.respond(status, convertCampaignEvent(c, out))
}

// translationsText writes a message's translations as the store keeps them: a JSON object, its base language
// (the workspace's default) first, then the others in the order they were given.
func translationsText(t *translated, base string) string {
	obj := &jsonObject{keys: []string{base}, vals: map[string]any{base: t.values[base]}}
	for _, lang := range t.langs {
		if lang != base {
			obj.keys = append(obj.keys, lang)
			obj.vals[lang] = t.values[lang]
		}
	}
	b, _ := encodeJSON(obj, 0, false)
	return strings.TrimSpace(string(b))
}

// deleteCampaignEvent soft-deletes the event ?uuid= names (204).
func deleteCampaignEvent(c *Ctx) error {
	_, uuid, err := requireLookup(c.query, "uuid")
	if err != nil {
		return err
	}
	err = c.store().DeleteCampaignEvent(c.Request().Context(), c.ws().ID, uuid)
	if models.IsNotFound(err) {
		return errNotFound()
	}
	if err != nil {
		return err
	}
	return c.noContent()
}

// decimalSuffix is what DRF's IntegerField strips before reading an integer: "5.0" is 5.
var decimalSuffix = regexp.MustCompile(`\.0*\s*$`)

// integer reads name as a DRF IntegerField with optional bounds. ok is false when it is absent or failed.
func (in *input) integer(v *validation, name string, required bool, min, max *int) (int, bool) {
	raw, present := in.values[name]
	if !present {
		if required {
			v.add(name, "This field is required.")
		}
		return 0, false
	}
	if in.form {
		raw = lastFormValue(raw)
	}
	var text string
	switch t := raw.(type) {
	case nil:
		v.add(name, "This field may not be null.")
		return 0, false
	case string:
		if len(t) > 1000 {
			v.add(name, "String value too large.")
			return 0, false
		}
		text = t
	case json.Number:
		text = t.String()
	default:
		v.add(name, "A valid integer is required.")
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimSpace(decimalSuffix.ReplaceAllString(text, "")))
	if err != nil {
		v.add(name, "A valid integer is required.")
		return 0, false
	}
	if max != nil && n > *max {
		v.add(name, fmt.Sprintf("Ensure this value is less than or equal to %d.", *max))
		return 0, false
	}
	if min != nil && n < *min {
		v.add(name, fmt.Sprintf("Ensure this value is greater than or equal to %d.", *min))
		return 0, false
	}
	return n, true
}
