package api

import (
	"net/http"
	"time"

	"github.com/flowsd/flowsd/models"
)

var exampleChannelEvent = models.ChannelEventListing{
	ChannelEvent: models.ChannelEvent{ID: 4, UUID: "5e6e9f4d-2a5c-4e2b-a1f4-3f2e6b8c9d01", EventType: "referral",
		Extra:      `{"source": "ad", "ad_id": "1234"}`,
		OccurredOn: time.Date(2025, 1, 6, 15, 33, 0, 813162000, time.UTC), CreatedOn: time.Date(2025, 1, 6, 15, 33, 1, 675716000, time.UTC)},
	ContactUUID: exampleContact.UUID, ContactName: exampleContact.Name, ChannelUUID: exampleChannel.UUID, ChannelName: exampleChannel.Name,
}

var channelEventsListDocs = OperationDocs{Title: "List Channel Events",
	Params: []Param{
		{Name: "id", Help: "A channel event id to filter by"},
		{Name: "contact", Help: "A contact UUID to filter by"},
		{Name: "before", Help: "Only return events created before this date, e.g. 2015-01-28T18:00:00.000"},
		{Name: "after", Help: "Only return events created after this date, e.g. 2015-01-28T18:00:00.000"},
	},
	Example: Example{Query: "after=2024-01-01T00:00:00.000", Status: http.StatusOK, Answer: listAnswer(convertChannelEvent, exampleChannelEvent)}}

// channelEventOut is RapidPro's channel event.
type channelEventOut struct {
	ID         int64         `json:"id"`
	Type       *string       `json:"type"`
	Contact    contactRefOut `json:"contact"`
	Channel    ref           `json:"channel"`
	Extra      *jsonObject   `json:"extra"`
	OccurredOn apiTime       `json:"occurred_on"`
	CreatedOn  apiTime       `json:"created_on"`
}

// channelEventTypes are the API's words for the stored event types (RapidPro's codes).
var channelEventTypes = map[string]string{
	"mt_call": "call-out", "mt_miss": "call-out-missed", "mo_call": "call-in", "mo_miss": "call-in-missed",
	"stop_contact": "stop-contact", "new_conversation": "new-conversation", "referral": "referral",
	"welcome_message": "welcome-message", "optin": "optin", "optout": "optout", "delete_contact": "delete-contact",
}

// weniChannelEventTypes are the words Weni (RapidPro 7) has; it calls every other type unknown.
var weniChannelEventTypes = map[string]bool{
	"call-out": true, "call-out-missed": true, "call-in": true, "call-in-missed": true, "stop-contact": true,
	"new-conversation": true, "referral": true, "welcome-message": true,
}

func convertChannelEvent(c *Ctx, e *models.ChannelEventListing) any {
	var kind *string
	if word, ok := channelEventTypes[e.EventType]; ok {
		kind = &word
	}
	if c.weni() && (kind == nil || !weniChannelEventTypes[*kind]) {
		kind = ptr("unknown")
	}
	return channelEventOut{ID: e.ID, Type: kind, Contact: contactRefOut{UUID: e.ContactUUID, Name: e.ContactName},
		Channel: ref{UUID: e.ChannelUUID, Name: e.ChannelName}, Extra: storedObject(e.Extra),
		OccurredOn: apiTime(e.OccurredOn), CreatedOn: apiTime(e.CreatedOn)}
}

func listChannelEvents(c *Ctx) error {
	q := c.store().ChannelEvents(c.ws().ID).OfActiveContacts()
	id, err := intParam(c.query, "id")
	if err != nil {
		return err
	}
	if id != 0 {
		q = q.WithID(id)
	}
	if contact := c.query.Get("contact"); contact != "" {
		if u, ok := normalizeUUID(contact); ok {
			q = q.OfContact(u)
		} else {
			q = q.Nothing()
		}
	}
	q = q.CreatedIn(timeRange(c.query))
	return respondPage(c, order{}, q.Page, convertEach(func(e *models.ChannelEventListing) any { return convertChannelEvent(c, e) }))
}
