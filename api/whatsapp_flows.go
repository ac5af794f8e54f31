package api

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/flowsd/flowsd/models"
)

// Weni's whatsapp_flows.json: the WhatsApp Flows of the business accounts of the workspace's WhatsApp
// channels, as the template sync last found them at Meta, with the screens and variables of their JSON.

var exampleWhatsAppFlow = models.WhatsAppFlow{ID: 1, ExternalID: "1111111111111111111", Name: "Flow Test", Status: "PUBLISHED",
	Assets:     `{"screens": ["MIDDLE", "WELCOME"], "variables": ["checkbox_source", "question1Checkbox"]}`,
	ModifiedOn: time.Date(2025, 5, 6, 8, 30, 0, 0, time.UTC)}

var whatsAppFlowsListDocs = OperationDocs{Title: "List WhatsApp Flows",
	Params: []Param{
		{Name: "id", Help: "The id of a flow at Meta to filter by"},
		{Name: "name", Help: "Only return flows whose name contains this, ignoring case"},
		{Name: "channel", Help: "Only return the flows of this channel's business account, by the channel's UUID (a flowsd extension)"},
		{Name: "before", Help: "Only return flows synced before this date, e.g. 2015-01-28T18:00:00.000"},
		{Name: "after", Help: "Only return flows synced after this date, e.g. 2015-01-28T18:00:00.000"},
	},
	Example: Example{Status: http.StatusOK, Answer: listAnswer(convertWhatsAppFlow, exampleWhatsAppFlow)}}

type whatsAppFlowOut struct {
	ID     string         `json:"id"` // Meta's
	Name   string         `json:"name"`
	Status string         `json:"status"`
	Assets map[string]any `json:"assets"`
}

func convertWhatsAppFlow(_ *Ctx, f *models.WhatsAppFlow) any {
	out := whatsAppFlowOut{ID: f.ExternalID, Name: f.Name, Status: f.Status, Assets: map[string]any{}}
	_ = json.Unmarshal([]byte(f.Assets), &out.Assets) // stored as an object by the sync; none when it isn't one
	if out.Assets == nil {
		out.Assets = map[string]any{}
	}
	return out
}

// listWhatsAppFlows answers the workspace's WhatsApp Flows, newest synced first.
func listWhatsAppFlows(c *Ctx) error {
	ctx := c.Request().Context()
	q := c.store().WhatsAppFlows(c.ws().ID).ModifiedIn(timeRange(c.query))
	if id := c.query.Get("id"); id != "" {
		q = q.WithExternalID(id)
	}
	if name := c.query.Get("name"); name != "" {
		q = q.NameContains(name)
	}
	uuid, err := uuidParam(c.query, "channel")
	if err != nil {
		return err
	}
	if uuid != "" {
		ch, err := c.store().Channels(c.ws().ID).WithUUID(uuid).First(ctx)
		if err != nil {
			return err
		}
		if ch == nil {
			q = q.OnChannel(0) // another workspace's or no channel: no flows
		} else {
			q = q.OnChannel(ch.ID)
		}
	}
	return respondPage(c, order{}, q.Page, convertEach(func(f *models.WhatsAppFlow) any { return convertWhatsAppFlow(c, f) }))
}
