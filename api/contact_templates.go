package api

import (
	"net/http"
	"time"

	"github.com/flowsd/flowsd/models"
)

// Weni's contact_templates.json and contact_templates_new.json: the contacts who were sent a message with a
// template, newest contact first, each with those messages. The two differ only in the template items: the
// first writes the template's UUID and name, _new only the name, and takes ?template= to keep one template's.

var exampleTemplateContact = func() templateContact {
	sent := exampleTime.Add(10 * time.Second)
	return templateContact{Contact: exampleContact.Contact, URNs: []models.ContactURN{{Scheme: "whatsapp", Path: "5511999990001", Identity: "whatsapp:5511999990001"}},
		Msgs: []models.Msg{{UUID: "0199bb98-4a1c-7d2e-9b3f-6c5d4e3f2a10", Direction: models.MsgOut, Status: models.MsgDelivered,
			Text: "Hi Ben, your order has shipped", TemplateUUID: ptr("44019537-9afe-4898-9626-a5c724d169ef"), TemplateName: ptr("order_shipped"),
			CreatedOn: exampleTime, SentOn: &sent}}}
}()

var contactTemplatesParams = []Param{
	{Name: "contact", Help: "A contact UUID to filter by"},
	{Name: "group", Help: "A group name or UUID to filter by"},
	{Name: "before", Help: "Only return contacts sent a template before this date"},
	{Name: "after", Help: "Only return contacts sent a template after this date"},
	{Name: "limit", Help: "How many contacts a page holds (default 250)"},
}

var contactTemplatesDocs = OperationDocs{Title: "List Contacts Sent Templates", Params: contactTemplatesParams,
	Example: Example{Status: http.StatusOK, Answer: listAnswer(convertTemplateContact, exampleTemplateContact)}}

var contactTemplatesNewDocs = OperationDocs{Title: "List Contacts Sent Templates (by name)",
	Params:  append([]Param{{Name: "template", Help: "A template name: only contacts sent it, with only its messages"}}, contactTemplatesParams...),
	Example: Example{Status: http.StatusOK, Answer: listAnswer(convertTemplateContactNew, exampleTemplateContact)}}

// templateContact is a contact with its URNs and the templated messages it was sent.
type templateContact struct {
	models.Contact
	URNs []models.ContactURN
	Msgs []models.Msg
}

// templateContactBase is what both endpoints write of a contact.
type templateContactBase struct {
	UUID       string   `json:"uuid"`
	ID         int64    `json:"id"`
	Name       *string  `json:"name"`
	URNs       []string `json:"urns"`
	CreatedOn  apiTime  `json:"created_on"`
	ModifiedOn apiTime  `json:"modified_on"`
	LastSeenOn *apiTime `json:"last_seen_on"`
}

type templateContactOut struct {
	templateContactBase
	Templates []contactTemplateOut `json:"templates"`
}

type templateContactNewOut struct {
	templateContactBase
	Templates []contactTemplateNewOut `json:"templates"`
}

type contactTemplateOut struct {
	UUID string `json:"uuid"`
	contactTemplateNewOut
}

type contactTemplateNewOut struct {
	Name      string   `json:"name"`
	Text      string   `json:"text"`
	CreatedOn apiTime  `json:"created_on"`
	SentOn    *apiTime `json:"sent_on"`
	Direction string   `json:"direction"`
	Status    string   `json:"status"`
}

// weniMsgStatus is the word Weni's contact_templates writes a message's status with: ours, but that a
// pending message is queued to users.
func weniMsgStatus(s models.MsgStatus) string {
	if s == models.MsgPending {
		return string(models.MsgQueued)
	}
	return string(s)
}

func convertTemplateContact(c *Ctx, tc *templateContact) any {
	out := templateContactOut{templateContactBase: writeTemplateContact(c, tc), Templates: []contactTemplateOut{}}
	for i := range tc.Msgs {
		out.Templates = append(out.Templates, contactTemplateOut{UUID: deref(tc.Msgs[i].TemplateUUID), contactTemplateNewOut: writeTemplateMsg(&tc.Msgs[i])})
	}
	return out
}

func convertTemplateContactNew(c *Ctx, tc *templateContact) any {
	out := templateContactNewOut{templateContactBase: writeTemplateContact(c, tc), Templates: []contactTemplateNewOut{}}
	for i := range tc.Msgs {
		out.Templates = append(out.Templates, writeTemplateMsg(&tc.Msgs[i]))
	}
	return out
}

func writeTemplateContact(c *Ctx, tc *templateContact) templateContactBase {
	out := templateContactBase{UUID: tc.UUID, ID: tc.ID, Name: tc.Name, URNs: []string{},
		CreatedOn: apiTime(tc.CreatedOn), ModifiedOn: apiTime(tc.ModifiedOn), LastSeenOn: optionalTime(tc.LastSeenOn)}
	w := contactWriter{c: c}
	for _, u := range tc.URNs {
		out.URNs = append(out.URNs, w.writeURN(u).(string))
	}
	return out
}

func writeTemplateMsg(m *models.Msg) contactTemplateNewOut {
	// Weni meant Out for outgoing messages (its code compares the wrong word and always writes Incoming)
	direction := "Incoming"
	if m.Direction == models.MsgOut {
		direction = "Out"
	}
	return contactTemplateNewOut{Name: deref(m.TemplateName), Text: m.Text, CreatedOn: apiTime(m.CreatedOn),
		SentOn: optionalTime(m.SentOn), Direction: direction, Status: weniMsgStatus(m.Status)}
}

func listContactTemplates(c *Ctx) error { return listTemplateContacts(c, "", convertTemplateContact) }

func listContactTemplatesNew(c *Ctx) error {
	name := c.query.Get("template")
	if name != "" {
		// Weni looks the template up first: one no message was sent with is, to flowsd, one it doesn't know
		used, err := c.store().TemplateUsed(c.Request().Context(), c.ws().ID, name)
		if err != nil {
			return err
		}
		if !used {
			return errNotFound()
		}
	}
	return listTemplateContacts(c, name, convertTemplateContactNew)
}

// listTemplateContacts answers a page of the contacts sent a template (the one named, unless ""), newest
// first; before/after apply to when the messages were sent, and ?limit= sets the page size.
func listTemplateContacts(c *Ctx, template string, convert func(*Ctx, *templateContact) any) error {
	ctx := c.Request().Context()
	q := c.store().Contacts(c.ws().ID, false).ByCreation().WithTemplateMsgs(template, timeRange(c.query))
	if ref := c.query.Get("contact"); ref != "" {
		u, ok := normalizeUUID(ref)
		if !ok {
			return errQuery("Value for contact must be a valid UUID")
		}
		q = q.WithUUID(u)
	}
	q, err := filterContactGroup(c, q)
	if err != nil {
		return err
	}
	ord := order{pageSize: weniPageSize(c)}
	return respondPage(c, ord, q.Page, func(rows []models.Contact) ([]any, error) {
		ids := make([]int64, len(rows))
		for i := range rows {
			ids[i] = rows[i].ID
		}
		details, err := c.store().LoadContactDetails(ctx, ids)
		if err != nil {
			return nil, err
		}
		msgs, err := c.store().TemplateMsgsOf(ctx, c.ws().ID, ids, template)
		if err != nil {
			return nil, err
		}
		out := make([]any, len(rows))
		for i := range rows {
			tc := &templateContact{Contact: rows[i], Msgs: msgs[rows[i].ID]}
			if d := details[rows[i].ID]; d != nil {
				tc.URNs = d.URNs
			}
			out[i] = convert(c, tc)
		}
		return out, nil
	})
}
