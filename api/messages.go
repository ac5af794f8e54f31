package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/flowsd/flowsd/models"
)

// exampleMsg is a reply waiting in the outbox for its channel.
var exampleMsg = func() models.MsgListing {
	urn, channelName := "tel:+250788123123", exampleChannel.Name
	created := time.Date(2025, 1, 6, 15, 33, 0, 813162000, time.UTC)
	return models.MsgListing{
		Msg: models.Msg{ID: 4105, UUID: "0199bb98-4a1c-7d2e-9b3f-6c5d4e3f2a10", URN: &urn, Direction: models.MsgOut,
			Status: models.MsgQueued, Visibility: models.MsgVisible, Text: "Your appointment is tomorrow at 10am. Can you make it?",
			Attachments: models.StringList{}, QuickReplies: `[{"type":"text","text":"Yes"},{"type":"text","text":"No"}]`,
			CreatedOn: created, ModifiedOn: created},
		ContactUUID: exampleContact.UUID, ContactName: exampleContact.Name, ChannelUUID: &exampleChannel.UUID, ChannelName: &channelName,
		Labels: []models.Ref{},
	}
}()

var messagesListDocs = OperationDocs{Title: "List Messages",
	Params: []Param{
		{Name: "uuid", Help: "A message UUID to filter by"},
		{Name: "id", Help: "A message id to filter by (deprecated)"},
		{Name: "broadcast", Help: "A broadcast id to filter by"},
		{Name: "contact", Help: "A contact UUID to filter by"},
		{Name: "folder", Help: "A folder name to filter by, one of: inbox, flows, archived, outbox, sent, failed (incoming too in Weni workspaces)"},
		{Name: "label", Help: "A label name or UUID to filter by"},
		{Name: "before", Help: "Only return messages created before this date, e.g. 2015-01-28T18:00:00.000"},
		{Name: "after", Help: "Only return messages created after this date, e.g. 2015-01-28T18:00:00.000"},
	},
	Example: Example{Query: "folder=outbox&after=2024-01-01T00:00:00.000", Status: http.StatusOK, Answer: listAnswer(convertMsg, exampleMsg)}}

// msgOut is RapidPro's message, with its deprecated fields (media, id, broadcast).
type msgOut struct {
	UUID         string          `json:"uuid"`
	Contact      contactRefOut   `json:"contact"`
	URN          *string         `json:"urn"`
	Channel      *ref            `json:"channel"`
	Direction    string          `json:"direction"`
	Type         string          `json:"type"`
	Status       string          `json:"status"`
	Archived     bool            `json:"archived"`
	Visibility   string          `json:"visibility"`
	Text         string          `json:"text"`
	Labels       []ref           `json:"labels"`
	Flow         *ref            `json:"flow"`
	Attachments  []attachmentOut `json:"attachments"`
	QuickReplies []quickReplyOut `json:"quick_replies"`
	CreatedOn    apiTime         `json:"created_on"`
	SentOn       *apiTime        `json:"sent_on"`
	ModifiedOn   apiTime         `json:"modified_on"`
	Media        *string         `json:"media"`
	ID           int64           `json:"id"`
	Broadcast    *int64          `json:"broadcast"`
}

// msgOutWeni is RapidPro 8.3's message without its flow and quick replies, as Weni writes it, with Weni's types.
type msgOutWeni struct {
	ID          int64           `json:"id"`
	Broadcast   *int64          `json:"broadcast"`
	Contact     contactRefOut   `json:"contact"`
	URN         *string         `json:"urn"`
	Channel     *ref            `json:"channel"`
	Direction   string          `json:"direction"`
	Type        string          `json:"type"`
	Status      string          `json:"status"`
	Archived    bool            `json:"archived"`
	Visibility  string          `json:"visibility"`
	Text        string          `json:"text"`
	Labels      []ref           `json:"labels"`
	Attachments []attachmentOut `json:"attachments"`
	CreatedOn   apiTime         `json:"created_on"`
	SentOn      *apiTime        `json:"sent_on"`
	ModifiedOn  apiTime         `json:"modified_on"`
	Media       *string         `json:"media"`
}

type attachmentOut struct {
	ContentType string `json:"content_type"`
	URL         string `json:"url"`
}

// quickReplyOut is a quick reply as the engine writes it: always a type.
type quickReplyOut struct {
	Type  string `json:"type"`
	Text  string `json:"text,omitempty"`
	Extra string `json:"extra,omitempty"`
}

// msgStatuses are the API's words for the stored statuses: to users, a message waiting to be handled is as
// queued as one waiting to be sent.
var msgStatuses = map[models.MsgStatus]string{
	models.MsgPending: "queued", models.MsgHandled: "handled", models.MsgQueued: "queued", models.MsgWired: "wired",
	models.MsgSent: "sent", models.MsgDelivered: "delivered", models.MsgRead: "read", models.MsgErrored: "errored",
	models.MsgFailed: "failed",
}

// convertMsg writes a message as the listing reads it, in the workspace's profile. A write answers with the
// same object: msgAnswer reads it.
func convertMsg(c *Ctx, m *models.MsgListing) any {
	contact := contactRefOut{UUID: m.ContactUUID, Name: m.ContactName}
	var channel *ref
	if m.ChannelUUID != nil {
		channel = &ref{UUID: *m.ChannelUUID, Name: deref(m.ChannelName)}
	}
	var urn *string
	if !c.ws().IsAnon {
		urn = m.URN
	}
	labels := make([]ref, 0, len(m.Labels))
	if m.Direction == models.MsgIn {
		for _, l := range m.Labels {
			labels = append(labels, ref{UUID: l.UUID, Name: l.Name})
		}
	}
	attachments := make([]attachmentOut, len(m.Attachments))
	for i, a := range m.Attachments {
		// stored as the engine writes them, "content-type:url"; one without a type is all URL
		contentType, url, typed := strings.Cut(a, ":")
		if !typed {
			contentType, url = "", a
		}
		attachments[i] = attachmentOut{ContentType: contentType, URL: url}
	}
	var media *string
	if len(m.Attachments) > 0 {
		media = &m.Attachments[0]
	}
	var sentOn *apiTime
	if m.SentOn != nil {
		t := apiTime(*m.SentOn)
		sentOn = &t
	}
	direction := "in"
	if m.Direction == models.MsgOut {
		direction = "out"
	}
	status, archived, visibility := msgStatuses[m.Status], m.Visibility == models.MsgArchived, string(m.Visibility)

	if c.weni() {
		// RapidPro 7's types: a flow's messages, or the inbox's (messages have no voice yet)
		kind := "inbox"
		if m.FlowID != nil {
			kind = "flow"
		}
		return msgOutWeni{ID: m.ID, Broadcast: m.BroadcastID, Contact: contact, URN: urn, Channel: channel, Direction: direction,
			Type: kind, Status: status, Archived: archived, Visibility: visibility, Text: m.Text, Labels: labels,
			Attachments: attachments, CreatedOn: apiTime(m.CreatedOn), SentOn: sentOn, ModifiedOn: apiTime(m.ModifiedOn), Media: media}
	}
	var flow *ref
	if m.FlowUUID != nil {
		flow = &ref{UUID: *m.FlowUUID, Name: deref(m.FlowName)}
	}
	return msgOut{UUID: m.UUID, Contact: contact, URN: urn, Channel: channel, Direction: direction, Type: "text", Status: status,
		Archived: archived, Visibility: visibility, Text: m.Text, Labels: labels, Flow: flow, Attachments: attachments,
		QuickReplies: storedQuickReplies(m.QuickReplies), CreatedOn: apiTime(m.CreatedOn), SentOn: sentOn,
		ModifiedOn: apiTime(m.ModifiedOn), Media: media, ID: m.ID, Broadcast: m.BroadcastID}
}

// storedQuickReplies reads a message's quick replies; what can't be read shows as none.
func storedQuickReplies(text string) []quickReplyOut {
	var qrs []quickReplyOut
	if json.Unmarshal([]byte(text), &qrs) != nil || qrs == nil {
		return []quickReplyOut{}
	}
	for i := range qrs {
		if qrs[i].Type == "" {
			qrs[i].Type = "text"
		}
	}
	return qrs
}

// msgAnswer is the message with id of the caller's workspace as the API shows it: the answer of a write
// that made or changed it.
func msgAnswer(c *Ctx, id int64) (any, error) {
	m, err := c.store().MsgListingByID(c.Request().Context(), c.ws().ID, id)
	if err != nil {
		return nil, err
	}
	return convertMsg(c, m), nil
}

// Weni's messages come 100 to a page unless ?limit= asks for up to 1000.
const (
	weniMsgPageSize    = 100
	maxWeniMsgPageSize = 1000
)

func listMsgs(c *Ctx) error {
	if err := exclusiveParams(c.query, "contact", "folder", "label", "broadcast"); err != nil {
		return err
	}
	folder, known := msgFolderParam(c)
	q := c.store().Msgs(c.ws().ID, folder)
	if !known {
		q = q.Nothing()
	}
	q, err := filterUUIDAndID(c, q)
	if err != nil {
		return err
	}
	if c.query.Get("broadcast") != "" {
		id, err := intParam(c.query, "broadcast")
		if err != nil {
			return err
		}
		q = q.InBroadcast(id)
	}
	if contact := c.query.Get("contact"); contact != "" {
		if u, ok := normalizeUUID(contact); ok {
			q = q.OfContact(u)
		} else {
			q = q.Nothing()
		}
	}
	if label := c.query.Get("label"); label != "" {
		u, _ := normalizeUUID(label)
		q = q.Labelled(u, label)
	}
	ord := order{}
	if c.weni() {
		if raw := c.query.Get("urn"); raw != "" {
			identity, err := lookupURN(c, raw)
			if err != nil {
				return err
			}
			q = q.OfContactWithURN(identity)
		}
		ord.pageSize = weniMsgPageSize
		if n, err := strconv.Atoi(strings.TrimSpace(c.query.Get("limit"))); err == nil && n > 0 {
			ord.pageSize = min(n, maxWeniMsgPageSize)
		}
	}
	q = q.Within(timeRange(c.query))
	return respondPage(c, ord, q.Page, convertEach(func(m *models.MsgListing) any { return convertMsg(c, m) }))
}

// msgFolderParam reads ?folder=, ignoring case. known is false for a folder that doesn't exist, which lists
// nothing; incoming is only Weni's.
func msgFolderParam(c *Ctx) (folder models.MsgFolder, known bool) {
	raw := c.query.Get("folder")
	if raw == "" {
		return models.FolderAll, true
	}
	switch f := models.MsgFolder(strings.ToLower(raw)); f {
	case models.FolderInbox, models.FolderFlows, models.FolderArchived, models.FolderOutbox, models.FolderSent, models.FolderFailed:
		return f, true
	case models.FolderIncoming:
		return f, c.weni()
	}
	return models.FolderAll, false
}
