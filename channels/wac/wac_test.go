package wac_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/flowsd/flowsd/channels"
	. "github.com/flowsd/flowsd/channels/channeltest"
	"github.com/flowsd/flowsd/channels/wac"
	"github.com/flowsd/flowsd/channels/wac/graphtest"
	"github.com/nyaruka/gocommon/urns"
)

const (
	phoneID   = "1234567890"
	appSecret = "app-s3cret"
	token     = "EAAB-access-token"
)

var config = channels.Config{"access_token": token, "app_secret": appSecret, "verify_token": "verify-me", "graph_url": GatewayURL,
	"wa_waba_id": "waba1"}

var spec = ChannelSpec{Address: phoneID, Config: config}

func jsonOf(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func errorAnswer(errs ...string) string {
	data := []any{}
	for _, e := range errs {
		data = append(data, map[string]any{"type": "error", "error": e})
	}
	return jsonOf(map[string]any{"message": "Error", "data": data})
}

func handled(data ...any) string {
	if data == nil {
		data = []any{}
	}
	return jsonOf(map[string]any{"message": "Events Handled", "data": data})
}

func msgEntry(i int, text, urn, externalID, receivedOn string, attachments ...string) map[string]any {
	e := map[string]any{"type": "msg", "channel_uuid": ChannelUUID, "msg_uuid": MsgUUID(i), "text": text, "urn": urn,
		"external_id": externalID, "received_on": receivedOn}
	if len(attachments) > 0 {
		e["attachments"] = attachments
	}
	return e
}

func statusEntry(letter, externalID string) map[string]any {
	return map[string]any{"type": "status", "channel_uuid": ChannelUUID, "status": letter, "external_id": externalID}
}

func signed(body []byte) map[string]string {
	return map[string]string{"X-Hub-Signature-256": graphtest.Sign(body, appSecret)}
}

// post is a case posting a signed webhook.
func post(label string, body []byte, wantJSON string, want []channels.Received) IncomingCase {
	return IncomingCase{Label: label, ChannelSpec: spec, Action: "receive", Body: string(body), ContentType: "application/json",
		Headers: signed(body), WantJSON: wantJSON, WantReceived: want}
}

var at = time.Unix(1454119029, 0).UTC()

const atStr = "2016-01-30T01:57:09Z"

func TestIncoming(t *testing.T) {
	h := channels.Get("wac")
	kerry := urns.URN("whatsapp:5678")
	text := graphtest.Webhook(phoneID, []any{graphtest.Contact("5678", "Kerry Fisher")},
		[]any{graphtest.Text("5678", "wamid.1", "1454119029", "Hello World")}, nil)
	msg := func(text, id string) *channels.ReceivedMsg {
		return &channels.ReceivedMsg{URN: kerry, Name: "Kerry Fisher", Text: text, ExternalID: id, ReceivedOn: at}
	}
	one := func(typ string, content map[string]any) []byte {
		m := map[string]any{"from": "5678", "id": "wamid.9", "timestamp": "1454119029", "type": typ}
		for k, v := range content {
			m[k] = v
		}
		return graphtest.Webhook(phoneID, []any{graphtest.Contact("5678", "Kerry Fisher")}, []any{m}, nil)
	}
	twice := graphtest.Webhook(phoneID, nil, []any{graphtest.Text("5678", "wamid.1", "1454119029", "Hi"), graphtest.Text("5678", "wamid.1", "1454119029", "Hi")}, nil)
	statuses := graphtest.Webhook(phoneID, nil, nil, []any{graphtest.Status("wamid.A", "sent", "1"), graphtest.Status("wamid.B", "delivered", "1"),
		graphtest.Status("wamid.C", "read", "1"), graphtest.Status("wamid.D", "failed", "1"), graphtest.Status("wamid.E", "deleted", "1"),
		graphtest.Status("wamid.F", "warning", "1")})
	other := graphtest.Webhook("999", nil, []any{graphtest.Text("5678", "wamid.1", "1454119029", "not ours")}, nil)
	wrongObject := []byte(strings.Replace(string(text), "whatsapp_business_account", "page", 1))
	badTime := graphtest.Webhook(phoneID, nil, []any{graphtest.Text("5678", "wamid.1", "soon", "Hi")}, nil)
	millis := graphtest.Webhook(phoneID, nil, []any{graphtest.Text("5678", "wamid.1", "1454119029123", "Hi")}, nil)
	group := graphtest.Webhook(phoneID, nil, []any{map[string]any{"from": "5678", "id": "wamid.1", "type": "text", "group_id": "g1", "text": map[string]any{"body": "Hi"}}}, nil)
	big := []byte(`{"object":"whatsapp_business_account","x":"` + strings.Repeat("a", 1<<20) + `"}`)

	serverChannel := NewChannel(h, "", channels.Config{})
	serverChannel.Defaults = channels.Config{"verify_token": "server-token"}

	RunIncoming(t, h, []IncomingCase{
		{Label: "verify", ChannelSpec: spec, Action: "receive", Query: "hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444",
			WantBody: "1158201444", WantContentType: "text/plain; charset=utf-8"},
		{Label: "verify with the server's token", ChannelSpec: ChannelSpec{Channel: serverChannel}, Action: "receive",
			Query: "hub.mode=subscribe&hub.verify_token=server-token&hub.challenge=42", WantBody: "42"},
		{Label: "verify wrong token", ChannelSpec: spec, Action: "receive", Query: "hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1",
			WantJSON: errorAnswer("token does not match secret")},
		{Label: "verify no token anywhere", Action: "receive", Query: "hub.mode=subscribe&hub.verify_token=&hub.challenge=1",
			WantJSON: errorAnswer("token does not match secret")},
		{Label: "verify wrong mode", ChannelSpec: spec, Action: "receive", Query: "hub.mode=unsubscribe&hub.verify_token=verify-me&hub.challenge=1",
			WantJSON: errorAnswer("unknown request")},
		{Label: "unknown action", ChannelSpec: spec, Action: "status", WantStatus: 404, WantBodyContains: "not found"},

		post("text", text, handled(msgEntry(0, "Hello World", "whatsapp:5678", "wamid.1", atStr)), []channels.Received{{Msg: msg("Hello World", "wamid.1")}}),
		{Label: "missing signature", ChannelSpec: spec, Action: "receive", Body: string(text), WantJSON: errorAnswer("missing request signature")},
		{Label: "invalid signature", ChannelSpec: spec, Action: "receive", Body: string(text),
			Headers: map[string]string{"X-Hub-Signature-256": graphtest.Sign(text, "another secret")}, WantJSON: errorAnswer("invalid request signature")},
		{Label: "signature without its prefix", ChannelSpec: spec, Action: "receive", Body: string(text),
			Headers: map[string]string{"X-Hub-Signature-256": strings.TrimPrefix(graphtest.Sign(text, appSecret), "sha256=")}, WantJSON: errorAnswer("invalid request signature")},
		{Label: "signature of another body", ChannelSpec: spec, Action: "receive", Body: string(text) + " ",
			Headers: signed(text), WantJSON: errorAnswer("invalid request signature")},
		{Label: "no app secret", ChannelSpec: ChannelSpec{Address: phoneID, Config: channels.Config{"access_token": token}}, Action: "receive",
			Body: string(text), Headers: signed(text), WantJSON: errorAnswer("invalid request signature: the channel has no app secret")},
		{Label: "GET that isn't a verification", ChannelSpec: spec, Action: "receive", WantJSON: errorAnswer("unknown request")},

		post("image with caption", one("image", map[string]any{"image": map[string]any{"id": "media1", "mime_type": "image/jpeg", "caption": "Look"}}),
			handled(msgEntry(0, "Look", "whatsapp:5678", "wamid.9", atStr)),
			[]channels.Received{{Msg: &channels.ReceivedMsg{URN: kerry, Name: "Kerry Fisher", Text: "Look", ExternalID: "wamid.9", ReceivedOn: at,
				Media: []channels.MediaRef{{ID: "media1", MimeType: "image/jpeg"}}}}}),
		post("document", one("document", map[string]any{"document": map[string]any{"id": "media2", "mime_type": "application/pdf", "filename": "report.pdf"}}),
			handled(msgEntry(0, "", "whatsapp:5678", "wamid.9", atStr)),
			[]channels.Received{{Msg: &channels.ReceivedMsg{URN: kerry, Name: "Kerry Fisher", ExternalID: "wamid.9", ReceivedOn: at,
				Media: []channels.MediaRef{{ID: "media2", MimeType: "application/pdf", Filename: "report.pdf"}}}}}),
		post("location", one("location", map[string]any{"location": map[string]any{"latitude": 0.969, "longitude": 30.6}}),
			handled(msgEntry(0, "", "whatsapp:5678", "wamid.9", atStr, "geo:0.969000,30.600000")),
			[]channels.Received{{Msg: &channels.ReceivedMsg{URN: kerry, Name: "Kerry Fisher", ExternalID: "wamid.9", ReceivedOn: at,
				Attachments: []string{"geo:0.969000,30.600000"}}}}),
		post("template button", one("button", map[string]any{"button": map[string]any{"text": "Yes", "payload": "yes"}}),
			handled(msgEntry(0, "Yes", "whatsapp:5678", "wamid.9", atStr)), []channels.Received{{Msg: msg("Yes", "wamid.9")}}),
		post("button reply", one("interactive", map[string]any{"interactive": map[string]any{"type": "button_reply", "button_reply": map[string]any{"id": "0", "title": "Red"}}}),
			handled(msgEntry(0, "Red", "whatsapp:5678", "wamid.9", atStr)), []channels.Received{{Msg: msg("Red", "wamid.9")}}),
		post("list reply", one("interactive", map[string]any{"interactive": map[string]any{"type": "list_reply", "list_reply": map[string]any{"id": "3", "title": "Blue", "description": "sky"}}}),
			handled(msgEntry(0, "Blue", "whatsapp:5678", "wamid.9", atStr)), []channels.Received{{Msg: msg("Blue", "wamid.9")}}),
		post("flow reply", one("interactive", map[string]any{"interactive": map[string]any{"type": "nfm_reply",
			"nfm_reply": map[string]any{"name": "flow", "body": "Sent", "response_json": `{"flow_token":"t","age":"32"}`}}}),
			handled(msgEntry(0, "Sent", "whatsapp:5678", "wamid.9", atStr)),
			[]channels.Received{{Msg: &channels.ReceivedMsg{URN: kerry, Name: "Kerry Fisher", Text: "Sent", ExternalID: "wamid.9", ReceivedOn: at,
				Payload: json.RawMessage(`{"flow_token":"t","age":"32"}`)}}}),
		post("flow reply whose response isn't an object", one("interactive", map[string]any{"interactive": map[string]any{"type": "nfm_reply",
			"nfm_reply": map[string]any{"body": "Sent", "response_json": `[1]`}}}),
			handled(msgEntry(0, "Sent", "whatsapp:5678", "wamid.9", atStr)), []channels.Received{{Msg: msg("Sent", "wamid.9")}}),
		post("reaction is dropped", one("reaction", map[string]any{"reaction": map[string]any{"message_id": "wamid.1", "emoji": "👍"}}), handled(), nil),
		post("a message twice in one request is once", twice, handled(msgEntry(0, "Hi", "whatsapp:5678", "wamid.1", atStr)),
			[]channels.Received{{Msg: &channels.ReceivedMsg{URN: kerry, Text: "Hi", ExternalID: "wamid.1", ReceivedOn: at}}}),
		post("group message ignored", group, handled(), nil),
		post("timestamp in milliseconds", millis, handled(msgEntry(0, "Hi", "whatsapp:5678", "wamid.1", "2016-01-30T01:57:09.123Z")),
			[]channels.Received{{Msg: &channels.ReceivedMsg{URN: kerry, Text: "Hi", ExternalID: "wamid.1", ReceivedOn: time.UnixMilli(1454119029123)}}}),
		post("statuses", statuses, handled(statusEntry("S", "wamid.A"), statusEntry("D", "wamid.B"), statusEntry("R", "wamid.C"), statusEntry("F", "wamid.D")),
			[]channels.Received{{Status: &channels.ReceivedStatus{ExternalID: "wamid.A", Status: channels.StatusSent}},
				{Status: &channels.ReceivedStatus{ExternalID: "wamid.B", Status: channels.StatusDelivered}},
				{Status: &channels.ReceivedStatus{ExternalID: "wamid.C", Status: channels.StatusRead}},
				{Status: &channels.ReceivedStatus{ExternalID: "wamid.D", Status: channels.StatusFailed}}}),
		post("failed with Meta's errors", graphtest.Webhook(phoneID, nil, nil, []any{map[string]any{"id": "wamid.X", "status": "failed", "timestamp": "1",
			"errors": []any{map[string]any{"code": 131026, "title": "Message undeliverable"}}}}), handled(statusEntry("F", "wamid.X")),
			[]channels.Received{{Status: &channels.ReceivedStatus{ExternalID: "wamid.X", Status: channels.StatusFailed,
				Errors: []channels.SendError{{Code: "external", ExtCode: "131026", Message: "Message undeliverable"}}}}}),
		post("another number's change is not this channel's", other, handled(), nil),
		post("bad timestamp", badTime, errorAnswer("invalid timestamp: soon"), nil),
		post("wrong object", wrongObject, errorAnswer(`object expected 'whatsapp_business_account', found "page"`), nil),
		post("not JSON", []byte("{nope"), errorAnswer("unable to parse request JSON: invalid character 'n' looking for beginning of object key string"), nil),
		post("too large", big, errorAnswer("request body too large: at most 1048576 bytes"), nil),
	})
}

func TestRoute(t *testing.T) {
	h := channels.Get("wac").(channels.Router)
	two := `{"object":"whatsapp_business_account","entry":[{"changes":[{"value":{"metadata":{"phone_number_id":"1"}}},{"value":{"metadata":{"phone_number_id":"2"}}}]},{"changes":[{"value":{"metadata":{"phone_number_id":"1"}}}]}]}`
	req, _ := http.NewRequest(http.MethodPost, "/c/wac/receive", nil)
	ids, err := h.Route(req, []byte(two))
	if err != nil || strings.Join(ids, ",") != "1,2" {
		t.Errorf("Route = %q, %v; want 1,2", ids, err)
	}
	if _, err := h.Route(req, []byte(`{"object":"whatsapp_business_account","entry":[]}`)); err == nil || err.Error() != "no channel address found" {
		t.Errorf("Route of no entries: %v", err)
	}
	get, _ := http.NewRequest(http.MethodGet, "/c/wac/receive?hub.mode=subscribe", nil)
	if ids, err := h.Route(get, nil); ids != nil || err != nil {
		t.Errorf("Route of a GET = %q, %v; want none", ids, err)
	}
}

func TestValidate(t *testing.T) {
	v := channels.Get("wac").(channels.Validator)
	for _, c := range []struct {
		address string
		cfg     channels.Config
		want    string
	}{
		{"1234", channels.Config{"access_token": "x", "graph_version": "v22.0", "session_window": false}, ""},
		{"+1234", nil, "a WAC channel's address is its phone_number_id, digits only"},
		{"1234", channels.Config{"access_token": 5}, "config access_token must be a string"},
		{"1234", channels.Config{"graph_url": "ftp://x"}, "config graph_url must be an http:// or https:// URL"},
		{"1234", channels.Config{"graph_version": "25"}, "config graph_version must be a version like v25.0"},
		{"1234", channels.Config{"session_window": "no"}, "config session_window must be true or false"},
	} {
		err := v.ValidateChannel(c.address, c.cfg)
		if got := ""; err != nil {
			got = err.Error()
			if got != c.want {
				t.Errorf("ValidateChannel(%q, %v) = %q, want %q", c.address, c.cfg, got, c.want)
			}
		} else if c.want != "" {
			t.Errorf("ValidateChannel(%q, %v) = nil, want %q", c.address, c.cfg, c.want)
		}
	}
}

func TestSessionWindow(t *testing.T) {
	sw := channels.Get("wac").(channels.SessionWindowed)
	if w := sw.SessionWindow(NewChannel(channels.Get("wac"), "", nil)); w != 24*time.Hour {
		t.Errorf("window %s", w)
	}
	if w := sw.SessionWindow(NewChannel(channels.Get("wac"), "", channels.Config{"session_window": false})); w != 0 {
		t.Errorf("window off: %s", w)
	}
}

const sendPath = "/v25.0/" + phoneID + "/messages"

func sent(body string) Request {
	return Request{Method: "POST", Path: sendPath, Body: body,
		Headers: map[string]string{"Authorization": "Bearer " + token, "Content-Type": "application/json"}}
}

func ok(id string) Response {
	return Response{Body: `{"messaging_product":"whatsapp","contacts":[{"input":"250788123123","wa_id":"250788123123"}],"messages":[{"id":"` + id + `"}]}`}
}

func graphErr(status, code int, message string) Response {
	return Response{Status: status, Body: jsonOf(map[string]any{"error": map[string]any{"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "x"}})}
}

const to = `"messaging_product":"whatsapp","recipient_type":"individual","to":"250788123123"`

func TestOutgoing(t *testing.T) {
	h := channels.Get("wac")
	urn := urns.URN("whatsapp:250788123123")
	long := strings.Repeat("word ", 1000) // 5000 bytes
	parts := channels.SplitText(long, 4096)
	qrs := func(texts ...string) []channels.QuickReply {
		var out []channels.QuickReply
		for _, t := range texts {
			out = append(out, channels.QuickReply{Type: "text", Text: t})
		}
		return out
	}
	rows := func(n int) string {
		var b []string
		for i := 0; i < n; i++ {
			b = append(b, `{"id":"`+string(rune('0'+i))+`","title":"R`+string(rune('0'+i))+`"}`)
		}
		return strings.Join(b, ",")
	}
	names := func(n int) []string {
		var out []string
		for i := 0; i < n; i++ {
			out = append(out, "R"+string(rune('0'+i)))
		}
		return out
	}
	serverToken := NewChannel(h, "", channels.Config{"graph_url": GatewayURL})
	serverToken.Address = phoneID
	serverToken.Defaults = channels.Config{"access_token": token}

	RunOutgoing(t, h, []OutgoingCase{
		{Label: "text", ChannelSpec: spec, Msg: channels.Outgoing{URN: urn, Text: "Simple Message ☺"}, Responses: []Response{ok("wamid.1")},
			WantRequests: []Request{sent(`{` + to + `,"type":"text","text":{"body":"Simple Message ☺","preview_url":false}}`)},
			WantStatus:   channels.SendWired, WantExternalID: "wamid.1", Secrets: []string{token}},
		{Label: "text with a link previews it", ChannelSpec: spec, Msg: channels.Outgoing{URN: urn, Text: "See https://example.com <now>"}, Responses: []Response{ok("wamid.1")},
			WantRequests: []Request{sent(`{` + to + `,"type":"text","text":{"body":"See https://example.com <now>","preview_url":true}}`)},
			WantStatus:   channels.SendWired, WantExternalID: "wamid.1"},
		{Label: "long text is split, the first id kept", ChannelSpec: spec, Msg: channels.Outgoing{URN: urn, Text: long}, Responses: []Response{ok("wamid.1"), ok("wamid.2")},
			WantRequests: []Request{sent(`{` + to + `,"type":"text","text":{"body":"` + parts[0] + `","preview_url":false}}`),
				sent(`{` + to + `,"type":"text","text":{"body":"` + parts[1] + `","preview_url":false}}`)},
			WantStatus: channels.SendWired, WantExternalID: "wamid.1"},
		{Label: "max_length lowers the limit", ChannelSpec: ChannelSpec{Address: phoneID, Config: channels.Config{"access_token": token, "graph_url": GatewayURL, "max_length": 10}},
			Msg: channels.Outgoing{URN: urn, Text: "Hello there World"}, Responses: []Response{ok("wamid.1"), ok("wamid.2"), ok("wamid.3")},
			WantRequests: []Request{sent(`{` + to + `,"type":"text","text":{"body":"Hello","preview_url":false}}`),
				sent(`{` + to + `,"type":"text","text":{"body":"there","preview_url":false}}`),
				sent(`{` + to + `,"type":"text","text":{"body":"World","preview_url":false}}`)},
			WantStatus: channels.SendWired, WantExternalID: "wamid.1"},
		{Label: "max_length can't raise it", ChannelSpec: ChannelSpec{Address: phoneID, Config: channels.Config{"access_token": token, "graph_url": GatewayURL, "max_length": 100000}},
			Msg: channels.Outgoing{URN: urn, Text: long}, Responses: []Response{ok("wamid.1"), ok("wamid.2")},
			WantRequests: []Request{sent(`{` + to + `,"type":"text","text":{"body":"` + parts[0] + `","preview_url":false}}`),
				sent(`{` + to + `,"type":"text","text":{"body":"` + parts[1] + `","preview_url":false}}`)},
			WantStatus: channels.SendWired, WantExternalID: "wamid.1"},
		{Label: "image with caption", ChannelSpec: spec, Msg: channels.Outgoing{URN: urn, Text: "Look", Attachments: []string{"image/jpeg:https://foo.bar/image.jpg"}},
			Responses:    []Response{ok("wamid.1")},
			WantRequests: []Request{sent(`{` + to + `,"type":"image","image":{"link":"https://foo.bar/image.jpg","caption":"Look"}}`)},
			WantStatus:   channels.SendWired, WantExternalID: "wamid.1"},
		{Label: "audio and document, then the text", ChannelSpec: spec,
			Msg:       channels.Outgoing{URN: urn, Text: "Files", Attachments: []string{"audio/mp3:https://foo.bar/a.mp3", "application/pdf:https://foo.bar/doc.pdf", "geo:1,2"}},
			Responses: []Response{ok("wamid.1"), ok("wamid.2"), ok("wamid.3")},
			WantRequests: []Request{sent(`{` + to + `,"type":"audio","audio":{"link":"https://foo.bar/a.mp3"}}`),
				sent(`{` + to + `,"type":"document","document":{"link":"https://foo.bar/doc.pdf","filename":"doc.pdf"}}`),
				sent(`{` + to + `,"type":"text","text":{"body":"Files","preview_url":false}}`)},
			WantStatus: channels.SendWired, WantExternalID: "wamid.1"},
		{Label: "reply buttons", ChannelSpec: spec, Msg: channels.Outgoing{URN: urn, Text: "Pick", QuickReplies: qrs("Yes", "No", "A title much longer than twenty")},
			Responses: []Response{ok("wamid.1")},
			WantRequests: []Request{sent(`{` + to + `,"type":"interactive","interactive":{"type":"button","body":{"text":"Pick"},"action":{"buttons":[` +
				`{"type":"reply","reply":{"id":"0","title":"Yes"}},{"type":"reply","reply":{"id":"1","title":"No"}},{"type":"reply","reply":{"id":"2","title":"A title much long..."}}]}}}`)},
			WantStatus: channels.SendWired, WantExternalID: "wamid.1"},
		{Label: "reply buttons with an image header", ChannelSpec: spec,
			Msg:       channels.Outgoing{URN: urn, Text: "Pick", Attachments: []string{"image/png:https://foo.bar/i.png"}, QuickReplies: qrs("Yes")},
			Responses: []Response{ok("wamid.1")},
			WantRequests: []Request{sent(`{` + to + `,"type":"interactive","interactive":{"type":"button","header":{"type":"image","image":{"link":"https://foo.bar/i.png"}},` +
				`"body":{"text":"Pick"},"action":{"buttons":[{"type":"reply","reply":{"id":"0","title":"Yes"}}]}}}`)},
			WantStatus: channels.SendWired, WantExternalID: "wamid.1"},
		{Label: "a list past 3 replies", ChannelSpec: spec, Msg: channels.Outgoing{URN: urn, Text: "Pick", QuickReplies: qrs(names(4)...)},
			Responses: []Response{ok("wamid.1")},
			WantRequests: []Request{sent(`{` + to + `,"type":"interactive","interactive":{"type":"list","body":{"text":"Pick"},"action":{"button":"Menu","sections":[{"rows":[` +
				rows(4) + `]}]}}}`)},
			WantStatus: channels.SendWired, WantExternalID: "wamid.1"},
		{Label: "a list stops at 10", ChannelSpec: spec, Msg: channels.Outgoing{URN: urn, Text: "Pick", QuickReplies: qrs(names(12)...)},
			Responses: []Response{ok("wamid.1")},
			WantRequests: []Request{sent(`{` + to + `,"type":"interactive","interactive":{"type":"list","body":{"text":"Pick"},"action":{"button":"Menu","sections":[{"rows":[` +
				rows(10) + `]}]}}}`)},
			WantStatus: channels.SendWired, WantExternalID: "wamid.1"},
		{Label: "a list with descriptions", ChannelSpec: spec, Msg: channels.Outgoing{URN: urn, Text: "Pick",
			QuickReplies: []channels.QuickReply{{Type: "text", Text: "Red", Extra: "like fire"}}}, Responses: []Response{ok("wamid.1")},
			WantRequests: []Request{sent(`{` + to + `,"type":"interactive","interactive":{"type":"list","body":{"text":"Pick"},"action":{"button":"Menu","sections":[{"rows":[` +
				`{"id":"0","title":"Red","description":"like fire"}]}]}}}`)},
			WantStatus: channels.SendWired, WantExternalID: "wamid.1"},
		{Label: "location request", ChannelSpec: spec, Msg: channels.Outgoing{URN: urn, Text: "Where?",
			QuickReplies: []channels.QuickReply{{Type: "text", Text: "Here"}, {Type: "location", Text: "Send location"}}}, Responses: []Response{ok("wamid.1")},
			WantRequests: []Request{sent(`{` + to + `,"type":"interactive","interactive":{"type":"location_request_message","body":{"text":"Where?"},"action":{"name":"send_location"}}}`)},
			WantStatus:   channels.SendWired, WantExternalID: "wamid.1"},
		{Label: "a WhatsApp Flow", ChannelSpec: spec, Msg: channels.Outgoing{URN: urn, Text: "Sign up",
			QuickReplies: []channels.QuickReply{{Type: "url", Text: "Site", Extra: "https://x.example"}, {Type: "form", Text: "Open the form", Extra: "1234/WELCOME?name=Kerry&token=tok-9"}}},
			Responses: []Response{ok("wamid.1")},
			WantRequests: []Request{sent(`{` + to + `,"type":"interactive","interactive":{"type":"flow","body":{"text":"Sign up"},"action":{"name":"flow","parameters":` +
				`{"flow_message_version":"3","flow_id":"1234","flow_cta":"Open the form","flow_action":"navigate","flow_action_payload":{"screen":"WELCOME","data":{"name":"Kerry"}},"flow_token":"tok-9"}}}}`)},
			WantStatus: channels.SendWired, WantExternalID: "wamid.1"},
		{Label: "a WhatsApp Flow exchanging data", ChannelSpec: spec, Msg: channels.Outgoing{URN: urn, Text: "Sign up",
			QuickReplies: []channels.QuickReply{{Type: "form", Text: "A button text longer than thirty chars", Extra: "dx:1234"}}},
			Responses: []Response{ok("wamid.1")},
			WantRequests: []Request{sent(`{` + to + `,"type":"interactive","interactive":{"type":"flow","body":{"text":"Sign up"},"action":{"name":"flow","parameters":` +
				`{"flow_message_version":"3","flow_id":"1234","flow_cta":"A button text longer than t...","flow_action":"data_exchange"}}}}`)},
			WantStatus: channels.SendWired, WantExternalID: "wamid.1"},
		{Label: "a link button", ChannelSpec: spec, Msg: channels.Outgoing{URN: urn, Text: "Read it",
			QuickReplies: []channels.QuickReply{{Type: "text", Text: "OK"}, {Type: "url", Text: "Open", Extra: "https://x.example/a?b=c&d=e"}}},
			Responses: []Response{ok("wamid.1")},
			WantRequests: []Request{sent(`{` + to + `,"type":"interactive","interactive":{"type":"cta_url","body":{"text":"Read it"},"action":{"name":"cta_url","parameters":` +
				`{"display_text":"Open","url":"https://x.example/a?b=c&d=e"}}}}`)},
			WantStatus: channels.SendWired, WantExternalID: "wamid.1"},
		{Label: "the server's token, alias keys", ChannelSpec: ChannelSpec{Channel: serverToken}, Msg: channels.Outgoing{URN: urn, Text: "Hi"}, Responses: []Response{ok("wamid.1")},
			WantRequests: []Request{sent(`{` + to + `,"type":"text","text":{"body":"Hi","preview_url":false}}`)},
			WantStatus:   channels.SendWired, WantExternalID: "wamid.1", Secrets: []string{token}},
		{Label: "wa_user_token", ChannelSpec: ChannelSpec{Address: phoneID, Config: channels.Config{"wa_user_token": token, "graph_url": GatewayURL}},
			Msg: channels.Outgoing{URN: urn, Text: "Hi"}, Responses: []Response{ok("wamid.1")},
			WantRequests: []Request{sent(`{` + to + `,"type":"text","text":{"body":"Hi","preview_url":false}}`)},
			WantStatus:   channels.SendWired, WantExternalID: "wamid.1", Secrets: []string{token}},
		{Label: "no token", ChannelSpec: ChannelSpec{Address: phoneID}, Msg: channels.Outgoing{URN: urn, Text: "Hi"},
			WantStatus: channels.SendFailed, WantError: channels.ErrorChannelConfig},
		{Label: "re-engagement error fails with the code", ChannelSpec: spec, Msg: channels.Outgoing{URN: urn, Text: "Hi"},
			Responses:    []Response{graphErr(400, 131047, "Re-engagement message")},
			WantRequests: []Request{sent(`{` + to + `,"type":"text","text":{"body":"Hi","preview_url":false}}`)},
			WantStatus:   channels.SendFailed, WantErrors: []channels.SendError{{Code: "external", ExtCode: "131047", Message: "Re-engagement message"}}},
		{Label: "throttled", ChannelSpec: spec, Msg: channels.Outgoing{URN: urn, Text: "Hi"},
			Responses:    []Response{graphErr(400, 130429, "Rate limit hit")},
			WantRequests: []Request{sent(`{` + to + `,"type":"text","text":{"body":"Hi","preview_url":false}}`)},
			WantStatus:   channels.SendErrored, WantErrors: []channels.SendError{{Code: channels.ErrorConnectionThrottled, Message: "Connection to server has been rate limited."},
				{Code: "external", ExtCode: "130429", Message: "Rate limit hit"}}},
		{Label: "media trouble is retried", ChannelSpec: spec, Msg: channels.Outgoing{URN: urn, Text: "Hi"},
			Responses:    []Response{graphErr(400, 131053, "Media upload error")},
			WantRequests: []Request{sent(`{` + to + `,"type":"text","text":{"body":"Hi","preview_url":false}}`)},
			WantStatus:   channels.SendErrored, WantErrors: []channels.SendError{{Code: "external", ExtCode: "131053", Message: "Media upload error"}}},
		{Label: "429 with no error", ChannelSpec: spec, Msg: channels.Outgoing{URN: urn, Text: "Hi"}, Responses: []Response{{Status: 429}},
			WantRequests: []Request{sent(`{` + to + `,"type":"text","text":{"body":"Hi","preview_url":false}}`)},
			WantStatus:   channels.SendErrored, WantError: channels.ErrorConnectionThrottled},
		{Label: "server error", ChannelSpec: spec, Msg: channels.Outgoing{URN: urn, Text: "Hi"}, Responses: []Response{{Status: 503}},
			WantRequests: []Request{sent(`{` + to + `,"type":"text","text":{"body":"Hi","preview_url":false}}`)},
			WantStatus:   channels.SendErrored, WantError: channels.ErrorConnectionFailed},
		{Label: "unreachable", ChannelSpec: spec, Msg: channels.Outgoing{URN: urn, Text: "Hi"}, Unreachable: true,
			WantStatus: channels.SendErrored, WantError: channels.ErrorConnectionFailed},
		{Label: "an answer without an id", ChannelSpec: spec, Msg: channels.Outgoing{URN: urn, Text: "Hi"}, Responses: []Response{{Body: `{"messages":[]}`}},
			WantRequests: []Request{sent(`{` + to + `,"type":"text","text":{"body":"Hi","preview_url":false}}`)},
			WantStatus:   channels.SendFailed, WantError: channels.ErrorResponseUnparseable},
		{Label: "the second part fails", ChannelSpec: spec, Msg: channels.Outgoing{URN: urn, Text: long},
			Responses: []Response{ok("wamid.1"), graphErr(400, 131026, "Message Undeliverable")},
			WantRequests: []Request{sent(`{` + to + `,"type":"text","text":{"body":"` + parts[0] + `","preview_url":false}}`),
				sent(`{` + to + `,"type":"text","text":{"body":"` + parts[1] + `","preview_url":false}}`)},
			WantStatus: channels.SendFailed, WantErrors: []channels.SendError{{Code: "external", ExtCode: "131026", Message: "Message Undeliverable"}}},
	})
}

func TestFailedReason(t *testing.T) {
	// the code becomes the message's failed reason (RunOutgoing doesn't look at Reason)
	g := graphtest.New(token)
	defer g.Close()
	g.FailNext(graphtest.Failure{Code: 131026, Message: "Message Undeliverable"})
	ch := NewChannel(channels.Get("wac"), "", channels.Config{"access_token": token, "graph_url": g.URL})
	ch.Address = phoneID
	res := channels.Get("wac").Send(t.Context(), ch, &channels.Outgoing{URN: "whatsapp:5678", Text: "Hi"}, g.Client())
	if res.Status != channels.SendFailed || res.Reason != "131026" {
		t.Errorf("result %+v, want failed with reason 131026", res)
	}
	if n := len(g.Requests()); n != 1 {
		t.Errorf("%d requests", n)
	}
	_ = wac.Code
}
