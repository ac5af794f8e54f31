package external_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/flowsd/flowsd/channels"
	. "github.com/flowsd/flowsd/channels/channeltest"
	"github.com/flowsd/flowsd/channels/external"
	"github.com/nyaruka/gocommon/urns"
)

const (
	msgUUID      = "019a0719-ac96-7eb9-a837-cac215164834"
	otherUUID    = "019a0719-ac96-7eb9-a837-cac215164835"
	handledAtStr = "2026-01-02T03:04:05.678Z"
)

// the answers courier gives, as JSON

func jsonOf(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func msgAnswer(text, urn, receivedOn string) string {
	return jsonOf(map[string]any{"message": "Message Accepted", "data": []any{map[string]any{
		"type": "msg", "channel_uuid": ChannelUUID, "msg_uuid": MsgUUID(0), "text": text, "urn": urn, "received_on": receivedOn,
	}}})
}

func statusAnswer(letter string) string {
	return jsonOf(map[string]any{"message": "Status Update Accepted", "data": []any{map[string]any{
		"type": "status", "channel_uuid": ChannelUUID, "status": letter,
	}}})
}

func eventAnswer(urn string) string {
	return jsonOf(map[string]any{"message": "Event Accepted", "data": []any{map[string]any{
		"type": "event", "channel_uuid": ChannelUUID, "event_type": "stop_contact", "urn": urn, "received_on": handledAtStr,
	}}})
}

func errorAnswer(errs ...string) string {
	data := []any{}
	for _, e := range errs {
		data = append(data, map[string]any{"type": "error", "error": e})
	}
	return jsonOf(map[string]any{"message": "Error", "data": data})
}

func gotMsg(urn urns.URN, text string, receivedOn time.Time) []channels.Received {
	return []channels.Received{{Msg: &channels.ReceivedMsg{URN: urn, Text: text, ReceivedOn: receivedOn}}}
}

func gotStatus(uuid string, status channels.MsgStatus) []channels.Received {
	return []channels.Received{{Status: &channels.ReceivedStatus{MsgUUID: uuid, Status: status}}}
}

func gotStop(urn urns.URN) []channels.Received {
	return []channels.Received{{Event: &channels.ReceivedEvent{Type: channels.EventStopContact, URN: urn}}}
}

func TestType(t *testing.T) {
	h := channels.Get("ex")
	if h == nil {
		t.Fatal("EX is not registered")
	}
	if h.Code() != "EX" || h.Name() != "External API" {
		t.Errorf("code %q name %q", h.Code(), h.Name())
	}
	if !reflect.DeepEqual(h.Schemes(), []string{"tel"}) {
		t.Errorf("schemes %q", h.Schemes())
	}
	if want := []string{"receive", "sent", "delivered", "failed", "stopped"}; !reflect.DeepEqual(h.Actions(), want) {
		t.Errorf("actions %q, want %q", h.Actions(), want)
	}
	if !slices.Contains(channels.Codes(), "EX") {
		t.Errorf("codes %q", channels.Codes())
	}
}

func TestReceive(t *testing.T) {
	const tel = urns.URN("tel:+2349067554729")
	date := time.Date(2017, 6, 23, 12, 30, 0, 500_000_000, time.UTC)

	RunIncoming(t, external.New(), []IncomingCase{
		{
			Label: "GET with query", Action: "receive", Query: "sender=%2B2349067554729&text=Join",
			WantJSON: msgAnswer("Join", string(tel), handledAtStr), WantContentType: "application/json",
			WantReceived: gotMsg(tel, "Join", time.Time{}),
		},
		{
			Label: "POST form", Action: "receive", Form: url.Values{"sender": {"+2349067554729"}, "text": {"Join"}},
			WantJSON: msgAnswer("Join", string(tel), handledAtStr), WantReceived: gotMsg(tel, "Join", time.Time{}),
		},
		{
			Label: "POST multipart form", Action: "receive", Multipart: map[string]string{"sender": "2349067554729", "text": "Join"},
			WantJSON: msgAnswer("Join", string(tel), handledAtStr), WantReceived: gotMsg(tel, "Join", time.Time{}),
		},
		{
			Label: "from", Action: "receive", Query: "from=%2B2349067554729&text=Join",
			WantJSON: msgAnswer("Join", string(tel), handledAtStr), WantReceived: gotMsg(tel, "Join", time.Time{}),
		},
		{
			Label: "from before sender", Action: "receive", Query: "sender=12067799192&from=2349067554729&text=Join",
			WantJSON: msgAnswer("Join", string(tel), handledAtStr), WantReceived: gotMsg(tel, "Join", time.Time{}),
		},
		{
			Label: "present but empty from wins over sender", Action: "receive", Query: "from=&sender=2349067554729&text=Join",
			WantStatus: 400, WantJSON: errorAnswer("must have one of 'sender' or 'from' set"),
		},
		{
			Label: "body before query", Action: "receive", Query: "from=12067799192",
			Form:     url.Values{"from": {"2349067554729"}, "text": {"Join"}},
			WantJSON: msgAnswer("Join", string(tel), handledAtStr), WantReceived: gotMsg(tel, "Join", time.Time{}),
		},
		{
			Label: "country parse: US channel, no plus", Action: "receive", Query: "from=2349067554729&text=Join",
			WantJSON: msgAnswer("Join", string(tel), handledAtStr), WantReceived: gotMsg(tel, "Join", time.Time{}),
		},
		{
			Label: "a plus in a query string is a space", Action: "receive", Query: "sender=+2349067554729&text=Hello+World",
			WantJSON: msgAnswer("Hello World", string(tel), handledAtStr), WantReceived: gotMsg(tel, "Hello World", time.Time{}),
		},
		{
			Label: "date with fraction", Action: "receive", Query: "sender=%2B2349067554729&text=Join&date=2017-06-23T12:30:00.500Z",
			WantJSON: msgAnswer("Join", string(tel), "2017-06-23T12:30:00.5Z"), WantReceived: gotMsg(tel, "Join", date),
		},
		{
			Label: "time without fraction", Action: "receive", Query: "sender=%2B2349067554729&text=Join&time=2017-06-23T12:30:00Z",
			WantJSON:     msgAnswer("Join", string(tel), "2017-06-23T12:30:00Z"),
			WantReceived: gotMsg(tel, "Join", time.Date(2017, 6, 23, 12, 30, 0, 0, time.UTC)),
		},
		{
			Label: "date with offset", Action: "receive", Query: "sender=%2B2349067554729&text=Join&date=2017-06-23T14:30:00%2B02:00",
			WantJSON:     msgAnswer("Join", string(tel), "2017-06-23T12:30:00Z"),
			WantReceived: gotMsg(tel, "Join", time.Date(2017, 6, 23, 12, 30, 0, 0, time.UTC)),
		},
		{
			Label: "date before time", Action: "receive", Query: "sender=%2B2349067554729&time=bad&date=2017-06-23T12:30:00.500Z",
			WantJSON: msgAnswer("", string(tel), "2017-06-23T12:30:00.5Z"), WantReceived: gotMsg(tel, "", date),
		},
		{
			Label: "empty date is no date", Action: "receive", Query: "sender=%2B2349067554729&text=Join&date=",
			WantJSON: msgAnswer("Join", string(tel), handledAtStr), WantReceived: gotMsg(tel, "Join", time.Time{}),
		},
		{
			Label: "date without zone", Action: "receive", Query: "sender=%2B2349067554729&text=Join&date=2017-06-23T12:30:00",
			WantStatus: 400, WantJSON: errorAnswer("invalid date format, must be RFC 3339"),
		},
		{
			Label: "compact date", Action: "receive", Query: "sender=%2B2349067554729&text=Join&time=20170623T123000Z",
			WantStatus: 400, WantJSON: errorAnswer("invalid date format, must be RFC 3339"),
		},
		{
			Label: "no text", Action: "receive", Query: "from=%2B2349067554729",
			WantJSON: msgAnswer("", string(tel), handledAtStr), WantReceived: gotMsg(tel, "", time.Time{}),
		},
		{
			Label: "empty text", Action: "receive", Form: url.Values{"from": {"+2349067554729"}, "text": {""}},
			WantJSON: msgAnswer("", string(tel), handledAtStr), WantReceived: gotMsg(tel, "", time.Time{}),
		},
		{
			Label: "not a number", Action: "receive", Query: "from=MTN&text=Join",
			WantStatus: 400, WantJSON: errorAnswer("not a possible number"),
		},
		{
			Label: "no params", Action: "receive",
			WantStatus: 400, WantJSON: errorAnswer("must have one of 'sender' or 'from' set"),
		},
		{
			Label: "no sender", Action: "receive", Query: "text=Join",
			WantStatus: 400, WantJSON: errorAnswer("must have one of 'sender' or 'from' set"),
		},
		{
			Label: "JSON body is not read", Action: "receive", Body: `{"from":"+2349067554729","text":"Join"}`, ContentType: "application/json",
			WantStatus: 400, WantJSON: errorAnswer("must have one of 'sender' or 'from' set"),
		},
		{
			Label: "bad query", Action: "receive", Query: "from=%zz&text=Join",
			WantStatus: 400, WantJSON: errorAnswer(`invalid request: invalid URL escape "%zz"`),
		},
		{
			Label: "a status path of a type that has none", Action: "wired", Query: "id=" + msgUUID,
			WantStatus: 404, WantJSON: jsonOf(map[string]any{"message": "Not Found", "data": []any{map[string]any{
				"type": "error", "error": "not found: /c/ex/" + ChannelUUID + "/wired/?id=" + msgUUID}}}),
		},
	})

	// a GM channel
	RunIncoming(t, external.New(), []IncomingCase{
		{
			Label: "GM number without plus", ChannelSpec: ChannelSpec{Country: "GM"}, Action: "receive", Query: "sender=2207222333&text=Join",
			WantJSON: msgAnswer("Join", "tel:+2207222333", handledAtStr), WantReceived: gotMsg("tel:+2207222333", "Join", time.Time{}),
		},
	})
}

func TestReceiveCustomFields(t *testing.T) {
	custom := ChannelSpec{Config: channels.Config{"mo_from_field": "from_number", "mo_text_field": "messageText", "mo_date_field": "timestamp"}}
	at := time.Date(2017, 6, 23, 12, 30, 0, 0, time.UTC)
	RunIncoming(t, external.New(), []IncomingCase{
		{
			Label: "custom fields", ChannelSpec: custom, Action: "receive",
			Query:        "from_number=12067799192&messageText=Join&timestamp=2017-06-23T12:30:00Z",
			WantJSON:     msgAnswer("Join", "tel:+12067799192", "2017-06-23T12:30:00Z"),
			WantReceived: gotMsg("tel:+12067799192", "Join", at),
		},
		{
			Label: "custom fields before the defaults", ChannelSpec: custom, Action: "receive",
			Form:         url.Values{"from_number": {"12067799192"}, "from": {"2349067554729"}, "messageText": {"Join"}, "text": {"no"}, "timestamp": {"2017-06-23T12:30:00Z"}, "date": {"bad"}},
			WantJSON:     msgAnswer("Join", "tel:+12067799192", "2017-06-23T12:30:00Z"),
			WantReceived: gotMsg("tel:+12067799192", "Join", at),
		},
		{
			Label: "the defaults when the custom fields are absent", ChannelSpec: custom, Action: "receive", Query: "sender=12067799192&text=Join",
			WantJSON: msgAnswer("Join", "tel:+12067799192", handledAtStr), WantReceived: gotMsg("tel:+12067799192", "Join", time.Time{}),
		},
		{
			Label: "custom from missing", ChannelSpec: custom, Action: "receive", Query: "sent_from=12067799192&messageText=Join",
			WantStatus: 400, WantJSON: errorAnswer("must have one of 'sender' or 'from' set"),
		},
	})
}

func TestReceiveOtherSchemes(t *testing.T) {
	ext := ChannelSpec{Country: "GM", Schemes: []string{"ext"}}
	RunIncoming(t, external.New(), []IncomingCase{
		{
			Label: "ext keeps an escaped plus", ChannelSpec: ext, Action: "receive", Query: "sender=%2B2349067554729&text=Join",
			WantJSON: msgAnswer("Join", "ext:+2349067554729", handledAtStr), WantReceived: gotMsg("ext:+2349067554729", "Join", time.Time{}),
		},
		{
			Label: "ext loses a query plus, trimmed", ChannelSpec: ext, Action: "receive", Query: "sender=+2349067554729&text=Join",
			WantJSON: msgAnswer("Join", "ext:2349067554729", handledAtStr), WantReceived: gotMsg("ext:2349067554729", "Join", time.Time{}),
		},
		{
			Label: "ext takes anything", ChannelSpec: ext, Action: "receive", Query: "from=MTN",
			WantJSON: msgAnswer("", "ext:MTN", handledAtStr), WantReceived: gotMsg("ext:MTN", "", time.Time{}),
		},
		{
			Label: "only the first scheme counts", ChannelSpec: ChannelSpec{Schemes: []string{"ext", "tel"}}, Action: "receive", Query: "from=2349067554729",
			WantJSON: msgAnswer("", "ext:2349067554729", handledAtStr), WantReceived: gotMsg("ext:2349067554729", "", time.Time{}),
		},
		{
			Label: "telegram validates", ChannelSpec: ChannelSpec{Schemes: []string{"telegram"}}, Action: "receive", Query: "from=abc",
			WantStatus: 400, WantJSON: errorAnswer("invalid path component"),
		},
		{
			Label: "stopped on ext", ChannelSpec: ext, Action: "stopped", Query: "from=abc",
			WantJSON: eventAnswer("ext:abc"), WantReceived: gotStop("ext:abc"),
		},
	})
}

const soapBody = `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:com="com.hero"><soapenv:Header/>` +
	`<soapenv:Body><com:moRequest><source>2349067554729</source><content>Join <![CDATA[us]]> &amp; more</content></com:moRequest></soapenv:Body></soapenv:Envelope>`

func TestReceiveXML(t *testing.T) {
	const tel = urns.URN("tel:+2349067554729")
	xmlChannel := ChannelSpec{Config: channels.Config{"from_xpath": "//source", "text_xpath": "//content"}}
	RunIncoming(t, external.New(), []IncomingCase{
		{
			Label: "SOAP", ChannelSpec: xmlChannel, Action: "receive", Body: soapBody, ContentType: "text/xml",
			WantJSON: msgAnswer("Join us & more", string(tel), handledAtStr), WantReceived: gotMsg(tel, "Join us & more", time.Time{}),
		},
		{
			Label: "absolute paths by local name, and a prefixed step", Action: "receive", Body: soapBody,
			ChannelSpec: ChannelSpec{Config: channels.Config{"from_xpath": "/Envelope/Body/com:moRequest/source", "text_xpath": "/soapenv:Envelope//content/text()"}},
			WantJSON:    msgAnswer("Join ", string(tel), handledAtStr), WantReceived: gotMsg(tel, "Join ", time.Time{}),
		},
		{
			Label: "attribute, first match in document order", Action: "receive",
			Body:        `<r><m from="12067799192"><t>one</t></m><m from="2349067554729"><t>two</t></m></r>`,
			ChannelSpec: ChannelSpec{Config: channels.Config{"from_xpath": "//m/@from", "text_xpath": "r/m/t"}},
			WantJSON:    msgAnswer("one", "tel:+12067799192", handledAtStr), WantReceived: gotMsg("tel:+12067799192", "one", time.Time{}),
		},
		{
			Label: "missing nodes", ChannelSpec: xmlChannel, Action: "receive",
			Body:       `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Header/><soapenv:Body></soapenv:Body></soapenv:Envelope>`,
			WantStatus: 400, WantJSON: errorAnswer("missing from at: //source or text at: //content node"),
		},
		{
			Label: "the form is not read in XML mode", ChannelSpec: xmlChannel, Action: "receive", Query: "from=2349067554729&text=Join",
			Body: `<a><source>2349067554729</source></a>`, WantStatus: 400, WantJSON: errorAnswer("missing from at: //source or text at: //content node"),
		},
		{
			Label: "an XPath outside the subset matches nothing", Action: "receive", Body: `<a><source>2349067554729</source><content>x</content></a>`,
			ChannelSpec: ChannelSpec{Config: channels.Config{"from_xpath": "//source[1]", "text_xpath": "//content"}},
			WantStatus:  400, WantJSON: errorAnswer("missing from at: //source[1] or text at: //content node"),
		},
		{
			Label: "mismatched tags", ChannelSpec: xmlChannel, Action: "receive", Body: `<a><source>1</a>`,
			WantStatus: 400, WantJSON: errorAnswer("unable to parse request XML: XML syntax error on line 1: element <source> closed by </a>"),
		},
		{
			Label: "unclosed", ChannelSpec: xmlChannel, Action: "receive", Body: "<a>\n<source>2349067554729</source>",
			WantStatus: 400, WantJSON: errorAnswer("unable to parse request XML: XML syntax error on line 2: unexpected EOF"),
		},
		{
			Label: "no element", ChannelSpec: xmlChannel, Action: "receive", Query: "from=2349067554729",
			WantStatus: 400, WantJSON: errorAnswer("unable to parse request XML: xmlquery: invalid XML document"),
		},
		{
			Label: "one XPath alone is form mode", ChannelSpec: ChannelSpec{Config: channels.Config{"from_xpath": "//source"}}, Action: "receive",
			Query: "from=2349067554729&text=Join", Body: `<a><source>12067799192</source></a>`,
			WantJSON: msgAnswer("Join", string(tel), handledAtStr), WantReceived: gotMsg(tel, "Join", time.Time{}),
		},
	})
}

func TestMOResponse(t *testing.T) {
	const tel = urns.URN("tel:+2349067554729")
	soap := ChannelSpec{Config: channels.Config{
		"from_xpath": "//source", "text_xpath": "//content",
		"mo_response": "<?xml version=“1.0”?><return>0</return>", "mo_response_content_type": "text/xml",
	}}
	plain := ChannelSpec{Config: channels.Config{"mo_response": "OK"}}
	RunIncoming(t, external.New(), []IncomingCase{
		{
			Label: "SOAP with its answer", ChannelSpec: soap, Action: "receive", Body: soapBody,
			WantBody: "<?xml version=“1.0”?><return>0</return>", WantContentType: "text/xml",
			WantReceived: gotMsg(tel, "Join us & more", time.Time{}),
		},
		{
			Label: "no content type configured", ChannelSpec: plain, Action: "receive", Query: "from=2349067554729&text=Join",
			WantBody: "OK", WantContentType: "text/plain; charset=utf-8", WantReceived: gotMsg(tel, "Join", time.Time{}),
		},
		{
			Label: "errors are still courier's", ChannelSpec: plain, Action: "receive", Query: "text=Join",
			WantStatus: 400, WantJSON: errorAnswer("must have one of 'sender' or 'from' set"),
		},
		{
			Label: "only for receive", ChannelSpec: plain, Action: "sent", Query: "id=" + msgUUID,
			WantJSON: statusAnswer("S"), WantReceived: gotStatus(msgUUID, channels.StatusSent),
		},
		{
			Label: "not for stopped", ChannelSpec: plain, Action: "stopped", Query: "from=2349067554729",
			WantJSON: eventAnswer(string(tel)), WantReceived: gotStop(tel),
		},
	})
}

func TestStatus(t *testing.T) {
	RunIncoming(t, external.New(), []IncomingCase{
		{
			Label: "sent by id", Action: "sent", Query: "id=" + msgUUID,
			WantJSON: statusAnswer("S"), WantContentType: "application/json", WantReceived: gotStatus(msgUUID, channels.StatusSent),
		},
		{
			Label: "delivered by id, POST form", Action: "delivered", Form: url.Values{"id": {msgUUID}},
			WantJSON: statusAnswer("D"), WantReceived: gotStatus(msgUUID, channels.StatusDelivered),
		},
		{
			Label: "delivered with a body that is no form", Action: "delivered", Query: "id=" + msgUUID, Body: "nothing",
			WantJSON: statusAnswer("D"), WantReceived: gotStatus(msgUUID, channels.StatusDelivered),
		},
		{
			Label: "failed by uuid", Action: "failed", Query: "uuid=" + msgUUID,
			WantJSON: statusAnswer("F"), WantReceived: gotStatus(msgUUID, channels.StatusFailed),
		},
		{
			Label: "failed by uuid, multipart", Action: "failed", Multipart: map[string]string{"uuid": msgUUID},
			WantJSON: statusAnswer("F"), WantReceived: gotStatus(msgUUID, channels.StatusFailed),
		},
		{
			Label: "uuid wins over id", Action: "delivered", Query: "id=" + otherUUID + "&uuid=" + msgUUID,
			WantJSON: statusAnswer("D"), WantReceived: gotStatus(msgUUID, channels.StatusDelivered),
		},
		{
			Label: "a non-empty uuid wins even when only id is valid", Action: "sent", Query: "id=" + msgUUID + "&uuid=nope",
			WantJSON: statusAnswer("S"), WantReceived: gotStatus("nope", channels.StatusSent),
		},
		{
			Label: "the last value of a field", Action: "sent", Query: "id=12&id=" + msgUUID,
			WantJSON: statusAnswer("S"), WantReceived: gotStatus(msgUUID, channels.StatusSent),
		},
		{
			Label: "no params", Action: "failed",
			WantStatus: 400, WantJSON: errorAnswer("parameters id or uuid should not be empty"),
		},
		{
			Label: "both empty", Action: "sent", Query: "id=&uuid=",
			WantStatus: 400, WantJSON: errorAnswer("parameters id or uuid should not be empty"),
		},
		{
			Label: "integer id", Action: "sent", Query: "id=12345",
			WantStatus: 400, WantJSON: errorAnswer("parsing failed: id '12345' and uuid '' are not valid UUIDs"),
		},
		{
			Label: "neither valid", Action: "delivered", Form: url.Values{"id": {"abc"}, "uuid": {"019A0719-AC96-7EB9-A837-CAC215164834"}},
			WantStatus: 400, WantJSON: errorAnswer("parsing failed: id 'abc' and uuid '019A0719-AC96-7EB9-A837-CAC215164834' are not valid UUIDs"),
		},
	})
}

func TestStopped(t *testing.T) {
	const tel = urns.URN("tel:+2349067554729")
	RunIncoming(t, external.New(), []IncomingCase{
		{
			Label: "GET", Action: "stopped", Query: "from=%2B2349067554729",
			WantJSON: eventAnswer(string(tel)), WantReceived: gotStop(tel),
		},
		{
			Label: "POST form", Action: "stopped", Form: url.Values{"from": {"+2349067554729"}},
			WantJSON: eventAnswer(string(tel)), WantReceived: gotStop(tel),
		},
		{
			Label: "not a number", Action: "stopped", Query: "from=MTN",
			WantStatus: 400, WantJSON: errorAnswer("not a possible number"),
		},
		{
			Label: "no from", Action: "stopped", Query: "sender=2349067554729",
			WantStatus: 400, WantJSON: errorAnswer(
				"Key: 'stopContactForm.From' Error:Field validation for 'From' failed on the 'required' tag",
				"field 'from' required"),
		},
		{
			Label: "empty from", Action: "stopped", Form: url.Values{"from": {""}},
			WantStatus: 400, WantBodyContains: `{"type":"error","error":"field 'from' required"}`,
		},
	})
}

func TestErrorList(t *testing.T) {
	_, err := external.New().Receive(t.Context(), NewChannel(external.New(), "", nil), "stopped", newRequest(t, "/c/ex/x/stopped"))
	list, ok := err.(external.ErrorList)
	if !ok {
		t.Fatalf("error %T %v, want an ErrorList", err, err)
	}
	if len(list.Errors()) != 2 || err.Error() != list.Errors()[0].Error() {
		t.Errorf("errors %q, text %q", list.Errors(), err.Error())
	}
	if got := ErrorEntries(err); len(got) != 2 || got[1].Error() != "field 'from' required" {
		t.Errorf("entries %q", got)
	}
}

// sends

var (
	to       = urns.URN("tel:+250788383383")
	sendURL  = GatewayURL + "/send"
	accepted = []Response{{Body: "0: Accepted for delivery"}}
	formType = map[string]string{"Content-Type": "application/x-www-form-urlencoded", "User-Agent": "flowsd"}
	jsonType = map[string]string{"Content-Type": "application/json", "User-Agent": "flowsd"}
	xmlType  = map[string]string{"Content-Type": "text/xml; charset=utf-8", "User-Agent": "flowsd"}
	allVars  = "id={{id}}&uuid={{uuid}}&text={{text}}&to={{to}}&to_no_plus={{to_no_plus}}&from={{from}}&from_no_plus={{from_no_plus}}" +
		"&channel={{channel}}&session_status={{session_status}}&other={{other}}{{quick_replies}}"
	// RapidPro's default body
	defaultBody = "uuid={{uuid}}&text={{text}}&to={{to}}&to_no_plus={{to_no_plus}}&from={{from}}&from_no_plus={{from_no_plus}}&channel={{channel}}"
	jsonBody    = `{"to":{{to}},"text":{{text}},"from":{{from}},"quick_replies":{{quick_replies}}}`
	xmlBody     = `<msg><to>{{to}}</to><text>{{text}}</text><from>{{from}}</from><quick_replies>{{quick_replies}}</quick_replies></msg>`
	qrs         = []channels.QuickReply{{Type: "text", Text: "One"}, {Type: "location", Text: "Where?"}, {Type: "text", Text: "Two & <3>"}}
	long        = "This is a long message that will be longer than 30....... characters"
)

func get(path string) Request { return Request{Method: "GET", Path: path, Headers: formType} }
func post(body string) Request {
	return Request{Method: "POST", Path: "/send", Headers: formType, Body: body}
}

func wired(c OutgoingCase) OutgoingCase {
	c.WantStatus = channels.SendWired
	if c.Responses == nil {
		for range c.WantRequests {
			c.Responses = append(c.Responses, accepted[0])
		}
	}
	return c
}

func TestSendTemplates(t *testing.T) {
	RunOutgoing(t, external.New(), []OutgoingCase{
		wired(OutgoingCase{
			Label:       "GET with every variable in the query",
			ChannelSpec: ChannelSpec{Address: "+12065551212", Config: channels.Config{"method": "GET", "send_url": sendURL + "?" + allVars, "body": "ignored={{text}}"}},
			Msg:         channels.Outgoing{UUID: msgUUID, Text: "Simple Message ☺ & more", URN: to, QuickReplies: qrs, SessionStatus: "W"},
			WantRequests: []Request{{Method: "GET", Headers: formType, NoHeaders: []string{"Authorization"}, Path: "/send?id=" + msgUUID + "&uuid=" + msgUUID +
				"&text=Simple+Message+%E2%98%BA+%26+more&to=%2B250788383383&to_no_plus=250788383383&from=%2B12065551212&from_no_plus=12065551212" +
				"&channel=" + ChannelUUID + "&session_status=W&other={{other}}&quick_reply=One&quick_reply=Two+%26+%3C3%3E"}},
		}),
		wired(OutgoingCase{
			Label:        "POST urlencoded with RapidPro's default body",
			ChannelSpec:  ChannelSpec{Config: channels.Config{"send_url": sendURL, "body": defaultBody}},
			Msg:          channels.Outgoing{UUID: msgUUID, Text: "Hi there", URN: to},
			WantRequests: []Request{post("uuid=" + msgUUID + "&text=Hi+there&to=%2B250788383383&to_no_plus=250788383383&from=2020&from_no_plus=2020&channel=" + ChannelUUID)},
		}),
		wired(OutgoingCase{
			Label:       "POST urlencoded, quick replies in body and URL",
			ChannelSpec: ChannelSpec{Config: channels.Config{"send_url": sendURL + "?s={{session_status}}{{quick_replies}}", "body": "text={{text}}{{quick_replies}}"}},
			Msg:         channels.Outgoing{Text: "Pick", URN: to, QuickReplies: qrs, SessionStatus: "C"},
			WantRequests: []Request{{Method: "POST", Path: "/send?s=C&quick_reply=One&quick_reply=Two+%26+%3C3%3E", Headers: formType,
				Body: "text=Pick&quick_reply=One&quick_reply=Two+%26+%3C3%3E"}},
		}),
		wired(OutgoingCase{
			Label:        "POST without a body template sends an empty body",
			ChannelSpec:  ChannelSpec{Config: channels.Config{"send_url": sendURL + "?text={{text}}"}},
			Msg:          channels.Outgoing{Text: "Hi", URN: to},
			WantRequests: []Request{{Method: "POST", Path: "/send?text=Hi", Headers: formType}},
		}),
		wired(OutgoingCase{
			Label:        "PUT",
			ChannelSpec:  ChannelSpec{Config: channels.Config{"send_url": sendURL, "method": "PUT", "body": "to={{to_no_plus}}&text={{text}}"}},
			Msg:          channels.Outgoing{Text: "Hi", URN: to},
			WantRequests: []Request{{Method: "PUT", Path: "/send", Headers: formType, Body: "to=250788383383&text=Hi"}},
		}),
		wired(OutgoingCase{
			Label:        "an empty message",
			ChannelSpec:  ChannelSpec{Config: channels.Config{"send_url": sendURL + "?text={{text}}", "method": "GET"}},
			Msg:          channels.Outgoing{URN: to},
			WantRequests: []Request{get("/send?text=")},
		}),
		wired(OutgoingCase{
			Label:       "JSON: values quoted and escaped, quick replies an array",
			ChannelSpec: ChannelSpec{Config: channels.Config{"send_url": sendURL, "content_type": "json", "body": jsonBody}},
			Msg:         channels.Outgoing{Text: "Hi \"you\" <b>&\n☺", URN: to, QuickReplies: qrs},
			WantRequests: []Request{{Method: "POST", Path: "/send", Headers: jsonType,
				Body: `{"to":"+250788383383","text":"Hi \"you\" \u003cb\u003e\u0026\n☺","from":"2020","quick_replies":["One","Two & <3>"]}`}},
		}),
		wired(OutgoingCase{
			Label:        "JSON without quick replies",
			ChannelSpec:  ChannelSpec{Config: channels.Config{"send_url": sendURL, "content_type": "json", "body": jsonBody}},
			Msg:          channels.Outgoing{Text: "Simple Message", URN: to},
			WantRequests: []Request{{Method: "POST", Path: "/send", Headers: jsonType, Body: `{"to":"+250788383383","text":"Simple Message","from":"2020","quick_replies":[]}`}},
		}),
		wired(OutgoingCase{
			Label:        "JSON: a value is never substituted again",
			ChannelSpec:  ChannelSpec{Config: channels.Config{"send_url": sendURL, "content_type": "json", "body": `{"text":{{text}},"to":{{to}}}`}},
			Msg:          channels.Outgoing{Text: "{{to}} {{from}}", URN: to},
			WantRequests: []Request{{Method: "POST", Path: "/send", Headers: jsonType, Body: `{"text":"{{to}} {{from}}","to":"+250788383383"}`}},
		}),
		wired(OutgoingCase{
			Label:        "JSON on GET: the header but no body, the URL still query-escaped",
			ChannelSpec:  ChannelSpec{Config: channels.Config{"send_url": sendURL + "?text={{text}}{{quick_replies}}", "method": "GET", "content_type": "json", "body": jsonBody}},
			Msg:          channels.Outgoing{Text: "a b", URN: to, QuickReplies: qrs[:1]},
			WantRequests: []Request{{Method: "GET", Path: "/send?text=a+b&quick_reply=One", Headers: jsonType}},
		}),
		wired(OutgoingCase{
			Label:       "XML: escaped, newline as a character reference, quick replies as items",
			ChannelSpec: ChannelSpec{Config: channels.Config{"send_url": sendURL, "content_type": "xml", "body": xmlBody}},
			Msg:         channels.Outgoing{Text: "Tom & Jerry <3\nbye", URN: to, QuickReplies: qrs},
			WantRequests: []Request{{Method: "POST", Path: "/send", Headers: xmlType,
				Body: `<msg><to>+250788383383</to><text>Tom &amp; Jerry &lt;3&#xA;bye</text><from>2020</from><quick_replies><item>One</item><item>Two &amp; &lt;3&gt;</item></quick_replies></msg>`}},
		}),
		wired(OutgoingCase{
			Label:       "XML without quick replies, with an attachment",
			ChannelSpec: ChannelSpec{Config: channels.Config{"send_url": sendURL, "content_type": "xml", "body": xmlBody}},
			Msg:         channels.Outgoing{Text: "My pic!", URN: to, Attachments: []string{"image/jpeg:https://foo.bar/image.jpg"}},
			WantRequests: []Request{{Method: "POST", Path: "/send", Headers: xmlType,
				Body: `<msg><to>+250788383383</to><text>My pic!&#xA;https://foo.bar/image.jpg</text><from>2020</from><quick_replies></quick_replies></msg>`}},
		}),
		wired(OutgoingCase{
			Label: "another content type is sent verbatim, values as they are",
			ChannelSpec: ChannelSpec{Config: channels.Config{"send_url": sendURL + "?t={{text}}", "content_type": "application/vnd.example+json",
				"body": `{"text":"{{text}}","to":"{{to}}"}{{quick_replies}}`}},
			Msg: channels.Outgoing{Text: `a "b" & c`, URN: to, QuickReplies: qrs[:1]},
			WantRequests: []Request{{Method: "POST", Path: "/send?t=a+%22b%22+%26+c", Headers: map[string]string{"Content-Type": "application/vnd.example+json"},
				Body: `{"text":"a "b" & c","to":"+250788383383"}&quick_reply=One`}},
		}),
		wired(OutgoingCase{
			Label:        "attachments are appended as URLs (a bare URL loses its scheme, as in courier)",
			ChannelSpec:  ChannelSpec{Config: channels.Config{"send_url": sendURL, "body": "text={{text}}"}},
			Msg:          channels.Outgoing{Text: "My pic!", URN: to, Attachments: []string{"image/jpeg:https://foo.bar/image.jpg", "https://foo.bar/no-type.png"}},
			WantRequests: []Request{post("text=My+pic%21%0Ahttps%3A%2F%2Ffoo.bar%2Fimage.jpg%0A%2F%2Ffoo.bar%2Fno-type.png")},
		}),
		wired(OutgoingCase{
			Label:        "use_national",
			ChannelSpec:  ChannelSpec{Country: "RW", Config: channels.Config{"send_url": sendURL + "?to={{to}}&to_no_plus={{to_no_plus}}", "method": "GET", "use_national": true}},
			Msg:          channels.Outgoing{Text: "Hi", URN: to},
			WantRequests: []Request{get("/send?to=788383383&to_no_plus=788383383")},
		}),
	})
}

func TestSendSplitting(t *testing.T) {
	RunOutgoing(t, external.New(), []OutgoingCase{
		wired(OutgoingCase{
			Label:       "68 characters at 30, quick replies on the last part only",
			ChannelSpec: ChannelSpec{Config: channels.Config{"send_url": sendURL + "?text={{text}}&to={{to}}&from={{from}}{{quick_replies}}", "method": "GET", "max_length": 30}},
			Msg:         channels.Outgoing{Text: long, URN: to, QuickReplies: qrs[:1]},
			WantRequests: []Request{
				get("/send?text=This+is+a+long+message+that&to=%2B250788383383&from=2020"),
				get("/send?text=will+be+longer+than+30.......&to=%2B250788383383&from=2020"),
				get("/send?text=characters&to=%2B250788383383&from=2020&quick_reply=One"),
			},
		}),
		wired(OutgoingCase{
			Label:       "JSON parts, max_length as a string",
			ChannelSpec: ChannelSpec{Config: channels.Config{"send_url": sendURL, "content_type": "json", "body": jsonBody, "max_length": "30"}},
			Msg:         channels.Outgoing{Text: long, URN: to, QuickReplies: qrs},
			WantRequests: []Request{
				{Method: "POST", Path: "/send", Headers: jsonType, Body: `{"to":"+250788383383","text":"This is a long message that","from":"2020","quick_replies":[]}`},
				{Method: "POST", Path: "/send", Headers: jsonType, Body: `{"to":"+250788383383","text":"will be longer than 30.......","from":"2020","quick_replies":[]}`},
				{Method: "POST", Path: "/send", Headers: jsonType, Body: `{"to":"+250788383383","text":"characters","from":"2020","quick_replies":["One","Two & <3>"]}`},
			},
		}),
		wired(OutgoingCase{
			Label:       "XML parts",
			ChannelSpec: ChannelSpec{Config: channels.Config{"send_url": sendURL, "content_type": "xml", "body": `<text>{{text}}</text><qr>{{quick_replies}}</qr>`, "max_length": 30}},
			Msg:         channels.Outgoing{Text: long, URN: to, QuickReplies: qrs[:1]},
			WantRequests: []Request{
				{Method: "POST", Path: "/send", Headers: xmlType, Body: `<text>This is a long message that</text><qr></qr>`},
				{Method: "POST", Path: "/send", Headers: xmlType, Body: `<text>will be longer than 30.......</text><qr></qr>`},
				{Method: "POST", Path: "/send", Headers: xmlType, Body: `<text>characters</text><qr><item>One</item></qr>`},
			},
		}),
		wired(OutgoingCase{
			Label:        "160 bytes by default: 160 is one part",
			ChannelSpec:  ChannelSpec{Config: channels.Config{"send_url": sendURL, "body": "{{text}}"}},
			Msg:          channels.Outgoing{Text: repeat("a", 160), URN: to},
			WantRequests: []Request{post(repeat("a", 160))},
		}),
		wired(OutgoingCase{
			Label:        "160 bytes by default: 161 are two",
			ChannelSpec:  ChannelSpec{Config: channels.Config{"send_url": sendURL, "body": "{{text}}"}},
			Msg:          channels.Outgoing{Text: repeat("a", 161), URN: to},
			WantRequests: []Request{post(repeat("a", 160)), post("a")},
		}),
		wired(OutgoingCase{
			Label:        "bytes, not characters: 5 two-byte runes fill 10",
			ChannelSpec:  ChannelSpec{Config: channels.Config{"send_url": sendURL, "body": "{{text}}", "max_length": 10}},
			Msg:          channels.Outgoing{Text: "ééééé éé", URN: to},
			WantRequests: []Request{post("%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9"), post("%C3%A9%C3%A9")},
		}),
		wired(OutgoingCase{
			Label:        "a rune jumping over max_length keeps the part growing",
			ChannelSpec:  ChannelSpec{Config: channels.Config{"send_url": sendURL, "body": "{{text}}", "max_length": 9}},
			Msg:          channels.Outgoing{Text: "éééééé", URN: to},
			WantRequests: []Request{post("%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9")},
		}),
		wired(OutgoingCase{
			Label:        "a trailing space makes an empty last part",
			ChannelSpec:  ChannelSpec{Config: channels.Config{"send_url": sendURL, "body": "t={{text}}{{quick_replies}}", "max_length": 10}},
			Msg:          channels.Outgoing{Text: "abcdefghij ", URN: to, QuickReplies: qrs[:1]},
			WantRequests: []Request{post("t=abcdefghij"), post("t=&quick_reply=One")},
		}),
		wired(OutgoingCase{
			Label:        "an attachment URL can be cut",
			ChannelSpec:  ChannelSpec{Config: channels.Config{"send_url": sendURL, "body": "t={{text}}", "max_length": 20}},
			Msg:          channels.Outgoing{Text: "See", URN: to, Attachments: []string{"image/png:https://example.com/pic.png"}},
			WantRequests: []Request{post("t=See%0Ahttps%3A%2F%2Fexample."), post("t=com%2Fpic.png")},
		}),
	})
}

func repeat(s string, n int) string {
	b := make([]byte, 0, len(s)*n)
	for range n {
		b = append(b, s...)
	}
	return string(b)
}

func TestSendHeaders(t *testing.T) {
	RunOutgoing(t, external.New(), []OutgoingCase{
		wired(OutgoingCase{
			Label:       "send_authorization",
			ChannelSpec: ChannelSpec{Config: channels.Config{"send_url": sendURL, "body": "text={{text}}", "send_authorization": "Token SECRET123", "api_key": "unused-key"}},
			Msg:         channels.Outgoing{Text: "Hi", URN: to},
			WantRequests: []Request{{Method: "POST", Path: "/send", Body: "text=Hi",
				Headers: map[string]string{"Authorization": "Token SECRET123", "Content-Type": "application/x-www-form-urlencoded", "User-Agent": "flowsd"}}},
			Secrets: []string{"Token SECRET123"},
		}),
		wired(OutgoingCase{
			Label: "headers override send_authorization, and are redacted",
			ChannelSpec: ChannelSpec{Config: channels.Config{"send_url": sendURL, "content_type": "json", "body": jsonBody, "send_authorization": "Token SECRET123",
				"headers": map[string]any{"Authorization": "Bearer HEADERTOKEN", "X-Api-Key": "KEY987", "User-Agent": "not this", "X-Count": 3}}},
			Msg: channels.Outgoing{Text: "Hi", URN: to},
			WantRequests: []Request{{Method: "POST", Path: "/send", Body: `{"to":"+250788383383","text":"Hi","from":"2020","quick_replies":[]}`,
				Headers: map[string]string{"Authorization": "Bearer HEADERTOKEN", "X-Api-Key": "KEY987", "X-Count": "3", "Content-Type": "application/json", "User-Agent": "flowsd"}}},
			Secrets: []string{"Bearer HEADERTOKEN", "KEY987"},
		}),
		wired(OutgoingCase{
			Label: "headers on GET, over several parts",
			ChannelSpec: ChannelSpec{Config: channels.Config{"send_url": sendURL + "?text={{text}}", "method": "GET", "max_length": 30,
				"headers": map[string]any{"X-Token": "tok-abc"}}},
			Msg: channels.Outgoing{Text: long, URN: to},
			WantRequests: []Request{
				{Method: "GET", Path: "/send?text=This+is+a+long+message+that", Headers: map[string]string{"X-Token": "tok-abc"}},
				{Method: "GET", Path: "/send?text=will+be+longer+than+30.......", Headers: map[string]string{"X-Token": "tok-abc"}},
				{Method: "GET", Path: "/send?text=characters", Headers: map[string]string{"X-Token": "tok-abc"}},
			},
			Secrets: []string{"tok-abc"},
		}),
	})
}

func TestSendEncoding(t *testing.T) {
	smart := ChannelSpec{Config: channels.Config{"send_url": sendURL, "body": "text={{text}}", "encoding": "S"}}
	RunOutgoing(t, external.New(), []OutgoingCase{
		wired(OutgoingCase{
			Label: "smart: substitutions that make GSM7", ChannelSpec: smart,
			Msg:          channels.Outgoing{Text: "Fancy “Smart” Quotes – it’s ok", URN: to},
			WantRequests: []Request{post("text=Fancy+%22Smart%22+Quotes+-+it%27s+ok")},
		}),
		wired(OutgoingCase{
			Label: "smart: left alone when the result still isn't GSM7", ChannelSpec: smart,
			Msg:          channels.Outgoing{Text: "“Hi” ☺", URN: to},
			WantRequests: []Request{post("text=%E2%80%9CHi%E2%80%9D+%E2%98%BA")},
		}),
		wired(OutgoingCase{
			Label:        "default encoding substitutes nothing",
			ChannelSpec:  ChannelSpec{Config: channels.Config{"send_url": sendURL, "body": "text={{text}}"}},
			Msg:          channels.Outgoing{Text: "“Hi”", URN: to},
			WantRequests: []Request{post("text=%E2%80%9CHi%E2%80%9D")},
		}),
		wired(OutgoingCase{
			Label:        "unicode encoding substitutes nothing",
			ChannelSpec:  ChannelSpec{Config: channels.Config{"send_url": sendURL, "body": "text={{text}}", "encoding": "U"}},
			Msg:          channels.Outgoing{Text: "“Hi”", URN: to},
			WantRequests: []Request{post("text=%E2%80%9CHi%E2%80%9D")},
		}),
	})
}

func TestSendOutcomes(t *testing.T) {
	form := ChannelSpec{Config: channels.Config{"send_url": sendURL, "body": "text={{text}}"}}
	split := ChannelSpec{Config: channels.Config{"send_url": sendURL, "body": "text={{text}}", "max_length": 30}}
	check := ChannelSpec{Config: channels.Config{"send_url": sendURL, "content_type": "xml", "body": "<text>{{text}}</text>", "mt_response_check": "<return>0</return>"}}
	hi := channels.Outgoing{Text: "Hi", URN: to}
	longMsg := channels.Outgoing{Text: long, URN: to}
	part1, part2 := post("text=This+is+a+long+message+that"), post("text=will+be+longer+than+30.......")
	xmlHi := Request{Method: "POST", Path: "/send", Headers: xmlType, Body: "<text>Hi</text>"}

	RunOutgoing(t, external.New(), []OutgoingCase{
		{
			Label: "response check passes", ChannelSpec: check, Msg: hi,
			Responses:    []Response{{Body: "<response><return>0</return></response>"}},
			WantRequests: []Request{xmlHi}, WantStatus: channels.SendWired,
		},
		{
			Label: "response check fails", ChannelSpec: check, Msg: hi,
			Responses:    []Response{{Body: "<response><return>1</return></response>"}},
			WantRequests: []Request{xmlHi}, WantStatus: channels.SendFailed,
			WantErrors: []channels.SendError{{Code: "response_content", Message: "Response content indicates non-success."}},
		},
		{
			Label: "response check on every part", Msg: longMsg,
			ChannelSpec:  ChannelSpec{Config: channels.Config{"send_url": sendURL, "body": "text={{text}}", "max_length": 30, "mt_response_check": "OK"}},
			Responses:    []Response{{Body: "OK"}, {Body: "NO"}},
			WantRequests: []Request{part1, part2}, WantStatus: channels.SendFailed, WantError: "response_content",
		},
		{
			Label: "5xx is errored", ChannelSpec: form, Msg: hi,
			Responses: []Response{{Status: 500, Body: "oops"}}, WantRequests: []Request{post("text=Hi")},
			WantStatus: channels.SendErrored,
			WantErrors: []channels.SendError{{Code: "connection_failed", Message: "Connection to server failed."}},
		},
		{
			Label: "a failing part stops the send", ChannelSpec: split, Msg: longMsg,
			Responses:    []Response{{Body: "ok"}, {Status: 503}},
			WantRequests: []Request{part1, part2}, WantStatus: channels.SendErrored, WantError: "connection_failed",
		},
		{
			Label: "429 is throttled, with Retry-After", ChannelSpec: form, Msg: hi,
			Responses:    []Response{{Status: 429, Headers: map[string]string{"Retry-After": "120"}}},
			WantRequests: []Request{post("text=Hi")}, WantStatus: channels.SendErrored, WantRetryAfter: 2 * time.Minute,
			WantErrors: []channels.SendError{{Code: "connection_throttled", Message: "Connection to server has been rate limited."}},
		},
		{
			Label: "429 without Retry-After", ChannelSpec: form, Msg: hi,
			Responses:    []Response{{Status: 429}},
			WantRequests: []Request{post("text=Hi")}, WantStatus: channels.SendErrored, WantError: "connection_throttled",
		},
		{
			Label: "400 is failed", ChannelSpec: form, Msg: hi,
			Responses: []Response{{Status: 400, Body: "bad"}}, WantRequests: []Request{post("text=Hi")},
			WantStatus: channels.SendFailed,
			WantErrors: []channels.SendError{{Code: "response_status", Message: "Response has non-success status code."}},
		},
		{
			Label: "a 3xx that isn't followed is failed", ChannelSpec: form, Msg: hi,
			Responses: []Response{{Status: 302}}, WantRequests: []Request{post("text=Hi")},
			WantStatus: channels.SendFailed, WantError: "response_status",
		},
		{
			Label: "connection refused is errored", ChannelSpec: form, Msg: hi, Unreachable: true,
			WantStatus: channels.SendErrored, WantError: "connection_failed",
		},
		{
			Label: "a timeout is errored", ChannelSpec: form, Msg: hi, Timeout: 100 * time.Millisecond,
			Responses:    []Response{{Delay: 2 * time.Second}},
			WantRequests: []Request{post("text=Hi")}, WantStatus: channels.SendErrored, WantError: "connection_failed",
		},
		{
			Label: "no send_url is failed", ChannelSpec: ChannelSpec{Config: channels.Config{"body": "text={{text}}"}}, Msg: hi,
			WantStatus: channels.SendFailed,
			WantErrors: []channels.SendError{{Code: "channel_config", Message: "Channel configuration is missing required values."}},
		},
		{
			Label: "a send_url that isn't a URL", ChannelSpec: ChannelSpec{Config: channels.Config{"send_url": "http://exa mple.com/{{text}}"}}, Msg: hi,
			WantStatus: channels.SendErrored, WantError: "internal_error",
		},
	})
}

func TestSecrets(t *testing.T) {
	h := external.New()
	ch := NewChannel(h, "", channels.Config{
		"auth_token": "at", "api_key": "ak", "secret": "s", "password": "pw", "send_authorization": "Token x", "username": "not secret",
		"headers": map[string]any{"X-B": "hb", "X-A": "ha", "X-Empty": "", "X-Dup": "ak"},
	})
	if got, want := h.Secrets(ch), []string{"at", "ak", "s", "pw", "Token x", "ha", "hb"}; !reflect.DeepEqual(got, want) {
		t.Errorf("secrets %q, want %q", got, want)
	}
	if got := h.Secrets(NewChannel(h, "", channels.Config{"api_key": ""})); len(got) != 0 {
		t.Errorf("secrets %q, want none", got)
	}
}

func newRequest(t *testing.T, target string) *http.Request {
	t.Helper()
	return httptest.NewRequest(http.MethodGet, target, nil)
}
