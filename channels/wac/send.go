package wac

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/flowsd/flowsd/channels"
	"github.com/nyaruka/gocommon/stringsx"
)

// WhatsApp's limits on what is sent.
const (
	maxTextBytes    = 4096 // a text message's body
	maxCaptionBytes = 1024 // a caption or an interactive body
	maxButtons      = 3
	maxListRows     = 10
	maxButtonTitle  = 20
	maxRowTitle     = 24
	maxRowDesc      = 72
	maxFlowCTA      = 30
)

// What channel logs say of failures.
const (
	codeExternal           = "external"
	msgChannelConfig       = "Channel configuration is missing required values."
	msgConnectionFailed    = "Connection to server failed."
	msgConnectionThrottled = "Connection to server has been rate limited."
	msgResponseUnparseable = "Unable to parse response body."
)

// throttled are Meta's codes of a sender going too fast: tried again later.
var throttled = []int{4, 80007, 130429, 131048, 131056, 133016}

// retryable are Meta's codes of a passing trouble that isn't throttling: media upload or download.
var retryable = []int{131053}

// The request bodies (field order as Meta's documentation and courier write them).
type (
	sendPayload struct {
		MessagingProduct string   `json:"messaging_product"`
		RecipientType    string   `json:"recipient_type"`
		To               string   `json:"to"`
		Type             string   `json:"type"`
		Text             *textObj `json:"text,omitempty"`
		mediaFields
		Interactive *interactive `json:"interactive,omitempty"`
		Template    *templateObj `json:"template,omitempty"`
	}
	// mediaFields are a media message's object, or an interactive header's, under its kind
	mediaFields struct {
		Image    *mediaObj `json:"image,omitempty"`
		Audio    *mediaObj `json:"audio,omitempty"`
		Video    *mediaObj `json:"video,omitempty"`
		Document *mediaObj `json:"document,omitempty"`
	}
	textObj struct {
		Body       string `json:"body"`
		PreviewURL bool   `json:"preview_url"`
	}
	mediaObj struct {
		Link     string `json:"link"`
		Caption  string `json:"caption,omitempty"`
		Filename string `json:"filename,omitempty"`
	}
	interactive struct {
		Type   string  `json:"type"`
		Header *header `json:"header,omitempty"`
		Body   struct {
			Text string `json:"text"`
		} `json:"body"`
		Footer *footer `json:"footer,omitempty"`
		Action action  `json:"action"`
	}
	header struct {
		Type string `json:"type"`
		Text string `json:"text,omitempty"`
		mediaFields
	}
	footer struct {
		Text string `json:"text"`
	}
	action struct {
		Name       string         `json:"name,omitempty"`
		Button     string         `json:"button,omitempty"`
		Buttons    []button       `json:"buttons,omitempty"`
		Sections   []section      `json:"sections,omitempty"`
		Parameters *ctaParameters `json:"parameters,omitempty"`
	}
	button struct {
		Type  string `json:"type"`
		Reply struct {
			ID    string `json:"id"`
			Title string `json:"title"`
		} `json:"reply"`
	}
	section struct {
		Rows []row `json:"rows"`
	}
	row struct {
		ID          string `json:"id"`
		Title       string `json:"title"`
		Description string `json:"description,omitempty"`
	}
	ctaParameters struct {
		DisplayText string `json:"display_text,omitempty"`
		URL         string `json:"url,omitempty"`

		// a WhatsApp Flow's
		FlowMessageVersion string             `json:"flow_message_version,omitempty"`
		FlowID             string             `json:"flow_id,omitempty"`
		FlowCTA            string             `json:"flow_cta,omitempty"`
		FlowAction         string             `json:"flow_action,omitempty"`
		FlowActionPayload  *flowActionPayload `json:"flow_action_payload,omitempty"`
		FlowToken          string             `json:"flow_token,omitempty"`
	}
	flowActionPayload struct {
		Screen string            `json:"screen"`
		Data   map[string]string `json:"data,omitempty"`
	}
)

// graphAnswer is what Graph answers a send: the message's id, or an error.
type graphAnswer struct {
	Messages []struct {
		ID string `json:"id"`
	} `json:"messages"`
	Error *struct {
		Message string `json:"message"`
		Code    int    `json:"code"`
	} `json:"error"`
}

// mediaKind is the Graph type of an attachment's content type: image, video, audio or document ("" for one
// WhatsApp can't carry by link, geo: say).
func mediaKind(contentType string) string {
	kind, _, _ := strings.Cut(contentType, "/")
	switch kind {
	case "image", "video", "audio":
		return kind
	case "application", "text":
		return "document"
	}
	return ""
}

func newMedia(kind, link string) *mediaObj {
	m := &mediaObj{Link: link}
	if kind == "document" {
		m.Filename = path.Base(link)
	}
	return m
}

// set puts a media object under its kind.
func (f *mediaFields) set(kind string, m *mediaObj) {
	switch kind {
	case "image":
		f.Image = m
	case "video":
		f.Video = m
	case "audio":
		f.Audio = m
	default:
		f.Document = m
	}
}

// Send sends a message as the requests WhatsApp needs: a templated message as its template alone
// (template.go); else each attachment as a media message (the only one with the text as its caption, when that
// fits), then the text in parts of WhatsApp's size, the last carrying the quick replies as reply buttons (up to
// 3), a list (up to 10, with descriptions), a location request, a WhatsApp Flow or a link button. The external
// id is the first request's message id.
func (h handler) Send(ctx context.Context, ch *channels.Channel, msg *channels.Outgoing, client *http.Client) *channels.SendResult {
	token := accessToken(ch)
	if token == "" || ch.Address == "" {
		return channels.Failed(channels.ErrorChannelConfig, msgChannelConfig)
	}
	if client == nil {
		client = http.DefaultClient
	}
	to := msg.URN.Path()
	base := sendPayload{MessagingProduct: "whatsapp", RecipientType: "individual", To: to}
	if msg.Templating != nil {
		// a template is the whole message: its text is only the engine's preview of it
		p := base
		p.Type, p.Template = "template", templatePayload(msg.Templating)
		id, res := post(ctx, client, graphBase(ch)+"/"+ch.Address+"/messages", token, p)
		if res != nil {
			return res
		}
		return channels.Wired(id)
	}

	// max_length may lower WhatsApp's limit, never raise it
	max := ch.Config.Int(ConfigMaxLength, maxTextBytes)
	if max <= 0 || max > maxTextBytes {
		max = maxTextBytes
	}
	if len(msg.Attachments) > 0 || len(msg.QuickReplies) > 0 {
		max = min(max, maxCaptionBytes)
	}
	var parts []string
	if msg.Text != "" {
		parts = channels.SplitText(msg.Text, max)
	}

	type attachment struct{ kind, link string }
	var atts []attachment
	for _, a := range msg.Attachments {
		ct, link, ok := strings.Cut(a, ":")
		if !ok {
			continue
		}
		if kind := mediaKind(ct); kind != "" {
			atts = append(atts, attachment{kind, link})
		}
	}

	qrKind, replies := pickQuickReplies(msg.QuickReplies)
	if qrKind == "buttons" && msg.Extras != nil && msg.Extras.List {
		qrKind = "list"
	}

	var payloads []sendPayload
	// a reply-button message may show its first image, video or document as its header
	var hdr *header
	if (qrKind == "buttons" || mediaHeader(msg.Extras, qrKind)) && !textHeader(msg.Extras) && len(atts) > 0 && atts[0].kind != "audio" && len(parts) > 0 {
		hdr = &header{Type: atts[0].kind}
		hdr.set(atts[0].kind, newMedia(atts[0].kind, atts[0].link))
		atts = atts[1:]
	}
	if len(atts) == 1 && atts[0].kind != "audio" && len(parts) == 1 && qrKind == "" {
		p := base
		m := newMedia(atts[0].kind, atts[0].link)
		m.Caption = parts[0]
		p.Type = atts[0].kind
		p.set(atts[0].kind, m)
		payloads = append(payloads, p)
		parts = nil
	} else {
		for _, a := range atts {
			p := base
			p.Type = a.kind
			p.set(a.kind, newMedia(a.kind, a.link))
			payloads = append(payloads, p)
		}
	}
	for i, part := range parts {
		p := base
		if i < len(parts)-1 || qrKind == "" {
			p.Type = "text"
			p.Text = &textObj{Body: part, PreviewURL: strings.Contains(part, "http://") || strings.Contains(part, "https://")}
		} else {
			p.Type = "interactive"
			p.Interactive = buildInteractive(qrKind, replies, part, hdr)
			withExtras(p.Interactive, msg.Extras)
		}
		payloads = append(payloads, p)
	}

	var externalID string
	for _, p := range payloads {
		id, res := post(ctx, client, graphBase(ch)+"/"+ch.Address+"/messages", token, p)
		if res != nil {
			return res
		}
		if externalID == "" {
			externalID = id
		}
	}
	return channels.Wired(externalID)
}

// pickQuickReplies chooses the one kind of quick replies a message shows, location before form before url before
// text, as courier does: "buttons" (3 text replies at most, none with extra), "list", "location", "form", "url"
// or "".
func pickQuickReplies(qrs []channels.QuickReply) (string, []channels.QuickReply) {
	byType := map[string][]channels.QuickReply{}
	for _, q := range qrs {
		byType[q.Type] = append(byType[q.Type], q)
	}
	switch {
	case len(byType["location"]) > 0:
		return "location", byType["location"][:1]
	case len(byType["form"]) > 0:
		return "form", byType["form"][:1]
	case len(byType["url"]) > 0:
		return "url", byType["url"][:1]
	case len(byType["text"]) > 0:
		texts := byType["text"]
		if len(texts) <= maxButtons && !slices.ContainsFunc(texts, func(q channels.QuickReply) bool { return q.Extra != "" }) {
			return "buttons", texts
		}
		return "list", texts[:min(len(texts), maxListRows)]
	}
	return "", nil
}

func buildInteractive(kind string, replies []channels.QuickReply, body string, hdr *header) *interactive {
	in := &interactive{}
	in.Body.Text = body
	switch kind {
	case "buttons":
		in.Type, in.Header = "button", hdr
		for i, q := range replies {
			b := button{Type: "reply"}
			b.Reply.ID, b.Reply.Title = fmt.Sprint(i), stringsx.TruncateEllipsis(q.Text, maxButtonTitle)
			in.Action.Buttons = append(in.Action.Buttons, b)
		}
	case "list":
		in.Type, in.Action.Button = "list", "Menu"
		var rows []row
		for i, q := range replies {
			rows = append(rows, row{ID: fmt.Sprint(i), Title: stringsx.TruncateEllipsis(q.Text, maxRowTitle),
				Description: stringsx.TruncateEllipsis(q.Extra, maxRowDesc)})
		}
		in.Action.Sections = []section{{Rows: rows}}
	case "location":
		in.Type, in.Action.Name = "location_request_message", "send_location"
	case "form":
		in.Type, in.Action.Name = "flow", "flow"
		in.Action.Parameters = formParameters(replies[0])
	case "url":
		in.Type, in.Action.Name, in.Header = "cta_url", "cta_url", hdr
		in.Action.Parameters = &ctaParameters{DisplayText: stringsx.TruncateEllipsis(replies[0].Text, maxButtonTitle), URL: replies[0].Extra}
	}
	return in
}

// formParameters are a WhatsApp Flow message's, from a form quick reply: its text is the button (at most 30
// characters), its extra "[dx:]<flow id>[/<screen>][?<key>=<value>&…&token=<flow token>]": dx: asks for the
// data_exchange action, else the flow opens at the screen (navigate) with the other keys as its data.
func formParameters(q channels.QuickReply) *ctaParameters {
	p := &ctaParameters{FlowMessageVersion: "3", FlowCTA: stringsx.TruncateEllipsis(q.Text, maxFlowCTA), FlowAction: "navigate"}
	extra := q.Extra
	if rest, ok := strings.CutPrefix(extra, "dx:"); ok {
		p.FlowAction, extra = "data_exchange", rest
	}
	extra, query, _ := strings.Cut(extra, "?")
	flowID, screen, _ := strings.Cut(extra, "/")
	p.FlowID = flowID
	data := map[string]string{}
	if values, err := url.ParseQuery(query); err == nil {
		for k, vs := range values {
			if k == "token" {
				p.FlowToken = vs[0]
			} else {
				data[k] = vs[0]
			}
		}
	}
	if p.FlowAction == "navigate" && screen != "" {
		p.FlowActionPayload = &flowActionPayload{Screen: screen}
		if len(data) > 0 {
			p.FlowActionPayload.Data = data
		}
	}
	return p
}

// post makes one Graph request: the message id, or the result of a send that didn't go.
func post(ctx context.Context, client *http.Client, endpoint, token string, p sendPayload) (string, *channels.SendResult) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(p); err != nil {
		return "", channels.Failed(channels.ErrorResponseContent, err.Error())
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(bytes.TrimSpace(buf.Bytes())))
	if err != nil {
		return "", channels.Failed(channels.ErrorChannelConfig, msgChannelConfig)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return "", channels.Errored(channels.ErrorConnectionFailed, msgConnectionFailed)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if err != nil || resp.StatusCode/100 == 5 {
		return "", channels.Errored(channels.ErrorConnectionFailed, msgConnectionFailed)
	}
	var ans graphAnswer
	parseErr := json.Unmarshal(body, &ans)
	if ans.Error != nil && ans.Error.Code != 0 {
		code := fmt.Sprint(ans.Error.Code)
		e := channels.SendError{Code: codeExternal, ExtCode: code, Message: ans.Error.Message}
		switch {
		case slices.Contains(throttled, ans.Error.Code) || resp.StatusCode == http.StatusTooManyRequests:
			return "", &channels.SendResult{Status: channels.SendErrored, Errors: []channels.SendError{
				{Code: channels.ErrorConnectionThrottled, Message: msgConnectionThrottled}, e}}
		case slices.Contains(retryable, ans.Error.Code):
			return "", &channels.SendResult{Status: channels.SendErrored, Errors: []channels.SendError{e}}
		}
		return "", &channels.SendResult{Status: channels.SendFailed, Errors: []channels.SendError{e}, Reason: code}
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		return "", channels.Errored(channels.ErrorConnectionThrottled, msgConnectionThrottled)
	}
	if resp.StatusCode/100 != 2 {
		return "", channels.Failed(channels.ErrorResponseStatus, "Response has non-success status code.")
	}
	if parseErr != nil || len(ans.Messages) == 0 || ans.Messages[0].ID == "" || !utf8.ValidString(ans.Messages[0].ID) {
		return "", channels.Failed(channels.ErrorResponseUnparseable, msgResponseUnparseable)
	}
	return ans.Messages[0].ID, nil
}
