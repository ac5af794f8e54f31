package external

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/flowsd/flowsd/channels"
	"github.com/nyaruka/gocommon/gsm7"
	"github.com/nyaruka/gocommon/httpx"
	"github.com/nyaruka/gocommon/i18n"
	"github.com/nyaruka/gocommon/jsonx"
	"github.com/nyaruka/gocommon/urns"
)

// UserAgent is the User-Agent of every request to a gateway. Set it (once, at start-up) to add a version.
var UserAgent = "flowsd"

// The content_type values with a meaning; any other value is sent verbatim as the Content-Type header and the
// variables are then substituted as they are.
const (
	contentURLEncoded = "urlencoded"
	contentJSON       = "json"
	contentXML        = "xml"
)

var contentTypeHeaders = map[string]string{
	contentURLEncoded: "application/x-www-form-urlencoded",
	contentJSON:       "application/json",
	contentXML:        "text/xml; charset=utf-8",
}

const (
	defaultMaxLength = 160
	encodingSmart    = "S" // "D" (default) and "U" (unicode) change nothing
)

// What channel logs say of each failure (courier's messages).
const (
	msgChannelConfig       = "Channel configuration is missing required values."
	msgConnectionFailed    = "Connection to server failed."
	msgConnectionThrottled = "Connection to server has been rate limited."
	msgResponseStatus      = "Response has non-success status code."
	msgResponseContent     = "Response content indicates non-success."
	codeInternal           = "internal_error"
	msgInternal            = "An internal error occured." // sic, courier's text
)

// Send sends the message as one request per part of its content, in order, stopping at the first that fails.
func (handler) Send(ctx context.Context, ch *channels.Channel, msg *channels.Outgoing, client *http.Client) *channels.SendResult {
	cfg := ch.Config
	sendURL := cfg.String(ConfigSendURL, "")
	if sendURL == "" {
		return channels.Failed(channels.ErrorChannelConfig, msgChannelConfig)
	}
	method := cfg.String(ConfigMethod, http.MethodPost)
	bodyTemplate := cfg.String(ConfigBody, "")
	contentType := cfg.String(ConfigContentType, contentURLEncoded)
	contentTypeHeader := contentTypeHeaders[contentType]
	if contentTypeHeader == "" {
		contentTypeHeader = contentType
	}
	responseCheck := cfg.String(ConfigMTResponseCheck, "")
	smart := cfg.String(ConfigEncoding, "D") == encodingSmart
	hasBody := method == http.MethodPost || method == http.MethodPut // compared as written, like courier
	if client == nil {
		client = http.DefaultClient
	}

	to := msg.URN.Path()
	toNoPlus := strings.TrimPrefix(to, "+")
	if cfg.Bool(ConfigUseNational) {
		to = urns.ToLocalPhone(msg.URN, i18n.Country(ch.Country))
		toNoPlus = to
	}

	// quick replies: text ones only, and only with the last part
	var replies []string
	for _, qr := range msg.QuickReplies {
		if qr.Type == "text" {
			replies = append(replies, qr.Text)
		}
	}

	parts := channels.SplitText(content(msg), cfg.Int(ConfigMaxLength, defaultMaxLength))
	for i, part := range parts {
		text := part
		if smart {
			if replaced := gsm7.ReplaceSubstitutions(part); gsm7.IsValid(replaced) {
				text = replaced
			}
		}
		vars := map[string]string{
			"id":             msg.UUID, // deprecated name of uuid, still used by some gateways
			"uuid":           msg.UUID,
			"text":           text,
			"to":             to,
			"to_no_plus":     toNoPlus,
			"from":           ch.Address,
			"from_no_plus":   strings.TrimPrefix(ch.Address, "+"),
			"channel":        ch.UUID,
			"session_status": msg.SessionStatus,
		}
		var partReplies []string
		if i == len(parts)-1 {
			partReplies = replies
		}

		// the URL is always query-escaped; the body (POST and PUT only) is encoded for its content type
		reqURL := substitute(sendURL, encodeVars(vars, partReplies, contentURLEncoded))
		var body io.Reader
		if hasBody {
			body = strings.NewReader(substitute(bodyTemplate, encodeVars(vars, partReplies, contentType)))
		}

		req, err := httpx.NewRequest(ctx, method, reqURL, body, nil)
		if err != nil {
			return channels.Errored(codeInternal, msgInternal)
		}
		req.Header.Set("Content-Type", contentTypeHeader)
		if auth := cfg.String(ConfigSendAuthorization, ""); auth != "" {
			req.Header.Set("Authorization", auth)
		}
		headers := cfg.Strings(ConfigHeaders)
		names := make([]string, 0, len(headers))
		for name := range headers {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			req.Header.Set(name, headers[name])
		}
		req.Header.Set("User-Agent", UserAgent)

		if res := doPart(client, req, responseCheck); res != nil {
			return res
		}
	}
	return channels.Wired("")
}

// doPart makes one request: nil when it succeeded, else the result of the send.
func doPart(client *http.Client, req *http.Request, responseCheck string) *channels.SendResult {
	resp, err := client.Do(req)
	if err != nil {
		return channels.Errored(channels.ErrorConnectionFailed, msgConnectionFailed)
	}
	respBody, err := io.ReadAll(resp.Body)
	resp.Body.Close()

	switch {
	case err != nil || resp.StatusCode/100 == 5:
		return channels.Errored(channels.ErrorConnectionFailed, msgConnectionFailed)
	case resp.StatusCode == http.StatusTooManyRequests:
		res := channels.Errored(channels.ErrorConnectionThrottled, msgConnectionThrottled)
		res.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), time.Now())
		return res
	case resp.StatusCode/100 != 2:
		return channels.Failed(channels.ErrorResponseStatus, msgResponseStatus)
	case responseCheck != "" && !bytes.Contains(respBody, []byte(responseCheck)):
		return channels.Failed(channels.ErrorResponseContent, msgResponseContent)
	}
	return nil
}

// retryAfter reads a Retry-After header: a number of seconds or an HTTP date; 0 when absent, unreadable or past.
func retryAfter(value string, now time.Time) time.Duration {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(value, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		if secs > int64(365*24*time.Hour/time.Second) {
			secs = int64(365 * 24 * time.Hour / time.Second)
		}
		return time.Duration(secs) * time.Second
	}
	if at, err := http.ParseTime(value); err == nil && at.After(now) {
		return at.Sub(now)
	}
	return 0
}

// content is what is split into parts: the text, then each attachment's URL (its media type dropped) on a line
// of its own.
func content(msg *channels.Outgoing) string {
	var b strings.Builder
	b.WriteString(msg.Text)
	for _, a := range msg.Attachments {
		b.WriteByte('\n')
		if _, u, found := strings.Cut(a, ":"); found {
			b.WriteString(u)
		} else {
			b.WriteString(a)
		}
	}
	return b.String()
}

// encodeVars encodes the variables for a template of the given content type, with quick_replies written in that
// type's form.
func encodeVars(vars map[string]string, replies []string, contentType string) map[string]string {
	out := make(map[string]string, len(vars)+1)
	for k, v := range vars {
		switch contentType {
		case contentURLEncoded:
			out[k] = url.QueryEscape(v)
		case contentJSON:
			b, _ := json.Marshal(v) // a quoted JSON string, HTML characters escaped as courier's are
			out[k] = string(b)
		case contentXML:
			out[k] = xmlEscape(v)
		default:
			out[k] = v
		}
	}

	switch contentType {
	case contentJSON:
		if replies == nil {
			replies = []string{}
		}
		b, _ := jsonx.Marshal(replies) // an array of strings; courier writes this one without HTML escaping
		out["quick_replies"] = string(b)
	case contentXML:
		var b strings.Builder
		for _, r := range replies {
			b.WriteString("<item>")
			b.WriteString(xmlEscape(r))
			b.WriteString("</item>")
		}
		out["quick_replies"] = b.String()
	default: // urlencoded, and verbatim content types too
		var b strings.Builder
		for _, r := range replies {
			b.WriteString("&quick_reply=")
			b.WriteString(url.QueryEscape(r))
		}
		out["quick_replies"] = b.String()
	}
	return out
}

func xmlEscape(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// substitute replaces each {{name}} of a known variable in one pass from left to right: substituted values are
// never looked at again, so a text containing "{{to}}" is sent as it is. (courier walks its variables in map order,
// so there such a value may or may not be substituted again; flowsd chooses never.) Unknown names are left alone.
func substitute(template string, vars map[string]string) string {
	var b strings.Builder
	for {
		start := strings.Index(template, "{{")
		if start < 0 {
			b.WriteString(template)
			return b.String()
		}
		b.WriteString(template[:start])
		rest := template[start+2:]
		end := strings.Index(rest, "}}")
		if end >= 0 {
			if v, ok := vars[rest[:end]]; ok {
				b.WriteString(v)
				template = rest[end+2:]
				continue
			}
		}
		// not a variable: keep the first brace and look again from the next one
		b.WriteByte('{')
		template = template[start+1:]
	}
}
