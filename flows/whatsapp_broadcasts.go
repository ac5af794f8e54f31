package flows

import (
	"encoding/json"
	"net/url"

	"github.com/flowsd/flowsd/models"
	"github.com/nyaruka/goflow/core"
	"github.com/nyaruka/goflow/utils"
)

// whatsAppMsg is the part of a whatsapp_broadcasts msg object flowsd sends (Weni's C.2 fields).
type whatsAppMsg struct {
	Text         string   `json:"text"`
	Attachments  []string `json:"attachments"`
	QuickReplies []string `json:"quick_replies"`
	Header       *struct {
		Type string `json:"type"`
		Text string `json:"text"`
	} `json:"header"`
	Footer      string `json:"footer"`
	ListMessage *struct {
		ButtonText string `json:"button_text"`
		ListItems  []struct {
			Title       string `json:"title"`
			Description string `json:"description"`
			UUID        string `json:"uuid"`
		} `json:"list_items"`
	} `json:"list_message"`
	CTAMessage *struct {
		URL         string `json:"url"`
		DisplayText string `json:"display_text"`
	} `json:"cta_message"`
	FlowMessage *struct {
		FlowID     string         `json:"flow_id"`
		FlowScreen string         `json:"flow_screen"`
		FlowCTA    string         `json:"flow_cta"`
		FlowToken  string         `json:"flow_token"`
		FlowData   map[string]any `json:"flow_data"`
	} `json:"flow_message"`
	InteractionType string `json:"interaction_type"`
}

// whatsAppTranslations turns a W broadcast's msg object into one base translation, its interactive kinds as
// goflow quick replies (C.3): list items are text replies with their description as extra, a CTA a url reply, a
// WhatsApp Flow a form reply (extra flow_id/screen?token=…), a location request a location reply.
func whatsAppTranslations(metadata string) (core.BroadcastTranslations, error) {
	var m whatsAppMsg
	if err := json.Unmarshal([]byte(metadata), &m); err != nil {
		return nil, err
	}
	c := &core.MsgContent{Text: m.Text}
	for _, a := range m.Attachments {
		c.Attachments = append(c.Attachments, utils.Attachment(a))
	}
	for _, q := range m.QuickReplies {
		c.QuickReplies = append(c.QuickReplies, core.QuickReply{Type: "text", Text: q})
	}
	switch {
	case len(c.QuickReplies) > 0:
	case m.ListMessage != nil:
		for _, it := range m.ListMessage.ListItems {
			c.QuickReplies = append(c.QuickReplies, core.QuickReply{Type: "text", Text: it.Title, Extra: it.Description})
		}
	case m.CTAMessage != nil && (m.InteractionType == "" || m.InteractionType == "cta_url"):
		c.QuickReplies = []core.QuickReply{{Type: "url", Text: m.CTAMessage.DisplayText, Extra: m.CTAMessage.URL}}
	case m.FlowMessage != nil && (m.InteractionType == "" || m.InteractionType == "flow_msg"):
		extra := m.FlowMessage.FlowID
		if m.FlowMessage.FlowScreen != "" {
			extra += "/" + m.FlowMessage.FlowScreen
		}
		q := url.Values{}
		if m.FlowMessage.FlowToken != "" {
			q.Set("token", m.FlowMessage.FlowToken)
		}
		for k, v := range m.FlowMessage.FlowData {
			if s, ok := v.(string); ok {
				q.Set(k, s)
			}
		}
		if len(q) > 0 {
			extra += "?" + q.Encode()
		}
		c.QuickReplies = []core.QuickReply{{Type: "form", Text: m.FlowMessage.FlowCTA, Extra: extra}}
	case m.InteractionType == "location":
		c.QuickReplies = []core.QuickReply{{Type: "location"}}
	}
	return core.BroadcastTranslations{"base": c}, nil
}

// channelByID is the channel a W broadcast was forced onto, among the workspace's assets (nil when none).
func (a *Assets) channelByID(id *int64) *models.Channel {
	if id == nil {
		return nil
	}
	for _, ch := range a.channels {
		if ch.ID == *id {
			return ch
		}
	}
	return nil
}
