package flows

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"slices"

	"github.com/flowsd/flowsd/channels"
	"github.com/flowsd/flowsd/models"
	"github.com/nyaruka/goflow/assets"
	"github.com/nyaruka/goflow/core"
	"github.com/nyaruka/goflow/excellent"
	"github.com/nyaruka/goflow/utils"
)

// whatsAppMsg is the part of a whatsapp_broadcasts msg object flowsd sends (Weni's C.2 fields).
type whatsAppMsg struct {
	Text         string                `json:"text"`
	Attachments  []string              `json:"attachments"`
	QuickReplies []string              `json:"quick_replies"`
	Template     *whatsAppTemplateSpec `json:"template"`
	Buttons      []whatsAppButton      `json:"buttons"`
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

// whatsAppPlan is how a W broadcast's msg object becomes each contact's message: one base translation, the
// template it is sent as (nil when none) and the extras goflow's messages have no room for (msgs.metadata).
type whatsAppPlan struct {
	translations core.BroadcastTranslations
	template     *whatsAppTemplate
	attachments  []string           // the msg's, as given: a template's header media
	extras       channels.MsgExtras // header text and footer still expressions
	expressions  bool               // whether the template's variables, header or footer have any
	own          bool               // whether those read nothing of @contact but its own properties
}

// errTemplateGone is a W broadcast's template no longer among the workspace's usable ones (deleted, or no
// longer approved at Meta since the broadcast was made): the broadcast fails rather than send something else.
var errTemplateGone = errors.New("the broadcast's template is not usable any more")

// whatsAppPlan reads a W broadcast's msg object.
func (h *Host) whatsAppPlan(ctx context.Context, ws *models.Workspace, metadata string) (*whatsAppPlan, error) {
	var m whatsAppMsg
	if err := json.Unmarshal([]byte(metadata), &m); err != nil {
		return nil, err
	}
	p := &whatsAppPlan{translations: whatsAppTranslations(&m), attachments: m.Attachments, extras: whatsAppExtras(&m)}
	p.expressions = excellent.HasExpressions(p.extras.HeaderText, broadcastTopLevels) || excellent.HasExpressions(p.extras.Footer, broadcastTopLevels)
	if m.Template != nil {
		a, err := h.Assets.Get(ctx, ws)
		if err != nil {
			return nil, err
		}
		t := a.Session.Templates().Get(assets.TemplateUUID(m.Template.UUID))
		if t == nil {
			return nil, errTemplateGone
		}
		p.template = &whatsAppTemplate{engine: t, variables: m.Template.Variables, buttons: m.Buttons}
		if m.Template.Locale != "" {
			p.template.locale, _ = ParseBCP47(m.Template.Locale) // the API checked it
		}
		for _, v := range m.Template.Variables {
			p.expressions = p.expressions || excellent.HasExpressions(v, broadcastTopLevels)
		}
		for _, b := range m.Buttons {
			for _, param := range b.Parameters {
				p.expressions = p.expressions || excellent.HasExpressions(param.Text, broadcastTopLevels)
			}
		}
	}
	p.own = readsOwnPropertiesOnly(p.templates())
	return p, nil
}

// templates are the plan's texts that may hold expressions, beside its translation's.
func (p *whatsAppPlan) templates() []string {
	out := []string{p.extras.HeaderText, p.extras.Footer}
	if p.template != nil {
		out = append(out, p.template.variables...)
		for _, b := range p.template.buttons {
			for _, param := range b.Parameters {
				out = append(out, param.Text)
			}
		}
	}
	return out
}

// apply makes a contact's message what the msg asks beyond its translation: sent as the template when the
// contact's channel has a translation of it (else as the msg's text, when it has one), with the header, footer
// and list button kept for the sender.
func (p *whatsAppPlan) apply(ctx context.Context, h *Host, a *Assets, ec *core.Contact, o *Outgoing) {
	eval := func(s string) string { return s }
	if p.expressions {
		eval = h.broadcastEvaluator(ctx, a, ec, p.own)
	}
	if p.template != nil && o.Channel != nil && o.Unsendable == "" {
		if ch := a.Session.Channels().Get(assets.ChannelUUID(o.Channel.UUID)); ch != nil {
			vars := make([]string, len(p.template.variables))
			for i, v := range p.template.variables {
				vars[i] = eval(v)
			}
			buttons := make([][]string, len(p.template.buttons))
			for i, b := range p.template.buttons {
				for _, param := range b.Parameters {
					buttons[i] = append(buttons[i], eval(param.Text))
				}
			}
			content, templating, locale := p.template.render(ch, ec.Locale(a.Env), a.Env.DefaultLocale(), vars, buttons, p.attachments)
			if content != nil {
				o.Content, o.Templating, o.Locale = content, templating, locale
				return // a template is sent as it is: the interactive extras don't apply
			}
		}
	}
	extras := p.extras
	if extras.HeaderType == "" && extras.Footer == "" && !extras.List {
		return
	}
	extras.HeaderText, extras.Footer = eval(extras.HeaderText), eval(extras.Footer)
	encoded, err := json.Marshal(extras)
	if err == nil {
		stored := string(encoded)
		o.Metadata = &stored
	}
}

// whatsAppExtras are the msg's header, footer and list button and ids, as the WAC sender renders them.
func whatsAppExtras(m *whatsAppMsg) channels.MsgExtras {
	var x channels.MsgExtras
	if m.Header != nil {
		x.HeaderType, x.HeaderText = m.Header.Type, m.Header.Text
	}
	x.Footer = m.Footer
	if m.ListMessage != nil && len(m.QuickReplies) == 0 {
		x.List, x.ButtonText = true, m.ListMessage.ButtonText
		ids := make([]string, 0, len(m.ListMessage.ListItems))
		for _, it := range m.ListMessage.ListItems {
			ids = append(ids, it.UUID)
		}
		if slices.ContainsFunc(ids, func(id string) bool { return id != "" }) {
			x.ListIDs = ids
		}
	}
	return x
}

// whatsAppTranslations turns a W broadcast's msg object into one base translation, its interactive kinds as
// goflow quick replies (C.3): list items are text replies with their description as extra, a CTA a url reply, a
// WhatsApp Flow a form reply (extra flow_id/screen?token=…), a location request a location reply.
func whatsAppTranslations(m *whatsAppMsg) core.BroadcastTranslations {
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
	return core.BroadcastTranslations{"base": c}
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
