package wac_test

import (
	"strings"
	"testing"

	"github.com/flowsd/flowsd/channels"
	. "github.com/flowsd/flowsd/channels/channeltest"
	"github.com/nyaruka/gocommon/urns"
)

// TestOutgoingExtras: a message's extras (whatsapp_broadcasts' header, footer, list button and ids) in its
// interactive payload: cut to WhatsApp's lengths; a text header instead of an attachment as header (which goes
// as its own media message); a list however few its rows; nothing on a location request or a plain text.
func TestOutgoingExtras(t *testing.T) {
	h := channels.Get("wac")
	urn := urns.URN("whatsapp:250788123123")
	yesNo := []channels.QuickReply{{Type: "text", Text: "Sim"}, {Type: "text", Text: "Não"}}
	buttons := `"action":{"buttons":[{"type":"reply","reply":{"id":"0","title":"Sim"}},{"type":"reply","reply":{"id":"1","title":"Não"}}]}`
	long := strings.Repeat("x", 70)
	cut := strings.Repeat("x", 57) + "..."
	RunOutgoing(t, h, []OutgoingCase{
		{Label: "header and footer cut to 60", ChannelSpec: spec,
			Msg:       channels.Outgoing{URN: urn, Text: "Ok?", QuickReplies: yesNo, Extras: &channels.MsgExtras{HeaderType: "text", HeaderText: long, Footer: long}},
			Responses: []Response{ok("wamid.1")},
			WantRequests: []Request{sent(`{` + to + `,"type":"interactive","interactive":{"type":"button","header":{"type":"text","text":"` + cut + `"},` +
				`"body":{"text":"Ok?"},"footer":{"text":"` + cut + `"},` + buttons + `}}`)},
			WantStatus: channels.SendWired, WantExternalID: "wamid.1", Secrets: []string{token}},
		{Label: "a text header wins over the attachment, which goes first", ChannelSpec: spec,
			Msg: channels.Outgoing{URN: urn, Text: "Ok?", QuickReplies: yesNo, Attachments: []string{"image/jpeg:https://x.example/a.jpg"},
				Extras: &channels.MsgExtras{HeaderType: "text", HeaderText: "Oi"}},
			Responses: []Response{ok("wamid.1"), ok("wamid.2")},
			WantRequests: []Request{sent(`{` + to + `,"type":"image","image":{"link":"https://x.example/a.jpg"}}`),
				sent(`{` + to + `,"type":"interactive","interactive":{"type":"button","header":{"type":"text","text":"Oi"},"body":{"text":"Ok?"},` + buttons + `}}`)},
			WantStatus: channels.SendWired, WantExternalID: "wamid.1"},
		{Label: "a Weni list of two, its button and ids", ChannelSpec: spec,
			Msg: channels.Outgoing{URN: urn, Text: "Escolha", QuickReplies: yesNo,
				Extras: &channels.MsgExtras{List: true, ButtonText: "Escolher uma opção aqui", ListIDs: []string{"a1", ""}}},
			Responses: []Response{ok("wamid.1")},
			WantRequests: []Request{sent(`{` + to + `,"type":"interactive","interactive":{"type":"list","body":{"text":"Escolha"},` +
				`"action":{"button":"Escolher uma opçã...","sections":[{"rows":[{"id":"a1","title":"Sim"},{"id":"1","title":"Não"}]}]}}}`)},
			WantStatus: channels.SendWired, WantExternalID: "wamid.1"},
		{Label: "no extras on a location request", ChannelSpec: spec,
			Msg: channels.Outgoing{URN: urn, Text: "Onde?", QuickReplies: []channels.QuickReply{{Type: "location"}},
				Extras: &channels.MsgExtras{HeaderType: "text", HeaderText: "Oi", Footer: "Weni"}},
			Responses:    []Response{ok("wamid.1")},
			WantRequests: []Request{sent(`{` + to + `,"type":"interactive","interactive":{"type":"location_request_message","body":{"text":"Onde?"},"action":{"name":"send_location"}}}`)},
			WantStatus:   channels.SendWired, WantExternalID: "wamid.1"},
		{Label: "none on a plain text", ChannelSpec: spec,
			Msg:          channels.Outgoing{URN: urn, Text: "Oi", Extras: &channels.MsgExtras{HeaderType: "text", HeaderText: "Oi", Footer: "Weni"}},
			Responses:    []Response{ok("wamid.1")},
			WantRequests: []Request{sent(`{` + to + `,"type":"text","text":{"body":"Oi","preview_url":false}}`)},
			WantStatus:   channels.SendWired, WantExternalID: "wamid.1"},
	})
}
