package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/urns"
	gurns "github.com/nyaruka/gocommon/urns"
)

// Weni's filter_templates.json and filter_templates_new.json: the messages sent with a template, with their
// contacts. The first takes a required template name and pages with page_size/offset in contact order,
// answering {"results": [...]} alone; _new is a cursor listing, newest first. Both write a message's status
// and direction as RapidPro stores them, one letter each.

var exampleTemplateSend = func() models.TemplateSend {
	m := exampleTemplateContact.Msgs[0]
	m.ContactID = exampleContact.ID
	return models.TemplateSend{Msg: m, ContactUUID: exampleContact.UUID, ContactName: exampleContact.Name,
		URNScheme: ptr("whatsapp"), URNPath: ptr("5511999990001")}
}()

var filterTemplatesDocs = OperationDocs{Title: "Filter Contacts by Template",
	Params: []Param{
		{Name: "template", Required: true, Help: "The name of the template (not its UUID)"},
		{Name: "before", Help: "Only messages made before this date, e.g. 2025-01-01 or 2025-01-01T12:00:00Z"},
		{Name: "after", Help: "Only messages made after this date, e.g. 2025-01-01 or 2025-01-01T12:00:00Z"},
		{Name: "page_size", Help: "How many messages to answer (default 10)"},
		{Name: "offset", Help: "How many messages to skip (default 0)"},
	},
	Example: Example{Query: "template=order_shipped", Status: http.StatusOK, Answer: objectAnswer(convertTemplateSends, models.TemplateSends{exampleTemplateSend})}}

var filterTemplatesNewDocs = OperationDocs{Title: "List Messages Sent with Templates",
	Params: []Param{
		{Name: "template", Help: "A template name to filter by"},
		{Name: "before", Help: "Only messages made before this date"},
		{Name: "after", Help: "Only messages made after this date"},
		{Name: "limit", Help: "How many messages a page holds (default 250)"},
	},
	Example: Example{Query: "template=order_shipped", Status: http.StatusOK, Answer: listAnswer(convertTemplateSendNew, exampleTemplateSend)}}

// Bounds of filter_templates' window, which Weni leaves unbounded.
const maxFilterTemplatesPageSize = 10000

// msgStatusCodes and msgDirectionCodes are the one-letter codes RapidPro stores statuses and directions as.
var (
	msgStatusCodes = map[models.MsgStatus]string{models.MsgPending: "P", models.MsgHandled: "H", models.MsgQueued: "Q", models.MsgWired: "W",
		models.MsgSent: "S", models.MsgDelivered: "D", models.MsgRead: "V", models.MsgErrored: "E", models.MsgFailed: "F"}
	msgDirectionCodes = map[models.MsgDirection]string{models.MsgIn: "I", models.MsgOut: "O"}
)

type templateSendsOut struct {
	Results []templateSendOut `json:"results"`
}

type templateSendOut struct {
	ID         int64           `json:"id"`
	UUID       string          `json:"uuid"`
	Name       *string         `json:"name"`
	ContactURN *string         `json:"contact_urn"`
	Template   templateUsedOut `json:"template"`
}

type templateUsedOut struct {
	UUID      *string  `json:"uuid"`
	Name      *string  `json:"name"`
	Text      string   `json:"text"`
	CreatedOn apiTime  `json:"created_on"`
	SentOn    *apiTime `json:"sent_on"`
	Direction string   `json:"direction"`
	Status    string   `json:"status"`
}

type templateSendNewOut struct {
	UUID        string   `json:"uuid"`
	ContactID   int64    `json:"contact_id"`
	ContactUUID string   `json:"contact_uuid"`
	ContactURN  *string  `json:"contact_urn"`
	Template    *string  `json:"template"`
	Text        string   `json:"text"`
	CreatedOn   apiTime  `json:"created_on"`
	SentOn      *apiTime `json:"sent_on"`
	Status      string   `json:"status"`
}

func convertTemplateSends(c *Ctx, rows *models.TemplateSends) any {
	out := templateSendsOut{Results: make([]templateSendOut, len(*rows))}
	for i := range *rows {
		r := &(*rows)[i]
		var urn *string
		if r.URNScheme != nil {
			s := urns.ForAPI(urns.FromParts(*r.URNScheme, deref(r.URNPath), "", deref(r.URNDisplay)), c.ws().IsAnon, true)
			urn = &s
		}
		out.Results[i] = templateSendOut{ID: r.ContactID, UUID: r.ContactUUID, Name: r.ContactName, ContactURN: urn,
			Template: templateUsedOut{UUID: r.TemplateUUID, Name: r.TemplateName, Text: r.Text, CreatedOn: apiTime(r.CreatedOn),
				SentOn: optionalTime(r.SentOn), Direction: msgDirectionCodes[r.Direction], Status: msgStatusCodes[r.Status]}}
	}
	return out
}

func convertTemplateSendNew(c *Ctx, r *models.TemplateSend) any {
	var urn *string
	if r.URN != nil {
		s := urns.ForAPI(gurns.URN(*r.URN), c.ws().IsAnon, true)
		urn = &s
	}
	return templateSendNewOut{UUID: r.UUID, ContactID: r.ContactID, ContactUUID: r.ContactUUID, ContactURN: urn, Template: r.TemplateName,
		Text: r.Text, CreatedOn: apiTime(r.CreatedOn), SentOn: optionalTime(r.SentOn), Status: msgStatusCodes[r.Status]}
}

// getFilterTemplates answers a window of the messages sent with a template, its parameters validated as
// Weni's serializer validates them (every failing one reported).
func getFilterTemplates(c *Ctx) error {
	v := &validation{}
	template := ""
	if vals, ok := c.query["template"]; !ok {
		v.add("template", "This field is required.")
	} else if template = strings.TrimSpace(vals[0]); template == "" {
		v.add("template", "This field may not be blank.")
	}
	pageSize := windowParam(c, v, "page_size", 10, 1, maxFilterTemplatesPageSize)
	offset := windowParam(c, v, "offset", 0, 0, maxOffsetWindow)
	var made models.TimeRange
	made.Before = weniDateParam(c, v, "before")
	made.After = weniDateParam(c, v, "after")
	if v.failed() {
		return errValidation(v)
	}
	rows, err := c.store().TemplateSends(c.Request().Context(), c.ws().ID, template, made, pageSize, offset)
	if err != nil {
		return err
	}
	return c.respond(http.StatusOK, convertTemplateSends(c, &rows))
}

// windowParam reads an integer parameter as DRF's IntegerField does, within [lo, hi].
func windowParam(c *Ctx, v *validation, name string, def, lo, hi int) int {
	raw, ok := c.query[name]
	if !ok {
		return def
	}
	n, err := strconv.Atoi(strings.TrimSpace(raw[0]))
	switch {
	case err != nil && strings.TrimSpace(raw[0]) != "" && isDigits(strings.TrimSpace(raw[0])):
		v.add(name, "Ensure this value is less than or equal to "+strconv.Itoa(hi)+".")
	case err != nil:
		v.add(name, "A valid integer is required.")
	case n < lo:
		v.add(name, "Ensure this value is greater than or equal to "+strconv.Itoa(lo)+".")
	case n > hi:
		v.add(name, "Ensure this value is less than or equal to "+strconv.Itoa(hi)+".")
	}
	return n
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// weniDateParam reads filter_templates' before/after: an ISO 8601 time or a date (midnight UTC); anything
// else is a 400, unlike the other listings' dates.
func weniDateParam(c *Ctx, v *validation, name string) *time.Time {
	raw := c.query.Get(name)
	if raw == "" {
		return nil
	}
	t, err := parseISO8601(raw)
	if err != nil {
		v.add(name, "Invalid datetime format.")
		return nil
	}
	return &t
}

// listFilterTemplatesNew answers a page of the messages sent with a template, newest first.
func listFilterTemplatesNew(c *Ctx) error {
	q := c.store().TemplateMsgs(c.ws().ID).MadeIn(timeRange(c.query))
	if name := c.query.Get("template"); name != "" {
		q = q.Named(name)
	}
	ord := order{pageSize: weniPageSize(c)}
	return respondPage(c, ord, q.Page, convertEach(func(r *models.TemplateSend) any { return convertTemplateSendNew(c, r) }))
}
