package wac_test

import (
	"testing"

	"github.com/flowsd/flowsd/channels"
	. "github.com/flowsd/flowsd/channels/channeltest"
	"github.com/nyaruka/gocommon/urns"
)

// templating is a message's templating with components given as (name, type, variables) and variables as
// (type, value) pairs.
func templating(lang string, comps []channels.TemplatingComponent, vars ...string) *channels.Templating {
	t := &channels.Templating{TemplateUUID: "5722e1fd-0000-4000-8000-000000000001", TemplateName: "affirmation", Language: lang, Components: comps}
	for i := 0; i+1 < len(vars); i += 2 {
		t.Variables = append(t.Variables, channels.TemplatingVariable{Type: vars[i], Value: vars[i+1]})
	}
	return t
}

func comp(name, typ string, vars map[string]int) channels.TemplatingComponent {
	return channels.TemplatingComponent{Name: name, Type: typ, Variables: vars}
}

// TestOutgoingTemplates: a templated message is one request of type template, built as courier builds it for
// every kind of component; the message's text, attachments and quick replies (the engine's preview) are not
// sent; Graph's errors are classed as for any send.
func TestOutgoingTemplates(t *testing.T) {
	h := channels.Get("wac")
	urn := urns.URN("whatsapp:250788123123")
	tpl := `{` + to + `,"type":"template","template":{"name":"affirmation","language":{"policy":"deterministic","code":"en_US"}`
	msg := func(t *channels.Templating) channels.Outgoing {
		return channels.Outgoing{URN: urn, Text: "Hi Ryan, who's an excellent boy?", Attachments: []string{"image/jpeg:https://x.example/a.jpg"},
			QuickReplies: []channels.QuickReply{{Type: "text", Text: "Yes"}}, Templating: t}
	}
	body := comp("body", "body/text", map[string]int{"1": 0, "2": 1})
	RunOutgoing(t, h, []OutgoingCase{
		{Label: "no variables: no components", ChannelSpec: spec, Msg: msg(templating("en_US", nil)), Responses: []Response{ok("wamid.1")},
			WantRequests: []Request{sent(tpl + `}}`)}, WantStatus: channels.SendWired, WantExternalID: "wamid.1", Secrets: []string{token}},
		{Label: "body", ChannelSpec: spec, Msg: msg(templating("en_US", []channels.TemplatingComponent{body}, "text", "Ryan", "text", "boy")),
			Responses:    []Response{ok("wamid.1")},
			WantRequests: []Request{sent(tpl + `,"components":[{"type":"body","parameters":[{"type":"text","text":"Ryan"},{"type":"text","text":"boy"}]}]}}`)},
			WantStatus:   channels.SendWired, WantExternalID: "wamid.1"},
		{Label: "body variables in numeric order", ChannelSpec: spec,
			Msg: msg(templating("pt_BR", []channels.TemplatingComponent{comp("body", "body/text", map[string]int{"10": 0, "2": 1, "1": 2})},
				"text", "ten", "text", "two", "text", "one")),
			Responses: []Response{ok("wamid.1")},
			WantRequests: []Request{sent(`{` + to + `,"type":"template","template":{"name":"affirmation","language":{"policy":"deterministic","code":"pt_BR"},` +
				`"components":[{"type":"body","parameters":[{"type":"text","text":"one"},{"type":"text","text":"two"},{"type":"text","text":"ten"}]}]}}`)},
			WantStatus: channels.SendWired, WantExternalID: "wamid.1"},
		{Label: "header text", ChannelSpec: spec, Msg: msg(templating("en_US", []channels.TemplatingComponent{comp("header", "header/text", map[string]int{"1": 0})}, "text", "Welcome")),
			Responses:    []Response{ok("wamid.1")},
			WantRequests: []Request{sent(tpl + `,"components":[{"type":"header","parameters":[{"type":"text","text":"Welcome"}]}]}}`)},
			WantStatus:   channels.SendWired, WantExternalID: "wamid.1"},
		{Label: "header image, body", ChannelSpec: spec,
			Msg: msg(templating("en_US", []channels.TemplatingComponent{comp("header", "header/media", map[string]int{"1": 0}), comp("body", "body/text", map[string]int{"1": 1})},
				"image", "image/jpeg:https://x.example/cat.jpg", "text", "Bob")),
			Responses: []Response{ok("wamid.1")},
			WantRequests: []Request{sent(tpl + `,"components":[{"type":"header","parameters":[{"type":"image","image":{"link":"https://x.example/cat.jpg"}}]},` +
				`{"type":"body","parameters":[{"type":"text","text":"Bob"}]}]}}`)},
			WantStatus: channels.SendWired, WantExternalID: "wamid.1"},
		{Label: "header video", ChannelSpec: spec,
			Msg:          msg(templating("en_US", []channels.TemplatingComponent{comp("header", "header/media", map[string]int{"1": 0})}, "video", "video/mp4:https://x.example/v.mp4")),
			Responses:    []Response{ok("wamid.1")},
			WantRequests: []Request{sent(tpl + `,"components":[{"type":"header","parameters":[{"type":"video","video":{"link":"https://x.example/v.mp4"}}]}]}}`)},
			WantStatus:   channels.SendWired, WantExternalID: "wamid.1"},
		{Label: "header document, with its file name", ChannelSpec: spec,
			Msg:       msg(templating("en_US", []channels.TemplatingComponent{comp("header", "header/media", map[string]int{"1": 0})}, "document", "application/pdf:https://x.example/files/doc.pdf?sig=1")),
			Responses: []Response{ok("wamid.1")},
			WantRequests: []Request{sent(tpl + `,"components":[{"type":"header","parameters":[{"type":"document","document":` +
				`{"link":"https://x.example/files/doc.pdf?sig=1","filename":"doc.pdf"}}]}]}}`)},
			WantStatus: channels.SendWired, WantExternalID: "wamid.1"},
		{Label: "buttons: quick reply payload, url text", ChannelSpec: spec,
			Msg: msg(templating("en_US", []channels.TemplatingComponent{comp("button.0", "button/quick_reply", map[string]int{"1": 0}), comp("button.1", "button/url", map[string]int{"1": 1})},
				"text", "yes-payload", "text", "order/123")),
			Responses: []Response{ok("wamid.1")},
			WantRequests: []Request{sent(tpl + `,"components":[{"type":"button","sub_type":"quick_reply","index":"0","parameters":[{"type":"payload","payload":"yes-payload"}]},` +
				`{"type":"button","sub_type":"url","index":"1","parameters":[{"type":"text","text":"order/123"}]}]}}`)},
			WantStatus: channels.SendWired, WantExternalID: "wamid.1"},
		{Label: "Graph refuses the template: failed with Meta's code", ChannelSpec: spec, Msg: msg(templating("en_US", nil)),
			Responses:    []Response{graphErr(400, 132001, "Template name does not exist in the translation")},
			WantRequests: []Request{sent(tpl + `}}`)},
			WantStatus:   channels.SendFailed, WantErrors: []channels.SendError{{Code: "external", ExtCode: "132001", Message: "Template name does not exist in the translation"}}},
		{Label: "throttled template send is retried", ChannelSpec: spec, Msg: msg(templating("en_US", nil)),
			Responses:    []Response{graphErr(400, 131056, "Pair rate limit hit")},
			WantRequests: []Request{sent(tpl + `}}`)},
			WantStatus:   channels.SendErrored, WantErrors: []channels.SendError{{Code: channels.ErrorConnectionThrottled, Message: "Connection to server has been rate limited."},
				{Code: "external", ExtCode: "131056", Message: "Pair rate limit hit"}}},
	})
}
