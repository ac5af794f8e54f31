package api

import (
	"net/http"
	"time"

	"github.com/flowsd/flowsd/models"
)

var exampleBroadcast = models.BroadcastListing{
	Broadcast: models.Broadcast{ID: 1, UUID: "0199877e-0ed2-790b-b474-35099cea401c", Status: models.BroadcastQueued,
		Translations: `{"eng":{"text":"hello @contact.first_name"},"fra":{"text":"bonjour @contact.first_name"}}`,
		BaseLanguage: "eng", URNs: models.StringList{"tel:+250788123123"}, ContactCount: 3,
		CreatedOn: time.Date(2025, 1, 13, 8, 30, 24, 922024000, time.UTC)},
	Contacts: []models.ContactRef{{UUID: exampleContact.UUID, Name: exampleContact.Name}},
	Groups:   []models.GroupRef{{UUID: "04a4752b-0f49-480e-ae60-3a3f2bea485c", Name: "Subscribers"}},
	MsgCount: 2,
}

var broadcastsListDocs = OperationDocs{Title: "List Broadcasts",
	Params: []Param{
		{Name: "uuid", Help: "A broadcast UUID to filter by"},
		{Name: "id", Help: "A broadcast id to filter by (deprecated)"},
		{Name: "before", Help: "Only return broadcasts created before this date, e.g. 2015-01-28T18:00:00.000"},
		{Name: "after", Help: "Only return broadcasts created after this date, e.g. 2015-01-28T18:00:00.000"},
	},
	Example: Example{Query: "after=2025-01-01T00:00:00.000", Status: http.StatusOK, Answer: listAnswer(convertBroadcast, exampleBroadcast)}}

var broadcastsWriteDocs = OperationDocs{Title: "Send Broadcasts",
	Fields: []Param{
		{Name: "text", Help: "The text of the message: a string, or an object of translations by language (up to 4096 characters each)", Type: "string,object"},
		{Name: "attachments", Help: "Media UUIDs or content-type:URL strings (up to 10): a list, or an object of lists by language", Type: "array,object"},
		{Name: "quick_replies", Help: "Quick replies (up to 10): a list, or an object of lists by language", Type: "array,object"},
		{Name: "base_language", Help: "The language contacts without a translation of their own get (default: the first given)"},
		{Name: "urns", Help: "The URNs to send to (up to 100); contacts are created for URNs nobody has", Type: "array"},
		{Name: "contacts", Help: "The UUIDs or URNs of the contacts to send to (up to 100)", Type: "array"},
		{Name: "groups", Help: "The UUIDs or names of the contact groups to send to (up to 100)", Type: "array"},
	},
	Example: Example{Body: map[string]any{"urns": []any{"tel:+250788123123"}, "contacts": []any{exampleContact.UUID},
		"groups": []any{"04a4752b-0f49-480e-ae60-3a3f2bea485c"},
		"text":   map[string]any{"eng": "hello @contact.first_name", "fra": "bonjour @contact.first_name"}, "base_language": "eng"},
		Status: http.StatusCreated, Answer: objectAnswer(convertBroadcast, justPosted(exampleBroadcast))}}

// justPosted is a broadcast as a POST answers it: pending, its recipients not counted yet, no messages.
func justPosted(l models.BroadcastListing) models.BroadcastListing {
	l.Broadcast.Status, l.Broadcast.ContactCount, l.MsgCount = models.BroadcastPending, -1, 0
	return l
}

// broadcastOut is RapidPro's broadcast: its translations split into text, attachments and quick replies, each
// keyed by language in the order they were given.
type broadcastOut struct {
	UUID         string          `json:"uuid"`
	Status       string          `json:"status"`
	Progress     startProgress   `json:"progress"`
	URNs         []string        `json:"urns"`
	Contacts     []contactRefOut `json:"contacts"`
	Groups       []ref           `json:"groups"`
	Text         *jsonObject     `json:"text"`
	Attachments  *jsonObject     `json:"attachments"`
	QuickReplies *jsonObject     `json:"quick_replies"`
	BaseLanguage string          `json:"base_language"`
	CreatedOn    apiTime         `json:"created_on"`
	ID           int64           `json:"id"`
}

// broadcastOutWeni is RapidPro 7's, which Weni speaks: text only, and the old status words.
type broadcastOutWeni struct {
	ID        int64           `json:"id"`
	URNs      []string        `json:"urns"`
	Contacts  []contactRefOut `json:"contacts"`
	Groups    []ref           `json:"groups"`
	Text      *jsonObject     `json:"text"`
	Status    string          `json:"status"`
	CreatedOn apiTime         `json:"created_on"`
}

// weniBroadcastStatuses are RapidPro 7's words: a broadcast is queued until its messages are made.
var weniBroadcastStatuses = map[models.BroadcastStatus]string{
	models.BroadcastPending: "queued", models.BroadcastQueued: "queued", models.BroadcastStarted: "queued",
	models.BroadcastCompleted: "sent", models.BroadcastFailed: "failed", models.BroadcastInterrupted: "failed",
}

func convertBroadcast(c *Ctx, b *models.BroadcastListing) any {
	contacts, groups := contactRefsOut(b.Contacts), groupRefsOut(b.Groups)
	var urnList []string // null in anonymous workspaces
	if !c.ws().IsAnon {
		urnList = append([]string{}, b.URNs...)
	}
	text, attachments, quickReplies := newJSONObject(), newJSONObject(), newJSONObject()
	translations := storedObject(b.Translations)
	for _, lang := range translations.keys {
		t, _ := translations.get(lang)
		content, _ := t.(*jsonObject)
		if content == nil {
			content = newJSONObject()
		}
		value := func(key string, empty any) any {
			if v, ok := content.get(key); ok {
				return v
			}
			return empty
		}
		text.set(lang, value("text", nil))
		attachments.set(lang, value("attachments", []any{}))
		quickReplies.set(lang, value("quick_replies", []any{}))
	}
	if c.weni() {
		return broadcastOutWeni{ID: b.ID, URNs: urnList, Contacts: contacts, Groups: groups, Text: text,
			Status: weniBroadcastStatuses[b.Status], CreatedOn: apiTime(b.CreatedOn)}
	}
	total := b.ContactCount
	if total <= 0 {
		total = -1 // RapidPro shows none as -1 too (contact_count or -1)
	}
	return broadcastOut{UUID: b.UUID, Status: string(b.Status), Progress: startProgress{Total: total, Started: b.MsgCount},
		URNs: urnList, Contacts: contacts, Groups: groups, Text: text, Attachments: attachments, QuickReplies: quickReplies,
		BaseLanguage: b.BaseLanguage, CreatedOn: apiTime(b.CreatedOn), ID: b.ID}
}

func listBroadcasts(c *Ctx) error {
	q, err := filterUUIDAndID(c, c.store().Broadcasts(c.ws().ID).CreatedIn(timeRange(c.query)))
	if err != nil {
		return err
	}
	return respondPage(c, order{}, q.Page, convertEach(func(b *models.BroadcastListing) any { return convertBroadcast(c, b) }))
}
